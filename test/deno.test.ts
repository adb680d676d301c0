// Deno runner: maps the neutral registry onto Deno.test. Only the bit of the Deno
// namespace we use is declared, so this file needs no Deno-specific tsconfig/lib.
import { allSuites, TEST_TIMEOUT_MS, type TestFn } from './lib/suite.ts';
import './suites/index.ts';
import './suites/io-index.ts';

declare const Deno: {
  test(name: string, fn: () => void | Promise<void>): void;
};

// Deno.test has no timeout of its own: a test that never settles would hang the whole run (and
// CI). It fails instead after the same time vitest allows, naming itself; the rest still run.
function withTimeout(name: string, fn: TestFn): TestFn {
  return async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name}: timed out after ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS);
    });
    try {
      await Promise.race([fn(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

for (const s of allSuites('deno')) {
  for (const t of s.tests) Deno.test(`${s.name} > ${t.name}`, withTimeout(`${s.name} > ${t.name}`, t.fn));
}
