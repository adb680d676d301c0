// OpenSSL (an instance), swept: wrong types and oversized input refused clearly, a refused 1 GiB
// session not copied into linear memory.
// The sweep's machinery and tables are in test/lib/api-sweep/. Every test ends with the harness's
// leak check (no handle left in any instance).
import { OpenSSL } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { noProblems, withWorld, sweep } from '../lib/api-sweep/sweep.ts';
import { OPENSSL } from '../lib/api-sweep/openssl.ts';

suite('public API sweep: OpenSSL', test => {
  test('OpenSSL: wrong types and oversized input are refused clearly; a refused 1 GiB session does not grow linear memory', () => withWorld(async w => {
    const memory = w.o.stats().memorySize;
    const problems = await sweep<OpenSSL>(w, 'OpenSSL', OPENSSL, () => ({ h: w.o, free: () => undefined }), () => null);
    noProblems(problems);
    assert.equal(w.o.stats().memorySize, memory, 'nothing of the 1 GiB was copied into linear memory');
  }));
});
