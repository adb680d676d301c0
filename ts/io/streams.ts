import type { Connection } from '../oo/connection.ts';
import type { Session } from '../oo/session.ts';
import { FreedHandleError } from '../oo/handle.ts';
import { assertNotDriven, MAX_UNSENT_REPLIES, TLSEngine } from './engine.ts';

/** A byte stream pair to and from the peer: a TCP connection's, a WebSocket's, a pipe's. */
export interface ByteStreams {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  /**
   * Ends the writing side alone, reading going on (TCP's FIN: Deno's TcpConn.closeWrite()). Called
   * once our close_notify has gone out, as Deno's TlsConn.closeWrite() ends TCP's writing side; without
   * it the transport is closed only when the whole connection ends (closing `writable`).
   */
  closeWrite?(): void | Promise<void>;
}

export interface TLSStreamOptions {
  /** Each new session (lent for the call: ref() keeps it; toDER() exports it). */
  onSession?(session: Session): void;
  /** Milliseconds the handshake may take (default 30000). */
  handshakeTimeout?: number;
  /**
   * Bytes of decrypted plaintext queued for a reader who has not taken them before the network
   * is read no further (default 64 KiB): the peer is then held back by the transport's own flow
   * control (TCP's window, the relay's pause) instead of filling memory. At most this plus one
   * network chunk is queued.
   */
  plaintextHighWaterMark?: number;
  /**
   * Clients: sent as TLS 1.3 early data (0-RTT) when the resumed session allows it, else right
   * after the handshake; sent again after it if the server rejects it (TLSEngine's earlyData).
   * `connection.earlyDataStatus` says which, once `handshake` resolves. Servers read early data
   * when their context's maxEarlyData is above 0: it comes first on `readable`.
   */
  earlyData?: Uint8Array;
  /**
   * The peer's close_notify ends `readable` only: `writable` stays open, and closing it sends our
   * close_notify and ends the connection (TLSEngine's allowHalfOpen; Node's option of that name).
   * Default false: the peer's close_notify is answered at once and the stream finishes.
   */
  allowHalfOpen?: boolean;
}

/** TLS over a byte stream pair, as plaintext streams: the shape browsers and Deno users expect. */
export interface TLSStream {
  /** Plaintext from the peer; ends when the peer closes. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Plaintext to the peer; closing it sends close_notify (reading goes on until the peer's). */
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves when the handshake completes; rejects if it fails or times out. */
  readonly handshake: Promise<void>;
  /** Resolves when both directions are finished; rejects with the error that ended the connection. */
  readonly closed: Promise<void>;
  readonly connection: Connection;
}

/** `p`, or a rejection with the abort's reason as soon as `signal` fires (none: just `p`). */
function unlessAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The error a stream ends with when its connection was freed while it ran. */
function freedUnderStream(): FreedHandleError {
  return new FreedHandleError('the TLS stream\'s connection was freed while the stream was running (connection.free() in a ' +
    'listener such as onSession, or by the program); the stream ends here. The stream frees its connection itself: ' +
    'to end it, close its writable (close_notify) or cancel its readable and abort its writable');
}

/**
 * Runs `connection` over `network`. The connection is freed when the stream finishes, for good or
 * ill; read what you need of it (sessionReused, protocol, ...) once `handshake` has resolved.
 */
export function tlsOverStreams(connection: Connection, network: ByteStreams, options: TLSStreamOptions = {}): TLSStream {
  // Before the network streams are locked: a refused call leaves them to the caller.
  if (!connection.alive) throw new FreedHandleError('tlsOverStreams: this Connection was freed; make a new one with context.createConnection()');
  assertNotDriven('tlsOverStreams', connection);
  const highWaterMark = options.plaintextHighWaterMark ?? 64 * 1024;
  if (!(Number.isSafeInteger(highWaterMark) && highWaterMark >= 0)) {
    if (connection.alive) connection.free(); // as when the stream fails: the connection is the stream's
    throw new RangeError(`tlsOverStreams: plaintextHighWaterMark must be a number of bytes, got ${String(highWaterMark)}`);
  }
  if (options.allowHalfOpen !== undefined && typeof options.allowHalfOpen !== 'boolean') {
    if (connection.alive) connection.free();
    throw new TypeError(`tlsOverStreams: allowHalfOpen must be a boolean, got ${typeof options.allowHalfOpen}`);
  }
  const writer = network.writable.getWriter();
  const reader = network.readable.getReader();
  let writing: Promise<void> = Promise.resolve();
  let plain!: ReadableStreamDefaultController<Uint8Array>;
  let settle!: { resolve(): void; reject(e: Error): void };
  let closeSettle!: { resolve(): void; reject(e: Error): void };
  let done = false;
  // Backpressure: the network loop waits here while the plaintext reader is behind.
  let wake = () => {};
  let discarding = false; // the reader cancelled: keep reading (to see close_notify), drop the plaintext
  let wanted = false; // a read is waiting (with a high-water mark of 0, desiredSize alone never says so)
  let unsentReplies = 0; // bytes of replies to the peer (KeyUpdate answers) handed to the writer and not yet taken
  const handshake = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
  const closed = new Promise<void>((resolve, reject) => { closeSettle = { resolve, reject }; });
  handshake.catch(() => undefined);
  closed.catch(() => undefined);

  const finish = (error?: Error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    wake();
    if (error) {
      // Do not wait for pending writes: a peer that stopped reading would hold us forever.
      settle.reject(error);
      closeSettle.reject(error);
      void writer.abort(error).catch(() => undefined);
      void reader.cancel(error).catch(() => undefined);
      if (connection.alive) connection.free();
      return;
    }
    void writing.then(async () => {
      await writer.close().catch(() => undefined);
      await reader.cancel().catch(() => undefined);
      if (connection.alive) connection.free();
      closeSettle.resolve();
    });
  };

  const engine = new TLSEngine(connection, {
    transmit: (bytes, reply) => {
      if (reply) unsentReplies += bytes.length;
      writing = writing.then(() => writer.write(bytes)).then(() => {
        if (reply) { unsentReplies -= bytes.length; wake(); }
      }).catch(e => finish(e as Error));
    },
    plaintext: bytes => {
      if (discarding) return;
      wanted = false;
      try { plain.enqueue(bytes); } catch { /* reader cancelled */ }
    },
    secure: () => { clearTimeout(timer); settle.resolve(); },
    session: s => options.onSession?.(s),
    sentClose: () => {
      // After the close_notify's bytes: nothing more goes out. A failure here (the peer already
      // gone) is for the reading side to report, which sees the transport's end.
      const closeWrite = network.closeWrite?.bind(network);
      if (closeWrite) writing = writing.then(() => closeWrite()).catch(() => undefined);
    },
    peerClosed: () => {
      try { plain.close(); } catch { /* already closed */ }
      if (engine.finished) finish(); // else half-open: `writable` goes on, closing it finishes (closed())
    },
    closed: () => finish(),
    error: e => {
      const error = connection.alive ? e : freedUnderStream(); // the stream frees it only in finish()
      try { plain.error(error); } catch { /* already errored */ }
      finish(error);
    },
  }, { ...(options.earlyData === undefined ? {} : { earlyData: options.earlyData }), allowHalfOpen: options.allowHalfOpen === true });
  const timeoutMs = options.handshakeTimeout ?? 30_000;
  const timer = setTimeout(() => {
    const e = new Error(`TLS handshake timed out after ${timeoutMs} ms`);
    try { plain.error(e); } catch { /* already finished */ }
    finish(e);
  }, timeoutMs);

  const readable = new ReadableStream<Uint8Array>({
    start(controller) { plain = controller; },
    pull() { wanted = true; wake(); },
    cancel() { discarding = true; wake(); },
  }, { highWaterMark, size: chunk => chunk.byteLength });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk, controller) {
      if (done) throw new Error('the TLS connection is closed');
      engine.write(chunk);
      // An abort waits for the write in flight to settle (WritableStream's rule); a network that
      // never takes the bytes (a peer that stopped reading) would hold both forever. The signal
      // fires as soon as abort() is called.
      await unlessAborted(writing, controller.signal);
    },
    async close() {
      engine.close();
      await writing;
    },
    abort(reason) {
      // The connection ends here: a read waiting on `readable` fails with the reason, not waits forever.
      const error = reason instanceof Error ? reason : new Error(String(reason));
      try { plain.error(error); } catch { /* already finished */ }
      finish(error);
    },
  });

  // Network bytes in, until the peer closes the transport; after the handshake, none while the
  // reader is behind (the queue is full), so what the peer sends waits in the transport, not here
  // or in linear memory. The transport failing or ending meanwhile is noticed at once: its error is
  // reported, not left unread behind a reader who is not reading.
  let transportDone = false;
  reader.closed.then(() => { transportDone = true; wake(); }, () => { transportDone = true; wake(); });
  // Nor while the peer is not taking the replies its own messages asked for (see MAX_UNSENT_REPLIES).
  const behind = () => !transportDone && !done && (unsentReplies > MAX_UNSENT_REPLIES ||
    (engine.secure && !discarding && !wanted && (plain.desiredSize ?? 1) <= 0));
  void (async () => {
    try {
      for (;;) {
        while (behind()) await new Promise<void>(resolve => { wake = resolve; });
        wake = () => {};
        const { value, done: end } = await reader.read();
        if (end) { engine.receiveEnd(); break; }
        engine.receive(value);
        // Half-open: the peer's close_notify ends reading; what follows it is not read.
        if (engine.finished || engine.peerClosed) break;
      }
      if (!done && !engine.peerClosed) {
        // The connection freed under the stream (by a listener, or the program), or else no
        // close_notify before the end of the transport: a truncation. Each reported as what it is.
        const e = connection.alive
          ? new Error('the transport closed before the TLS connection was closed (no close_notify)')
          : freedUnderStream();
        try { plain.error(e); } catch { /* */ }
        finish(e);
      }
    } catch (e) {
      const error = connection.alive ? e as Error : freedUnderStream();
      if (!done) { try { plain.error(error); } catch { /* */ } finish(error); }
    }
  })();
  engine.start();
  return { readable, writable, handshake, closed, connection };
}
