// Leak checks for tests that free things at awkward moments (inside callbacks, across instances):
// every handle back to none, nothing left to the garbage collector, and linear memory flat when
// the same scenario runs again (the first run builds OpenSSL's lazily made state).
import type { OpenSSL } from '../../ts/index.ts';
import * as assert from './assert.ts';
import { tick } from './wait.ts';

/** Bytes heapInUse may move by between two runs of the same scenario. */
const SLACK = 64;
const NO_HANDLES = { Context: 0, Connection: 0, Session: 0 };

/** Lets queued microtasks (the release backstop) and finalization tasks run. */
export const settle = (): Promise<void> => tick(0);

/** Asserts that `ossl` holds no live handle and that nothing was finalized. */
export async function assertNoHandles(ossl: OpenSSL, what: string): Promise<void> {
  await settle();
  const st = ossl.stats();
  assert.deepEqual(st.handles, NO_HANDLES, `${what}: every handle is freed`);
  assert.equal(st.finalized, 0, `${what}: nothing was left to the garbage collector`);
}

/**
 * Runs `scenario` three times on `ossl`, checking after each that no handle is left, and that
 * heapInUse after the third is that after the second, to within SLACK (nothing accumulates per run).
 */
export async function assertFlat(ossl: OpenSSL, what: string, scenario: () => void | Promise<void>): Promise<void> {
  const heap: number[] = [];
  for (let run = 0; run < 3; run++) {
    await scenario();
    await assertNoHandles(ossl, `${what} (run ${run + 1})`);
    heap.push(ossl.stats().heapInUse);
  }
  // A few bytes of slack: OpenSSL grows some lazily made tables by a word now and then (seen once:
  // 8 bytes, in Deno). What leaks per run here (an SSL, a session, an ERR_STATE) is far larger.
  assert.ok(Math.abs(heap[2] - heap[1]) <= SLACK, `${what}: heapInUse is flat from one run to the next (${heap.join(', ')})`);
}
