/**
 * The Deno adapter's connection and listener, shaped as Deno's own Deno.TlsConn and Deno.TlsListener
 * (what Deno.connectTls / Deno.listenTls give), so that code written for those takes ours. Each is a
 * TLSStream (plaintext readable/writable, handshake, closed, connection) over a Deno TCP connection;
 * the TCP members (addresses, ref/unref, setNoDelay, setKeepAlive) are the TCP connection's own.
 */
import type { TLSStream } from './streams.ts';

/** A Deno.NetAddr. */
export interface DenoNetAddr { readonly transport: 'tcp' | 'udp'; readonly hostname: string; readonly port: number }

/** The part of Deno's API the adapter uses (so the package needs no Deno type definitions). */
export interface DenoTcpConn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly localAddr: DenoNetAddr;
  readonly remoteAddr: DenoNetAddr;
  close(): void;
  /** Ends TCP's writing side (FIN), reading going on. */
  closeWrite(): Promise<void>;
  ref(): void;
  unref(): void;
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(keepAlive?: boolean): void;
}
export interface DenoTcpListener {
  readonly addr: DenoNetAddr;
  accept(): Promise<DenoTcpConn>;
  close(): void;
  ref(): void;
  unref(): void;
}
interface DenoErrors { BadResource: new (message: string) => Error; Interrupted: new (message: string) => Error }
declare const Deno: { errors: DenoErrors };

/**
 * The most close() waits, in milliseconds, for what was written and its close_notify to go out
 * before it cuts the TCP connection: a peer that stopped reading would otherwise hold them (and the
 * connection) for ever.
 */
const CLOSE_FLUSH_MS = 2000;

/** Deno.errors.BadResource: what Deno's own TlsConn and TlsListener throw once closed. */
function badResource(message: string): Error {
  return new Deno.errors.BadResource(message);
}

/** What Deno's TlsConn.handshake() resolves to. */
export interface HandshakeInfo { alpnProtocol: string | null }

/**
 * `handshake` as both shapes at once: the TLSStream's promise (`await conn.handshake`, as the
 * browser and WebSocket streams have it) and Deno's method (`await conn.handshake()`, its HandshakeInfo).
 */
export interface DenoHandshake extends Promise<void> {
  (): Promise<HandshakeInfo>;
}

/** A TLS connection over Deno's TCP, with Deno.TlsConn's members; iterate or read as either. */
export class DenoTlsConn implements TLSStream, Disposable {
  readonly #stream: TLSStream;
  readonly #tcp: DenoTcpConn;
  #closed = false;
  /** After close(): `closed`, rejected with close()'s reason once the stream has ended. */
  #closedByClose: Promise<void> | null = null;
  /** The handshake completed: close() can end with close_notify. */
  #secure = false;
  /** The stream has ended (`closed` settled): close() leaves `closed` as it settled. */
  #ended = false;
  /** The reader and writer read() and write() use (taken at their first call: the streams are then locked). */
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  /** closeWrite()'s closing of `writable` (close() waits for it rather than closing again). */
  #closingWrite: Promise<void> | null = null;
  /** Bytes read() took from the stream and its caller's buffer had no room for. */
  #leftover: Uint8Array | null = null;
  readonly handshake: DenoHandshake;

  constructor(stream: TLSStream, tcp: DenoTcpConn) {
    this.#stream = stream;
    this.#tcp = tcp;
    const done = stream.handshake;
    done.then(() => { this.#secure = true; }, () => undefined);
    stream.closed.then(() => { this.#ended = true; }, () => { this.#ended = true; });
    // Read as the handshake completes: the connection is freed when the stream ends.
    const info = done.then((): HandshakeInfo => ({ alpnProtocol: stream.connection.alive ? stream.connection.alpn : null }));
    info.catch(() => undefined);
    const call = (): Promise<HandshakeInfo> => this.#closed ? Promise.reject(badResource('Bad resource ID')) : info;
    this.handshake = Object.assign(call, {
      then: done.then.bind(done), catch: done.catch.bind(done), finally: done.finally.bind(done), [Symbol.toStringTag]: 'Promise',
    }) as unknown as DenoHandshake;
  }

  get readable(): ReadableStream<Uint8Array> { return this.#stream.readable; }
  get writable(): WritableStream<Uint8Array> { return this.#stream.writable; }
  get closed(): Promise<void> { return this.#closedByClose ?? this.#stream.closed; }
  get connection(): TLSStream['connection'] { return this.#stream.connection; }
  get localAddr(): DenoNetAddr { return this.#tcp.localAddr; }
  get remoteAddr(): DenoNetAddr { return this.#tcp.remoteAddr; }

  /** Plaintext into `p`: the bytes read, or null at the end (Deno.Reader's read). Locks `readable`. */
  async read(p: Uint8Array): Promise<number | null> {
    if (!(p instanceof Uint8Array)) throw new TypeError('DenoTlsConn.read: give a Uint8Array to read into');
    this.#open();
    if (p.byteLength === 0) return 0;
    if (!this.#leftover) {
      this.#reader ??= this.#stream.readable.getReader();
      const { value, done } = await this.#reader.read();
      if (done) return null;
      this.#leftover = value;
    }
    const chunk = this.#leftover;
    const n = Math.min(p.byteLength, chunk.byteLength);
    p.set(chunk.subarray(0, n));
    this.#leftover = n < chunk.byteLength ? chunk.subarray(n) : null;
    return n;
  }

  /** Sends `p` as plaintext: resolves with its length once taken (Deno.Writer's write). Locks `writable`. */
  async write(p: Uint8Array): Promise<number> {
    if (!(p instanceof Uint8Array)) throw new TypeError('DenoTlsConn.write: give a Uint8Array to write');
    this.#open();
    this.#writer ??= this.#stream.writable.getWriter();
    await this.#writer.write(p.slice()); // a copy: the caller may reuse its buffer once this resolves
    return p.byteLength;
  }

  /** Sends close_notify: nothing more is written, reading goes on (as Deno's closeWrite()). */
  async closeWrite(): Promise<void> {
    this.#open();
    this.#writer ??= this.#stream.writable.getWriter();
    this.#closingWrite ??= this.#writer.close();
    await this.#closingWrite;
  }

  /**
   * Closes, as Deno's close(): reads waiting end, and any call after (close() again too) throws
   * Deno.errors.BadResource; what was written still goes out, then close_notify, then the TCP
   * connection closes, so a peer reading to the end reads the end, not a truncation. Cut at once,
   * without close_notify, before the handshake's end or while the caller holds `writable`; and
   * after CLOSE_FLUSH_MS if a peer that stopped reading holds the rest. `closed` then rejects with
   * a BadResource once the stream has ended.
   */
  close(): void {
    this.#open();
    this.#closed = true;
    const reason = badResource('the TLS connection was closed with close()');
    const stream = this.#stream;
    if (!this.#ended) {
      this.#closedByClose = stream.closed.then(() => { throw reason; }, () => { throw reason; });
      this.#closedByClose.catch(() => undefined);
    }
    // Through the reader read() took, else the stream itself, unless the caller holds it.
    void (this.#reader ? this.#reader.cancel(reason) : stream.readable.locked ? null : stream.readable.cancel(reason))?.catch(() => undefined);
    const writer = this.#writer ?? (stream.writable.locked ? null : stream.writable.getWriter());
    const cut = () => {
      try { this.#tcp.close(); } catch { /* the stream's teardown closed it first */ }
    };
    if (!writer || !this.#secure) {
      void writer?.abort(reason).catch(() => undefined);
      cut();
      return;
    }
    // Closing the TCP connection fails a write stuck behind the peer, which ends the stream.
    const timer = setTimeout(cut, CLOSE_FLUSH_MS);
    void (this.#closingWrite ?? writer.close()).catch(() => undefined).then(() => {
      clearTimeout(timer);
      cut();
    });
  }

  /** Closes unless already closed (Deno's TlsConn[Symbol.dispose]). */
  [Symbol.dispose](): void {
    if (!this.#closed) this.close();
  }

  ref(): void { this.#tcp.ref(); }
  unref(): void { this.#tcp.unref(); }
  /** The TCP connection's (Deno's TcpConn has it; its TlsConn does not). */
  setNoDelay(noDelay = true): void { this.#open(); this.#tcp.setNoDelay?.(noDelay); }
  setKeepAlive(keepAlive = true): void { this.#open(); this.#tcp.setKeepAlive?.(keepAlive); }

  #open(): void {
    if (this.#closed) throw badResource('Bad resource ID');
  }
}

/** Deno.TlsListener's shape over Deno.listen: each accepted connection a DenoTlsConn. */
export class DenoTlsListener implements AsyncIterableIterator<DenoTlsConn>, Disposable {
  readonly #tcp: DenoTcpListener;
  readonly #wrap: (conn: DenoTcpConn) => DenoTlsConn;
  #closed = false;

  constructor(tcp: DenoTcpListener, wrap: (conn: DenoTcpConn) => DenoTlsConn) {
    this.#tcp = tcp;
    this.#wrap = wrap;
  }

  get addr(): DenoNetAddr { return this.#tcp.addr; }

  /** The next connection (its handshake runs as it is read or written, or awaited: `handshake`). */
  async accept(): Promise<DenoTlsConn> {
    if (this.#closed) throw badResource('Listener has been closed');
    return this.#wrap(await this.#tcp.accept());
  }

  /** As Deno's: the next connection, or done once the listener is closed. */
  async next(): Promise<IteratorResult<DenoTlsConn>> {
    try {
      return { value: await this.accept(), done: false };
    } catch (e) {
      if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) return { value: undefined, done: true };
      throw e;
    }
  }

  /** Ends iteration (a `break` out of `for await`): closes the listener if it is open. */
  return(value?: unknown): Promise<IteratorResult<DenoTlsConn>> {
    if (!this.#closed) this.close();
    return Promise.resolve({ value, done: true });
  }

  [Symbol.asyncIterator](): this { return this; }

  /** Stops listening; pending accept() and iteration end. Twice throws BadResource, as Deno's. */
  close(): void {
    if (this.#closed) throw badResource('Bad resource ID');
    this.#closed = true;
    this.#tcp.close();
  }

  [Symbol.dispose](): void {
    if (!this.#closed) this.close();
  }

  ref(): void { this.#tcp.ref(); }
  unref(): void { this.#tcp.unref(); }
}
