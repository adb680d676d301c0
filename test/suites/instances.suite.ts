// Ownership across instances: each OpenSSL.load() has its own linear memory, so a handle of one
// is refused by every call of another that takes a handle (a ForeignHandleError, a TypeError naming
// toDER() -> sessionFromDER()), before OpenSSL sees its pointer; bytes still move between
// connections of different instances, and sessions move as DER. Every test ends with both
// instances holding no handle, and heapInUse flat over repeated runs.
import {
  CallbackError, ForeignHandleError, handshakeInMemory, OutOfMemoryError, useServerSessionStore,
  type Connection, type OpenSSL, type Session,
} from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { assertFlat, assertNoHandles } from '../lib/leaks.ts';
import { loadUnchecked, suite } from '../lib/suite.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { clientContext, close, connect, firstSession, load, serverContext } from '../lib/tls.ts';

const FOREIGN = /belongs to another OpenSSL instance.*session\.toDER\(\).*sessionFromDER\(der\)/;

/** Asserts fn throws a ForeignHandleError (a TypeError) with the message that says what to do. */
function refused(fn: () => unknown, what: string): void {
  const e = assert.throws(fn, ForeignHandleError, what);
  assert.ok(e instanceof TypeError, `${what}: a TypeError`);
  assert.match((e as Error).message, FOREIGN, what);
}

/** A resumable TLS 1.2 session of `o` (by session id: its server caches it) and what made it. */
async function sessionOf(o: OpenSSL): Promise<{ session: Session; free(): void }> {
  const client = await clientContext(o, 'TLSv1.2'), server = await serverContext(o, 'TLSv1.2');
  const session = firstSession(client, server);
  return { session, free() { session.free(); client.free(); server.free(); } };
}

suite('instances', test => {
  test("a Session of instance A is refused by B's createConnection, setSession, addSession and removeSession; B's memory is untouched", async () => {
    const [a, b] = await Promise.all([load(), load()]);
    await assertFlat(b, 'B', async () => {
      const fromA = await sessionOf(a);
      const client = await clientContext(b, 'TLSv1.2'), server = await serverContext(b, 'TLSv1.2');
      const c = client.createConnection({ serverName: 'localhost' });
      const heap = b.stats().heapInUse;
      const before = b.stats().handles;
      refused(() => client.createConnection({ serverName: 'localhost', session: fromA.session }), 'createConnection({ session })');
      assert.deepEqual(b.stats().handles, before, 'the refused connection made nothing');
      refused(() => c.setSession(fromA.session), 'setSession');
      refused(() => server.addSession(fromA.session), 'addSession');
      refused(() => server.removeSession(fromA.session), 'removeSession');
      const fresh = a.newSession();
      refused(() => client.addSession(fresh), 'addSession of a new session');
      fresh.free();
      assert.equal(b.stats().heapInUse, heap, "nothing was written into B's memory");
      assert.equal(server.sessionStats.number, 0, "B's cache holds nothing of A's");
      // B goes on working: a handshake in B with c, which was given nothing.
      const s = server.createConnection();
      handshakeInMemory(c, s);
      assert.equal(c.sessionReused, false);
      close(c, s);
      for (const h of [client, server]) h.free();
      fromA.free();
      await assertNoHandles(a, 'A');
    });
    await assertNoHandles(a, 'A');
  });

  test("an onGet callback answering with another instance's session fails that handshake with a CallbackError (TypeError inside); both instances go on", async () => {
    const [a, b] = await Promise.all([load(), load()]);
    await assertFlat(b, 'B', async () => {
      const fromA = await sessionOf(a);
      const server = await serverContext(b, 'TLSv1.2', {
        options: 1n << 14n, // SSL_OP_NO_TICKET: resumption asks the cache, and so onGet
        sessionCacheMode: 0x0002 | 0x0100, // SERVER | NO_INTERNAL_LOOKUP
        sessionCallbacks: { onGet: () => fromA.session },
      });
      const client = await clientContext(b, 'TLSv1.2');
      const own = firstSession(client, server); // full handshake: B's session id for onGet to look up
      const c = client.createConnection({ serverName: 'localhost', session: own }), s = server.createConnection();
      const e = assert.throws(() => handshakeInMemory(c, s), CallbackError) as CallbackError;
      assert.ok(e.cause instanceof ForeignHandleError, `the cause is a ForeignHandleError, got ${String(e.cause)}`);
      assert.match((e.cause as Error).message, FOREIGN);
      for (const h of [c, s, own, client, server]) h.free();
      fromA.free();
      // Both still work.
      for (const o of [a, b]) {
        const cc = await clientContext(o, 'TLSv1.3'), sc = await serverContext(o, 'TLSv1.3');
        const p = connect(cc, sc);
        close(p.c, p.s);
        cc.free();
        sc.free();
      }
    });
    await assertNoHandles(a, 'A');
  });

  test('useServerSessionStore refuses a context of another instance than the one given', async () => {
    const [a, b] = await Promise.all([load(), load()]);
    await assertFlat(b, 'B', async () => {
      const server = await serverContext(b, 'TLSv1.3');
      const store = { get: () => null, set: () => undefined, delete: () => undefined };
      const e = assert.throws(() => useServerSessionStore(a, server, store), TypeError);
      assert.match((e as Error).message, /another OpenSSL instance/);
      useServerSessionStore(b, server, store); // its own instance: accepted
      server.free();
    });
    await assertNoHandles(a, 'A');
  });

  test('owns() and Session.is() tell instances apart; sessions move as DER; bytes move between connections of two instances', async () => {
    const [a, b] = await Promise.all([load(), load()]);
    await assertFlat(b, 'B', async () => {
      // A client in A, a server in B, joined in memory: bytes cross instances, as they would a network.
      const clientA = await clientContext(a, 'TLSv1.3'), serverB = await serverContext(b, 'TLSv1.3');
      let kept: Session | null = null;
      const c: Connection = clientA.createConnection({ serverName: 'localhost', onSession: s => { kept ??= s.ref(); } });
      const s = serverB.createConnection();
      handshakeInMemory(c, s);
      close(c, s);
      assert.ok(kept, 'A got a session from B');
      const sessA: Session = kept;
      assert.equal(a.owns(sessA), true);
      assert.equal(b.owns(sessA), false);
      assert.equal(b.owns(serverB), true);
      assert.equal(a.owns(serverB), false);
      // The session, moved to B as bytes, resumes there against the server that issued it.
      const sessB = b.sessionFromDER(sessA.toDER());
      assert.equal(sessB.is(sessA), false, 'handles of two instances are never the same session');
      assert.equal(sessA.is(sessB), false);
      const clientB = await clientContext(b, 'TLSv1.3');
      const p = connect(clientB, serverB, sessB);
      assert.equal(p.c.sessionReused, true, 'resumed in B from the DER made in A');
      close(p.c, p.s);
      for (const h of [sessA, sessB, clientA, clientB, serverB]) h.free();
      await assertNoHandles(a, 'A');
    });
  });
  test("useContextCertificate (the Node adapter's SNICallback) refuses another instance's Context, and what is not a Context", async () => {
    const [a, b] = await Promise.all([load(), load()]);
    const serverA = await serverContext(a, 'TLSv1.3'), serverB = await serverContext(b, 'TLSv1.3');
    const conn = serverB.createConnection();
    refused(() => conn.useContextCertificate(serverA), 'useContextCertificate(a Context of A)');
    assert.match((assert.throws(() => conn.useContextCertificate(undefined as never), TypeError) as Error).message,
      /^useContextCertificate: expected a Context, Connection or Session of this library, got undefined/);
    assert.throws(() => conn.useContextCertificate(conn as never), /expected a Context, got a Connection/);
    conn.useContextCertificate(serverB);
    conn.free(); serverA.free(); serverB.free();
    await assertNoHandles(a, 'A');
    await assertNoHandles(b, 'B');
  });

  test('300 instances loaded one after another without the event loop turning, each making a context, all load: Chromium fits about 120 memories, and the loader tries again after a timer', async () => {
    // Each Context is kept in a WeakRef, which holds its instance until the task ends; this loop
    // never ends it, so only the loader's retry after a timer lets V8 collect the earlier instances.
    // (The loader compiles the module once per URL; each load is a new instance of it.)
    for (let i = 0; i < 300; i++) {
      const ossl = await loadUnchecked({ wasm: wasmURL });
      const ctx = ossl.createContext({ role: 'client' });
      ctx.free();
      assert.deepEqual(ossl.stats().handles, { Context: 0, Connection: 0, Session: 0 }, `instance ${i}`);
    }
  });

  test('more instances held at once than the engine has room for (about 120 in Chromium): the next load fails with an OutOfMemoryError saying to share one instance, and those loaded go on working', async () => {
    const held: OpenSSL[] = [];
    let refused: unknown;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      try {
        held.push(await loadUnchecked({ wasm: wasmURL }));
      } catch (e) {
        refused = e;
      }
    }
    if (refused !== undefined) { // Chromium; Node and Deno reserve address space without a cap this low
      assert.ok(refused instanceof OutOfMemoryError, `an OutOfMemoryError, not ${String(refused)}`);
      assert.match((refused as Error).message, /loading a new instance.*out of memory/s);
      assert.match((refused as Error).message, /share one instance/);
      assert.ok(held.length >= 50, `${held.length} instances loaded first`);
    }
    for (const ossl of [held[0]!, held[held.length - 1]!]) {
      ossl.createContext({ role: 'client' }).free();
      assert.deepEqual(ossl.stats().handles, { Context: 0, Connection: 0, Session: 0 });
    }
    held.length = 0;
  });
});
