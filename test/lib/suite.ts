// Runtime-neutral test registry. Suites only *record* their tests here; the thin
// runners (vitest.test.ts, deno.test.ts) translate them into each runtime's own API,
// so every test is written once. Keep this file free of runtime-specific imports.

export type TestFn = () => void | Promise<void>;
export type TestRegistrar = (name: string, fn: TestFn) => void;

export type Runtime = 'node' | 'browser' | 'deno';

export interface Suite {
  name: string;
  tests: { name: string; fn: TestFn }[];
  /** Where the suite runs; all three unless it needs what only some have (sockets, processes). */
  runtimes: readonly Runtime[];
}

const suites: Suite[] = [];

export function suite(name: string, body: (test: TestRegistrar) => void, options: { runtimes?: Runtime[] } = {}): void {
  const s: Suite = { name, tests: [], runtimes: options.runtimes ?? ['node', 'browser', 'deno'] };
  // Tests are collected eagerly at import time so runners can register them synchronously
  // (Deno.test and vitest's `it` must be called during module evaluation).
  body((testName, fn) => {
    s.tests.push({ name: testName, fn });
  });
  suites.push(s);
}

export function allSuites(runtime: Runtime): readonly Suite[] {
  return suites.filter(s => s.runtimes.includes(runtime));
}
