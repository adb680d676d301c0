// The timers code arms while `during` runs, caught by their delay: a test can check that a default
// timeout is set (its value, not its timing) and run its callback at once instead of waiting for it.

/**
 * Runs `during` with globalThis.setTimeout watched; resolves with the callback of the first timer
 * armed for exactly `ms` (the real timer is armed too, as usual), or null if none was.
 */
export async function catchTimer(ms: number, during: () => unknown): Promise<(() => void) | null> {
  const real = globalThis.setTimeout;
  let caught: (() => void) | null = null;
  const watched = (fn: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
    if (delay === ms && caught === null) caught = () => fn(...args);
    return real(fn, delay, ...args);
  };
  globalThis.setTimeout = watched as typeof setTimeout;
  try {
    await during();
  } finally {
    globalThis.setTimeout = real;
  }
  return caught;
}
