/**
 * Deno adapter: TLS over Deno.connect and Deno.listen, as plaintext Web Streams (TLSStream).
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
import { tlsOverStreams, type TLSStream, type TLSStreamOptions } from './streams.ts';

/** The part of Deno's API this adapter uses (so the package needs no Deno type definitions). */
interface DenoConn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  close(): void;
}
interface DenoListener extends AsyncIterable<DenoConn> {
  readonly addr: { hostname: string; port: number };
  close(): void;
}
declare const Deno: {
  connect(o: { hostname: string; port: number }): Promise<DenoConn>;
  listen(o: { hostname: string; port: number }): DenoListener;
};

function instance(openssl: OpenSSL | undefined, load?: LoadOptions): Promise<OpenSSL> {
  return openssl ? Promise.resolve(openssl) : defaultInstance(load);
}

export interface DenoConnectOptions extends TLSStreamOptions {
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

/** Connects with Deno.connect and runs TLS over it. */
export async function connectDeno(options: DenoConnectOptions): Promise<TLSStream> {
  checkGivenContext('connectDeno', options.context, options.openssl);
  const ossl = await instance(options.openssl);
  const hostname = options.hostname ?? 'localhost';
  const owned = options.context ? null : ossl.createContext({ ...options.contextOptions, role: 'client' });
  const context = options.context ?? owned!;
  const serverName = options.serverName ?? hostname;
  const store = options.sessionStore;
  const key = store && sessionKey({ host: hostname, port: options.port, serverName, alpn: options.contextOptions?.alpn,
    settings: options.sessionKeySettings ?? `verify=${context.verifyPeer}` });
  return connectOverStreams({ ...options, ossl, context, owned, serverName, sessionKey: key },
    () => Deno.connect({ hostname, port: options.port }));
}

export interface DenoListenOptions extends TLSStreamOptions {
  hostname?: string;
  port: number;
  /** The server context (its certificate and key); see OpenSSL.createContext. */
  context: Context;
}

/** Listens with Deno.listen; iterate it for a TLSStream per accepted connection. */
export function listenDeno(options: DenoListenOptions): AsyncIterable<TLSStream> & { addr: { hostname: string; port: number }; close(): void } {
  checkGivenContext('listenDeno', options.context, undefined);
  if (options.context.role !== 'server') throw new TypeError('listenDeno: options.context must be a server context');
  const listener = Deno.listen({ hostname: options.hostname ?? '127.0.0.1', port: options.port });
  let closed = false;
  return {
    addr: listener.addr,
    // Twice is once (Deno's own close() throws BadResource the second time).
    close: () => { if (!closed) { closed = true; listener.close(); } },
    async *[Symbol.asyncIterator]() {
      for await (const conn of listener) yield tlsOverStreams(options.context.createConnection(), conn, options);
    },
  };
}
