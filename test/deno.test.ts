// Deno runner: maps the neutral registry onto Deno.test. Only the bit of the Deno
// namespace we use is declared, so this file needs no Deno-specific tsconfig/lib.
import { allSuites } from './lib/suite.ts';
import './suites/index.ts';
import './suites/io-index.ts';

declare const Deno: {
  test(name: string, fn: () => void | Promise<void>): void;
};

for (const s of allSuites('deno')) {
  for (const t of s.tests) Deno.test(`${s.name} > ${t.name}`, t.fn);
}
