// The sealed rings in Redis (RedisTicketKeyRing; RedisEchKeyRing on the 4.0 line) on the edges of a
// user's Redis, with a real redis-server: a lock left by a member that stopped (kept out until it
// expires, then the ring rotates), the ring deleted, garbage, or sealed under another secret
// (reported saying what to do, replaced by a sealed ring), Redis going away mid-rotation and coming
// back (refresh() rejects saying so, the member keeps serving with its keys), and two members
// rotating at the same instant (one rotation, both end with it). Written once for both rings.
// An unhandled rejection fails the test in both runners (vitest and Deno.test). Node and Deno.
import { createClient } from 'redis';
import { RedisEchKeyRing, RedisTicketKeyRing, type Context, type OpenSSL, type RedisLike, type Session, type StoreKey } from '../../ts/index.ts';
import { equal, match, notEqual, ok, rejects } from '../lib/assert.ts';
import { hex } from '../lib/bytes.ts';
import { connectOnce } from '../lib/memory-pair.ts';
import { testLine } from '../lib/line.ts';
import { echStatusWith } from '../lib/ech.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, load, pki, serverContext } from '../lib/tls.ts';
import { until, within } from '../lib/wait.ts';
import { startRedis, type RedisServer } from '../io/redis.ts';

type Db = ReturnType<typeof createClient>;
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const newKey = (id: string): StoreKey => ({ id, key: crypto.getRandomValues(new Uint8Array(32)) });
const ROTATE_AFTER = 3600;

interface RingOptions { keys: StoreKey[]; now: () => number; prefix?: string; onError?: (e: unknown) => void }

/** What a test needs of one kind of ring. */
interface Kind {
  name: string;
  /** Its Redis key under the default prefix. */
  key: string;
  /** What is said of a plaintext ring that is not one. */
  notARing: RegExp;
  open(db: RedisLike, ossl: OpenSSL, options: RingOptions): { refresh(contexts: Context[]): Promise<Installed> };
  server(ossl: OpenSSL): Promise<Context>;
  /** Something `server` does with the keys it has now (issues a ticket, is reached by ECH), and a check that it still can. */
  serving(ossl: OpenSSL, server: Context, installed: Installed): Promise<{ still(): Promise<boolean>; free(): void }>;
}

/** A refresh's result: what tells rings apart, and the secrets that must never be in Redis as they are. */
interface Installed { id: string; list?: Uint8Array; secrets: string[] }

const ticketKind: Kind = {
  name: 'ticket-key ring',
  key: 'openssl-wasm:ticket-keys',
  notARing: /does not hold a ticket-key ring/,
  open(db, _ossl, options) {
    const ring = new RedisTicketKeyRing(db, { ...options, rotateAfter: ROTATE_AFTER, refreshInterval: 60 });
    return {
      async refresh(contexts) {
        const keys = await ring.refresh(contexts);
        return { id: keys.map(k => hex(k.name)).join(), secrets: keys.flatMap(k => [k.aesKey, k.hmacKey].flatMap(s => [hex(s), b64(s)])) };
      },
    };
  },
  server: ossl => serverContext(ossl, 'TLSv1.3'),
  async serving(ossl, server) {
    // Tickets to resume with later, one per check (a client uses each once, RFC 8446 C.4).
    const client = await clientContext(ossl, 'TLSv1.3');
    const tickets: Session[] = [];
    for (let i = 0; i < 3; i++) {
      let session: Session | null = null;
      await connectOnce(client, server, undefined, s => { session?.free(); session = s.ref(); });
      ok(session !== null, 'a ticket arrived');
      tickets.push(session);
    }
    let used = 0;
    return {
      still: async () => (await connectOnce(client, server, tickets[used++])).join() === 'true,true',
      free: () => { for (const t of tickets) t.free(); client.free(); },
    };
  },
};

const echKind: Kind = {
  name: 'ECH key ring',
  key: 'openssl-wasm:ech-keys',
  notARing: /does not hold an ECH key ring/,
  open(db, ossl, options) {
    const ring = new RedisEchKeyRing(db, ossl, { ...options, publicName: 'server.test', rotateAfter: ROTATE_AFTER });
    return {
      async refresh(contexts) {
        const list = await ring.refresh(contexts);
        return { id: b64(list), list, secrets: ['PRIVATE KEY'] };
      },
    };
  },
  async server(ossl) {
    const { cert, key } = await pki();
    return ossl.createContext({ role: 'server', certificate: cert, privateKey: key });
  },
  async serving(ossl, server, installed) {
    const client = await clientContext(ossl, 'TLSv1.3');
    const echWith = () => echStatusWith(client, server, installed.list!);
    equal(echWith(), 'success', 'ECH with the published list');
    return { still: async () => echWith() === 'success', free: () => client.free() };
  },
};

const kinds = testLine === '4.0' ? [ticketKind, echKind] : [ticketKind];

async function connected(port: number, reconnect = false): Promise<Db> {
  // As the README has it: no offline queue, so a command while Redis is away fails at once.
  const db = createClient({ url: `redis://127.0.0.1:${port}`, disableOfflineQueue: true, socket: { reconnectStrategy: reconnect ? () => 50 : false } });
  db.on('error', () => undefined);
  await db.connect();
  return db;
}

/** A redis-server, a plain client on it, an instance and a server context; all stopped or freed after. */
async function withRedis(body: (w: { redis: RedisServer; db: Db; ossl: OpenSSL; contexts: Context[] }) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  const db = await connected(redis.port);
  const ossl = await load();
  const contexts: Context[] = [];
  try {
    await body({ redis, db, ossl, contexts });
  } finally {
    for (const c of contexts) c.free();
    await db.quit().catch(() => undefined);
    await redis.stop();
  }
}

/** The value at `key` is sealed under `id` and holds none of `secrets` as they are, nor in its decoded bytes. */
async function sealedWithout(db: Db, key: string, id: string, secrets: string[]): Promise<void> {
  const value = String(await db.get(key));
  match(value, new RegExp(`^osw1\\.${id}\\.[A-Za-z0-9+/]+={0,2}$`), `${key} is sealed`);
  const decoded = atob(value.slice(value.lastIndexOf('.') + 1));
  for (const s of secrets) ok(!value.includes(s) && !decoded.includes(s), `${key} does not hold a secret in the clear`);
}

suite('sealed rings on the edges of Redis', test => {
  for (const kind of kinds) {
    test(`${kind.name}: a lock left by a member that stopped keeps the ring as it is (or, with none, says so) until it expires; then it rotates`, async () => {
      await withRedis(async ({ db, ossl, contexts }) => {
        let now = 1_000_000;
        const keys = [newKey('k1')];
        const server = await kind.server(ossl);
        contexts.push(server);
        const member = kind.open(db, ossl, { keys, now: () => now });
        const empty = kind.open(db, ossl, { keys, now: () => now, prefix: 'empty:' });
        const first = await member.refresh([server]);
        equal(await db.get(`${kind.key}:lock`), null, 'the lock is given back after a write');
        const stored = await db.get(kind.key);

        // A member took both locks, as a member does (10 s), and stopped.
        now += ROTATE_AFTER;
        const lock = `${kind.key}:lock`, emptyLock = `empty:${kind.key.slice('openssl-wasm:'.length)}:lock`;
        await db.set(lock, 'stopped', { EX: 10 });
        await db.set(emptyLock, 'stopped', { EX: 10 });
        const [kept, none] = await Promise.allSettled([member.refresh([server]), empty.refresh([])]);
        equal(await db.get(lock), 'stopped', 'the lock was held throughout'); // each refresh waits about 2 s for its holder
        ok(kept.status === 'fulfilled', `a member with a ring keeps it: ${kept.status === 'rejected' ? kept.reason : ''}`);
        equal(kept.value.id, first.id, 'the keys it had, not rotated');
        equal(await db.get(kind.key), stored, 'nothing written');
        ok(none.status === 'rejected', 'a member with no ring at all cannot go on');
        match((none.reason as Error).message, new RegExp(`${emptyLock} is held by another member that has not written .*the lock expires within 10 s: call refresh\\(\\) again`));
        equal(await db.get(emptyLock.slice(0, -':lock'.length)), null, 'nothing written');

        // The rest of their 10 s pass: Redis expires them.
        for (const l of [lock, emptyLock]) await db.pExpire(l, 200);
        await until(async () => await db.get(lock) === null && await db.get(emptyLock) === null, 10_000, 'the locks to expire');
        const rotated = await member.refresh([server]);
        notEqual(rotated.id, first.id, 'rotated once the lock expired');
        const started = await empty.refresh([]);
        await sealedWithout(db, kind.key, 'k1', rotated.secrets);
        await sealedWithout(db, emptyLock.slice(0, -':lock'.length), 'k1', started.secrets);
        const serving = await kind.serving(ossl, server, rotated);
        ok(await serving.still(), 'the server works with the new ring');
        serving.free();
      });
    });

    test(`${kind.name}: deleted, garbage, or sealed under another secret: reported saying what to do, replaced by a sealed ring, never a crash`, async () => {
      await withRedis(async ({ db, ossl, contexts }) => {
        const keys = [newKey('k1')];
        const errors: string[] = [];
        const server = await kind.server(ossl);
        contexts.push(server);
        const member = kind.open(db, ossl, { keys, now: () => 1_000_000, onError: e => errors.push((e as Error).message) });
        let last = await member.refresh([server]);
        /** A refresh after `damage`: a ring other than the last, sealed, holding no secret in the clear; the server works with it. */
        const replaced = async (damage: () => Promise<unknown>, reported: RegExp | null) => {
          const before = errors.length;
          await damage();
          const next = await member.refresh([server]);
          notEqual(next.id, last.id, 'a new ring');
          if (reported) {
            equal(errors.length, before + 1, 'reported once');
            match(errors.at(-1)!, reported);
            match(errors.at(-1)!, /replaces it with a new ring .*if another member wrote it, give every member the same options\.keys/, 'says what happens and what to do');
          } else {
            equal(errors.length, before, 'nothing to report');
          }
          await sealedWithout(db, kind.key, 'k1', next.secrets);
          const serving = await kind.serving(ossl, server, next);
          ok(await serving.still(), 'the server works with the new ring');
          serving.free();
          last = next;
        };

        await replaced(() => db.del(kind.key), null);
        await replaced(() => db.set(kind.key, 'garbage'), new RegExp(`^${kind.key} does not hold a sealed value`));
        await replaced(() => db.set(kind.key, 'osw1.k1.AAAA'), /too short to be one/);
        // Another member's ring, under a key with the same id but other bytes, and under an id not given here.
        const other = kind.open(db, ossl, { keys: [newKey('k1')], now: () => 1_000_000, onError: () => undefined });
        await replaced(() => other.refresh([]), new RegExp(`^${kind.key} does not open under key 'k1'`));
        const stranger = kind.open(db, ossl, { keys: [newKey('k9')], now: () => 1_000_000, onError: () => undefined });
        await replaced(() => stranger.refresh([]), new RegExp(`^${kind.key} is sealed under key id 'k9', which is not among the keys given \\(k1\\): add it`));
        for (const k of [hex(keys[0].key), b64(keys[0].key)]) ok(!errors.join().includes(k), 'no report shows the key');

        // A plaintext ring that is not one: reported and replaced too, not thrown.
        const plainErrors: unknown[] = [];
        const plain = kind === ticketKind
          ? new RedisTicketKeyRing(db, { insecurePlaintext: true, prefix: 'plain:', onError: e => plainErrors.push(e) })
          : new RedisEchKeyRing(db, ossl, { insecurePlaintext: true, prefix: 'plain:', publicName: 'server.test', onError: e => plainErrors.push(e) });
        const plainKey = `plain:${kind.key.slice('openssl-wasm:'.length)}`;
        await db.set(plainKey, '[{"not":"a ring"}]');
        await plain.refresh([]);
        equal(plainErrors.length, 1, 'reported once');
        match((plainErrors[0] as Error).message, kind.notARing);
        notEqual(await db.get(plainKey), '[{"not":"a ring"}]', 'replaced');
      });
    });

    test(`${kind.name}: Redis going away mid-rotation: refresh() rejects saying what to do, the member keeps serving; once Redis is back, it rotates`, async () => {
      let redis = await startRedis();
      const db = await connected(redis.port, true);
      const ossl = await load();
      const server = await kind.server(ossl);
      let serving: Awaited<ReturnType<Kind['serving']>> | undefined;
      try {
        let now = 1_000_000;
        let stopAfterLock = false;
        // The member's client: Redis stops right after the member took the lock to rotate.
        const client: RedisLike = {
          get: key => db.get(key),
          del: key => db.del(key),
          async set(key, value, options) {
            const result = await db.set(key, value, options);
            if (options.NX && stopAfterLock) {
              stopAfterLock = false;
              await redis.stop();
            }
            return result;
          },
        };
        const member = kind.open(client, ossl, { keys: [newKey('k1')], now: () => now });
        const first = await member.refresh([server]);
        serving = await kind.serving(ossl, server, first);

        now += ROTATE_AFTER;
        stopAfterLock = true;
        const away = /Redis did not answer .*the keys installed before stay in use: call refresh\(\) again once Redis is back/;
        await rejects(within(member.refresh([server]), 10_000, 'refresh() with Redis gone mid-rotation'), away);
        ok(!stopAfterLock, 'Redis stopped after the lock was taken');
        ok(await serving.still(), 'the member keeps serving with the keys it has');
        await rejects(within(member.refresh([server]), 10_000, 'refresh() with Redis away'), away, 'again, at once, while Redis is away');
        ok(await serving.still(), 'and still serves');

        redis = await startRedis(redis.port); // back, empty (no persistence), where the client reconnects
        await until(() => db.isReady, 10_000, 'the client to reconnect');
        const back = await member.refresh([server]);
        notEqual(back.id, first.id, 'a new ring in the Redis that came back');
        await sealedWithout(db, kind.key, 'k1', back.secrets);
        equal(await db.get(`${kind.key}:lock`), null, 'no lock left');
        serving.free();
        serving = await kind.serving(ossl, server, back);
        ok(await serving.still(), 'the server works with it');
      } finally {
        serving?.free();
        server.free();
        db.destroy(); // not quit(): that waits for a Redis that may still be away
        await redis.stop();
      }
    });

    test(`${kind.name}: two members rotating at the same instant make one rotation and both end with it`, async () => {
      await withRedis(async ({ redis, ossl, contexts }) => {
        let now = 1_000_000;
        const keys = [newKey('k1')];
        const writes: string[] = [];
        let waiting: (() => void)[] = [];
        /** A member on a connection of its own; its first read of the ring waits for the other member's. */
        const member = async (name: string) => {
          const db = await connected(redis.port);
          let gate = true;
          const client: RedisLike = {
            async get(key) {
              const value = await db.get(key);
              if (key === kind.key && gate) {
                gate = false;
                await new Promise<void>(resolve => {
                  waiting.push(resolve);
                  if (waiting.length === 2) { for (const w of waiting) w(); waiting = []; }
                });
              }
              return value;
            },
            del: key => db.del(key),
            set(key, value, options) {
              if (key === kind.key) writes.push(name);
              return db.set(key, value, options);
            },
          };
          const server = await kind.server(ossl);
          contexts.push(server);
          const ring = kind.open(client, ossl, { keys, now: () => now });
          return { db, server, refresh: () => ring.refresh([server]), again: () => { gate = true; } };
        };
        const a = await member('a'), b = await member('b');
        try {
          const [fromA, fromB] = await Promise.all([a.refresh(), b.refresh()]);
          equal(writes.length, 1, `one ring written (${writes})`);
          equal(fromA.id, fromB.id, 'both have it');

          now += ROTATE_AFTER;
          a.again();
          b.again();
          const [nextA, nextB] = await Promise.all([a.refresh(), b.refresh()]);
          equal(writes.length, 2, `one rotation (${writes})`);
          notEqual(nextA.id, fromA.id, 'rotated');
          equal(nextA.id, nextB.id, 'both have the rotated ring');
          equal(await a.db.get(`${kind.key}:lock`), null, 'no lock left');
          for (const [m, installed] of [[a, nextA], [b, nextB]] as const) {
            const serving = await kind.serving(ossl, m.server, installed);
            ok(await serving.still());
            serving.free();
          }
        } finally {
          await a.db.quit().catch(() => undefined);
          await b.db.quit().catch(() => undefined);
        }
      });
    });
    }

  test('the lock is given back in one step where the client has EVAL (node-redis does), and only while it holds the member\'s token; a client without eval, or whose eval fails, gives it back with a get and a del', async () => {
    await withRedis(async ({ db, ossl, contexts }) => {
      const server = await ticketKind.server(ossl);
      contexts.push(server);
      const keys = [newKey('k1')];
      const calls: string[] = [];
      /** db as a RedisLike that records its commands, with `eval` as given (absent: none), and `afterWrite` run once the ring is written. */
      const client = (evalFn: RedisLike['eval'] | undefined, afterWrite?: () => Promise<unknown>): RedisLike => ({
        get: k => { calls.push(`get ${k}`); return db.get(k); },
        set: async (k, v, o) => {
          calls.push(`set ${k}`);
          const r = await db.set(k, v, o);
          if (!k.endsWith(':lock')) await afterWrite?.();
          return r;
        },
        del: k => { calls.push(`del ${k}`); return db.del(k); },
        ...(evalFn ? { eval: evalFn } : {}),
      });
      const evalOf = (script: string, o: { keys: string[]; arguments: string[] }) => { calls.push(`eval ${o.keys.join()}`); return db.eval(script, o); };
      const rotate = (c: RedisLike, prefix: string) => ticketKind.open(c, ossl, { keys, now: () => 1_000_000, prefix }).refresh([server]);

      await rotate(client(evalOf), 'one-step:');
      equal(await db.get('one-step:ticket-keys:lock'), null, 'EVAL: the lock is given back');
      ok(calls.includes('eval one-step:ticket-keys:lock') && !calls.some(c => c.startsWith('del')), `one EVAL, no del: ${calls.join('; ')}`);

      // The lock expired while this member wrote and another member took it: it stays that member's.
      calls.length = 0;
      await rotate(client(evalOf, () => db.set('taken:ticket-keys:lock', 'another member', { EX: 10 })), 'taken:');
      equal(await db.get('taken:ticket-keys:lock'), 'another member', "EVAL leaves another member's lock");
      ok(calls.includes('eval taken:ticket-keys:lock'), 'asked by EVAL');

      calls.length = 0;
      await rotate(client(undefined), 'two-step:');
      equal(await db.get('two-step:ticket-keys:lock'), null, 'without eval: the lock is given back');
      ok(calls.includes('get two-step:ticket-keys:lock') && calls.includes('del two-step:ticket-keys:lock'), `a get and a del: ${calls.join('; ')}`);

      calls.length = 0;
      await rotate(client(() => Promise.reject(new Error('ERR unknown command \'EVAL\''))), 'no-scripts:');
      equal(await db.get('no-scripts:ticket-keys:lock'), null, 'an eval that fails: the lock is given back all the same');
      ok(calls.includes('del no-scripts:ticket-keys:lock'), 'by a get and a del');
    });
  });
}, { runtimes: ['node', 'deno'] });
