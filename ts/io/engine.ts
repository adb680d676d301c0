import type { Connection, Progress } from '../oo/connection.ts';
import type { Session } from '../oo/session.ts';
import { FreedHandleError } from '../oo/handle.ts';

/** What a TLSEngine produces; an adapter maps these onto its runtime's I/O. */
export interface EngineEvents {
  /**
   * Bytes for the network, in order. `reply`: bytes that reading the peer's messages made after the
   * handshake (answers to its KeyUpdates, a renegotiation it asked for), not the application's
   * data. A peer that keeps asking and never reads can pile these up without end: an adapter stops
   * reading the peer while too many wait to be sent (MAX_UNSENT_REPLIES).
   */
  transmit(bytes: Uint8Array, reply: boolean): void;
  /** Decrypted application data. */
  plaintext(bytes: Uint8Array): void;
  /** The handshake completed. */
  secure(): void;
  /** A new session (lent for the call: ref() keeps it). TLS 1.3 clients get it after secure(). */
  session?(session: Session): void;
  /**
   * The peer sent close_notify: no more plaintext will come. Without allowHalfOpen the engine has
   * answered with its own and is finished; with it, writes go on until close() sends ours.
   */
  peerClosed(): void;
  /**
   * allowHalfOpen only: both directions are over (our close_notify sent after the peer's), so the
   * engine is finished. Without allowHalfOpen, peerClosed() (or error()) is the last event.
   */
  closed?(): void;
  /**
   * Our close_notify has been handed to transmit() (by close(), or answering the peer's): what
   * ends the transport's writing side goes here, not after any one transmit(), since one step's
   * data and close_notify come in separate transmits.
   */
  sentClose?(): void;
  /** A fatal error; the engine is finished (any alert has already been transmitted). */
  error(error: Error): void;
  /**
   * Servers: early data (0-RTT) the client sent, before secure(). Without this listener it goes to
   * plaintext() like the rest. Early data may be a replay (RFC 8446 8): act on it only if that is safe.
   */
  earlyData?(bytes: Uint8Array): void;
}

/** Connections a TLSEngine drives: one engine each. */
const driven = new WeakSet<Connection>();

/** Throws unless `connection` is free to be driven: two engines on one would each run its handshake and take the other's bytes. */
export function assertNotDriven(where: string, connection: Connection): void {
  if (driven.has(connection)) {
    throw new TypeError(`${where}: this Connection is already driven by a TLSEngine (a TLS stream or socket); make a new one with context.createConnection()`);
  }
}

/**
 * The most bytes of replies (EngineEvents.transmit's `reply`) an adapter lets wait unsent before it
 * stops reading the peer: a KeyUpdate flood from a peer that does not read holds at most this much
 * (plus what one receive() slice answers) instead of growing for as long as the peer sends.
 */
export const MAX_UNSENT_REPLIES = 64 * 1024;

/** The most plaintext handed to OpenSSL in one write: 16 records. */
const WRITE_SLICE = 16 * 16384;
/**
 * The most of a received chunk processed in one step: four full records. What one step's events
 * keep until delivered (a session for each ticket in it) is bounded by what this many bytes hold.
 */
const RECEIVE_SLICE = 4 * (16384 + 256 + 5);

/** How a TLSEngine starts. */
export interface EngineOptions {
  /**
   * Clients: plaintext to send as TLS 1.3 early data (0-RTT) when the connection resumes a session
   * whose maxEarlyData allows that much; otherwise it is sent as soon as the handshake completes.
   * If the server rejects it, the engine sends it again after the handshake, so it arrives either
   * way (connection.earlyDataStatus says which). Send only what is safe to receive twice.
   */
  earlyData?: Uint8Array;
  /**
   * The peer's close_notify ends only the readable side (peerClosed); writes go on and close()
   * sends our close_notify, as Node's allowHalfOpen. TLS 1.3 allows writing after the peer's
   * close_notify (RFC 8446 6.1); OpenSSL allows it in TLS 1.2 too (SSL_write stops only after our
   * own close_notify, SSL_SENT_SHUTDOWN), and peers that read on after sending theirs (OpenSSL,
   * Node) take it there as well. Default false: the peer's close_notify is answered at once and
   * ends the engine.
   */
  allowHalfOpen?: boolean;
}

/**
 * The event-driven core every I/O adapter shares. It owns the Connection's progress: network bytes
 * in, plaintext in, and everything that comes out reported through EngineEvents. Events are
 * delivered once the step that raised them is over, never from inside an OpenSSL call: a listener
 * may do anything, free the connection included (a session raised inside OpenSSL's call is kept
 * with ref() until delivered). Adapters (Node streams, Deno connections, Web Streams, WebSockets)
 * only move bytes.
 */
export class TLSEngine {
  #pending: Uint8Array[] = [];
  #secure = false;
  #finished = false;
  #closing = false;
  /** The peer's close_notify was read (its side is over; with allowHalfOpen ours may go on). */
  #peerClosed = false;
  readonly #allowHalfOpen: boolean;
  /** Whether a step is running (calls from inside it, through object-layer callbacks, wait for it). */
  #stepping = false;
  /** Steps asked for while another was running. */
  readonly #later: (() => void)[] = [];
  /**
   * Events raised by the running step, delivered when it is over: bytes for the network first, then
   * the others, each in order. The network's bytes go before what a listener might do about the
   * events (end the socket on 'data', say), as they did when the step itself handed them over.
   * `drop` gives back what an undelivered event holds (a kept session).
   */
  readonly #transmits: (() => void)[] = [];
  readonly #events: { deliver: () => void; drop?: () => void }[] = [];
  /** An error event is queued or delivered: the engine reports one error, once. */
  #errored = false;

  // ---- early data (0-RTT): a client's to send, and whether a server reads it
  /** Clients: early data not yet handed to the connection. */
  #earlyToSend: Uint8Array | null;
  /** Clients: early data written as such, resent if the server does not accept it. */
  #earlySent: Uint8Array | null = null;
  /** Servers: read early data before the handshake (the context allows some) until it is finished. */
  #readingEarly: boolean;

  constructor(readonly connection: Connection, private readonly events: EngineEvents, options: EngineOptions = {}) {
    if (!connection.alive) throw new FreedHandleError('TLSEngine: this Connection was freed; make a new one with context.createConnection()');
    const early = options.earlyData;
    if (early !== undefined && !(early instanceof Uint8Array)) throw new TypeError('TLSEngine: options.earlyData must be a Uint8Array');
    if (options.allowHalfOpen !== undefined && typeof options.allowHalfOpen !== 'boolean') throw new TypeError('TLSEngine: options.allowHalfOpen must be a boolean');
    if (early !== undefined && connection.context.role !== 'client') throw new TypeError('TLSEngine: options.earlyData is for clients; a server gets early data through the earlyData event');
    assertNotDriven('TLSEngine', connection); // after the arguments' own checks
    driven.add(connection);
    this.#earlyToSend = early && early.length > 0 ? early : null;
    this.#allowHalfOpen = options.allowHalfOpen === true;
    this.#readingEarly = connection.context.role === 'server' && connection.context.maxEarlyData > 0;
    if (events.session) {
      connection.addSessionListener(s => {
        const kept = s.ref(); // lent only for OpenSSL's callback, which is over by delivery
        this.#emit(() => events.session!(kept), () => kept.free());
        // Raised by a call of someone else's (not a step of ours): delivered once the stack is empty.
        if (!this.#stepping) queueMicrotask(() => { if (!this.#stepping) this.#deliver(); });
      });
    }
  }

  get secure(): boolean {
    return this.#secure;
  }
  get finished(): boolean {
    return this.#finished;
  }
  /** The peer sent close_notify (with allowHalfOpen the engine may still be writing). */
  get peerClosed(): boolean {
    return this.#peerClosed;
  }

  /** Starts the handshake (a client sends its ClientHello). */
  start(): void {
    this.#run(() => this.#advance());
  }

  /**
   * Bytes that arrived from the network. Fed to the connection no more at a time than it accepts
   * (its incomingCapacity) or RECEIVE_SLICE, each piece processed and its events delivered before
   * the next, so a large chunk never fills linear memory. What it decrypts is reported at once
   * (before receive() returns): an adapter whose reader is not keeping up
   * applies backpressure by not reading the network, not by holding back here.
   */
  receive(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('TLSEngine.receive: bytes must be a Uint8Array');
    // Nothing may follow the peer's close_notify (OpenSSL would discard it unread).
    if (this.#finished || this.#peerClosed) return;
    let at = 0;
    // Each piece is a step of its own, its events delivered before the next is read: a session
    // raised inside OpenSSL's call is kept until delivered, so a chunk of a peer's session tickets
    // read in one step would keep one session for each (~1 KB of linear memory a ticket).
    const piece = (): void => {
      // At least one byte: a connection that can take none (a handshake paused for a
      // client-hello callback) then says so with receive()'s RangeError.
      const n = Math.max(1, Math.min(bytes.length - at, this.connection.incomingCapacity, RECEIVE_SLICE));
      this.connection.receive(bytes.subarray(at, at += n));
      // First in line, after only what this piece's advance puts before it (the rest of a
      // handshake that completes here).
      if (at < bytes.length) this.#later.unshift(piece);
      this.#advance();
    };
    this.#run(piece);
  }

  /** The network closed its side: no more bytes will arrive. */
  receiveEnd(): void {
    if (this.#finished || this.#peerClosed) return; // after close_notify, the transport's end is expected
    this.#run(() => {
      this.connection.receiveEnd();
      this.#advance();
    });
  }

  /** Plaintext to send; held until the handshake completes. */
  write(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('TLSEngine.write: bytes must be a Uint8Array');
    if (this.#finished || this.#closing) throw new Error('write after the TLS connection was closed');
    this.#pending.push(bytes);
    this.#run(() => this.#advance());
  }

  /**
   * Sends close_notify (after any pending plaintext); reading goes on until the peer's close_notify
   * (a half-close of our side). With allowHalfOpen, after the peer's, this finishes the engine.
   */
  close(): void {
    if (this.#finished || this.#closing) return;
    this.#closing = true;
    this.#run(() => this.#advance());
  }

  #advance(): void {
    const conn = this.connection;
    if (!this.#secure) {
      if (this.#earlyToSend) this.#sendEarly(this.#earlyToSend);
      let p: Progress;
      if (this.#readingEarly) {
        const r = conn.readEarlyData();
        this.#flush();
        if (r.data.length) {
          const data = r.data;
          this.#emit(() => (this.events.earlyData ?? this.events.plaintext)(data));
        }
        p = r.state === 'finished' ? 'done' : r.state;
        if (p === 'done') {
          this.#readingEarly = false;
          p = conn.handshake();
        }
      } else {
        p = conn.handshake();
      }
      this.#flush();
      if (p === 'want-client-hello-cb') {
        // Paused for asynchronous work (a session lookup): go on when it is done.
        // A connection freed meanwhile (its socket destroyed while the lookup ran) has nothing to go on with.
        void conn.pending?.then(() => { if (!this.#finished && conn.alive) this.#run(() => this.#advance()); });
        return;
      }
      if (p !== 'done') return;
      this.#secure = true;
      // Early data the server did not take reached no one: it goes again, first of all.
      if (this.#earlySent && conn.earlyDataStatus !== 'accepted') this.#pending.unshift(this.#earlySent);
      this.#earlySent = null;
      this.#emit(() => this.events.secure());
      // The rest is a step of its own, after 'secure' is delivered: its listeners see the connection
      // as the handshake left it (before a TLS 1.3 ticket read next replaces its session), and
      // what they do (write, end) happens before the rest, as when events were raised in the call.
      this.#later.unshift(() => this.#advance());
      return;
    }
    while (this.#pending.length) {
      // In slices, each one's records taken out before the next is written: OpenSSL writes a whole
      // call into the memory BIO, so a 1 GB write would need 1 GB of linear memory (which never
      // shrinks), and fail the connection with an OutOfMemoryError beyond what it can hold.
      const next = this.#pending[0];
      const slice = next.length > WRITE_SLICE ? next.subarray(0, WRITE_SLICE) : next;
      if (conn.write(slice) !== 'done') break;
      this.#flush();
      if (slice === next) this.#pending.shift();
      else this.#pending[0] = next.subarray(slice.length);
    }
    if (!this.#peerClosed) {
      const { data, state } = conn.read();
      this.#flush(true);
      if (data.length) this.#emit(() => this.events.plaintext(data));
      if (state === 'closed') {
        this.#peerClosed = true;
        this.#emit(() => this.events.peerClosed());
        if (!this.#allowHalfOpen || this.#closing) {
          this.#finished = true;
          if (!this.#closing) { // answer the peer's close_notify
            conn.shutdown();
            this.#flush();
            this.#emit(() => this.events.sentClose?.());
          }
          return;
        }
        // Half-open: our side goes on writing until close().
      }
    }
    if (this.#closing && this.#pending.length === 0 && (conn.shutdownState & 1) === 0) {
      conn.shutdown();
      this.#flush();
      this.#emit(() => this.events.sentClose?.());
      if (this.#peerClosed) { // half-open, both sides now over
        this.#finished = true;
        this.#emit(() => this.events.closed?.());
      }
    }
  }

  /** Clients: writes `data` as early data if the session allows that much, else queues it for after the handshake. */
  #sendEarly(data: Uint8Array): void {
    this.#earlyToSend = null;
    const conn = this.connection;
    const session = conn.session;
    const max = session?.maxEarlyData ?? 0;
    session?.free();
    if (max >= data.length && conn.writeEarlyData(data) === 'done') {
      this.#earlySent = data;
      this.#flush();
    } else {
      this.#pending.unshift(data);
    }
  }

  /** Hands what the connection wrote to the network; `reply`: written by reading the peer (see EngineEvents.transmit). */
  #flush(reply = false): void {
    const out = this.connection.takeOutgoing();
    if (out.length) this.#transmits.push(() => { if (this.connection.alive) this.events.transmit(out, reply); });
  }

  /** Queues an event; `after` runs once it is delivered or dropped (a listener freed the connection). */
  #emit(deliver: () => void, after?: () => void): void {
    this.#events.push({
      deliver: () => {
        try {
          if (this.connection.alive) deliver();
        } finally {
          after?.();
        }
      },
      drop: after,
    });
  }

  /** Ends the engine with `e`, reported once, after the events queued before it. */
  #fail(e: unknown): void {
    this.#finished = true;
    if (this.#errored) return;
    this.#errored = true;
    const error = e instanceof Error ? e : new Error(String(e));
    this.#events.push({ deliver: () => this.events.error(error) });
  }

  #run(step: () => void): void {
    if (this.#stepping) { // from a callback of the running step: after it
      this.#later.push(step);
      return;
    }
    // Each step runs with no event delivered inside it; its events are delivered when it is over,
    // before the next step (one a callback asked for, or the rest of an advance) starts.
    for (let next: (() => void) | undefined = step; next && !this.#finished; next = this.#later.shift()) {
      this.#stepping = true;
      try {
        next();
      } catch (e) {
        // A fatal error leaves an alert to send: transmit it before reporting.
        try {
          if (this.connection.alive) this.#flush();
        } catch { /* the error below is what matters */ }
        this.#fail(e);
      } finally {
        this.#stepping = false;
      }
      this.#deliver();
    }
    // Only a finished engine drops what is left: a run started by a listener (write() from
    // 'secure', say) must leave the steps of the run that delivered to it, or they would be lost.
    if (this.#finished) this.#later.length = 0;
    this.#deliver();
  }

  /**
   * Delivers the queued events in order; a listener that frees the connection ends the engine. A
   * listener that throws ends the connection with that error, as it did when events were raised
   * inside the step: the events after it are dropped. An exception from error() itself goes to
   * the caller, once the queue is empty (so that every kept session is freed first).
   */
  #deliver(): void {
    let rethrow: { e: unknown } | null = null;
    for (;;) {
      const transmit = this.#transmits.shift();
      const ev = transmit ? { deliver: transmit } : this.#events.shift();
      if (!ev) break;
      try {
        ev.deliver();
      } catch (e) {
        if (this.#errored) {
          rethrow ??= { e };
        } else {
          for (const dropped of this.#events.splice(0)) dropped.drop?.();
          this.#fail(e);
        }
      }
      if (!this.connection.alive) this.#finished = true;
    }
    if (rethrow) throw rethrow.e;
  }
}
