// Runtime-neutral test registry. Suites only *record* their tests here; the thin
// runners (vitest.test.ts, deno.test.ts) translate them into each runtime's own API,
// so every test is written once. Keep this file free of runtime-specific imports.

import { OpenSSL } from '../../ts/index.ts';
import { testLine } from './line.ts';

export type TestFn = () => void | Promise<void>;
export interface TestOptions {
  /**
   * The harness checks after every test that each instance the test loaded (OpenSSL.load) holds no
   * live handle. A test that hands what it made to later tests, or leaves handles to the garbage
   * collector on purpose, says so here, with the reason.
   */
  keepsHandles?: string;
}
export type TestRegistrar = (name: string, fn: TestFn, options?: TestOptions) => void;

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
  body((testName, fn, opts = {}) => {
    s.tests.push({ name: testName, fn: opts.keepsHandles ? fn : withLeakCheck(fn) });
  });
  suites.push(s);
}

export function allSuites(runtime: Runtime): readonly Suite[] {
  return suites.filter(s => s.runtimes.includes(runtime));
}

// The leak assertion after every test: OpenSSL.load is watched while a test runs (tests run one at
// a time in every runner), and each instance it loaded must end the test with no live handle.
// Loads that name no line (the adapters' default instance, OpenSSL.load() itself) get the line
// under test, so that the whole suite runs on it.
let loading: OpenSSL[] | null = null;
const load = OpenSSL.load.bind(OpenSSL);
OpenSSL.load = async options => {
  const ossl = await load({ line: testLine, ...options });
  loading?.push(ossl);
  return ossl;
};

function withLeakCheck(fn: TestFn): TestFn {
  return async () => {
    const loaded: OpenSSL[] = [];
    loading = loaded;
    try {
      await fn();
    } finally {
      loading = null;
    }
    await new Promise(resolve => setTimeout(resolve, 0)); // deferred frees and their backstop run
    for (const ossl of loaded) {
      if (ossl.raw.failed !== undefined) continue; // a test of trapped instances
      const { handles } = ossl.stats();
      if (handles.Context + handles.Connection + handles.Session > 0) {
        throw new Error(`leak check: the test left live handles in an instance it loaded: ${JSON.stringify(handles)}; free them, or register the test with { keepsHandles: 'why' }`);
      }
    }
  };
}
