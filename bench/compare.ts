// `npm run bench -- --compare A.wasm,B.wasm[,...] [--quick] [--only handshakes,bulk,cold] [--bulk ID]`:
// measures build levers. Loads each module into this process and runs the same wasm scenarios on each, interleaved round by round
// (A, B, ..., then the reverse order), so load on the machine hits all alike; cold starts alternate
// between the modules too. Prints medians and each module's paired ratio to the first one, from wall
// time and from CPU time (process.cpuUsage, per batch or transfer): on a shared machine wall time
// includes the wait for a core, and CPU time includes V8's background threads (tier-up, GC).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OpenSSL } from '../ts/index.ts';
import { batchSize, BULK_SUITES, cpuNow, HANDSHAKES, PLANS, warm, warmAll, wasmBulk, wasmHandshake } from './core.ts';
import { median, pairedRatio, summarize } from './stats.ts';

const SCENARIOS = ['tls13-full-p256', 'tls13-full-rsa', 'tls13-resumed', 'tls12-full', 'tls12-resumed-ticket', 'tls13-full-mlkem'];

function child(args: string[], cwd: string): Promise<string> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    c.stdout.on('data', d => { out += d; });
    c.stderr.on('data', d => { err += d; });
    c.on('close', code => (code === 0 ? res(out) : rej(new Error(`cold child: ${err}`))));
  });
}

/** parts: which of handshakes, bulk, cold to run (all by default); bulk: only these bulk scenario ids. */
export async function compare(root: string, files: string[], quick: boolean, libFile: string,
  select: { parts?: string[]; bulk?: string[] } = {}): Promise<string> {
  const want = (part: string) => !select.parts || select.parts.includes(part);
  const plan = quick ? PLANS.quick : PLANS.full;
  const names = files.map(f => basename(f, '.wasm'));
  const mods = await Promise.all(files.map(f => WebAssembly.compile(readFileSync(f))));
  const inst = await Promise.all(mods.map(m => OpenSSL.load({ wasm: m })));
  for (const o of inst) warmAll(o, plan.warmAllMs);
  const lines: string[] = [];
  const row = (label: string, meds: number[], ratios: (number | null)[], f: (x: number) => string) =>
    lines.push(`| ${label} | ${meds.map((m, i) => `${f(m)}${i && ratios[i] !== null ? ` (${ratios[i]!.toFixed(2)}×)` : ''}`).join(' | ')} |`);
  lines.push(`| scenario | ${names.join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`);
  const sizes = files.map(f => { const b = readFileSync(f); return [b.length, gzipSync(b, { level: 9 }).length]; });
  lines.push(`| size raw / gzip (KB) | ${sizes.map(([r, g]) => `${(r / 1000).toFixed(0)} / ${(g / 1000).toFixed(0)}`).join(' | ')} |`);

  for (const id of want('handshakes') ? SCENARIOS : []) {
    const spec = HANDSHAKES.find(h => h.id === id)!;
    const hs = inst.map(o => wasmHandshake(spec, o));
    const ks = hs.map(h => batchSize(warm(() => h.run(), plan.warmMs / 2), plan.batchMs));
    const rounds: number[][][] = hs.map(() => []), wall: number[][][] = hs.map(() => []);
    for (let r = 0; r < plan.rounds; r++) {
      const order = r % 2 ? [...hs.keys()].reverse() : [...hs.keys()];
      for (const i of order) {
        const w: number[] = [];
        const c0 = cpuNow()!;
        for (let j = 0; j < ks[i]; j++) w.push(hs[i].run());
        rounds[i].push([(cpuNow()! - c0) / ks[i]]);
        wall[i].push(w);
      }
    }
    row(`${spec.label} (ms, CPU)`, rounds.map(r => summarize(r.flat()).median), rounds.map((r, i) => (i ? pairedRatio(r, rounds[0])?.median ?? null : null)), x => x.toFixed(3));
    row(`${spec.label} (ms, wall)`, wall.map(r => summarize(r.flat()).median), wall.map((r, i) => (i ? pairedRatio(r, wall[0])?.median ?? null : null)), x => x.toFixed(3));
    process.stderr.write(`  ${id} done\n`);
    hs.forEach(h => h.free());
  }
  for (const b of want('bulk') ? BULK_SUITES.filter(b => !select.bulk || select.bulk.includes(b.id)) : []) {
    const runs: number[][] = inst.map(() => []), wallRuns: number[][] = inst.map(() => []);
    const bytes = quick ? plan.bulkBytes : 16 * 2 ** 20;
    inst.forEach(o => wasmBulk(o, b.suite, plan.segment, plan.segment, plan.chunk));
    for (let r = 0; r < (quick ? 1 : 3); r++) {
      const order = r % 2 ? [...inst.keys()].reverse() : [...inst.keys()];
      for (const i of order) { const c0 = cpuNow()!; wallRuns[i].push(wasmBulk(inst[i], b.suite, bytes, plan.segment, plan.chunk).overall); runs[i].push(bytes / 1e6 / ((cpuNow()! - c0) / 1000)); }
    }
    row(`${b.label} (MB/s, CPU)`, runs.map(median), runs.map((r, i) => (i ? median(r.map((x, k) => x / runs[0][k])) : null)), x => x.toFixed(1));
    row(`${b.label} (MB/s, wall)`, wallRuns.map(median), wallRuns.map((r, i) => (i ? median(r.map((x, k) => x / wallRuns[0][k])) : null)), x => x.toFixed(1));
    process.stderr.write(`  ${b.id} done\n`);
  }
  const cold: number[][] = files.map(() => []), coldCpu: number[][] = files.map(() => []);
  for (let r = 0; r < (want('cold') ? plan.cold : 0); r++) {
    for (const i of r % 2 ? [...files.keys()].reverse() : [...files.keys()]) {
      const out = await child([join(root, 'bench/cold-child.mjs'), 'wasm', libFile, files[i], join(root, 'test/fixtures')], root);
      const j = JSON.parse(out.trim().split('\n').at(-1)!);
      cold[i].push(j.total);
      coldCpu[i].push(j.cpu);
    }
  }
  if (want('cold')) row('cold start to first handshake (ms, wall)', cold.map(median), cold.map((c, i) => (i ? median(c.map((x, k) => x / cold[0][k])) : null)), x => x.toFixed(1));
  if (want('cold')) row('cold start to first handshake (ms, CPU)', coldCpu.map(median), coldCpu.map((c, i) => (i ? median(c.map((x, k) => x / coldCpu[0][k])) : null)), x => x.toFixed(1));
  return lines.join('\n');
}
