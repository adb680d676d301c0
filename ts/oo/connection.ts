import { rejectUnknownOptions } from './options.ts';
import { CallbackError, ReentrantCallError, type OpenSSLError } from '../errors.ts';
import { concat } from '../raw/bytes.ts';
import * as C from '../raw/constants.ts';
import { openSSLError } from '../raw/error-stack.ts';
import { setExpectedPeer } from '../raw/lines.ts';
import { alpnWire, assertContextMayUse, wantNewSessions } from './context.ts';
import { checkClientEch, configureClientEch, echRetryConfigs, echStatus, type ClientEchOptions, type EchStatus } from './ech.ts';
import { requireBytes } from '../raw/memory.ts';
import { NULL, ptr, type Ptr } from '../raw/types.ts';
import type { Context } from './context.ts';
import { boundedBytes, boundedString, type Core } from './core.ts';
import type { ClientHello } from './client-hello.ts';
import { assertSameInstance, FreedHandleError, Handle } from './handle.ts';
import { adoptSession, protocolName, Session } from './session.ts';
import { describeX509, ecCurve, stackCertificates, type CertificateInfo } from './x509-info.ts';

/**
 * Where an operation got to. Not an exception: 'want-read' means "give me the peer's bytes";
 * 'want-client-hello-cb' means a server's client-hello callback paused the handshake for
 * asynchronous work: await `connection.pending`, then call handshake() again.
 */
export type Progress = 'done' | 'want-read' | 'want-write' | 'closed' | 'want-client-hello-cb';

export interface ConnectionOptions {
  /**
   * Clients: the server's name, sent as SNI and, when the context verifies the peer, checked
   * against its certificate. Required for a verifying client unless checkHostName is false.
   */
  serverName?: string;
  /** Clients: check the certificate's host name against serverName (default: when verifying). */
  checkHostName?: boolean;
  /** Clients: a session to resume (SSL_set_session). */
  session?: Session;
  /** Called with each new session of this connection (lent: call ref() to keep it); see also addSessionListener(). */
  onSession?: (session: Session) => void;
  /**
   * The most bytes from the peer this connection holds unprocessed (waiting in its read BIO);
   * receive() refuses more (default: the context's maxIncomingBytes, else 256 KiB).
   */
  maxIncomingBytes?: number;
  /**
   * Clients (OpenSSL 4.0 line): Encrypted Client Hello. serverName is then the inner, hidden name;
   * the outer ClientHello carries the config's public_name (ts/oo/ech.ts).
   */
  ech?: ClientEchOptions;
}

// Every key of ConnectionOptions, once: `satisfies` makes the compiler refuse a key missing or extra.
const CONNECTION_OPTIONS = Object.keys({ serverName: 1, checkHostName: 1, session: 1, onSession: 1, maxIncomingBytes: 1, ech: 1 } satisfies Record<keyof ConnectionOptions, 1>);

/** Calls the session listeners of `connection` with a lent session (for the router, dispatch.ts). */
export let notifySession: (connection: Connection, session: Session) => void;
/** Runs fn with `hello` readable as connection.clientHello (for the router, dispatch.ts). */
export let withClientHello: <R>(connection: Connection, hello: ClientHello, fn: () => R) => R;
/**
 * Hands the SSL_trace text of the message just seen to `connection`'s onTrace, and says whether its
 * message hook is on (for the router, dispatch.ts).
 */
export let deliverTrace: (connection: Connection) => boolean;

/** Called with SSL_trace's text of each message (see Connection.onTrace). */
export type TraceListener = (text: string, connection: Connection) => void;

/** Largest plaintext record; reads and writes go through a staging buffer of this size. */
const RECORD = 16384;
/**
 * How much buffer each memory BIO (incoming and outgoing ciphertext) may keep once emptied: none.
 * A BIO's buffer never shrinks by itself, so without this an idle connection would hold whatever the
 * largest burst through it grew (up to maxIncomingBytes incoming), and a few KiB after any handshake.
 * Measured at no cost: a malloc for the next flight (bench/README.md, idle connections).
 */
const TRIM_ABOVE = 0;

/** What a connection may hold of the peer's unprocessed bytes unless told otherwise. */
export const DEFAULT_MAX_INCOMING_BYTES = 256 * 1024;
/**
 * The smallest limit that still lets a connection progress: one whole record, the most OpenSSL
 * needs in hand to process anything (SSL3_RT_MAX_PACKET_SIZE in ssl3.h: 16384 of plaintext, 1024
 * of compression and 320 of encryption overhead, a 5-byte header).
 */
export const MIN_INCOMING_BYTES = 16384 + 1024 + 320 + 5;

/** Checks a maxIncomingBytes option; `where` names the call for the error. */
export function checkMaxIncomingBytes(where: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < MIN_INCOMING_BYTES) {
    throw new RangeError(`${where}: maxIncomingBytes must be an integer of at least ${MIN_INCOMING_BYTES} (one TLS record), got ${String(n)}`);
  }
  return n;
}

/**
 * One TLS connection (an SSL with a memory BIO each way), sans I/O as rustls and Python's SSLObject
 * are: bytes from the network go in with receive(), bytes for the network come out of
 * takeOutgoing(), plaintext goes through write() and read(). Nothing here waits or touches a socket.
 * A fatal error is sticky: every later operation throws it, but takeOutgoing() still hands over
 * the alert OpenSSL wrote.
 */
export class Connection extends Handle<'SSL'> {
  readonly context: Context;
  /** Called with each new session of this connection (the onSession option; may be replaced). */
  onSession: ((session: Session) => void) | null;
  /** Further session listeners (addSessionListener), called after onSession. */
  readonly #sessionListeners = new Set<(session: Session) => void>();
  #rbio: Ptr<'BIO'>;
  #wbio: Ptr<'BIO'>;
  #fatal: OpenSSLError | CallbackError | null = null;
  #pending: Promise<void> | null = null;
  /** The operation whose OpenSSL call is running (its callbacks may not start another), or null. */
  #busy: string | null = null;
  /** The ClientHello lent to the client-hello handler while it runs. */
  #clientHello: ClientHello | null = null;
  readonly #maxIncoming: number;

  /** @internal use Context.createConnection */
  constructor(private readonly core: Core, context: Context, options: ConnectionOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('createConnection: options must be an object');
    rejectUnknownOptions('createConnection', options, CONNECTION_OPTIONS);
    // Before SSL_new: another instance's session is refused with nothing made (setSession checks again).
    if (options.session instanceof Session) assertSameInstance(context, options.session, 'createConnection({ session })');
    const maxIncoming = options.maxIncomingBytes === undefined ? context.maxIncomingBytes
      : checkMaxIncomingBytes('createConnection', options.maxIncomingBytes);
    const { capi } = core;
    // OSW_SSL_new: SSL_new, remembering the session context for the ticket-key ring (wasm/ticket-keys.c).
    const ssl = capi.OSW_SSL_new(context.pointer);
    if (ssl === NULL) core.fail('SSL_new');
    const connections = core.connections;
    // core.call: SSL_free may call onRemove (a session of an unfinished connection is dropped as bad).
    super(core.tracker, 'Connection', ssl, p => { connections.delete(p); core.call(() => capi.SSL_free(p)); });
    this.context = context;
    this.#maxIncoming = maxIncoming;
    this.onSession = options.onSession ?? null;
    if (this.onSession && context.role === 'server') wantNewSessions(context);
    const rbio = capi.BIO_new(capi.BIO_s_mem()), wbio = capi.BIO_new(capi.BIO_s_mem());
    if (rbio === NULL || wbio === NULL) {
      if (rbio !== NULL) capi.BIO_free(rbio);
      if (wbio !== NULL) capi.BIO_free(wbio);
      this.free();
      core.fail('BIO_new');
    }
    // An empty read BIO means "nothing yet, retry", not end of stream (see receiveEnd()).
    capi.BIO_set_mem_eof_return(rbio, -1);
    capi.SSL_set_bio(ssl, rbio, wbio); // the SSL owns both BIOs now
    this.#rbio = rbio;
    this.#wbio = wbio;
    core.connections.set(ssl, new WeakRef(this));
    try {
      this.#configure(options);
    } catch (e) {
      this.free();
      throw e;
    }
  }

  #configure(o: ConnectionOptions): void {
    const { capi, mem } = this.core;
    const ssl = this.pointer;
    if (this.context.role === 'server') {
      if (o.serverName !== undefined || o.session !== undefined || o.checkHostName !== undefined || o.ech !== undefined) {
        throw new TypeError('createConnection: serverName, checkHostName and session are client options (SSL_set_session(3): "only useful for TLS/SSL clients"); so is ech (a server\'s ECH keys are its context\'s echKeys)');
      }
      capi.SSL_set_accept_state(ssl);
      return;
    }
    capi.SSL_set_connect_state(ssl);
    const check = o.checkHostName ?? this.context.verifyPeer;
    if (o.serverName !== undefined) {
      if (typeof o.serverName !== 'string' || o.serverName === '') throw new TypeError('createConnection: serverName must be a non-empty string');
      boundedString(o.serverName, 'createConnection: serverName', 255, 'TLSEXT_MAXLEN_host_name: the longest SNI name OpenSSL sends');
      mem.scope(s => {
        const name = s.cstring(o.serverName!);
        // SNI carries host names only, never IP addresses (RFC 6066, 3).
        const isIpAddress = /^[\d.]+$|:/.test(o.serverName!);
        if (!isIpAddress) this.core.check(capi.SSL_set_tlsext_host_name(ssl, name), 'SSL_set_tlsext_host_name');
        if (check) this.core.check(setExpectedPeer(this.core.raw, ssl, name, isIpAddress), 'SSL_set1_host');
      });
    } else if (check) {
      throw new TypeError('createConnection: a client that verifies its peer needs serverName to check the certificate against; pass { checkHostName: false } to skip the host-name check');
    }
    if (o.ech !== undefined) {
      checkClientEch(o.ech, 'createConnection');
      configureClientEch(this.core, ssl, o.ech, alpnWire);
    }
    if (o.session !== undefined) this.setSession(o.session);
  }

  // ---- Encrypted Client Hello (OpenSSL 4.0 line)

  /**
   * The ECH outcome on this end (SSL_ech_get1_status): status 'success' with both names once an
   * ECH handshake is done; null on the 3.5 line, which has no ECH.
   */
  get ech(): EchStatus | null {
    const ssl = this.pointer;
    return this.core.raw.line === '3.5' ? null : echStatus(this.core, ssl);
  }

  /**
   * Clients: the ECHConfigList a server sent back when ECH failed or was GREASE (its retry_configs,
   * SSL_ech_get1_retry_config), to connect again with; null if none, and on the 3.5 line.
   */
  get echRetryConfigs(): Uint8Array | null {
    const ssl = this.pointer;
    return this.core.raw.line === '3.5' ? null : echRetryConfigs(this.core, ssl);
  }

  // ---- bytes in and out

  /**
   * Hands OpenSSL bytes that arrived from the peer. They wait, unprocessed, until handshake(),
   * read() or write() process them; at most maxIncomingBytes may wait. Beyond that this throws a
   * RangeError and takes nothing: process what is there (read()) first, or stop reading the
   * transport until incomingCapacity allows more.
   */
  receive(data: Uint8Array): void {
    requireBytes(data, 'receive: data');
    const { capi, mem } = this.core;
    const rbio = this.#liveBio(this.#rbio);
    // OpenSSL may be in the middle of a record read from this BIO: bytes go in once it returns.
    this.#refuseBusy('receive');
    const waiting = capi.BIO_ctrl_pending(rbio);
    if (data.length > this.#maxIncoming - waiting) {
      throw new RangeError(`receive: ${data.length} more bytes would exceed this connection's limit of ${this.#maxIncoming} ` +
        `unprocessed incoming bytes (${waiting} waiting); nothing was taken. Call read() to process what is there first, ` +
        'or stop reading the transport until incomingCapacity allows more (the limit is the maxIncomingBytes option)');
    }
    for (let off = 0; off < data.length; off += RECORD * 4) {
      const chunk = data.subarray(off, Math.min(data.length, off + RECORD * 4));
      mem.scope(s => {
        if (capi.BIO_write(rbio, s.bytes(chunk), chunk.length) !== chunk.length) this.core.fail('BIO_write');
      });
    }
  }

  /** Bytes received from the peer and not yet processed by OpenSSL (waiting in the read BIO). */
  get incomingBytes(): number {
    return this.core.capi.BIO_ctrl_pending(this.#liveBio(this.#rbio));
  }
  /** How many more bytes receive() accepts now: maxIncomingBytes less incomingBytes. */
  get incomingCapacity(): number {
    return Math.max(0, this.#maxIncoming - this.incomingBytes);
  }
  /** The most unprocessed incoming bytes this connection holds (the maxIncomingBytes option). */
  get maxIncomingBytes(): number {
    void this.pointer; // throws once freed, like every other member
    return this.#maxIncoming;
  }

  /** Tells OpenSSL the peer's byte stream has ended (the transport closed). Refused from a callback of the running operation, as receive(). */
  receiveEnd(): void {
    const rbio = this.#liveBio(this.#rbio);
    this.#refuseBusy('receiveEnd');
    this.core.capi.BIO_set_mem_eof_return(rbio, 0);
  }

  /** Bytes OpenSSL has written for the peer and not yet handed over. */
  get outgoingBytes(): number {
    return this.core.capi.BIO_ctrl_pending(this.#liveBio(this.#wbio));
  }
  get wantsWrite(): boolean {
    return this.outgoingBytes > 0;
  }

  /**
   * Takes everything OpenSSL has written for the peer (possibly nothing). Refused from a callback of
   * this connection's own running operation (ReentrantCallError): OpenSSL may be part way through a
   * flight, and what it writes next belongs after what it wrote before; take it once the call returns.
   */
  takeOutgoing(): Uint8Array {
    const wbio = this.#liveBio(this.#wbio);
    this.#refuseBusy('takeOutgoing');
    return this.#takeAll(wbio);
  }

  /** Takes everything waiting in a memory BIO of this connection. */
  #takeAll(bio: Ptr<'BIO'>): Uint8Array {
    const { capi, mem } = this.core;
    const n = capi.BIO_ctrl_pending(bio);
    if (n === 0) return new Uint8Array(0);
    // Copied straight out of the BIO's buffer, then skipped over (BIO_seek on a mem BIO moves its
    // read position): one copy instead of BIO_read's into a scratch buffer and another out of it.
    return mem.scope(s => {
      const pp = s.out<'char*'>();
      const len = capi.BIO_get_mem_data(bio, pp);
      if (len !== n) this.core.fail('BIO_get_mem_data');
      const data = mem.copyOut(ptr<'u8'>(mem.readU32(pp)), len);
      const at = capi.BIO_tell(bio);
      if (at < 0 || capi.BIO_seek(bio, at + len) !== at + len) this.core.fail('BIO_seek');
      this.#trim(bio);
      return data;
    });
  }

  /** Gives an emptied memory BIO's buffer back (see TRIM_ABOVE). */
  #trim(bio: Ptr<'BIO'>): void {
    // Not once a callback of the operation just run has freed the connection (its BIOs with it).
    // -1 (out of memory for the fresh buffer) leaves the BIO as it was: nothing to undo.
    if (this.alive) this.core.capi.OSW_BIO_mem_trim(bio, TRIM_ABOVE);
  }

  // ---- TLS

  /** Advances the handshake: 'done' once complete, else what it waits for. */
  handshake(): Progress {
    const progress = this.#op('handshake', ssl => this.core.capi.SSL_do_handshake(ssl));
    this.#trim(this.#rbio);
    return progress;
  }

  /** Whether the handshake has completed. */
  get isHandshakeDone(): boolean {
    return this.core.capi.SSL_is_init_finished(this.pointer) === 1;
  }

  /**
   * Encrypts plaintext for the peer (doing the handshake first if needed). 'done' means all of it
   * was taken; otherwise nothing was, and the call is to be repeated with the same data.
   */
  write(data: Uint8Array | string): Progress {
    const bytes = plaintext(data, 'write');
    void this.pointer; // throws once freed
    if (this.#fatal) throw this.#fatal;
    if (bytes.length === 0) return 'done';
    const { capi, mem } = this.core;
    return mem.scope(s => {
      const buf = s.alloc(bytes.length, true), written = s.out<'size_t'>();
      mem.u8.set(bytes, buf);
      return this.#op('write', ssl => capi.SSL_write_ex(ssl, buf, bytes.length, written));
    });
  }

  /**
   * Decrypts what has arrived: all plaintext available now, and why reading stopped: 'want-read'
   * (more bytes needed) or 'closed' (the peer sent close_notify). Post-handshake messages, such as
   * TLS 1.3 session tickets, are processed on the way.
   */
  read(): { data: Uint8Array; state: 'want-read' | 'closed' } {
    const { capi, mem } = this.core;
    const chunks: Uint8Array[] = [];
    let state: Progress = 'want-read';
    // One buffer for everything that can be decrypted now, copied out once: the plaintext is never
    // longer than the ciphertext waiting in the read BIO plus what OpenSSL holds decrypted already.
    const size = Math.max(RECORD, capi.BIO_ctrl_pending(this.#liveBio(this.#rbio)) + capi.SSL_pending(this.pointer));
    mem.scope(s => {
      const buf = s.alloc(size, true), got = s.out<'size_t'>();
      let used = 0;
      for (let i = 0; i < 1 << 20; i++) {
        if (size - used < RECORD && used > 0) { // room for less than a record: hand over what is there
          chunks.push(mem.copyOut(buf, used));
          used = 0;
        }
        state = this.#op('read', ssl => capi.SSL_read_ex(ssl, ptr<'u8'>(buf + used), size - used, got));
        if (state !== 'done') break;
        used += mem.readU32(got);
      }
      if (used > 0) chunks.push(mem.copyOut(buf, used));
    });
    this.#trim(this.#rbio);
    const data = chunks.length === 1 ? chunks[0] : concat(chunks);
    return { data, state: (state as Progress) === 'closed' ? 'closed' : 'want-read' };
  }

  /** Sends close_notify: 'done' once the peer's has been received too, else 'want-read'. */
  shutdown(): Progress {
    const r = this.#op('shutdown', ssl => {
      const n = this.core.capi.SSL_shutdown(ssl);
      return n === 0 ? -2 : n; // 0: ours sent, theirs not yet received
    });
    return r === 'closed' ? 'done' : r;
  }

  /** SSL_get_shutdown: SSL_SENT_SHUTDOWN (1) and SSL_RECEIVED_SHUTDOWN (2) flags. */
  get shutdownState(): number {
    return this.core.capi.SSL_get_shutdown(this.pointer);
  }
  /** SSL_set_shutdown: marks the connection as shut down without sending anything. */
  set shutdownState(flags: number) {
    if (!Number.isInteger(flags) || flags < 0 || flags > 3) throw new RangeError(`shutdownState takes SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN, got ${flags}`);
    this.core.capi.SSL_set_shutdown(this.pointer, flags);
  }

  /**
   * The asynchronous work a 'want-client-hello-cb' handshake waits for, or null. It never
   * rejects: a failed lookup is the callback's to handle (typically by resuming nothing).
   */
  get pending(): Promise<void> | null {
    void this.pointer; // throws once freed
    return this.#pending;
  }

  /**
   * From a client-hello handler that answers 'retry': the asynchronous work (a session looked up in a
   * store, a certificate fetched) the handshake pauses for. `pending` is that work, never rejecting,
   * until it settles; then call handshake() again (the adapters do).
   */
  waitFor(work: Promise<unknown>): void {
    void this.pointer; // throws once freed
    if (typeof (work as { then?: unknown } | null)?.then !== 'function') throw new TypeError(`waitFor: work must be a Promise, got ${work === null ? 'null' : typeof work}`);
    const p: Promise<void> = Promise.resolve(work).then(() => undefined, () => undefined).finally(() => {
      if (this.#pending === p) this.#pending = null;
    });
    this.#pending = p;
  }

  /** The error that ended this connection, if one did. */
  get error(): OpenSSLError | CallbackError | null {
    void this.pointer; // throws once freed
    return this.#fatal;
  }

  // ---- sessions

  /**
   * Sets the session to resume on the next handshake (SSL_set_session; clients only). OpenSSL takes
   * its own reference; the Session object stays yours.
   */
  setSession(session: Session | null): void {
    if (this.context.role !== 'client') throw new TypeError('setSession is for clients: SSL_set_session(3) "is only useful for TLS/SSL clients"');
    if (session !== null) {
      if (!(session instanceof Session)) throw new TypeError('setSession: session must be a Session or null');
      assertContextMayUse(this.context, session, 'setSession');
    }
    const ssl = this.pointer;
    this.#refuseBusy('setSession');
    // SSL_set_session drops the current session, removing it from the cache if bad (onRemove).
    this.core.call(() => this.core.check(this.core.capi.SSL_set_session(ssl, session === null ? NULL : session.pointer), 'SSL_set_session'));
  }

  /**
   * Adds a listener for this connection's new sessions, called after onSession with the same lent
   * Session; returns the function that removes it. On a server, sessions are reported only when
   * asked for (the onSession option, or the context's sessionCallbacks.onNew).
   */
  addSessionListener(listener: (session: Session) => void): () => void {
    void this.pointer; // throws once freed
    if (typeof listener !== 'function') throw new TypeError('addSessionListener: listener must be a function');
    this.#sessionListeners.add(listener);
    return () => { this.#sessionListeners.delete(listener); };
  }

  /** The ClientHello being answered, while the context's client-hello handler runs; else null. */
  get clientHello(): ClientHello | null {
    void this.pointer; // throws once freed
    return this.#clientHello;
  }

  /**
   * The connection's current session as a new reference (SSL_get1_session), or null. On a TLS 1.3
   * client it is resumable only once a ticket has arrived: listen to onSession instead.
   */
  get session(): Session | null {
    const p = this.core.capi.SSL_get1_session(this.pointer);
    return p === NULL ? null : adoptSession(this.core, p);
  }

  /** Whether the handshake resumed a session (SSL_session_reused). */
  get sessionReused(): boolean {
    return this.core.capi.SSL_session_reused(this.pointer) === 1;
  }

  // ---- what was negotiated

  get protocol(): string | null {
    return this.isHandshakeDone ? protocolName(this.core.capi.SSL_version(this.pointer)) : null;
  }
  /** The cipher under OpenSSL's name, or null before the handshake. */
  get cipher(): string | null {
    const c = this.core.capi.SSL_get_current_cipher(this.pointer);
    return c === NULL ? null : this.core.mem.readCString(this.core.capi.SSL_CIPHER_get_name(c));
  }
  /** The key-exchange group, e.g. 'X25519MLKEM768', or null (none, or TLS 1.2 resumption). */
  get group(): string | null {
    const id = this.core.capi.SSL_get_negotiated_group(this.pointer);
    return id === 0 ? null : this.core.mem.readCString(this.core.capi.SSL_group_to_name(this.pointer, id));
  }
  /**
   * The peer's ephemeral key-exchange key (SSL_get_peer_tmp_key), or null: none yet, a resumption
   * without one, or a KEM group (X25519MLKEM768, ...) where the peer sends a ciphertext, not a key.
   * `type` is the key's kind, `curve` an EC key's curve short name ('prime256v1'), `bits` its size
   * (EVP_PKEY_get_bits: 253 for X25519).
   */
  get peerTempKey(): { type: 'DH' | 'EC' | 'X25519' | 'X448' | 'other'; curve: string | null; bits: number } | null {
    const { capi, mem } = this.core;
    const ssl = this.pointer;
    const key = mem.scope(s => {
      const pp = s.out<'EVP_PKEY*'>();
      return capi.SSL_get_peer_tmp_key(ssl, pp) ? mem.readPtr(pp) as Ptr<'EVP_PKEY'> : null;
    });
    if (key === null || key === NULL) return null;
    try {
      const id = capi.EVP_PKEY_get_id(key), bits = capi.EVP_PKEY_get_bits(key);
      // NIDs from obj_mac.h: dhKeyAgreement, id-ecPublicKey, X25519, X448.
      const types: Record<number, 'DH' | 'EC' | 'X25519' | 'X448'> = { 28: 'DH', 408: 'EC', 1034: 'X25519', 1035: 'X448' };
      const type = types[id] ?? 'other';
      return { type, curve: type === 'EC' ? ecCurve(this.core, key)?.curve ?? null : null, bits };
    } finally {
      capi.EVP_PKEY_free(key);
    }
  }
  /** The ALPN protocol agreed on, or null. */
  get alpn(): string | null {
    const ssl = this.pointer;
    const bytes = this.core.borrowedBytes((pp, len) => this.core.capi.SSL_get0_alpn_selected(ssl, pp, len));
    return bytes && new TextDecoder().decode(bytes);
  }
  /** The SNI name: what a client sent, or what a server received. */
  get serverName(): string | null {
    return this.core.mem.readCString(this.core.capi.SSL_get_servername(this.pointer, C.TLSEXT_NAMETYPE_host_name));
  }
  /** The peer's certificate (DER), or null. */
  get peerCertificate(): Uint8Array | null {
    const { capi } = this.core;
    const x = capi.SSL_get1_peer_certificate(this.pointer);
    if (x === NULL) return null;
    try {
      return this.core.x509ToDER(x);
    } finally {
      capi.X509_free(x);
    }
  }
  /** The outcome of verifying the peer: X509_V_OK (0) or an X509_V_ERR_* code, with its text. */
  get verifyResult(): { code: number; message: string } {
    const code = this.core.capi.SSL_get_verify_result(this.pointer);
    return { code, message: this.core.mem.readCString(this.core.capi.X509_verify_cert_error_string(code)) ?? '' };
  }

  // ----

  static {
    notifySession = (c, s) => {
      if (!c.alive) return; // freed by an earlier callback: its listeners are done with it
      c.onSession?.(s);
      for (const listener of [...c.#sessionListeners]) if (c.alive) listener(s);
    };
    deliverTrace = c => {
      const listener = c.#onTrace;
      if (listener) {
        const bio = c.core.capi.OSW_SSL_get0_trace_bio(c.pointer);
        const text = bio === NULL ? '' : new TextDecoder().decode(c.#takeAll(bio));
        if (text) listener(text, c);
      }
      return c.#messageHook;
    };
    withClientHello = (c, hello, fn) => {
      c.#clientHello = hello;
      try {
        return fn();
      } finally {
        c.#clientHello = null;
      }
    };
  }

  #liveBio(bio: Ptr<'BIO'>): Ptr<'BIO'> {
    void this.pointer; // throws if the connection (and so its BIOs) is freed
    return bio;
  }

  /** Refuses to start an operation from a callback of this connection's own running one. */
  #refuseBusy(what: string): void {
    if (this.#busy !== null) {
      throw new ReentrantCallError(`${what}() was called from a callback of this connection's own ${this.#busy}(), which OpenSSL is still running; ` +
        'call it once that returns (queueMicrotask, or from the code that called it)');
    }
  }

  /**
   * Runs one SSL_* call and turns its result into Progress, or a sticky OpenSSLError. The connection
   * is busy meanwhile (its callbacks cannot start another operation on it), and whatever its
   * callbacks freed is released once the call returns, after its result has been read.
   */
  #op(what: string, call: (ssl: Ptr<'SSL'>) => number): Progress {
    const ssl = this.pointer;
    this.#refuseBusy(what);
    if (this.#fatal) throw this.#fatal;
    this.#refuseDuringEarlyRead(what);
    this.#busy = what;
    try {
      return this.core.call(() => this.#result(what, ssl, call));
    } finally {
      this.#busy = null;
    }
  }

  #result(what: string, ssl: Ptr<'SSL'>, call: (ssl: Ptr<'SSL'>) => number): Progress {
    const { capi } = this.core;
    capi.ERR_clear_error(); // SSL_get_error reads the queue: it must hold only this call's errors
    let r: number;
    try {
      r = call(ssl);
    } catch (e) {
      // A callback of ours threw during the call: the connection is as broken as after an alert.
      if (e instanceof CallbackError) this.#fatal = e;
      throw e;
    }
    if (!this.alive) {
      capi.ERR_clear_error();
      throw new FreedHandleError(`this Connection was freed by a callback during its ${what}() (the SSL is released now that the call returned)`);
    }
    if (r > 0) return 'done';
    if (r === -2) return 'want-read';
    switch (capi.SSL_get_error(ssl, r)) {
      case C.SSL_ERROR_WANT_READ: return 'want-read';
      case C.SSL_ERROR_WANT_WRITE: return 'want-write';
      case C.SSL_ERROR_ZERO_RETURN: return 'closed';
      case C.SSL_ERROR_WANT_CLIENT_HELLO_CB: return 'want-client-hello-cb';
      default: {
        const verify = this.context.verifyPeer ? capi.SSL_get_verify_result(ssl) : C.X509_V_OK;
        const e = openSSLError(this.core.raw, verify !== C.X509_V_OK
          ? `${what} failed (certificate verification: ${this.verifyResult.message})`
          : `${what} failed`);
        this.#fatal = e;
        throw e;
      }
    }
  }

  // ==== Trace block (issue 12): SSL_trace's text of each message, as `openssl s_client -trace`.

  #onTrace: TraceListener | null = null;
  /** Whether the message callback reaches the context's onMessage (see messageHook). */
  #messageHook = true;

  /**
   * Called with the text SSL_trace prints for each message this connection sends or receives, as
   * `openssl s_client -trace` prints it (one call a message, its lines ending in newlines); null:
   * no trace. Starts as the context's onTrace. The text is drained from the connection's trace BIO
   * at each message, so nothing accumulates. Runs inside OpenSSL's call, as onMessage does: it may
   * not start another operation on this connection.
   */
  get onTrace(): TraceListener | null {
    void this.pointer; // throws once freed
    return this.#onTrace;
  }
  set onTrace(listener: TraceListener | null) {
    if (listener !== null && typeof listener !== 'function') throw new TypeError('onTrace must be a function (text, connection) or null');
    const { capi } = this.core;
    const ssl = this.pointer;
    if (listener) {
      this.core.check(capi.OSW_SSL_set_trace(ssl, 1), 'OSW_SSL_set_trace (SSL_set_msg_callback with SSL_trace into a memory BIO)');
    } else if (this.#onTrace) {
      capi.OSW_SSL_set_trace(ssl, 0);
      // Back to the plain message callback, which reaches the context's onMessage if it has one.
      if (this.#messageHook) capi.SSL_set_msg_callback(ssl, capi.OSW_msg_cb());
    }
    this.#onTrace = listener;
  }
  // ==== end of the Trace block

  // ==== Node-adapter block (for ts/io/node*.ts; kept together, at the end of the class): exported
  // keying material, Finished messages, session ticket, peer certificate details, SNI context
  // switch, verify-and-record, ClientHello extensions, the message hook.

  /** RFC 5705 / RFC 8446 7.5 exporter (SSL_export_keying_material); `context` omitted is "no context". */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    if (!Number.isInteger(length) || length < 1 || length > 0x10000) throw new RangeError(`exportKeyingMaterial: length must be 1 to 65536 bytes, got ${length}`);
    if (typeof label !== 'string') throw new TypeError('exportKeyingMaterial: label must be a string');
    if (context !== undefined && !(context instanceof Uint8Array)) throw new TypeError('exportKeyingMaterial: context must be a Uint8Array');
    if (!this.isHandshakeDone) throw new Error('exportKeyingMaterial: the handshake has not completed');
    // OpenSSL's bounds, checked before the label and context are copied in: a TLS 1.3 label is at
    // most 249 bytes (TLS13_MAX_LABEL_LEN: "tls13 " and it fit HkdfLabel's 255), a TLS 1.2 context
    // at most 0xffff (RFC 5705's 16-bit length). OpenSSL has none for a TLS 1.2 label (1024 here,
    // far above the registered ones, all under 40 characters) or a TLS 1.3 context, which is
    // hashed (RFC 5705's 0xffff here too).
    const tls13 = this.protocol === 'TLSv1.3';
    const lab = boundedBytes(label, 'exportKeyingMaterial: label', tls13 ? 249 : 1024,
      tls13 ? "TLS13_MAX_LABEL_LEN, OpenSSL's bound for TLS 1.3" : 'chosen: far above any registered exporter label');
    if (context !== undefined) boundedBytes(context, 'exportKeyingMaterial: context', 0xffff, "RFC 5705's 16-bit context length, which OpenSSL checks for TLS 1.2");
    const { capi, mem } = this.core;
    return mem.scope(s => {
      const out = s.alloc(length, true);
      const ctx = context ?? new Uint8Array(0);
      this.core.check(capi.SSL_export_keying_material(this.pointer, out, length, s.cstring(label), lab.length,
        s.bytes(ctx), ctx.length, context === undefined ? 0 : 1), 'SSL_export_keying_material');
      return mem.copyOut(out, length);
    });
  }

  /** The latest Finished message this end sent (SSL_get_finished), or null before there is one. */
  get finished(): Uint8Array | null {
    return this.#finishedOf((ssl, buf, n) => this.core.capi.SSL_get_finished(ssl, buf, n));
  }
  /** The latest Finished message received from the peer (SSL_get_peer_finished), or null. */
  get peerFinished(): Uint8Array | null {
    return this.#finishedOf((ssl, buf, n) => this.core.capi.SSL_get_peer_finished(ssl, buf, n));
  }
  #finishedOf(get: (ssl: Ptr<'SSL'>, buf: Ptr<string>, count: number) => number): Uint8Array | null {
    const ssl = this.pointer;
    return this.core.mem.scope(s => {
      const buf = s.alloc(64);
      const n = get(ssl, buf, 64); // the full length, even when longer than the buffer
      return n === 0 ? null : this.core.mem.copyOut(buf, Math.min(n, 64));
    });
  }

  /** The session ticket of the current session, as the client holds it (SSL_SESSION_get0_ticket), or null. */
  get sessionTicket(): Uint8Array | null {
    const { capi } = this.core;
    const sess = capi.SSL_get0_session(this.pointer);
    if (sess === NULL) return null;
    return this.core.borrowedBytes((pp, len) => capi.SSL_SESSION_get0_ticket(sess, pp, len as Ptr<string> as Ptr<'size_t'>));
  }

  /**
   * The peer's certificate read out field by field, then (with `chain`) its issuers: the verified
   * chain (SSL_get0_verified_chain) when there is one, else what the peer sent. Empty without one.
   */
  peerCertificateDetails(chain = false): CertificateInfo[] {
    const { capi } = this.core;
    const leaf = capi.SSL_get1_peer_certificate(this.pointer);
    if (leaf === NULL) return [];
    const certs: Ptr<'X509'>[] = [leaf];
    try {
      if (chain) {
        let rest = stackCertificates(this.core, capi.SSL_get0_verified_chain(this.pointer));
        if (rest.length === 0) rest = stackCertificates(this.core, capi.SSL_get_peer_cert_chain(this.pointer));
        certs.push(...rest);
        // Both stacks start with the leaf (the very X509) on a client; the peer chain does not on a server.
        if (certs.length > 1 && certs[1] === leaf) capi.X509_free(certs.splice(1, 1)[0]);
      }
      return certs.map(x => describeX509(this.core, x));
    } finally {
      for (const x of certs) capi.X509_free(x);
    }
  }

  /**
   * Servers: switches this connection to another context's certificate and settings
   * (SSL_set_SSL_CTX), as an SNI callback does; sessions and tickets stay with the first context.
   */
  useContextCertificate(context: Context): void {
    void this.pointer; // throws once freed
    assertSameInstance(this, context, 'useContextCertificate');
    if (context.kind !== 'Context') throw new TypeError(`useContextCertificate: expected a Context, got a ${context.kind}`);
    if (this.context.role !== 'server' || context.role !== 'server') throw new TypeError('useContextCertificate is for server connections and server contexts');
    if (this.core.capi.SSL_set_SSL_CTX(this.pointer, context.pointer) === NULL) this.core.fail('SSL_set_SSL_CTX');
  }

  /**
   * Asks the peer for a certificate (servers) and verifies what comes, recording the outcome in
   * verifyResult without failing the handshake on it (SSL_set_verify with a callback returning 1),
   * as Node does: verifyResult is then the chain's last error, a host-name mismatch only when the
   * chain itself verified. `requireCertificate` (servers): a client sending no certificate still
   * fails the handshake (SSL_VERIFY_FAIL_IF_NO_PEER_CERT), as Node's server with rejectUnauthorized.
   */
  verifyWithoutRejecting(requireCertificate = false): void {
    const { capi } = this.core;
    if (typeof requireCertificate !== 'boolean') throw new TypeError('verifyWithoutRejecting: requireCertificate must be true or false');
    capi.SSL_set_verify(this.pointer, C.SSL_VERIFY_PEER | (requireCertificate ? C.SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), capi.OSW_verify_accept_cb());
  }

  /**
   * The largest plaintext fragment this end sends in one record (SSL_set_max_send_fragment):
   * true when OpenSSL took it, false for a size outside its range (512 to 16384 bytes).
   */
  setMaxSendFragment(bytes: number): boolean {
    // A wasm call would wrap a fraction or a huge number into some other size, silently.
    if (typeof bytes !== 'number' || !Number.isInteger(bytes)) throw new TypeError(`setMaxSendFragment: bytes must be an integer, got ${String(bytes)}`);
    if (bytes < 0 || bytes > 0x7fffffff) return false;
    return this.core.capi.SSL_set_max_send_fragment(this.pointer, bytes) === 1;
  }

  /**
   * Refuses renegotiation from now on, both ways (SSL_OP_NO_RENEGOTIATION): a peer asking for one
   * (a TLS 1.2 HelloRequest, or a renegotiating ClientHello) gets a no_renegotiation alert.
   */
  disableRenegotiation(): void {
    this.core.capi.SSL_set_options(this.pointer, C.SSL_OP_NO_RENEGOTIATION);
  }

  /** Servers, inside a client-hello handler: the body of a ClientHello extension (SSL_client_hello_get0_ext), or null. */
  clientHelloExtension(type: number): Uint8Array | null {
    const ssl = this.pointer;
    // A wasm call would wrap 0x10000 to 0 and 'x' to 0: the wrong extension, silently.
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new RangeError(`clientHelloExtension: the type is a 16-bit number, got ${String(type)}`);
    return this.core.borrowedBytes((pp, len) => {
      this.core.capi.SSL_client_hello_get0_ext(ssl, type, pp, len as Ptr<string> as Ptr<'size_t'>);
    });
  }

  /**
   * Turns this connection's message callback on or off (SSL_set_msg_callback). It starts as its
   * context's: on when the context was made with onMessage, which it then reaches.
   */
  set messageHook(on: boolean) {
    if (typeof on !== 'boolean') throw new TypeError(`messageHook must be true or false, got ${typeof on}`);
    const { capi } = this.core;
    const ssl = this.pointer;
    this.#messageHook = on;
    // A traced connection keeps the tracing callback, which forwards to onMessage while this is on.
    if (!this.#onTrace) capi.SSL_set_msg_callback(ssl, on ? capi.OSW_msg_cb() : NULL);
  }
  /** This end's own certificate read out field by field (SSL_get_certificate), or null without one. */
  get localCertificateDetails(): CertificateInfo | null {
    const x = this.core.capi.SSL_get_certificate(this.pointer); // not a new reference: not freed
    return x === NULL ? null : describeX509(this.core, x);
  }
  /**
   * The signature algorithms both ends share (SSL_get_shared_sigalgs), in preference order: each
   * its signature NID with that NID's short name, and its hash's short name (OBJ_nid2sn; null for none).
   */
  get sharedSignatureAlgorithms(): { signNid: number; sign: string | null; hash: string | null }[] {
    const { capi, mem } = this.core;
    const ssl = this.pointer;
    const n = capi.SSL_get_shared_sigalgs(ssl, 0, NULL, NULL, NULL, NULL, NULL);
    return mem.scope(s => {
      const sign = s.out<'i32'>(), hash = s.out<'i32'>();
      const out: { signNid: number; sign: string | null; hash: string | null }[] = [];
      for (let i = 0; i < n; i++) {
        capi.SSL_get_shared_sigalgs(ssl, i, sign, hash, NULL, NULL, NULL);
        const signNid = mem.readI32(sign), hashNid = mem.readI32(hash);
        out.push({ signNid, sign: mem.readCString(capi.OBJ_nid2sn(signNid)), hash: hashNid === 0 ? null : mem.readCString(capi.OBJ_nid2sn(hashNid)) });
      }
      return out;
    });
  }
  // ==== end of the Node-adapter block

  // ==== Keying-material block (issue 12): the randoms and, for experiments, the master key.
  // exportKeyingMaterial, finished and peerFinished are in the Node-adapter block above.

  /** The ClientHello's 32 random bytes (SSL_get_client_random); zeros before there is one. */
  get clientRandom(): Uint8Array {
    return this.#random((ssl, out, n) => this.core.capi.SSL_get_client_random(ssl, out, n));
  }
  /** The ServerHello's 32 random bytes (SSL_get_server_random); zeros before there is one. */
  get serverRandom(): Uint8Array {
    return this.#random((ssl, out, n) => this.core.capi.SSL_get_server_random(ssl, out, n));
  }
  #random(get: (ssl: Ptr<'SSL'>, out: Ptr<'u8'>, n: number) => number): Uint8Array {
    const ssl = this.pointer;
    return this.core.mem.scope(s => {
      const out = s.alloc(32);
      return this.core.mem.copyOut(out, get(ssl, out, 32));
    });
  }

  /**
   * FOR EXPERIMENTS ONLY; NEVER LOG IT IN PRODUCTION: whoever has it decrypts the connection. The
   * current session's master key (SSL_SESSION_get_master_key): the TLS 1.2 master secret (the
   * CLIENT_RANDOM line of the key log), and in TLS 1.3 the resumption master secret. TLS 1.3's
   * traffic secrets have no getter in OpenSSL: they come through the context's keylog option.
   * Null without a session.
   */
  masterKey(): Uint8Array | null {
    const { capi, mem } = this.core;
    const sess = capi.SSL_get0_session(this.pointer);
    if (sess === NULL) return null;
    const n = capi.SSL_SESSION_get_master_key(sess, NULL as Ptr<'u8'>, 0);
    if (n === 0) return null;
    // Cleansed when the scope ends: the only copy left is the caller's.
    return mem.scope(s => {
      const out = s.alloc(n, true);
      return mem.copyOut(out, capi.SSL_SESSION_get_master_key(sess, out, n));
    });
  }
  // ==== end of the Keying-material block

  // ==== Early-data (0-RTT) block: a client's writeEarlyData before its handshake, a server's
  // readEarlyData before its handshake, and earlyDataStatus at both ends (SSL_write_early_data(3)).
  // Every OpenSSL call goes through #op: the same re-entry guard and sticky errors as handshake().

  /** Early-data bytes this client has handed to OpenSSL (the session's maxEarlyData caps the sum). */
  #earlyWritten = 0;
  /** Whether this connection started with early data (its first operation was one of these). */
  #earlyStarted = false;
  /** A server's readEarlyData reached SSL_READ_EARLY_DATA_FINISH: the handshake goes on with handshake(). */
  #earlyReadDone = false;

  /**
   * Clients: sends `data` as TLS 1.3 early data (0-RTT, SSL_write_early_data), before the handshake
   * completes, which starts it (the ClientHello goes out with it). Needs a resumed session whose
   * maxEarlyData is above 0; at most that many bytes in all. Call it before handshake(), as often as
   * needed, then run handshake() as usual and read earlyDataStatus: if the server did not accept the
   * early data ('rejected'), none of it reached the application: write() it again. Early data can be
   * replayed by an attacker (RFC 8446 8): send only what is safe to receive twice. A connection
   * freed while its early data is in flight leaves its session unresumable, as OpenSSL drops the
   * session of a connection abandoned outside its handshake (ssl_clear_bad_session).
   */
  writeEarlyData(data: Uint8Array | string): Progress {
    const bytes = plaintext(data, 'writeEarlyData');
    const { capi, mem } = this.core;
    const ssl = this.pointer;
    if (this.context.role !== 'client') throw new TypeError('writeEarlyData is for clients; a server reads early data with readEarlyData()');
    if (this.#fatal) throw this.#fatal;
    this.#refuseBusy('writeEarlyData');
    if (!this.#earlyStarted && capi.SSL_in_before(ssl) !== 1) {
      throw new TypeError('writeEarlyData: the handshake has already started without early data; early data goes before the first handshake(), write() or read()');
    }
    if (this.isHandshakeDone) throw new TypeError('writeEarlyData: the handshake is complete; send with write()');
    const sess = capi.SSL_get0_session(ssl);
    const max = sess === NULL ? 0 : capi.SSL_SESSION_get_max_early_data(sess);
    if (max === 0) {
      throw new TypeError('writeEarlyData: early data needs a session to resume whose maxEarlyData is above 0 (a ticket from a server ' +
        'with maxEarlyData set); check session.maxEarlyData first, and send with write() after the handshake otherwise');
    }
    if (this.#earlyWritten + bytes.length > max) {
      throw new RangeError(`writeEarlyData: ${bytes.length} more bytes would exceed the session's maxEarlyData of ${max} ` +
        `(${this.#earlyWritten} sent already); nothing was sent. Send the rest with write() once the handshake is done`);
    }
    this.#earlyStarted = true;
    if (bytes.length === 0) return 'done';
    return mem.scope(s => {
      const buf = s.alloc(bytes.length, true), written = s.out<'size_t'>();
      mem.u8.set(bytes, buf);
      const p = this.#op('writeEarlyData', ssl => capi.SSL_write_early_data(ssl, buf, bytes.length, written));
      if (p === 'done') this.#earlyWritten += bytes.length;
      return p;
    });
  }

  /**
   * Servers: reads the client's early data (SSL_read_early_data), called instead of handshake() until
   * it says 'finished' (until then the other operations throw a TypeError); then handshake()
   * completes the handshake as usual. `data` is early data
   * received so far. 'want-read' wants more bytes from the peer; 'want-client-hello-cb' as for
   * handshake(). Early data is accepted only with the context's maxEarlyData above 0, on a resumed
   * session, and (OpenSSL's anti-replay, unless SSL_OP_NO_ANTI_REPLAY) only once per ticket: that
   * needs the server's session cache (on by default), since tickets become single-use stateful ones.
   * A server that calls handshake() without this rejects any early data.
   */
  readEarlyData(): { data: Uint8Array; state: 'finished' | 'want-read' | 'want-write' | 'want-client-hello-cb' } {
    const { capi, mem } = this.core;
    const ssl = this.pointer;
    if (this.context.role !== 'server') throw new TypeError('readEarlyData is for servers; a client sends early data with writeEarlyData()');
    if (this.#fatal) throw this.#fatal;
    this.#refuseBusy('readEarlyData');
    if (this.#earlyReadDone) return { data: new Uint8Array(0), state: 'finished' };
    if (!this.#earlyStarted && capi.SSL_in_before(ssl) !== 1) {
      throw new TypeError('readEarlyData: the handshake has already started without it; readEarlyData goes before the first handshake()');
    }
    this.#earlyStarted = true;
    const chunks: Uint8Array[] = [];
    let state: 'finished' | 'want-read' | 'want-write' | 'want-client-hello-cb' = 'want-read';
    mem.scope(s => {
      const buf = s.alloc(RECORD, true), got = s.out<'size_t'>();
      for (let i = 0; i < 1 << 20; i++) {
        let raw = 0;
        const p = this.#op('readEarlyData', ssl => (raw = capi.SSL_read_early_data(ssl, buf, RECORD, got)));
        if (p !== 'done') {
          // 'closed' cannot come before the handshake: the peer's close_notify is read by handshake().
          state = p === 'closed' ? 'want-read' : p;
          break;
        }
        const n = mem.readU32(got);
        if (n > 0) chunks.push(mem.copyOut(buf, n));
        if (raw === C.SSL_READ_EARLY_DATA_FINISH) {
          this.#earlyReadDone = true;
          state = 'finished';
          break;
        }
      }
    });
    return { data: chunks.length === 1 ? chunks[0] : concat(chunks), state };
  }

  /**
   * What became of early data (SSL_get_early_data_status): 'not-sent' (none was sent or, on a server,
   * none arrived yet), 'rejected' (the server did not take it: a client resends it with write()),
   * 'accepted'. Final once the handshake is done.
   */
  get earlyDataStatus(): 'not-sent' | 'rejected' | 'accepted' {
    const status = this.core.capi.SSL_get_early_data_status(this.pointer);
    return status === C.SSL_EARLY_DATA_ACCEPTED ? 'accepted' : status === C.SSL_EARLY_DATA_REJECTED ? 'rejected' : 'not-sent';
  }

  /** Early-data bytes this client has sent with writeEarlyData(). */
  get earlyDataWritten(): number {
    void this.pointer; // throws once freed
    return this.#earlyWritten;
  }

  /**
   * Servers, inside the client-hello handler: refuses this connection's early data whatever the
   * context allows (SSL_set_allow_early_data_cb with a callback answering no). The handshake goes
   * on; the client sees 'rejected'. For a replay guard shared by several servers (early-data-guard.ts).
   */
  denyEarlyData(): void {
    if (this.context.role !== 'server') throw new TypeError('denyEarlyData is for servers');
    this.core.capi.OSW_SSL_deny_early_data(this.pointer);
  }
  /**
   * A server reading early data goes on with readEarlyData() until 'finished': OpenSSL refuses the
   * other calls meanwhile (SSL_write "called a function you should not call"), fatally; refused here
   * instead, the connection intact.
   */
  #refuseDuringEarlyRead(what: string): void {
    if (this.#earlyStarted && !this.#earlyReadDone && this.context.role === 'server' && what !== 'readEarlyData') {
      throw new TypeError(`${what}: this server connection is reading early data: call readEarlyData() until it says 'finished', then ${what}()`);
    }
  }
  // ==== end of the early-data block
}

/**
 * The most plaintext one write() or writeEarlyData() takes: OpenSSL encrypts all of it at once into
 * the outgoing buffer, so the plaintext's copy and its records both sit in linear memory (which
 * never shrinks) until takeOutgoing(). Far above any one write of the adapters (TLSEngine writes
 * 256 KiB slices); a program with more writes it in pieces, taking the output between them.
 */
export const MAX_WRITE_BYTES = 64 * 1024 * 1024;

/** write()'s and writeEarlyData()'s data as bytes: type and size checked before any copy. */
function plaintext(data: Uint8Array | string, where: string): Uint8Array {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError(`${where}: data must be a Uint8Array or a string`);
  // A detached buffer reads as empty: refused, not written as nothing ('done').
  if (data instanceof Uint8Array) requireBytes(data, `${where}: data`);
  return boundedBytes(data, `${where}: data`, MAX_WRITE_BYTES, 'one call; write more in pieces, taking the output between them');
}
