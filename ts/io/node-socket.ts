/// <reference types="node" />
/**
 * The Node adapter's TLSSocket: a Duplex of plaintext over a net.Socket, with Node's TLSSocket
 * members in Node's shapes (see the parity table in README.md). connect() and createServer() make them.
 */
import { Buffer } from 'node:buffer';
import { X509Certificate } from 'node:crypto';
import type * as net from 'node:net';
import { Duplex } from 'node:stream';
import type { Connection } from '../oo/connection.ts';
import type { Context, ContextOptions, TLSMessage } from '../oo/context.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { TLSEngine } from './engine.ts';
import { nodeError, nodePeerCertificate, verifyErrorCode, type DetailedPeerCertificate, type PeerCertificate } from './node-certificate.ts';
import { NODE_CONTEXT_OPTIONS, type NodeContextOptions } from './node-options.ts';
import { traceLine } from './node-trace.ts';

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
export const SOCKET_OPTIONS = ['openssl', 'context', 'contextOptions', 'handshakeTimeout', 'requireCloseNotify', 'enableTrace', ...NODE_CONTEXT_OPTIONS];

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
  readonly #traceable: boolean;
  /** Servers: whether the client was asked for a certificate (so `authorized` means something). */
  readonly #requestedCert: boolean;

  /**
   * @internal made by connect() and createServer(). `traceable`: the adapter made the context, with
   * the message hook; `host`: the name a certificate is checked against, for errors.
   */
  constructor(private readonly role: 'client' | 'server',
    options: { requireCloseNotify?: boolean; enableTrace?: boolean; traceable?: boolean; host?: string; requestedCert?: boolean; earlyData?: Uint8Array } = {}) {
    super({ allowHalfOpen: false });
    this.#traceable = options.traceable === true;
    this.#requestedCert = options.requestedCert === true;
    this.#requireCloseNotify = options.requireCloseNotify === true;
    this.#trace = options.enableTrace === true;
    this.#host = options.host;
    this.#earlyData = options.earlyData;
  }
  /** Clients: early data for the engine (connect's earlyData option). */
  readonly #earlyData: Uint8Array | undefined;

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
    }, this.#earlyData ? { earlyData: this.#earlyData } : {});
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
  /** This end's certificate in Node's shape, {} without one; null once closed. */
  getCertificate(): PeerCertificate | Record<string, never> | null {
    const c = this.#live();
    if (!c) return null;
    const own = c.localCertificateDetails;
    return own ? nodePeerCertificate([own], false) : {};
  }
  /** The peer's certificate as Node's own crypto.X509Certificate (made from its DER), or undefined. */
  getPeerX509Certificate(): X509Certificate | undefined {
    const der = this.#live()?.peerCertificate;
    return der ? new X509Certificate(der) : undefined;
  }
  /** This end's certificate as Node's crypto.X509Certificate, or undefined. */
  getX509Certificate(): X509Certificate | undefined {
    const own = this.#live()?.localCertificateDetails;
    return own ? new X509Certificate(own.der) : undefined;
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
}
