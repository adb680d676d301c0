// OpenSSL's test_session_timeout (sslapitest.c 9914-10034) and test_session_cache_overflow
// (10036-10163, its comment block, then the function): a session cache's timeouts and its size.
// Ported to the object layer from test/sslapitest.c of OpenSSL 3.5.7 (the release this module is
// built from; line numbers below are that file's), with the C test helpers of test/lib/ssltestlib.ts.
// Each test loads its own instance and ends by checking that no handle is left alive.
import { constants as C, type Session, type TLSVersion } from '../../ts/index.ts';
import { deepEqual, equal, notEqual, ok } from '../lib/assert.ts';
import { testLine } from '../lib/line.ts';
import { suite } from '../lib/suite.ts';
import { serverPki, withOpenSSL, createSSLCtxPair, createSSLObjects, expectConnection } from '../lib/ssltestlib.ts';

/** LONG_MAX of the module's C ABI (wasm32: long is 32 bits). */
const LONG_MAX = 0x7fffffff;

/**
 * test_session_cache_overflow(idx): sslapitest.c:10036-10163. idx 0/2 TLS 1.3, 1/3 TLS 1.2; for
 * idx > 1 the first session gets a longer timeout than the one added after it. get_session_cb
 * returns get_sess_val.
 */
async function testSessionCacheOverflow(idx: number): Promise<void> {
  const pki = await serverPki();
  await withOpenSSL((ossl, end) => {
    const version: TLSVersion = idx % 2 === 0 ? 'TLSv1.3' : 'TLSv1.2';
    let getSessVal: Session | null = null;
    // 10066-10076
    const { sctx, cctx } = createSSLCtxPair(ossl, end, pki, {
      maxVersion: version,
      options: C.SSL_OP_NO_TICKET,
      sessionCallbacks: { onGet: () => getSessVal },
      sessionCacheSize: 1,
    }, { maxVersion: version });
    equal(sctx.sessionCacheSize, 1, 'SSL_CTX_sess_set_cache_size(sctx, 1)');

    // 10078-10103
    let { server, client } = createSSLObjects(end, sctx, cctx);
    expectConnection(server, client, 'first connection');
    equal(server.protocol, version);
    if (idx > 1) {
      // C: SSL_get_session (no reference); here a reference of our own, freed at once.
      const sess = server.session;
      ok(sess, 'SSL_get_session(serverssl)');
      try {
        /* Cause this session to have a longer timeout than the next session to be added. */
        sess.timeout = LONG_MAX;
        equal(sess.timeout, LONG_MAX, 'SSL_SESSION_set_timeout(sess, LONG_MAX)');
      } finally {
        sess.free();
      }
    }
    server.shutdown();
    client.shutdown();
    server.free();
    client.free();

    // 10105-10135: the cache holds one session, so this connection overflows it.
    ({ server, client } = createSSLObjects(end, sctx, cctx));
    expectConnection(server, client, 'second connection (cache overflow)');
    // C: get_sess_val = SSL_get_session(serverssl) and references >= 2 (the SSL's and the
    // cache's). Ours is an SSL_get1_session, a third reference, so >= 3.
    getSessVal = server.session;
    ok(getSessVal, 'SSL_get_session(serverssl)');
    end.add(getSessVal);
    ok(getSessVal.referenceCount >= 3, `references of get_sess_val (the SSL's, the cache's, ours): ${getSessVal.referenceCount}`);
    const sess = client.session;
    ok(sess, 'SSL_get1_session(clientssl)');
    end.add(sess);
    server.shutdown();
    client.shutdown();
    server.free();
    client.free();

    // 10137-10152: resuming with the client's session must not fail.
    ({ server, client } = createSSLObjects(end, sctx, cctx));
    client.setSession(sess);
    expectConnection(server, client, 'third connection, resuming');
    // 10154-10160 is the End list.
  });
}

suite('sslapitest sessions: test_session_timeout and test_session_cache_overflow (OpenSSL 3.5.7 test/sslapitest.c)', test => {
  test('test_session_timeout', async () => {
    // sslapitest.c:9914-10034. Differences: the C's SSL_CTX_new(TLS_method()) is a server Context
    // (same default cache mode, SSL_SESS_CACHE_SERVER); membership, which the C reads as
    // `sess->prev != NULL`, is Session.cacheOwner (set and cleared together with prev/next by
    // SSL_SESSION_list_add/_remove); the list order, which the C reads from next/prev, is checked
    // through the order in which SSL_CTX_flush_sessions_ex removes sessions (from the tail, stopping
    // at the first unexpired one), seen by a remove callback the C does not have.
    await withOpenSSL((ossl, end) => {
      const TIMEOUT = 10;
      let now = Math.floor(Date.now() / 1000);
      const removed: string[] = [];
      const ctx = end.add(ossl.createContext({
        role: 'server',
        // (Handles are checked for life: freeing the context at the end flushes what is left,
        // after the test has freed its own session handles.)
        sessionCallbacks: { onRemove: s => { removed.push([['early', early], ['middle', middle], ['late', late]].find(([, h]) => (h as Session).alive && s.is(h as Session))?.[0] as string ?? '?'); } },
      }));
      equal(ctx.sessionCacheMode, C.SSL_SESS_CACHE_SERVER, 'the default cache mode of SSL_CTX_new');
      const early = end.add(ossl.newSession());
      const middle = end.add(ossl.newSession());
      const late = end.add(ossl.newSession());

      /* assign unique session ids */
      early.id = new Uint8Array(32).fill(1);
      middle.id = new Uint8Array(32).fill(2);
      late.id = new Uint8Array(32).fill(3);
      deepEqual(early.id, new Uint8Array(32).fill(1));

      const inCache = () => [early, middle, late].map(s => s.cacheOwner === ctx.pointer);
      equal(ctx.addSession(early), true, 'SSL_CTX_add_session(ctx, early)');
      equal(ctx.addSession(middle), true, 'SSL_CTX_add_session(ctx, middle)');
      equal(ctx.addSession(late), true, 'SSL_CTX_add_session(ctx, late)');
      /* Make sure they are all added */
      deepEqual(inCache(), [true, true, true], 'all added');

      early.time = now - 10;
      middle.time = now;
      late.time = now + 10;
      deepEqual([early.time, middle.time, late.time], [now - 10, now, now + 10], 'SSL_SESSION_set_time_ex');
      early.timeout = TIMEOUT;
      middle.timeout = TIMEOUT;
      late.timeout = TIMEOUT;
      deepEqual([early.timeout, middle.timeout, late.timeout], [TIMEOUT, TIMEOUT, TIMEOUT], 'SSL_SESSION_set_timeout');
      /* Make sure they are all still there */
      deepEqual(inCache(), [true, true, true], 'all still there');
      equal(ctx.sessionStats.number, 3, 'SSL_CTX_sess_number');

      /* This should remove "early" */
      ctx.flushSessions(now + TIMEOUT - 1);
      deepEqual(inCache(), [false, true, true], 'flush at now + TIMEOUT - 1');
      deepEqual(removed.splice(0), ['early'], 'removed from the tail: early');
      /* This should remove "middle" */
      ctx.flushSessions(now + TIMEOUT + 1);
      deepEqual(inCache(), [false, false, true], 'flush at now + TIMEOUT + 1');
      deepEqual(removed.splice(0), ['middle'], 'then middle');
      /* This should remove "late" */
      ctx.flushSessions(now + TIMEOUT + 11);
      deepEqual(inCache(), [false, false, false], 'flush at now + TIMEOUT + 11');
      deepEqual(removed.splice(0), ['late'], 'then late');

      /* Add them back in again */
      equal(ctx.addSession(early), true, 'SSL_CTX_add_session(ctx, early) again');
      equal(ctx.addSession(middle), true, 'SSL_CTX_add_session(ctx, middle) again');
      equal(ctx.addSession(late), true, 'SSL_CTX_add_session(ctx, late) again');
      deepEqual(inCache(), [true, true, true], 'all added again');

      /* This should remove all of them */
      ctx.flushSessions(0);
      deepEqual(inCache(), [false, false, false], 'SSL_CTX_flush_sessions_ex(ctx, 0) removes all');
      // Ordered by timeout again: late at the head, early at the tail. 3.5 calls onRemove as it
      // takes each from the tail; 4.0 takes them all, then calls onRemove outside its lock, popping
      // the stack it collected them on (SSL_CTX_flush_sessions_ex, ssl_sess.c): the other way round.
      deepEqual(removed.splice(0), testLine === '3.5' ? ['early', 'middle', 'late'] : ['late', 'middle', 'early'], 'flushed from the tail');

      ctx.sessionCacheMode = C.SSL_SESS_CACHE_UPDATE_TIME | ctx.sessionCacheMode;
      /* make sure |now| is NOT  equal to the current time */
      now -= 10;
      early.time = now;
      equal(early.time, now, 'SSL_SESSION_set_time_ex(early, now)');
      equal(ctx.addSession(early), true, 'SSL_CTX_add_session(ctx, early) with SSL_SESS_CACHE_UPDATE_TIME');
      notEqual(early.time, now, 'SSL_SESS_CACHE_UPDATE_TIME set the time on adding');
    });
  });

  for (const [idx, what] of [
    [0, 'TLSv1.3, new session times out later'],
    [1, 'TLSv1.2, new session times out later'],
    [2, 'TLSv1.3, new session times out earlier'],
    [3, 'TLSv1.2, new session times out earlier'],
  ] as const) {
    test(`test_session_cache_overflow(${idx}: ${what})`, async () => {
      // sslapitest.c:10036-10163. Differences: the C reads the session's reference count with
      // CRYPTO_GET_REF on a pointer it holds no reference to; here Session.referenceCount on a
      // reference of our own (so one more); LONG_MAX is the wasm32 C ABI's.
      await testSessionCacheOverflow(idx);
    });
  }
});
