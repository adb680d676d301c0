/**
 * Deno adapter: TLS over Deno.connect and Deno.listen, shaped as Deno.connectTls / Deno.listenTls
 * give theirs (DenoTlsConn, DenoTlsListener: deno-conn.ts), each connection also a TLSStream.
 * A thin layer: Deno's connections are already byte-stream pairs.
 */
import type { LoadOptions } from '../loader.ts';
import type { Context, ContextOptions } from '../oo/context.ts';
import { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { sessionKey, type SessionStore } from '../stores/session-store.ts';
import type { ClientEchOptions } from '../oo/ech.ts';
import { connectOverStreams } from './client.ts';
import { defaultInstance } from './default-instance.ts';
import { checkGivenContext } from './given-context.ts';
import { tlsOverStreams, type TLSStreamOptions } from './streams.ts';
import { DenoTlsConn, DenoTlsListener, type DenoTcpConn, type DenoTcpListener } from './deno-conn.ts';

declare const Deno: {
  connect(o: { hostname: string; port: number }): Promise<DenoTcpConn>;
  listen(o: { hostname: string; port: number }): DenoTcpListener;
};

function instance(openssl: OpenSSL | undefined, load?: LoadOptions): Promise<OpenSSL> {
  return openssl ? Promise.resolve(openssl) : defaultInstance(load);
}

/**
 * The Deno adapter's stream options: TLSStreamOptions with Deno's default for half-close. Deno's own
 * TlsConn is half-open: after the peer's close_notify, read() gives null and writing goes on until
 * closeWrite() or close() (a server answers a client that ended its request with closeWrite()).
 */
export interface DenoStreamOptions extends TLSStreamOptions {
  /**
   * Default true, as Deno's TlsConn: the peer's close_notify ends reading only. false: it is
   * answered with ours at once and the connection ends (Node's default, the other adapters').
   */
  allowHalfOpen?: boolean;
}

/** The options given, with Deno's half-open default filled in. */
function withDenoDefaults<T extends DenoStreamOptions>(options: T): T {
  return options.allowHalfOpen === undefined ? { ...options, allowHalfOpen: true } : options;
}

export interface DenoConnectOptions extends DenoStreamOptions {
  hostname?: string;
  port: number;
  /** SNI and the name checked against the certificate (default: hostname). */
  serverName?: string;
  openssl?: OpenSSL;
  /** A context to use; otherwise one is made from `contextOptions` and freed when the stream ends. */
  context?: Context;
  contextOptions?: Omit<ContextOptions, 'role'>;
  /** A session to resume: a Session or DER bytes. */
  session?: Session | Uint8Array;
  /**
   * Encrypted Client Hello (OpenSSL 4.0 line): the server's ECHConfigList and the rest of
   * ConnectionOptions.ech; serverName is then the hidden, inner name. `stream.connection.ech` says how it went.
   */
  ech?: ClientEchOptions;
  /** Resume automatically from this store and save new sessions to it (see the Node adapter's). */
  sessionStore?: SessionStore;
  sessionKeySettings?: string;
}

/** Connects with Deno.connect and runs TLS over it (as Deno.connectTls, with OpenSSL). */
export async function connectDeno(options: DenoConnectOptions): Promise<DenoTlsConn> {
  checkGivenContext('connectDeno', options.context, options.openssl);
  const ossl = await instance(options.openssl);
  const hostname = options.hostname ?? 'localhost';
  const owned = options.context ? null : ossl.createContext({ ...options.contextOptions, role: 'client' });
  const context = options.context ?? owned!;
  const serverName = options.serverName ?? hostname;
  const store = options.sessionStore;
  const key = store && sessionKey({ host: hostname, port: options.port, serverName, alpn: options.contextOptions?.alpn,
    settings: options.sessionKeySettings ?? `verify=${context.verifyPeer}` });
  let tcp: DenoTcpConn | undefined;
  const stream = await connectOverStreams({ ...withDenoDefaults(options), ossl, context, owned, serverName, sessionKey: key },
    async () => (tcp = await Deno.connect({ hostname, port: options.port })));
  return new DenoTlsConn(stream, tcp!);
}

export interface DenoListenOptions extends DenoStreamOptions {
  hostname?: string;
  port: number;
  /** The server context (its certificate and key); see OpenSSL.createContext. */
  context: Context;
}

/** Listens with Deno.listen (as Deno.listenTls, with OpenSSL); accept() or iterate it for each connection. */
export function listenDeno(options: DenoListenOptions): DenoTlsListener {
  checkGivenContext('listenDeno', options.context, undefined);
  if (options.context.role !== 'server') throw new TypeError('listenDeno: options.context must be a server context');
  const listener = Deno.listen({ hostname: options.hostname ?? '127.0.0.1', port: options.port });
  const streamOptions = withDenoDefaults(options);
  return new DenoTlsListener(listener, tcp => {
    try {
      return new DenoTlsConn(tlsOverStreams(options.context.createConnection(), tcp, streamOptions), tcp);
    } catch (e) {
      tcp.close(); // the context was freed under the listener: the accepted connection is not left open
      throw e;
    }
  });
}
