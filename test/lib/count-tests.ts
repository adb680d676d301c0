// Counts the registered tests as the runners load them: the browser loads the files listed in
// test/suites/index.ts; Node and Deno also those in test/suites/io-index.ts (sockets, processes).
// Bundled and run by scripts/test-manifest.mjs, which writes or checks test/manifest.json.
import { allSuites, type Runtime } from './suite.ts';

export interface SuiteCount {
  /** The file that registers it, under test/suites/. */
  file: string;
  name: string;
  /** Where it runs. */
  runtimes: readonly Runtime[];
  /** Where it says it runs (a suite in io-index.ts never runs in the browser, whatever it says). */
  declared: readonly Runtime[];
  tests: number;
  /** Which list loads the file: `index.ts` (every runner) or `io-index.ts` (Node and Deno). */
  list: 'index.ts' | 'io-index.ts';
}

/** `files` maps each list to its file names in load order (scripts/test-manifest.mjs reads them). */
export async function countTests(files: Record<SuiteCount['list'], string[]>): Promise<SuiteCount[]> {
  const out: SuiteCount[] = [];
  const seen = new Set<object>();
  for (const list of ['index.ts', 'io-index.ts'] as const) {
    for (const file of files[list]) {
      // A template literal: esbuild bundles every test/suites/*.suite.ts and picks one at run time.
      await import(`../suites/${file.replace(/\.suite\.ts$/, '')}.suite.ts`);
      const all = new Set([...allSuites('node'), ...allSuites('browser'), ...allSuites('deno')]);
      for (const s of all) {
        if (seen.has(s)) continue;
        seen.add(s);
        // The browser runner never loads io-index.ts, whatever a suite there declares.
        const runtimes = list === 'io-index.ts' ? s.runtimes.filter(r => r !== 'browser') : s.runtimes;
        out.push({ file, name: s.name, runtimes, declared: s.runtimes, tests: s.tests.length, list });
      }
    }
  }
  return out;
}
