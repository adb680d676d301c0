// vitest runner shared by the `node` and `browser` projects (see vitest.config.ts):
// it only maps the neutral registry onto describe/it.
import { describe, it } from 'vitest';
import { allSuites, TEST_TIMEOUT_MS } from './lib/suite.ts';
import './suites/index.ts';

// Node also runs the suites that need sockets and processes, which a browser does not have.
const runtime = typeof document === 'undefined' ? 'node' : 'browser';
if (runtime === 'node') await import('./suites/io-index.ts');

for (const s of allSuites(runtime)) {
  describe(s.name, () => {
    for (const t of s.tests) it(t.name, t.fn, TEST_TIMEOUT_MS);
  });
}
