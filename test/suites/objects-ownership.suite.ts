// Who owns what in the object layer: `using`, ref(), dup(), sessions lent to callbacks (dead after
// them), contexts freeing their connections and reporting their cached sessions, and one session
// cache per session.
// Each test loads its own instance and must leave it with no live handle and nothing finalized
// (checked after the test body by `objTest`, test/lib/object-world.ts).
import {
  CallbackError, constants as C, FreedHandleError, handshakeInMemory,
  type Connection, type Context, type Session,
} from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { hex as lowerHex } from '../lib/bytes.ts';
import { shutdownBoth } from '../lib/tls.ts';
import { NO_HANDLES, objectTest } from '../lib/object-world.ts';
const hex = (b: Uint8Array) => lowerHex(b).toUpperCase(); // as OpenSSL prints

suite('object layer: ownership', test => {
  const objTest = objectTest(test);

  objTest('`using` frees Session, Connection and Context at scope end, also on a throw, and is a no-op after an explicit free()', w => {
    const seen: { ctx?: Context; conn?: Connection; sess?: Session } = {};
    {
      using ctx = w.client();
      using conn = ctx.createConnection({ serverName: 'localhost' });
      using sess = w.o.newSession();
      Object.assign(seen, { ctx, conn, sess });
      assert.deepEqual(w.o.stats().handles, { Context: 1, Connection: 1, Session: 1 });
    }
    assert.ok(!seen.ctx!.alive && !seen.conn!.alive && !seen.sess!.alive, 'all three freed at the end of the block');
    assert.deepEqual(w.o.stats().handles, NO_HANDLES);

    assert.throws(() => {
      using sess = w.o.newSession();
      seen.sess = sess;
      throw new RangeError('leaving the block by a throw');
    }, RangeError);
    assert.ok(!seen.sess!.alive, 'freed when the block was left by an exception');

    {
      using sess = w.o.newSession();
      sess.free();
      using ctx = w.server();
      using conn = ctx.createConnection();
      ctx.free(); // frees conn too: both disposals are then no-ops
      assert.ok(!conn.alive);
    }
    assert.deepEqual(w.o.stats().handles, NO_HANDLES);
  });

  objTest('ref(): a new handle on the same SSL_SESSION, freed independently; referenceCount goes up and down by exactly one', w => {
    const server = w.server(), client = w.client();
    const p = w.pair(client, server).connect();
    for (const s of [w.o.newSession(), p.last()]) {
      const n = s.referenceCount;
      const before = w.o.stats().handles.Session;
      const r = s.ref();
      assert.ok(r !== s && r.is(s) && s.is(r), 'a different handle on the same SSL_SESSION');
      assert.ok(r.owned, 'the new handle owns its reference');
      assert.equal(s.referenceCount, n + 1, 'ref() adds one reference');
      assert.equal(w.o.stats().handles.Session, before + 1);
      const r2 = r.ref();
      assert.equal(s.referenceCount, n + 2);
      r.free();
      assert.equal(s.referenceCount, n + 1, 'free() of one handle gives back exactly one');
      assert.ok(s.alive && r2.alive && !r.alive, "freeing one handle leaves the others' alive");
      s.free();
      assert.equal(r2.referenceCount, n, 'the original handle gave back its own reference');
      assert.ok(r2.timeout > 0 && r2.print().startsWith('SSL-Session:'), 'the remaining handle still reads the session');
      r2.free();
    }
    p.free(); client.free(); server.free();
  });

  objTest('dup(): a different SSL_SESSION (is() false) with equal DER, one reference, in no cache', w => {
    const server = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET }), client = w.client();
    const p = w.pair(client, server).connect();
    const cached = p.s.session!;
    assert.equal(cached.cacheOwner, server.pointer, "the server's session is in its context's cache");
    for (const s of [p.last(), cached]) {
      const d = s.dup();
      assert.ok(!d.is(s) && !s.is(d), 'a different SSL_SESSION');
      assert.deepEqual(d.toDER(), s.toDER(), 'with the same contents');
      assert.equal(d.referenceCount, 1);
      assert.equal(d.cacheOwner, null, 'not in any cache');
      const der = s.toDER();
      s === cached ? s.free() : p.free();
      assert.deepEqual(d.toDER(), der, 'outlives the original');
      d.free();
    }
    client.free(); server.free();
  });

  objTest("a Session lent to a connection's onSession is dead after the callback returns (FreedHandleError mentioning ref()), cannot be freed, and ref() inside keeps one", w => {
    const server = w.server(), client = w.client();
    const seen: { lent: Session[]; kept: Session[]; freeError: unknown[]; aliveAfterDispose: boolean[] } = { lent: [], kept: [], freeError: [], aliveAfterDispose: [] };
    const c = client.createConnection({
      serverName: 'localhost',
      onSession: s => {
        seen.lent.push(s);
        try { s.free(); } catch (e) { seen.freeError.push(e); }
        s[Symbol.dispose]();
        seen.aliveAfterDispose.push(s.alive && s.isResumable);
        seen.kept.push(s.ref());
      },
    });
    const s = server.createConnection();
    handshakeInMemory(c, s);
    assert.equal(seen.lent.length, 2, 'two TLS 1.3 tickets, two sessions');
    for (const e of seen.freeError) {
      assert.ok(e instanceof TypeError && !(e instanceof FreedHandleError), 'free() inside the callback is refused (a TypeError)');
      assert.match((e as Error).message, /borrowed .* owns no reference/);
    }
    assert.equal(seen.freeError.length, 2);
    assert.deepEqual(seen.aliveAfterDispose, [true, true], '[Symbol.dispose]() on a lent session is a no-op');
    for (const lent of seen.lent) {
      assert.ok(!lent.alive && !lent.owned);
      const e = assert.throws(() => lent.id, FreedHandleError) as Error;
      assert.match(e.message, /lent for the duration of a callback.*call ref\(\) inside the callback/);
      assert.throws(() => lent.free(), FreedHandleError);
      assert.throws(() => lent.ref(), FreedHandleError);
      lent[Symbol.dispose]();
    }
    for (const [i, kept] of seen.kept.entries()) {
      assert.ok(kept.alive && kept.owned && kept.isResumable, 'the ref() taken inside the callback lives on');
      assert.notEqual(kept, seen.lent[i]);
    }
    shutdownBoth(c, s);
    c.free(); s.free();
    // The kept session resumes.
    const p = w.pair(client, server, { session: seen.kept[1] }).connect();
    assert.ok(p.c.sessionReused && p.s.sessionReused);
    p.free();
    for (const k of seen.kept) k.free();
    client.free(); server.free();
  });

  objTest('sessions lent to sessionCallbacks.onNew (client and server) and onRemove are dead after the callback, cannot be freed, and ref() keeps one', w => {
    interface Seen { lent: Session; kept: Session; freeError: unknown; connection?: Connection | null }
    const events: Record<'clientNew' | 'serverNew' | 'remove', Seen[]> = { clientNew: [], serverNew: [], remove: [] };
    const record = (list: Seen[], s: Session, connection?: Connection | null) => {
      let freeError: unknown = null;
      try { s.free(); } catch (e) { freeError = e; }
      list.push({ lent: s, kept: s.ref(), freeError, connection });
    };
    const server = w.server({
      maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET,
      sessionCallbacks: { onNew: (s, conn) => record(events.serverNew, s, conn), onRemove: s => record(events.remove, s) },
    });
    const client = w.client({ sessionCallbacks: { onNew: (s, conn) => record(events.clientNew, s, conn) } });
    const p = w.pair(client, server).connect();
    assert.equal(events.clientNew.length, 1, 'client onNew: one TLS 1.2 session');
    assert.equal(events.serverNew.length, 1, 'server onNew: the session it cached');
    assert.equal(events.clientNew[0].connection, p.c, 'onNew receives the Connection object');
    assert.equal(events.serverNew[0].connection, p.s);
    assert.ok(events.clientNew[0].kept.is(p.last()), "the client's onNew and onSession saw the same session");
    const cached = events.serverNew[0].kept;
    assert.equal(cached.cacheOwner, server.pointer);
    // A clean close keeps the session cached (freeing an unfinished connection would remove it).
    shutdownBoth(p.c, p.s);
    p.free();
    assert.equal(events.remove.length, 0);

    // onRemove: removeSession() and an expiry flush.
    assert.equal(server.removeSession(cached), true);
    assert.equal(events.remove.length, 1);
    assert.ok(events.remove[0].kept.is(cached), 'onRemove is given the removed session');
    assert.equal(server.addSession(cached), true);
    server.flushSessions(cached.time + cached.timeout + 1);
    assert.equal(events.remove.length, 2, 'flushSessions() past its expiry removes it again');
    assert.equal(server.sessionStats.number, 0);

    for (const e of [...events.clientNew, ...events.serverNew, ...events.remove]) {
      assert.ok(e.freeError instanceof TypeError && !(e.freeError instanceof FreedHandleError), 'free() inside the callback is refused');
      assert.ok(!e.lent.alive, 'dead after the callback');
      assert.match((assert.throws(() => e.lent.cipher, FreedHandleError) as Error).message, /call ref\(\) inside the callback/);
      assert.throws(() => e.lent.free(), FreedHandleError);
      assert.ok(e.kept.alive && e.kept.cipher !== null, 'the ref() taken inside lives on');
      e.kept.free();
    }
    client.free(); server.free();
  });

  // SSL_CTX_sess_set_remove_cb(3): "It also happens for all sessions in the internal session cache
  // when SSL_CTX_free(3) is called." OpenSSL does call the remove callback from SSL_CTX_free; the
  // object layer's dispatch no longer finds the Context by then.
  objTest('Context.free() reports every session still in its cache to onRemove, as SSL_CTX_free does', w => {
    const removed: Uint8Array[] = [];
    const server = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET, sessionCallbacks: { onRemove: s => { removed.push(s.id); } } });
    const client = w.client();
    const ids: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const p = w.pair(client, server).connect();
      ids.push(p.last().id);
      shutdownBoth(p.c, p.s);
      p.free();
    }
    assert.equal(server.sessionStats.number, 3);
    assert.equal(removed.length, 0, 'cleanly closed connections leave their sessions cached');
    server.free();
    client.free();
    assert.deepEqual(removed.map(hex).sort(), ids.map(hex).sort(), 'onRemove saw each cached session when the context was freed');
  });

  objTest('Context.free() frees its own live connections first (and only its own)', w => {
    const a = w.client(), b = w.client(), server = w.server();
    const a1 = a.createConnection({ serverName: 'localhost' });
    const a2 = a.createConnection({ serverName: 'localhost' });
    const a3 = a.createConnection({ serverName: 'localhost' });
    const b1 = b.createConnection({ serverName: 'localhost' });
    const s1 = server.createConnection();
    handshakeInMemory(a2, s1); // one connected, two idle
    a1.free();
    assert.deepEqual(w.o.stats().handles, { Context: 3, Connection: 4, Session: 0 });
    a.free();
    assert.ok(!a2.alive && !a3.alive, "the context's connections are freed with it");
    assert.throws(() => a2.handshake(), FreedHandleError);
    assert.throws(() => a3.free(), FreedHandleError, 'and cannot be freed again');
    assert.ok(b1.alive && s1.alive, "other contexts' connections are untouched");
    assert.deepEqual(w.o.stats().handles, { Context: 2, Connection: 2, Session: 0 });
    assert.equal(b1.handshake(), 'want-read', 'and still work');
    b.free(); server.free();
    assert.ok(!b1.alive && !s1.alive);
  });

  objTest("a Session in one Context's cache cannot be added to another Context nor set on another context's connection (SSL_set_session(3)), and can after removal", w => {
    const sentence = 'One SSL_SESSION object, regardless of its reference count, must therefore only be used with one SSL_CTX object';
    const refused = (fn: () => unknown, what: string) => {
      const e = assert.throws(fn, TypeError, what) as Error;
      assert.ok(!(e instanceof FreedHandleError), what);
      assert.ok(e.message.includes(sentence), `${what}: the message quotes the man page: ${e.message}`);
    };
    const serverA = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET });
    const serverB = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET });
    const clientA = w.client(), clientB = w.client();
    const p = w.pair(clientA, serverA).connect();

    // A server session, cached by serverA during the handshake.
    const cached = p.s.session!;
    assert.equal(cached.cacheOwner, serverA.pointer);
    refused(() => serverB.addSession(cached), 'addSession to another context');
    const alias = cached.ref();
    refused(() => serverB.addSession(alias), 'addSession of another handle on the same object (whatever its reference count)');
    alias.free();
    const copy = cached.dup();
    assert.equal(serverB.addSession(copy), true, 'a dup() is a separate object and may go elsewhere');
    assert.equal(serverA.addSession(cached), false, 'adding it to its own cache again: OpenSSL returns 0, already there');

    // A client session, put in clientA's cache by hand.
    const sess = p.last();
    assert.equal(clientA.addSession(sess), true);
    assert.equal(sess.cacheOwner, clientA.pointer);
    const before = w.o.stats().handles.Connection;
    refused(() => clientB.createConnection({ serverName: 'localhost', session: sess }), 'createConnection({ session }) on another context');
    assert.equal(w.o.stats().handles.Connection, before, 'the refused connection was freed');
    const other = clientB.createConnection({ serverName: 'localhost' });
    refused(() => other.setSession(sess), 'setSession on another context\'s connection');
    refused(() => clientB.addSession(sess), 'addSession to another client context');
    const own = clientA.createConnection({ serverName: 'localhost', session: sess });
    own.free();

    // Out of the first cache, the same objects may go elsewhere.
    assert.equal(clientA.removeSession(sess), true);
    assert.equal(sess.cacheOwner, null);
    other.setSession(sess);
    assert.equal(clientB.addSession(sess), true);
    assert.equal(sess.cacheOwner, clientB.pointer);
    assert.equal(serverA.removeSession(cached), true);
    assert.equal(serverB.removeSession(copy), true);
    assert.equal(serverB.addSession(cached), true);
    assert.equal(cached.cacheOwner, serverB.pointer);

    // The same rule for a session an onGet callback hands back: the handshake fails with the callback's error.
    const foreign = w.o.newSession();
    foreign.id = new Uint8Array(32).fill(7);
    serverA.addSession(foreign);
    const serverC = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET, sessionCallbacks: { onGet: () => foreign } });
    const fresh = w.pair(clientA, serverA).connect();
    const q = w.pair(clientA, serverC, { session: fresh.last() });
    const e = assert.throws(() => q.connect(), CallbackError) as CallbackError;
    assert.ok(e.cause instanceof TypeError && (e.cause as Error).message.includes(sentence), `onGet's session refused: ${e.message}`);

    for (const x of [q, fresh, p]) x.free();
    for (const x of [cached, copy, sess, foreign, other, serverA, serverB, serverC, clientA, clientB]) if (x.alive) x.free();
  });
});
