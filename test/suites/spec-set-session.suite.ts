// Every statement of SSL_set_session(3) (the pages this project was founded on), each a test,
// named after the statement. Reference counts are OpenSSL's own (Session.referenceCount reads them).
import { FreedHandleError, handshakeInMemory, NULL, OpenSSLError, type Session } from '../../ts/index.ts';
import { equal, match, ok, throws } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { C, clientContext, close, connect, firstSession, load, serverContext } from '../lib/tls.ts';

suite('SSL_set_session(3)', test => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: "sets session to be used when the TLS/SSL connection is to be established"`, async () => {
      const ossl = await load();
      const server = await serverContext(ossl, version), client = await clientContext(ossl, version);
      const session = firstSession(client, server);
      const conn = client.createConnection({ serverName: 'localhost' });
      conn.setSession(session);
      const sconn = server.createConnection();
      handshakeInMemory(conn, sconn);
      ok(conn.sessionReused && sconn.sessionReused, 'the next connect resumed the session that was set');
      close(conn, sconn);
      session.free(); client.free(); server.free();
      equal(ossl.stats().handles.Session, 0);
    });
  }

  test('"is only useful for TLS/SSL clients": set on a server, it does not make the server resume', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.2', { options: C.SSL_OP_NO_TICKET });
    const client = await clientContext(ossl, 'TLSv1.2');
    const { capi } = ossl.raw;
    let offered: Session | null = null;
    const first = connect(client, server, undefined, sess => { offered?.free(); offered = sess.ref(); });
    const serverSide = first.s.session!; // the server's own SSL_SESSION of that connection
    close(first.c, first.s);
    // The client's session resumes from the server's cache: the offer itself is good ...
    const control = connect(client, server, offered!);
    ok(control.c.sessionReused && control.s.sessionReused, 'control: the offered session resumes from the cache');
    close(control.c, control.s);
    // ... then the server stops looking in its cache, so only SSL_set_session could make it resume.
    capi.SSL_CTX_set_session_cache_mode(server.pointer, C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_LOOKUP);
    // The raw layer lets a server SSL take a session: OpenSSL accepts it (returns 1) ...
    const sconn = server.createConnection();
    equal(capi.SSL_set_session(sconn.pointer, serverSide.pointer), 1);
    const cconn = client.createConnection({ serverName: 'localhost', session: offered! }); // ... and the client offers that very session
    handshakeInMemory(cconn, sconn);
    ok(!sconn.sessionReused && !cconn.sessionReused, 'the server did a full handshake regardless');
    close(cconn, sconn);
    // The object layer refuses the misuse outright, quoting the page.
    const s2 = server.createConnection();
    const e = throws(() => s2.setSession(serverSide), TypeError) as Error;
    match(e.message, /only useful for TLS\/SSL clients/);
    s2.free(); serverSide.free(); offered!.free(); client.free(); server.free();
  });

  test('"When the session is set, the reference count of session is incremented by 1"', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.3'), client = await clientContext(ossl, 'TLSv1.3');
    const session = firstSession(client, server);
    const before = session.referenceCount;
    const conn = client.createConnection({ serverName: 'localhost' });
    conn.setSession(session);
    equal(session.referenceCount, before + 1);
    conn.free();
    equal(session.referenceCount, before, 'freeing the SSL gives its reference back');
    session.free(); client.free(); server.free();
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: "If the session is not reused, the reference count is decremented again during SSL_connect()"`, async () => {
      const ossl = await load();
      const server = await serverContext(ossl, version), client = await clientContext(ossl, version);
      const session = firstSession(client, server);
      // Another server (its own ticket keys and cache) cannot resume it.
      const stranger = await serverContext(ossl, version);
      const before = session.referenceCount;
      const conn = client.createConnection({ serverName: 'localhost', session });
      equal(session.referenceCount, before + 1, 'set: +1');
      const sconn = stranger.createConnection();
      handshakeInMemory(conn, sconn);
      equal(conn.sessionReused, false, '"Whether the session was reused can be queried with SSL_session_reused"');
      equal(session.referenceCount, before, 'not reused: the reference was given back during connect');
      close(conn, sconn);
      session.free(); client.free(); server.free(); stranger.free();
    });
  }

  test('"If there is already a session set inside ssl (because it was set with SSL_set_session() before ...), SSL_SESSION_free() will be called for that session"', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.3'), client = await clientContext(ossl, 'TLSv1.3');
    const a = firstSession(client, server), b = firstSession(client, server);
    const conn = client.createConnection({ serverName: 'localhost', session: a });
    const aSet = a.referenceCount, bBefore = b.referenceCount;
    conn.setSession(b);
    equal(a.referenceCount, aSet - 1, 'the session set before was freed once');
    equal(b.referenceCount, bBefore + 1);
    conn.free(); a.free(); b.free(); client.free(); server.free();
  });

  test('"... or because the same ssl was already used for a connection", SSL_SESSION_free() will be called for that session', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.2'), client = await clientContext(ossl, 'TLSv1.2');
    const other = firstSession(client, server);
    const { c, s } = connect(client, server);
    const own = c.session!; // a new reference to the session the connection made
    const before = own.referenceCount;
    c.shutdown();
    c.setSession(other);
    equal(own.referenceCount, before - 1, 'the connection\'s own session was freed once');
    close(c, s);
    own.free(); other.free(); client.free(); server.free();
  });

  test('"If that old session is still open, it is considered bad and will be removed from the session cache (if used)"', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.2');
    // A client cache that stores sessions, so there is a cache to be removed from.
    const client = await clientContext(ossl, 'TLSv1.2', { sessionCacheMode: C.SSL_SESS_CACHE_CLIENT });
    const other = firstSession(client, server);
    const numberBefore = client.sessionStats.number;
    const { c, s } = connect(client, server);
    const own = c.session!;
    ok(own.cacheOwner === client.pointer, 'the new session is in the client cache');
    equal(client.sessionStats.number, numberBefore + 1);
    c.setSession(other); // no SSL_shutdown: the old session is still open
    equal(own.cacheOwner, null, 'removed from the cache as bad');
    equal(client.sessionStats.number, numberBefore);
    equal(own.isResumable, false, 'and marked not resumable');
    c.free(); s.free(); own.free(); other.free(); client.free(); server.free();
  });

  test('a connection freed while still open makes its session bad: the held reference is no longer resumable', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.3'), client = await clientContext(ossl, 'TLSv1.3');
    const open = firstSession(client, server);
    let kept: Session | null = null;
    const { c, s } = connect(client, server, undefined, sess => { kept?.free(); kept = sess.ref(); });
    ok(kept!.isResumable);
    c.free(); // no shutdown
    s.free();
    equal(kept!.isResumable, false);
    kept!.free(); open.free(); client.free(); server.free();
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: one session offered on several connections: once one of them fails, the session is bad for all (SSL_SESSION_is_resumable 0); a connection that offered it before resumes, one set up after does a full handshake, whose new session resumes`, async () => {
      const ossl = await load();
      const server = await serverContext(ossl, version), client = await clientContext(ossl, version);
      const shared = firstSession(client, server);
      ok(shared.isResumable, 'resumable before any failure');
      // Two connections offer it: each sends its ClientHello.
      const failing = client.createConnection({ serverName: 'localhost', session: shared });
      const earlier = client.createConnection({ serverName: 'localhost', session: shared });
      equal(failing.handshake(), 'want-read');
      equal(earlier.handshake(), 'want-read');
      // One of them fails: a record the client cannot parse is a fatal alert, and OpenSSL's
      // ssl3_send_alert removes its session (SSL_CTX_remove_session), marking it not resumable.
      failing.takeOutgoing();
      failing.receive(new Uint8Array([0x16, 0x03, 0x03, 0x00, 0x04, 0xff, 0x00, 0x00, 0x00]));
      const e = throws(() => failing.handshake(), OpenSSLError);
      equal(failing.error, e, 'a fatal alert: the connection\'s sticky error');
      equal(shared.isResumable, false, 'the one SSL_SESSION every connection shares is now marked not resumable');
      failing.free();
      // The connection that offered it before the failure goes on and resumes (its ClientHello is sent).
      const s1 = server.createConnection();
      handshakeInMemory(earlier, s1);
      ok(earlier.sessionReused && s1.sessionReused, 'offered before the failure: resumed');
      close(earlier, s1);
      // Offered after: OpenSSL does not offer a non-resumable session; a full handshake, no error.
      let fresh = null as Session | null; // (assigned in a callback: no narrowing to null)
      const later = connect(client, server, shared, sess => { fresh?.free(); fresh = sess.ref(); });
      ok(!later.c.sessionReused && !later.s.sessionReused, 'offered after the failure: a full handshake');
      close(later.c, later.s);
      // What to do: take the session of a later successful connection (onSession, or the store).
      ok(fresh !== null && fresh!.isResumable, 'the full handshake delivered a new session');
      const again = connect(client, server, fresh!);
      ok(again.c.sessionReused && again.s.sessionReused, 'the new session resumes');
      close(again.c, again.s);
      fresh!.free(); shared.free(); client.free(); server.free();
    });
  }

  for (const variant of ['SSL_shutdown()', 'SSL_set_shutdown(SSL_SENT_SHUTDOWN)'] as const) {
    test(`"A session is considered open, if SSL_shutdown was not called for the connection (or at least SSL_set_shutdown was used to set the SSL_SENT_SHUTDOWN state)": after ${variant} it stays cached`, async () => {
      const ossl = await load();
      const server = await serverContext(ossl, 'TLSv1.2');
      const client = await clientContext(ossl, 'TLSv1.2', { sessionCacheMode: C.SSL_SESS_CACHE_CLIENT });
      const other = firstSession(client, server);
      const { c, s } = connect(client, server);
      const own = c.session!;
      if (variant === 'SSL_shutdown()') c.shutdown();
      else c.shutdownState = C.SSL_SENT_SHUTDOWN;
      c.setSession(other);
      ok(own.cacheOwner === client.pointer, 'a closed session is not bad: it stays in the cache');
      ok(own.isResumable, 'and stays resumable');
      c.free(); s.free(); own.free(); other.free(); client.free(); server.free();
    });
  }

  test('NOTES: "One SSL_SESSION object, regardless of its reference count, must therefore only be used with one SSL_CTX object"', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.2');
    const cached = await clientContext(ossl, 'TLSv1.2', { sessionCacheMode: C.SSL_SESS_CACHE_CLIENT });
    const elsewhere = await clientContext(ossl, 'TLSv1.2');
    const session = firstSession(cached, server);
    ok(session.cacheOwner === cached.pointer, 'the session sits in the first context\'s cache');
    const conn = elsewhere.createConnection({ serverName: 'localhost' });
    const ref = session.ref(); // "regardless of its reference count"
    for (const s of [session, ref]) {
      const e = throws(() => conn.setSession(s), TypeError) as Error;
      match(e.message, /must therefore only be used with one SSL_CTX object/);
    }
    throws(() => elsewhere.addSession(session), TypeError);
    // Once out of that cache, it belongs to no SSL_CTX and may go elsewhere.
    ok(cached.removeSession(session));
    conn.setSession(session);
    conn.free(); ref.free(); session.free(); cached.free(); elsewhere.free(); server.free();
  });

  test('RETURN VALUES: "1 The operation succeeded"; "0 The operation failed; check the error stack"', async () => {
    const ossl = await load();
    const client = await clientContext(ossl, 'TLSv1.3');
    const conn = client.createConnection({ serverName: 'localhost' });
    const session = ossl.newSession();
    const { capi } = ossl.raw;
    equal(capi.SSL_set_session(conn.pointer, session.pointer), 1);
    equal(capi.SSL_set_session(conn.pointer, NULL), 1, 'NULL clears the session');
    equal(capi.ERR_peek_error(), 0, 'success leaves no error');
    // OpenSSL 3.5 returns 0 when the SSL is not a TLS connection (NULL here; a QUIC object, which
    // this build does not have, is the other case) or when up_ref fails. With NULL, it returns 0
    // before taking a reference, and puts nothing on the error stack (ssl/ssl_sess.c has no
    // ERR_raise on that path): the stack says nothing more than the 0 does.
    const before = session.referenceCount;
    equal(capi.SSL_set_session(NULL, session.pointer), 0, '0: the operation failed');
    equal(session.referenceCount, before, 'and took no reference');
    equal(capi.ERR_peek_error(), 0, 'OpenSSL raised nothing for it');
    // The object layer refuses a freed session before OpenSSL sees it.
    session.free();
    throws(() => conn.setSession(session), FreedHandleError);
    conn.free(); client.free();
  });
});
