// `npm run bench -- --only load` (not in --quick): a server under load over loopback sockets. The
// Node adapter's createServer (openssl-wasm) and Node's tls.createServer, in this process one at a
// time, each driven by client processes (bench/load-client.mjs, Node's tls) keeping N handshakes
// in flight on fresh TCP connections: handshakes a second, latency p50/p99 as the clients see it,
// and the server process's CPU time per handshake. Full TLS 1.3 handshakes and resumed ones (each
// client reusing the ticket of its own first handshake). The two servers take turns, alternating,
// after a warm-up under the same load.
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { createServer } from '../ts/node.ts';
import type { OpenSSL } from '../ts/index.ts';
import { fixtures } from './core.ts';
import { summarize, type Summary } from './stats.ts';

export interface LoadPlan { processes: number; concurrency: number; durationMs: number; warmMs: number; rounds: number }
export const LOAD_PLAN: LoadPlan = { processes: 2, concurrency: 8, durationMs: 4000, warmMs: 1500, rounds: 2 };

type Side = 'wasm' | 'node';
type Mode = 'full' | 'resumed';
export interface LoadRow { side: Side; mode: Mode; perSecond: number; latency: Summary & { p99: number }; cpuMsPerHandshake: number; handshakes: number; reused: number }
export interface LoadResult { plan: LoadPlan; rows: LoadRow[]; /** load average at the end */ load: number[] }

const serverOptions = { cert: fixtures.ecCert, key: fixtures.ecKey, minVersion: 'TLSv1.3', ecdhCurve: 'X25519' } as const;

async function listen(side: Side, ossl: OpenSSL): Promise<{ port: number; close: () => Promise<void> }> {
  const onSocket = (s: { on(e: string, f: (...a: unknown[]) => void): unknown; resume(): unknown }) => { s.on('error', () => {}); s.resume(); };
  const server = side === 'wasm'
    ? createServer({ ...serverOptions, openssl: ossl }, onSocket as never)
    : tls.createServer(serverOptions, onSocket as never);
  // clients that close right after their handshake make servers see resets: not this bench's concern
  server.on('tlsClientError', () => {});
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>(r => server.close(() => r())) };
}

function clients(root: string, port: number, mode: Mode, plan: LoadPlan, ms: number): Promise<{ count: number; reused: number; latencies: number[] }[]> {
  return Promise.all(Array.from({ length: plan.processes }, () => new Promise<{ count: number; reused: number; latencies: number[] }>((res, rej) => {
    const child = spawn(process.execPath, [join(root, 'bench/load-client.mjs'), String(port), mode, String(plan.concurrency), String(ms), join(root, 'test/fixtures/ca.pem')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', d => { out += d; });
    child.stderr.on('data', d => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms + 60_000);
    child.on('close', code => {
      clearTimeout(timer);
      if (code !== 0) rej(new Error(`load client exited ${code}: ${err.slice(-1000)}`));
      else res(JSON.parse(out.trim().split('\n').at(-1)!));
    });
  })));
}

/** One timed run: a server, the client processes against it; the server's CPU is this process's. */
async function once(root: string, side: Side, mode: Mode, ossl: OpenSSL, plan: LoadPlan, ms: number) {
  const srv = await listen(side, ossl);
  try {
    const c0 = process.cpuUsage(), t0 = performance.now();
    const res = await clients(root, srv.port, mode, plan, ms);
    const wall = performance.now() - t0, cpu = process.cpuUsage(c0);
    const count = res.reduce((a, r) => a + r.count, 0);
    return { count, reused: res.reduce((a, r) => a + r.reused, 0), latencies: res.flatMap(r => r.latencies), wallMs: wall, cpuMs: (cpu.user + cpu.system) / 1000, ms };
  } finally {
    await srv.close();
  }
}

export async function loadBench(root: string, ossl: OpenSSL, log: (s: string) => void, plan: LoadPlan = LOAD_PLAN): Promise<LoadResult> {
  const rows: LoadRow[] = [];
  for (const mode of ['full', 'resumed'] as Mode[]) {
    for (const side of ['wasm', 'node'] as Side[]) await once(root, side, mode, ossl, plan, plan.warmMs);
    const acc: Record<Side, { count: number; reused: number; latencies: number[]; cpuMs: number; ms: number }> = {
      wasm: { count: 0, reused: 0, latencies: [], cpuMs: 0, ms: 0 }, node: { count: 0, reused: 0, latencies: [], cpuMs: 0, ms: 0 },
    };
    for (let r = 0; r < plan.rounds; r++) {
      for (const side of (r % 2 ? ['node', 'wasm'] : ['wasm', 'node']) as Side[]) {
        const x = await once(root, side, mode, ossl, plan, plan.durationMs);
        const a = acc[side];
        a.count += x.count; a.reused += x.reused; a.latencies.push(...x.latencies); a.cpuMs += x.cpuMs; a.ms += x.ms;
      }
    }
    for (const side of ['wasm', 'node'] as Side[]) {
      const a = acc[side];
      const sorted = [...a.latencies].sort((p, q) => p - q);
      const row: LoadRow = {
        side, mode, handshakes: a.count, reused: a.reused,
        perSecond: a.count / (a.ms / 1000),
        latency: { ...summarize(a.latencies), p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] },
        cpuMsPerHandshake: a.cpuMs / a.count,
      };
      if (mode === 'resumed' && row.reused < row.handshakes) throw Object.assign(new Error(`load: ${row.handshakes - row.reused} of ${row.handshakes} ${side} handshakes did not resume`), { name: 'ResumptionError' });
      rows.push(row);
      log(`  ${side} ${mode}: ${row.perSecond.toFixed(0)}/s, p50 ${row.latency.median.toFixed(2)} ms, p99 ${row.latency.p99.toFixed(2)} ms, server CPU ${row.cpuMsPerHandshake.toFixed(3)} ms a handshake`);
    }
  }
  return { plan, rows, load: loadavg() };
}

export function loadMarkdown(r: LoadResult): string {
  const p = r.plan;
  const L = [`### Server under load (loopback TCP; ${p.processes} client processes × ${p.concurrency} handshakes in flight, Node tls clients; ${p.rounds}×${p.durationMs / 1000} s per server and mode, alternating)`, ''];
  L.push('| handshake | server | handshakes/s | latency p50 (ms) | p99 (ms) | server CPU per handshake (ms) |', '|---|---|---|---|---|---|');
  for (const x of r.rows) L.push(`| TLS 1.3 ${x.mode} | ${x.side === 'wasm' ? 'openssl-wasm createServer' : "Node's tls.createServer"} | ${x.perSecond.toFixed(0)} | ${x.latency.median.toFixed(2)} | ${x.latency.p99.toFixed(2)} | ${x.cpuMsPerHandshake.toFixed(3)} |`);
  L.push('', 'Server CPU: this process\'s CPU time (all its threads) over the handshakes served; the clients run in processes of their own on the same two cores.', '');
  return L.join('\n');
}
