// Runtime-neutral test registry. Suites only *record* their tests here; the thin
// runners (vitest.test.ts, deno.test.ts) translate them into each runtime's own API,
// so every test is written once. Keep this file free of runtime-specific imports.

import { OpenSSL } from '../../ts/index.ts';
import { testLine } from './line.ts';

export type TestFn = () => void | Promise<void>;
export interface TestOptions {
  /**
   * The harness checks after every test that every instance loaded so far (OpenSSL.load) holds no
   * live handle. A test that hands what it made to later tests, or leaves handles to the garbage
   * collector on purpose, says so here, with the reason.
   */
  keepsHandles?: string;
}
export type TestRegistrar = (name: string, fn: TestFn, options?: TestOptions) => void;

/**
 * How long one test may take in every runner before it fails. Generous because wasm instantiation
 * and TLS handshakes can be slow in a cold browser or on a busy machine.
 */
export const TEST_TIMEOUT_MS = 60_000;

/**
 * `fn`, failed with an error naming `name` if it has not settled after `ms` (for runners without a
 * timeout of their own: Deno.test). The timer is cleared either way.
 */
export function withTimeout(name: string, fn: TestFn, ms = TEST_TIMEOUT_MS): () => Promise<void> {
  return async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name}: timed out after ${ms / 1000} s`)), ms);
    });
    try {
      await Promise.race([fn(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

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

// The leak assertion after every test: every instance OpenSSL.load has made in this runner (tests
// run one at a time in every runner) must end each test with no live handle: the instances the
// test loaded, and those earlier tests loaded and shared (a suite's cached instance), so a test on
// a shared instance is checked as one on its own. Instances of earlier tests are held weakly: one the
// garbage collector has taken holds nothing.
// Loads that name no line (the adapters' default instance, OpenSSL.load() itself) get the line
// under test, so that the whole suite runs on it.
let loading: OpenSSL[] | null = null;
const everLoaded: WeakRef<OpenSSL>[] = [];
const load = OpenSSL.load.bind(OpenSSL);
OpenSSL.load = async options => {
  const ossl = await loadUnchecked(options);
  loading?.push(ossl);
  everLoaded.push(new WeakRef(ossl));
  return ossl;
};

/**
 * OpenSSL.load on the line under test, for an instance the leak check neither holds nor checks:
 * for a test that loads hundreds and must let them go (the test checks each itself).
 */
export function loadUnchecked(options?: Parameters<typeof OpenSSL.load>[0]): Promise<OpenSSL> {
  return load({ line: testLine, ...options });
}

/**
 * Handles a failed test (or a failed leak check) left behind, per instance: later tests are checked
 * against them, so one failure is reported once and does not fail every test after it on a shared
 * instance; anything a later test adds above them still fails it.
 */
const leftByFailures = new WeakMap<OpenSSL, Handles>();
type Handles = ReturnType<OpenSSL['stats']>['handles'];

/** Instances this runner has loaded that are still alive and not trapped, with `loaded` first. */
function liveInstances(loaded: OpenSSL[]): OpenSSL[] {
  const all = new Set([...loaded, ...everLoaded.map(r => r.deref()).filter((o): o is OpenSSL => o !== undefined)]);
  return [...all].filter(o => o.raw.failed === undefined); // a test of trapped instances
}

/** What each instance holds now becomes what later tests are checked against. */
function acceptLeftovers(loaded: OpenSSL[]): void {
  for (const ossl of liveInstances(loaded)) leftByFailures.set(ossl, { ...ossl.stats().handles });
}

/**
 * Ends the task: reading a WeakRef keeps its target alive until the task ends (and so each
 * instance's whole linear memory), and Chromium fits only about 120 instances' memories at once.
 */
const endTask = () => new Promise(resolve => setTimeout(resolve, 0));

/** `fn` followed by the leak check (exported for the harness suite's test of the check itself). */
export function withLeakCheck(fn: TestFn): () => Promise<void> {
  return async () => {
    const loaded: OpenSSL[] = [];
    loading = loaded;
    try {
      await fn();
    } catch (e) {
      acceptLeftovers(loaded);
      await endTask();
      throw e;
    } finally {
      loading = null;
    }
    await endTask(); // deferred frees and their backstop run
    try {
      check(loaded);
    } finally {
      await endTask();
    }
  };
}

function check(loaded: OpenSSL[]): void {
  for (const ossl of liveInstances(loaded)) {
    const { handles } = ossl.stats();
    const before = leftByFailures.get(ossl) ?? { Context: 0, Connection: 0, Session: 0 };
    if (handles.Context > before.Context || handles.Connection > before.Connection || handles.Session > before.Session) {
      const whose = loaded.includes(ossl) ? 'an instance it loaded' : 'an instance an earlier test loaded (shared, or left behind)';
      const earlier = leftByFailures.has(ossl) ? ` (an earlier failed test left ${JSON.stringify(before)})` : '';
      acceptLeftovers(loaded);
      throw new Error(`leak check: the test left live handles in ${whose}: ${JSON.stringify(handles)}${earlier}; free them, or register the test with { keepsHandles: 'why' }`);
    }
    // Leftovers freed since count no more: the check tightens back to them as they go.
    if (leftByFailures.has(ossl)) {
      leftByFailures.set(ossl, { Context: Math.min(handles.Context, before.Context), Connection: Math.min(handles.Connection, before.Connection), Session: Math.min(handles.Session, before.Session) });
    }
  }
}
