/// <reference types="node" />
/**
 * Node adapter: TLS over net.Socket with the habits of Node's `tls` module (secureConnect, a
 * `session` event carrying DER bytes, getSession(), isSessionReused(), getProtocol(), getCipher()).
 * A thin layer: the TLSEngine does the TLS, this moves bytes between it and the socket.
 */
import { Buffer } from 'node:buffer';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import type { Connection } from '../oo/connection.ts';
import type { Context, ContextOptions } from '../oo/context.ts';
import { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { saveSession, sessionKey, takeSession, type SessionStore } from '../stores/session-store.ts';
import { TLSEngine } from './engine.ts';
import { defaultInstance } from './default-instance.ts';

export { defaultInstance };

export interface TLSSocketOptions {
  /** The OpenSSL instance to use (default: one shared instance). */
  openssl?: OpenSSL;
  /** A context to use; otherwise one is made from `contextOptions` and freed with the socket. */
  context?: Context;
  contextOptions?: Omit<ContextOptions, 'role'>;
  /** Milliseconds the handshake may take before the socket is destroyed (default 30000). */
  handshakeTimeout?: number;
}

export interface ConnectOptions extends TLSSocketOptions {
  host?: string;
  /** Required unless `socket` is given. */
  port?: number;
  /** SNI and the name checked against the certificate (default: host unless it is an IP address). */
  servername?: string;
  /** false: do not verify the server (default true). */
  rejectUnauthorized?: boolean;
  /** A session to resume: DER bytes (as the `session` event gives them) or a Session. */
  session?: Uint8Array | Session;
  /** An already-connected socket to run TLS over, instead of connecting to host:port. */
  socket?: net.Socket;
  /**
   * Resume automatically: take a session from the store before connecting, and put each new one
   * there (TLS 1.3 tickets are used once). Keyed by host, port, SNI, ALPN and `sessionKeySettings`.
   */
  sessionStore?: SessionStore;
  /** What else must match for a stored session to be offered (default: whether the server is verified). */
  sessionKeySettings?: string;
}

/** A TLS connection as a Duplex of plaintext, over a net.Socket. */
export class TLSSocket extends Duplex {
  connection: Connection | null = null;
  readonly encrypted = true;
  #engine: TLSEngine | null = null;
  #socket: net.Socket | null = null;
  #ownsContext: Context | null = null;
  #waiting: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** @internal sees each new session while it is lent (the session store's way in). */
  sessionHook: ((s: Session) => void) | null = null;

  /** @internal */
  constructor(private readonly role: 'client' | 'server') {
    super({ allowHalfOpen: false });
  }

  /** @internal attaches the socket and connection once both exist. */
  attach(socket: net.Socket, connection: Connection, ownsContext: Context | null, timeoutMs: number): void {
    this.#socket = socket;
    this.connection = connection;
    this.#ownsContext = ownsContext;
    this.#timer = setTimeout(() => this.destroy(new Error(`TLS handshake timed out after ${timeoutMs} ms`)), timeoutMs);
    const engine = new TLSEngine(connection, {
      transmit: bytes => { if (!socket.destroyed) socket.write(bytes); },
      plaintext: bytes => { this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)); },
      secure: () => {
        clearTimeout(this.#timer);
        this.#snapshot(connection);
        this.emit(this.role === 'client' ? 'secureConnect' : 'secure');
        for (const w of this.#waiting.splice(0)) w();
      },
      session: s => {
        this.sessionHook?.(s);
        this.emit('session', Buffer.from(s.toDER()));
      },
      peerClosed: () => { this.push(null); socket.end(); },
      error: e => this.destroy(e),
    });
    this.#engine = engine;
    socket.on('data', (d: Buffer) => engine.receive(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    socket.on('end', () => { engine.receiveEnd(); if (!engine.finished) this.push(null); });
    socket.on('error', e => this.destroy(e));
    socket.on('close', () => { if (!this.destroyed) this.destroy(); });
    engine.start();
    for (const w of this.#waiting.splice(0)) w();
  }

  override _read(): void { /* plaintext is pushed as it is decrypted */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const go = () => {
      try {
        this.#engine!.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        cb();
      } catch (e) {
        cb(e as Error);
      }
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
    if (this.connection?.alive) this.connection.free();
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
  get authorized(): boolean {
    return this.#info?.authorized ?? false;
  }

  /** What the handshake settled, read once, so it stays readable after the socket closes. */
  #info: { reused: boolean; protocol: string | null; alpn: string | false; authorized: boolean;
    cipher: { name: string; standardName: string; version: string } } | null = null;

  #snapshot(c: Connection): void {
    const s = c.session;
    try {
      this.#info = {
        reused: c.sessionReused, protocol: c.protocol, alpn: c.alpn ?? false,
        authorized: c.context.verifyPeer && c.verifyResult.code === 0,
        cipher: { name: c.cipher ?? '', standardName: s?.cipherStandardName ?? '', version: c.protocol ?? '' },
      };
    } finally {
      s?.free();
    }
  }
}

/** Connects to a TLS server, as tls.connect does. 'secureConnect' fires once the handshake is done. */
export function connect(options: ConnectOptions, onSecure?: () => void): TLSSocket {
  if (!options || typeof options.port !== 'number' && !options.socket) throw new TypeError('connect: options.port (or options.socket) is required');
  const tls = new TLSSocket('client');
  if (onSecure) tls.once('secureConnect', onSecure);
  (async () => {
    const ossl = options.openssl ?? await defaultInstance();
    const host = options.host ?? 'localhost';
    const verify = options.rejectUnauthorized !== false;
    let owned: Context | null = null;
    const context = options.context ?? (owned = ossl.createContext({ ...options.contextOptions, role: 'client', verifyPeer: verify }));
    const servername = options.servername ?? (net.isIP(host) ? undefined : host);
    const store = options.sessionStore;
    const key = store && sessionKey({ host, port: options.port ?? 0, serverName: servername, alpn: options.contextOptions?.alpn,
      settings: options.sessionKeySettings ?? `verify=${verify}` });
    if (store) tls.sessionHook = s => { void saveSession(store, key!, s).catch(e => tls.emit('error', e)); };
    const stored = store && !options.session ? await takeSession(store, key!, ossl) : null;
    const session = options.session instanceof Uint8Array ? ossl.sessionFromDER(options.session) : options.session ?? stored ?? undefined;
    let connection: Connection;
    try {
      connection = context.createConnection({
        serverName: servername ?? (verify ? host : undefined),
        checkHostName: verify,
        session,
      });
    } finally {
      if (options.session instanceof Uint8Array || stored) session?.free(); // the SSL holds its own reference
    }
    const socket = options.socket ?? net.connect({ host, port: options.port! });
    tls.attach(socket, connection, owned, options.handshakeTimeout ?? 30_000);
  })().catch(e => tls.destroy(e as Error));
  return tls;
}

export interface ServerOptions extends TLSSocketOptions {
  /** PEM certificate and key (or pass `context`, or them in `contextOptions`). */
  cert?: string;
  key?: string;
}

/**
 * A TLS server, as tls.createServer: a net.Server whose connections emit 'secureConnection' with
 * a TLSSocket once their handshake is done. One Context serves every connection.
 */
export function createServer(options: ServerOptions, onSecureConnection?: (socket: TLSSocket) => void): net.Server {
  const ready = (async () => {
    const ossl = options.openssl ?? await defaultInstance();
    return options.context ?? ossl.createContext({ ...options.contextOptions, role: 'server', certificate: options.cert ?? options.contextOptions?.certificate, privateKey: options.key ?? options.contextOptions?.privateKey });
  })();
  const server = net.createServer(socket => {
    ready.then(context => {
      const tls = new TLSSocket('server');
      tls.once('secure', () => server.emit('secureConnection', tls));
      tls.on('error', e => server.emit('tlsClientError', e, tls));
      tls.attach(socket, context.createConnection(), null, options.handshakeTimeout ?? 30_000);
    }, e => { socket.destroy(); server.emit('error', e); });
  });
  if (onSecureConnection) server.on('secureConnection', onSecureConnection);
  ready.catch(() => undefined);
  server.on('close', () => { ready.then(c => { if (!options.context && c.alive) c.free(); }, () => undefined); });
  return server;
}
