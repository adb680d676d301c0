// Client session stores: the key, the LRU, and take/save semantics (TLS 1.3 tickets used once).
import { MemorySessionStore, saveSession, sessionKey, takeSession, type Session } from '../../ts/index.ts';
import { equal, notEqual, ok, throws } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, firstSession, load, serverContext } from '../lib/tls.ts';

async function sessionFor(version: 'TLSv1.2' | 'TLSv1.3') {
  const ossl = await load();
  const server = await serverContext(ossl, version), client = await clientContext(ossl, version);
  const session = firstSession(client, server);
  return { ossl, session, done: () => { session.free(); client.free(); server.free(); } };
}

suite('session stores', test => {
  test('sessionKey separates host, port, SNI, ALPN and security settings', () => {
    const base = { host: 'example.org', port: 443 };
    const k = sessionKey(base);
    equal(sessionKey({ ...base, host: 'EXAMPLE.org' }), k, 'host names are case-insensitive');
    for (const other of [{ ...base, port: 8443 }, { ...base, serverName: 'a.example.org' }, { ...base, alpn: ['h2'] }, { ...base, settings: 'verify=false' }]) {
      notEqual(sessionKey(other), k);
    }
  });

  test('MemorySessionStore keeps the most recently used entries', () => {
    const store = new MemorySessionStore(2);
    store.set('a', new Uint8Array([1]));
    store.set('b', new Uint8Array([2]));
    store.get('a'); // a is now the most recent
    store.set('c', new Uint8Array([3]));
    equal(store.get('b'), undefined, 'the least recently used was evicted');
    equal(store.get('a')?.[0], 1);
    equal(store.size, 2);
    throws(() => new MemorySessionStore(0), RangeError);
  });

  test('takeSession: a TLS 1.3 ticket is taken out as it is used; a TLS 1.2 session stays', async () => {
    for (const [version, stays] of [['TLSv1.3', false], ['TLSv1.2', true]] as const) {
      const { ossl, session, done } = await sessionFor(version);
      const store = new MemorySessionStore();
      await saveSession(store, 'k', session);
      const taken = await takeSession(store, 'k', ossl);
      ok(taken, `${version}: a session came back`);
      equal(taken!.protocol, version);
      equal(store.get('k') !== undefined, stays, `${version}: stays in the store: ${stays}`);
      taken!.free();
      done();
    }
  });

  test('takeSession deletes entries that do not parse or have expired', async () => {
    const { ossl, session, done } = await sessionFor('TLSv1.2');
    const store = new MemorySessionStore();
    store.set('junk', new Uint8Array([0x30, 0x01, 0x00]));
    equal(await takeSession(store, 'junk', ossl), null);
    equal(store.get('junk'), undefined);
    await saveSession(store, 'old', session);
    const later = session.time + session.timeout + 1;
    equal(await takeSession(store, 'old', ossl, later), null, 'expired');
    equal(store.get('old'), undefined);
    done();
  });

  test('saveSession ignores a session that cannot be resumed', async () => {
    const ossl = await load();
    const empty: Session = ossl.newSession();
    const store = new MemorySessionStore();
    await saveSession(store, 'k', empty);
    equal(store.size, 0);
    empty.free();
  });
});
