/// <reference types="node" />
/**
 * Node adapter: TLS over net.Socket with Node's `tls` option names and TLSSocket members (see the
 * parity table in README.md). A thin layer: the TLSEngine does the TLS, this moves bytes between it
 * and the socket, and shows the results in Node's shapes (ts/io/node-certificate.ts).
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import type { LoadOptions } from '../loader.ts';
import type { Connection } from '../oo/connection.ts';
import type { Context, ContextOptions, TLSMessage } from '../oo/context.ts';
import { OpenSSL } from '../oo/openssl.ts';
import { rejectUnknownOptions } from '../oo/options.ts';
import type { Session } from '../oo/session.ts';
import { sessionKey, type SessionStore } from '../stores/session-store.ts';
import { prepareClientConnection } from './client.ts';
import { TLSEngine } from './engine.ts';
import { nodeError, nodePeerCertificate, verifyErrorCode, type DetailedPeerCertificate, type NodeTLSError, type PeerCertificate } from './node-certificate.ts';
import { contextOptionsFromNode, NODE_CONTEXT_OPTIONS, nodeTicketKey, type NodeContextOptions } from './node-options.ts';
import { traceLine } from './node-trace.ts';

let shared: Promise<OpenSSL> | undefined;
/** The instance adapters use when none is given: loaded once, on first use. */
export function defaultInstance(options?: LoadOptions): Promise<OpenSSL> {
  shared ??= OpenSSL.load(options);
  return shared;
}

export interface TLSSocketOptions extends NodeContextOptions {
  /** The OpenSSL instance to use (default: one shared instance). */
  openssl?: OpenSSL;
  /** A context to use instead of Node's context options; otherwise one is made and freed with the socket (or server). */
  context?: Context;
  /** This library's names for context settings Node has no name for (beside Node's, never repeating them). */
  contextOptions?: Omit<ContextOptions, 'role'>;
  /** Milliseconds the handshake may take before the socket is destroyed (clients 30000, servers 120000 as Node's). */
  handshakeTimeout?: number;
  /**
   * true: a peer that closes TCP without close_notify is an error ('ERR_SSL_UNEXPECTED_EOF_WHILE_READING').
   * Default false, as Node: the stream just ends, so a truncation by whoever can close the TCP
   * connection goes unnoticed unless the application protocol frames its own end.
   */
  requireCloseNotify?: boolean;
  /** Print a line per TLS message to stderr (the module is built without SSL_trace: see enableTrace()). */
  enableTrace?: boolean;
}
const SOCKET_OPTIONS = ['openssl', 'context', 'contextOptions', 'handshakeTimeout', 'requireCloseNotify', 'enableTrace', ...NODE_CONTEXT_OPTIONS];

export interface ConnectOptions extends TLSSocketOptions {
  host?: string;
  /** Required unless `socket` is given. */
  port?: number;
  /** SNI and the name checked against the certificate (default: host unless it is an IP address). */
  servername?: string;
  /** false: complete the handshake whatever the verification found (see `authorized`). Default true. */
  rejectUnauthorized?: boolean;
  /** A session to resume: DER bytes (as the `session` event and getSession() give them) or a Session. */
  session?: Uint8Array | Session;
  /** An already-connected socket to run TLS over, instead of connecting to host:port. */
  socket?: net.Socket;
  /**
   * Resume automatically: take a session from the store before connecting, and put each new one
   * there (TLS 1.3 tickets are used once). Keyed by host, port, SNI, ALPN and `sessionKeySettings`.
   * A failed save emits 'sessionStoreError' on the socket (the connection goes on).
   */
  sessionStore?: SessionStore;
  /** What else must match for a stored session to be offered (default: whether the server is verified). */
  sessionKeySettings?: string;
}
const CONNECT_OPTIONS = [...SOCKET_OPTIONS, 'host', 'port', 'servername', 'rejectUnauthorized', 'session', 'socket', 'sessionStore', 'sessionKeySettings'];

/** A TLS connection as a Duplex of plaintext, over a net.Socket. */
export class TLSSocket extends Duplex {
  connection: Connection | null = null;
  readonly encrypted = true;
  #engine: TLSEngine | null = null;
  #socket: net.Socket | null = null;
  #ownsContext: Context | null = null;
  #waiting: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #trace = false;
  /** The transport ended or failed under us (not the application's destroy()). */
  #peerGone = false;
  readonly #requireCloseNotify: boolean;
  readonly #host: string | undefined;
  /** Whether enableTrace() can print: the adapter made the context, with its message hook. */
  #traceable = false;

  /** @internal */
  constructor(private readonly role: 'client' | 'server', options: { requireCloseNotify?: boolean; enableTrace?: boolean; host?: string } = {}) {
    super({ allowHalfOpen: false });
    this.#requireCloseNotify = options.requireCloseNotify === true;
    this.#trace = options.enableTrace === true;
    this.#host = options.host;
  }

  /** @internal attaches the socket and connection once both exist. */
  attach(socket: net.Socket, connection: Connection, ownsContext: Context | null, timeoutMs: number, onSession?: (s: Session) => void): void {
    this.#socket = socket;
    this.connection = connection;
    // The adapter-made context has the message hook on; each connection turns it off until traced.
    if (this.#traceable) connection.messageHook = this.#trace;
    this.#ownsContext = ownsContext;
    this.#timer = setTimeout(() => this.destroy(Object.assign(new Error(`TLS handshake timed out after ${timeoutMs} ms`), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' })), timeoutMs);
    const early: Buffer[] = [];
    const engine: TLSEngine = new TLSEngine(connection, {
      transmit: bytes => { if (socket.writable) socket.write(bytes); },
      // Backpressure: an application that does not read leaves the socket paused, so the peer's
      // bytes wait in the kernel, not in linear memory; _read() resumes it.
      plaintext: bytes => { if (!this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))) socket.pause(); },
      secure: () => {
        clearTimeout(this.#timer);
        this.#snapshot(connection);
        this.emit(this.role === 'client' ? 'secureConnect' : 'secure');
        // A TLS 1.2 session is made during the handshake; Node announces it after secureConnect.
        for (const der of early.splice(0)) this.emit('session', der);
        for (const w of this.#waiting.splice(0)) w();
      },
      session: s => {
        onSession?.(s);
        const der = Buffer.from(s.toDER());
        if (engine.secure) this.emit('session', der);
        else early.push(der);
      },
      peerClosed: () => { this.push(null); socket.end(); },
      error: e => this.destroy(nodeError(e, connection.alive && connection.context.verifyPeer ? connection.verifyResult : null, this.#host)),
    });
    this.#engine = engine;
    socket.on('data', (d: Buffer) => engine.receive(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    socket.on('end', () => {
      this.#peerGone = true;
      // Node ends the stream when the peer closes TCP after the handshake without close_notify
      // (as Node's own tls server does); only requireCloseNotify makes it the error OpenSSL reports.
      if (engine.finished) return;
      if (engine.secure && !this.#requireCloseNotify) { this.push(null); return; }
      engine.receiveEnd();
      if (!engine.finished) this.push(null);
    });
    socket.on('error', e => { this.#peerGone = true; this.destroy(e); });
    socket.on('close', () => { this.#peerGone = true; if (!this.destroyed) this.destroy(); });
    engine.start();
    for (const w of this.#waiting.splice(0)) w();
  }

  override _read(): void {
    if (this.#socket?.isPaused()) this.#socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const go = () => {
      try {
        this.#engine!.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        cb(e as Error);
        return;
      }
      // Backpressure the other way: a peer that does not read holds the writer, not our memory.
      const socket = this.#socket!;
      if (socket.writableNeedDrain) socket.once('drain', () => cb());
      else cb();
    };
    if (this.#engine) go();
    else this.#waiting.push(go);
  }

  override _final(cb: (e?: Error | null) => void): void {
    const go = () => {
      this.#engine!.close();
      this.#socket!.end();
      cb();
    };
    if (this.#engine) go();
    else this.#waiting.push(go);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    clearTimeout(this.#timer);
    this.#socket?.destroy();
    const c = this.connection;
    if (c?.alive) {
      // OpenSSL drops from the server cache a session whose connection is freed without our
      // close_notify (ssl_clear_bad_session). The peer closing or resetting TCP after a clean
      // handshake is no reason to (test-tls-session-cache): unless requireCloseNotify, the connection
      // then counts as shut down. The application's own destroy() keeps OpenSSL's rule, and a TLS
      // failure has already removed the session itself.
      if (this.#peerGone && !this.#requireCloseNotify && this.#engine?.secure && !c.error) c.shutdownState = c.shutdownState | 1;
      c.free();
    }
    if (this.#ownsContext?.alive) this.#ownsContext.free();
    cb(err);
  }

  /** The session as DER bytes (a new reference read out and released), or undefined. */
  getSession(): Buffer | undefined {
    const s = this.connection?.alive ? this.connection.session : null;
    if (!s) return undefined;
    try {
      return Buffer.from(s.toDER());
    } finally {
      s.free();
    }
  }
  isSessionReused(): boolean {
    return this.#info?.reused ?? false;
  }
  getProtocol(): string | null {
    return this.#info?.protocol ?? null;
  }
  getCipher(): { name: string; standardName: string; version: string } | null {
    return this.#info?.cipher ?? null;
  }
  get alpnProtocol(): string | false {
    return this.#info?.alpn ?? false;
  }
  get servername(): string | false {
    return this.#info?.servername ?? false;
  }
  /** Whether the peer's certificate verified (clients: always checked; servers: with requestCert). */
  get authorized(): boolean {
    return this.#info?.authorized ?? false;
  }
  /** Why it did not: Node's string code ('DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', ...), or undefined. */
  get authorizationError(): string | undefined {
    return this.#info?.authorizationError;
  }

  /** The peer's certificate in Node's shape; with `detailed`, linked to its issuers. {} without one; null once closed. */
  getPeerCertificate(detailed?: false): PeerCertificate | Record<string, never> | null;
  getPeerCertificate(detailed: true): DetailedPeerCertificate | Record<string, never> | null;
  getPeerCertificate(detailed = false): PeerCertificate | DetailedPeerCertificate | Record<string, never> | null {
    const c = this.#live();
    return c ? nodePeerCertificate(c.peerCertificateDetails(detailed), detailed) : null;
  }
  /** RFC 5705 keying material (SSL_export_keying_material), as Node's. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    const c = this.#live();
    if (!c) throw Object.assign(new Error('exportKeyingMaterial: the socket is closed'), { code: 'ERR_SOCKET_CLOSED' });
    return Buffer.from(c.exportKeyingMaterial(length, label, context));
  }
  /** The latest Finished message sent (SSL_get_finished), or undefined. */
  getFinished(): Buffer | undefined {
    const f = this.#live()?.finished;
    return f ? Buffer.from(f) : undefined;
  }
  /** The latest Finished message received (SSL_get_peer_finished), or undefined. */
  getPeerFinished(): Buffer | undefined {
    const f = this.#live()?.peerFinished;
    return f ? Buffer.from(f) : undefined;
  }
  /** Clients: the session ticket of the current session (SSL_SESSION_get0_ticket), or undefined. */
  getTLSTicket(): Buffer | undefined {
    const t = this.#live()?.sessionTicket;
    return t ? Buffer.from(t) : undefined;
  }
  /**
   * Prints a line per TLS message to stderr. Node prints OpenSSL's SSL_trace dump; this module is
   * built without it (no-ssl-trace), so the line names the direction, content type, handshake type
   * and length. Needs the message hook of a context the adapter made (not a ready `context`).
   */
  enableTrace(): void {
    if (!this.#traceable) throw new TypeError('enableTrace(): this socket runs on a ready-made `context`, which has no message hook for the adapter; let connect()/createServer() make the context from options');
    this.#trace = true;
    if (this.connection?.alive) this.connection.messageHook = true;
  }
  /** @internal the context's message hook, routed to this socket. */
  traceMessage(m: TLSMessage): void {
    if (this.#trace) process.stderr.write(traceLine(m));
  }
  /** @internal */
  markTraceable(): void {
    this.#traceable = true;
  }

  #live(): Connection | null {
    return this.connection?.alive ? this.connection : null;
  }

  /** What the handshake settled, read once, so it stays readable after the socket closes. */
  #info: { reused: boolean; protocol: string | null; alpn: string | false; authorized: boolean; authorizationError: string | undefined;
    servername: string | false; cipher: { name: string; standardName: string; version: string } } | null = null;

  #snapshot(c: Connection): void {
    const s = c.session;
    try {
      const verified = this.role === 'client' || this.#requestedCert;
      const hasCert = c.peerCertificate !== null;
      const code = c.verifyResult.code;
      const authorizationError = !verified ? undefined
        : !hasCert ? 'UNABLE_TO_GET_ISSUER_CERT' : code !== 0 ? verifyErrorCode(code) : undefined;
      this.#info = {
        reused: c.sessionReused, protocol: c.protocol, alpn: c.alpn ?? false,
        authorized: verified && hasCert && code === 0, authorizationError,
        servername: c.serverName ?? false,
        cipher: { name: c.cipher ?? '', standardName: s?.cipherStandardName ?? '', version: c.protocol ?? '' },
      };
    } finally {
      s?.free();
    }
  }
  /** @internal servers: whether the client was asked for a certificate. */
  requestCert(): void {
    this.#requestedCert = true;
  }
  #requestedCert = false;
}

/** Connects to a TLS server, as tls.connect does: connect(options[, cb]), connect(port[, host][, options][, cb]). */
export function connect(options: ConnectOptions, onSecure?: () => void): TLSSocket;
export function connect(port: number, host?: string | ConnectOptions | (() => void), options?: ConnectOptions | (() => void), onSecure?: () => void): TLSSocket;
export function connect(...args: unknown[]): TLSSocket {
  const { options, onSecure } = connectArgs(args);
  rejectUnknownOptions('connect', options, CONNECT_OPTIONS);
  if (typeof options.port !== 'number' && !options.socket) throw new TypeError('connect: options.port (or options.socket) is required');
  const host = options.host ?? 'localhost';
  const verify = options.rejectUnauthorized !== false;
  const servername = options.servername ?? (net.isIP(host) ? undefined : host);
  const contextOptions = contextOptionsFromNode('connect', options, 'client',
    options.contextOptions?.verifyPeer === undefined ? { verifyPeer: verify } : {});
  const tls = new TLSSocket('client', { requireCloseNotify: options.requireCloseNotify, enableTrace: options.enableTrace, host: servername ?? host });
  if (onSecure) tls.once('secureConnect', onSecure);
  (async () => {
    const ossl = options.openssl ?? await defaultInstance();
    let owned: Context | null = null;
    const context = options.context ?? (owned = ossl.createContext({
      ...contextOptions!,
      // The socket's own context: its keylog and message hooks are this socket's.
      keylog: line => queueMicrotask(() => tls.emit('keylog', Buffer.from(`${line}\n`))),
      onMessage: m => tls.traceMessage(m),
    }));
    if (owned) tls.markTraceable();
    const store = options.sessionStore;
    const key = store && sessionKey({ host, port: options.port ?? 0, serverName: servername, alpn: options.contextOptions?.alpn ?? alpnList(options),
      settings: options.sessionKeySettings ?? `verify=${verify}` });
    let connection: Connection, saveNewSession: ((s: Session) => void) | undefined;
    try {
      ({ connection, saveNewSession } = await prepareClientConnection({
        ossl, context, session: options.session, sessionStore: store, sessionKey: key,
        // As Node: the name is always checked, and the result shown by authorized/authorizationError;
        // rejectUnauthorized decides whether a mismatch ends the handshake. A ready context decides
        // for itself (the CLI's s_client checks no name, as native s_client).
        ...(owned ? { serverName: servername ?? host, checkHostName: true }
          : { serverName: servername ?? (verify ? host : undefined), checkHostName: verify }),
        onStoreError: e => tls.emit('sessionStoreError', e),
      }));
    } catch (e) {
      if (owned?.alive) owned.free();
      throw e;
    }
    const socket = options.socket ?? net.connect({ host, port: options.port! });
    tls.attach(socket, connection, owned, options.handshakeTimeout ?? 30_000, saveNewSession);
  })().catch(e => tls.destroy(nodeError(e as Error, null)));
  return tls;
}

function alpnList(o: ConnectOptions): string[] | undefined {
  const v = o.ALPNProtocols;
  return Array.isArray(v) ? v.map(p => typeof p === 'string' ? p : Buffer.from(p).toString()) : undefined;
}

function connectArgs(args: unknown[]): { options: ConnectOptions; onSecure?: () => void } {
  const cb = typeof args[args.length - 1] === 'function' ? args.pop() as () => void : undefined;
  if (typeof args[0] === 'number') {
    const [port, a, b] = args;
    const host = typeof a === 'string' ? a : undefined;
    const rest = (typeof a === 'object' && a ? a : b ?? {}) as ConnectOptions;
    if (rest === null || typeof rest !== 'object') throw new TypeError('connect: options must be an object');
    return { options: { ...rest, port: port as number, ...(host !== undefined ? { host } : {}) }, onSecure: cb };
  }
  const options = args[0];
  if (options === null || typeof options !== 'object') throw new TypeError('connect: options must be an object');
  return { options: options as ConnectOptions, onSecure: cb };
}

/** What a SNICallback may answer: a server Context, or Node's context options (a context is made and kept for the server's life). */
export type SecureContextAnswer = Context | NodeContextOptions | null | undefined;

export interface ServerOptions extends TLSSocketOptions {
  /** Ask clients for a certificate (verified against `ca`). */
  requestCert?: boolean;
  /** With requestCert: refuse a client whose certificate does not verify (default true), else accept and set `authorized`. */
  rejectUnauthorized?: boolean;
  /**
   * Node's SNI callback: called with the name the client asked for; answer `cb(null, context)` with
   * a server Context (or Node's context options) whose certificate to use, or `cb(null)` for the
   * default. May answer later: the handshake waits. Runs from the context's client-hello handler,
   * so it cannot be combined with useServerSessionStore on the same context.
   */
  SNICallback?: (servername: string, cb: (err: Error | null, ctx?: SecureContextAnswer) => void) => void;
  /** Node's 48 bytes (16 name, 16 HMAC secret, 16 AES secret): see nodeTicketKey in ts/io/node-options.ts. */
  ticketKeys?: Uint8Array;
}
const SERVER_OPTIONS = [...SOCKET_OPTIONS, 'requestCert', 'rejectUnauthorized', 'SNICallback', 'ticketKeys'];

/** tls.Server's additions to net.Server. */
export interface TLSServer extends net.Server {
  /** Replaces the ticket keys (Node's 48-byte format). */
  setTicketKeys(keys: Uint8Array): void;
}

/**
 * A TLS server, as tls.createServer: a net.Server whose connections emit 'secureConnection' with
 * a TLSSocket once their handshake is done. One Context serves every connection.
 */
export function createServer(options: ServerOptions = {}, onSecureConnection?: (socket: TLSSocket) => void): TLSServer {
  if (typeof options === 'function') { onSecureConnection = options; options = {}; }
  if (options === null || typeof options !== 'object') throw new TypeError('createServer: options must be an object');
  rejectUnknownOptions('createServer', options, SERVER_OPTIONS);
  if (options.SNICallback !== undefined && typeof options.SNICallback !== 'function') throw new TypeError('createServer: options.SNICallback must be a function');
  const ticketKey = options.ticketKeys === undefined ? null : nodeTicketKey(options.ticketKeys);
  const requestCert = options.requestCert === true;
  const reject = options.rejectUnauthorized !== false;
  const contextOptions = contextOptionsFromNode('createServer', options, 'server', {
    ...(options.contextOptions?.verifyPeer === undefined ? { verifyPeer: requestCert && reject } : {}),
    // As Node's default: OpenSSL refuses to resume on a server that verifies clients without one.
    ...(options.sessionIdContext === undefined && options.contextOptions?.sessionIdContext === undefined
      ? { sessionIdContext: createHash('sha1').update(process.argv.join(' ')).digest('hex').slice(0, 32) } : {}),
  });
  const sockets = new Map<Connection, TLSSocket>();
  const extraContexts: Context[] = [];
  let server: TLSServer;
  const ready = (async () => {
    const ossl = options.openssl ?? await defaultInstance();
    if (options.context) return { ossl, context: options.context, owned: false };
    const context = ossl.createContext({
      ...contextOptions!,
      keylog: (line, conn) => {
        const sock = conn && sockets.get(conn);
        const buf = Buffer.from(`${line}\n`);
        queueMicrotask(() => { server.emit('keylog', buf, sock); sock?.emit('keylog', buf); });
      },
      onMessage: (m, conn) => { if (conn) sockets.get(conn)?.traceMessage(m); },
    });
    return { ossl, context, owned: true };
  })().then(r => {
    if (ticketKey) r.context.setTicketKeys([ticketKey]);
    if (options.SNICallback) installSNI(r.ossl, r.context, options.SNICallback, extraContexts);
    return r;
  });
  server = net.createServer(socket => {
    ready.then(({ context, owned }) => {
      const tls = new TLSSocket('server', { requireCloseNotify: options.requireCloseNotify, enableTrace: options.enableTrace });
      if (owned) tls.markTraceable();
      tls.once('secure', () => server.emit('secureConnection', tls));
      tls.on('error', e => server.emit('tlsClientError', e, tls));
      let connection: Connection;
      try {
        connection = context.createConnection();
        if (requestCert) tls.requestCert();
        if (requestCert && !reject) connection.verifyWithoutRejecting();
      } catch (e) {
        socket.destroy();
        server.emit('tlsClientError', e, tls);
        return;
      }
      sockets.set(connection, tls);
      tls.once('close', () => sockets.delete(connection));
      tls.attach(socket, connection, null, options.handshakeTimeout ?? 120_000);
    }, e => { socket.destroy(); server.emit('error', e); });
  }) as TLSServer;
  server.setTicketKeys = keys => {
    const key = nodeTicketKey(keys);
    void ready.then(({ context }) => context.setTicketKeys([key]));
  };
  if (onSecureConnection) server.on('secureConnection', onSecureConnection);
  ready.catch(() => undefined);
  server.on('close', () => {
    ready.then(({ context, owned }) => {
      if (owned && context.alive) context.free();
      for (const c of extraContexts.splice(0)) if (c.alive) c.free();
    }, () => undefined);
  });
  return server;
}

const TLSEXT_TYPE_server_name = 0;

/** Node's SNICallback, from the context's client-hello handler; the handshake waits for its answer. */
function installSNI(ossl: OpenSSL, context: Context, callback: NonNullable<ServerOptions['SNICallback']>, made: Context[]): void {
  const answers = new WeakMap<Connection, { done: boolean; context?: Context; error?: Error }>();
  const fromOptions = new WeakMap<object, Context>();
  const contextOf = (answer: SecureContextAnswer): Context | undefined => {
    if (!answer) return undefined;
    if (answer === context || (answer as Context).createConnection) return answer as Context;
    let c = fromOptions.get(answer);
    if (!c) {
      rejectUnknownOptions('SNICallback answer', answer, NODE_CONTEXT_OPTIONS);
      c = ossl.createContext(contextOptionsFromNode('SNICallback answer', answer as NodeContextOptions, 'server', {})!);
      fromOptions.set(answer, c);
      made.push(c);
    }
    return c;
  };
  context.setClientHelloHandler(conn => {
    let state = answers.get(conn);
    if (!state) {
      const name = sniName(conn.clientHelloExtension(TLSEXT_TYPE_server_name));
      if (name === null) return 'success';
      const s: { done: boolean; context?: Context; error?: Error } = { done: false };
      state = s;
      answers.set(conn, s);
      const answered = new Promise<void>(resolve => {
        try {
          callback(name, (err, answer) => {
            if (s.done) return;
            try {
              if (err) s.error = err;
              else s.context = contextOf(answer);
            } catch (e) {
              s.error = e as Error;
            }
            s.done = true;
            resolve();
          });
        } catch (e) {
          s.error = e as Error;
          s.done = true;
          resolve();
        }
      });
      if (!s.done) {
        conn.waitFor(answered);
        return 'retry';
      }
    }
    if (!state.done) return 'retry';
    if (state.error) return 'error';
    if (state.context && state.context !== context) conn.useContextCertificate(state.context);
    return 'success';
  });
}

/** The host_name of a server_name extension (RFC 6066, 3), or null. */
function sniName(ext: Uint8Array | null): string | null {
  if (!ext || ext.length < 5) return null;
  let i = 2;
  const end = Math.min(ext.length, 2 + ((ext[0] << 8) | ext[1]));
  while (i + 3 <= end) {
    const type = ext[i], len = (ext[i + 1] << 8) | ext[i + 2];
    if (type === 0 && i + 3 + len <= end) return new TextDecoder().decode(ext.subarray(i + 3, i + 3 + len));
    i += 3 + len;
  }
  return null;
}

export type { NodeTLSError, PeerCertificate, DetailedPeerCertificate, NodeContextOptions };
