// Session, swept: after free, wrong types and oversized input, each a clear error; takeSession and
// saveSession refuse wrong arguments before the store is touched.
// The sweep's machinery and tables are in test/lib/api-sweep/. Every test ends with the harness's
// leak check (no handle left in any instance).
import * as api from '../../ts/index.ts';
import type { Session } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { noProblems, withWorld, pair, sweepMade } from '../lib/api-sweep/sweep.ts';
import { SESSION } from '../lib/api-sweep/session.ts';

suite('public API sweep: Session', test => {
  test('Session: after free, wrong types, oversized input: a clear error for each, the instance goes on', () => withWorld(async w => {
    const fresh = () => {
      const p = pair(w);
      const h = p.c.session!;
      p.free();
      return h;
    };
    const problems = await sweepMade<Session>(w, 'Session', SESSION, fresh);
    noProblems(problems);
  }));

  test('takeSession and saveSession: wrong arguments are refused before the store is touched (a stored session is never deleted for them)', () => withWorld(async w => {
    const store = new api.MemorySessionStore();
    const der = w.other.session.toDER();
    store.set('k', der);
    await assert.rejects(api.takeSession(store, 'k', {} as never), TypeError);
    await assert.rejects(api.takeSession(store, 'k', null as never), TypeError);
    await assert.rejects(api.saveSession(store, 'k', 5 as never), TypeError);
    assert.deepEqual(store.get('k'), der, 'the stored session is still there, unchanged');
    const s = await api.takeSession(store, 'k', w.o);
    assert.ok(s !== null && w.o.owns(s), 'and the right instance takes it');
    s!.free();
    // A stored value larger than any session is refused without being copied, and deleted as bad.
    const memory = w.o.stats().memorySize;
    store.set('big', new Uint8Array(64 << 20));
    assert.equal(await api.takeSession(store, 'big', w.o), null);
    assert.equal(store.get('big'), undefined, 'the bad value is deleted');
    assert.equal(w.o.stats().memorySize, memory, 'linear memory did not grow');
  }));
});
