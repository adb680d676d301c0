// The fuzz corpus (fuzz/corpus/<target>/, grown and minimised by `npm run fuzz`) replayed through
// every target in each runtime: each input returns or fails cleanly (OpenSSLError, TypeError,
// RangeError, or the target's own error), never traps; no handle outlives its input; a second pass
// over the corpus leaves linear memory where the first did; and everything is freed at the end.
import { runChecked } from '../../fuzz/contract.ts';
import { readCorpus, readIndex } from '../../fuzz/corpus.ts';
import { loadEnv } from '../../fuzz/env.ts';
import { TARGETS } from '../../fuzz/targets/index.ts';
import { equal, ok } from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';

/** Bytes heapInUse may move by between two passes (OpenSSL's lazily grown tables; see leaks.ts). */
const SLACK = 256;

suite('fuzz corpus', test => {
  test('every target has a committed corpus and fixture sessions', async () => {
    const index = await readIndex();
    for (const t of TARGETS) ok((index[t.name]?.length ?? 0) > 0, `fuzz/corpus/${t.name}/ has inputs`);
    const env = await loadEnv();
    equal(Object.keys(env.fixtures.sessions).length, 3, 'fuzz/fixtures/*.der');
  });

  for (const target of TARGETS) {
    test(`${target.name}: every corpus input fails cleanly or succeeds, and memory comes back`, async () => {
      const env = await loadEnv();
      const corpus = await readCorpus(target.name);
      const state = await target.setup(env);
      const heap: number[] = [];
      const outcomes = new Set<string>();
      for (let pass = 0; pass < 2; pass++) {
        for (const { name, bytes } of corpus) {
          try {
            outcomes.add(await runChecked(target, state, bytes));
          } catch (e) {
            throw new Error(`fuzz/corpus/${target.name}/${name}: ${(e as Error).message}`, { cause: e });
          }
        }
        heap.push(state.instances[0].stats().heapInUse); // the module under test, or the 4.0 line one a target loads itself
      }
      ok(Math.abs(heap[1] - heap[0]) <= SLACK, `heapInUse is the same after a second pass (${heap.join(', ')})`);
      ok(outcomes.size > 1, `the corpus reaches more than one outcome (${[...outcomes].join(' | ')})`);
      for (const want of target.mustReach ?? []) ok([...outcomes].some(o => o.includes(want)), `some corpus input reaches "${want}" (${[...outcomes].join(' | ')})`);
      state.free();
      await assertNoHandles(env.ossl, target.name);
      await assertNoHandles(env.plain, `${target.name} (plain build)`);
    });
  }
});
