// One process of the fleet benchmark (bench/fleet.ts starts one, two or three at once): a client
// and a server in this process, the server's sessions in the shared Redis, resuming TLS 1.2
// sessions by id for `seconds`. Prints one JSON line: how many resumed handshakes it completed.
// Sessions are sealed under the fleet's key, from the environment (base64, 32 bytes).
//   FLEET_STORE_KEY=base64 fleet-worker REDIS_PORT SECONDS
import { createClient } from 'redis';
import { constants as C, OpenSSL, RedisSessionStore, useServerSessionStore } from '../ts/index.ts';
import ca from '../test/fixtures/ca.pem';
import cert from '../test/fixtures/server.pem';
import key from '../test/fixtures/server.key';
import { resumedOverStreams } from './fleet-core.ts';

const [port, seconds] = process.argv.slice(2).map(Number);
const redis = createClient({ url: `redis://127.0.0.1:${port}`, disableOfflineQueue: true });
await redis.connect();
const ossl = await OpenSSL.load({ wasm: new URL('../wasm/openssl.wasm', import.meta.url) });
const server = ossl.createContext({ role: 'server', certificate: cert, privateKey: key, maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET });
useServerSessionStore(ossl, server, new RedisSessionStore(redis, { keys: [{ id: 'bench', key: new Uint8Array(Buffer.from(process.env.FLEET_STORE_KEY ?? '', 'base64')) }] }), { lookupTimeoutMs: 2000 });
const client = ossl.createContext({ role: 'client', ca, maxVersion: 'TLSv1.2' });
const count = await resumedOverStreams(client, server, seconds * 1000);
console.log(JSON.stringify({ count, seconds }));
await redis.quit();
