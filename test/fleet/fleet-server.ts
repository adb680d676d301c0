// One server of a resuming fleet (run as its own process by test/suites/fleet.suite.ts): the Node
// adapter with sessions in Redis (useServerSessionStore + RedisSessionStore) and, in ticket mode,
// the ticket-key ring from Redis. It answers each line: "reused=<0|1>" and, for "DROP", hangs up
// without close_notify (so OpenSSL removes the session as bad).
// Redis holds only sealed values: the keys come from the environment, as a deployment would give them.
//   SESSION_STORE_KEY=base64 fleet-server --redis PORT --mode tls12|tls13|tickets
import { readFileSync } from 'node:fs';
import { plainWasmURL } from '../lib/fixtures.ts';
import { createClient } from 'redis';
import { constants as C, createServer, OpenSSL, RedisSessionStore, RedisTicketKeyRing, useServerSessionStore, type ServerSessionStore } from '../../ts/node.ts';

const arg = (name: string) => process.argv[process.argv.indexOf(`--${name}`) + 1];
const mode = arg('mode');
const fixture = (n: string) => readFileSync(new URL(`../fixtures/${n}`, import.meta.url), 'utf8');
// As in the README: the fleet's key from the environment, base64.
const keys = [{ id: 'k1', key: Buffer.from(process.env.SESSION_STORE_KEY ?? '', 'base64') }];

const redis = createClient({ url: `redis://127.0.0.1:${arg('redis')}`, disableOfflineQueue: true,
  socket: { connectTimeout: 500, reconnectStrategy: () => 200 } });
redis.on('error', e => console.error(`redis: ${e.message}`)); // reconnects by itself; lookups fail meanwhile
await redis.connect();

const ossl = await OpenSSL.load({ wasm: plainWasmURL }); // of the line under test (OPENSSL_WASM_LINE, inherited)
const context = ossl.createContext({
  role: 'server', certificate: fixture('server.pem'), privateKey: fixture('server.key'),
  maxVersion: mode === 'tls12' ? 'TLSv1.2' : 'TLSv1.3',
  // Stateful resumption (session ids, TLS 1.3 stateful tickets) needs SSL_OP_NO_TICKET.
  options: mode === 'tickets' ? 0n : C.SSL_OP_NO_TICKET,
});
/**
 * Writes in flight: the server answers a line once they are done, so the client's next connection
 * (to any server) finds the session it was just given. Without this the test would time a race
 * between the store's write and the client's reconnection, which a loaded machine can lose.
 * useServerSessionStore calls the store's set() from a microtask after OpenSSL's new-session
 * callback (never from inside OpenSSL), and with TLS 1.3 the client's line comes with its Finished:
 * the line is read in the same turn as the tickets are made, before that set() has been called.
 * So the answer takes the writes in flight one turn later (setImmediate), when set() has been called.
 */
const writing = new Set<Promise<unknown>>();
function settling(store: ServerSessionStore): ServerSessionStore {
  const track = <T>(p: Promise<T>) => { writing.add(p); void p.catch(() => undefined).finally(() => writing.delete(p)); return p; };
  return {
    get: id => store.get(id),
    set: (id, der, ttl) => track(Promise.resolve(store.set(id, der, ttl))),
    delete: id => track(Promise.resolve(store.delete(id))),
  };
}

if (mode === 'tickets') {
  const ring = new RedisTicketKeyRing(redis, { keys });
  await ring.refresh([context]);
  setInterval(() => { ring.refresh([context]).catch(e => console.error(`ticket keys: ${e.message}`)); }, 1000).unref();
} else {
  useServerSessionStore(ossl, context, settling(new RedisSessionStore(redis, { keys })), {
    lookupTimeoutMs: 500,
    onError: (e, op) => console.error(`session store ${op}: ${(e as Error).message}`),
  });
}

const server = createServer({ openssl: ossl, context }, sock => {
  let buf = '';
  sock.on('data', d => {
    buf += d;
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      const line = buf.slice(0, i);
      if (line === 'DROP') { sock.destroy(); return; }
      const reused = sock.isSessionReused();
      setImmediate(() => void Promise.allSettled([...writing]).then(() => sock.write(`reused=${reused ? 1 : 0}\n`)));
    }
  });
  sock.on('error', () => undefined);
});
server.on('tlsClientError', () => undefined);
server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${(server.address() as { port: number }).port}`));
process.on('SIGTERM', () => { server.close(); void redis.quit().catch(() => undefined).finally(() => process.exit(0)); });
