import { ReentrantCallError } from '../errors.ts';
import { rejectUnknownOptions } from './options.ts';
import * as C from '../raw/constants.ts';
import { requireBytes } from '../raw/memory.ts';
import { NULL, type Ptr } from '../raw/types.ts';
import type { ClientHello } from './client-hello.ts';
import { checkMaxIncomingBytes, Connection, DEFAULT_MAX_INCOMING_BYTES, type ConnectionOptions, type TraceListener } from './connection.ts';
import { boundedBytes, boundedString, MAX_PEM_CERTIFICATE_CHARS, MAX_PRIVATE_KEY_PEM_CHARS, refuseLongPem, toBytes, type Core } from './core.ts';
import { assertSameInstance, Handle } from './handle.ts';
import { Session } from './session.ts';
import { addRevocationLists, usePkcs12 } from './credentials.ts';
import { configureClientPsk, configureClientPskHandler, configureServerPsk, type ClientPsk, type PskClientHandler, type PskFindHandler } from './psk.ts';
import { serverEchKeys, setServerEchKeys, type EchKeyInfo, type EchServerKey } from './ech.ts';

export type TLSVersion = 'TLSv1.2' | 'TLSv1.3';
const VERSIONS: Record<TLSVersion, number> = { 'TLSv1.2': C.TLS1_2_VERSION, 'TLSv1.3': C.TLS1_3_VERSION };

/**
 * Callbacks of the session cache (SSL_CTX_sess_set_new_cb, _remove_cb, _get_cb). Sessions passed in
 * are lent for the duration of the call: call ref() to keep one.
 */
export interface SessionCacheCallbacks {
  /** A new session was negotiated (on clients, TLS 1.3 sessions arrive after the handshake). */
  onNew?(session: Session, connection: Connection | null): void;
  /** OpenSSL removed a session from the internal cache (timeout, overflow, bad session, flush). */
  onRemove?(session: Session): void;
  /**
   * A server's lookup for a session id not found in the internal cache (or with lookup disabled).
   * Synchronous, as in OpenSSL. Return a Session (OpenSSL takes its own reference) or null.
   */
  onGet?(id: Uint8Array, connection: Connection | null): Session | null;
}

/** A server's choice of ALPN protocol among the client's (options.onAlpnSelect). */
export type AlpnSelectHandler = (offered: string[], connection: Connection | null) => string | null | undefined;

/** One of several PKCS#12 files: its bytes, or its bytes with its passphrase. */
export type Pkcs12Entry = Uint8Array | { der: Uint8Array; passphrase?: string };

/** One of several private keys: PEM, or PEM with the passphrase it is encrypted under. */
export type PrivateKeyEntry = string | { pem: string; passphrase?: string };

export interface ContextOptions {
  role: 'client' | 'server';
  /** Lowest and highest protocol version (default: OpenSSL's, TLS 1.2 to TLS 1.3). */
  minVersion?: TLSVersion;
  maxVersion?: TLSVersion;
  /**
   * PEM certificate, optionally followed by its chain (servers, or clients doing client auth). Several
   * (an array, each with its chain) for keys of different types, e.g. RSA and ECDSA: OpenSSL keeps one
   * per key type and picks by the peer's signature algorithms.
   */
  certificate?: string | string[];
  /** PEM private key for `certificate`; for several certificates, one key each, in any order. */
  privateKey?: string | PrivateKeyEntry[];
  /** The passphrase of an encrypted `privateKey` (PEM_read_bio_PrivateKey's `u`), for keys without their own; not kept. */
  privateKeyPassphrase?: string;
  /**
   * A PKCS#12 file (.pfx/.p12, DER) holding the certificate, its chain and key: instead of certificate
   * and privateKey. Several (an array) for keys of different types, each with its own passphrase or
   * pkcs12Passphrase.
   */
  pkcs12?: Uint8Array | Pkcs12Entry[];
  /** The passphrase of `pkcs12` (PKCS12_parse), for files without their own; not kept. */
  pkcs12Passphrase?: string;
  /**
   * PEM certificate revocation lists: the peer's chain is then checked for revocation, every
   * certificate of it (X509_V_FLAG_CRL_CHECK | _CRL_CHECK_ALL), so each issuer needs its CRL here.
   */
  crl?: string | string[];
  /** PEM CA certificates to trust when verifying the peer. */
  ca?: string | string[];
  /**
   * Verify the peer's certificate (default: true for clients, false for servers). A server with
   * verifyPeer asks for and requires a client certificate.
   */
  verifyPeer?: boolean;
  /** ALPN protocols offered (clients) or accepted, in preference order (servers). */
  alpn?: string[];
  /**
   * Servers: chooses the ALPN protocol from the client's list (SSL_CTX_set_alpn_select_cb), instead of
   * `alpn`: one of `offered`, or null to refuse them all (no_application_protocol alert). Not asked
   * when the client offers none.
   */
  onAlpnSelect?: AlpnSelectHandler;
  /** Key-exchange groups, OpenSSL syntax (SSL_CTX_set1_groups_list), e.g. 'X25519:P-256'. */
  groups?: string;
  /**
   * Signature algorithms offered and accepted, OpenSSL syntax (SSL_CTX_set1_sigalgs_list), e.g.
   * 'ECDSA+SHA256:RSA-PSS+SHA256' or 'ecdsa_secp256r1_sha256': a server picks its certificate by the
   * client's list.
   */
  signatureAlgorithms?: string;
  /** TLS 1.2 cipher list (SSL_CTX_set_cipher_list) and TLS 1.3 suites (SSL_CTX_set_ciphersuites). */
  cipherList?: string;
  cipherSuites?: string;
  /** SSL_OP_* flags to set (constants.SSL_OP_NO_TICKET, ...). */
  options?: bigint;
  /** Session cache mode (constants.SSL_SESS_CACHE_*). Default: servers SERVER; clients CLIENT | NO_INTERNAL_STORE, which delivers sessions through events without caching them internally. */
  sessionCacheMode?: number;
  sessionCacheSize?: number;
  /** Default session timeout in seconds (SSL_CTX_set_timeout). */
  sessionTimeout?: number;
  /** TLS 1.3 tickets a server sends after a full handshake (SSL_CTX_set_num_tickets). */
  numTickets?: number;
  /** Session id context (servers): sessions resume only under the context they were made in. */
  sessionIdContext?: string | Uint8Array;
  sessionCallbacks?: SessionCacheCallbacks;
  /**
   * Put ChaCha20-Poly1305 first (default true): WebAssembly has no AES instructions, so here it is
   * about twice as fast as AES-GCM, and constant-time (bench/README.md). Clients offer it first
   * (unless cipherSuites or cipherList say otherwise); servers use SSL_OP_PRIORITIZE_CHACHA, which
   * picks it when a client puts it first and otherwise keeps the client's order. false: OpenSSL's
   * own default order.
   */
  preferChaCha?: boolean;
  /** Called with each NSS key log line (for Wireshark). */
  keylog?(line: string, connection: Connection | null): void;
  /**
   * Called with each TLS message sent or received, and each record header (SSL_CTX_set_msg_callback),
   * as `openssl s_client -msg` shows them.
   */
  onMessage?(message: TLSMessage, connection: Connection | null): void;
  /**
   * Called with SSL_trace's text for each message of each connection made from this context, as
   * `openssl s_client -trace` prints it (each connection starts with it as its onTrace).
   */
  onTrace?: TraceListener;
  /**
   * The default of each connection's maxIncomingBytes: how many of the peer's bytes it holds
   * unprocessed before receive() refuses more (default 256 KiB).
   */
  maxIncomingBytes?: number;

  // ---- external PSKs (ts/oo/psk.ts)
  /** Clients: the PSK to offer (TLS 1.3) or use with TLS 1.2 PSK suites; the context keeps its own reference to the session. */
  psk?: ClientPsk;
  /**
   * Clients: asked for a PSK per connection with the server's TLS 1.2 identity hint (null in TLS
   * 1.3, where the key is bound to SHA-256), as Node's pskCallback; instead of `psk`.
   */
  onPskClient?: PskClientHandler;
  /** Servers: looks up the PSK for the identity a client offers (TLS 1.3 and TLS 1.2 PSK suites). */
  onPskFind?: PskFindHandler;
  /** Servers: the PSK identity hint sent in TLS 1.2 (SSL_CTX_use_psk_identity_hint; TLS 1.3 has none). */
  pskIdentityHint?: string;
  // -- early data (0-RTT): servers only
  /**
   * Servers: the most early data (0-RTT) a client may send on resuming, advertised in the tickets
   * this server issues (SSL_CTX_set_max_early_data; default 0: none). Early data is read with
   * Connection.readEarlyData (the adapters do it). OpenSSL's anti-replay stays on unless
   * SSL_OP_NO_ANTI_REPLAY: it makes tickets single-use entries of the session cache, so the cache
   * must stay on (sessionCacheMode includes SSL_SESS_CACHE_SERVER, the default).
   */
  maxEarlyData?: number;
  /** Servers: the hard limit on early data received (SSL_CTX_set_recv_max_early_data; OpenSSL's default 16384). */
  recvMaxEarlyData?: number;
  // -- Encrypted Client Hello: servers, OpenSSL 4.0 line only (ts/oo/ech.ts)
  /**
   * Servers: ECH keys (ECH PEM files, as `openssl ech` writes and OpenSSL.generateEchKey returns),
   * the context's whole ECH key store (SSL_CTX_set1_echstore); replace them with setEchKeys().
   */
  echKeys?: EchServerKey[];
}

// Every key of ContextOptions, once: `satisfies` makes the compiler refuse a key missing or extra.
const CONTEXT_OPTIONS = Object.keys({
  role: 1, minVersion: 1, maxVersion: 1, certificate: 1, privateKey: 1, privateKeyPassphrase: 1, pkcs12: 1, pkcs12Passphrase: 1, crl: 1, ca: 1, verifyPeer: 1, alpn: 1, onAlpnSelect: 1, groups: 1, signatureAlgorithms: 1,
  cipherList: 1, cipherSuites: 1, options: 1, sessionCacheMode: 1, sessionCacheSize: 1, sessionTimeout: 1,
  numTickets: 1, sessionIdContext: 1, sessionCallbacks: 1, preferChaCha: 1, keylog: 1, onMessage: 1, maxIncomingBytes: 1,
  onTrace: 1,
  psk: 1, onPskClient: 1, onPskFind: 1, pskIdentityHint: 1,
  maxEarlyData: 1, recvMaxEarlyData: 1, // early data
  echKeys: 1,
} satisfies Record<keyof ContextOptions, 1>);

/** One message seen by the message callback (SSL_CTX_set_msg_callback). */
export interface TLSMessage {
  /** 'sent' (write_p 1) or 'received'. */
  direction: 'sent' | 'received';
  /** The protocol version, e.g. 0x0304; 0 for pseudo content types outside a record. */
  version: number;
  /** SSL3_RT_*: 20 ChangeCipherSpec, 21 Alert, 22 Handshake, 23 ApplicationData, 256 record header, 257 inner content type. */
  contentType: number;
  /** The message (a copy). */
  bytes: Uint8Array;
}

/** What a client-hello handler answers: go on, fail the handshake, or pause it (see Connection.pending). */
export type ClientHelloResult = 'success' | 'error' | 'retry';

/** A server's client-hello handler: `hello` is lent for the call (read what you need inside it). */
export type ClientHelloHandler = (connection: Connection, hello: ClientHello) => ClientHelloResult;

/** What OpenSSL's callbacks on a context reach: read by the one router, dispatch.ts. */
export interface ContextHandlers {
  session: SessionCacheCallbacks;
  keylog: ContextOptions['keylog'];
  message: ContextOptions['onMessage'];
  clientHello: ClientHelloHandler | null;
  /** The ALPN protocols a server accepts, in wire format. */
  alpn: Uint8Array | null;
  /** A server's own choice of ALPN protocol (options.onAlpnSelect). */
  alpnSelect: AlpnSelectHandler | null;
  /** A server's PSK lookup (options.onPskFind). */
  pskFind: PskFindHandler | null;
  /** A client's PSK asked per connection (options.onPskClient). */
  pskClient: PskClientHandler | null;
}

export interface SessionCacheStats {
  number: number; connect: number; connectGood: number; connectRenegotiate: number;
  accept: number; acceptGood: number; acceptRenegotiate: number; hits: number; cbHits: number;
  misses: number; timeouts: number; cacheFull: number;
}

/** The most keys a context's ticket-key ring holds (MAX_KEYS in wasm/ticket-keys.c). */
export const MAX_TICKET_KEYS = 16;

const SPEC_ONE_CTX = 'SSL_set_session(3): "One SSL_SESSION object, regardless of its reference count, must therefore ' +
  'only be used with one SSL_CTX object (and the SSL objects created from this SSL_CTX object)."';

let readHandlers: (c: Context) => ContextHandlers;
/** The handlers of `context`, for the router (dispatch.ts) only. */
export function contextHandlers(context: Context): ContextHandlers {
  return readHandlers(context);
}

/** Set by Context's static block: a server connection with onSession needs OpenSSL's new-session callback on its context. */
export let wantNewSessions: (context: Context) => void;

/** Refuses another instance's session, and a session that sits in another context's cache (SSL_set_session(3), NOTES). */
export function assertContextMayUse(context: Context, session: Session, where: string): void {
  assertSameInstance(context, session, where);
  const owner = session.cacheOwner;
  if (owner !== null && owner !== context.pointer) {
    throw new TypeError(`this session is in another Context's session cache and cannot be used with this one: ${SPEC_ONE_CTX}`);
  }
}

/** An SSL_CTX: configuration shared by connections, and the session cache. */
export class Context extends Handle<'SSL_CTX'> {
  readonly role: 'client' | 'server';
  readonly #handlers: ContextHandlers;
  readonly #verifyPeer: boolean;
  #serverWantsSessions = false;
  readonly #maxIncoming: number;

  /** @internal use OpenSSL.createContext */
  constructor(private readonly core: Core, options: ContextOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('createContext: options must be an object with a role');
    rejectUnknownOptions('createContext', options, CONTEXT_OPTIONS);
    const role = options.role;
    if (role !== 'client' && role !== 'server') throw new TypeError(`createContext: options.role must be 'client' or 'server', got ${String(role)}`);
    const { capi } = core;
    const wire = options.alpn ? alpnWire(options.alpn) : null; // validated before there is anything to free
    const maxIncoming = options.maxIncomingBytes === undefined ? DEFAULT_MAX_INCOMING_BYTES
      : checkMaxIncomingBytes('createContext', options.maxIncomingBytes);
    if (options.onTrace !== undefined && typeof options.onTrace !== 'function') throw new TypeError('createContext: options.onTrace must be a function (text, connection)');
    const ptr = capi.SSL_CTX_new(role === 'client' ? capi.TLS_client_method() : capi.TLS_server_method());
    if (ptr === NULL) core.fail('SSL_CTX_new');
    const contexts = core.contexts;
    // Freed before it leaves the map: SSL_CTX_free flushes the cache, and the remove callbacks
    // that causes (SSL_CTX_sess_set_remove_cb(3)) must still find this Context.
    // core.call: the remove callbacks may free handles, which waits for SSL_CTX_free to return.
    super(core.tracker, 'Context', ptr, p => core.call(() => { capi.SSL_CTX_free(p); contexts.delete(p); }));
    this.role = role;
    this.#handlers = {
      session: options.sessionCallbacks ?? {}, keylog: options.keylog, message: options.onMessage, clientHello: null, alpn: wire,
      alpnSelect: options.onAlpnSelect ?? null,
      pskFind: options.onPskFind ?? null, pskClient: options.onPskClient ?? null,
    };
    this.#verifyPeer = options.verifyPeer ?? role === 'client';
    this.#maxIncoming = maxIncoming;
    this.#onTrace = options.onTrace ?? null;
    core.contexts.set(ptr, new WeakRef(this));
    try {
      this.#configure(options);
    } catch (e) {
      this.free();
      throw e;
    }
  }

  #configure(o: ContextOptions): void {
    const { capi, mem } = this.core;
    const ctx = this.pointer;
    const check = this.core.check.bind(this.core);
    // A connection gives its record buffers (about 17 KiB to read and as much to write) back
    // whenever they are empty, so an idle connection holds half the memory (nginx and Python's ssl
    // module set this too). Reading and writing allocate them again, from malloc's free lists.
    capi.SSL_CTX_set_mode(ctx, C.SSL_MODE_RELEASE_BUFFERS);
    if (o.minVersion !== undefined) check(capi.SSL_CTX_set_min_proto_version(ctx, version(o.minVersion, 'minVersion')), 'SSL_CTX_set_min_proto_version');
    if (o.maxVersion !== undefined) check(capi.SSL_CTX_set_max_proto_version(ctx, version(o.maxVersion, 'maxVersion')), 'SSL_CTX_set_max_proto_version');
    if (o.privateKeyPassphrase !== undefined && (typeof o.privateKeyPassphrase !== 'string' || o.privateKey === undefined)) {
      throw new TypeError('createContext: options.privateKeyPassphrase must be a string, given with options.privateKey');
    }
    if (o.pkcs12Passphrase !== undefined && (typeof o.pkcs12Passphrase !== 'string' || o.pkcs12 === undefined)) {
      throw new TypeError('createContext: options.pkcs12Passphrase must be a string, given with options.pkcs12');
    }
    // OpenSSL's PEM callback takes at most PEM_BUFSIZE bytes of a passphrase and silently drops the
    // rest; PKCS12_parse has no bound (the same one here, far above any passphrase typed or made).
    if (o.privateKeyPassphrase !== undefined) boundedString(o.privateKeyPassphrase, 'createContext: options.privateKeyPassphrase', MAX_PASSPHRASE, "PEM_BUFSIZE: OpenSSL's PEM callback reads no more");
    if (o.pkcs12Passphrase !== undefined) boundedString(o.pkcs12Passphrase, 'createContext: options.pkcs12Passphrase', MAX_PASSPHRASE, "PEM_BUFSIZE, as a PEM key's");
    if (o.pkcs12 !== undefined) {
      if (o.certificate !== undefined || o.privateKey !== undefined) throw new TypeError('createContext: options.pkcs12 holds the certificate and key: give it instead of certificate and privateKey, not beside them');
      this.#usePkcs12Files(o.pkcs12, o.pkcs12Passphrase);
    }
    if (o.certificate !== undefined) this.#useCertificates(o.certificate, o.privateKey, o.privateKeyPassphrase);
    else if (o.privateKey !== undefined) throw new TypeError('createContext: options.privateKey needs options.certificate');
    if (o.ca !== undefined) this.addTrustedCertificates(o.ca);
    if (o.crl !== undefined) addRevocationLists(this.core, ctx, (Array.isArray(o.crl) ? o.crl : [o.crl]).map(c => str(c, 'crl')));
    if (this.#verifyPeer) {
      const mode = this.role === 'server' ? C.SSL_VERIFY_PEER | C.SSL_VERIFY_FAIL_IF_NO_PEER_CERT : C.SSL_VERIFY_PEER;
      capi.SSL_CTX_set_verify(ctx, mode, NULL);
    }
    if (o.groups !== undefined) mem.scope(s => check(capi.SSL_CTX_set1_groups_list(ctx, s.cstring(list(o.groups, 'groups'))), `createContext: options.groups ${JSON.stringify(o.groups)} (SSL_CTX_set1_groups_list)`));
    if (o.signatureAlgorithms !== undefined) mem.scope(s => check(capi.SSL_CTX_set1_sigalgs_list(ctx, s.cstring(list(o.signatureAlgorithms, 'signatureAlgorithms'))), `createContext: options.signatureAlgorithms ${JSON.stringify(o.signatureAlgorithms)} (SSL_CTX_set1_sigalgs_list)`));
    if (o.cipherList !== undefined) mem.scope(s => check(capi.SSL_CTX_set_cipher_list(ctx, s.cstring(list(o.cipherList, 'cipherList'))), `createContext: options.cipherList ${JSON.stringify(o.cipherList)} (SSL_CTX_set_cipher_list)`));
    if (o.preferChaCha ?? true) this.#preferChaCha(o);
    if (o.cipherSuites !== undefined) mem.scope(s => check(capi.SSL_CTX_set_ciphersuites(ctx, s.cstring(list(o.cipherSuites, 'cipherSuites'))), `createContext: options.cipherSuites ${JSON.stringify(o.cipherSuites)} (SSL_CTX_set_ciphersuites)`));
    if (o.options !== undefined) {
      if (typeof o.options !== 'bigint') throw new TypeError('createContext: options.options must be a bigint of SSL_OP_* flags');
      capi.SSL_CTX_set_options(ctx, o.options);
    }
    if (o.onAlpnSelect !== undefined) {
      if (typeof o.onAlpnSelect !== 'function') throw new TypeError('createContext: options.onAlpnSelect must be a function (offered, connection) => protocol | null');
      if (this.role !== 'server') throw new TypeError('createContext: options.onAlpnSelect is for servers (clients offer options.alpn)');
      if (o.alpn !== undefined) throw new TypeError('createContext: options.alpn and options.onAlpnSelect are two ways for a server to choose: give one');
      capi.SSL_CTX_set_alpn_select_cb(ctx, capi.OSW_alpn_select_cb(), NULL);
    }
    if (this.#handlers.alpn) {
      const wire = this.#handlers.alpn;
      if (this.role === 'client') {
        // SSL_CTX_set_alpn_protos returns 0 on success, unlike most of OpenSSL.
        mem.scope(s => check(capi.SSL_CTX_set_alpn_protos(ctx, s.bytes(wire), wire.length), 'SSL_CTX_set_alpn_protos', r => r === 0));
      } else {
        capi.SSL_CTX_set_alpn_select_cb(ctx, capi.OSW_alpn_select_cb(), NULL);
      }
    }
    this.sessionCacheMode = o.sessionCacheMode ?? (this.role === 'client'
      ? C.SSL_SESS_CACHE_CLIENT | C.SSL_SESS_CACHE_NO_INTERNAL_STORE
      : C.SSL_SESS_CACHE_SERVER);
    if (o.sessionCacheSize !== undefined) this.sessionCacheSize = o.sessionCacheSize;
    if (o.sessionTimeout !== undefined) this.sessionTimeout = o.sessionTimeout;
    if (o.numTickets !== undefined) this.numTickets = o.numTickets;
    if (o.sessionIdContext !== undefined) this.sessionIdContext = o.sessionIdContext;
    this.#installSessionCallbacks();
    if (this.#handlers.keylog) capi.SSL_CTX_set_keylog_callback(ctx, capi.OSW_keylog_cb());
    if (this.#handlers.message) capi.SSL_CTX_set_msg_callback(ctx, capi.OSW_msg_cb());
    if (o.maxEarlyData !== undefined) this.maxEarlyData = o.maxEarlyData;
    if (o.recvMaxEarlyData !== undefined) this.recvMaxEarlyData = o.recvMaxEarlyData;
    this.#configurePsk(o);
    if (o.echKeys !== undefined) {
      if (this.role !== 'server') throw new TypeError('createContext: options.echKeys is for servers (clients pass ech to createConnection)');
      this.setEchKeys(o.echKeys);
    }
  }

  /**
   * Servers (OpenSSL 4.0 line): replaces the ECH key store with `keys` (SSL_CTX_set1_echstore), for
   * connections made from now on. To rotate, pass the new key and keep the old one with
   * `retry: false` until clients no longer hold its config (its DNS record's TTL has passed).
   */
  setEchKeys(keys: readonly EchServerKey[]): void {
    setServerEchKeys(this.core, this.pointer, keys, 'setEchKeys');
  }

  /** Servers (OpenSSL 4.0 line): the entries of the ECH key store, one per ECHConfig. */
  get echKeys(): EchKeyInfo[] {
    return serverEchKeys(this.core, this.pointer);
  }

  /** External PSKs: the client's options.psk, the server's onPskFind and pskIdentityHint (ts/oo/psk.ts). */
  #configurePsk(o: ContextOptions): void {
    const server = this.role === 'server';
    for (const [key, forServer] of [['psk', false], ['onPskClient', false], ['onPskFind', true], ['pskIdentityHint', true]] as const) {
      if (o[key] !== undefined && forServer !== server) throw new TypeError(`createContext: options.${key} is for ${forServer ? 'servers' : 'clients'}`);
    }
    if (o.psk !== undefined && o.onPskClient !== undefined) throw new TypeError('createContext: options.psk and options.onPskClient are two ways to give a client its PSK: give one');
    if (o.psk !== undefined) configureClientPsk(this.core, this, this.pointer, o.psk);
    if (o.onPskClient !== undefined) configureClientPskHandler(this.core, this.pointer, o.onPskClient);
    if (server) configureServerPsk(this.core, this.pointer, o.onPskFind, o.pskIdentityHint);
  }

  #preferChaCha(o: ContextOptions): void {
    const { capi, mem } = this.core;
    const ctx = this.pointer;
    if (this.role === 'server') {
      // PRIORITIZE_CHACHA works through server preference; the server's own list keeps OpenSSL's
      // order, so a client that does not lead with ChaCha20 gets what it would have got.
      capi.SSL_CTX_set_options(ctx, C.SSL_OP_CIPHER_SERVER_PREFERENCE | C.SSL_OP_PRIORITIZE_CHACHA);
      return;
    }
    if (o.cipherSuites === undefined) {
      mem.scope(s => this.core.check(capi.SSL_CTX_set_ciphersuites(ctx,
        s.cstring('TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256')), 'SSL_CTX_set_ciphersuites'));
    }
    if (o.cipherList === undefined) {
      // Named first, then the rest of OpenSSL's DEFAULT in its own order. DEFAULT is only understood
      // first in a cipher string (ciphers(1)); elsewhere it matches nothing, so it is spelled out as
      // OpenSSL defines it (SSL_DEFAULT_CIPHER_LIST): `openssl ciphers` lists the same suites.
      mem.scope(s => this.core.check(capi.SSL_CTX_set_cipher_list(ctx,
        s.cstring('ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ALL:!COMPLEMENTOFDEFAULT:!eNULL')), 'SSL_CTX_set_cipher_list'));
    }
  }

  /**
   * The certificates (each with its chain), then the keys, as Node's configSecureContext gives them
   * to OpenSSL: SSL_CTX_use_certificate and SSL_CTX_use_PrivateKey put each in the slot of its key
   * type, and a key refuses a certificate of its type it does not match (key values mismatch).
   * Then every certificate must have its key (Node leaves one without, to fail handshakes later).
   */
  #useCertificates(certificate: string | string[], keys: string | PrivateKeyEntry[] | undefined, passphrase: string | undefined): void {
    const { capi } = this.core;
    const ctx = this.pointer;
    if (keys === undefined) throw new TypeError('createContext: options.certificate needs options.privateKey');
    const certPems = Array.isArray(certificate) ? certificate : [certificate];
    const keyList = Array.isArray(keys) ? keys : [keys];
    if (!certPems.length || !keyList.length) throw new TypeError('createContext: options.certificate and options.privateKey as arrays need at least one entry each');
    const leaves: Ptr<'X509'>[][] = [];
    try {
      for (const [i, pem] of certPems.entries()) {
        const name = certPems.length > 1 ? `certificate[${i}]` : 'certificate';
        const certs = this.core.readCertificates(str(pem, name), name);
        leaves.push(certs);
        this.core.check(capi.SSL_CTX_use_certificate(ctx, certs[0]), 'SSL_CTX_use_certificate');
        // Added to the chain of the slot just filled (SSL_CTX_add1_chain_cert(3): the current certificate's).
        for (const extra of certs.slice(1)) this.core.check(capi.SSL_CTX_add1_chain_cert(ctx, extra), 'SSL_CTX_add1_chain_cert');
      }
      for (const [i, entry] of keyList.entries()) {
        const name = keyList.length > 1 ? `privateKey[${i}]` : 'privateKey';
        const { value, pass } = entryOf(entry, 'pem', 'PEM', name, passphrase);
        this.#usePrivateKey(str(value, name), name, pass);
      }
      if (certPems.length === 1 && keyList.length === 1) {
        this.core.check(capi.SSL_CTX_check_private_key(ctx), 'createContext: the private key does not match the certificate (SSL_CTX_check_private_key)');
        return;
      }
      for (const [i, certs] of leaves.entries()) {
        // Selects the slot holding this very certificate with a key (ssl_cert_select_current): 0
        // when its slot has no key, or a later certificate of the same key type took the slot.
        if (capi.SSL_CTX_select_current_cert(ctx, certs[0]) !== 1) {
          this.core.fail(`createContext: options.certificate[${i}] has no private key of its key type in options.privateKey, ` +
            'or a later certificate of the same key type replaced it (one certificate per key type) (SSL_CTX_select_current_cert)');
        }
      }
    } finally {
      for (const certs of leaves) for (const x of certs) capi.X509_free(x);
    }
  }

  /** Each PKCS#12 file in the slot of its key type; for several, each must keep its slot (one per key type). */
  #usePkcs12Files(files: Uint8Array | Pkcs12Entry[], passphrase: string | undefined): void {
    const { capi } = this.core;
    const list = Array.isArray(files) ? files : [files];
    if (!list.length) throw new TypeError('createContext: options.pkcs12 as an array needs at least one entry');
    const leaves: Ptr<'X509'>[] = [];
    try {
      for (const [i, entry] of list.entries()) {
        const name = list.length > 1 ? `pkcs12[${i}]` : 'pkcs12';
        const { value: der, pass } = entryOf(entry, 'der', 'bytes', name, passphrase);
        // No bound in OpenSSL: a PKCS#12 file holds a key and a chain, DER, smaller than their PEM.
        const bytes = requireBytes(der as Uint8Array, `createContext: options.${name}`);
        boundedBytes(bytes, `createContext: options.${name}`, MAX_PEM_CERTIFICATE_CHARS, 'chosen: the PEM text bound of a certificate list');
        if (pass !== undefined) boundedString(pass, `createContext: options.${name}.passphrase`, MAX_PASSPHRASE, "PEM_BUFSIZE, as a PEM key's");
        leaves.push(usePkcs12(this.core, this.pointer, bytes, pass, name));
      }
      if (list.length === 1) return;
      for (const [i, leaf] of leaves.entries()) {
        if (capi.SSL_CTX_select_current_cert(this.pointer, leaf) !== 1) {
          this.core.fail(`createContext: options.pkcs12[${i}] was replaced by a later file of the same key type (one certificate per key type) (SSL_CTX_select_current_cert)`);
        }
      }
    } finally {
      for (const x of leaves) capi.X509_free(x);
    }
  }

  #usePrivateKey(keyPem: string, name: string, passphrase: string | undefined): void {
    const { capi } = this.core;
    // With no callback, OpenSSL's PEM_def_callback takes `u` as the passphrase (a NUL-terminated
    // string); staged as a secret, so it is zeroed when the scope frees it. Without one, the empty
    // passphrase (as Node's): an encrypted key then fails to decrypt instead of asking a terminal.
    refuseLongPem(keyPem, `createContext: options.${name}`, MAX_PRIVATE_KEY_PEM_CHARS, 'any private key takes');
    if (passphrase !== undefined) boundedString(passphrase, `createContext: the passphrase of options.${name}`, MAX_PASSPHRASE, "PEM_BUFSIZE: OpenSSL's PEM callback reads no more");
    const key = this.core.withReadBio(keyPem, bio => this.core.mem.scope(s => {
      const pass = new TextEncoder().encode(`${passphrase ?? ''}\0`);
      try {
        return capi.PEM_read_bio_PrivateKey(bio, NULL, NULL, s.bytes(pass, true));
      } finally {
        pass.fill(0);
        if (passphrase !== undefined) this.core.scrubStack();
      }
    }), true);
    if (key === NULL) {
      this.core.fail(passphrase === undefined
        ? `createContext: options.${name} is not a PEM private key, or is encrypted and needs privateKeyPassphrase (PEM_read_bio_PrivateKey)`
        : `createContext: options.${name} is not a PEM private key, or privateKeyPassphrase does not decrypt it (PEM_read_bio_PrivateKey)`);
    }
    try {
      this.core.check(capi.SSL_CTX_use_PrivateKey(this.pointer, key), 'SSL_CTX_use_PrivateKey');
    } finally {
      capi.EVP_PKEY_free(key);
    }
  }

  /** Adds PEM CA certificates to the store used to verify peers. */
  addTrustedCertificates(pem: string | string[]): void {
    const { capi } = this.core;
    const store = capi.SSL_CTX_get_cert_store(this.pointer);
    for (const text of Array.isArray(pem) ? pem : [pem]) {
      const certs = this.core.readCertificates(str(text, 'ca'), 'ca');
      try {
        for (const x of certs) this.core.check(capi.X509_STORE_add_cert(store, x), 'X509_STORE_add_cert');
      } finally {
        for (const x of certs) capi.X509_free(x);
      }
    }
  }

  /**
   * Frees the context and, first, every connection made from it that is still alive: they are its
   * children (OpenSSL would keep the SSL_CTX alive for them, but their callbacks would have no
   * Context to reach). Sessions are not children: they hold references of their own.
   */
  override free(): void {
    void this.pointer; // throws if already freed
    for (const ref of [...this.core.connections.values()]) {
      const conn = ref.deref();
      if (conn?.alive && conn.context === this) conn.free();
    }
    super.free();
  }

  /** Whether connections verify the peer's certificate. */
  get verifyPeer(): boolean {
    void this.pointer; // throws once freed, like every other member
    return this.#verifyPeer;
  }

  /** The default maxIncomingBytes of this context's connections. */
  get maxIncomingBytes(): number {
    void this.pointer; // throws once freed, like every other member
    return this.#maxIncoming;
  }

  /** A new connection: one SSL with a memory BIO each way. */
  createConnection(options: ConnectionOptions = {}): Connection {
    const connection = new Connection(this.core, this, options);
    // ---- trace (issue 12): the context's onTrace, checked when the context was made.
    if (this.#onTrace) {
      try {
        connection.onTrace = this.#onTrace;
      } catch (e) {
        connection.free();
        throw e;
      }
    }
    return connection;
  }
  readonly #onTrace: TraceListener | null = null;

  // ---- session cache

  get sessionCacheMode(): number {
    return this.core.capi.SSL_CTX_get_session_cache_mode(this.pointer);
  }
  set sessionCacheMode(mode: number) {
    if (!Number.isInteger(mode) || mode < 0 || mode > 0xffff) throw new RangeError(`sessionCacheMode must be SSL_SESS_CACHE_* flags, got ${mode}`);
    this.core.capi.SSL_CTX_set_session_cache_mode(this.pointer, mode);
  }

  /** Maximum sessions in the internal cache (0 = unlimited; OpenSSL's default is 20480). */
  get sessionCacheSize(): number {
    return this.core.capi.SSL_CTX_sess_get_cache_size(this.pointer);
  }
  set sessionCacheSize(n: number) {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`sessionCacheSize must be a non-negative integer, got ${n}`);
    this.core.capi.SSL_CTX_sess_set_cache_size(this.pointer, n);
  }

  /** Timeout in seconds for new sessions (SSL_CTX_set_timeout; OpenSSL's default is 300). */
  get sessionTimeout(): number {
    return this.core.capi.SSL_CTX_get_timeout(this.pointer);
  }
  set sessionTimeout(seconds: number) {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0x7fffffff) throw new RangeError(`sessionTimeout must be whole seconds, got ${seconds}`);
    this.core.capi.SSL_CTX_set_timeout(this.pointer, seconds);
  }

  /** TLS 1.3 tickets sent after a full handshake (SSL_CTX_set_num_tickets; default 2). */
  get numTickets(): number {
    return this.core.capi.SSL_CTX_get_num_tickets(this.pointer);
  }
  set numTickets(n: number) {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`numTickets must be a non-negative integer, got ${n}`);
    this.core.check(this.core.capi.SSL_CTX_set_num_tickets(this.pointer, n), 'SSL_CTX_set_num_tickets');
  }

  /** Sets the session id context (at most 32 bytes). */
  set sessionIdContext(value: string | Uint8Array) {
    const bytes = boundedBytes(value, 'sessionIdContext', 32, 'SSL_MAX_SID_CTX_LENGTH');
    this.core.mem.scope(s => this.core.check(
      this.core.capi.SSL_CTX_set_session_id_context(this.pointer, s.bytes(bytes), bytes.length), 'SSL_CTX_set_session_id_context'));
  }

  /**
   * Replaces the session cache callbacks, installing OpenSSL's for those given and removing those
   * dropped: with a remove callback installed, OpenSSL also caches TLS 1.3 server sessions.
   */
  setSessionCallbacks(callbacks: SessionCacheCallbacks): void {
    void this.pointer; // throws once freed
    if (callbacks === null || typeof callbacks !== 'object') throw new TypeError('setSessionCallbacks: callbacks must be an object');
    this.#handlers.session = callbacks;
    this.#installSessionCallbacks();
  }

  #installSessionCallbacks(): void {
    const { capi } = this.core;
    const ctx = this.pointer;
    const cb = this.#handlers.session;
    // Clients always hear of new sessions (that is how TLS 1.3 sessions reach Connection events);
    // servers only when asked, since the callbacks are their external cache.
    capi.SSL_CTX_sess_set_new_cb(ctx, cb.onNew || this.role === 'client' || this.#serverWantsSessions ? capi.OSW_new_session_cb() : NULL);
    capi.SSL_CTX_sess_set_remove_cb(ctx, cb.onRemove ? capi.OSW_remove_session_cb() : NULL);
    capi.SSL_CTX_sess_set_get_cb(ctx, cb.onGet ? capi.OSW_get_session_cb() : NULL);
  }

  /**
   * Sets the servers' client-hello callback (SSL_CTX_set_client_hello_cb), called first when a
   * ClientHello arrives: 'retry' pauses the handshake until the work registered with
   * connection.waitFor(work) is done. The handler gets the ClientHello lent for the call. null removes it.
   */
  setClientHelloHandler(handler: ClientHelloHandler | null): void {
    void this.pointer; // a freed context says so first, whatever its role
    if (this.role !== 'server') throw new TypeError('setClientHelloHandler is for servers');
    if (handler !== null && typeof handler !== 'function') throw new TypeError('setClientHelloHandler: handler must be a function or null');
    const { capi } = this.core;
    this.#handlers.clientHello = handler;
    capi.SSL_CTX_set_client_hello_cb(this.pointer, handler ? capi.OSW_client_hello_cb() : NULL, NULL);
  }

  /**
   * Session-ticket keys shared by servers behind one name (SSL_CTX_set_tlsext_ticket_key_evp_cb):
   * the first key encrypts new tickets, every key decrypts, and a ticket under an older key is
   * renewed. Each key is a 16-byte name, a 32-byte AES-256 key and a 32-byte HMAC-SHA256 key.
   * An empty list goes back to OpenSSL's own per-context keys. At most MAX_TICKET_KEYS (16) keys.
   */
  setTicketKeys(keys: readonly { name: Uint8Array; aesKey: Uint8Array; hmacKey: Uint8Array }[]): void {
    if (!Array.isArray(keys)) throw new TypeError('setTicketKeys: keys must be an array of { name, aesKey, hmacKey }');
    if (keys.length > MAX_TICKET_KEYS) {
      throw new RangeError(`setTicketKeys: at most ${MAX_TICKET_KEYS} keys (wasm/ticket-keys.c), got ${keys.length}; drop the oldest`);
    }
    const buf = new Uint8Array(keys.length * 80);
    keys.forEach((k, i) => {
      if (!(k.name instanceof Uint8Array) || k.name.length !== 16) throw new RangeError(`ticket key ${i}: name must be 16 bytes`);
      if (!(k.aesKey instanceof Uint8Array) || k.aesKey.length !== 32) throw new RangeError(`ticket key ${i}: aesKey must be 32 bytes`);
      if (!(k.hmacKey instanceof Uint8Array) || k.hmacKey.length !== 32) throw new RangeError(`ticket key ${i}: hmacKey must be 32 bytes`);
      buf.set(k.name, i * 80);
      buf.set(k.aesKey, i * 80 + 16);
      buf.set(k.hmacKey, i * 80 + 48);
    });
    try {
      this.core.mem.scope(s => this.core.check(
        this.core.capi.OSW_CTX_set_ticket_keys(this.pointer, s.bytes(buf, true), keys.length), 'OSW_CTX_set_ticket_keys'));
    } finally {
      buf.fill(0);
    }
  }

  /**
   * Servers: takes the session-ticket keys another server context was given with setTicketKeys,
   * copied inside the module (no key comes out to JavaScript), so tickets issued by `from` resume
   * here too (given the same sessionIdContext). A `from` on OpenSSL's own random keys gives
   * nothing: this context keeps its own (as Node's server.setSecureContext does).
   */
  shareTicketKeys(from: Context): void {
    void this.pointer; // throws once freed
    assertSameInstance(this, from, 'shareTicketKeys');
    if (!(from instanceof Context)) throw new TypeError('shareTicketKeys: expected a Context');
    if (this.role !== 'server' || from.role !== 'server') throw new TypeError('shareTicketKeys is for server contexts');
    this.core.check(this.core.capi.OSW_CTX_copy_ticket_keys(this.pointer, from.pointer), 'OSW_CTX_copy_ticket_keys');
  }

  /** The SSL_OP_* flags in force (SSL_CTX_get_options). */
  get options(): bigint {
    return this.core.capi.SSL_CTX_get_options(this.pointer);
  }
  /** Sets SSL_OP_* flags (SSL_CTX_set_options); returns the flags now in force. */
  setOptions(flags: bigint): bigint {
    if (typeof flags !== 'bigint') throw new TypeError('setOptions: flags must be a bigint of SSL_OP_* flags');
    return this.core.capi.SSL_CTX_set_options(this.pointer, flags);
  }
  /** Clears SSL_OP_* flags (SSL_CTX_clear_options); returns the flags now in force. */
  clearOptions(flags: bigint): bigint {
    if (typeof flags !== 'bigint') throw new TypeError('clearOptions: flags must be a bigint of SSL_OP_* flags');
    return this.core.capi.SSL_CTX_clear_options(this.pointer, flags);
  }

  /** Lowest and highest protocol versions for new connections (null: OpenSSL's own bound). */
  get minVersion(): TLSVersion | null {
    return versionName(this.core.capi.SSL_CTX_get_min_proto_version(this.pointer));
  }
  set minVersion(v: TLSVersion | null) {
    this.core.check(this.core.capi.SSL_CTX_set_min_proto_version(this.pointer, v === null ? 0 : version(v, 'minVersion')), 'SSL_CTX_set_min_proto_version');
  }
  get maxVersion(): TLSVersion | null {
    return versionName(this.core.capi.SSL_CTX_get_max_proto_version(this.pointer));
  }
  set maxVersion(v: TLSVersion | null) {
    this.core.check(this.core.capi.SSL_CTX_set_max_proto_version(this.pointer, v === null ? 0 : version(v, 'maxVersion')), 'SSL_CTX_set_max_proto_version');
  }

  /**
   * Adds a session to the internal cache (SSL_CTX_add_session): OpenSSL takes its own reference, and a
   * different session object with the same id is removed and freed. Returns false, as OpenSSL returns
   * 0, when this very object is already in the cache.
   */
  addSession(session: Session): boolean {
    if (!(session instanceof Session)) throw new TypeError('addSession: session must be a Session');
    assertContextMayUse(this, session, 'addSession');
    this.#refuseInsideRemove('addSession');
    const r = this.core.call(() => this.core.capi.SSL_CTX_add_session(this.pointer, session.pointer));
    // 0 also means failure (e.g. an allocation); only then is there an error queued.
    if (r !== 1 && this.core.capi.ERR_peek_error() !== 0) this.core.fail('SSL_CTX_add_session');
    return r === 1;
  }

  /** Removes a session from the internal cache (SSL_CTX_remove_session); false if it was not there. */
  removeSession(session: Session): boolean {
    if (!(session instanceof Session)) throw new TypeError('removeSession: session must be a Session');
    assertSameInstance(this, session, 'removeSession');
    this.#refuseInsideRemove('removeSession');
    return this.core.call(() => this.core.capi.SSL_CTX_remove_session(this.pointer, session.pointer)) === 1;
  }

  /** Removes sessions that have expired at `time` (seconds since the epoch; default now). */
  flushSessions(time: number = Math.floor(Date.now() / 1000)): void {
    if (!Number.isInteger(time) || time < 0 || time > 0x7fffffff) throw new RangeError(`flushSessions: time must be whole seconds since the epoch, got ${time}`);
    void this.pointer; // throws once freed
    this.#refuseInsideRemove('flushSessions');
    this.core.call(() => this.core.capi.SSL_CTX_flush_sessions_ex(this.pointer, time));
  }

  /**
   * OpenSSL calls onRemove in the middle of changing a cache (evicting for an addSession, flushing,
   * removing): changing a cache again from there could leave it pointing at a freed session.
   */
  #refuseInsideRemove(what: string): void {
    if (this.core.removing.includes(this.pointer)) {
      throw new ReentrantCallError(`${what}: not from inside this context's sessionCallbacks.onRemove, which OpenSSL calls while it is changing this cache; do it after (queueMicrotask)`);
    }
  }

  /** The SSL_CTX_sess_* counters. */
  get sessionStats(): SessionCacheStats {
    const { capi } = this.core;
    const c = this.pointer;
    return {
      number: capi.SSL_CTX_sess_number(c), connect: capi.SSL_CTX_sess_connect(c),
      connectGood: capi.SSL_CTX_sess_connect_good(c), connectRenegotiate: capi.SSL_CTX_sess_connect_renegotiate(c),
      accept: capi.SSL_CTX_sess_accept(c), acceptGood: capi.SSL_CTX_sess_accept_good(c),
      acceptRenegotiate: capi.SSL_CTX_sess_accept_renegotiate(c), hits: capi.SSL_CTX_sess_hits(c),
      cbHits: capi.SSL_CTX_sess_cb_hits(c), misses: capi.SSL_CTX_sess_misses(c),
      timeouts: capi.SSL_CTX_sess_timeouts(c), cacheFull: capi.SSL_CTX_sess_cache_full(c),
    };
  }

  // ==== Early-data (0-RTT) block: the servers' limits (SSL_CTX_set_max_early_data(3)).

  /** Servers: the most early data tickets allow (SSL_CTX_get_max_early_data; 0: none). */
  get maxEarlyData(): number {
    return this.core.capi.SSL_CTX_get_max_early_data(this.pointer);
  }
  set maxEarlyData(n: number) {
    this.#earlyDataLimit('maxEarlyData', n, (ctx, v) => this.core.capi.SSL_CTX_set_max_early_data(ctx, v));
  }
  /** Servers: the hard limit on early data received (SSL_CTX_get_recv_max_early_data). */
  get recvMaxEarlyData(): number {
    return this.core.capi.SSL_CTX_get_recv_max_early_data(this.pointer);
  }
  set recvMaxEarlyData(n: number) {
    this.#earlyDataLimit('recvMaxEarlyData', n, (ctx, v) => this.core.capi.SSL_CTX_set_recv_max_early_data(ctx, v));
  }
  #earlyDataLimit(name: string, n: number, set: (ctx: Ptr<'SSL_CTX'>, v: number) => number): void {
    const ctx = this.pointer;
    if (this.role !== 'server') {
      throw new TypeError(`${name} is a server setting: a client may send as much early data as its session's maxEarlyData says`);
    }
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${name} must be a number of bytes (0 to 2^32-1), got ${String(n)}`);
    this.core.check(set(ctx, n), `SSL_CTX_set_${name === 'maxEarlyData' ? '' : 'recv_'}max_early_data`);
  }
  /** Servers: the client-hello handler set now, or null (to chain another before it, as the early-data replay guard does). */
  get clientHelloHandler(): ClientHelloHandler | null {
    void this.pointer; // throws once freed
    return this.#handlers.clientHello;
  }
  // ==== end of the early-data block

  static {
    readHandlers = c => c.#handlers;
    wantNewSessions = c => {
      if (c.#serverWantsSessions) return;
      c.#serverWantsSessions = true;
      c.#installSessionCallbacks();
    };
  }
}

function versionName(n: number): TLSVersion | null {
  return (Object.keys(VERSIONS) as TLSVersion[]).find(k => VERSIONS[k] === n) ?? null;
}

function version(v: TLSVersion, name: string): number {
  const n = VERSIONS[v];
  if (n === undefined) throw new RangeError(`${name} must be 'TLSv1.2' or 'TLSv1.3', got ${String(v)}`);
  return n;
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new TypeError(`${name} must be a string`);
  return v;
}

/** The longest passphrase taken: PEM_BUFSIZE, all OpenSSL's PEM callback reads of one. */
const MAX_PASSPHRASE = 1024;

/**
 * One entry of Node's array forms of keys and PKCS#12 files: the value itself, or
 * `{ [field], passphrase }`, whose own passphrase wins over the shared one.
 */
function entryOf(entry: unknown, field: 'pem' | 'der', form: string, name: string, shared: string | undefined): { value: unknown; pass: string | undefined } {
  if (entry === null || typeof entry !== 'object' || ArrayBuffer.isView(entry)) return { value: entry, pass: shared };
  const o = entry as Record<string, unknown>;
  const unknown = Object.keys(o).filter(k => k !== field && k !== 'passphrase');
  // A key entry must carry its PEM; a missing `der` is left to the bytes check that follows.
  if (unknown.length || (field === 'pem' && o.pem === undefined)) {
    throw new TypeError(`createContext: options.${name} must be ${form} or { ${field}, passphrase }${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  }
  if (o.passphrase !== undefined && typeof o.passphrase !== 'string') throw new TypeError(`createContext: options.${name}.passphrase must be a string`);
  return { value: o[field], pass: (o.passphrase as string | undefined) ?? shared };
}

/**
 * The longest groups, cipherList or cipherSuites text: OpenSSL has no bound; every group or suite
 * OpenSSL knows, named in one list, is under 4 KiB.
 */
const MAX_LIST_CHARS = 64 * 1024;

/** A groups or cipher list option: a string of at most MAX_LIST_CHARS bytes. */
function list(v: unknown, name: string): string {
  return boundedString(str(v, name), `createContext: options.${name}`, MAX_LIST_CHARS, 'chosen: every name OpenSSL knows takes under 4 KiB');
}

/** ALPN protocol names in wire format: each prefixed by its length. */
export function alpnWire(protocols: string[]): Uint8Array {
  if (!Array.isArray(protocols) || protocols.length === 0) throw new TypeError('alpn must be a non-empty array of strings');
  // RFC 7301 3.1: a name is 1 to 255 bytes, the list (each name with its length byte) at most
  // 0xffff; checked before a name is encoded, and the list before it is copied in.
  const parts = protocols.map(p => {
    const tooLong = (n: string) => new RangeError(`alpn protocol names are 1 to 255 bytes (RFC 7301), got ${n}; nothing was copied into linear memory`);
    if (typeof p === 'string' && p.length > 255) throw tooLong(`${p.length} characters`);
    const b = toBytes(p, 'alpn');
    if (b.length === 0 || b.length > 255) throw tooLong(`${b.length} bytes`);
    return b;
  });
  const size = parts.reduce((n, b) => n + 1 + b.length, 0);
  if (size > 0xffff) throw new RangeError(`alpn: the protocol list is at most 65535 bytes in wire format (RFC 7301), got ${size}; nothing was copied into linear memory`);
  const out = new Uint8Array(size);
  let o = 0;
  for (const b of parts) { out[o++] = b.length; out.set(b, o); o += b.length; }
  return out;
}
