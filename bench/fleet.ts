// The fleet figures (issue: server-side session stores): the latency of a resumed handshake whose
// session comes from Redis against one from OpenSSL's internal cache, and resumed handshakes per
// second per process with one, two and three processes sharing one Redis.
import { createClient } from 'redis';
import { constants as C, OpenSSL, RedisSessionStore, useServerSessionStore } from '../ts/index.ts';
import { startRedis } from '../test/io/redis.ts';
import { bundleTs } from '../scripts/bundle-ts.mjs';
import ca from '../test/fixtures/ca.pem';
import cert from '../test/fixtures/server.pem';
import key from '../test/fixtures/server.key';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { firstSession, timedResumption } from './fleet-core.ts';
import { summarize, type Summary } from './stats.ts';

export interface FleetResults {
  /** redis: sealed (the default); redisPlaintext: insecurePlaintext, to show what sealing costs. */
  resumed: { internalCache: Summary; redis: Summary; redisPlaintext?: Summary };
  processes: { procs: number; perProcess: number; total: number }[];
}

/** The fleet's store key (random per run, handed to the workers through their environment): sessions in Redis are sealed. */
const storeKey = crypto.getRandomValues(new Uint8Array(32));
const keys = [{ id: 'bench', key: storeKey }];

async function latency(module: WebAssembly.Module, redisPort: number, samples: number): Promise<FleetResults['resumed']> {
  const redis = createClient({ url: `redis://127.0.0.1:${redisPort}`, disableOfflineQueue: true });
  await redis.connect();
  const ossl = await OpenSSL.load({ wasm: module });
  const opts = { role: 'server' as const, certificate: cert, privateKey: key, maxVersion: 'TLSv1.2' as const, options: C.SSL_OP_NO_TICKET };
  const internal = ossl.createContext(opts);
  const shared = ossl.createContext(opts);
  useServerSessionStore(ossl, shared, new RedisSessionStore(redis, { keys }), { lookupTimeoutMs: 2000 });
  const plain = ossl.createContext(opts);
  useServerSessionStore(ossl, plain, new RedisSessionStore(redis, { insecurePlaintext: true, prefix: 'plain:' }), { lookupTimeoutMs: 2000 });
  const client = ossl.createContext({ role: 'client', ca, maxVersion: 'TLSv1.2' });
  const out: Record<'internal' | 'redis' | 'plain', number[]> = { internal: [], redis: [], plain: [] };
  const sessions = { internal: await firstSession(client, internal), redis: await firstSession(client, shared), plain: await firstSession(client, plain) };
  for (let i = 0; i < samples; i++) {
    // Interleaved, so load from elsewhere falls on all alike.
    out.internal.push(await timedResumption(client, internal, sessions.internal));
    out.redis.push(await timedResumption(client, shared, sessions.redis));
    out.plain.push(await timedResumption(client, plain, sessions.plain));
  }
  for (const s of Object.values(sessions)) s.free();
  for (const c of [internal, shared, plain, client]) c.free();
  await redis.quit();
  const steady = (xs: number[]) => summarize(xs.slice(samples / 5));
  return { internalCache: steady(out.internal), redis: steady(out.redis), redisPlaintext: steady(out.plain) };
}

async function processes(root: string, redisPort: number, seconds: number): Promise<FleetResults['processes']> {
  const worker = await bundleTs(join(root, 'bench/fleet-worker.ts'), join(root, 'build/bench/fleet-worker.mjs'), { loader: { '.pem': 'text', '.key': 'text' } });
  const rows: FleetResults['processes'] = [];
  for (const procs of [1, 2, 3]) {
    const counts = await Promise.all(Array.from({ length: procs }, () => new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [worker, String(redisPort), String(seconds)],
        { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FLEET_STORE_KEY: Buffer.from(storeKey).toString('base64') } });
      let out = '';
      child.stdout.on('data', d => { out += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
      child.on('close', code => {
        clearTimeout(timer);
        try { resolve(JSON.parse(out.trim().split('\n').pop()!).count); } catch { reject(new Error(`fleet worker exited ${code}: ${out}`)); }
      });
    })));
    const total = counts.reduce((a, b) => a + b, 0) / seconds;
    rows.push({ procs, perProcess: total / procs, total });
  }
  return rows;
}

export async function fleetBench(root: string, module: WebAssembly.Module, quick: boolean, log: (s: string) => void): Promise<FleetResults> {
  const redis = await startRedis();
  try {
    log('  resumed-handshake latency: internal cache vs Redis');
    const resumed = await latency(module, redis.port, quick ? 50 : 400);
    log('  resumed handshakes per second with 1, 2, 3 processes');
    const procs = await processes(root, redis.port, quick ? 2 : 8);
    return { resumed, processes: procs };
  } finally {
    await redis.stop();
  }
}

export function fleetMarkdown(f: FleetResults): string {
  const ms = (s: Summary) => `${s.median.toFixed(3)} [${s.p10.toFixed(3)}–${s.p90.toFixed(3)}]`;
  return [
    '### Fleet: sessions in Redis (TLS 1.2 by session id, over in-memory Web Streams)',
    '',
    '| resumed handshake (ms) | median [p10–p90] |',
    '|---|---|',
    `| session from OpenSSL's internal cache | ${ms(f.resumed.internalCache)} |`,
    `| session from Redis, sealed (useServerSessionStore + RedisSessionStore) | ${ms(f.resumed.redis)} |`,
    ...(f.resumed.redisPlaintext ? [`| session from Redis, insecurePlaintext (what sealing costs) | ${ms(f.resumed.redisPlaintext)} |`] : []),
    `| Redis / internal | ${(f.resumed.redis.median / f.resumed.internalCache.median).toFixed(2)}× |`,
    '',
    '| processes (one Redis) | resumed handshakes/s per process | in all |',
    '|---|---|---|',
    ...f.processes.map(p => `| ${p.procs} | ${p.perProcess.toFixed(0)} | ${p.total.toFixed(0)} |`),
    '',
  ].join('\n');
}
