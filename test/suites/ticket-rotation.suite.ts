// Two-phase ticket-key rotation in a fleet (issue 16): two servers share a RedisTicketKeyRing on a
// real redis-server, on the ring's test clock. A new key is published decrypt-only and encrypts
// only a refresh interval later, so tickets resume on every server across the switch, including
// on a server that still has the new key as decrypt-only. Node and Deno (sockets).
import { createClient } from 'redis';
import { RedisTicketKeyRing, type Context, type Session, type TicketKey } from '../../ts/index.ts';
import { equal, ok } from '../lib/assert.ts';
import { connectOnce } from '../lib/memory-pair.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, load, serverContext } from '../lib/tls.ts';
import { startRedis } from '../io/redis.ts';

const hex = (b: Uint8Array) => Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
const names = (ring: TicketKey[]) => ring.map(k => hex(k.name));

suite('ticket-key rotation in two phases', test => {
  test('a new key decrypts on every server before it encrypts on any; tickets resume across the switch', async () => {
    const redis = await startRedis();
    const db = createClient({ url: `redis://127.0.0.1:${redis.port}`, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
    db.on('error', () => undefined);
    await db.connect();
    const ossl = await load();
    const kept: Session[] = [];
    const contexts: Context[] = [];
    try {
      let clock = 1_000_000;
      const options = { keys: [{ id: 'k1', key: crypto.getRandomValues(new Uint8Array(32)) }], rotateAfter: 3600, refreshInterval: 60, keepPrevious: 1, now: () => clock };
      const ringA = new RedisTicketKeyRing(db, options), ringB = new RedisTicketKeyRing(db, options);
      const a = await serverContext(ossl, 'TLSv1.3'), b = await serverContext(ossl, 'TLSv1.3');
      const client = await clientContext(ossl, 'TLSv1.3');
      contexts.push(a, b, client);
      /** A full handshake on `server`: the client's last ticket, and the name of the key it is under. */
      const issue = async (server: Context) => {
        let session: Session | null = null;
        equal((await connectOnce(client, server, undefined, s => { session?.free(); session = s.ref(); })).join(), 'false,false', 'a full handshake');
        ok(session !== null, 'a ticket arrived');
        kept.push(session);
        return { session: session as Session, key: hex((session as Session).ticket!.subarray(0, 16)) };
      };
      const resumes = async (server: Context, ticket: { session: Session }) => (await connectOnce(client, server, ticket.session)).join() === 'true,true';
      // The writer's lock lives 10 s of real time in Redis; the fake clock jumps hours.
      const lockOver = () => db.del('openssl-wasm:ticket-keys:lock');

      // A fleet's first key encrypts at once, on both servers.
      const first = await ringA.refresh([a]);
      equal(first.length, 1, 'one key');
      const k1 = names(first)[0];
      equal(names(await ringB.refresh([b])).join(), k1, 'B has the same ring');
      const t1 = await issue(a);
      equal(t1.key, k1, 'A seals under K1');

      // K1 is due: A publishes K2, decrypt-only. (A client uses each ticket once, as RFC 8446
      // C.4 asks and OpenSSL's client does: each check below resumes with a ticket of its own.)
      clock += 3600;
      await lockOver();
      const published = await ringA.refresh([a]);
      equal(published.length, 2, 'two keys');
      equal(names(published)[0], k1, 'K1 still encrypts on A');
      const k2 = names(published)[1];
      ok(k2 !== k1, 'K2 is new');
      const beforeSwitch = [await issue(a), await issue(a), await issue(a), await issue(a)];
      for (const t of beforeSwitch) equal(t.key, k1, 'A still seals under K1, which B has');
      ok(await resumes(b, beforeSwitch[0]), 'so its ticket resumes on B, which has not refreshed since');

      // B refreshes within the interval: it has K2, decrypt-only.
      clock += 30;
      equal(names(await ringB.refresh([b])).join(), [k1, k2].join(), 'B: K1 encrypts, K2 decrypts');
      equal((await issue(b)).key, k1, 'B seals under K1');

      // A refresh interval after K2 was published, A switches to it.
      clock += 30;
      equal(names(await ringA.refresh([a])).join(), [k2, k1].join(), 'A: K2 encrypts, K1 decrypts');
      const t3 = await issue(a);
      equal(t3.key, k2, 'A seals under K2');
      ok(await resumes(b, t3), 'a ticket under K2 resumes on B, where K2 is still decrypt-only');
      ok(await resumes(b, beforeSwitch[1]), 'a ticket A issued before its switch resumes on B');
      ok(await resumes(a, beforeSwitch[2]), 'and on A after its switch');

      // B switches at its next refresh; what A issued before and after resumes there.
      clock += 30;
      equal(names(await ringB.refresh([b])).join(), [k2, k1].join(), 'B: K2 encrypts');
      equal((await issue(b)).key, k2, 'B seals under K2');
      ok(await resumes(b, t1), 'a ticket from A before the rotation resumes on switched B');
      ok(await resumes(b, await issue(a)), 'a ticket from A after the switch resumes on switched B');

      // The next rotation: K3 published; after its switch K1 is past keepPrevious (1) and stops decrypting.
      const underK2 = await issue(a);
      clock += 3600;
      await lockOver();
      const third = names(await ringA.refresh([a]));
      equal(third.length, 3, 'K2 encrypts, K3 is published, K1 is the one previous key');
      equal([third[0], third[2]].join(), [k2, k1].join(), 'K2 first, K1 kept');
      clock += 60;
      const after = names(await ringA.refresh([a]));
      equal(after.join(), [third[1], k2].join(), 'K3 encrypts, K2 decrypts, K1 is gone');
      ok(!(await resumes(a, beforeSwitch[3])), 'a ticket under K1 no longer resumes: a full handshake');
      ok(await resumes(a, underK2), 'one under K2 still does');
    } finally {
      for (const s of kept) s.free();
      for (const c of contexts) c.free();
      await db.quit().catch(() => undefined);
      await redis.stop();
    }
  });
}, { runtimes: ['node', 'deno'] });
