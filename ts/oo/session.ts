import { NULL, type Ptr } from '../raw/types.ts';
import { boundedBytes, boundedString, type Core } from './core.ts';
import { belongsTo, Handle, revokeBorrowed } from './handle.ts';

const PROTOCOLS: Record<number, string> = {
  0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3',
};

/** OpenSSL's name for a protocol version number (SSL_get_version's spelling). */
export function protocolName(version: number): string | null {
  return PROTOCOLS[version] ?? null;
}

/** Set by Session's static block: a new Session taking over one reference to `ptr` (the object layer's factories). */
export let adoptSession: (core: Core, ptr: Ptr<'SSL_SESSION'>) => Session;
/** Set by Session's static block: runs fn with a Session borrowing `ptr` for the call only (a callback's argument). */
export let lendSession: <R>(core: Core, ptr: Ptr<'SSL_SESSION'>, fn: (s: Session) => R) => R;

/**
 * An SSL_SESSION. Each Session object owns exactly one OpenSSL reference (or, inside a callback,
 * borrows one): ref() takes another reference as a new object, dup() makes a new session object,
 * free() or `using` gives the reference back.
 */
export class Session extends Handle<'SSL_SESSION'> {
  /** Takes over one reference to `ptr` (or borrows it when `owned` is false): made by adoptSession and lendSession only. */
  private constructor(private readonly core: Core, ptr: Ptr<'SSL_SESSION'>, owned: boolean) {
    const capi = core.capi;
    super(core.tracker, 'Session', ptr, owned ? p => capi.SSL_SESSION_free(p) : null);
  }

  static {
    adoptSession = (core, ptr) => new Session(core, ptr, true);
    lendSession = (core, ptr, fn) => {
      const s = new Session(core, ptr, false);
      try {
        return fn(s);
      } finally {
        revokeBorrowed(s);
      }
    };
  }

  /** A new handle on the same SSL_SESSION, holding a reference of its own (SSL_SESSION_up_ref). */
  ref(): Session {
    const p = this.pointer;
    this.core.check(this.core.capi.SSL_SESSION_up_ref(p), 'SSL_SESSION_up_ref');
    return new Session(this.core, p, true);
  }

  /** A new, separate SSL_SESSION with the same contents (SSL_SESSION_dup), not in any cache. */
  dup(): Session {
    const p = this.core.capi.SSL_SESSION_dup(this.pointer);
    if (p === NULL) this.core.fail('SSL_SESSION_dup');
    return new Session(this.core, p, true);
  }

  /** Whether both handles are on the same SSL_SESSION object. */
  is(other: Session): boolean {
    const p = this.pointer;
    // Another instance's session may sit at the same address of its own memory: never the same.
    return belongsTo(other, this.tracker) && p === other.pointer;
  }

  /** OpenSSL's reference count of the SSL_SESSION (diagnostics and tests; not for program logic). */
  get referenceCount(): number {
    return this.core.capi.OSW_SSL_SESSION_get_refcount(this.pointer);
  }

  /** The SSL_CTX whose session cache holds this session, or null (see SSL_set_session(3), NOTES). */
  get cacheOwner(): Ptr<'SSL_CTX'> | null {
    const owner = this.core.capi.OSW_SSL_SESSION_get0_owner(this.pointer);
    return owner === NULL ? null : owner;
  }

  // ---- identity

  /** The session id (empty for a TLS 1.3 or ticket-only session without one). */
  get id(): Uint8Array {
    return this.#getBytes((p, len) => this.core.capi.SSL_SESSION_get_id(p, len));
  }
  set id(value: Uint8Array) {
    this.#setBytes(value, 'id', (p, buf, n) => this.core.capi.SSL_SESSION_set1_id(p, buf, n), 'SSL_SESSION_set1_id', 32 /* SSL_MAX_SSL_SESSION_ID_LENGTH */);
  }

  /** The session id context the session was made under. */
  get idContext(): Uint8Array {
    return this.#getBytes((p, len) => this.core.capi.SSL_SESSION_get0_id_context(p, len));
  }
  set idContext(value: Uint8Array | string) {
    this.#setBytes(boundedBytes(value, 'idContext', 32, 'SSL_MAX_SID_CTX_LENGTH'), 'idContext',
      (p, buf, n) => this.core.capi.SSL_SESSION_set1_id_context(p, buf, n), 'SSL_SESSION_set1_id_context', 32 /* SSL_MAX_SID_CTX_LENGTH */);
  }

  // ---- what was negotiated

  /** The protocol version number (0x0304 for TLS 1.3). */
  get protocolVersion(): number {
    return this.core.capi.SSL_SESSION_get_protocol_version(this.pointer);
  }
  /** The protocol as OpenSSL names it: 'TLSv1.3', 'TLSv1.2', ... */
  get protocol(): string | null {
    return protocolName(this.protocolVersion);
  }

  /** The cipher under OpenSSL's name (e.g. 'ECDHE-ECDSA-AES128-GCM-SHA256'), or null. */
  get cipher(): string | null {
    const c = this.core.capi.SSL_SESSION_get0_cipher(this.pointer);
    return c === NULL ? null : this.core.mem.readCString(this.core.capi.SSL_CIPHER_get_name(c));
  }
  /** The cipher under its IANA name (e.g. 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'), or null. */
  get cipherStandardName(): string | null {
    const c = this.core.capi.SSL_SESSION_get0_cipher(this.pointer);
    return c === NULL ? null : this.core.mem.readCString(this.core.capi.SSL_CIPHER_standard_name(c));
  }

  /** The SNI host name the session was made for, or null. */
  get hostName(): string | null {
    return this.core.mem.readCString(this.core.capi.SSL_SESSION_get0_hostname(this.pointer));
  }
  set hostName(value: string | null) {
    if (value !== null && typeof value !== 'string') throw new TypeError(`hostName must be a string or null, got ${typeof value}`);
    if (value !== null) boundedString(value, 'hostName', 255, "TLSEXT_MAXLEN_host_name: the longest SNI name OpenSSL sends or takes");
    const { capi, mem } = this.core;
    mem.scope(s => this.core.check(
      capi.SSL_SESSION_set1_hostname(this.pointer, value === null ? NULL : s.cstring(value)), 'SSL_SESSION_set1_hostname'));
  }

  /** The ALPN protocol selected for the session, or null. */
  get alpn(): string | null {
    const p = this.pointer;
    const bytes = this.core.borrowedBytes((pp, len) => this.core.capi.SSL_SESSION_get0_alpn_selected(p, pp, len));
    return bytes && new TextDecoder().decode(bytes);
  }
  set alpn(value: string | null) {
    // RFC 7301 3.1: a protocol name is 1 to 255 bytes.
    const bytes = value === null ? new Uint8Array(0) : boundedBytes(value, 'alpn', 255, 'RFC 7301: a protocol name');
    this.#setBytes(bytes, 'alpn', (p, buf, n) => this.core.capi.SSL_SESSION_set1_alpn_selected(p, buf, n), 'SSL_SESSION_set1_alpn_selected', 255);
  }

  /** The peer's certificate (DER), or null. */
  get peerCertificate(): Uint8Array | null {
    const x = this.core.capi.SSL_SESSION_get0_peer(this.pointer);
    return x === NULL ? null : this.core.x509ToDER(x);
  }

  // ---- lifetime

  /** When the session was made, in seconds since the epoch. */
  get time(): number {
    return this.core.capi.SSL_SESSION_get_time_ex(this.pointer);
  }
  set time(seconds: number) {
    checkSeconds(seconds, 'time');
    this.core.capi.SSL_SESSION_set_time_ex(this.pointer, seconds);
  }

  /** How long the session stays valid after `time`, in seconds. */
  get timeout(): number {
    return this.core.capi.SSL_SESSION_get_timeout(this.pointer);
  }
  set timeout(seconds: number) {
    checkSeconds(seconds, 'timeout');
    this.core.capi.SSL_SESSION_set_timeout(this.pointer, seconds);
  }

  /** Whether the session carries a ticket. */
  get hasTicket(): boolean {
    return this.core.capi.SSL_SESSION_has_ticket(this.pointer) === 1;
  }
  /** The ticket the session carries (SSL_SESSION_get0_ticket, a copy), or null. */
  get ticket(): Uint8Array | null {
    const p = this.pointer;
    return this.core.borrowedBytes((pp, len) => this.core.capi.SSL_SESSION_get0_ticket(p, pp, len as Ptr<string> as Ptr<'size_t'>));
  }
  /** The lifetime hint the server sent with the ticket, in seconds. */
  get ticketLifetimeHint(): number {
    return this.core.capi.SSL_SESSION_get_ticket_lifetime_hint(this.pointer);
  }
  /**
   * The most early data (0-RTT) a client may send when resuming this session
   * (SSL_SESSION_get_max_early_data): the server's maxEarlyData when it issued the ticket; 0 means
   * the session allows none, and Connection.writeEarlyData refuses.
   */
  get maxEarlyData(): number {
    return this.core.capi.SSL_SESSION_get_max_early_data(this.pointer);
  }
  /** Whether a client can resume with it (SSL_SESSION_is_resumable). */
  get isResumable(): boolean {
    return this.core.capi.SSL_SESSION_is_resumable(this.pointer) === 1;
  }

  /** Application data a server put in its ticket (SSL_SESSION_set1_ticket_appdata), or null. */
  get ticketAppData(): Uint8Array | null {
    const { capi, mem } = this.core;
    return mem.scope(s => {
      const pp = s.out<'void*'>(), len = s.out<'size_t'>();
      if (capi.SSL_SESSION_get0_ticket_appdata(this.pointer, pp, len) !== 1) return null;
      const p = mem.readPtr(pp);
      return p === NULL ? null : mem.copyOut(p, mem.readU32(len));
    });
  }
  set ticketAppData(value: Uint8Array | string) {
    // OpenSSL has no bound of its own here, but puts no session of more than 0xFF00 bytes of DER
    // in a ticket (tls_construct_stateless_ticket), so app data beyond that can never be sent.
    this.#setBytes(boundedBytes(value, 'ticketAppData', MAX_TICKET_APP_DATA, 'a ticket holds a session of at most 0xFF00 bytes'), 'ticketAppData',
      (p, buf, n) => this.core.capi.SSL_SESSION_set1_ticket_appdata(p, buf, n), 'SSL_SESSION_set1_ticket_appdata', MAX_TICKET_APP_DATA);
  }

  // ---- export

  /** The session in DER (i2d_SSL_SESSION), as `openssl sess_id -outform DER` writes it. */
  toDER(): Uint8Array {
    const { capi, mem } = this.core;
    const p = this.pointer;
    const n = capi.i2d_SSL_SESSION(p, NULL);
    if (n <= 0) this.core.fail('i2d_SSL_SESSION');
    return mem.scope(s => {
      const buf = s.alloc(n, true), pp = s.out<'u8*'>();
      mem.writeU32(pp, buf);
      if (capi.i2d_SSL_SESSION(p, pp) !== n) this.core.fail('i2d_SSL_SESSION');
      return mem.copyOut(buf, n);
    });
  }

  /** The session in PEM (-----BEGIN SSL SESSION PARAMETERS-----). */
  toPEM(): string {
    return this.core.withMemBio(bio => {
      this.core.check(this.core.capi.PEM_write_bio_SSL_SESSION(bio, this.pointer), 'PEM_write_bio_SSL_SESSION');
      return this.core.bioText(bio);
    }, true); // the PEM holds the master key
  }

  /** The text SSL_SESSION_print writes (what `openssl sess_id -text` shows). */
  print(): string {
    return this.core.withMemBio(bio => {
      this.core.check(this.core.capi.SSL_SESSION_print(bio, this.pointer), 'SSL_SESSION_print');
      return this.core.bioText(bio);
    }, true); // the text shows the master key
  }

  /** The NSS key log line for the session's master key (SSL_SESSION_print_keylog; TLS 1.2 and older). */
  printKeylog(): string {
    return this.core.withMemBio(bio => {
      this.core.check(this.core.capi.SSL_SESSION_print_keylog(bio, this.pointer), 'SSL_SESSION_print_keylog');
      return this.core.bioText(bio);
    }, true); // the line is the master key
  }

  #getBytes(get: (p: Ptr<'SSL_SESSION'>, len: Ptr<'u32'>) => Ptr<'u8'>): Uint8Array {
    const { mem } = this.core;
    return mem.scope(s => {
      const len = s.out<'u32'>();
      const p = get(this.pointer, len);
      return p === NULL ? new Uint8Array(0) : mem.copyOut(p, mem.readU32(len));
    });
  }

  /** `max`: OpenSSL's (or the protocol's) limit, checked before the bytes are copied into linear memory. */
  #setBytes(value: Uint8Array, name: string, set: (p: Ptr<'SSL_SESSION'>, buf: Ptr<'u8'>, n: number) => number, what: string, max = Infinity): void {
    if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
    if (value.length > max) throw new RangeError(`${name} is at most ${max} bytes, got ${value.length}`);
    const p = this.pointer;
    this.core.mem.scope(s => this.core.check(set(p, s.bytes(value, false, name), value.length), what));
  }
}

/** The most ticket app data taken: a ticket carries a session of at most 0xFF00 bytes of DER. */
const MAX_TICKET_APP_DATA = 0xff00;

function checkSeconds(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
    throw new RangeError(`${name} must be a whole number of seconds from 0 to 2^31-1, got ${v}`);
  }
}
