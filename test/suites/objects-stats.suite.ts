// stats() in the object layer: handle counts by type follow every creation and free, heapInUse
// grows with live objects and falls back.
// Each test loads its own instance and must leave it with no live handle and nothing finalized
// (checked after the test body by `objTest`, test/lib/object-world.ts).
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { NO_HANDLES, objectTest } from '../lib/object-world.ts';

suite('object layer: stats()', test => {
  const objTest = objectTest(test);

  objTest('stats(): handle counts by type follow every creation and free; heapInUse grows with live objects and falls back', w => {
    const s0 = w.o.stats();
    assert.deepEqual(s0.handles, NO_HANDLES);
    assert.equal(s0.finalized, 0);
    assert.ok(Number.isInteger(s0.memorySize) && s0.memorySize >= s0.heapInUse && s0.memorySize % 65536 === 0);
    const server = w.server(), client = w.client();
    assert.deepEqual(w.o.stats().handles, { Context: 2, Connection: 0, Session: 0 });
    const p = w.pair(client, server).connect();
    assert.deepEqual(w.o.stats().handles, { Context: 2, Connection: 2, Session: 2 }, 'two connections, two TLS 1.3 sessions kept');
    const s = p.c.session!;
    assert.equal(w.o.stats().handles.Session, 3, 'the session getter returns a new handle');
    s.free();
    p.free();
    const mid = w.o.stats();
    assert.deepEqual(mid.handles, { Context: 2, Connection: 0, Session: 0 });
    const many = Array.from({ length: 50 }, () => w.o.newSession());
    const full = w.o.stats().heapInUse;
    assert.ok(full > mid.heapInUse, `50 sessions take memory (${mid.heapInUse} -> ${full})`);
    for (const x of many) x.free();
    assert.equal(w.o.stats().heapInUse, mid.heapInUse, 'and give it back');
    client.free(); server.free();
  });
});
