// Early data (0-RTT) across a fleet: three server processes sharing ticket keys and an early-data
// replay guard through a real Redis. One ticket's ClientHello with early data, sent to all three
// at once, has its early data accepted by exactly one; every one still resumes; Redis holds only
// HMAC-named markers, no ticket. (Node: server processes from an esbuild bundle, as fleet.suite.ts.)
import { readFileSync } from 'node:fs';
import { createClient } from 'redis';
import { connect, OpenSSL, type Context } from '../../ts/node.ts';
import { equal, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { until } from '../lib/wait.ts';
import { fixturePath } from '../io/peers.ts';
import { startFleetProcess, type FleetProcess } from '../io/fleet-process.ts';
import { startRedis } from '../io/redis.ts';

function startServer(redisPort: number, key: string): Promise<FleetProcess> {
  return startFleetProcess('early-data-server', ['--redis', String(redisPort)], key, 'an early-data server');
}

/** One connection resuming `session` with `early` as early data; the server's answer and the newest ticket. */
function request(ossl: OpenSSL, context: Context, port: number, session: Uint8Array | null, early?: string):
  Promise<{ answer: string; clientStatus: string; session: Uint8Array | null }> {
  return new Promise((resolve, reject) => {
    let newest: Uint8Array | null = null;
    const sock = connect({ host: '127.0.0.1', servername: 'localhost', port, openssl: ossl, context, session: session ?? undefined,
      handshakeTimeout: 10_000, ...(early ? { earlyData: early } : {}) });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no answer from :${port} in 10 s`)); }, 10_000);
    let buf = '';
    sock.on('session', (der: Uint8Array) => { newest = der; });
    sock.on('error', e => { clearTimeout(timer); reject(e); });
    sock.on('close', () => { clearTimeout(timer); if (!/^early=/m.test(buf)) reject(new Error(`closed without an answer: ${buf}`)); });
    if (!early) sock.on('secureConnect', () => sock.write('hello\n'));
    sock.on('data', d => {
      buf += d;
      const line = /^(early=.*)\n/m.exec(buf);
      if (!line) return;
      clearTimeout(timer);
      const clientStatus = sock.connection!.earlyDataStatus;
      // After a full handshake, the ticket that follows it (resumptions bring none: OpenSSL renews
      // only tickets under an older key), then a clean close.
      void (session ? Promise.resolve() : until(() => newest !== null, 5000, 'a ticket')).then(() => {
        sock.end();
        sock.once('close', () => resolve({ answer: line[1], clientStatus, session: newest }));
      });
    });
  });
}

suite('early data (0-RTT) across a fleet on Redis', test => {
  test('three servers, one ticket sent to all at once with early data: exactly one accepts it, all resume; Redis holds no ticket', async () => {
    const redis = await startRedis();
    const servers: FleetProcess[] = [];
    const db = createClient({ url: `redis://127.0.0.1:${redis.port}`, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
    db.on('error', () => undefined);
    await db.connect();
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const context = ossl.createContext({ role: 'client', ca: readFileSync(fixturePath('ca.pem'), 'utf8'), minVersion: 'TLSv1.3' });
    try {
      const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
      for (let i = 0; i < 3; i++) servers.push(await startServer(redis.port, key));
      const first = await request(ossl, context, servers[0].port, null);
      equal(first.answer, 'early=not-sent reused=0 line=hello');
      ok(first.session, 'a ticket arrived');
      const session = ossl.sessionFromDER(first.session!);
      ok(session.maxEarlyData > 0, 'the ticket allows early data');
      session.free();

      const replays = await Promise.all(servers.map(s => request(ossl, context, s.port, first.session, 'pay once\n')));
      const answers = replays.map(r => r.answer).sort();
      equal(answers.join(' | '), 'early=accepted reused=1 line=pay once | early=rejected reused=1 line=pay once | early=rejected reused=1 line=pay once',
        `exactly one server accepted the early data; the others got it again after the handshake (${servers.map(s => s.log()).join('')})`);
      equal(replays.map(r => r.clientStatus).sort().join(' '), 'accepted rejected rejected', 'the clients saw the same');

      // A fresh ticket (a full handshake on another server) is good for early data once, anywhere.
      const fresh = await request(ossl, context, servers[2].port, null);
      const again = await request(ossl, context, servers[1].port, fresh.session, 'next\n');
      equal(again.answer, 'early=accepted reused=1 line=next');

      const marks = await db.keys('openssl-wasm:early-data:*');
      equal(marks.length, 2, 'one mark per ticket whose early data was taken');
      for (const k of marks) {
        ok(/^openssl-wasm:early-data:[0-9a-f]{64}$/.test(k), `${k}: an HMAC name`);
        equal(await db.get(k), '1', 'nothing but a marker');
        const ttl = await db.ttl(k);
        ok(ttl > 0 && ttl <= 7200, `${k} expires with the ticket (ttl ${ttl})`);
      }
    } finally {
      context.free();
      await db.quit().catch(() => undefined);
      await Promise.all(servers.map(s => s.stop()));
      await redis.stop();
    }
  });
}, { runtimes: ['node'] });
