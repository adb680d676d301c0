/**
 * Encrypted Client Hello (RFC 9849), OpenSSL 4.0 line only (SSL_set1_echstore(3)).
 *
 * Server keys live here as text, in the ECH PEM file format (RFC 9934) that native `openssl ech`
 * writes: a PKCS#8 private key and the ECHConfigList with its public key. A context's OSSL_ECHSTORE
 * is always built from that text (OSSL_ECHSTORE_read_pem) and handed over at once
 * (SSL_CTX_set1_echstore deep-copies it), so no store outlives a call and none needs a handle.
 * That also keeps clear of two pitfalls of OpenSSL 4.0.2 (test/suites/ech.suite.ts shows both):
 *  - a store fresh from OSSL_ECHSTORE_new_config, given straight to SSL_CTX_set1_echstore, makes
 *    clients fail with "ech required": its entry's encoding is the whole ECHConfigList, where one
 *    read from PEM holds the one ECHConfig the server's HPKE info needs;
 *  - OSSL_ECHSTORE_write_pem(OSSL_ECHSTORE_ALL) on such a store wraps each list in another list.
 * So a new key goes through OSSL_ECHSTORE_write_pem(0) (what `openssl ech` does) and is only ever
 * read back from that PEM; the list to publish comes from a store read from PEM.
 */
import { OpenSSLError } from '../errors.ts';
import type { Capi, Capi40 } from '../raw/exports.generated.ts';
import { requireLine40 } from '../raw/lines.ts';
import { NULL, type Ptr } from '../raw/types.ts';
import { boundedString, type Core } from './core.ts';

/** ECHConfig version of RFC 9849 (OSSL_ECH_RFC9849_VERSION), the only one OpenSSL 4.0 makes. */
const ECH_VERSION = 0xfe0d;
const OSSL_ECHSTORE_ALL = -2;
/** SSL_OP_ECH_GREASE (ssl.h, 4.0): clients send a GREASE ECH extension. */
const SSL_OP_ECH_GREASE = 1n << 37n;

/** The largest ECHConfigList: a 16-bit length and that many bytes (RFC 9849 4). */
export const MAX_ECH_CONFIG_LIST_BYTES = 2 + 0xffff;
/** The longest HPKE suite text taken (generateEchKey's suite, a client's grease suite): OpenSSL has no bound; 'kem,kdf,aead' by name is under 64 characters. */
const MAX_SUITE_CHARS = 256;
/** The longest base64 text of one, with room for line breaks and spaces. */
const MAX_ECH_CONFIG_LIST_CHARS = 2 * Math.ceil(MAX_ECH_CONFIG_LIST_BYTES / 3) * 4;
/** The longest ECH PEM file read: a private key (well under 8 KiB) and one ECHConfigList in base64. */
export const MAX_ECH_PEM_CHARS = 8192 + MAX_ECH_CONFIG_LIST_CHARS;
/** The most keys in one ECH key store: config_id is one byte, so more could not all be told apart. */
export const MAX_ECH_KEYS = 256;

/** Options of OpenSSL.generateEchKey, as `openssl ech` takes them. */
export interface EchKeyOptions {
  /** The ECHConfig's public_name (`-public_name`): the name in the outer ClientHello, the one an observer sees. */
  publicName: string;
  /** HPKE suite (`-suite`, read by OSSL_HPKE_str2suite), e.g. 'X25519,hkdf-sha256,aes-128-gcm' (the default) or '0x20,1,1'. */
  suite?: string;
  /** ECHConfig maximum_name_length (`-max_name_len`), for padding: 0 (the default) for none known. */
  maxNameLength?: number;
}

/** A server's ECH key: its PEM text, or the text and whether it goes into retry configs. */
export type EchServerKey = string | {
  /** The ECH PEM file (private key and ECHConfigList), as `openssl ech -out` writes and generateEchKey returns. */
  pem: string;
  /**
   * Whether its ECHConfig is sent to clients whose ECH failed (retry_configs, RFC 9849 6.1.6);
   * default true. A key being retired stays loaded with retry false, so clients holding its
   * config still connect while no new client is told of it.
   */
  retry?: boolean;
};

/** One entry of a context's ECH key store (OSSL_ECHSTORE_get1_info). */
export interface EchKeyInfo {
  publicName: string;
  /** OpenSSL's one-line form of the ECHConfig: [version,config_id,public_name,[kem,kdf,aead],public_key,max_name_length,extensions]. */
  config: string;
  hasPrivateKey: boolean;
  forRetry: boolean;
  /** Seconds since the entry was loaded into the context. */
  loadedSeconds: number;
}

/** A client's ECH settings (ConnectionOptions.ech). */
export interface ClientEchOptions {
  /**
   * The server's ECHConfigList: the base64 text of the `ech=` value of its HTTPS DNS record, or the
   * bytes (SSL_set1_ech_config_list). The connection's serverName is the inner, hidden name.
   */
  configList?: string | Uint8Array;
  /** The outer ClientHello's name instead of the config's public_name (SSL_ech_set1_outer_server_name). */
  outerServerName?: string;
  /** No name at all in the outer ClientHello. */
  noOuterServerName?: boolean;
  /** ALPN protocols of the outer ClientHello (SSL_ech_set1_outer_alpn_protos); default: the inner ones. */
  outerAlpn?: string[];
  /**
   * Send a GREASE ECH extension (RFC 9849 6.2; SSL_OP_ECH_GREASE), for a connection without a config
   * list; a string picks the HPKE suite (SSL_ech_set1_grease_suite).
   */
  grease?: boolean | string;
}

/** What SSL_ech_get1_status says, by name. */
export type EchStatusName = 'backend' | 'grease-ech' | 'grease' | 'success' | 'failed' | 'bad-call' | 'not-tried'
  | 'bad-name' | 'not-configured' | 'failed-ech' | 'failed-ech-bad-name';
const STATUS_NAMES: Record<number, EchStatusName> = {
  4: 'backend', 3: 'grease-ech', 2: 'grease', 1: 'success', 0: 'failed', [-100]: 'bad-call', [-101]: 'not-tried',
  [-102]: 'bad-name', [-103]: 'not-configured', [-105]: 'failed-ech', [-106]: 'failed-ech-bad-name',
};

/** A connection's ECH outcome (SSL_ech_get1_status), on either end. */
export interface EchStatus {
  status: EchStatusName;
  /** OpenSSL's number (SSL_ECH_STATUS_*), as native s_client prints it: `ECH: success: 1`. */
  code: number;
  /** The name of the inner ClientHello (the hidden one), if any. */
  innerServerName: string | null;
  /** The name of the outer ClientHello (the public_name, or what the client set), if any. */
  outerServerName: string | null;
}

type EchCapi = Capi & Capi40;

/** Runs fn with a new empty OSSL_ECHSTORE, freed after. */
function withStore<R>(core: Core, capi: EchCapi, fn: (es: Ptr<'OSSL_ECHSTORE'>) => R): R {
  const es = capi.OSSL_ECHSTORE_new(NULL, NULL);
  if (es === NULL) core.fail('OSSL_ECHSTORE_new');
  try {
    return fn(es);
  } finally {
    capi.OSSL_ECHSTORE_free(es);
  }
}

function keyParts(key: EchServerKey, where: string): { pem: string; retry: boolean } {
  if (typeof key === 'string') return { pem: key, retry: true };
  if (key === null || typeof key !== 'object' || typeof key.pem !== 'string') {
    throw new TypeError(`${where}: each key must be an ECH PEM string or { pem, retry? }`);
  }
  if (key.retry !== undefined && typeof key.retry !== 'boolean') throw new TypeError(`${where}: retry must be a boolean`);
  return { pem: key.pem, retry: key.retry ?? true };
}

/** Reads each key's PEM into `es` (OSSL_ECHSTORE_read_pem), naming the one OpenSSL refused. */
function readKeys(core: Core, capi: EchCapi, es: Ptr<'OSSL_ECHSTORE'>, keys: readonly EchServerKey[], where: string): void {
  if (!Array.isArray(keys)) throw new TypeError(`${where}: keys must be an array of ECH PEM strings or { pem, retry? }`);
  if (keys.length > MAX_ECH_KEYS) {
    throw new RangeError(`${where}: ${keys.length} keys, more than ${MAX_ECH_KEYS} (an ECHConfig's config_id is one byte): retire old keys first`);
  }
  // Checked before any is read, so a bad one late in the list leaves nothing half done.
  const parts = keys.map(key => keyParts(key, where));
  parts.forEach(({ pem }, i) => {
    if (pem.length > MAX_ECH_PEM_CHARS) {
      throw new RangeError(`${where}: key ${i} is ${pem.length} characters, more than an ECH PEM file holds (at most ${MAX_ECH_PEM_CHARS}); nothing was copied into linear memory`);
    }
  });
  parts.forEach(({ pem, retry }, i) => {
    capi.ERR_clear_error();
    // The PEM holds a private key: its copy in linear memory is zeroed when read (s.bytes(, true)).
    const bytes = new TextEncoder().encode(pem);
    const ok = core.mem.scope(s => {
      const bio = capi.BIO_new_mem_buf(s.bytes(bytes, true), bytes.length);
      if (bio === NULL) core.fail('BIO_new_mem_buf');
      try {
        return capi.OSSL_ECHSTORE_read_pem(es, bio, retry ? 1 : 0);
      } finally {
        capi.BIO_free(bio);
        bytes.fill(0);
      }
    });
    if (ok !== 1) core.fail(`${where}: key ${i} is not an ECH PEM file (private key and ECHCONFIG, as \`openssl ech\` writes; OSSL_ECHSTORE_read_pem)`);
  });
}

/** A new ECH key pair and its ECHConfig, as the ECH PEM file `openssl ech -public_name NAME -out FILE` writes. */
export function generateEchKey(core: Core, options: EchKeyOptions): string {
  const capi = requireLine40(core.raw, 'generateEchKey');
  if (options === null || typeof options !== 'object') throw new TypeError('generateEchKey: options must be { publicName, suite?, maxNameLength? }');
  const { publicName, suite, maxNameLength = 0 } = options;
  if (typeof publicName !== 'string' || publicName === '') throw new TypeError('generateEchKey: publicName must be a DNS name of 1 to 255 characters');
  if (publicName.length > 255) throw new RangeError(`generateEchKey: publicName is ${publicName.length} characters; a DNS name has at most 255`);
  if (suite !== undefined && typeof suite !== 'string') throw new TypeError("generateEchKey: suite must be a string such as 'X25519,hkdf-sha256,aes-128-gcm'");
  if (suite !== undefined) boundedString(suite, 'generateEchKey: suite', MAX_SUITE_CHARS, 'chosen: an HPKE suite names three algorithms');
  if (!Number.isInteger(maxNameLength) || maxNameLength < 0 || maxNameLength > 255) {
    throw new RangeError(`generateEchKey: maxNameLength must be an integer from 0 to 255, got ${String(maxNameLength)}`);
  }
  const { mem } = core;
  return withStore(core, capi, es => {
    capi.ERR_clear_error();
    const ok = mem.scope(s => capi.OSW_ECHSTORE_new_config(es, ECH_VERSION, maxNameLength, s.cstring(publicName), suite === undefined ? NULL : s.cstring(suite)));
    if (ok !== 1) core.fail(`generateEchKey: OSSL_ECHSTORE_new_config refused public name ${JSON.stringify(publicName)}${suite === undefined ? '' : ` or suite ${JSON.stringify(suite)}`}`);
    return core.withMemBio(bio => {
      core.check(capi.OSSL_ECHSTORE_write_pem(es, 0, bio), 'OSSL_ECHSTORE_write_pem');
      const text = core.bioText(bio);
      // The BIO held the private key: zero its buffer before BIO_free gives it back.
      mem.scope(s => {
        const pp = s.out<'char*'>();
        const n = capi.BIO_get_mem_data(bio, pp);
        mem.u8.fill(0, mem.readPtr(pp), mem.readPtr(pp) + n);
      });
      return text;
    });
  });
}

/**
 * The public ECH PEM file of `keys`: one ECHCONFIG block holding their ECHConfigList, no private key,
 * as `openssl ech -in FILE... -out FILE` writes it (the keys read from PEM, OSSL_ECHSTORE_write_pem(ALL)).
 */
export function echConfigListPEM(core: Core, keys: readonly EchServerKey[], where = 'echConfigListPEM'): string {
  const capi = requireLine40(core.raw, where);
  return withStore(core, capi, es => {
    readKeys(core, capi, es, keys, where);
    if (keys.length === 0) throw new TypeError(`${where}: keys is empty`);
    return core.withMemBio(bio => {
      core.check(capi.OSSL_ECHSTORE_write_pem(es, OSSL_ECHSTORE_ALL, bio), 'OSSL_ECHSTORE_write_pem');
      return core.bioText(bio);
    });
  });
}

/**
 * The ECHConfigList of `keys` (their public halves, in order) as bytes: what a server publishes in
 * the `ech=` value of its HTTPS DNS record (base64) and what clients pass as configList. The bytes
 * of echConfigListPEM's block, read by OpenSSL's PEM_read_bio.
 */
export function echConfigList(core: Core, keys: readonly EchServerKey[]): Uint8Array {
  const capi = requireLine40(core.raw, 'echConfigList');
  const { mem } = core;
  const pem = echConfigListPEM(core, keys, 'echConfigList');
  return core.withReadBio(pem, bio => mem.scope(s => {
    const name = s.out<'char*'>(), header = s.out<'char*'>(), data = s.out<'u8*'>(), len = s.out<'i32'>();
    core.check(capi.PEM_read_bio(bio, name, header, data, len), 'PEM_read_bio (ECHCONFIG)');
    const bytes = mem.copyOut(mem.readPtr(data), mem.readU32(len));
    for (const p of [name, header, data]) capi.OPENSSL_free(mem.readPtr(p));
    return bytes;
  }));
}

/** Loads `keys` into a server context as its whole ECH key store (SSL_CTX_set1_echstore). */
export function setServerEchKeys(core: Core, ctx: Ptr<'SSL_CTX'>, keys: readonly EchServerKey[], where: string): void {
  const capi = requireLine40(core.raw, where);
  withStore(core, capi, es => {
    readKeys(core, capi, es, keys, where);
    refuseSharedConfigIds(core, keys, where);
    core.check(capi.SSL_CTX_set1_echstore(ctx, es), 'SSL_CTX_set1_echstore');
  });
}

/**
 * Two keys with one config_id cannot both serve: OpenSSL 4.0.2's server tries only the first key
 * whose config_id matches the client's, so a client holding the other key's list fails ECH ("ech
 * required"; test/suites/ech.suite.ts). config_id is random in OSSL_ECHSTORE_new_config: one new key
 * in 256 shares it with a given old one, so a rotation must check (RedisEchKeyRing does).
 */
function refuseSharedConfigIds(core: Core, keys: readonly EchServerKey[], where: string): void {
  const seen = new Map<number, { i: number; list: string }>();
  keys.forEach((key, i) => {
    const bytes = echConfigList(core, [key]);
    const id = bytes[6], list = bytes.join();
    const other = seen.get(id);
    // The same key twice is harmless (one private key); two keys with one config_id are not.
    if (other !== undefined && other.list !== list) {
      throw new RangeError(`${where}: keys ${other.i} and ${i} share config_id ${id}: clients holding key ${i}'s list would fail ECH ` +
        '(OpenSSL tries only the first key with a config_id); generate another key in place of one of them');
    }
    seen.set(id, other ?? { i, list });
  });
}

/** The entries of a context's ECH key store (SSL_CTX_get1_echstore, OSSL_ECHSTORE_get1_info). */
export function serverEchKeys(core: Core, ctx: Ptr<'SSL_CTX'>): EchKeyInfo[] {
  const capi = requireLine40(core.raw, 'echKeys');
  const { mem } = core;
  const es = capi.SSL_CTX_get1_echstore(ctx);
  if (es === NULL) return [];
  try {
    const count = mem.scope(s => {
      const n = s.out<'i32'>();
      core.check(capi.OSSL_ECHSTORE_num_entries(es, n), 'OSSL_ECHSTORE_num_entries');
      return mem.readU32(n);
    });
    const infos: EchKeyInfo[] = [];
    for (let i = 0; i < count; i++) {
      infos.push(mem.scope(s => {
        const secs = s.out<'i32'>(), name = s.out<'char*'>(), config = s.out<'char*'>(), priv = s.out<'i32'>(), retry = s.out<'i32'>();
        core.check(capi.OSSL_ECHSTORE_get1_info(es, i, secs, name, config, priv, retry), 'OSSL_ECHSTORE_get1_info');
        const text = (p: Ptr<'char*'>) => {
          const q = mem.readPtr(p);
          const v = mem.readCString(q) ?? '';
          capi.OPENSSL_free(q);
          return v;
        };
        return {
          publicName: text(name), config: text(config),
          hasPrivateKey: mem.readU32(priv) === 1, forRetry: mem.readU32(retry) === 1, loadedSeconds: mem.readU32(secs),
        };
      }));
    }
    return infos;
  } finally {
    capi.OSSL_ECHSTORE_free(es);
  }
}

/** Checks a client's ECH options before anything is made (ConnectionOptions.ech). */
export function checkClientEch(o: unknown, where: string): asserts o is ClientEchOptions {
  if (o === null || typeof o !== 'object') throw new TypeError(`${where}: ech must be { configList?, outerServerName?, noOuterServerName?, outerAlpn?, grease? }`);
  const e = o as ClientEchOptions;
  if (e.configList !== undefined && typeof e.configList !== 'string' && !(e.configList instanceof Uint8Array)) {
    throw new TypeError(`${where}: ech.configList must be the base64 text of an ECHConfigList or its bytes`);
  }
  if (e.configList !== undefined) {
    const [size, max, unit] = typeof e.configList === 'string' ? [e.configList.length, MAX_ECH_CONFIG_LIST_CHARS, 'characters'] : [e.configList.length, MAX_ECH_CONFIG_LIST_BYTES, 'bytes'];
    if (size > max) {
      throw new RangeError(`${where}: ech.configList is ${size} ${unit}, more than an ECHConfigList can be (at most ${MAX_ECH_CONFIG_LIST_BYTES} bytes, ${max} ${unit} here): ` +
        "pass the `ech=` value of the server's HTTPS record");
    }
  }
  if (e.configList === undefined && !e.grease) throw new TypeError(`${where}: ech needs a configList, or grease: true`);
  if (e.outerServerName !== undefined && (typeof e.outerServerName !== 'string' || e.outerServerName === '')) throw new TypeError(`${where}: ech.outerServerName must be a non-empty string`);
  if (e.outerServerName !== undefined) boundedString(e.outerServerName, `${where}: ech.outerServerName`, 255, 'TLSEXT_MAXLEN_host_name: the longest SNI name OpenSSL sends');
  if (typeof e.grease === 'string') boundedString(e.grease, `${where}: ech.grease`, MAX_SUITE_CHARS, 'chosen: an HPKE suite names three algorithms');
  if ((e.outerServerName !== undefined || e.noOuterServerName || e.outerAlpn !== undefined) && e.configList === undefined) {
    throw new TypeError(`${where}: ech.outerServerName, noOuterServerName and outerAlpn need a configList (as native s_client's -ech_outer_sni)`);
  }
  if (e.outerServerName !== undefined && e.noOuterServerName) throw new TypeError(`${where}: ech.outerServerName and noOuterServerName exclude each other`);
}

/** Sets up a client connection's ECH (SSL_set1_ech_config_list and friends). */
export function configureClientEch(core: Core, ssl: Ptr<'SSL'>, e: ClientEchOptions, alpnWire: (p: string[]) => Uint8Array): void {
  const capi = requireLine40(core.raw, 'createConnection: ech');
  const { mem } = core;
  mem.scope(s => {
    if (e.grease) {
      capi.SSL_set_options(ssl, SSL_OP_ECH_GREASE);
      if (typeof e.grease === 'string') core.check(capi.SSL_ech_set1_grease_suite(ssl, s.cstring(e.grease)), `SSL_ech_set1_grease_suite(${JSON.stringify(e.grease)})`);
    }
    if (e.configList === undefined) return;
    const bytes = typeof e.configList === 'string' ? new TextEncoder().encode(e.configList.trim()) : e.configList;
    if (bytes.length === 0) throw new TypeError('createConnection: ech.configList is empty');
    capi.ERR_clear_error();
    if (capi.SSL_set1_ech_config_list(ssl, s.bytes(bytes), bytes.length) !== 1) {
      core.fail('createConnection: ech.configList is not an ECHConfigList (base64 or binary) this OpenSSL can use (SSL_set1_ech_config_list)');
    }
    if (e.noOuterServerName) core.check(capi.SSL_ech_set1_outer_server_name(ssl, NULL, 1), 'SSL_ech_set1_outer_server_name');
    else if (e.outerServerName !== undefined) core.check(capi.SSL_ech_set1_outer_server_name(ssl, s.cstring(e.outerServerName), 0), 'SSL_ech_set1_outer_server_name');
    if (e.outerAlpn !== undefined) {
      const wire = alpnWire(e.outerAlpn);
      core.check(capi.SSL_ech_set1_outer_alpn_protos(ssl, s.bytes(wire), wire.length), 'SSL_ech_set1_outer_alpn_protos');
    }
  });
}

/** SSL_ech_get1_status of a connection, either end. */
export function echStatus(core: Core, ssl: Ptr<'SSL'>): EchStatus {
  const capi = core.capi as EchCapi;
  const { mem } = core;
  return mem.scope(s => {
    const inner = s.out<'char*'>(), outer = s.out<'char*'>(); // s.out zeroes both
    const code = capi.SSL_ech_get1_status(ssl, inner, outer);
    const text = (p: Ptr<'char*'>) => {
      const q = mem.readPtr(p);
      if (q === NULL) return null;
      const v = mem.readCString(q);
      capi.OPENSSL_free(q);
      return v;
    };
    const status = STATUS_NAMES[code];
    if (status === undefined) throw new OpenSSLError(`SSL_ech_get1_status returned ${code}, which OpenSSL 4.0 does not document`);
    return { status, code, innerServerName: text(inner), outerServerName: text(outer) };
  });
}

/** The retry configs a server sent (SSL_ech_get1_retry_config), as a binary ECHConfigList; null if none. */
export function echRetryConfigs(core: Core, ssl: Ptr<'SSL'>): Uint8Array | null {
  const capi = core.capi as EchCapi;
  const { mem } = core;
  return mem.scope(s => {
    const pp = s.out<'u8*'>(), len = s.out<'size_t'>(); // s.out zeroes both
    capi.ERR_clear_error();
    if (capi.SSL_ech_get1_retry_config(ssl, pp, len) !== 1) {
      capi.ERR_clear_error();
      return null;
    }
    const p = mem.readPtr(pp), n = mem.readU32(len);
    if (p === NULL) return null;
    const bytes = n === 0 ? null : mem.copyOut(p, n);
    capi.OPENSSL_free(p);
    return bytes;
  });
}
