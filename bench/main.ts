// `npm run bench`: the Node driver. Runs every scenario for openssl-wasm, Node's tls (same process)
// and node-forge where it applies, interleaved in rounds; then the cold starts (child processes),
// size, memory and the session cache; then the core again in Deno and in Chromium. Prints a markdown
// report and writes the JSON under bench/results/. Exits non-zero only when something crashed or a
// resumed handshake did not resume: a target not met is reported, never fatal.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { OpenSSL } from '../ts/index.ts';
import { batchSize, BULK_SUITES, cpuNow, HANDSHAKES, planFor, warm, warmAll, wasmBulk, wasmCacheOps, wasmHandshake, wasmLiveConnections, wasmMemory, type Plan, type StandaloneResult } from './core.ts';
import { FORGE_LABEL, forgeSetup } from './forge.ts';
import { nodeBulk, nodeHandshake, nodeHasGroup } from './node-tls.ts';
import { markdown, targets, type ColdResult, type Results, type Row } from './report.ts';
import { median, pairedRatio, positionCheck, POSITION_TOLERANCE, rotated, summarize, type PositionCheck, type Summary } from './stats.ts';

const root = process.env.BENCH_ROOT!;
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const quick = flag('--quick');
// --no-warmup: nothing run before the timing starts (to see what the warm-up removes; not for figures)
const noWarmup = flag('--no-warmup');
const plan: Plan = planFor(quick, noWarmup);
// The module Node users get by default: the SIMD build (Node 20 validates SIMD128 and bulk memory).
const wasmFile = resolve(opt('--wasm') ?? join(root, 'wasm/openssl-simd.wasm'));
const only = opt('--only')?.split(',');
// --bulk bulk-aes128gcm: only these bulk scenarios (ids as in core.ts's BULK_SUITES), e.g. to time one cipher change
const bulkOnly = opt('--bulk')?.split(',');
const want = (part: string) => !only || only.includes(part);
const log = (s: string) => process.stderr.write(`${s}\n`);

const run = (cmd: string, argv: string[], env: Record<string, string> = {}, timeoutMs = 600_000) =>
  new Promise<{ code: number; out: string; err: string }>((res) => {
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', d => { out += d; });
    child.stderr.on('data', d => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', code => { clearTimeout(timer); res({ code: code ?? 1, out, err }); });
    child.on('error', e => { clearTimeout(timer); res({ code: -1, out, err: String(e) }); });
  });

async function warmAsync(fn: () => Promise<number>, ms: number, min = 3): Promise<number[]> {
  const out: number[] = [];
  const t0 = performance.now();
  while (out.length < min || performance.now() - t0 < ms) out.push(await fn());
  return out;
}

// ---- handshakes ------------------------------------------------------------------------------------

/** Which wasm scenario node-forge's figures sit beside: its full and its resumed handshake. */
const FORGE_BESIDE: Record<string, boolean> = { 'tls13-full-rsa': false, 'tls12-resumed-id': true };

/**
 * CPU time of this process's main thread, ms: Linux's per-thread scheduler clock (schedstat), which
 * leaves out V8's background threads (tier-up compilation, concurrent GC) that process.cpuUsage()
 * counts; elsewhere the whole process's CPU time.
 */
const mainThreadCpu: () => number = (() => {
  const file = `/proc/self/task/${process.pid}/schedstat`;
  try {
    readFileSync(file, 'utf8');
    return () => Number(readFileSync(file, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return () => cpuNow()!;
  }
})();
/** CPU time of all this process's threads but the main one, ms (V8's compiler and GC threads); 0 where unknown. */
const otherThreadsCpu = (): number => {
  try {
    let all = 0;
    for (const t of readdirSync('/proc/self/task')) {
      try { all += Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6; } catch { /* the thread ended */ }
    }
    return all - mainThreadCpu();
  } catch {
    return 0;
  }
};
const cpuClock = existsSync(`/proc/self/task/${process.pid}/schedstat`) ? 'main thread' : 'process';

interface Scenario {
  spec: (typeof HANDSHAKES)[number];
  w: ReturnType<typeof wasmHandshake>;
  n: Awaited<ReturnType<typeof nodeHandshake>> | null;
  f: { resume: boolean } | null;
  k: { w: number; n: number; f: number };
  /** Samples per round (one batch a round), CPU per handshake per round, and each batch's position. */
  W: number[][]; N: number[][]; Nsecure: number[][]; F: number[][];
  cpuW: number[]; cpuN: number[];
  posW: { pos: number; median: number }[]; posN: { pos: number; median: number }[];
  posCpuW: { pos: number; median: number }[];
}

/** Every timed batch, kept in the JSON: to look at a figure against time (round) and position. */
export interface Batch { id: string; side: 'wasm' | 'node'; round: number; pos: number; n: number; median: number; cpu: number; /** other threads' CPU per handshake */ bg: number }
const batches: Batch[] = [];
/** The warm-up passes: main-thread CPU per handshake of each scenario and side, and the change from the pass before. */
const warmup: { passes: { ms: number[]; change: number | null }[] } = { passes: [] };
/** The first timed round over the median round, per side: 1 when the warm-up left nothing to tier up. */
const firstRound: { wasm?: { wall: number; cpu: number }; node?: { wall: number; cpu: number } } = {};

/**
 * All handshake scenarios. Set up, then warmed up all together (every scenario on every side, in
 * passes, before anything is timed: V8 tiers wasm and Node's own JavaScript up as they run, so a
 * scenario timed first in a fresh process would be charged with compiling for the rest), then timed
 * in rounds. Each round runs every scenario once (openssl-wasm, Node's tls and node-forge back to
 * back, their order alternating), the scenarios in an order rotated by one each round, so each is
 * timed at each position; a scenario whose figure moves with its position is flagged.
 */
async function handshakes(ossl: OpenSSL, forge: ReturnType<typeof forgeSetup> | null): Promise<Row[]> {
  const S: Scenario[] = [];
  for (const spec of HANDSHAKES) {
    const n = nodeHasGroup(spec.group) ? await nodeHandshake(spec) : null;
    const f = forge && spec.id in FORGE_BESIDE ? { resume: FORGE_BESIDE[spec.id] } : null;
    S.push({ spec, w: wasmHandshake(spec, ossl), n, f, k: { w: 0, n: 0, f: 0 }, W: [], N: [], Nsecure: [], F: [], cpuW: [], cpuN: [], posW: [], posN: [], posCpuW: [] });
  }
  // Warm-up passes over every scenario on every side, until two passes in a row cost the main
  // thread no less CPU than the one before each (within 3%, geometric mean over scenarios and sides): V8 keeps moving
  // code up its tiers (wasm from Liftoff to TurboFan, Node's JavaScript through its own tiers) for
  // several seconds of handshakes. The last pass's samples size the batches.
  const passMs = plan.warmMs / 4;
  let prev: number[] | null = null, steady = 0;
  for (let pass = 0; pass < plan.warmPasses; pass++) {
    const cost: number[] = [];
    for (const s of S) {
      let c0 = mainThreadCpu();
      const w = warm(() => s.w.run(), passMs);
      cost.push((mainThreadCpu() - c0) / w.length);
      c0 = mainThreadCpu();
      const n = s.n ? await warmAsync(async () => (await s.n!.run()).ms, passMs) : [];
      if (n.length) cost.push((mainThreadCpu() - c0) / n.length);
      const f = s.f ? [forge!.handshake(s.f.resume)] : [];
      s.k = { w: batchSize(w, plan.batchMs), n: n.length ? batchSize(n, plan.batchMs) : 0, f: f.length ? batchSize([...f, forge!.handshake(s.f!.resume)], plan.batchMs / 2, 50) : 0 };
    }
    const change = prev ? Math.exp(cost.reduce((a, c, i) => a + Math.log(c / prev![i]), 0) / cost.length) : null;
    warmup.passes.push({ ms: cost, change });
    log(`  warm-up pass ${pass + 1}${change ? `: ${((change - 1) * 100).toFixed(1)}% main-thread CPU per handshake against the pass before` : ''}`);
    steady = change !== null && change > 0.97 ? steady + 1 : 0;
    if (steady >= 2 && pass + 1 >= plan.warmPassesMin) break;
    prev = cost;
  }
  for (let r = 0; r < plan.rounds; r++) {
    const order = rotated(S, r);
    for (let pos = 0; pos < order.length; pos++) {
      const s = order[pos];
      const doW = () => {
        const x: number[] = []; const b0 = otherThreadsCpu(); const c0 = mainThreadCpu();
        for (let i = 0; i < s.k.w; i++) x.push(s.w.run());
        const cpu = (mainThreadCpu() - c0) / s.k.w, bg = (otherThreadsCpu() - b0) / s.k.w;
        s.cpuW.push(cpu); s.W.push(x); s.posW.push({ pos, median: median(x) }); s.posCpuW.push({ pos, median: cpu });
        batches.push({ id: s.spec.id, side: 'wasm', round: r, pos, n: x.length, median: median(x), cpu, bg });
      };
      const doN = async () => {
        if (!s.n) return;
        const x: number[] = [], y: number[] = []; const b0 = otherThreadsCpu(); const c0 = mainThreadCpu();
        for (let i = 0; i < s.k.n; i++) { const t = await s.n.run(); x.push(t.ms); y.push(t.secureMs); }
        const cpu = (mainThreadCpu() - c0) / s.k.n, bg = (otherThreadsCpu() - b0) / s.k.n;
        s.cpuN.push(cpu); s.N.push(x); s.Nsecure.push(y); s.posN.push({ pos, median: median(x) });
        batches.push({ id: s.spec.id, side: 'node', round: r, pos, n: x.length, median: median(x), cpu, bg });
      };
      const doF = () => { if (!s.f) return; const x: number[] = []; for (let i = 0; i < Math.max(1, Math.min(s.k.f, 3)); i++) x.push(forge!.handshake(s.f.resume)); s.F.push(x); };
      if (r % 2 === 0) { doW(); await doN(); doF(); } else { doF(); await doN(); doW(); }
    }
  }
  // The first timed round against the rest, per side (geometric mean over scenarios of its batch
  // over the scenario's median batch): what tier-up the warm-up left would show here.
  for (const side of ['wasm', 'node'] as const) {
    const xs = S.filter(s => side === 'wasm' || s.n).map(s => {
      const per = side === 'wasm' ? s.posW : s.posN;
      return { wall: per[0].median / median(per.map(b => b.median)), cpu: (side === 'wasm' ? s.cpuW : s.cpuN)[0] / median(side === 'wasm' ? s.cpuW : s.cpuN) };
    });
    const gm = (v: number[]) => Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length);
    firstRound[side] = { wall: gm(xs.map(x => x.wall)), cpu: gm(xs.map(x => x.cpu)) };
    log(`  first timed round against the rest, ${side}: ${((firstRound[side]!.wall - 1) * 100).toFixed(0)}% wall, ${((firstRound[side]!.cpu - 1) * 100).toFixed(0)}% main-thread CPU`);
  }
  const rows: Row[] = [];
  for (const s of S) {
    const { spec, w, n, f } = s;
    const waited = spec.version === 'TLSv1.3' && spec.resume === null;
    const row: Row = {
      id: spec.id,
      label: spec.label,
      negotiated: { wasm: w.negotiated, node: n?.negotiated ?? null, forge: f ? forge!.negotiated() : undefined },
      wasm: summarize(s.W.flat()),
      node: n ? summarize(s.N.flat()) : null,
      ratio: n ? pairedRatio(s.W, s.N) : null,
      cpuRatio: n ? summarize(s.cpuW.map((x, i) => x / s.cpuN[i])) : null,
      ...(n && waited ? { nodeSecure: summarize(s.Nsecure.flat()), ratioSecure: pairedRatio(s.W, s.Nsecure)! } : {}),
      positions: { wasm: positionCheck(s.posW, S.length), wasmCpu: positionCheck(s.posCpuW, S.length), node: n ? positionCheck(s.posN, S.length) : null },
      ...(f ? { forge: summarize(s.F.flat()), vsForge: pairedRatio(s.F, s.W) } : {}),
      ...(n ? {} : { note: `Node ${process.versions.node}'s OpenSSL ${process.versions.openssl} has no ${spec.group}` }),
    };
    rows.push(row);
    const moved = (p: PositionCheck | null | undefined, who: string) => (p && p.spread > POSITION_TOLERANCE ? ` [${who} moves ${(p.spread * 100).toFixed(0)}% with its position]` : '');
    log(`  ${spec.id}: wasm ${row.wasm.median.toFixed(3)} ms (${s.k.w}×${plan.rounds}), node ${row.node?.median.toFixed(3) ?? 'n/a'} ms${row.nodeSecure ? ` (${row.nodeSecure.median.toFixed(3)} without the ticket)` : ''}, ratio ${row.ratio?.median.toFixed(2) ?? 'n/a'}${row.forge ? `, forge ${row.forge.median.toFixed(1)} ms` : ''}${moved(row.positions!.wasm, 'wasm')}${moved(row.positions!.node, 'node')}`);
    w.free();
    n?.free();
  }
  return rows;
}

// ---- bulk ------------------------------------------------------------------------------------------

async function bulk(ossl: OpenSSL, forge: ReturnType<typeof forgeSetup> | null): Promise<Row[]> {
  const rows: Row[] = [];
  let forgeBulk: { segments: number[]; overall: number } | null = null;
  for (const b of BULK_SUITES.filter(b => !bulkOnly || bulkOnly.includes(b.id))) {
    // warm-up: one segment each
    wasmBulk(ossl, b.suite, plan.segment, plan.segment, plan.chunk);
    await nodeBulk(b.suite, plan.segment, plan.segment, plan.chunk);
    const W: number[][] = [], N: number[][] = [], Wo: number[][] = [], No: number[][] = [], cW: number[] = [], cN: number[] = [];
    let negW = '', negN = '';
    for (let r = 0; r < plan.bulkRuns; r++) {
      const doW = () => { const c0 = cpuNow()!; const x = wasmBulk(ossl, b.suite, plan.bulkBytes, plan.segment, plan.chunk); cW.push(cpuNow()! - c0); W.push(x.segments); Wo.push([x.overall]); negW = x.negotiated; };
      const doN = async () => { const c0 = cpuNow()!; const x = await nodeBulk(b.suite, plan.bulkBytes, plan.segment, plan.chunk); cN.push(cpuNow()! - c0); N.push(x.segments); No.push([x.overall]); negN = x.negotiated; };
      if (r % 2 === 0) { doW(); await doN(); } else { await doN(); doW(); }
    }
    let fs: Summary | null = null, vs: Summary | null = null, negF: string | undefined;
    if (forge) {
      // forge has one cipher (AES-128-CBC with HMAC-SHA1): measured once, set beside both suites
      forgeBulk ??= forge.bulk(plan.forgeBulkBytes, plan.segment, plan.chunk);
      fs = summarize(forgeBulk.segments);
      // speed-up: wasm's overall throughput over forge's, per wasm run
      vs = summarize(Wo.map(o => o[0] / forgeBulk!.overall));
      negF = `${forge.negotiated()} (${plan.forgeBulkBytes / 2 ** 20} MiB)`;
    }
    const row: Row = {
      id: b.id, label: b.label,
      negotiated: { wasm: negW, node: negN, ...(negF ? { forge: negF } : {}) },
      wasm: summarize(W.flat()), node: summarize(N.flat()),
      ratio: summarize(Wo.map((o, i) => o[0] / No[i][0])),
      // throughput ratio from CPU time: Node's CPU time for the same bytes over wasm's
      cpuRatio: summarize(cW.map((x, i) => cN[i] / x)),
      ...(fs ? { forge: fs, vsForge: vs } : {}),
    };
    rows.push(row);
    log(`  ${b.id}: wasm ${row.wasm.median.toFixed(1)} MB/s, node ${row.node!.median.toFixed(1)} MB/s${fs ? `, forge ${fs.median.toFixed(2)} MB/s` : ''}`);
  }
  return rows;
}

// ---- cold start ------------------------------------------------------------------------------------

async function cold(libFile: string): Promise<ColdResult> {
  const results: Record<'wasm' | 'node', { total: number; boot: number; cpu: number; mainCpu: number | null; phases: Record<string, number> }[]> = { wasm: [], node: [] };
  for (let i = 0; i < plan.cold; i++) {
    for (const mode of (i % 2 ? ['node', 'wasm'] : ['wasm', 'node']) as ('wasm' | 'node')[]) {
      const r = await run(process.execPath, [join(root, 'bench/cold-child.mjs'), mode, libFile, wasmFile, join(root, 'test/fixtures')], {}, 60_000);
      if (r.code !== 0) throw new Error(`cold start (${mode}) failed: ${r.err || r.out}`);
      results[mode].push(JSON.parse(r.out.trim().split('\n').at(-1)!));
    }
  }
  const sum = (xs: typeof results.wasm) => ({
    total: summarize(xs.map(x => x.total)),
    boot: summarize(xs.map(x => x.boot)),
    cpu: summarize(xs.map(x => x.cpu)),
    ...(xs.every(x => x.mainCpu !== null) ? { mainCpu: summarize(xs.map(x => x.mainCpu!)) } : {}),
    phases: Object.fromEntries(Object.keys(xs[0].phases).map(p => [p, summarize(xs.map(x => x.phases[p]))])),
  });
  return { runs: plan.cold, wasm: sum(results.wasm), node: sum(results.node) };
}

// ---- Deno and Chromium -----------------------------------------------------------------------------

const bundleOpts = { bundle: true, format: 'esm' as const, target: 'es2022', loader: { '.pem': 'text' as const, '.key': 'text' as const }, logLevel: 'warning' as const };

async function deno(outDir: string): Promise<StandaloneResult> {
  const file = join(outDir, 'deno.mjs');
  await build({ ...bundleOpts, entryPoints: [join(root, 'bench/deno-entry.ts')], outfile: file, platform: 'neutral', external: ['node:*'] });
  const r = await run(join(root, 'node_modules/.bin/deno'), ['run', `--allow-read=${wasmFile}`, file, wasmFile, ...(quick ? ['--quick'] : []), ...(noWarmup ? ['--no-warmup'] : [])],
    { DENO_DIR: join(root, 'node_modules/.cache/deno'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' });
  const line = r.out.split('\n').find(l => l.startsWith('BENCH_RESULT '));
  if (r.code !== 0 || !line) throw new Error(`deno run failed (exit ${r.code}): ${r.err.slice(-2000)}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

async function chromium(outDir: string): Promise<StandaloneResult & { isolated?: boolean }> {
  const web = join(outDir, 'web');
  mkdirSync(web, { recursive: true });
  await build({ ...bundleOpts, entryPoints: [join(root, 'bench/browser-entry.ts')], outfile: join(web, 'bench.js'), platform: 'browser' });
  writeFileSync(join(web, 'index.html'), '<!doctype html><meta charset="utf-8"><title>openssl-wasm bench</title><link rel="icon" href="data:,">\n<script type="module" src="./bench.js"></script>\n');
  const files: Record<string, [string, () => Buffer]> = {
    '/': ['text/html; charset=utf-8', () => readFileSync(join(web, 'index.html'))],
    '/bench.js': ['text/javascript; charset=utf-8', () => readFileSync(join(web, 'bench.js'))],
    '/openssl.wasm': ['application/wasm', () => readFileSync(wasmFile)],
  };
  const server: Server = await new Promise((res, rej) => {
    const s = createServer((req, resp) => {
      const f = files[new URL(req.url ?? '/', 'http://x').pathname];
      if (!f) { resp.writeHead(404).end(); return; }
      // cross-origin isolated: performance.now() gets 5 µs resolution instead of 100 µs
      resp.writeHead(200, { 'content-type': f[0], 'cache-control': 'no-store', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }).end(f[1]());
    });
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => res(s));
  });
  const { chromium: pw } = await import('playwright');
  const home = join(root, 'node_modules/.cache/chromium');
  const browser = await pw.launch({
    executablePath: '/usr/bin/chromium', headless: true, timeout: 30_000,
    env: { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache') },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', e => errors.push(e.message));
    const port = (server.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/?${quick ? 'quick&' : ''}${noWarmup ? 'nowarmup' : ''}`, { timeout: 30_000 });
    await page.waitForFunction(() => (globalThis as { __bench?: unknown }).__bench !== undefined || false, null, { timeout: 540_000, polling: 250 })
      .catch(e => { throw new Error(`chromium: no result (${e.message.split('\n')[0]}); page errors: ${errors.join('; ')}`); });
    const r = await page.evaluate(() => (globalThis as unknown as { __bench: { ok: boolean; result?: StandaloneResult; error?: string; isolated?: boolean } }).__bench);
    if (!r.ok) throw new Error(`chromium: ${r.error}`);
    return { ...r.result!, runtime: `chromium ${browser.version()}`, isolated: r.isolated };
  } finally {
    await browser.close();
    server.close();
  }
}

// ---- main ------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const outDir0 = join(root, 'build/bench');
  const libFile0 = join(outDir0, 'lib.mjs');
  if (opt('--compare')) {
    await build({ ...bundleOpts, entryPoints: [join(root, 'ts/index.ts')], outfile: libFile0, platform: 'node', minify: true });
    const { compare } = await import('./compare.ts');
    console.log(await compare(root, opt('--compare')!.split(',').map(f => resolve(f)), quick, libFile0, { parts: only, bulk: bulkOnly }));
    return 0;
  }
  if (!existsSync(wasmFile)) throw new Error(`${wasmFile} is missing: run ./build.sh`);
  const outDir = join(root, 'build/bench');
  mkdirSync(outDir, { recursive: true });
  const bytes = readFileSync(wasmFile);
  const module = await WebAssembly.compile(bytes);
  const ossl = await OpenSSL.load({ wasm: module });
  const forgeVersion = JSON.parse(readFileSync(join(root, 'node_modules/node-forge/package.json'), 'utf8')).version;
  const results: Results = {
    date: new Date().toISOString(),
    quick,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', nproc: cpus().length, loadBefore: loadavg(), loadAfter: [] },
    versions: { 'openssl-wasm': ossl.version, node: process.versions.node, "Node's OpenSSL": process.versions.openssl, V8: process.versions.v8, 'node-forge': forgeVersion },
    wasmFile,
    handshakes: [], batches, warmup, firstRound, cpuClock, noWarmup, bulk: [], cold: null, size: null, plainSize: null, memory: null, cache: [],
    runtimes: { deno: null, chromium: null }, targets: [],
  };
  log(`openssl-wasm bench${quick ? ' --quick' : ''}: ${wasmFile}`);
  const forge = want('forge') ? forgeSetup() : null;
  if (want('handshakes') || want('bulk')) { log('warm-up'); warmAll(ossl, plan.warmAllMs); }
  if (want('handshakes')) { log('handshakes'); results.handshakes = await handshakes(ossl, forge); }
  if (want('bulk')) { log('bulk'); results.bulk = await bulk(ossl, forge); }
  if (want('size')) {
    const sizes = (b: Uint8Array) => ({ raw: b.length, gzip: gzipSync(b, { level: 9 }).length, brotli: brotliCompressSync(b, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: b.length } }).length });
    results.size = sizes(bytes);
    // The other build the package ships (or, with --wasm, nothing to compare).
    const plain = join(root, 'wasm/openssl.wasm');
    if (!opt('--wasm') && existsSync(plain)) results.plainSize = sizes(readFileSync(plain));
  }
  if (want('memory')) {
    log('memory');
    results.memory = await wasmMemory(module, plan.memConns);
    for (const n of plan.cacheSizes) {
      const inst = await OpenSSL.load({ wasm: module });
      results.cache.push(wasmCacheOps(inst, n));
      log(`  cache ${n}: add ${results.cache.at(-1)!.add.median.toFixed(2)} µs`);
    }
  }
  if (want('live')) {
    log('live connections');
    results.live = await wasmLiveConnections(module, plan.liveConns);
    log(`  connection ${results.live.live}: ${results.live.last.toFixed(1)} µs, the first ${results.live.first.toFixed(1)} µs`);
  }
  if (want('cold')) {
    log('cold start');
    const libFile = join(outDir, 'lib.mjs');
    await build({ ...bundleOpts, entryPoints: [join(root, 'ts/index.ts')], outfile: libFile, platform: 'node', minify: true });
    results.cold = await cold(libFile);
    log(`  wasm ${results.cold.wasm.total.median.toFixed(1)} ms, node ${results.cold.node.total.median.toFixed(1)} ms`);
  }
  // in the full run (5 profiles, ~1 min); not in --quick unless named
  if (want('cold-browser') && (!quick || only?.includes('cold-browser'))) {
    log('cold start in Chromium');
    const { coldBrowser } = await import('./cold-browser.ts');
    results.coldBrowser = await coldBrowser(root, outDir, quick ? 2 : 5, log);
  }
  if (want('fleet')) {
    log('fleet (Redis)');
    const { fleetBench } = await import('./fleet.ts');
    results.fleet = await fleetBench(root, module, quick, log);
  }
  // `load` runs only when asked for (--only load): it is long and leans on loopback sockets
  if (only?.includes('load')) {
    log('load (loopback sockets)');
    const { loadBench, LOAD_PLAN } = await import('./load.ts');
    // --load-clients PxC: P client processes with C handshakes in flight each (default 2x8)
    const [p, c] = (opt('--load-clients') ?? '').split('x').map(Number);
    results.load = await loadBench(root, await OpenSSL.load({ wasm: module }), log, p > 0 && c > 0 ? { ...LOAD_PLAN, processes: p, concurrency: c } : LOAD_PLAN);
  }
  // `idle` likewise: 11,000 connections on each of two servers
  if (only?.includes('idle')) {
    log('idle connections (loopback sockets)');
    const { idleBench } = await import('./idle.ts');
    results.idle = await idleBench(root, wasmFile, log);
  }
  if (want('deno')) { log('deno'); results.runtimes.deno = await deno(outDir); results.versions.deno = results.runtimes.deno.runtime.replace(/^deno /, ''); }
  if (want('chromium')) { log('chromium'); results.runtimes.chromium = await chromium(outDir); results.versions.chromium = results.runtimes.chromium.runtime.replace(/^chromium /, ''); }
  results.machine.loadAfter = loadavg();
  results.targets = targets(results);
  let report = markdown(results);
  if (results.fleet) report += `\n${(await import('./fleet.ts')).fleetMarkdown(results.fleet)}`;
  if (results.load) report += `\n${(await import('./load.ts')).loadMarkdown(results.load)}`;
  if (results.coldBrowser) report += `\n${(await import('./cold-browser.ts')).coldBrowserMarkdown(results.coldBrowser)}`;
  if (results.idle) report += `\n${(await import('./idle.ts')).idleMarkdown(results.idle)}`;
  console.log(report);
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${results.date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify({ ...results, forgeLabel: FORGE_LABEL }, null, 1)}\n`);
  if (opt('--markdown')) writeFileSync(resolve(opt('--markdown')!), report);
  console.log(`results: ${file}`);
  return 0;
}

main().then(
  code => { process.exitCode = code; },
  e => {
    console.error(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    if (e?.name === 'ResumptionError') console.error('(a resumed handshake did not resume: that fails the bench)');
    process.exitCode = 1;
  },
);
