// One server of a fleet accepting early data (run as its own process by
// test/suites/early-data-fleet.suite.ts): the Node adapter, TLS 1.3 tickets under the ticket-key
// ring in Redis, and the early-data replay guard on Redis, so that a ticket's early data is
// accepted by one server of the fleet at most. Each line it reads is answered with this
// connection's "early=<status> reused=<0|1>".
//   SESSION_STORE_KEY=base64 early-data-server --redis PORT
import { readFileSync } from 'node:fs';
import { plainWasmURL } from '../lib/fixtures.ts';
import { createClient } from 'redis';
import { createServer, OpenSSL, RedisEarlyDataReplayStore, RedisTicketKeyRing, useEarlyDataReplayGuard } from '../../ts/node.ts';

const arg = (name: string) => process.argv[process.argv.indexOf(`--${name}`) + 1];
const fixture = (n: string) => readFileSync(new URL(`../fixtures/${n}`, import.meta.url), 'utf8');
const keys = [{ id: 'k1', key: Buffer.from(process.env.SESSION_STORE_KEY ?? '', 'base64') }];

const redis = createClient({ url: `redis://127.0.0.1:${arg('redis')}`, disableOfflineQueue: true,
  socket: { connectTimeout: 500, reconnectStrategy: () => 200 } });
redis.on('error', e => console.error(`redis: ${e.message}`));
await redis.connect();

const ossl = await OpenSSL.load({ wasm: plainWasmURL }); // of the line under test (OPENSSL_WASM_LINE, inherited)
const context = ossl.createContext({
  role: 'server', certificate: fixture('server.pem'), privateKey: fixture('server.key'), minVersion: 'TLSv1.3',
  maxEarlyData: 16384,
});
const ring = new RedisTicketKeyRing(redis, { keys });
await ring.refresh([context]);
useEarlyDataReplayGuard(context, new RedisEarlyDataReplayStore(redis, { keys }), {
  lookupTimeoutMs: 1000, onError: e => console.error(`replay guard: ${(e as Error).message}`),
});

const server = createServer({ openssl: ossl, context }, sock => {
  let buf = '';
  sock.on('data', d => {
    buf += d;
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      sock.write(`early=${sock.connection!.earlyDataStatus} reused=${sock.isSessionReused() ? 1 : 0} line=${buf.slice(0, i)}\n`);
    }
  });
  sock.on('error', () => undefined);
});
server.on('tlsClientError', () => undefined);
server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${(server.address() as { port: number }).port}`));
process.on('SIGTERM', () => { server.close(); void redis.quit().catch(() => undefined).finally(() => process.exit(0)); });
