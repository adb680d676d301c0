// ECH keys shared by a fleet through Redis (RedisEchKeyRing, OpenSSL 4.0 line), sealed like the
// ticket keys: two servers get one key, a client with its published list does ECH with either,
// rotation keeps the old key loaded (not for retry) so that a client with the old list still gets
// through, and no private key occurs in Redis. Node and Deno (a real redis-server).
import { createClient } from 'redis';
import { OpenSSL, RedisEchKeyRing, type StoreKey } from '../../ts/index.ts';
import { deepEqual, equal, notEqual, ok, rejects, throws } from '../lib/assert.ts';
import { fixture, wasmURL } from '../lib/fixtures.ts';
import { testLine } from '../lib/line.ts';
import { echStatusWith } from '../lib/ech.ts';
import { suite } from '../lib/suite.ts';
import { startRedis } from '../io/redis.ts';

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const newKey = (id: string): StoreKey => ({ id, key: crypto.getRandomValues(new Uint8Array(32)) });

suite('ech keys in Redis (RedisEchKeyRing)', test => {
  if (testLine === '3.5') {
    test('on the 3.5 line: refresh() says ECH needs the 4.0 line, and writes nothing', async () => {
      const redis = await startRedis();
      const db = createClient({ url: `redis://127.0.0.1:${redis.port}`, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
      db.on('error', () => undefined);
      await db.connect();
      try {
        const ossl = await OpenSSL.load({ wasm: wasmURL });
        await rejects(() => new RedisEchKeyRing(db, ossl, { keys: [newKey('k1')], publicName: 'server.test' }).refresh([]), /OpenSSL 4\.0 line/);
        equal(await db.get('openssl-wasm:ech-keys'), null);
      } finally {
        await db.quit().catch(() => undefined);
        await redis.stop();
      }
    });
    return;
  }

  test('one sealed ring for the fleet: both servers do ECH with the published list; rotation keeps the old key for clients that hold it', async () => {
    const redis = await startRedis();
    const db = createClient({ url: `redis://127.0.0.1:${redis.port}`, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
    db.on('error', () => undefined);
    await db.connect();
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const [certificate, privateKey, ca] = await Promise.all([fixture('server.pem'), fixture('server.key'), fixture('ca.pem')]);
    const a = ossl.createContext({ role: 'server', certificate, privateKey });
    const b = ossl.createContext({ role: 'server', certificate, privateKey });
    const client = ossl.createContext({ role: 'client', ca });
    try {
      throws(() => new RedisEchKeyRing(db, ossl, { publicName: 'server.test' } as never), /options\.keys is missing/);
      let now = 1_000_000;
      const keys = [newKey('k1')];
      const options = { keys, publicName: 'server.test', rotateAfter: 3600, now: () => now };
      const listA = await new RedisEchKeyRing(db, ossl, options).refresh([a]);
      const listB = await new RedisEchKeyRing(db, ossl, options).refresh([b]);
      deepEqual(listB, listA, 'one key for both servers');
      equal(echStatusWith(client, a, listA), 'success');
      equal(echStatusWith(client, b, listA), 'success', 'a client of the published list gets ECH with either server');

      // Sealed: no private key, no PEM, in Redis.
      const stored = String(await db.get('openssl-wasm:ech-keys'));
      ok(stored.startsWith('osw1.k1.'), 'sealed under the application key');
      ok(!stored.includes('PRIVATE KEY') && !atob(stored.split('.').pop()!.replace(/-/g, '+').replace(/_/g, '/')).includes('PRIVATE'), 'no PEM in Redis');

      // Rotation: past rotateAfter, the next refresh makes a new key; the old one stays, not for retry.
      now += 3600;
      await db.del('openssl-wasm:ech-keys:lock'); // the writer's lock lasts 10 real seconds: as if they had passed
      const next = await new RedisEchKeyRing(db, ossl, options).refresh([a, b]);
      notEqual(b64(next), b64(listA), 'a new key to publish');
      deepEqual(a.echKeys.map(k => k.forRetry), [true, false], 'the new key for retry, the old one kept');
      equal(echStatusWith(client, b, next), 'success', 'the new list');
      equal(echStatusWith(client, b, listA), 'success', 'a client still holding the old list');
    } finally {
      for (const c of [a, b, client]) c.free();
      await db.quit().catch(() => undefined);
      await redis.stop();
    }
  });
}, { runtimes: ['node', 'deno'] });
