// test/helpers/ssltestlib.c of OpenSSL 3.5.7, mirrored for the ports of test/sslapitest.c
// (test/suites/sslapitest-*.suite.ts): create_ssl_ctx_pair, create_ssl_objects,
// create_ssl_connection, shutdown_ssl_connection (line numbers below are that file's), and every C
// test's `end:` label as an End list that frees what the test made. withOpenSSL runs one ported
// test on its own instance and ends by checking that no handle is left alive.
import {
  OpenSSL, OpenSSLError, settle, transfer,
  type Connection, type Context, type ContextOptions, type Session,
} from '../../ts/index.ts';
import { deepEqual, equal, ok } from './assert.ts';
import { fixture, wasmURL } from './fixtures.ts';

// An SSL_OP_* bit the constants module does not name (include/openssl/ssl.h.in, SSL_OP_BIT(n)).
const SSL_OP_ALLOW_CLIENT_RENEGOTIATION = 1n << 8n;

export interface Pki { certificate: string; privateKey: string }
/** The C tests' `cert`/`privkey` are test/certs/servercert.pem and serverkey.pem: an RSA server. */
export const serverPki = async (): Promise<Pki> => ({
  certificate: await fixture('server-rsa.pem'),
  privateKey: await fixture('server-rsa.key'),
});

type Freeable = Context | Connection | Session;

/** The C tests' `end:` label: frees, newest first, every handle still alive that was put on it. */
export class End {
  readonly #handles: Freeable[] = [];
  add<T extends Freeable>(h: T): T {
    this.#handles.push(h);
    return h;
  }
  run(): void {
    for (const h of this.#handles.reverse()) if (h.alive) h.free();
    this.#handles.length = 0;
  }
}

/**
 * Runs one ported test: a fresh instance, the test body, the `end:` frees (also when the body
 * fails), then the leak check: no Context, Connection or Session handle may be left.
 */
export async function withOpenSSL(body: (ossl: OpenSSL, end: End) => void | Promise<void>): Promise<void> {
  const ossl = await OpenSSL.load({ wasm: wasmURL });
  const end = new End();
  try {
    await body(ossl, end);
  } finally {
    end.run();
  }
  deepEqual(ossl.stats().handles, { Context: 0, Connection: 0, Session: 0 }, 'every handle was freed');
  equal(ossl.stats().finalized, 0, 'no handle was left to the garbage collector');
}

/**
 * create_ssl_ctx_pair(libctx, TLS_server_method(), TLS_client_method(), TLS1_VERSION, max, ...)
 * (ssltestlib.c:945): the server gets `cert`, `privkey` and SSL_OP_ALLOW_CLIENT_RENEGOTIATION.
 * The minimum of TLS1_VERSION is OpenSSL's default minimum, so it is not set. The C client verifies
 * nothing, hence verifyPeer: false.
 */
export function createSSLCtxPair(
  ossl: OpenSSL, end: End, pki: Pki,
  server: Partial<ContextOptions> = {}, client: Partial<ContextOptions> = {},
): { sctx: Context; cctx: Context } {
  const sctx = end.add(ossl.createContext({
    ...server, role: 'server', ...pki, options: SSL_OP_ALLOW_CLIENT_RENEGOTIATION | (server.options ?? 0n),
  }));
  const cctx = end.add(ossl.createContext({ ...client, role: 'client', verifyPeer: false }));
  return { sctx, cctx };
}

/** create_ssl_objects (ssltestlib.c:1190): one server and one client connection. */
export function createSSLObjects(end: End, sctx: Context, cctx: Context): { server: Connection; client: Connection } {
  const server = end.add(sctx.createConnection());
  const client = end.add(cctx.createConnection());
  return { server, client };
}

/**
 * create_ssl_connection (ssltestlib.c:1261 and 1400): drives both sides until both finish (true)
 * or both fail (false), then has the client read, so that TLS 1.3 tickets are processed. As in C, a
 * side that fails stops being driven while the other still gets its bytes (and so the alert).
 */
export function createSSLConnection(server: Connection, client: Connection): boolean {
  let cDone = false, sDone = false, cErr = false, sErr = false;
  const step = (conn: Connection): 'done' | 'pending' | 'failed' => {
    try {
      return conn.handshake() === 'done' ? 'done' : 'pending';
    } catch (e) {
      if (e instanceof OpenSSLError) return 'failed';
      throw e;
    }
  };
  for (let round = 0; round < 64; round++) {
    if (!cDone && !cErr) { const r = step(client); cDone = r === 'done'; cErr = r === 'failed'; }
    transfer(client, server);
    if (!sDone && !sErr) { const r = step(server); sDone = r === 'done'; sErr = r === 'failed'; }
    transfer(server, client);
    if (cErr && sErr) return false;
    if (cDone && sDone) {
      settle(client, server);
      return true;
    }
  }
  return false; // "No progress made"
}

/** TEST_true(create_ssl_connection(...)), with both sides' errors in the message. */
export function expectConnection(server: Connection, client: Connection, what: string): void {
  const good = createSSLConnection(server, client);
  ok(good, `${what}: create_ssl_connection failed (client: ${client.error?.message ?? 'no error'}; server: ${server.error?.message ?? 'no error'})`);
}

/** shutdown_ssl_connection (ssltestlib.c:1436): SSL_shutdown both, then SSL_free both. */
export function shutdownSSLConnection(server: Connection, client: Connection): void {
  client.shutdown();
  server.shutdown();
  server.free();
  client.free();
}

/** SSL_get_session(conn) == sess, through a reference of our own. */
export function currentSessionIs(conn: Connection, sess: Session): boolean {
  const cur = conn.session;
  try {
    return cur !== null && cur.is(sess);
  } finally {
    cur?.free();
  }
}
