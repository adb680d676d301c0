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
import type { Context, ContextOptions } from '../oo/context.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { MAX_UNSENT_REPLIES, TLSEngine } from './engine.ts';
import { nodeError, nodePeerCertificate, type DetailedPeerCertificate, type PeerCertificate } from './node-certificate.ts';
import { handshakeInfo, identityRefusal, verificationRefusal, type HandshakeInfo, type IdentityCheck } from './node-handshake-verdict.ts';
import { HeldOutput } from './node-held-output.ts';
import { NODE_CONTEXT_OPTIONS, type NodeContextOptions } from './node-options.ts';

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
  /** Print OpenSSL's SSL_trace text of each TLS message to stderr, as Node does (see enableTrace()). */
  enableTrace?: boolean;
  /**
   * As Node's: the peer's close_notify (or TCP end) emits 'end' and this side can still write;
   * end() then sends our close_notify, and the socket closes once both sides are done. Default
   * false: the socket ends its side when the peer ends its own.
   */
  allowHalfOpen?: boolean;
}
export const SOCKET_OPTIONS = ['openssl', 'context', 'contextOptions', 'handshakeTimeout', 'requireCloseNotify', 'enableTrace', 'allowHalfOpen', ...NODE_CONTEXT_OPTIONS];

/** A new session as the 'session' event tells of it. */
interface Announced { der: Buffer; ticket: Uint8Array | null }

// Set by TLSSocket's static block, for connect() and createServer() (node.ts, node-server.ts, node-session-events.ts).
/** Attaches the TCP socket and the connection once both exist; `ownsContext` is freed with the socket. */
export let attachTransport: (tls: TLSSocket, socket: net.Socket, connection: Connection, ownsContext: Context | null, timeoutMs: number,
  onSession?: (s: Session) => void) => void;
/** The output, and with `secure` the 'secure' event (and so 'secureConnection'), wait for `work` (a 'newSession' callback). */
export let holdOutput: (tls: TLSSocket, work: Promise<void>, secure: boolean) => void;
/** The error to destroy with when the handshake fails next (Node reports the application's own). */
export let failWith: (tls: TLSSocket, error: Error) => void;
/** Clients: the check Node's checkServerIdentity option adds after the handshake; `reject` destroys the socket when it fails. */
export let checkIdentityWith: (tls: TLSSocket, check: () => Error | undefined, reject: boolean) => void;

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
  /**
   * The session a 'session' listener is being told of. Events are delivered after OpenSSL's call,
   * by when the connection may hold a later session (TLS 1.3 servers send two tickets at once):
   * getSession() and getTLSTicket() answer for this one while its listeners run, as in Node.
   */
  #announcing: Announced | null = null;
  readonly #requireCloseNotify: boolean;
  readonly #host: string | undefined;
  /** Servers: whether the client was asked for a certificate (so `authorized` means something). */
  readonly #requestedCert: boolean;
  /**
   * Clients on a context of their own, and servers with requestCert and rejectUnauthorized:
   * verification never stopped the handshake (it went on to the chain's end, as Node's
   * VerifyCallback lets it), so an unverified peer is refused once it is done.
   */
  readonly #rejectAfterHandshake: boolean;
  /** Output held for 'newSession' callbacks and, on servers refusing after the handshake, for the verdict. */
  readonly #held: HeldOutput;

  /**
   * @internal made by connect() and createServer(). `host`: the name a certificate is checked
   * against, for errors.
   */
  constructor(private readonly role: 'client' | 'server',
    options: { requireCloseNotify?: boolean; enableTrace?: boolean; host?: string; requestedCert?: boolean; earlyData?: Uint8Array;
      rejectAfterHandshake?: boolean; server?: net.Server; transport?: net.Socket; allowHalfOpen?: boolean } = {}) {
    super({ allowHalfOpen: options.allowHalfOpen === true });
    this.#allowHalfOpen = options.allowHalfOpen === true;
    this.#server = options.server;
    this.#givenTransport = options.transport;
    this.#requestedCert = options.requestedCert === true;
    this.#rejectAfterHandshake = options.rejectAfterHandshake === true;
    this.#held = new HeldOutput(() => this.#socket, () => this.destroyed, role === 'server' && this.#rejectAfterHandshake);
    this.#requireCloseNotify = options.requireCloseNotify === true;
    this.#trace = options.enableTrace === true;
    this.#host = options.host;
    this.#earlyData = options.earlyData;
  }
  /** Clients: early data for the engine (connect's earlyData option). */
  readonly #earlyData: Uint8Array | undefined;
  /** end() came before close_notify could be sent (during the handshake): TCP ends once it is. */
  #endAfterCloseNotify = false;
  /** The peer's end ends only our readable side (Node's allowHalfOpen). */
  readonly #allowHalfOpen: boolean;

  /** setTimeout's milliseconds, for the transport once attached. */
  #idleTimeout: number | undefined;
  /**
   * Node's socket.setTimeout: 'timeout' after `ms` of inactivity on the transport (0 turns it off);
   * the socket is not closed (call destroy() from the listener). `callback` is a one-time listener.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new RangeError(`setTimeout: milliseconds must be a finite number from 0, got ${String(ms)}`);
    if (this.destroyed) return this; // as Node's: nothing to time out any more (and `timeout` unchanged)
    if (callback !== undefined) {
      if (typeof callback !== 'function') throw new TypeError('setTimeout: callback must be a function');
      if (ms === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    this.#idleTimeout = ms;
    this.#socket?.setTimeout(ms);
    return this;
  }

  /** setTimeout's milliseconds, undefined before it is called, as Node's `timeout`. */
  get timeout(): number | undefined {
    return this.#idleTimeout;
  }

  /** Attaches the socket and connection once both exist (attachTransport). */
  #attach(socket: net.Socket, connection: Connection, ownsContext: Context | null, timeoutMs: number, onSession?: (s: Session) => void): void {
    if (this.destroyed) { // destroy() came while the connection was being made: nothing to attach it to
      socket.destroy();
      connection.free();
      if (ownsContext?.alive) ownsContext.free();
      return;
    }
    this.#socket = socket;
    this.connection = connection;
    // Half-open TLS needs half-open TCP: a transport ending its side on the peer's FIN would drop
    // what this side still writes (Duplex's documented allowHalfOpen, set before any 'end').
    if (this.#allowHalfOpen) socket.allowHalfOpen = true;
    for (const f of this.#beforeTransport.splice(0)) f(socket, connection);
    socket.on('timeout', () => this.emit('timeout'));
    if (this.#idleTimeout !== undefined) socket.setTimeout(this.#idleTimeout);
    if (this.#trace) connection.onTrace = printTrace;
    this.#ownsContext = ownsContext;
    this.#timer = setTimeout(() => this.destroy(Object.assign(new Error(`TLS handshake timed out after ${timeoutMs} ms`), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' })), timeoutMs);
    // Sessions that arrive before 'secureConnect' has been emitted (the engine delivers its events
    // in the order OpenSSL raised them, and a TLS 1.2 session comes before the handshake's end).
    const early: Announced[] = [];
    let announced = false;
    const engine: TLSEngine = new TLSEngine(connection, {
      // Held while a 'newSession' callback is awaited, as Node holds its output then: a client
      // does not get the handshake's end (and so cannot reconnect) before the session is stored.
      transmit: (bytes, reply) => {
        // Replies held count as unsent too: a peer asking for them (a KeyUpdate flood) while a
        // 'newSession' callback holds the output would otherwise grow the held bytes without bound.
        if (this.#held.holds(engine.secure)) this.#held.keep(bytes, reply ? this.#replySent(socket, bytes.length) : undefined);
        else if (socket.writable) socket.write(bytes, reply ? this.#replySent(socket, bytes.length) : undefined);
      },
      sentClose: () => {
        if (!this.#endAfterCloseNotify) return;
        this.#endAfterCloseNotify = false;
        this.#held.endTransport();
      },
      // Backpressure: an application that does not read leaves the socket paused, so the peer's
      // bytes wait in the kernel, not in linear memory; _read() resumes it.
      plaintext: bytes => {
        this.#bytesRead += bytes.length;
        if (!this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))) {
          this.#readerBehind = true;
          socket.pause();
        }
      },
      secure: () => {
        clearTimeout(this.#timer);
        this.#secured = true;
        this.#info = handshakeInfo(connection, this.role === 'client' || this.#requestedCert);
        const finish = () => {
          if (this.destroyed) return;
          if (this.#refusedAfterHandshake()) return;
          this.#held.verdictGiven();
          this.emit(this.role === 'client' ? 'secureConnect' : 'secure');
          announced = true;
          // A TLS 1.2 session is made during the handshake; Node announces it after secureConnect.
          for (const a of early.splice(0)) this.#announce(a);
          for (const w of this.#waiting.splice(0)) w();
        };
        // As Node: 'secure' waits for the server's 'newSession' listeners to call back.
        this.#held.afterSecureHolds(finish);
      },
      session: s => {
        onSession?.(s);
        if (this.role === 'server') return; // Node's 'session' is a client's event (servers have 'newSession')
        const a: Announced = { der: Buffer.from(s.toDER()), ticket: s.ticket };
        if (announced) this.#announce(a);
        else early.push(a);
      },
      // Half-open: only the readable side ends; end() sends ours and then ends the transport.
      peerClosed: () => { this.push(null); if (!this.#allowHalfOpen) this.#held.endTransport(); },
      // A failed verification ends the handshake only on a context that rejects in OpenSSL (not one
      // that verifies to the end, #rejectAfterHandshake): only then is it the failure's cause.
      error: e => this.destroy(this.#failure ?? nodeError(e,
        connection.alive && connection.context.verifyPeer && !this.#rejectAfterHandshake ? connection.verifyResult : null, this.#host)),
    }, { ...(this.#earlyData ? { earlyData: this.#earlyData } : {}), allowHalfOpen: this.#allowHalfOpen });
    this.#engine = engine;
    socket.on('data', (d: Buffer) => engine.receive(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    socket.on('end', () => {
      this.#peerGone = true;
      // Node ends the stream when the peer closes TCP after the handshake without close_notify
      // (as Node's own tls server does); only requireCloseNotify makes it the error OpenSSL reports.
      if (engine.finished) return;
      if (engine.secure && !this.#requireCloseNotify) { this.push(null); return; }
      if (!engine.secure && this.role === 'client') {
        // As Node's onConnectEnd: the server went before the handshake's end (as a server refusing
        // the client's certificate after it does, in TLS 1.2).
        this.destroy(Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'),
          { code: 'ECONNRESET', host: this.#host }));
        return;
      }
      engine.receiveEnd();
      if (!engine.finished) this.push(null);
    });
    socket.on('error', e => { this.#peerGone = true; this.destroy(e); });
    socket.on('close', () => { this.#peerGone = true; if (!this.destroyed) this.destroy(); });
    engine.start();
    for (const w of this.#waiting.splice(0)) w();
  }

  /** The error to report instead of OpenSSL's when the handshake fails (a 'resumeSession' callback's). */
  #failure: Error | null = null;
  /** Clients: checkServerIdentity, run once the handshake is done; an Error refuses the connection (or, not rejecting, unauthorizes it). */
  #checkIdentity: IdentityCheck | null = null;

  /**
   * The verdicts Node gives after the handshake (node-handshake-verdict.ts): an unverified peer on
   * a socket refusing after the handshake, then checkServerIdentity. True when the socket was destroyed.
   */
  #refusedAfterHandshake(): boolean {
    const info = this.#info, connection = this.connection;
    if (!info || !connection) return false;
    const refusal = (this.#rejectAfterHandshake ? verificationRefusal(info, connection, this.role, this.#host) : null)
      ?? (this.#checkIdentity ? identityRefusal(info, this.#checkIdentity) : null);
    if (!refusal) return false;
    this.destroy(refusal);
    return true;
  }

  override _read(): void {
    this.#readerBehind = false;
    if (this.#socket?.isPaused() && this.#unsentReplies <= MAX_UNSENT_REPLIES) this.#socket.resume();
  }

  /** The application's reader is behind: the socket is paused until _read(). */
  #readerBehind = false;
  /** Bytes of replies to the peer (KeyUpdate answers) held or written to the socket, and not yet sent. */
  #unsentReplies = 0;
  /**
   * Counts `n` bytes of replies as unsent until the returned write callback runs. Beyond
   * MAX_UNSENT_REPLIES the socket is paused: a peer asking for replies it does not read (a KeyUpdate
   * flood) waits in the kernel, as a reader that is behind does, instead of in the socket's queue.
   */
  #replySent(socket: net.Socket, n: number): () => void {
    this.#unsentReplies += n;
    if (this.#unsentReplies > MAX_UNSENT_REPLIES) socket.pause();
    return () => {
      this.#unsentReplies -= n;
      if (this.#unsentReplies <= MAX_UNSENT_REPLIES && !this.#readerBehind && socket.isPaused() && !this.destroyed) socket.resume();
    };
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
      const done = () => {
        this.#bytesWritten += chunk.length;
        cb();
      };
      if (socket.writableNeedDrain) socket.once('drain', done);
      else done();
    };
    if (this.#engine) go();
    else this.#waiting.push(go);
  }

  override _final(cb: (e?: Error | null) => void): void {
    const go = () => {
      const engine = this.#engine!, c = this.connection!;
      // TCP ends after our close_notify (sentClose). end() before the handshake is done
      // (connect(...).end(data)) makes close() wait for it: ending TCP at once would cut off the
      // handshake's last flight, and the data and close_notify after it.
      if (engine.finished || !c.alive || (c.shutdownState & 1) !== 0) this.#held.endTransport();
      else this.#endAfterCloseNotify = true;
      engine.close();
      // 'finish' once TCP's own end has gone out, as Node's (its shutdown's callback): finishing
      // sooner lets a socket whose reading side is over destroy TCP (autoDestroy) before what is
      // queued to it, the close_notify and then the FIN, has been written.
      const socket = this.#socket!;
      if (socket.writableFinished || socket.destroyed) { cb(); return; }
      const done = () => { socket.off('finish', done); socket.off('close', done); cb(); };
      socket.on('finish', done);
      socket.on('close', done);
    };
    if (this.#engine) go();
    else this.#waiting.push(go);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    clearTimeout(this.#timer);
    this.#beforeTransport.length = 0;
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

  // ---- net.Socket's members, as Node's TLSSocket (a net.Socket) has them: read from or passed to
  // the TCP socket underneath, or, before it exists (connect() waiting for the default instance),
  // applied once it does, as net.Socket applies them once connected.

  /** The TCP (or IPC) socket once attached; settings asked for before then wait here. */
  readonly #beforeTransport: ((socket: net.Socket, connection: Connection) => void)[] = [];
  #onTransport(apply: (socket: net.Socket, connection: Connection) => void): void {
    if (this.#socket && this.connection?.alive) apply(this.#socket, this.connection);
    else if (!this.#socket && !this.destroyed) this.#beforeTransport.push(apply);
  }
  readonly #server: net.Server | undefined;
  /** connect()'s `socket` option: what the net.Socket members read until it is attached. */
  readonly #givenTransport: net.Socket | undefined;
  /** The TCP socket the net.Socket members read: attached, or given to connect() and about to be. */
  get #transport(): net.Socket | undefined {
    return this.#socket ?? (this.destroyed ? undefined : this.#givenTransport);
  }
  /** Plaintext bytes received and sent (as Node's TLSSocket counts them: not the TLS records). */
  #bytesRead = 0;
  #bytesWritten = 0;
  /** The handshake is done ('secureConnect' / 'secure' emitted or about to be). */
  #secured = false;

  get remoteAddress(): string | undefined { return this.#transport?.remoteAddress; }
  get remotePort(): number | undefined { return this.#transport?.remotePort; }
  get remoteFamily(): string | undefined { return this.#transport?.remoteFamily; }
  get localAddress(): string | undefined { return this.#transport?.localAddress; }
  get localPort(): number | undefined { return this.#transport?.localPort; }
  get localFamily(): string | undefined { return this.#transport?.localFamily; }
  /** The local end's { address, family, port }, {} before the connection and once it is closed, as Node's. */
  address(): net.AddressInfo | Record<string, never> {
    return this.#transport?.address() ?? {};
  }
  /** Plaintext bytes received so far (kept after close, as Node's). */
  get bytesRead(): number {
    return this.#bytesRead;
  }
  /** Plaintext bytes written so far, with those still queued, as Node's. */
  get bytesWritten(): number {
    return this.#bytesWritten + this.writableLength;
  }
  /** Node's deprecated name for writableLength (undefined once closed, as Node's). */
  get bufferSize(): number | undefined {
    return this.#socket && !this.destroyed ? this.writableLength : undefined;
  }
  /** TCP is still connecting (clients), as net.Socket's. */
  get connecting(): boolean {
    if (this.destroyed) return false;
    const transport = this.#transport;
    return transport ? transport.connecting : this.role === 'client';
  }
  /** Not connected yet, or closed (no handle), as net.Socket's. */
  get pending(): boolean {
    const transport = this.#transport;
    return transport ? transport.pending : true;
  }
  /** 'opening', 'open', 'readOnly', 'writeOnly' or 'closed', by net.Socket's rule. */
  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }
  /** The handshake is under way (not done, not closed), as Node's TLSSocket. */
  get secureConnecting(): boolean {
    return !this.#secured && !this.destroyed;
  }
  /** Servers: the server that accepted this socket; undefined on clients, as Node's. */
  get server(): net.Server | undefined {
    return this.#server;
  }
  /** net.Socket's setNoDelay (Nagle's algorithm off by default here too: true). */
  setNoDelay(noDelay = true): this {
    this.#onTransport(socket => socket.setNoDelay(noDelay));
    return this;
  }
  /** net.Socket's setKeepAlive. */
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.#onTransport(socket => socket.setKeepAlive(enable, initialDelay));
    return this;
  }
  /** The event loop waits for this socket (the default), as net.Socket's. */
  ref(): this {
    this.#onTransport(socket => socket.ref());
    return this;
  }
  /** The event loop does not wait for this socket alone, as net.Socket's. */
  unref(): this {
    this.#onTransport(socket => socket.unref());
    return this;
  }
  /** Ends this side (close_notify) and destroys the socket once that is written, as net.Socket's. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }
  /** Closes TCP with a reset (RST), no close_notify, and destroys the socket, as net.Socket's. */
  resetAndDestroy(): this {
    if (this.#socket && !this.destroyed) this.#socket.resetAndDestroy();
    this.destroy();
    return this;
  }
  /**
   * The largest plaintext fragment sent in one record (SSL_set_max_send_fragment): true when taken,
   * false outside OpenSSL's 512 to 16384 bytes, as Node's. Before the connection exists (connect()
   * waiting for the default instance) it is kept and set then, with the same answer.
   */
  setMaxSendFragment(size: number): boolean {
    if (typeof size !== 'number') throw Object.assign(new TypeError(`setMaxSendFragment: size must be a number, got ${typeof size}`), { code: 'ERR_INVALID_ARG_TYPE' });
    if (!Number.isInteger(size)) throw Object.assign(new RangeError(`setMaxSendFragment: size must be an integer, got ${size}`), { code: 'ERR_OUT_OF_RANGE' });
    const c = this.connection;
    if (c?.alive) return c.setMaxSendFragment(size);
    if (this.destroyed || c) throw Object.assign(new Error('setMaxSendFragment: the socket is closed'), { code: 'ERR_SOCKET_CLOSED' });
    this.#onTransport((_, connection) => connection.setMaxSendFragment(size));
    return size >= 512 && size <= 16384; // OpenSSL's range (SSL_set_max_send_fragment), answered before it is asked
  }
  /**
   * Refuses renegotiation on this connection (SSL_OP_NO_RENEGOTIATION): a TLS 1.2 peer asking for
   * one gets a no_renegotiation alert. Node's instead destroys the socket with
   * ERR_TLS_RENEGOTIATION_DISABLED; here the connection goes on without renegotiating.
   */
  disableRenegotiation(): void {
    this.#onTransport((_, connection) => connection.disableRenegotiation());
  }

  // ---- Node's members this adapter refuses, each saying why and what to do instead.

  /** Not supported: a TypeError (connect() makes and connects the socket). */
  connect(): never {
    throw new TypeError('TLSSocket.connect: not supported here; connect() makes the socket and its TCP connection (pass the socket option to use one of your own)');
  }
  /** Not supported: a TypeError (renegotiation is not started from here). */
  renegotiate(): never {
    throw new TypeError('TLSSocket.renegotiate: not supported here (TLS 1.2 renegotiation is not started by this adapter; TLS 1.3 has none). ' +
      'To ask for a client certificate, set requestCert on the server from the start');
  }
  /** Not supported: a TypeError (the name is connect()'s servername option). */
  setServername(): never {
    throw new TypeError('TLSSocket.setServername: not supported here; give connect() the servername option (the ClientHello is sent as the socket is made)');
  }
  /** Not supported: a TypeError (the session is connect()'s session option). */
  setSession(): never {
    throw new TypeError('TLSSocket.setSession: not supported here; give connect() the session option (or a sessionStore), which is offered in the first ClientHello');
  }
  /** Not supported: a TypeError (a server's certificate per name comes from SNICallback or addContext). */
  setKeyCert(): never {
    throw new TypeError('TLSSocket.setKeyCert: not supported here; choose a server certificate per connection with SNICallback or server.addContext()');
  }

  #announce(a: Announced): void {
    this.#announcing = a;
    try {
      this.emit('session', a.der);
    } finally {
      this.#announcing = null;
    }
  }

  /** The session as DER bytes (a new reference read out and released), or undefined. */
  getSession(): Buffer | undefined {
    if (this.#announcing) return Buffer.from(this.#announcing.der);
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
  /** Why it did not: Node's string code ('DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', ...), or null as Node's. */
  get authorizationError(): string | null {
    return this.#info?.authorizationError ?? null;
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
  /**
   * Clients: the server's ephemeral key as Node shows it ({ type: 'ECDH', name: 'X25519', size: 253 },
   * { type: 'DH', size }), {} when there is none to show (a resumption, or a KEM group such as
   * X25519MLKEM768, which has no peer key: Node's GetEphemeralKey gives {} too); null on servers
   * and once closed, as Node.
   */
  getEphemeralKeyInfo(): { type: 'ECDH' | 'DH'; name?: string; size: number } | Record<string, never> | null {
    const c = this.role === 'client' ? this.#live() : null;
    if (!c) return null;
    const key = c.peerTempKey;
    if (!key || key.type === 'other') return {};
    if (key.type === 'DH') return { type: 'DH', size: key.bits };
    return { type: 'ECDH', name: key.type === 'EC' ? key.curve ?? '' : key.type, size: key.bits };
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
  /**
   * The signature algorithms both ends share, in Node's form ('ECDSA+SHA256', 'RSA-PSS+SHA256',
   * 'Ed25519+UNDEF', ...: Node's names for the usual key types, else OpenSSL's short name); [] before the handshake.
   */
  getSharedSigalgs(): string[] {
    const c = this.#live();
    if (!c) return [];
    return c.sharedSignatureAlgorithms.map(a => `${SIGNATURE_NAMES[a.signNid] ?? a.sign ?? 'UNDEF'}+${a.hash ?? 'UNDEF'}`);
  }
  /** Clients: the session ticket of the current session (SSL_SESSION_get0_ticket), or undefined. */
  getTLSTicket(): Buffer | undefined {
    const t = this.#announcing ? this.#announcing.ticket : this.#live()?.sessionTicket;
    return t ? Buffer.from(t) : undefined;
  }
  /**
   * Prints OpenSSL's SSL_trace text of each TLS message from now on to stderr, as Node does
   * (Connection.onTrace: the text `openssl s_client -trace` prints).
   */
  enableTrace(): void {
    this.#trace = true;
    if (this.connection?.alive) this.connection.onTrace = printTrace;
  }
  #live(): Connection | null {
    return this.connection?.alive ? this.connection : null;
  }

  /** What the handshake settled, read once, so it stays readable after the socket closes. */
  #info: HandshakeInfo | null = null;

  static {
    attachTransport = (tls, ...args) => tls.#attach(...args);
    holdOutput = (tls, work, secure) => tls.#held.holdFor(work, secure);
    failWith = (tls, error) => { tls.#failure = error; };
    checkIdentityWith = (tls, check, reject) => { tls.#checkIdentity = { check, reject }; };
  }
}

/** Node's names for signature key types (TLSWrap::GetSharedSigalgs), by NID. */
const SIGNATURE_NAMES: Record<number, string> = { 6: 'RSA', 912: 'RSA-PSS', 116: 'DSA', 408: 'ECDSA', 1087: 'Ed25519', 1088: 'Ed448' };

/** enableTrace's listener: SSL_trace's text, as Node writes it, to stderr. */
function printTrace(text: string): void {
  process.stderr.write(text);
}
