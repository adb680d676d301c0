// `npm run bench -- --only idle` (not in --quick): concurrent idle connections over loopback. For
// each count (1,000 and 10,000) and each server (the Node adapter's createServer, openssl-wasm, and
// Node's tls.createServer), a fresh server process (bench/idle-server.ts), measured after a full GC
// before any connection and again once client processes (bench/idle-client.mjs, Node's tls) hold
// every connection established, tickets read, silent; memory per connection is the difference over
// the count: RSS, JS heap, external/ArrayBuffer bytes, and for wasm its linear memory (the
// memory's size, and what malloc has handed out in it).
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';

export interface IdlePlan { counts: number[]; /** connections per client process at most */ perClient: number; inflight: number }
export const IDLE_PLAN: IdlePlan = { counts: [1000, 10000], perClient: 2500, inflight: 32 };

type Side = 'wasm' | 'node';
interface Memory { open: number; rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; linear: number; heapInUse: number }
export interface IdleRow { side: Side; count: number; establishMs: number; before: Memory; after: Memory; failed?: string }
export interface IdleResult { plan: IdlePlan; rows: IdleRow[]; fdLimit: string; load: number[] }

/** A child's stdout as JSON lines, one at a time. */
function lines(child: ChildProcess): () => Promise<Record<string, number>> {
  const queue: string[] = [], waiting: ((l: string | null) => void)[] = [];
  let closed = false;
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', l => { const w = waiting.shift(); if (w) w(l); else queue.push(l); });
  rl.on('close', () => { closed = true; for (const w of waiting.splice(0)) w(null); });
  return () => new Promise((res, rej) => {
    const take = (l: string | null) => (l === null ? rej(new Error('the process ended')) : res(JSON.parse(l)));
    if (queue.length) take(queue.shift()!); else if (closed) take(null); else waiting.push(take);
  });
}

/** Spawns through the shell with the descriptor limit raised to the hard limit (10,000 sockets need more than a default 1024). */
function spawnRaised(argv: string[]) {
  const child = spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', d => { err = (err + d).slice(-2000); });
  return { child, err: () => err };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<never>((_, rej) => { setTimeout(() => rej(new Error(`${what}: nothing within ${ms / 1000} s`)), ms).unref(); })]);
}

async function once(root: string, serverFile: string, wasmFile: string, side: Side, count: number, plan: IdlePlan): Promise<IdleRow> {
  const srv = spawnRaised([process.execPath, '--expose-gc', serverFile, side, wasmFile, join(root, 'test/fixtures')]);
  const clients: ReturnType<typeof spawnRaised>[] = [];
  try {
    const read = lines(srv.child);
    const { port } = await withTimeout(read(), 30_000, 'idle server start').catch(e => { throw new Error(`${e.message}: ${srv.err()}`); });
    const measure = () => { srv.child.stdin!.write('measure\n'); return withTimeout(read(), 60_000, 'idle server measure') as unknown as Promise<Memory>; };
    const before = await measure();
    const t0 = performance.now();
    const nClients = Math.ceil(count / plan.perClient);
    const ready = Array.from({ length: nClients }, (_, i) => {
      const n = Math.floor(count / nClients) + (i < count % nClients ? 1 : 0);
      const c = spawnRaised([process.execPath, join(root, 'bench/idle-client.mjs'), String(port), String(n), String(plan.inflight), join(root, 'test/fixtures/ca.pem')]);
      clients.push(c);
      return withTimeout(lines(c.child)(), 300_000, 'idle clients').catch(e => { throw new Error(`${e.message}: ${c.err()}`); });
    });
    const got = (await Promise.all(ready)).reduce((a, r) => a + r.ready, 0);
    const establishMs = performance.now() - t0;
    if (got !== count) throw new Error(`${got} of ${count} connections established`);
    await new Promise(r => setTimeout(r, 1000)); // let the last tickets and acks settle
    const after = await measure();
    if (after.open !== count) throw new Error(`the server holds ${after.open} connections, not ${count}`);
    return { side, count, establishMs, before, after };
  } finally {
    for (const c of clients) { c.child.stdin!.end(); setTimeout(() => c.child.kill('SIGKILL'), 10_000).unref(); }
    await Promise.all(clients.map(c => new Promise(r => (c.child.exitCode !== null ? r(null) : c.child.once('exit', r)))));
    srv.child.stdin!.end();
    srv.child.kill();
  }
}

export async function idleBench(root: string, wasmFile: string, log: (s: string) => void, plan: IdlePlan = IDLE_PLAN): Promise<IdleResult> {
  const serverFile = join(root, 'build/bench/idle-server.mjs');
  await build({ entryPoints: [join(root, 'bench/idle-server.ts')], outfile: serverFile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
  const rows: IdleRow[] = [];
  for (const count of plan.counts) {
    for (const side of (count === plan.counts[0] ? ['wasm', 'node'] : ['node', 'wasm']) as Side[]) {
      let row: IdleRow;
      try {
        row = await once(root, serverFile, wasmFile, side, count, plan);
      } catch (e) {
        const failed = e instanceof Error ? e.message : String(e);
        row = { side, count, establishMs: NaN, before: null as never, after: null as never, failed };
      }
      rows.push(row);
      log(row.failed ? `  ${side} ${count}: failed: ${row.failed}` : `  ${side} ${count}: ${perConn(row, 'rss')} B RSS, ${perConn(row, 'heapUsed')} B JS heap, ${perConn(row, 'linear')} B linear memory (${perConn(row, 'heapInUse')} B malloc'd) a connection; established in ${(row.establishMs / 1000).toFixed(1)} s`);
    }
  }
  const fd = await new Promise<string>(res => {
    const c = spawn('/bin/sh', ['-c', 'echo "$(ulimit -n)/$(ulimit -Hn)"']);
    let out = ''; c.stdout.on('data', d => { out += d; }); c.on('close', () => res(out.trim()));
  });
  return { plan, rows, fdLimit: fd, load: loadavg() };
}

const perConn = (r: IdleRow, k: keyof Memory) => Math.round((r.after[k] - r.before[k]) / r.count);
const kb = (r: IdleRow, k: keyof Memory) => (((r.after[k] - r.before[k]) / r.count) / 1024).toFixed(1);
const mib = (b: number) => (b / 2 ** 20).toFixed(0);

export function idleMarkdown(r: IdleResult): string {
  const L = [`### Concurrent idle connections (loopback TCP; TLS 1.3, X25519, ECDSA P-256; Node tls clients in processes of ${r.plan.perClient} connections; a fresh server process for each row)`, ''];
  L.push('| connections | server | RSS per connection (KiB) | JS heap | external + ArrayBuffers | wasm linear memory: grown | malloc\'d | server RSS at the end (MiB) | time to establish all (s) |', '|---|---|---|---|---|---|---|---|---|');
  for (const x of r.rows) {
    const name = x.side === 'wasm' ? 'openssl-wasm createServer' : "Node's tls.createServer";
    if (x.failed) { L.push(`| ${x.count} | ${name} | failed: ${x.failed.replace(/\|/g, '\\|').slice(0, 300)} | | | | | | |`); continue; }
    const wasm = x.side === 'wasm';
    L.push(`| ${x.count} | ${name} | ${kb(x, 'rss')} | ${kb(x, 'heapUsed')} | ${kb(x, 'external')} | ${wasm ? kb(x, 'linear') : '–'} | ${wasm ? kb(x, 'heapInUse') : '–'} | ${mib(x.after.rss)} | ${(x.establishMs / 1000).toFixed(1)} |`);
  }
  L.push('', `Each figure is (after − before) / connections, both after a full GC; "external" includes the wasm linear memory (an ArrayBuffer) on the openssl-wasm side, and Node's OpenSSL allocations appear only in its RSS. Descriptor limit (soft/hard) ${r.fdLimit}, raised to the hard limit for the server and client processes.`, '');
  return L.join('\n');
}
