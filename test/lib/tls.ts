// Shared set-up for object-layer tests: an instance, server and client contexts on the test PKI,
// and connected pairs joined in memory.
import { constants as C, handshakeInMemory, OpenSSL, transfer, type Connection, type Context, type ContextOptions, type Session, type TLSVersion } from '../../ts/index.ts';
import { equal } from './assert.ts';
import { fixture, wasmURL } from './fixtures.ts';

export interface Pki { ca: string; cert: string; key: string }
let pkiCache: Promise<Pki> | undefined;
export function pki(): Promise<Pki> {
  pkiCache ??= (async () => ({ ca: await fixture('ca.pem'), cert: await fixture('server.pem'), key: await fixture('server.key') }))();
  return pkiCache;
}

export async function load(): Promise<OpenSSL> {
  return OpenSSL.load({ wasm: wasmURL });
}

/** A server context with the test certificate, pinned to one version unless `extra` says otherwise. */
export async function serverContext(ossl: OpenSSL, version: TLSVersion, extra: Partial<ContextOptions> = {}): Promise<Context> {
  const p = await pki();
  return ossl.createContext({ role: 'server', certificate: p.cert, privateKey: p.key, minVersion: version, maxVersion: version, ...extra });
}

export async function clientContext(ossl: OpenSSL, version: TLSVersion, extra: Partial<ContextOptions> = {}): Promise<Context> {
  const p = await pki();
  return ossl.createContext({ role: 'client', ca: p.ca, minVersion: version, maxVersion: version, ...extra });
}

/** Connects a new client and server connection in memory, resuming `session` if given. */
export function connect(client: Context, server: Context, session?: Session, onSession?: (s: Session) => void): { c: Connection; s: Connection } {
  const c = client.createConnection({ serverName: 'localhost', session, onSession });
  const s = server.createConnection();
  handshakeInMemory(c, s);
  return { c, s };
}

/** Clean close (close_notify both ways, as OpenSSL's shutdown_ssl_connection), then free both. */
export function close(c: Connection, s: Connection): void {
  c.shutdown();
  transfer(c, s);
  s.shutdown();
  transfer(s, c);
  c.shutdown();
  c.free();
  s.free();
}

/**
 * close_notify both ways, the client first, checking each step's result as SSL_shutdown(3) gives
 * it (the connections stay alive: the caller frees them).
 */
export function shutdownBoth(c: Connection, s: Connection): void {
  equal(c.shutdown(), 'want-read', "shutdown() sent the client's close_notify; the server's is not there yet");
  transfer(c, s);
  equal(s.read().state, 'closed', "the server's read() sees the client's close_notify");
  equal(s.shutdown(), 'done', 'the server answers with its close_notify: both are done');
  transfer(s, c);
  equal(c.read().state, 'closed', "the client's read() sees the server's close_notify");
  equal(c.shutdown(), 'done', "the client's shutdown() is now done");
}

/** Full handshake on a fresh pair, returning a resumable client session (a reference the caller frees). */
export function firstSession(client: Context, server: Context): Session {
  let kept: Session | null = null;
  const { c, s } = connect(client, server, undefined, sess => { kept?.free(); kept = sess.ref(); });
  close(c, s);
  if (!kept) throw new Error('no session was delivered');
  return kept;
}

export { C };
