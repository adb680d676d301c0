/**
 * WebSocket adapter: TLS over a WebSocket, as plaintext Web Streams (TLSStream). Browsers have no
 * TCP sockets; a relay (the package's `openssl-wasm-relay`) carries the WebSocket's binary messages
 * to and from a TCP server on its allow-list, so the TLS runs end to end between this page and
 * that server, and the relay sees only ciphertext.
 *
 * Runtime-neutral: it uses the global WebSocket (browsers, Deno, Node 22 and later) or the
 * constructor given as `options.WebSocket` (the `ws` package's, in Node 20).
 */
import type { LoadOptions } from '../loader.ts';
import type { Context, ContextOptions } from '../oo/context.ts';
import { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { sessionKey, type SessionStore } from '../stores/session-store.ts';
import type { ClientEchOptions } from '../oo/ech.ts';
import { connectOverStreams } from './client.ts';
import { defaultInstance } from './default-instance.ts';
import type { ByteStreams, TLSStream, TLSStreamOptions } from './streams.ts';

/** The part of the WebSocket API used here: the WHATWG one, which the `ws` package also provides. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
  /**
   * Stop and restart reading from the network: the `ws` package has these, the WHATWG WebSocket
   * (browsers, Deno, Node 22) does not. Where they exist, incoming messages are flow-controlled.
   */
  pause?(): void;
  resume?(): void;
}

/** A WebSocket constructor: the global one, or e.g. `(await import('ws')).WebSocket`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface WebSocketStreamsOptions {
  /**
   * Writes wait while more than this many bytes are queued in the WebSocket (bufferedAmount), so
   * a slow network holds the writer back instead of filling memory (default 1 MiB).
   */
  highWaterMark?: number;
  /** Writes larger than this are sent as several messages (default 64 KiB). */
  maxMessageSize?: number;
  /**
   * Incoming bytes queued unread above which a WebSocket that can pause (the `ws` package's) is
   * paused until the reader catches up (default 256 KiB).
   */
  receiveHighWaterMark?: number;
  /**
   * The most incoming bytes queued unread (default 4 MiB). A WebSocket that cannot pause (the
   * browser's, Deno's) keeps delivering messages however slowly they are read; past this many the
   * connection is failed (closed with 4009, the readable errored) instead of filling memory.
   */
  maxReceiveQueue?: number;
}

const CONNECTING = 0, OPEN = 1;
/** The WebSockets webSocketStreams has made streams of. */
const adapted = new WeakSet<object>();

/** A close reason as the WebSocket API accepts it: at most 123 bytes of UTF-8. */
function closeReason(text: string): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= 123) return text;
  let cut = 120;
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--; // not in the middle of a character
  return `${new TextDecoder().decode(bytes.subarray(0, cut))}...`;
}

function closeError(event: { code?: number; reason?: string }, before: boolean): Error {
  const reason = event.reason ? `: ${event.reason}` : '';
  return new Error(`the WebSocket closed${before ? ' before it opened' : ''} (code ${event.code ?? 'unknown'}${reason})`);
}

/**
 * The WebSocket as a byte stream pair, once it is open: binary messages in, binary messages out.
 * Resolves when the socket opens (at once if it is open already); rejects if it fails or closes
 * before that. The readable ends when the socket closes cleanly (code 1000 or 1005), and errors
 * with the code and reason otherwise (e.g. the relay's 1008 for a target not on its allow-list);
 * a text message errors it too. Closing the writable closes the socket (1000). Incoming messages
 * are queued until read: a WebSocket that can pause (the `ws` package's) is paused while more than
 * receiveHighWaterMark bytes wait; one that cannot (the WHATWG WebSocket) is failed (code 4009) once
 * more than maxReceiveQueue bytes wait, since the only other choice would be unbounded memory.
 */
export function webSocketStreams(ws: WebSocketLike, options: WebSocketStreamsOptions = {}): Promise<ByteStreams> {
  const highWaterMark = options.highWaterMark ?? 1 << 20;
  const maxMessage = options.maxMessageSize ?? 1 << 16;
  const receiveMark = options.receiveHighWaterMark ?? 256 << 10;
  const maxQueue = options.maxReceiveQueue ?? 4 << 20;
  if (!(highWaterMark >= 0)) throw new RangeError(`highWaterMark must be a number of bytes, got ${highWaterMark}`);
  if (!(Number.isInteger(maxMessage) && maxMessage > 0)) throw new RangeError(`maxMessageSize must be a positive integer, got ${maxMessage}`);
  if (!(Number.isSafeInteger(receiveMark) && receiveMark >= 0)) throw new RangeError(`receiveHighWaterMark must be a number of bytes, got ${receiveMark}`);
  if (!(Number.isSafeInteger(maxQueue) && maxQueue > 0)) throw new RangeError(`maxReceiveQueue must be a positive number of bytes, got ${maxQueue}`);
  // Two stream pairs on one socket would each take every message and each close it.
  if (adapted.has(ws)) throw new TypeError('webSocketStreams: this WebSocket already has its streams; use those (one pair per socket)');
  adapted.add(ws);
  ws.binaryType = 'arraybuffer';

  let incoming!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  let lastError: Error | null = null;
  let closeEvent: { code?: number; reason?: string } | null = null;
  let markClosed!: () => void;
  const socketClosed = new Promise<void>(resolve => { markClosed = resolve; });

  const end = (error?: Error) => {
    if (ended) return;
    ended = true;
    try { if (error) incoming.error(error); else incoming.close(); } catch { /* cancelled */ }
  };
  const shut = (code: number, reason: string) => {
    if (ws.readyState <= OPEN) { try { ws.close(code, closeReason(reason)); } catch { /* already closing */ } }
  };

  // Flow control: queued bytes are receiveMark less desiredSize (the strategy counts bytes).
  const canPause = typeof ws.pause === 'function' && typeof ws.resume === 'function';
  let paused = false;
  const setPaused = (on: boolean) => {
    if (!canPause || paused === on) return;
    paused = on;
    try { if (on) ws.pause!(); else ws.resume!(); } catch { /* closing */ }
  };
  const readable = new ReadableStream<Uint8Array>({
    start(c) { incoming = c; },
    pull() { setPaused(false); },
    cancel() { ended = true; setPaused(false); shut(1000, ''); },
  }, { highWaterMark: receiveMark, size: chunk => chunk.byteLength });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk, controller) {
      if (ws.readyState !== OPEN) {
        // Closing: the close event (soon) says why, e.g. the relay's code and reason.
        if (ws.readyState !== CONNECTING) await Promise.race([socketClosed, new Promise(r => setTimeout(r, 1000))]);
        throw lastError ?? new Error('the WebSocket is closed');
      }
      for (let at = 0; at < chunk.length; at += maxMessage) ws.send(chunk.subarray(at, at + maxMessage));
      // Nothing fires when bufferedAmount falls: poll, gently, while above the mark.
      // An abort (signalled at once) ends the wait: it would otherwise wait for this write, forever
      // if the peer never reads.
      while (ws.bufferedAmount > highWaterMark && ws.readyState === OPEN && !controller.signal?.aborted) await new Promise(r => setTimeout(r, 10));
    },
    async close() {
      shut(1000, '');
      // Bounded: a peer that never answers the closing handshake must not hold the stream.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([socketClosed, new Promise<void>(r => { timer = setTimeout(r, 5000); })]);
      clearTimeout(timer);
    },
    abort(reason) {
      shut(4000, `aborted${reason instanceof Error ? `: ${reason.message}` : ''}`);
    },
  });

  const onMessage = (event: { data: unknown }) => {
    if (ended) return;
    const { data } = event;
    if (data instanceof ArrayBuffer) incoming.enqueue(new Uint8Array(data));
    else if (ArrayBuffer.isView(data)) incoming.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else {
      const e = new Error('the WebSocket received a text message; only binary messages carry the byte stream');
      lastError = e;
      end(e);
      // 4003, not 1003: the WebSocket API's close() throws on 1003 (only 1000 and 3000-4999).
      shut(4003, 'binary messages only');
      return;
    }
    const queued = receiveMark - (incoming.desiredSize ?? receiveMark);
    if (queued > maxQueue) {
      // Only a WebSocket that cannot pause gets here (a paused one overshoots by a message or two).
      const e = new Error(`the WebSocket received more than ${maxQueue} bytes that were not read (maxReceiveQueue); ` +
        'this WebSocket cannot be paused, so the connection was closed rather than buffer without bound: read faster, ' +
        'or raise maxReceiveQueue');
      lastError = e;
      end(e);
      // 4009, not 1009 (message too big), for the same reason.
      shut(4009, 'receive queue full (maxReceiveQueue)');
    } else if (queued > receiveMark) {
      setPaused(true);
    }
  };
  const onError = () => { lastError ??= new Error('the WebSocket failed'); };
  const onClose = (event: { code?: number; reason?: string; wasClean?: boolean }) => {
    closeEvent = event;
    markClosed();
    const clean = event.wasClean !== false && (event.code === 1000 || event.code === 1005);
    if (clean) end();
    else { lastError = closeError(event, false); end(lastError); }
    ws.removeEventListener('message', onMessage);
    ws.removeEventListener('error', onError);
    ws.removeEventListener('close', onClose);
  };
  ws.addEventListener('message', onMessage);
  ws.addEventListener('error', onError);
  ws.addEventListener('close', onClose);

  const streams: ByteStreams = { readable, writable };
  if (ws.readyState === OPEN) return Promise.resolve(streams);
  if (ws.readyState !== CONNECTING) {
    onClose({ code: 1006 });
    return Promise.reject(new Error('the WebSocket is already closed'));
  }
  return new Promise((resolve, reject) => {
    const onOpen = () => { cleanup(); resolve(streams); };
    const onEarlyClose = () => {
      cleanup();
      reject(closeEvent && (closeEvent.code !== 1006 || closeEvent.reason) ? closeError(closeEvent, true)
        : new Error('the WebSocket could not connect'));
    };
    const cleanup = () => { ws.removeEventListener('open', onOpen); ws.removeEventListener('close', onEarlyClose); };
    ws.addEventListener('open', onOpen);
    ws.addEventListener('close', onEarlyClose); // registered after onClose: closeEvent is set
  });
}

function instance(openssl: OpenSSL | undefined, load?: LoadOptions): Promise<OpenSSL> {
  return openssl ? Promise.resolve(openssl) : defaultInstance(load);
}

export interface WebSocketConnectOptions extends Omit<TLSStreamOptions, 'allowHalfOpen'>, WebSocketStreamsOptions {
  /**
   * Refused (a TypeError) when true: a WebSocket has no half-close, and the relay closes it once the
   * server ends its side. Closing `writable` first needs no option: close_notify goes out and
   * reading goes on until the server's.
   */
  allowHalfOpen?: false;
  /**
   * The TLS server's name: sent as SNI and, when the context verifies the peer (the default),
   * checked against its certificate. Required when verifying: the URL names the relay, not the
   * server behind it.
   */
  serverName?: string;
  /** The OpenSSL instance to use (default: one shared instance, loaded with `load` on first use). */
  openssl?: OpenSSL;
  load?: LoadOptions;
  /** A context to use; otherwise one is made from `contextOptions` and freed when the stream ends. */
  context?: Context;
  contextOptions?: Omit<ContextOptions, 'role'>;
  /** A session to resume: a Session or DER bytes. */
  session?: Session | Uint8Array;
  /**
   * Encrypted Client Hello (OpenSSL 4.0 line): the server's ECHConfigList and the rest of
   * ConnectionOptions.ech; serverName is then the hidden, inner name. `stream.connection.ech` says how it went.
   */
  ech?: ClientEchOptions;
  /**
   * Resume automatically: take a session from the store before connecting and put each new one
   * there (TLS 1.3 tickets are used once). Keyed by the URL, the server name, ALPN and
   * `sessionKeySettings`.
   */
  sessionStore?: SessionStore;
  /** What else must match for a stored session to be offered (default: whether the server is verified). */
  sessionKeySettings?: string;
  /** WebSocket subprotocols to ask for. */
  protocols?: string | string[];
  /** The WebSocket constructor (default: the global WebSocket; in Node 20 pass the `ws` package's). */
  WebSocket?: WebSocketConstructor;
}

/**
 * Opens a WebSocket to `url` (a relay to the TLS server) and runs TLS over it. Resolves once the
 * WebSocket is open; the returned stream's `handshake` resolves when TLS is up.
 */
export async function connectWebSocket(url: string | URL, options: WebSocketConnectOptions): Promise<TLSStream> {
  if (options === null || typeof options !== 'object') throw new TypeError('connectWebSocket: options must be an object');
  const halfOpen: unknown = options.allowHalfOpen; // typed false: the check is for JavaScript callers
  if (halfOpen === true) {
    // A WebSocket has no half-close: the relay closes it when the server ends its side (TCP's FIN
    // after the server's close_notify), so writing on after that could never work.
    throw new TypeError('connectWebSocket: allowHalfOpen is not supported: a WebSocket has no half-close, and the relay closes it ' +
      "when the server ends its side, so nothing could be written after the server's close_notify. To end a request first, " +
      'close `writable` (close_notify goes out, reading goes on; no option needed); over a WebSocket that stays open, use ' +
      'tlsOverStreams(connection, await webSocketStreams(ws), { allowHalfOpen: true })');
  }
  if (halfOpen !== undefined && halfOpen !== false) {
    throw new TypeError(`connectWebSocket: allowHalfOpen must be a boolean, got ${typeof halfOpen}`);
  }
  const href = new URL(url).href; // throws a TypeError for a bad URL
  const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WS !== 'function') {
    throw new TypeError('connectWebSocket: this runtime has no global WebSocket: pass options.WebSocket (in Node 20, the ws package\'s)');
  }
  const ossl = await instance(options.openssl, options.load);
  const owned = options.context ? null : ossl.createContext({ ...options.contextOptions, role: 'client' });
  const context = options.context ?? owned!;
  const { serverName } = options;
  if (context.role !== 'client') {
    if (owned?.alive) owned.free();
    throw new TypeError('connectWebSocket: options.context must be a client context');
  }
  if (context.verifyPeer && !serverName) {
    if (owned?.alive) owned.free();
    throw new TypeError('connectWebSocket: options.serverName is required to verify the server (the URL names the relay, not the server)');
  }
  const store = options.sessionStore;
  const u = new URL(href);
  const key = store && sessionKey({
    host: `${u.protocol}//${u.host}${u.pathname}${u.search}`,
    port: Number(u.port || (u.protocol === 'wss:' || u.protocol === 'https:' ? 443 : 80)),
    serverName, alpn: options.contextOptions?.alpn,
    settings: options.sessionKeySettings ?? `verify=${context.verifyPeer}`,
  });
  return connectOverStreams({ ...options, ossl, context, owned, serverName, sessionKey: key },
    () => webSocketStreams(new WS(href, options.protocols), options));
}
