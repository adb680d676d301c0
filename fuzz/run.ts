// `npm run fuzz`: a mutation fuzzer for the targets in fuzz/targets/, run in Node against the real
// module. It replays each target's corpus, then mutates inputs from it (bit flips, length fields,
// splices, ...) and keeps as new seeds the inputs whose outcome (the error OpenSSL gave, how far the
// handshake got) has not been seen: feedback from outcomes, not code coverage. Every input is held
// to the clean-failure contract (fuzz/contract.ts); the first violation is saved to fuzz/crashes/
// and stops the run. The inputs tried are fixed by --seed and the corpus.
//
//   npm run fuzz -- [--target NAME[,NAME]] [--runs N] [--seconds S] [--seed N] [--save] [--make-seeds] [--asan]
//     --runs/--seconds  per target (defaults 2000 runs, no time limit; the first reached ends it)
//     --list            print each corpus input's outcome
//     --save            write back each corpus minimised: the smallest input for each outcome seen
//     --asan            on the AddressSanitizer modules (`./build.sh --asan`, build/asan/): an
//                       overflow in this project's C aborts the module, a trap the contract reports
import { checkAsan } from './asan.ts';
import { ContractViolation, runChecked } from './contract.ts';
import { readCorpus, readIndex } from './corpus.ts';
import { writeCorpus, writeCrash } from './corpus-write.ts';
import { loadEnv } from './env.ts';
import { mutate } from './mutate.ts';
import { Prng } from './prng.ts';
import { TARGETS } from './targets/index.ts';

const args = process.argv.slice(2);
const opt = (name: string) => { const i = args.indexOf(`--${name}`); return i < 0 ? undefined : args[i + 1]; };
const flag = (name: string) => args.includes(`--${name}`);

if (flag('make-seeds')) {
  await import('./make-seeds.ts');
  process.exit(0);
}
const names = opt('target')?.split(',') ?? TARGETS.map(t => t.name);
const runs = Number(opt('runs') ?? (opt('seconds') ? Infinity : 2000));
const seconds = Number(opt('seconds') ?? Infinity);
const seed = Number(opt('seed') ?? 1);
const unknown = names.filter(n => !TARGETS.some(t => t.name === n));
if (unknown.length) { console.error(`unknown target ${unknown.join(', ')}; targets: ${TARGETS.map(t => t.name).join(', ')}`); process.exit(2); }

if (flag('asan')) await checkAsan();
const env = await loadEnv({ asan: flag('asan') });
const index = await readIndex();
let failed = false;
for (const target of TARGETS.filter(t => names.includes(t.name))) {
  const state = await target.setup(env);
  const r = new Prng(seed);
  const best = new Map<string, Uint8Array>(); // outcome -> smallest input
  const pool: Uint8Array[] = [];
  const keep = (input: Uint8Array, outcome: string) => {
    const had = best.get(outcome);
    if (!had) pool.push(input);
    if (!had || input.length < had.length) best.set(outcome, input);
    return !had;
  };
  const corpus = await readCorpus(target.name, index);
  let current: Uint8Array = new Uint8Array(0);
  try {
    for (const { name, bytes } of corpus) {
      current = bytes;
      const outcome = await runChecked(target, state, bytes);
      keep(bytes, outcome);
      if (flag('list')) console.log(`  ${name}: ${outcome}`);
    }
    if (!pool.length) pool.push(new Uint8Array(0));
    // The target's first instance: the module under test, or the 4.0 line one a target loads itself.
    const heapInUse = () => state.instances[0].stats().heapInUse;
    const heap0 = heapInUse();
    console.log(`${target.name}: corpus of ${corpus.length} replayed, ${best.size} outcomes; fuzzing (seed ${seed})`);
    const t0 = Date.now();
    let n = 0, lastReport = t0;
    while (n < runs && (Date.now() - t0) / 1000 < seconds) {
      current = mutate(r.pick(pool), r, pool);
      if (keep(current, await runChecked(target, state, current))) console.log(`  #${n} new outcome (${best.size}): ${[...best.keys()].at(-1)}`);
      n++;
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        console.log(`  #${n} ${(n / ((lastReport - t0) / 1000)).toFixed(0)} inputs/s, ${best.size} outcomes, heapInUse ${heapInUse()}`);
      }
    }
    const secs = (Date.now() - t0) / 1000;
    const heap1 = heapInUse();
    console.log(`${target.name}: ${n} inputs in ${secs.toFixed(0)} s (${(n / secs).toFixed(0)} inputs/s), ${best.size} outcomes, clean; heapInUse ${heap0} -> ${heap1}`);
    if (flag('save')) {
      await writeCorpus(target.name, [...best.values()]);
      console.log(`  corpus: ${best.size} inputs written to fuzz/corpus/${target.name}/`);
    }
  } catch (e) {
    if (!(e instanceof ContractViolation)) throw e;
    failed = true;
    console.error(`${target.name}: CONTRACT VIOLATION: ${e.message}\n  reproducer: ${writeCrash(target.name, current)}`);
    if (e.cause) console.error(e.cause);
    break;
  }
  state.free();
}
process.exit(failed ? 1 : 0);
