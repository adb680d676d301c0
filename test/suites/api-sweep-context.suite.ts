// Context (client and server), swept: after free, with foreign handles, wrong types and oversized
// input, each a clear error; the instance goes on.
// The sweep's machinery and tables are in test/lib/api-sweep/. Every test ends with the harness's
// leak check (no handle left in any instance).
import type { Context } from '../../ts/index.ts';
import { suite } from '../lib/suite.ts';
import { noProblems, withWorld, sweepMade } from '../lib/api-sweep/sweep.ts';
import { CONTEXT } from '../lib/api-sweep/context.ts';

suite('public API sweep: Context', test => {
  test('Context: after free, foreign handles, wrong types, oversized input: a clear error for each, the instance goes on', () => withWorld(async w => {
    for (const role of ['client', 'server'] as const) {
      const make = () => w.o.createContext(role === 'client' ? { role, ca: w.pki.ca } : { role, certificate: w.pki.cert, privateKey: w.pki.key });
      const problems = await sweepMade<Context>(w, `Context (${role})`, CONTEXT, make, row => row.role !== undefined && row.role !== role); // a server's setting is a TypeError on a client (objects suite)
      noProblems(problems);
    }
  }));
});
