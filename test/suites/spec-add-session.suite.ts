// Every statement of SSL_CTX_add_session(3) (OpenSSL 3.5's page, doc/man3/SSL_CTX_add_session.pod),
// each a test named after it. Server caches are
// exercised with session ids (TLS 1.2 without tickets) and stateful TLS 1.3 tickets, the two ways
// a server resumes from its internal cache.
import type { Context, OpenSSL, Session, TLSVersion } from '../../ts/index.ts';
import { equal, ok } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { C, clientContext, close, connect, load, serverContext } from '../lib/tls.ts';

/** A server whose internal cache resumes (no stateless tickets), and the session of one connection to it. */
async function serverSession(ossl: OpenSSL, version: TLSVersion, cacheMode = C.SSL_SESS_CACHE_SERVER) {
  const server = await serverContext(ossl, version, { options: C.SSL_OP_NO_TICKET, sessionCacheMode: cacheMode });
  const client = await clientContext(ossl, version);
  let clientSession: Session | null = null;
  const { c, s } = connect(client, server, undefined, sess => { clientSession?.free(); clientSession = sess.ref(); });
  const session = s.session!; // the server's SSL_SESSION, a reference of our own
  close(c, s);
  return { server, client, session, clientSession: clientSession! as Session };
}

function resumes(client: Context, server: Context, session: Session): boolean {
  const { c, s } = connect(client, server, session);
  const reused = c.sessionReused && s.sessionReused;
  close(c, s);
  return reused;
}

function freeAll(...handles: { free(): void; alive: boolean }[]): void {
  for (const h of handles) if (h.alive) h.free();
}

suite('SSL_CTX_add_session(3)', test => {
  test('"SSL_CTX_add_session() adds the session c to the context ctx": it is then in that cache and resumes', async () => {
    const ossl = await load();
    const { server, client, session, clientSession } = await serverSession(ossl, 'TLSv1.2', C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_STORE);
    equal(session.cacheOwner, null, 'not cached automatically');
    equal(server.addSession(session), true);
    ok(session.cacheOwner === server.pointer, 'now in the server\'s cache');
    equal(server.sessionStats.number, 1);
    ok(resumes(client, server, clientSession), 'a client resumes it');
    freeAll(session, clientSession, client, server);
  });

  test('"The reference count for session c is incremented by 1"', async () => {
    const ossl = await load();
    const { server, client, session, clientSession } = await serverSession(ossl, 'TLSv1.2', C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_STORE);
    const before = session.referenceCount;
    server.addSession(session);
    equal(session.referenceCount, before + 1);
    freeAll(session, clientSession, client, server);
  });

  test('"If a session with the same session id already exists, the old session is removed by calling SSL_SESSION_free()"', async () => {
    const ossl = await load();
    const { server, client, session: old, clientSession } = await serverSession(ossl, 'TLSv1.2');
    ok(old.cacheOwner === server.pointer, 'the first session was cached by the handshake');
    const replacement = old.dup(); // "the same session is stored in a different SSL_SESSION object"
    equal(old.referenceCount >= 2, true);
    const oldCount = old.referenceCount, newCount = replacement.referenceCount;
    equal(server.addSession(replacement), true, 'replacing returns 1');
    equal(old.referenceCount, oldCount - 1, 'the old one was freed once');
    equal(old.cacheOwner, null, 'and is out of the cache');
    ok(replacement.cacheOwner === server.pointer, 'the new one replaced it');
    equal(replacement.referenceCount, newCount + 1);
    equal(server.sessionStats.number, 1);
    ok(resumes(client, server, clientSession), 'the id still resumes, now from the new object');
    freeAll(old, replacement, clientSession, client, server);
  });

  test('"If the session is actually identical (the SSL_SESSION object is identical), SSL_CTX_add_session() is a no-op, and the return value is 0"', async () => {
    const ossl = await load();
    const { server, client, session, clientSession } = await serverSession(ossl, 'TLSv1.2');
    ok(session.cacheOwner === server.pointer);
    const count = session.referenceCount, number = server.sessionStats.number;
    equal(server.addSession(session), false, '0: "it was tried to add the same (identical) session twice"');
    equal(session.referenceCount, count, 'no reference taken');
    equal(server.sessionStats.number, number);
    equal(ossl.raw.capi.ERR_peek_error(), 0, 'not an error: nothing on the error stack');
    freeAll(session, clientSession, client, server);
  });

  test('"SSL_CTX_remove_session() removes the session c from the context ctx and marks it as non-resumable. SSL_SESSION_free() is called once for c."', async () => {
    const ossl = await load();
    const { server, client, session, clientSession } = await serverSession(ossl, 'TLSv1.2');
    const count = session.referenceCount;
    equal(session.isResumable, true, 'resumable while cached');
    equal(server.removeSession(session), true, '1: removed');
    equal(session.isResumable, false, 'marked as non-resumable (SSL_SESSION_is_resumable)');
    equal(session.referenceCount, count - 1, 'freed once');
    equal(session.cacheOwner, null);
    equal(server.sessionStats.number, 0);
    ok(!resumes(client, server, clientSession), 'no longer resumes');
    freeAll(session, clientSession, client, server);
  });

  test('RETURN VALUES: remove gives 0 when "the session was not found in the cache", and frees nothing', async () => {
    const ossl = await load();
    const { server, client, session, clientSession } = await serverSession(ossl, 'TLSv1.2', C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_STORE);
    const count = session.referenceCount;
    equal(server.removeSession(session), false);
    equal(session.referenceCount, count);
    freeAll(session, clientSession, client, server);
  });

  test('"SSL_add_session() and SSL_remove_session() are synonyms for their SSL_CTX_*() counterparts"', async () => {
    const ossl = await load();
    const { capi } = ossl.raw;
    const { server, client, session, clientSession } = await serverSession(ossl, 'TLSv1.2', C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_STORE);
    const count = session.referenceCount;
    equal(capi.SSL_add_session(server.pointer, session.pointer), 1, 'add: 1');
    equal(session.referenceCount, count + 1);
    equal(capi.SSL_add_session(server.pointer, session.pointer), 0, 'identical again: 0');
    ok(resumes(client, server, clientSession));
    equal(capi.SSL_remove_session(server.pointer, session.pointer), 1, 'remove: 1');
    equal(session.referenceCount, count);
    equal(capi.SSL_remove_session(server.pointer, session.pointer), 0, 'not there: 0');
    freeAll(session, clientSession, client, server);
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: "with SSL_SESS_CACHE_NO_INTERNAL_STORE the internal cache will not be populated automatically by new sessions"`, async () => {
      const ossl = await load();
      const { server, client, session, clientSession } = await serverSession(ossl, version, C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_STORE);
      equal(server.sessionStats.number, 0);
      equal(session.cacheOwner, null);
      ok(!resumes(client, server, clientSession), 'so nothing resumes');
      freeAll(session, clientSession, client, server);
    });

    test(`${version}: "even though the internal cache will be searched automatically for session-resume requests"`, async () => {
      const ossl = await load();
      const { server, client, session, clientSession } = await serverSession(ossl, version, C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_STORE);
      server.addSession(session);
      const hits = server.sessionStats.hits;
      ok(resumes(client, server, clientSession), 'the added session is found');
      equal(server.sessionStats.hits, hits + 1, 'by the internal lookup');
      freeAll(session, clientSession, client, server);
    });

    test(`${version}: "(the latter can be suppressed by SSL_SESS_CACHE_NO_INTERNAL_LOOKUP)"`, async () => {
      const ossl = await load();
      const { server, client, session, clientSession } = await serverSession(ossl, version, C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL);
      equal(server.addSession(session), true);
      ok(!resumes(client, server, clientSession), 'in the cache, but not looked up');
      freeAll(session, clientSession, client, server);
    });
  }

  test('"So the application can use SSL_CTX_add_session() directly to have full control over the sessions that can be resumed"', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.2', { options: C.SSL_OP_NO_TICKET, sessionCacheMode: C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_STORE });
    const client = await clientContext(ossl, 'TLSv1.2');
    const made: { server: Session; client: Session }[] = [];
    for (let i = 0; i < 3; i++) {
      let cs: Session | null = null;
      const { c, s } = connect(client, server, undefined, sess => { cs = sess.ref(); });
      made.push({ server: s.session!, client: cs! });
      close(c, s);
    }
    server.addSession(made[1].server); // the application admits only the second
    const outcome = made.map(m => resumes(client, server, m.client));
    equal(outcome.join(), 'false,true,false');
    for (const m of made) freeAll(m.server, m.client);
    freeAll(client, server);
    equal(ossl.stats().handles.Session, 0);
  });
});
