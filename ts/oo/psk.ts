import * as C from '../raw/constants.ts';
import { requireBytes } from '../raw/memory.ts';
import { NULL, type Ptr } from '../raw/types.ts';
import type { Connection } from './connection.ts';
import { boundedString, toBytes, type Core } from './core.ts';
import { assertSameInstance } from './handle.ts';
import { adoptSession, Session } from './session.ts';

/**
 * External pre-shared keys. In OpenSSL a TLS 1.3 PSK is an SSL_SESSION holding the key (as its
 * master key), a TLS 1.3 suite (of which only the handshake digest matters) and the version
 * (SSL_CTX_set_psk_use_session_callback(3)); the TLS 1.2 PSK callbacks take the same key as bytes.
 * Here a PSK is such a Session, and the context options carry it: `psk` for clients, `onPskFind`
 * for servers. A client may instead answer per connection with `onPskClient` (the TLS 1.2 callback's
 * key and identity, which OpenSSL also uses for TLS 1.3, bound to SHA-256), as Node's client does.
 */

/** What openssl.pskSession makes a PSK of. */
export interface PskSessionOptions {
  /** The pre-shared key: 1 to 512 bytes (PSK_MAX_PSK_LEN). */
  key: Uint8Array;
  /**
   * The TLS 1.3 suite whose handshake digest the PSK is bound to (default 'TLS_AES_128_GCM_SHA256',
   * SHA-256, as `openssl s_client -psk` and the TLS 1.2 callbacks assume). The server may negotiate
   * any suite with the same digest, but it chooses the suite before it looks at the PSK: a client
   * should offer suites of this digest first (options.cipherSuites), or the PSK goes unused. A
   * server without a certificate that also allows TLS 1.2 prefers SHA-256 suites (OpenSSL's
   * ssl3_choose_cipher): there, SHA-384 PSKs need clients offering SHA-384 suites only.
   */
  cipher?: string;
  /** Early data this PSK allows (SSL_SESSION_set_max_early_data; default 0, none). */
  maxEarlyData?: number;
}

/** A client's PSK (options.psk): offered in TLS 1.3 and used for TLS 1.2 PSK suites. */
export interface ClientPsk {
  /** The identity sent to the server (1 to 256 bytes; no NUL, which TLS 1.2's callbacks cannot carry). */
  identity: string | Uint8Array;
  /**
   * The PSK, from openssl.pskSession (or a TLS 1.3 session of an earlier handshake). The context
   * keeps a reference of its own. For TLS 1.2 its key is used with the PSK suites of the cipher
   * list (OpenSSL's DEFAULT has them; they are offered only with a PSK).
   */
  session: Session;
}

/**
 * A server's lookup of the identity a client offers (options.onPskFind), in TLS 1.3
 * (SSL_CTX_set_psk_find_session_callback) and TLS 1.2 PSK suites (SSL_CTX_set_psk_server_callback).
 * Return the Session (OpenSSL takes a reference of its own: the Session stays yours) or null for
 * an unknown identity: TLS 1.3 then goes on without the PSK (a certificate handshake, or failure
 * for a server without one), TLS 1.2 fails with unknown_psk_identity. Identities that are not UTF-8
 * are unknown without a call.
 */
export type PskFindHandler = (identity: string, connection: Connection | null) => Session | null;

/** What a client's onPskClient answers: the identity to send and the key. */
export interface PskClientAnswer {
  /** 1 to 256 bytes, no NUL (OpenSSL's callback takes it as a C string). */
  identity: string | Uint8Array;
  /** 1 to 512 bytes. */
  key: Uint8Array;
}

/**
 * A client's PSK asked per connection (options.onPskClient), as Node's client pskCallback is:
 * OpenSSL's SSL_CTX_set_psk_client_callback, called in TLS 1.2 with the server's identity hint
 * (null when it sent none) and, as the ClientHello is built, in TLS 1.3 with null (the key is
 * then bound to SHA-256: TLS_AES_128_GCM_SHA256, OpenSSL's rule for this callback). null: no PSK.
 */
export type PskClientHandler = (hint: string | null, connection: Connection | null) => PskClientAnswer | null;

const MAX_PSK_LEN = 512; // PSK_MAX_PSK_LEN
const MAX_IDENTITY_LEN = 256; // PSK_MAX_IDENTITY_LEN
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** openssl.pskSession: SSL_SESSION_new, SSL_SESSION_set1_master_key, _set_cipher, _set_protocol_version. */
export function makePskSession(core: Core, options: PskSessionOptions): Session {
  if (options === null || typeof options !== 'object') throw new TypeError('pskSession: options must be an object with a key');
  const { key, cipher = 'TLS_AES_128_GCM_SHA256', maxEarlyData } = options;
  requireBytes(key, 'pskSession: key');
  if (key.length === 0 || key.length > MAX_PSK_LEN) throw new RangeError(`pskSession: key must be 1 to ${MAX_PSK_LEN} bytes, got ${key.length}`);
  if (typeof cipher !== 'string') throw new TypeError('pskSession: cipher must be a TLS 1.3 suite name such as TLS_AES_128_GCM_SHA256');
  boundedString(cipher, 'pskSession: cipher', 64, 'chosen: the longest TLS 1.3 suite name has 28');
  if (maxEarlyData !== undefined && (!Number.isInteger(maxEarlyData) || maxEarlyData < 0 || maxEarlyData > 0xffffffff)) {
    throw new RangeError(`pskSession: maxEarlyData must be a whole number of bytes from 0 to 2^32-1, got ${maxEarlyData}`);
  }
  const { capi, mem } = core;
  const p = capi.SSL_SESSION_new();
  if (p === NULL) core.fail('SSL_SESSION_new');
  const session = adoptSession(core, p);
  try {
    mem.scope(s => core.check(capi.SSL_SESSION_set1_master_key(p, s.bytes(key, true, 'pskSession: key'), key.length), 'SSL_SESSION_set1_master_key'));
    withTls13Cipher(core, cipher, c => core.check(capi.SSL_SESSION_set_cipher(p, c), 'SSL_SESSION_set_cipher'));
    core.check(capi.SSL_SESSION_set_protocol_version(p, C.TLS1_3_VERSION), 'SSL_SESSION_set_protocol_version');
    if (maxEarlyData !== undefined) core.check(capi.SSL_SESSION_set_max_early_data(p, maxEarlyData), 'SSL_SESSION_set_max_early_data');
  } catch (e) {
    session.free();
    throw e;
  }
  return session;
}

/**
 * Finds OpenSSL's SSL_CIPHER for a TLS 1.3 suite name: OpenSSL's own parser (SSL_CTX_set_ciphersuites)
 * on a scratch SSL_CTX, then that suite in its SSL's list (SSL_get_ciphers). SSL_CIPHERs are
 * static, so the pointer outlives the scratch objects.
 */
function withTls13Cipher(core: Core, name: string, use: (c: Ptr<'SSL_CIPHER'>) => void): void {
  const { capi, mem } = core;
  const ctx = capi.SSL_CTX_new(capi.TLS_client_method());
  if (ctx === NULL) core.fail('SSL_CTX_new');
  try {
    // A name that is no TLS 1.3 suite leaves nothing to find below (the RangeError after it).
    if (mem.scope(s => capi.SSL_CTX_set_ciphersuites(ctx, s.cstring(name))) !== 1) capi.ERR_clear_error();
    const ssl = capi.SSL_new(ctx);
    if (ssl === NULL) core.fail('SSL_new');
    try {
      const list = capi.SSL_get_ciphers(ssl);
      const n = list === NULL ? 0 : capi.OPENSSL_sk_num(list);
      for (let i = 0; i < n; i++) {
        const c = capi.OPENSSL_sk_value(list, i) as Ptr<string> as Ptr<'SSL_CIPHER'>;
        if (mem.readCString(capi.SSL_CIPHER_standard_name(c)) === name && mem.readCString(capi.SSL_CIPHER_get_version(c)) === 'TLSv1.3') {
          use(c);
          return;
        }
      }
    } finally {
      capi.SSL_free(ssl);
    }
  } finally {
    capi.SSL_CTX_free(ctx);
  }
  throw new RangeError(`pskSession: cipher must be a TLS 1.3 suite name, e.g. TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256; got ${JSON.stringify(name)}`);
}

/** The length of a PSK session's key (its master key); 0 if it has none. */
function keyLength(core: Core, session: Session): number {
  return core.capi.SSL_SESSION_get_master_key(session.pointer, NULL, 0);
}

/** Checks a Session is usable as a PSK: one of this instance, with a key and a TLS 1.3 suite. */
function assertPskSession(core: Core, owner: object, session: unknown, where: string): asserts session is Session {
  if (!(session instanceof Session)) throw new TypeError(`${where} must be a Session: make one with openssl.pskSession({ key, cipher })`);
  assertSameInstance(owner, session, where);
  if (keyLength(core, session) === 0 || core.capi.SSL_SESSION_get0_cipher(session.pointer) === NULL) {
    throw new TypeError(`${where} has no key or no cipher suite, which a PSK needs: make it with openssl.pskSession({ key, cipher })`);
  }
}

/** A client context's options.psk: OpenSSL keeps a reference and the identity with the SSL_CTX (wasm/shims.c). */
export function configureClientPsk(core: Core, owner: object, ctx: Ptr<'SSL_CTX'>, psk: ClientPsk): void {
  if (psk === null || typeof psk !== 'object') throw new TypeError('createContext: options.psk must be { identity, session }');
  assertPskSession(core, owner, psk.session, 'createContext: options.psk.session');
  // Checked (a long string before it is encoded) before anything is copied into linear memory.
  if (typeof psk.identity === 'string' && psk.identity.length > MAX_IDENTITY_LEN) {
    throw new RangeError(`createContext: options.psk.identity must be 1 to ${MAX_IDENTITY_LEN} bytes without NUL, got ${psk.identity.length} characters`);
  }
  const id = toBytes(psk.identity, 'createContext: options.psk.identity');
  if (id.length === 0 || id.length > MAX_IDENTITY_LEN || id.includes(0)) {
    throw new RangeError(`createContext: options.psk.identity must be 1 to ${MAX_IDENTITY_LEN} bytes without NUL, got ${id.length} bytes`);
  }
  const { capi, mem } = core;
  mem.scope(s => core.check(capi.OSW_SSL_CTX_set1_client_psk(ctx, psk.session.pointer, s.bytes(id), id.length), 'createContext: options.psk (SSL_CTX_set_psk_use_session_callback)'));
}

/** A client context's options.onPskClient: the trampoline to it (the handler is the context's, dispatch.ts). */
export function configureClientPskHandler(core: Core, ctx: Ptr<'SSL_CTX'>, handler: PskClientHandler): void {
  if (typeof handler !== 'function') throw new TypeError('createContext: options.onPskClient must be a function (hint, connection) => { identity, key } | null');
  core.capi.SSL_CTX_set_psk_client_callback(ctx, core.capi.OSW_psk_client_cb());
}

/**
 * Writes onPskClient's answer where OpenSSL's client callback wants it: the identity NUL-terminated,
 * then the key; the key's length (0 for no PSK). Out-of-range answers are errors that fail the handshake.
 */
export function writeClientPsk(core: Core, answer: unknown, identityOut: Ptr<'char'>, maxIdentityLen: number, keyOut: Ptr<'u8'>, maxKeyLen: number): number {
  if (answer === null || answer === undefined) return 0;
  if (typeof answer !== 'object') throw new TypeError('onPskClient must return { identity, key } or null');
  const { identity, key } = answer as PskClientAnswer;
  const id = toBytes(identity, 'onPskClient: identity');
  requireBytes(key, 'onPskClient: key');
  const maxId = Math.min(MAX_IDENTITY_LEN, maxIdentityLen - 1);
  if (id.length === 0 || id.length > maxId || id.includes(0)) throw new RangeError(`onPskClient: identity must be 1 to ${maxId} bytes without NUL, got ${id.length} bytes`);
  if (key.length === 0 || key.length > Math.min(MAX_PSK_LEN, maxKeyLen)) throw new RangeError(`onPskClient: key must be 1 to ${Math.min(MAX_PSK_LEN, maxKeyLen)} bytes, got ${key.length}`);
  const u8 = core.mem.u8;
  u8.set(id, identityOut);
  u8[identityOut + id.length] = 0;
  u8.set(key, keyOut);
  return key.length;
}

/** A server context's options.onPskFind and pskIdentityHint. */
export function configureServerPsk(core: Core, ctx: Ptr<'SSL_CTX'>, find: PskFindHandler | undefined, hint: string | undefined): void {
  const { capi, mem } = core;
  if (find !== undefined) {
    if (typeof find !== 'function') throw new TypeError('createContext: options.onPskFind must be a function (identity, connection) => Session | null');
    capi.SSL_CTX_set_psk_find_session_callback(ctx, capi.OSW_psk_find_session_cb());
    // Only where TLS 1.2 may be negotiated: with it set, a server without a certificate prefers
    // SHA-256 suites in TLS 1.3 too (ssl3_choose_cipher), which would leave SHA-384 PSKs unused.
    if (capi.SSL_CTX_get_min_proto_version(ctx) !== C.TLS1_3_VERSION) capi.SSL_CTX_set_psk_server_callback(ctx, capi.OSW_psk_server_cb());
  }
  if (hint !== undefined) {
    if (typeof hint !== 'string') throw new TypeError('createContext: options.pskIdentityHint must be a string');
    boundedString(hint, 'createContext: options.pskIdentityHint', MAX_IDENTITY_LEN, 'PSK_MAX_IDENTITY_LEN');
    mem.scope(s => core.check(capi.SSL_CTX_use_psk_identity_hint(ctx, s.cstring(hint)), 'SSL_CTX_use_psk_identity_hint'));
  }
}

/** An identity from the wire as the server's handler sees it, or null if it is not UTF-8. */
export function decodeIdentity(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** What a server's onPskFind answered, checked: null, or a PSK Session of this instance. */
export function foundPsk(core: Core, owner: object, found: unknown): Session | null {
  if (found === null || found === undefined) return null;
  assertPskSession(core, owner, found, 'onPskFind');
  return found;
}

/** Writes a PSK session's key to a TLS 1.2 callback's buffer; its length. */
export function writePskKey(core: Core, session: Session, out: Ptr<'u8'>, max: number): number {
  const n = keyLength(core, session);
  if (n > max) throw new RangeError(`onPskFind: the key is ${n} bytes, more than the ${max} OpenSSL takes`);
  return core.capi.SSL_SESSION_get_master_key(session.pointer, out, max);
}

