// Leak checks for tests that free things at awkward moments (inside callbacks, across instances):
// every handle back to none, nothing left to the garbage collector, and linear memory flat when
// the same scenario runs again (the first run builds OpenSSL's lazily made state).
import type { OpenSSL } from '../../ts/index.ts';
import * as assert from './assert.ts';

const NO_HANDLES = { Context: 0, Connection: 0, Session: 0 };

/** Lets queued microtasks (the release backstop) and finalization tasks run. */
export const settle = () => new Promise<void>(resolve => setTimeout(resolve, 0));

/** Asserts that `ossl` holds no live handle and that nothing was finalized. */
export async function assertNoHandles(ossl: OpenSSL, what: string): Promise<void> {
  await settle();
  const st = ossl.stats();
  assert.deepEqual(st.handles, NO_HANDLES, `${what}: every handle is freed`);
  assert.equal(st.finalized, 0, `${what}: nothing was left to the garbage collector`);
}

/**
 * Runs `scenario` three times on `ossl`, checking after each that no handle is left, and that
 * heapInUse after the third equals that after the second (flat: nothing accumulates per run).
 */
export async function assertFlat(ossl: OpenSSL, what: string, scenario: () => void | Promise<void>): Promise<void> {
  const heap: number[] = [];
  for (let run = 0; run < 3; run++) {
    await scenario();
    await assertNoHandles(ossl, `${what} (run ${run + 1})`);
    heap.push(ossl.stats().heapInUse);
  }
  assert.equal(heap[2], heap[1], `${what}: heapInUse is flat from one run to the next (${heap.join(', ')})`);
}
