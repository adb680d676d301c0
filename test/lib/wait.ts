// Bounded waiting, in any runtime.

/** Waits until `test()` holds (it may be asynchronous: a query), polling every 10 ms, or throws after `ms`. */
export async function until(test: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

/**
 * Waits until `read()` has stopped changing (the same value for `quietMs`), or throws after `ms`;
 * returns that value. For "the flow has stopped" checks: it returns as soon as the flow stops,
 * instead of sleeping a fixed time and hoping it has.
 */
export async function settled(read: () => number, ms: number, what: string, quietMs = 300): Promise<number> {
  const end = Date.now() + ms;
  let value = read(), since = Date.now();
  for (;;) {
    await new Promise(r => setTimeout(r, 25));
    const now = read();
    if (now !== value) { value = now; since = Date.now(); } else if (Date.now() - since >= quietMs) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what} to settle (still moving: ${value})`);
  }
}

/** `p`, or a rejection naming `what` after `ms`; the timer is cleared either way. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets the event loop run for `ms` (0: one task turn; finalization callbacks and timers arrive as tasks). */
export const tick = (ms = 0): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));
