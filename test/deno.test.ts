// Deno runner: maps the neutral registry onto Deno.test. Only the bit of the Deno
// namespace we use is declared, so this file needs no Deno-specific tsconfig/lib.
import { allSuites, withTimeout } from './lib/suite.ts';
import './suites/index.ts';
import './suites/io-index.ts';

declare const Deno: {
  test(name: string, fn: () => void | Promise<void>): void;
};

// Deno.test has no timeout of its own: a test that never settles would hang the whole run (and
// CI). withTimeout fails it instead after the time vitest allows, naming it; the rest still run.
for (const s of allSuites('deno')) {
  for (const t of s.tests) Deno.test(`${s.name} > ${t.name}`, withTimeout(`${s.name} > ${t.name}`, t.fn));
}
