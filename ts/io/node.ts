/// <reference types="node" />
/**
 * Node adapter: TLS over net.Socket with Node's `tls` option names and TLSSocket members (see the
 * parity table in README.md). A thin layer: the TLSEngine does the TLS, the TLSSocket
 * (node-socket.ts) moves bytes between it and the socket and shows the results in Node's shapes;
 * connect() is here, createServer() in node-server.ts.
 */
import { Buffer } from 'node:buffer';
import * as net from 'node:net';
import type { Connection } from '../oo/connection.ts';
import type { Context } from '../oo/context.ts';
import type { PskClientHandler } from '../oo/psk.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import { rejectUnknownOptions } from '../oo/options.ts';
import type { Session } from '../oo/session.ts';
import { sessionKey, type SessionStore } from '../stores/session-store.ts';
import type { ClientEchOptions } from '../oo/ech.ts';
import { prepareClientConnection } from './client.ts';
import { nodeError, type DetailedPeerCertificate, type NodeTLSError, type PeerCertificate } from './node-certificate.ts';
import { contextNow, contextOptionsFromNode, pskKey, type NodeContextOptions } from './node-options.ts';
import { withSecureContext } from './node-secure-context.ts';
import { attachTransport, checkIdentityWith, failWith, SOCKET_OPTIONS, TLSSocket, type TLSSocketOptions } from './node-socket.ts';
import { defaultInstance } from './default-instance.ts';
import { refuseNodeOptionsNotSupported } from './node-unsupported.ts';

export { defaultInstance };

export interface ConnectOptions extends TLSSocketOptions {
  host?: string;
  /** Required unless `socket` is given. */
  port?: number;
  /** SNI and the name checked against the certificate (default: host unless it is an IP address). */
  servername?: string;
  /** false: complete the handshake whatever the verification found (see `authorized`). Default true. */
  rejectUnauthorized?: boolean;
  /** A session to resume: DER bytes (as the `session` event and getSession() give them) or a Session; false or null: none, as Node. */
  session?: Uint8Array | Session | false | null;
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
  /**
   * Sent as TLS 1.3 early data (0-RTT) when the resumed session allows it, else right after the
   * handshake; sent again after it if the server rejects it. `socket.connection.earlyDataStatus`
   * says which after 'secureConnect'. Only what is safe to receive twice (RFC 8446 8).
   */
  earlyData?: Uint8Array | string;
  /**
   * Node's check of the server's identity, called once the chain has verified (and not on a
   * resumption) with the host name and getPeerCertificate(true): an Error it returns refuses the
   * server (or, with rejectUnauthorized false, makes it unauthorized), undefined accepts it. Node's
   * own tls.checkServerIdentity takes the certificate in this shape. Absent: OpenSSL checks the
   * name (X509_check_host) with Node's default rules.
   */
  checkServerIdentity?: (hostname: string, cert: DetailedPeerCertificate) => Error | undefined;
  /**
   * Encrypted Client Hello (OpenSSL 4.0 line: `openssl: await OpenSSL.load({ line: '4.0' })`):
   * `{ configList }`, the server's ECHConfigList (base64 from its HTTPS DNS record, or bytes);
   * servername is then the hidden, inner name. `socket.connection.ech` says how it went.
   */
  ech?: ClientEchOptions;
  /**
   * Node's client PSK: `(hint) => ({ psk, identity })` or null for none. Asked during each
   * handshake, as Node's: in TLS 1.2 with the server's pskIdentityHint (null without one), in TLS
   * 1.3 with null (see nodePskClient).
   */
  pskCallback?: (hint: string | null) => { psk: ArrayBufferView; identity: string } | null;
  /**
   * Node's smallest finite-field DHE group (bits) accepted from a server. Checked (a positive number)
   * and then met whatever its value: DH is not built here, so no DHE suite or ffdhe group is ever
   * negotiated.
   */
  minDHSize?: number;
  /** The socket's idle timeout in milliseconds, as Node's: setTimeout() on the socket ('timeout' events; it is not closed). */
  timeout?: number;
  /**
   * Node's (net.connect's) options for the connection made, passed on: `path` (an IPC socket instead
   * of host and port), `family`, `hints`, `localAddress`, `localPort`, `lookup`, `noDelay`,
   * `keepAlive`, `keepAliveInitialDelay`, `autoSelectFamily`, `autoSelectFamilyAttemptTimeout`.
   * Not with `socket` (set them on that socket).
   */
  path?: string;
  family?: number;
  hints?: number;
  localAddress?: string;
  localPort?: number;
  lookup?: net.LookupFunction;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  autoSelectFamily?: boolean;
  autoSelectFamilyAttemptTimeout?: number;
}
/** Node's options for the TCP (or IPC) connection connect() makes, passed to net.connect as they are. */
const NET_CONNECT_OPTIONS = ['path', 'family', 'hints', 'localAddress', 'localPort', 'lookup', 'noDelay', 'keepAlive', 'keepAliveInitialDelay',
  'autoSelectFamily', 'autoSelectFamilyAttemptTimeout'] as const;
const CONNECT_OPTIONS = [...SOCKET_OPTIONS, 'host', 'port', 'servername', 'rejectUnauthorized', 'session', 'socket', 'sessionStore', 'sessionKeySettings', 'earlyData',
  'checkServerIdentity', 'ech', 'pskCallback', 'timeout', 'minDHSize', ...NET_CONNECT_OPTIONS];

/** Connects to a TLS server, as tls.connect does: connect(options[, cb]), connect(port[, host][, options][, cb]). */
export function connect(options: ConnectOptions, onSecure?: () => void): TLSSocket;
export function connect(port: number, host?: string | ConnectOptions | (() => void), options?: ConnectOptions | (() => void), onSecure?: () => void): TLSSocket;
export function connect(...args: unknown[]): TLSSocket {
  const { options: given, onSecure } = connectArgs(args);
  rejectUnknownOptions('connect', given, [...CONNECT_OPTIONS, ...refuseNodeOptionsNotSupported('connect', given)]);
  const options = withSecureContext('connect', given);
  if (typeof options.port !== 'number' && !options.socket && options.path === undefined) throw new TypeError('connect: options.port (or options.path, or options.socket) is required');
  const transport = Object.fromEntries(NET_CONNECT_OPTIONS.filter(k => options[k] !== undefined).map(k => [k, options[k]]));
  if (options.socket && Object.keys(transport).length) {
    throw new TypeError(`connect: ${Object.keys(transport).join(', ')} ${Object.keys(transport).length > 1 ? 'are' : 'is'} for the connection connect() makes; with options.socket, set them on that socket`);
  }
  const host = options.host ?? 'localhost';
  const verify = options.rejectUnauthorized !== false;
  const servername = options.servername ?? (net.isIP(host) ? undefined : host);
  const contextOptions = contextOptionsFromNode('connect', options, 'client',
    options.contextOptions?.verifyPeer === undefined ? { verifyPeer: verify } : {});
  const checkIdentity = options.checkServerIdentity;
  if (checkIdentity !== undefined && typeof checkIdentity !== 'function') throw new TypeError('connect: options.checkServerIdentity must be a function');
  const minDHSize = options.minDHSize ?? 1024;
  if (typeof minDHSize !== 'number') throw Object.assign(new TypeError('connect: options.minDHSize must be a number'), { code: 'ERR_INVALID_ARG_TYPE' });
  if (!(minDHSize >= 1)) throw Object.assign(new RangeError(`connect: options.minDHSize must be >= 1, got ${minDHSize}`), { code: 'ERR_OUT_OF_RANGE' });
  if (options.allowHalfOpen !== undefined && typeof options.allowHalfOpen !== 'boolean') throw new TypeError('connect: options.allowHalfOpen must be a boolean');
  const tls = new TLSSocket('client', { requireCloseNotify: options.requireCloseNotify, enableTrace: options.enableTrace, allowHalfOpen: options.allowHalfOpen,
    host: servername ?? host, earlyData: earlyDataBytes(options.earlyData), rejectAfterHandshake: verify && !options.context, transport: options.socket });
  if (onSecure) tls.once('secureConnect', onSecure);
  if (options.timeout !== undefined) tls.setTimeout(options.timeout);
  const psk = options.pskCallback;
  if (psk !== undefined && typeof psk !== 'function') throw new TypeError('connect: options.pskCallback must be a function (hint) => { psk, identity } | null');
  if (checkIdentity) {
    const hostname = servername ?? host;
    checkIdentityWith(tls, () => checkIdentity(hostname, tls.getPeerCertificate(true) as DetailedPeerCertificate), verify);
  } else if (psk) {
    // As Node: a TLS 1.2 PSK handshake (no certificate, not a resumption) still meets Node's default
    // checkServerIdentity, which refuses the empty certificate; give checkServerIdentity to accept it.
    const hostname = servername ?? host;
    checkIdentityWith(tls, () => Object.keys(tls.getPeerCertificate() ?? {}).length ? undefined : emptyCertificateError(hostname), verify);
  }
  const makeContext = (ossl: OpenSSL) => ossl.createContext({
    ...contextOptions!,
    ...(psk ? { onPskClient: nodePskClient(psk, tls) } : {}),
    // The socket's own context: its keylog hook is this socket's. Key-log lines
    // are secrets: made into Buffers only for a listener, and handed over outside OpenSSL's call.
    keylog: line => { if (tls.listenerCount('keylog')) queueMicrotask(() => tls.emit('keylog', Buffer.from(`${line}\n`))); },
  });
  const early = contextNow(options.openssl, options.context, makeContext);
  (async () => {
    const ossl = options.openssl ?? await defaultInstance();
    let owned: Context | null = null;
    const context = options.context ?? (owned = early?.alive ? early : makeContext(ossl));
    const store = options.sessionStore;
    const key = store && sessionKey({ host, port: options.port ?? 0, serverName: servername, alpn: options.contextOptions?.alpn ?? alpnList(options),
      settings: options.sessionKeySettings ?? `verify=${verify}` });
    let connection: Connection, saveNewSession: ((s: Session) => void) | undefined;
    try {
      ({ connection, saveNewSession } = await prepareClientConnection({
        ossl, context, session: options.session || undefined, sessionStore: store, sessionKey: key, ech: options.ech,
        // As Node: the name is always checked, and the result shown by authorized/authorizationError;
        // rejectUnauthorized decides whether a mismatch ends the handshake. A ready context decides
        // for itself (the CLI's s_client checks no name, as native s_client).
        // A checkServerIdentity of the application's replaces OpenSSL's name check.
        ...(owned ? { serverName: servername ?? host, checkHostName: !checkIdentity }
          : { serverName: servername ?? (verify ? host : undefined), checkHostName: verify && !checkIdentity }),
        onStoreError: e => tls.emit('sessionStoreError', e),
      }));
    } catch (e) {
      if (owned?.alive) owned.free();
      throw e;
    }
    // As Node (VerifyCallback in src/crypto/crypto_context.cc returns 1): on a context of its own,
    // verification goes on to the chain's end, so authorizationError is the last error, which Node
    // reports (a lone leaf of an untrusted issuer: UNABLE_TO_VERIFY_LEAF_SIGNATURE, after
    // UNABLE_TO_GET_ISSUER_CERT_LOCALLY); the socket refuses an unverified server after the handshake.
    if (owned) connection.verifyWithoutRejecting();
    const socket = options.socket ?? (tls.destroyed ? new net.Socket() : net.connect(options.path !== undefined ? { ...transport, path: options.path } as net.NetConnectOpts
      : { ...transport, host, port: options.port! } as net.NetConnectOpts));
    attachTransport(tls, socket, connection, owned, options.handshakeTimeout ?? 30_000, saveNewSession);
  })().catch(e => tls.destroy(nodeError(e as Error, null)));
  return tls;
}

/**
 * Node's client pskCallback as the context's onPskClient: asked as Node's is, per connection, with
 * the server's identity hint in TLS 1.2 (null when it sent none) and null in TLS 1.3; its key bound
 * to SHA-256 there, as Node's (both use OpenSSL's psk_client_callback).
 */
function nodePskClient(callback: NonNullable<ConnectOptions['pskCallback']>, tls: TLSSocket): PskClientHandler {
  return hint => {
    try {
      const answer = callback(hint);
      if (answer === null || answer === undefined) return null;
      if (typeof answer !== 'object' || typeof answer.identity !== 'string') throw new TypeError('connect: pskCallback must return { psk, identity } (identity a string) or null');
      return { identity: answer.identity, key: pskKey('connect', answer.psk) };
    } catch (e) {
      failWith(tls, e as Error); // the socket's 'error' is this one, as Node's, not the CallbackError around it
      throw e;
    }
  };
}

/** What Node's default checkServerIdentity answers for an empty certificate (lib/tls.js). */
function emptyCertificateError(hostname: string): Error {
  const reason = net.isIP(hostname) ? `IP: ${hostname} is not in the cert's list: ` : 'Cert does not contain a DNS name';
  return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: ${reason}`),
    { code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason, host: hostname, cert: {} });
}

function earlyDataBytes(v: Uint8Array | string | undefined): Uint8Array | undefined {
  if (v === undefined || v instanceof Uint8Array) return v;
  if (typeof v === 'string') return new TextEncoder().encode(v);
  throw new TypeError('connect: options.earlyData must be a Uint8Array or a string');
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

export { createServer, type SecureContextAnswer, type ServerOptions, type TLSServer } from './node-server.ts';
export { createSecureContext, SecureContext } from './node-secure-context.ts';
export { TLSSocket, type TLSSocketOptions };
export type { NodeTLSError, PeerCertificate, DetailedPeerCertificate, NodeContextOptions };
