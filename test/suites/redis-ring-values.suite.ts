// Rings in a user's Redis that open (the application's keys, or insecurePlaintext) but hold what no
// member wrote, found by fuzz/targets/redis-rings.ts (their inputs are in fuzz/corpus/redis-rings/
// as regress-*.bin): each is reported as a ring that does not open and replaced by a new one, never
// installed (a key made at NaN, Infinity, or far ahead of now would hold back rotation), and never a refresh() that throws
// for as long as the value stays (an ECH key a context does not take). Against a real redis-server,
// where the values are put as a user's Redis would hold them.
import { createClient } from 'redis';
import { OpenSSL, RedisEchKeyRing, RedisTicketKeyRing, SealedValueError } from '../../ts/index.ts';
import { ValueSealer } from '../../ts/stores/sealed-value.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { load } from '../lib/tls.ts';
import { suite } from '../lib/suite.ts';
import { startRedis } from '../io/redis.ts';

const NOW = 2_000_000_000;
const keys = [{ id: 'k1', key: new Uint8Array(32).fill(0x11) }];
const b64 = (n: number, v: number) => btoa(String.fromCharCode(...new Uint8Array(n).fill(v)));

type Db = ReturnType<typeof createClient>;

/** A redis-server and a client on it, for `body`; stopped after. */
async function withRedis(body: (db: Db) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  const db = createClient({ url: `redis://127.0.0.1:${redis.port}`, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
  db.on('error', () => undefined);
  try {
    await db.connect();
    await body(db);
  } finally {
    await db.quit().catch(() => undefined);
    await redis.stop();
  }
}

/** Options for a ring under its own prefix (each case its own keys); what refresh() reported. */
function harness(prefix: string) {
  const reported: unknown[] = [];
  return { prefix, reported, options: { prefix, now: () => NOW, onError: (e: unknown) => reported.push(e) } };
}

suite('Redis ring values', test => {
  test('ticket keys: a key made at NaN (sealed bytes) or 1e999 (plaintext JSON) is reported and the ring replaced', async () => {
    // Opened bytes: per key created (float64) | name (16) | aes (32) | hmac (32); NaN's bytes first.
    const bytes = new Uint8Array(88).fill(0x20);
    new DataView(bytes.buffer).setFloat64(0, Number.NaN);
    await withRedis(async db => {
      const sealed = harness('sealed:');
      await db.set('sealed:ticket-keys', await new ValueSealer(keys, 'test').seal(bytes, 'sealed:ticket-keys'));
      const plain = harness('plain:');
      await db.set('plain:ticket-keys', `[{"name":"${b64(16, 1)}","aes":"${b64(32, 2)}","hmac":"${b64(32, 3)}","created":1e999}]`);
      const ossl = await load();
      const ctx = ossl.createContext({ role: 'server' });
      try {
        for (const [h, options] of [[sealed, { keys }], [plain, { insecurePlaintext: true as const }]] as const) {
          const installed = await new RedisTicketKeyRing(db, { ...h.options, ...options }).refresh([ctx]);
          equal(h.reported.length, 1, 'reported once');
          ok(h.reported[0] instanceof SealedValueError, 'as a SealedValueError');
          match((h.reported[0] as Error).message, /made at (NaN|Infinity), not a time/);
          equal(installed.length, 1, 'a new ring of one key');
          equal(installed[0].created, NOW, 'made now, so it rotates when due');
        }
      } finally {
        ctx.free();
      }
    });
  });

  test('ticket keys: a key made more than rotateAfter ahead of now is reported and the ring replaced; one within it is kept', async () => {
    const DAY = 24 * 3600;
    const ring = (created: number) => `[{"name":"${b64(16, 1)}","aes":"${b64(32, 2)}","hmac":"${b64(32, 3)}","created":${created}}]`;
    await withRedis(async db => {
      const ossl = await load();
      const ctx = ossl.createContext({ role: 'server' });
      try {
        // rotateAfter is one day: a year ahead would otherwise hold back rotation for a year.
        const far = harness('far:'), near = harness('near:');
        await db.set('far:ticket-keys', ring(NOW + 365 * DAY));
        await db.set('near:ticket-keys', ring(NOW + DAY / 2));
        const installed = await new RedisTicketKeyRing(db, { ...far.options, insecurePlaintext: true, rotateAfter: DAY }).refresh([ctx]);
        equal(far.reported.length, 1, 'reported once');
        ok(far.reported[0] instanceof SealedValueError, 'as a SealedValueError');
        match((far.reported[0] as Error).message, new RegExp(`holds a ticket key made at ${NOW + 365 * DAY}, more than ${DAY} s after now \\(${NOW}\\).*check that member's clock`));
        equal(installed.length, 1, 'a new ring of one key');
        equal(installed[0].created, NOW, 'made now, so it rotates when due');
        const kept = await new RedisTicketKeyRing(db, { ...near.options, insecurePlaintext: true, rotateAfter: DAY }).refresh([ctx]);
        equal(near.reported.length, 0, 'half a rotation ahead is clock skew, not reported');
        equal(kept.map(k => k.created).join(), String(NOW + DAY / 2), 'and that ring is kept');
      } finally {
        ctx.free();
      }
    });
  });

  test('ticket keys: a ring of more keys than a context takes (17, all new) is reported and replaced, not a refresh() that throws', async () => {
    const key = (i: number) => `{"name":"${b64(16, i)}","aes":"${b64(32, 2)}","hmac":"${b64(32, 3)}","created":${NOW - i}}`;
    await withRedis(async db => {
      const ossl = await load();
      const ctx = ossl.createContext({ role: 'server' });
      try {
        const h = harness('many:');
        await db.set('many:ticket-keys', `[${Array.from({ length: 17 }, (_, i) => key(i + 1)).join()}]`);
        const installed = await new RedisTicketKeyRing(db, { ...h.options, insecurePlaintext: true }).refresh([ctx]);
        equal(h.reported.length, 1, 'reported once');
        match((h.reported[0] as Error).message, /holds 17 ticket keys, more than the 16 a context takes/);
        equal(installed.length, 1, 'a new ring of one key');
        equal(installed[0].created, NOW, 'made now');
      } finally {
        ctx.free();
      }
    });
  });

  test('ECH keys: a PEM a context does not take, an empty one, two keys sharing a config_id, or a key made more than rotateAfter ahead are reported and the ring replaced', async () => {
    const ossl = await OpenSSL.load({ wasm: new URL('../../wasm/4.0/openssl-simd.wasm', import.meta.url), line: '4.0' });
    const first = ossl.generateEchKey({ publicName: 'ring.test' });
    let twin = '';
    for (let i = 0; i < 4096 && !twin; i++) { // about 256 tries: config_id is one random byte
      const k = ossl.generateEchKey({ publicName: 'ring.test' });
      if (ossl.echConfigList([k])[6] === ossl.echConfigList([first])[6]) twin = k;
    }
    ok(twin !== '', 'two keys with one config_id');
    const rings = {
      'garbage PEM': [{ pem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', created: NOW - 10 }],
      'empty PEM': [{ pem: '', created: NOW - 10 }],
      'shared config_id': [{ pem: first, created: NOW - 10 }, { pem: twin, created: NOW - 20 }],
      // rotateAfter is the default day: a key made a year ahead would hold back rotation for a year.
      'a key made a year ahead': [{ pem: first, created: NOW + 365 * 24 * 3600 }],
    };
    await withRedis(async db => {
      const ctx = ossl.createContext({ role: 'server' });
      try {
        for (const [n, [what, ring]] of Object.entries(rings).entries()) {
          const h = harness(`case${n}:`);
          await db.set(`case${n}:ech-keys`, JSON.stringify(ring));
          const list = await new RedisEchKeyRing(db, ossl, { ...h.options, insecurePlaintext: true, publicName: 'ring.test' }).refresh([ctx]);
          equal(h.reported.length, 1, `${what}: reported once`);
          match((h.reported[0] as Error).message, /does not hold an ECH key ring|holds ECH keys a context does not take|holds an ECH key made at \d+, more than 86400 s after now/, what);
          ok(list.length > 0, `${what}: the new key's list`);
          equal(ctx.echKeys.length, 1, `${what}: one new key installed`);
          equal(JSON.parse(String(await db.get(`case${n}:ech-keys`))).length, 1, `${what}: the ring written holds it`);
        }
      } finally {
        ctx.free();
      }
    });
  });
}, { runtimes: ['node', 'deno'] });
