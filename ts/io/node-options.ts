/// <reference types="node" />
/**
 * Node's tls option names, with Node's meaning, mapped onto this library's ContextOptions; and the
 * check that refuses every name neither Node's tls nor this adapter knows (a misspelt or unsupported
 * option would otherwise be ignored and the connection made with defaults).
 */
import { hkdfSync } from 'node:crypto';
import type { Context, ContextOptions, TLSVersion } from '../oo/context.ts';
import type { SecureContext } from './node-secure-context.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import { checkGivenContext } from './given-context.ts';
import { defaultInstance } from './default-instance.ts';
import { nodeError } from './node-certificate.ts';

type PEM = string | Uint8Array;

/** Node's options that configure the secure context, for clients and servers alike. */
export interface NodeContextOptions {
  /** PEM CA certificates to trust (replacing none: this library has no default trust store). */
  ca?: PEM | PEM[];
  /**
   * PEM certificate (with its chain) and private key; Node's array forms too: several certificates
   * of different key types (RSA and ECDSA: OpenSSL picks one per handshake by the client's signature
   * algorithms), and keys as PEM or `{ pem, passphrase }`, paired with them by key type as in Node.
   */
  cert?: PEM | PEM[];
  key?: PEM | (PEM | { pem: PEM; passphrase?: string })[];
  /** ALPN protocols: an array of names (strings or bytes), or Node's wire format in one buffer. */
  ALPNProtocols?: string[] | Uint8Array[] | Uint8Array;
  minVersion?: TLSVersion;
  maxVersion?: TLSVersion;
  /**
   * OpenSSL cipher string. As in Node, names starting with `TLS_` are TLS 1.3 suites and the rest
   * the TLS 1.2 list; a version given none here keeps its defaults.
   */
  ciphers?: string;
  /** Signature algorithms to offer and accept, colon-separated, OpenSSL's syntax (SSL_CTX_set1_sigalgs_list), as Node's. */
  sigalgs?: string;
  /** Key-exchange groups, colon-separated; 'auto' keeps the defaults. */
  ecdhCurve?: string;
  /** SSL_OP_* flags. */
  secureOptions?: number | bigint;
  /** Servers: use the server's cipher order (SSL_OP_CIPHER_SERVER_PREFERENCE). */
  honorCipherOrder?: boolean;
  /** Servers: sessions resume only under this id context. */
  sessionIdContext?: string;
  /** Servers: session lifetime in seconds. */
  sessionTimeout?: number;
  /** The passphrase of an encrypted PEM `key`, or of `pfx`. */
  passphrase?: string;
  /** A PKCS#12 file (.pfx/.p12) with the certificate, chain and key; Node's array form too (`[{ buf, passphrase }]`), several for keys of different types. */
  pfx?: Uint8Array | (Uint8Array | { buf: Uint8Array; passphrase?: string })[];
  /**
   * OpenSSL's method name, as Node maps it to versions: 'TLS_method' TLS 1.2 to 1.3 (1.0 and 1.1 are
   * not built), 'TLSv1_2_method' and 'SSLv23_method' TLS 1.2 only (with their _client/_server forms).
   */
  secureProtocol?: string;
  /** Servers: the PSK identity hint sent in TLS 1.2 (TLS 1.3 has none). */
  pskIdentityHint?: string;
  /** PEM certificate revocation lists: the peer's whole chain is checked against them, as Node's. */
  crl?: PEM | PEM[];
  /** Clients: a SecureContext from createSecureContext(), instead of the options above. */
  secureContext?: SecureContext;
}

export const NODE_CONTEXT_OPTIONS = Object.keys({
  ca: 1, cert: 1, key: 1, ALPNProtocols: 1, minVersion: 1, maxVersion: 1, ciphers: 1, ecdhCurve: 1, sigalgs: 1,
  secureOptions: 1, honorCipherOrder: 1, sessionIdContext: 1, sessionTimeout: 1, passphrase: 1, pfx: 1, crl: 1, secureContext: 1,
  secureProtocol: 1, pskIdentityHint: 1,
} satisfies Record<keyof NodeContextOptions, 1>);

/**
 * ContextOptions from Node's names, merged with `contextOptions` (this library's names); null with a
 * ready `context`. A setting given both ways is a TypeError, as is any of Node's context options
 * (or contextOptions) beside a ready `context`.
 */
export function contextOptionsFromNode(where: string, o: NodeContextOptions & { context?: Context; contextOptions?: Omit<ContextOptions, 'role'>; openssl?: OpenSSL },
  role: 'client' | 'server', extra: Partial<ContextOptions>): ContextOptions | null {
  checkGivenContext(where, o.context, o.openssl);
  const given = NODE_CONTEXT_OPTIONS.filter(k => (o as Record<string, unknown>)[k] !== undefined);
  refuseUnsupported(where, o);
  if (o.context && (given.length || o.contextOptions)) {
    throw new TypeError(`${where}: ${[...given, ...(o.contextOptions ? ['contextOptions'] : [])].join(', ')} cannot be used with options.context: the context is already configured`);
  }
  if (o.context) return null;
  const mapped: Partial<ContextOptions> = { ...extra };
  if (o.ca !== undefined) mapped.ca = (Array.isArray(o.ca) ? o.ca : [o.ca]).map(pem => text(pem, 'ca'));
  if (o.passphrase !== undefined) {
    if (typeof o.passphrase !== 'string') throw new TypeError(`${where}: options.passphrase must be a string`);
    if (o.key === undefined && o.pfx === undefined) throw new TypeError(`${where}: options.passphrase is the passphrase of options.key or options.pfx, and neither is given`);
  }
  if (o.cert !== undefined) mapped.certificate = Array.isArray(o.cert) ? o.cert.map(pem => text(pem, 'cert')) : text(o.cert, 'cert');
  if (o.key !== undefined) {
    // Each key with its own passphrase, or options.passphrase (Node's configSecureContext).
    mapped.privateKey = (Array.isArray(o.key) ? o.key : [o.key]).map(entry => {
      const key = withPassphrase(where, entry, 'key', 'pem', o.passphrase);
      return { pem: text(key.value as PEM, 'key'), passphrase: key.passphrase };
    });
  }
  if (o.pfx !== undefined) {
    // Each file with its own passphrase, or options.passphrase (Node's configSecureContext).
    mapped.pkcs12 = (Array.isArray(o.pfx) ? o.pfx : [o.pfx]).map(entry => {
      const pfx = withPassphrase(where, entry, 'pfx', 'buf', o.passphrase);
      if (!(pfx.value instanceof Uint8Array)) throw new TypeError(`${where}: options.pfx must be the bytes of a PKCS#12 file (a Buffer)`);
      return { der: pfx.value, passphrase: pfx.passphrase };
    });
  }
  if (o.secureProtocol !== undefined) Object.assign(mapped, versionsOfMethod(o));
  if (o.pskIdentityHint !== undefined) {
    if (role !== 'server') throw new TypeError(`${where}: options.pskIdentityHint is a server's (the hint it sends in TLS 1.2)`);
    mapped.pskIdentityHint = o.pskIdentityHint;
  }
  if (o.crl !== undefined) mapped.crl = (Array.isArray(o.crl) ? o.crl : [o.crl]).map(pem => text(pem, 'crl'));
  if (o.ALPNProtocols !== undefined) mapped.alpn = alpnNames(o.ALPNProtocols);
  if (o.minVersion !== undefined) mapped.minVersion = o.minVersion;
  if (o.maxVersion !== undefined) mapped.maxVersion = o.maxVersion;
  if (o.ciphers !== undefined) {
    if (typeof o.ciphers !== 'string') throw new TypeError(`${where}: options.ciphers must be a string`);
    const names = o.ciphers.split(':').filter(Boolean);
    const suites = names.filter(n => n.startsWith('TLS_')), list = names.filter(n => !n.startsWith('TLS_'));
    if (!suites.length && !list.length) throw new TypeError(`${where}: options.ciphers names no cipher: ${JSON.stringify(o.ciphers)}`);
    if (suites.length) mapped.cipherSuites = suites.join(':');
    if (list.length) mapped.cipherList = list.join(':');
  }
  if (o.ecdhCurve !== undefined && o.ecdhCurve !== 'auto') mapped.groups = o.ecdhCurve;
  if (o.sigalgs !== undefined) {
    // Node's checks (validateString, and ERR_INVALID_ARG_VALUE for the empty string).
    if (typeof o.sigalgs !== 'string') throw new TypeError(`${where}: options.sigalgs must be a string of OpenSSL signature algorithm names, colon-separated`);
    if (o.sigalgs === '') throw new TypeError(`${where}: options.sigalgs must not be empty`);
    mapped.signatureAlgorithms = o.sigalgs;
  }
  let flags = o.secureOptions === undefined ? 0n : BigInt(o.secureOptions);
  if (o.honorCipherOrder) flags |= 0x400000n; // SSL_OP_CIPHER_SERVER_PREFERENCE
  if (flags) mapped.options = flags;
  if (o.sessionIdContext !== undefined) mapped.sessionIdContext = o.sessionIdContext;
  if (o.sessionTimeout !== undefined) mapped.sessionTimeout = o.sessionTimeout;
  const theirs = o.contextOptions ?? {};
  for (const k of Object.keys(mapped) as (keyof ContextOptions)[]) {
    if ((theirs as Record<string, unknown>)[k] !== undefined) throw new TypeError(`${where}: options.contextOptions.${k} repeats a setting given by Node's option names; give it once`);
  }
  return { ...theirs, ...mapped, role };
}

/** Node's options this module cannot honour: each a TypeError naming why and what to do instead. */
function refuseUnsupported(where: string, o: NodeContextOptions): void {
  // connect() resolves it first (withSecureContext); a server takes Node's options or `context`.
  if (o.secureContext !== undefined) {
    throw new TypeError(`${where}: options.secureContext is for connect(); give a server Node's key, cert, ... options, ` +
      'or options.context (a Context), and answer SNICallback or addContext with a SecureContext');
  }
}

/** Node's `{ pem, passphrase }` (key) or `{ buf, passphrase }` (pfx) entry; the entry's passphrase before options.passphrase, as Node. */
function withPassphrase(where: string, v: unknown, name: string, field: 'pem' | 'buf', fallback: string | undefined): { value: unknown; passphrase?: string } {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return { value: v, passphrase: fallback };
  const entry = v as Record<string, unknown>;
  const unknown = Object.keys(entry).filter(k => k !== field && k !== 'passphrase');
  if (unknown.length || entry[field] === undefined) throw new TypeError(`${where}: an options.${name} entry must be PEM/bytes or { ${field}, passphrase }${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  if (entry.passphrase !== undefined && typeof entry.passphrase !== 'string') throw new TypeError(`${where}: an options.${name} entry's passphrase must be a string`);
  return { value: entry[field], passphrase: (entry.passphrase as string | undefined) ?? fallback };
}

/** Node's secureProtocol (SecureContext::Init in src/crypto/crypto_context.cc) as versions; Node's codes for its errors. */
function versionsOfMethod(o: NodeContextOptions): Pick<ContextOptions, 'minVersion' | 'maxVersion'> {
  const method = o.secureProtocol;
  const fail = (code: string, message: string) => Object.assign(new TypeError(message), { code });
  if (typeof method !== 'string') throw fail('ERR_INVALID_ARG_TYPE', 'The "options.secureProtocol" property must be of type string');
  const clash = o.minVersion ?? o.maxVersion;
  if (clash !== undefined) throw fail('ERR_TLS_PROTOCOL_VERSION_CONFLICT', `TLS protocol version ${JSON.stringify(clash)} conflicts with secureProtocol ${JSON.stringify(method)}`);
  const base = method.replace(/_(client|server)_method$/, '_method');
  switch (base) {
    case 'SSLv2_method': throw fail('ERR_TLS_INVALID_PROTOCOL_METHOD', 'SSLv2 methods disabled');
    case 'SSLv3_method': throw fail('ERR_TLS_INVALID_PROTOCOL_METHOD', 'SSLv3 methods disabled');
    case 'SSLv23_method': case 'TLSv1_2_method': return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
    case 'TLS_method': return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
    case 'TLSv1_method': case 'TLSv1_1_method':
      throw fail('ERR_TLS_INVALID_PROTOCOL_METHOD', `${method}: TLS 1.0 and 1.1 are not built into this OpenSSL; use TLSv1_2_method or TLS_method`);
    default: throw fail('ERR_TLS_INVALID_PROTOCOL_METHOD', `Unknown method: ${method}`);
  }
}

function text(v: PEM, name: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  throw new TypeError(`options.${name} must be PEM text (a string or a Buffer)`);
}

function alpnNames(v: NodeContextOptions['ALPNProtocols']): string[] {
  if (Array.isArray(v)) return v.map(p => typeof p === 'string' ? p : new TextDecoder().decode(p));
  if (v instanceof Uint8Array) { // Node's wire format: each name after its length byte
    const out: string[] = [];
    for (let i = 0; i < v.length; i += 1 + v[i]) out.push(new TextDecoder().decode(v.subarray(i + 1, i + 1 + v[i])));
    return out;
  }
  throw new TypeError('options.ALPNProtocols must be an array of protocol names or a Buffer in wire format');
}

/**
 * Node's 48 ticket-key bytes (16 key name, 16 HMAC secret, 16 AES secret) as Context.setTicketKeys
 * takes a key: the same 16-byte name, and a 32-byte AES-256 key and a 32-byte HMAC-SHA256 key drawn
 * from the two secrets with HKDF-SHA256 (RFC 5869, info "openssl-wasm ticket aes" / "... hmac").
 * Servers given the same 48 bytes here share tickets with each other; tickets do not pass to Node's
 * own tls servers, which use the secrets directly with AES-128-CBC.
 */
export function nodeTicketKey(keys: Uint8Array): { name: Uint8Array; aesKey: Uint8Array; hmacKey: Uint8Array } {
  // TypeErrors both, as Node's (ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE).
  if (!(keys instanceof Uint8Array)) throw new TypeError('ticketKeys must be a Buffer (or Uint8Array) of 48 bytes');
  if (keys.length !== 48) throw new TypeError(`ticketKeys must be exactly 48 bytes, got ${keys.length}`);
  const derive = (secret: Uint8Array, info: string) => new Uint8Array(hkdfSync('sha256', secret, keys.subarray(0, 16), info, 32));
  return {
    name: keys.slice(0, 16),
    hmacKey: derive(keys.subarray(16, 32), 'openssl-wasm ticket hmac'),
    aesKey: derive(keys.subarray(32, 48), 'openssl-wasm ticket aes'),
  };
}

/** Node's pskCallback answer as a key: a Buffer or other ArrayBufferView (1 to 512 bytes), checked. */
export function pskKey(where: string, v: unknown): Uint8Array {
  if (!ArrayBuffer.isView(v)) throw new TypeError(`${where}: pskCallback must give the key as a Buffer (or another ArrayBufferView)`);
  const key = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (key.length === 0 || key.length > 512) throw new RangeError(`${where}: the PSK must be 1 to 512 bytes, got ${key.length}`);
  return key;
}

/**
 * The context made at once, as Node's tls.connect and tls.createServer throw bad keys and
 * certificates from the call itself, whenever the instance is at hand (options.openssl, or the
 * default instance once loaded); null otherwise (a ready context given, or the default instance not
 * loaded yet: the failure then comes as an 'error' event when the context is made later).
 */
export function contextNow(openssl: OpenSSL | undefined, given: Context | undefined, make: (ossl: OpenSSL) => Context): Context | null {
  const at = openssl ?? defaultInstance.loaded;
  if (!at || given) return null;
  try {
    return make(at);
  } catch (e) {
    throw nodeError(e as Error, null);
  }
}
