// IndexedDBSessionStore in the browser (Chromium's real IndexedDB): set/get/delete, persistence
// across store objects, and takeSession's rules with real sessions made in memory.
import { IndexedDBSessionStore, saveSession, takeSession } from '../../ts/index.ts';
import { equal, ok, throws } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, firstSession, load, serverContext } from '../lib/tls.ts';

// A database of its own for each run, so nothing from an earlier run is found.
const dbName = () => `openssl-wasm-test-${Date.now()}-${Math.random().toString(36).slice(2)}`;

suite('IndexedDB session store', test => {
  test('set, get, delete; a new store object on the same database sees the same entries', async () => {
    const name = dbName();
    const a = new IndexedDBSessionStore(name);
    try {
      equal(await a.get('k'), undefined);
      const bytes = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4); // a view: only its bytes are stored
      await a.set('k', bytes);
      await a.set('other', new Uint8Array([7]));
      const b = new IndexedDBSessionStore(name);
      const got = await b.get('k');
      ok(got instanceof Uint8Array, 'a Uint8Array comes back');
      equal(Array.from(got!).join(), '1,2,3');
      equal(got!.buffer.byteLength, 3, 'a copy of the view, not its whole buffer');
      await b.delete('k');
      equal(await a.get('k'), undefined, 'deleted through the other object');
      equal((await a.get('other'))?.[0], 7);
      await a.clear();
      equal(await b.get('other'), undefined, 'cleared');
      equal(await new IndexedDBSessionStore(dbName()).get('other'), undefined, 'another database is separate');
      throws(() => new IndexedDBSessionStore(''), TypeError);
    } finally {
      await a.clear();
    }
  });

  test('takeSession with a real session: it resumes; a TLS 1.3 ticket is taken out as it is used, a TLS 1.2 session stays', async () => {
    const ossl = await load();
    const name = dbName();
    for (const [version, stays] of [['TLSv1.3', false], ['TLSv1.2', true]] as const) {
      const server = await serverContext(ossl, version), client = await clientContext(ossl, version);
      const session = firstSession(client, server);
      const store = new IndexedDBSessionStore(name);
      try {
        await saveSession(store, 'k', session);
        ok(await new IndexedDBSessionStore(name).get('k'), `${version}: stored`);
        // What a reload would do: a new store object, the same database.
        const taken = await takeSession(new IndexedDBSessionStore(name), 'k', ossl);
        ok(taken, `${version}: a session came back`);
        equal(taken!.protocol, version);
        equal(Array.from(taken!.id).join(), Array.from(session.id).join(), 'the same session');
        ok(taken!.isResumable);
        equal((await store.get('k')) !== undefined, stays, `${version}: stays in the store: ${stays}`);
        const { c, s } = connect(client, server, taken!);
        equal(c.sessionReused, true, `${version}: the stored session resumes`);
        equal(s.sessionReused, true);
        close(c, s);
        taken!.free();
      } finally {
        await store.clear();
        session.free();
        client.free();
        server.free();
      }
    }
  });

  test('takeSession deletes an entry that does not parse', async () => {
    const ossl = await load();
    const store = new IndexedDBSessionStore(dbName());
    await store.set('junk', new Uint8Array([0x30, 0x01, 0x00]));
    equal(await takeSession(store, 'junk', ossl), null);
    equal(await store.get('junk'), undefined);
  });
}, { runtimes: ['browser'] });
