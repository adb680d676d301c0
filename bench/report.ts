// The bench's results as one JSON document, and the markdown report made from it: tables and the
// targets, each met or not met. Missing a target never fails the bench; only a crash or a
// resumption that did not resume does.
import type { CacheOpsResult, LiveConnectionsResult, MemoryResult, StandaloneResult } from './core.ts';
import { POSITION_TOLERANCE, type PositionCheck, type Summary } from './stats.ts';

export interface Row {
  id: string;
  label: string;
  negotiated: { wasm: string; node: string | null; forge?: string | null };
  wasm: Summary;
  node: Summary | null;
  /** Paired per-round ratio wasm/node: time for handshakes, throughput for bulk. */
  ratio: Summary | null;
  /** The same ratio from CPU time per round (steadier when other processes compete for the cores). */
  cpuRatio?: Summary | null;
  /**
   * Node's TLS 1.3 full handshake timed to both ends secure, without waiting for the client's
   * ticket (`node` waits for it, as the wasm side reads its tickets), and wasm's time over that.
   */
  nodeSecure?: Summary;
  ratioSecure?: Summary;
  /** The figure by position in the round (handshakes; each scenario is timed at each position). */
  positions?: { wasm: PositionCheck; node: PositionCheck | null; /** The same from main-thread CPU per handshake: load on the machine moves it less. */ wasmCpu?: PositionCheck };
  forge?: Summary | null;
  /** How many times faster than forge (paired per round). */
  vsForge?: Summary | null;
  note?: string;
}

export interface ColdResult {
  runs: number;
  wasm: { total: Summary; boot: Summary; cpu: Summary; mainCpu?: Summary; phases: Record<string, Summary> };
  node: { total: Summary; boot: Summary; cpu: Summary; mainCpu?: Summary; phases: Record<string, Summary> };
}

export interface Results {
  date: string;
  quick: boolean;
  machine: { cpu: string; nproc: number; loadBefore: number[]; loadAfter: number[] };
  versions: Record<string, string>;
  wasmFile: string;
  handshakes: Row[];
  /** Every timed handshake batch (bench/main.ts). */
  batches?: import('./main.ts').Batch[];
  /** The handshake warm-up passes (bench/main.ts). */
  warmup?: { passes: { ms: number[]; change: number | null }[] };
  /** The first timed round over the median one, per side (bench/main.ts). */
  firstRound?: { wasm?: { wall: number; cpu: number }; node?: { wall: number; cpu: number } };
  /** Which CPU clock the CPU ratios read: the main thread's (Linux) or the process's. */
  cpuClock?: string;
  /** `--no-warmup`: nothing run before the timing (a diagnosis, not figures). */
  noWarmup?: boolean;
  bulk: Row[];
  cold: ColdResult | null;
  size: { raw: number; gzip: number; brotli: number } | null;
  /** The plain build's size, when the measured module is the default SIMD build. */
  plainSize: { raw: number; gzip: number; brotli: number } | null;
  memory: MemoryResult | null;
  cache: CacheOpsResult[];
  /** Connection creation with many live (bench/core.ts wasmLiveConnections). */
  live?: LiveConnectionsResult;
  runtimes: { deno: StandaloneResult | null; chromium: (StandaloneResult & { isolated?: boolean }) | null };
  /** A server under load over loopback sockets (bench/load.ts; --only load). */
  load?: import('./load.ts').LoadResult;
  idle?: import('./idle.ts').IdleResult;
  coldBrowser?: import('./cold-browser.ts').ColdBrowserResult;
  /** Sessions in Redis (bench/fleet.ts). */
  fleet?: import('./fleet.ts').FleetResults;
  targets: Target[];
}

export interface Target { name: string; figure: string; met: boolean | null }

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const mbs = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const cell = (s: Summary | null | undefined, f: (x: number) => string) => (s ? `${f(s.median)} [${f(s.p10)}–${f(s.p90)}]` : 'n/a');
const ratio = (s: Summary | null | undefined) => (s ? `${s.median.toFixed(2)}× [${s.p10.toFixed(2)}–${s.p90.toFixed(2)}]` : 'n/a');
const kb = (b: number) => `${(b / 1000).toFixed(1)} KB`;

export function targets(r: Results): Target[] {
  const out: Target[] = [];
  const row = (id: string) => r.handshakes.find(h => h.id === id) ?? r.bulk.find(b => b.id === id);
  const cpu = (x: Row) => (x.cpuRatio ? ` (CPU ${x.cpuRatio.median.toFixed(2)}×)` : '');
  for (const id of ['tls13-resumed', 'tls12-resumed-id', 'tls12-resumed-ticket']) {
    const x = row(id);
    out.push({ name: `${x?.label ?? id}: faster than Node's tls`, figure: x?.ratio ? `${x.ratio.median.toFixed(2)}× Node's time${cpu(x)}` : 'n/a', met: x?.ratio ? x.ratio.median < 1 : null });
  }
  for (const id of ['tls13-full-p256', 'tls13-full-rsa']) {
    const x = row(id);
    out.push({ name: `${x?.label ?? id}: within 1.5× Node's time`, figure: x?.ratio ? `${x.ratio.median.toFixed(2)}×${cpu(x)}` : 'n/a', met: x?.ratio ? x.ratio.median <= 1.5 : null });
  }
  const cc = row('bulk-chacha20');
  out.push({ name: 'ChaCha20-Poly1305 bulk: at least half Node\'s throughput', figure: cc?.ratio ? `${cc.ratio.median.toFixed(2)}× Node's MB/s${cpu(cc)}` : 'n/a', met: cc?.ratio ? cc.ratio.median >= 0.5 : null });
  for (const x of [...r.handshakes, ...r.bulk].filter(x => x.vsForge)) {
    out.push({ name: `${x.label}: at least 10× node-forge`, figure: `${x.vsForge!.median.toFixed(1)}×`, met: x.vsForge!.median >= 10 });
  }
  if (r.live) out.push({ name: `the ${r.live.live}th live connection created within 2× the time of the first`, figure: `${(r.live.last / r.live.first).toFixed(2)}×`, met: r.live.last <= 2 * r.live.first });
  if (r.size) out.push({ name: 'module at most 500 KB gzipped', figure: kb(r.size.gzip), met: r.size.gzip <= 500_000 });
  if (r.cold) out.push({ name: 'nothing loaded to first completed handshake (Node): at most 50 ms', figure: `${ms(r.cold.wasm.total.median)} ms (CPU ${ms(r.cold.wasm.cpu.median)} ms all threads${r.cold.wasm.mainCpu ? `, ${ms(r.cold.wasm.mainCpu.median)} ms main thread` : ''}; Node tls ${ms(r.cold.node.total.median)} ms)`, met: r.cold.wasm.total.median <= 50 });
  // Chromium: from the page script's first line (the bundle, library included, already fetched and
  // evaluated; navigation to there is reported beside it), per load of the same fresh profile.
  for (const l of r.coldBrowser?.loads ?? []) {
    out.push({ name: `nothing loaded to first completed handshake (Chromium, ${l.name} load): at most 50 ms`, figure: `${ms(l.total.median)} ms from the script's first line (${ms(l.fromNavigation.median)} ms from navigation; main-thread CPU from navigation ${ms(l.mainThreadCpu.median)} ms)`, met: l.total.median <= 50 });
  }
  return out;
}

export function markdown(r: Results): string {
  const L: string[] = [];
  L.push(`## openssl-wasm bench${r.quick ? ' (--quick: few samples, for CI; not figures to quote)' : ''}${r.noWarmup ? ' (--no-warmup: timed from cold, a diagnosis; not figures to quote)' : ''}`, '');
  L.push(`${r.date}; ${r.machine.cpu}, ${r.machine.nproc} cores, load ${r.machine.loadBefore.map(x => x.toFixed(2)).join(' ')} before, ${r.machine.loadAfter.map(x => x.toFixed(2)).join(' ')} after`);
  L.push(Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join('; '), '');
  L.push('Medians [p10–p90]. "wasm/Node" is the median of per-round ratios, the two measured back to back in each round;',
    '"CPU" is that ratio from the main thread\'s CPU time per round, which waiting for a busy core does not inflate (nor V8\'s background compiling and GC).', '');

  L.push('### Handshakes (ms, client and server in one process)', '');
  L.push('| scenario | openssl-wasm | Node tls | wasm/Node time | CPU | node-forge¹ | wasm speed-up vs forge |', '|---|---|---|---|---|---|---|');
  for (const h of r.handshakes) {
    L.push(`| ${h.label} | ${cell(h.wasm, ms)} | ${h.node ? cell(h.node, ms) : `n/a${h.note ? ` (${h.note})` : ''}`} | ${ratio(h.ratio)} | ${h.cpuRatio ? `${h.cpuRatio.median.toFixed(2)}×` : 'n/a'} | ${h.forge ? `${cell(h.forge, ms)}` : ''} | ${h.vsForge ? `${h.vsForge.median.toFixed(1)}×` : ''} |`);
  }
  L.push('');
  const waited = r.handshakes.filter(h => h.nodeSecure);
  if (waited.length) {
    L.push('### Node\'s TLS 1.3 full handshake, with and without the client\'s ticket (ms)', '');
    L.push('The wasm figure runs until the client has read the server\'s tickets (the server made and sent them, the client parsed them): the ratios above use Node\'s time to its client\'s first `session` event, the same work. Node\'s time to both ends secure, from the same handshakes:', '');
    L.push('| scenario | Node: both ends secure | Node: + the client\'s ticket | wasm/Node, with the ticket | wasm/Node, to secure |', '|---|---|---|---|---|');
    for (const h of waited) L.push(`| ${h.label} | ${cell(h.nodeSecure, ms)} | ${cell(h.node, ms)} | ${ratio(h.ratio)} | ${ratio(h.ratioSecure)} |`);
    L.push('');
  }
  const placed = r.handshakes.filter(h => h.positions);
  if (placed.length) {
    const n = placed[0].positions!.wasm.byPosition.length;
    const flag = (p: PositionCheck | null | undefined) => (p ? `${(p.spread * 100).toFixed(0)}%${p.spread > POSITION_TOLERANCE ? ' **moves**' : ''}` : 'n/a');
    L.push(`### Order check (each scenario timed at each of ${n} positions in its round; flagged when its figure moves by more than ${POSITION_TOLERANCE * 100}%)`, '');
    L.push(`| scenario | openssl-wasm by position 1–${n} (ms) | spread | the same in main-thread CPU | Node tls spread |`, '|---|---|---|---|---|');
    for (const h of placed) L.push(`| ${h.label} | ${h.positions!.wasm.byPosition.map(x => (x === null ? '–' : ms(x))).join(' ')} | ${flag(h.positions!.wasm)} | ${h.positions!.wasmCpu ? `${(h.positions!.wasmCpu.spread * 100).toFixed(0)}%` : 'n/a'} | ${flag(h.positions!.node)} |`);
    const fr = r.firstRound;
    const pc = (x: number) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(0)}%`;
    if (fr?.wasm) L.push('', `The first timed round against the median round (geometric mean over scenarios): openssl-wasm ${pc(fr.wasm.wall)} wall, ${pc(fr.wasm.cpu)} main-thread CPU${fr.node ? `; Node tls ${pc(fr.node.wall)}, ${pc(fr.node.cpu)}` : ''}${r.warmup ? ` (after ${r.warmup.passes.length} warm-up passes)` : ''}.`);
    L.push('', 'Spread: (highest − lowest position median) / the scenario\'s median. On a loaded machine single batches are often delayed waiting for a core: a spread in wall time that the CPU column does not share is that, not an order effect.', '');
  }
  L.push('### Bulk (MB/s, 10⁶ bytes/s, client → server, 64 KiB writes; p10/p90 over segments)', '');
  L.push('| scenario | openssl-wasm | Node tls | wasm/Node throughput | CPU | node-forge¹ | wasm speed-up vs forge |', '|---|---|---|---|---|---|---|');
  for (const b of r.bulk) {
    L.push(`| ${b.label} | ${cell(b.wasm, mbs)} | ${cell(b.node, mbs)} | ${ratio(b.ratio)} | ${b.cpuRatio ? `${b.cpuRatio.median.toFixed(2)}×` : 'n/a'} | ${b.forge ? cell(b.forge, mbs) : ''} | ${b.vsForge ? `${b.vsForge.median.toFixed(1)}×` : ''} |`);
  }
  const forgeNeg = [...r.handshakes, ...r.bulk].map(x => x.negotiated.forge).find(Boolean);
  L.push('', `¹ node-forge speaks only TLS 1.0/1.1 with RSA key exchange: its figures are ${forgeNeg ?? 'TLS 1.0, TLS_RSA_WITH_AES_128_CBC_SHA'}, RSA-2048 (a self-signed certificate: forge cannot read ECDSA-signed ones), set beside the closest openssl-wasm scenario.`, '');

  const { deno, chromium } = r.runtimes;
  if (deno || chromium) {
    L.push('### Runtimes (openssl-wasm in each; medians; Node tls for reference)', '');
    L.push(`| scenario | Node | Deno | Chromium${chromium && chromium.isolated === false ? ' (timer 100 µs)' : ''} | Node tls |`, '|---|---|---|---|---|');
    for (const h of r.handshakes) {
      L.push(`| ${h.label} (ms) | ${ms(h.wasm.median)} | ${deno ? ms(deno.handshakes[h.id]?.summary.median ?? NaN) : '–'} | ${chromium ? ms(chromium.handshakes[h.id]?.summary.median ?? NaN) : '–'} | ${h.node ? ms(h.node.median) : 'n/a'} |`);
    }
    for (const b of r.bulk) {
      L.push(`| ${b.label} (MB/s) | ${mbs(b.wasm.median)} | ${deno ? mbs(deno.bulk[b.id]?.summary.median ?? NaN) : '–'} | ${chromium ? mbs(chromium.bulk[b.id]?.summary.median ?? NaN) : '–'} | ${b.node ? mbs(b.node.median) : 'n/a'} |`);
    }
    L.push('', `${[deno?.runtime, chromium?.runtime].filter(Boolean).join('; ')}`, '');
    for (const rt of [deno, chromium]) {
      const moved = rt ? Object.entries(rt.handshakes).filter(([, x]) => x.positions && x.positions.spread > POSITION_TOLERANCE) : [];
      if (moved.length) L.push(`Order check, ${rt!.runtime}: ${moved.map(([id, x]) => `${id} moves ${(x.positions!.spread * 100).toFixed(0)}%`).join(', ')} with its position.`, '');
    }
  }

  if (r.cold) {
    const c = r.cold;
    L.push(`### Cold start (ms, ${c.runs} fresh Node processes each; from the script's first line, PEMs already read)`, '');
    L.push('| phase | openssl-wasm | Node tls |', '|---|---|---|');
    const phases = [...new Set([...Object.keys(c.wasm.phases), ...Object.keys(c.node.phases)])];
    for (const p of phases) L.push(`| ${p} | ${c.wasm.phases[p] ? cell(c.wasm.phases[p], ms) : '–'} | ${c.node.phases[p] ? cell(c.node.phases[p], ms) : '–'} |`);
    L.push(`| **nothing loaded → first handshake** | **${cell(c.wasm.total, ms)}** | **${cell(c.node.total, ms)}** |`);
    L.push(`| (CPU time of the same, all threads) | ${cell(c.wasm.cpu, ms)} | ${cell(c.node.cpu, ms)} |`);
    if (c.wasm.mainCpu && c.node.mainCpu) L.push(`| (CPU time of the same, main thread) | ${cell(c.wasm.mainCpu, ms)} | ${cell(c.node.mainCpu, ms)} |`);
    L.push(`| (before that: Node's own start-up) | ${cell(c.wasm.boot, ms)} | ${cell(c.node.boot, ms)} |`, '');
  }
  if (r.size) {
    L.push('### Module size', '', '| module | raw | gzip -9 | brotli q11 |', '|---|---|---|---|', `| measured (${r.wasmFile.split('/').pop()}) | ${kb(r.size.raw)} | ${kb(r.size.gzip)} | ${kb(r.size.brotli)} |`);
    if (r.plainSize) L.push(`| openssl.wasm (plain build) | ${kb(r.plainSize.raw)} | ${kb(r.plainSize.gzip)} | ${kb(r.plainSize.brotli)} |`);
    L.push('');
  }
  if (r.memory) {
    const m = r.memory;
    L.push(`### Memory (bytes of linear memory from ossl.stats().heapInUse; ${m.conns} of each, client and server in separate instances)`, '');
    L.push('| what | bytes each |', '|---|---|');
    L.push(`| client connection, created | ${m.clientConnCreated.toFixed(0)} |`, `| server connection, created | ${m.serverConnCreated.toFixed(0)} |`);
    L.push(`| client connection, TLS 1.3 established and idle | ${m.clientConnIdle.toFixed(0)} |`, `| server connection, TLS 1.3 established and idle | ${m.serverConnIdle.toFixed(0)} |`);
    L.push(`| session in a server's cache (TLS 1.2, session id) | ${m.serverCachedSession.toFixed(0)} |`, `| TLS 1.3 ticket session kept by a client | ${m.clientTicketSession.toFixed(0)} |`, '');
  }
  if (r.live) {
    const v = r.live;
    L.push(`### Creating connections with many live (µs per server connection, the first ${v.sample} and the ${v.sample} up to the ${v.live}th, all kept)`, '');
    L.push('| first | last | last/first | linear memory at the end |', '|---|---|---|---|');
    L.push(`| ${v.first.toFixed(1)} | ${v.last.toFixed(1)} | ${(v.last / v.first).toFixed(2)}× | ${(v.memorySize / 2 ** 20).toFixed(0)} MiB |`, '');
  }
  if (r.cache.length) {
    L.push('### Server session cache (µs per operation, median [p10–p90] over batches of 100)', '');
    L.push('| sessions | add | lookup | remove | bytes per cached session | of which the cache |', '|---|---|---|---|---|---|');
    const us = (x: number) => x.toFixed(2);
    for (const c of r.cache) L.push(`| ${c.size} | ${cell(c.add, us)} | ${cell(c.lookup, us)} | ${cell(c.remove, us)} | ${c.bytesPerSession.toFixed(0)} | ${c.cacheBytesPerSession.toFixed(0)} |`);
    L.push('');
  }
  L.push('### Targets', '', '| target | figure | |', '|---|---|---|');
  for (const t of r.targets) L.push(`| ${t.name} | ${t.figure} | ${t.met === null ? 'n/a' : t.met ? 'met' : '**not met**'} |`);
  L.push('');
  return L.join('\n');
}
