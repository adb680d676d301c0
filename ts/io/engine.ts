import type { Connection } from '../oo/connection.ts';
import type { Session } from '../oo/session.ts';

/** What a TLSEngine produces; an adapter maps these onto its runtime's I/O. */
export interface EngineEvents {
  /** Bytes for the network, in order. */
  transmit(bytes: Uint8Array): void;
  /** Decrypted application data. */
  plaintext(bytes: Uint8Array): void;
  /** The handshake completed. */
  secure(): void;
  /** A new session (lent for the call: ref() keeps it). TLS 1.3 clients get it after secure(). */
  session?(session: Session): void;
  /** The peer sent close_notify: no more plaintext will come. */
  peerClosed(): void;
  /** A fatal error; the engine is finished (any alert has already been transmitted). */
  error(error: Error): void;
}

/**
 * The event-driven core every I/O adapter shares. It owns the Connection's progress: network bytes
 * in, plaintext in, and everything that comes out reported through EngineEvents, synchronously.
 * Adapters (Node streams, Deno connections, Web Streams, WebSockets) only move bytes.
 */
export class TLSEngine {
  #pending: Uint8Array[] = [];
  #secure = false;
  #finished = false;
  #closing = false;

  constructor(readonly connection: Connection, private readonly events: EngineEvents) {
    const previous = connection.onSession;
    connection.onSession = s => {
      previous?.(s);
      events.session?.(s);
    };
  }

  get secure(): boolean {
    return this.#secure;
  }
  get finished(): boolean {
    return this.#finished;
  }

  /** Starts the handshake (a client sends its ClientHello). */
  start(): void {
    this.#run(() => this.#advance());
  }

  /**
   * Bytes that arrived from the network. Fed to the connection no more at a time than it accepts
   * (its incomingCapacity), each piece processed before the next, so a large chunk never fills
   * linear memory. What it decrypts is reported at once: an adapter whose reader is not keeping up
   * applies backpressure by not reading the network, not by holding back here.
   */
  receive(bytes: Uint8Array): void {
    if (this.#finished) return;
    this.#run(() => {
      for (let at = 0; at < bytes.length && !this.#finished;) {
        // At least one byte: a connection that can take none (a handshake paused for a
        // client-hello callback) then says so with receive()'s RangeError.
        const n = Math.max(1, Math.min(bytes.length - at, this.connection.incomingCapacity));
        this.connection.receive(bytes.subarray(at, at += n));
        this.#advance();
      }
    });
  }

  /** The network closed its side: no more bytes will arrive. */
  receiveEnd(): void {
    if (this.#finished) return;
    this.#run(() => {
      this.connection.receiveEnd();
      this.#advance();
    });
  }

  /** Plaintext to send; held until the handshake completes. */
  write(bytes: Uint8Array): void {
    if (this.#finished || this.#closing) throw new Error('write after the TLS connection was closed');
    this.#pending.push(bytes);
    this.#run(() => this.#advance());
  }

  /** Sends close_notify (after any pending plaintext). */
  close(): void {
    if (this.#finished || this.#closing) return;
    this.#closing = true;
    this.#run(() => this.#advance());
  }

  #advance(): void {
    const conn = this.connection;
    if (!this.#secure) {
      const p = conn.handshake();
      this.#flush();
      if (p === 'want-client-hello-cb') {
        // Paused for asynchronous work (a session lookup): go on when it is done.
        void conn.pending?.then(() => { if (!this.#finished) this.#run(() => this.#advance()); });
        return;
      }
      if (p !== 'done') return;
      this.#secure = true;
      this.events.secure();
    }
    while (this.#pending.length) {
      if (conn.write(this.#pending[0]) !== 'done') break;
      this.#pending.shift();
    }
    const { data, state } = conn.read();
    this.#flush();
    if (data.length) this.events.plaintext(data);
    if (state === 'closed') {
      this.#finished = true;
      if (!this.#closing) conn.shutdown(); // answer the peer's close_notify
      this.#flush();
      this.events.peerClosed();
      return;
    }
    if (this.#closing && this.#pending.length === 0 && (conn.shutdownState & 1) === 0) {
      conn.shutdown();
      this.#flush();
    }
  }

  #flush(): void {
    const out = this.connection.takeOutgoing();
    if (out.length) this.events.transmit(out);
  }

  #run(step: () => void): void {
    try {
      step();
    } catch (e) {
      this.#finished = true;
      // A fatal error leaves an alert to send: transmit it before reporting.
      try {
        if (this.connection.alive) this.#flush();
      } catch { /* the error below is what matters */ }
      this.events.error(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
