// Secrets at rest in Redis (issue 10): servers in this process share a real redis-server through
// RedisSessionStore and RedisTicketKeyRing, and every value they write is then read back with a
// plain Redis client, as whoever reads a replica, an RDB/AOF file or a backup would. No value is a
// session (native `openssl sess_id` rejects it), no ticket key occurs in one, no Redis key names a
// session id; rotation keeps resuming; tampering is a reported miss. Node and Deno (sockets).
import { createClient } from 'redis';
import { constants as C, RedisSessionStore, RedisTicketKeyRing, useServerSessionStore, type Context, type OpenSSL, type Session, type StoreKey, type TicketKey } from '../../ts/index.ts';
import { equal, match, notEqual, ok } from '../lib/assert.ts';
import { connectOnce } from '../lib/memory-pair.ts';
import { suite } from '../lib/suite.ts';
import { until } from '../lib/wait.ts';
import { clientContext, load, serverContext } from '../lib/tls.ts';
import { openssl } from '../io/peers.ts';
import { startRedis } from '../io/redis.ts';
import { hex } from '../lib/bytes.ts';

type Db = ReturnType<typeof createClient>;
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (t: string) => Uint8Array.from(atob(t), c => c.charCodeAt(0));
const newKey = (id: string): StoreKey => ({ id, key: crypto.getRandomValues(new Uint8Array(32)) });

async function withRedis(body: (db: Db) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  const db = createClient({ url: `redis://127.0.0.1:${redis.port}`, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
  db.on('error', () => undefined);
  await db.connect();
  try {
    await body(db);
  } finally {
    await db.quit().catch(() => undefined);
    await redis.stop();
  }
}

/** Every Redis key and its value, read with the plain client. */
async function everything(db: Db): Promise<[string, string][]> {
  const keys = (await db.keys('*')).sort();
  return Promise.all(keys.map(async k => [k, String(await db.get(k))] as [string, string]));
}

/** Waits (bounded) until `pattern` matches `n` keys; returns them. Stores write after the handshake. */
async function keysSettled(db: Db, pattern: string, n: number): Promise<string[]> {
  let keys: string[] = [];
  await until(async () => (keys = await db.keys(pattern)).length === n, 5000, `${n} keys matching ${pattern}`);
  return keys;
}

/** The bytes after a sealed value's header, or the whole value decoded when it has none (or as text, if not base64). */
function decoded(value: string): Uint8Array {
  try {
    return unb64(value.slice(value.lastIndexOf('.') + 1));
  } catch {
    return new TextEncoder().encode(value);
  }
}

const parsesAsSession = async (bytes: Uint8Array) => (await openssl(['sess_id', '-inform', 'DER', '-noout'], bytes)).code === 0;

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** A stateful server (session ids, TLS 1.3 stateful tickets) on the Redis session store. */
async function sessionServer(ossl: OpenSSL, version: 'TLSv1.2' | 'TLSv1.3', store: RedisSessionStore, errors: string[] = []): Promise<Context> {
  const server = await serverContext(ossl, version, { options: C.SSL_OP_NO_TICKET });
  useServerSessionStore(ossl, server, store, { lookupTimeoutMs: 2000, onError: e => errors.push((e as Error).message) });
  return server;
}

/** A connection that keeps the newest session the client was given; returns reuse on both ends. */
async function connectSaving(client: Context, server: Context, held: { session: Session | null }, offer?: Session): Promise<string> {
  const reused = await connectOnce(client, server, offer, s => { const next = s.ref(); held.session?.free(); held.session = next; });
  return reused.map(Number).join('');
}

function noHandlesLeft(ossl: OpenSSL): void {
  const { handles } = ossl.stats();
  equal(handles.Session + handles.Connection + handles.Context, 0, 'every handle freed');
}

/** Records the session ids the servers store, to look for them in Redis keys. */
class Recording extends RedisSessionStore {
  readonly ids: Uint8Array[] = [];
  override set(id: Uint8Array, der: Uint8Array, ttl: number): Promise<void> {
    this.ids.push(id);
    return super.set(id, der, ttl);
  }
}

suite('secrets at rest in Redis', test => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: sessions resume across servers; Redis holds no session and no session id`, async () => {
      await withRedis(async db => {
        const ossl = await load();
        const keys = [newKey('k1')];
        const store = new Recording(db, { keys });
        const a = await sessionServer(ossl, version, store), b = await sessionServer(ossl, version, new RedisSessionStore(db, { keys }));
        const client = await clientContext(ossl, version);
        const held = { session: null as Session | null };
        equal(await connectSaving(client, a, held), '00');
        await keysSettled(db, 'openssl-wasm:session:*', version === 'TLSv1.3' ? 2 : 1); // TLS 1.3: two tickets
        equal(await connectSaving(client, b, held, held.session!), '11', 'resumed on the other server');
        ok(await parsesAsSession(held.session!.toDER()), 'control: native sess_id parses a session');

        const values = await everything(db);
        ok(values.length >= 1 && store.ids.length >= 1);
        for (const [k, v] of values) {
          match(k, /^openssl-wasm:session:[0-9a-f]{64}$/);
          for (const id of store.ids) ok(!k.includes(hex(id)), `${k} does not name session id ${hex(id)}`);
          match(v, /^osw1\.k1\.[A-Za-z0-9+/]+={0,2}$/, `${k} is sealed`);
          ok(!await parsesAsSession(new TextEncoder().encode(v)), `${k}: the raw value is not a session`);
          ok(!await parsesAsSession(decoded(v)), `${k}: the decoded value is not a session`);
        }

        // Control: what Redis held before, and holds with insecurePlaintext: sessions anyone parses.
        const plain = await sessionServer(ossl, version, new RedisSessionStore(db, { insecurePlaintext: true, prefix: 'plain:' }));
        equal(await connectSaving(client, plain, held), '00');
        const [plainKey] = await keysSettled(db, 'plain:session:*', version === 'TLSv1.3' ? 2 : 1);
        ok(await parsesAsSession(decoded(String(await db.get(plainKey)))), 'the plaintext store holds a session');
        held.session!.free();
        for (const c of [a, b, plain, client]) c.free();
        noHandlesLeft(ossl);
      });
    });
  }

  test('the ticket-key ring is sealed: tickets resume across servers; no ticket key occurs in Redis', async () => {
    await withRedis(async db => {
      const ossl = await load();
      const keys = [newKey('k1')];
      const a = await serverContext(ossl, 'TLSv1.3'), b = await serverContext(ossl, 'TLSv1.3');
      const ring = await new RedisTicketKeyRing(db, { keys }).refresh([a]);
      equal(hex((await new RedisTicketKeyRing(db, { keys }).refresh([b]))[0].name), hex(ring[0].name), 'one ring for both');
      const client = await clientContext(ossl, 'TLSv1.3');
      const held = { session: null as Session | null };
      equal(await connectSaving(client, a, held), '00');
      equal(await connectSaving(client, b, held, held.session!), '11', 'a ticket from one server resumes on the other');
      held.session!.free();
      held.session = null;

      const secrets = (r: TicketKey[]) => r.flatMap(k => [k.name, k.aesKey, k.hmacKey]);
      const values = await everything(db);
      match(values.find(([k]) => k === 'openssl-wasm:ticket-keys')![1], /^osw1\.k1\./);
      for (const [k, v] of values) {
        for (const s of secrets(ring)) {
          ok(!contains(new TextEncoder().encode(v), s) && !contains(decoded(v), s) && !v.includes(b64(s)), `${k} does not hold a ticket key`);
        }
      }
      // Control: the same search finds the keys of a plaintext ring.
      const plain = await new RedisTicketKeyRing(db, { insecurePlaintext: true, prefix: 'plain:' }).refresh([]);
      const plainValue = String(await db.get('plain:ticket-keys'));
      ok(secrets(plain).every(s => plainValue.includes(b64(s))), 'a plaintext ring shows its keys');
      for (const c of [a, b, client]) c.free();
      noHandlesLeft(ossl);
    });
  });

  test('rotation: with a new key first, sessions and tickets from before still resume; new values use the new key', async () => {
    await withRedis(async db => {
      const ossl = await load();
      const k1 = newKey('k1'), k2 = newKey('k2');
      const client12 = await clientContext(ossl, 'TLSv1.2'), client13 = await clientContext(ossl, 'TLSv1.3');
      const old = { session: null as Session | null }, ticket = { session: null as Session | null }, fresh = { session: null as Session | null };
      const contexts: Context[] = [client12, client13];
      const server = async (keys: StoreKey[]) => { const s = await sessionServer(ossl, 'TLSv1.2', new RedisSessionStore(db, { keys })); contexts.push(s); return s; };
      const ticketServer = async (keys: StoreKey[]) => {
        const s = await serverContext(ossl, 'TLSv1.3');
        contexts.push(s);
        return { s, ring: await new RedisTicketKeyRing(db, { keys }).refresh([s]) };
      };

      // Before: k1 only.
      equal(await connectSaving(client12, await server([k1]), old), '00');
      await keysSettled(db, 'openssl-wasm:session:*', 1);
      const before = await ticketServer([k1]);
      equal(await connectSaving(client13, before.s, ticket), '00');
      match(String(await db.get('openssl-wasm:ticket-keys')), /^osw1\.k1\./);

      // k2 put first (every server restarted with [k2, k1]).
      equal(await connectSaving(client12, await server([k2, k1]), old, old.session!), '11', 'a session sealed under k1 resumes');
      const rotated = await server([k2, k1]);
      equal(await connectSaving(client12, rotated, fresh), '00');
      const sessionKeys = await keysSettled(db, 'openssl-wasm:session:*', 2);
      const headers = (await Promise.all(sessionKeys.map(k => db.get(k)))).map(v => String(v).slice(0, 8)).sort();
      equal(headers.join(), 'osw1.k1.,osw1.k2.', 'the new session is sealed under k2');
      await db.del('openssl-wasm:ticket-keys:lock'); // as once its 10 s are over
      const after = await ticketServer([k2, k1]);
      equal(hex(after.ring[0].aesKey), hex(before.ring[0].aesKey), 'the same ticket keys');
      match(String(await db.get('openssl-wasm:ticket-keys')), /^osw1\.k2\./, 'the ring sealed again under k2');
      equal(await connectSaving(client13, after.s, ticket, ticket.session!), '11', 'a ticket issued before the rotation resumes');

      // k1 dropped: what k2 sealed still resumes.
      const only2 = await server([k2]);
      equal(await connectSaving(client12, only2, fresh, fresh.session!), '11');
      equal((await ticketServer([k2])).ring.length, after.ring.length, 'the ring opens under k2 alone');
      for (const h of [old, ticket, fresh]) h.session!.free();
      for (const c of contexts) c.free();
      noHandlesLeft(ossl);
    });
  });

  test('in one process, a lookup or a delete right after a write comes after it, as with an unsealed store', async () => {
    await withRedis(async db => {
      const store = new RedisSessionStore(db, { keys: [newKey('k1')] });
      const id = crypto.getRandomValues(new Uint8Array(32)), der = new Uint8Array([1, 2, 3]);
      void store.set(id, der, 60);
      equal((await store.get(id))?.join(), '1,2,3', 'the lookup saw the write');
      void store.set(id, der, 60);
      void store.delete(id);
      equal(await store.get(id), null, 'the delete was not undone by the write before it');
      equal((await db.keys('*')).length, 0);
    });
  });

  test('a value altered, moved to another Redis key, or not sealed: a miss reported through onError, never a crash', async () => {
    await withRedis(async db => {
      const ossl = await load();
      const keys = [newKey('k1')];
      const errors: string[] = [];
      const server = await sessionServer(ossl, 'TLSv1.2', new RedisSessionStore(db, { keys }), errors);
      const client = await clientContext(ossl, 'TLSv1.2');
      const s1 = { session: null as Session | null }, s2 = { session: null as Session | null }, s3 = { session: null as Session | null };
      const other = { session: null as Session | null }; // sessions of the full handshakes
      equal(await connectSaving(client, server, s1), '00');
      const [n1] = await keysSettled(db, 'openssl-wasm:session:*', 1);
      equal(await connectSaving(client, server, s2), '00');
      const n2 = (await keysSettled(db, 'openssl-wasm:session:*', 2)).find(k => k !== n1)!;
      const v1 = String(await db.get(n1));

      const body = decoded(v1);
      body[body.length - 20] ^= 1;
      await db.set(n1, `osw1.k1.${b64(body)}`);
      equal(await connectSaving(client, server, other, s1.session!), '00', 'altered: a full handshake');
      match(errors.at(-1)!, new RegExp(`^${n1} does not open under key 'k1': it was altered`));

      await db.set(n2, v1);
      equal(await connectSaving(client, server, other, s2.session!), '00', 'moved: a full handshake');
      match(errors.at(-1)!, new RegExp(`^${n2} does not open under key 'k1': .*moved here from another key`));

      await db.set(n1, b64(s1.session!.toDER())); // a session planted in the clear
      equal(await connectSaving(client, server, other, s1.session!), '00', 'not sealed: a full handshake');
      match(errors.at(-1)!, new RegExp(`^${n1} does not hold a sealed value`));
      equal(errors.length, 3, 'each reported once');
      for (const k of [hex(keys[0].key), b64(keys[0].key)]) ok(!errors.join().includes(k), 'no error shows the key');

      // The ring: a sealed ring altered is reported and replaced, and refresh() does not throw.
      const ringErrors: string[] = [];
      const ring = new RedisTicketKeyRing(db, { keys, onError: e => ringErrors.push((e as Error).message) });
      const first = await ring.refresh([]);
      const sealed = decoded(String(await db.get('openssl-wasm:ticket-keys')));
      sealed[40] ^= 1;
      await db.set('openssl-wasm:ticket-keys', `osw1.k1.${b64(sealed)}`);
      await db.del('openssl-wasm:ticket-keys:lock');
      const second = await ring.refresh([]);
      match(ringErrors.join(), /^openssl-wasm:ticket-keys does not open under key 'k1'/);
      notEqual(hex(second[0].name), hex(first[0].name), 'a new ring');
      match(String(await db.get('openssl-wasm:ticket-keys')), /^osw1\.k1\./, 'sealed');

      // The server is unharmed: a new session, and a resumption of it.
      const stored = (await db.keys('openssl-wasm:session:*')).length;
      equal(await connectSaving(client, server, s3), '00');
      await keysSettled(db, 'openssl-wasm:session:*', stored + 1);
      equal(await connectSaving(client, server, s3, s3.session!), '11');
      for (const h of [s1, s2, s3, other]) h.session!.free();
      server.free(); client.free();
      noHandlesLeft(ossl);
    });
  });
}, { runtimes: ['node', 'deno'] });
