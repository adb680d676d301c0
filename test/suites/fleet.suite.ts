// A resuming fleet: three server processes sharing sessions (or ticket keys) through a real Redis,
// one client connecting round-robin. Every connection after the first resumes, checked on both
// ends; Redis going away, garbage in Redis and a session removed on one server are survived. The
// servers share one key from their environment, so Redis holds only sealed values (what those hold
// is tested in redis-secrets.suite.ts).
import { readFileSync } from 'node:fs';
import { createClient } from 'redis';
import { connect, OpenSSL, type Context } from '../../ts/node.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { until } from '../lib/wait.ts';
import { fixturePath } from '../io/peers.ts';
import { startFleetProcess, type FleetProcess } from '../io/fleet-process.ts';
import { startRedis } from '../io/redis.ts';

type Mode = 'tls12' | 'tls13' | 'tickets';

function startServer(redisPort: number, mode: Mode, key: string): Promise<FleetProcess> {
  return startFleetProcess('fleet-server', ['--redis', String(redisPort), '--mode', mode], key, 'a fleet server');
}

/** One connection: resume `session` if given, send a line, read "reused=N"; returns both ends' view. */
function request(ossl: OpenSSL, context: Context, port: number, session: Uint8Array | null, line = 'Q'):
  Promise<{ client: boolean; server: boolean | null; session: Uint8Array | null }> {
  return new Promise((resolve, reject) => {
    let newest: Uint8Array | null = null;
    const sock = connect({ host: '127.0.0.1', servername: 'localhost', port, openssl: ossl, context, session: session ?? undefined, handshakeTimeout: 10_000 });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no answer from :${port} in 10 s`)); }, 10_000);
    const done = (server: boolean | null) => {
      clearTimeout(timer);
      const client = sock.isSessionReused();
      sock.end();
      sock.once('close', () => resolve({ client, server, session: newest }));
    };
    sock.on('session', (der: Uint8Array) => { newest = der; });
    sock.on('error', e => { clearTimeout(timer); if (line === 'DROP') resolve({ client: sock.isSessionReused(), server: null, session: newest }); else reject(e); });
    sock.on('secureConnect', () => sock.write(`${line}\n`));
    sock.on('data', d => { const m = String(d).match(/reused=(\d)/); if (m) done(m[1] === '1'); });
    if (line === 'DROP') sock.on('close', () => { clearTimeout(timer); resolve({ client: sock.isSessionReused(), server: null, session: newest }); });
  });
}

async function withFleet(mode: Mode, body: (f: {
  ossl: OpenSSL; context: Context; ports: number[]; servers: FleetProcess[];
  redis: Awaited<ReturnType<typeof startRedis>>; db: ReturnType<typeof createClient>;
}) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  const servers: FleetProcess[] = [];
  const db = createClient({ url: `redis://127.0.0.1:${redis.port}`, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
  db.on('error', () => undefined);
  await db.connect();
  const ossl = await OpenSSL.load({ wasm: wasmURL });
  const context = ossl.createContext({ role: 'client', ca: readFileSync(fixturePath('ca.pem'), 'utf8'),
    maxVersion: mode === 'tls12' ? 'TLSv1.2' : 'TLSv1.3' });
  try {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    for (let i = 0; i < 3; i++) servers.push(await startServer(redis.port, mode, key));
    await body({ ossl, context, ports: servers.map(s => s.port), servers, redis, db });
  } finally {
    context.free();
    await db.quit().catch(() => undefined);
    await Promise.all(servers.map(s => s.stop()));
    await redis.stop();
  }
}

/** Nine connections round-robin over the fleet, each resuming the newest session. */
async function roundRobin(ossl: OpenSSL, context: Context, ports: number[], n = 9) {
  const seen: { client: boolean; server: boolean | null }[] = [];
  let session: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const r = await request(ossl, context, ports[i % ports.length], session);
    seen.push({ client: r.client, server: r.server });
    session = r.session ?? session; // TLS 1.3: every connection brings a fresh ticket to use next
  }
  return { seen, session };
}

suite('a resuming fleet on Redis', test => {
  for (const [mode, what] of [['tls12', 'TLS 1.2 session ids'], ['tls13', 'TLS 1.3 stateful tickets'], ['tickets', 'TLS 1.3 tickets with a shared key ring']] as const) {
    test(`${what}: three servers round-robin, every connection after the first resumes on both ends`, async () => {
      await withFleet(mode, async ({ ossl, context, ports, db }) => {
        const { seen } = await roundRobin(ossl, context, ports);
        equal(seen.map(s => `${+s.client}${+s.server!}`).join(' '), '00 11 11 11 11 11 11 11 11');
        const keys = await db.keys('*');
        ok(keys.length > 0, 'Redis holds something');
        for (const k of keys.filter(k => !k.endsWith(':lock'))) match(String(await db.get(k)), /^osw1\.k1\./, `${k} is sealed`);
      });
    });
  }

  test('a server started as the README shows, without SESSION_STORE_KEY, refuses to start and says what to do', async () => {
    const redis = await startRedis();
    try {
      const e = await startServer(redis.port, 'tls12', '').then(s => { void s.stop(); return null; }, (err: Error) => err);
      ok(e, 'it did not start');
      match(e.message, /RedisSessionStore: options\.keys\[0\]\.key \('k1'\) must be at least 32 random bytes, got 0 \(make one with `openssl rand -base64 32`\)/);
    } finally {
      await redis.stop();
    }
  });

  test('Redis stopped mid-run: full handshakes, no crash, no hang; the servers keep serving', async () => {
    await withFleet('tls12', async ({ ossl, context, ports, servers, redis }) => {
      const before = await roundRobin(ossl, context, ports, 3);
      equal(before.seen.map(s => +s.client).join(''), '011');
      await redis.stop();
      for (let i = 0; i < 3; i++) {
        const r = await request(ossl, context, ports[i], before.session);
        equal(`${+r.client}${+r.server!}`, '00', `server ${i}: a full handshake without Redis`);
        // The lookup ended in an error (request()'s own bound would have failed a hang), reported
        // through onError as the server's log shows; how long it took is no test's business.
        await until(() => /session store get: /.test(servers[i].log()), 5000, `server ${i} to log the failed lookup`);
      }
      for (const s of servers) equal(s.proc.exitCode, null, 'still running');
    });
  });

  test('TLS 1.3 tickets, Redis stopped mid-run: the ticket keys each server has stay, so tickets still resume across servers; refreshes say Redis did not answer; none exits', async () => {
    await withFleet('tickets', async ({ ossl, context, ports, servers, redis }) => {
      const tickets: Uint8Array[] = []; // one per check: a client uses each ticket once (RFC 8446 C.4)
      for (const port of ports) tickets.push((await request(ossl, context, port, null)).session!);
      await redis.stop();
      for (let i = 0; i < 3; i++) {
        // Each server refreshes its ring every second (test/fleet/fleet-server.ts) and logs failures.
        await until(() => /ticket keys: RedisTicketKeyRing: Redis did not answer .*call refresh\(\) again once Redis is back/.test(servers[i].log()),
          5000, `server ${i} to log a failed refresh`);
        const next = (i + 1) % 3;
        const r = await request(ossl, context, ports[next], tickets[i]);
        equal(`${+r.client}${+r.server!}`, '11', `server ${next} resumes a ticket from server ${i} without Redis`);
      }
      for (const s of servers) equal(s.proc.exitCode, null, 'still running');
    });
  });

  test('Redis returning garbage for a key: a full handshake and a logged error', async () => {
    await withFleet('tls12', async ({ ossl, context, ports, servers, db }) => {
      const first = await request(ossl, context, ports[0], null);
      let keys: string[] = [];
      await until(async () => (keys = await db.keys('openssl-wasm:session:*')).length > 0, 5000, 'the session in Redis');
      equal(keys.length, 1, 'the session is in Redis');
      await db.set(keys[0], '%%% not base64 %%%');
      const r = await request(ossl, context, ports[1], first.session);
      equal(`${+r.client}${+r.server!}`, '00');
      await until(() => /session store get/.test(servers[1].log()), 5000, 'the error in the server log');
      match(servers[1].log(), /session store get: .*does not hold a sealed value/);
    });
  });

  test('a session removed on one server (a bad session) is gone for all', async () => {
    await withFleet('tls12', async ({ ossl, context, ports, db }) => {
      const first = await request(ossl, context, ports[0], null);
      const resumed = await request(ossl, context, ports[1], first.session);
      equal(`${+resumed.client}${+resumed.server!}`, '11');
      // Server 1 hangs up on a resumed connection without close_notify: OpenSSL calls it bad.
      const dropped = await request(ossl, context, ports[1], first.session, 'DROP');
      equal(dropped.client, true, 'it had resumed');
      let left = -1;
      await until(async () => (left = (await db.keys('openssl-wasm:session:*')).length) === 0, 5000, 'the session to leave Redis');
      equal(left, 0, 'deleted from Redis');
      const after = await request(ossl, context, ports[2], first.session);
      equal(`${+after.client}${+after.server!}`, '00', 'no other server resumes it');
    });
  });
}, { runtimes: ['node'] });
