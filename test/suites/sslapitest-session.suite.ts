// OpenSSL's execute_test_session (sslapitest.c 2207-2521), run by test_session_with_only_int_cache,
// _only_ext_cache, _both_cache and test_session_wo_ca_names (2524-2578), each on TLS 1.3 and 1.2.
// Ported to the object layer from test/sslapitest.c of OpenSSL 3.5.7 (the release this module is
// built from; line numbers below are that file's), with the C test helpers of test/lib/ssltestlib.ts.
// Each test loads its own instance and ends by checking that no handle is left alive.
import { constants as C, type Session, type TLSVersion } from '../../ts/index.ts';
import { equal, notEqual, ok } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import {
  createSSLConnection, createSSLCtxPair, createSSLObjects, currentSessionIs, expectConnection, serverPki, shutdownSSLConnection, withOpenSSL,
} from '../lib/ssltestlib.ts';

// SSL_OP_* bit the constants module does not name (include/openssl/ssl.h.in, SSL_OP_BIT(n)).
const SSL_OP_DISABLE_TLSEXT_CA_NAMES = 1n << 9n;

/**
 * execute_test_session(maxprot, use_int_cache, use_ext_cache, s_options): sslapitest.c:2207-2521.
 * new_session_cb / remove_session_cb / get_session_cb (2179-2205) count their calls in `n`; the
 * new-session callback keeps nothing (the C one frees the reference it is given).
 */
async function executeTestSession(maxprot: TLSVersion, useIntCache: boolean, useExtCache: boolean, sOptions: bigint): Promise<void> {
  const pki = await serverPki();
  await withOpenSSL((ossl, end) => {
    const capi = ossl.raw.capi;
    const n = { new: 0, remove: 0, get: 0 };
    let getSessVal: Session | null = null;
    const counting = {
      onNew: () => { n.new++; },
      onRemove: () => { n.remove++; },
    };
    const reset = () => { n.new = n.remove = n.get = 0; };
    /* TLSv1.3 sends 2 NewSessionTickets */
    const numnewsesstick = maxprot === 'TLSv1.3' ? 2 : 1;

    // 2225-2251: only the max protocol on the client; client cache callbacks and mode.
    const { sctx, cctx } = createSSLCtxPair(ossl, end, pki, { options: sOptions }, {
      minVersion: maxprot, maxVersion: maxprot,
      sessionCallbacks: useExtCache ? counting : undefined,
      sessionCacheMode: useIntCache ? C.SSL_SESS_CACHE_CLIENT : C.SSL_SESS_CACHE_CLIENT | C.SSL_SESS_CACHE_NO_INTERNAL_STORE,
    });

    // 2255-2269: a full handshake; its session is already in the client cache.
    let { server: serverssl1, client: clientssl1 } = createSSLObjects(end, sctx, cctx);
    expectConnection(serverssl1, clientssl1, 'first connection');
    let sess1 = clientssl1.session;
    ok(sess1, 'SSL_get1_session(clientssl1)');
    end.add(sess1);
    /* Should fail because it should already be in the cache */
    if (useIntCache) equal(cctx.addSession(sess1), false, 'SSL_CTX_add_session(cctx, sess1) while sess1 is cached');
    if (useExtCache) {
      equal(n.new, numnewsesstick, 'new_called after the full handshake');
      equal(n.remove, 0, 'remove_called after the full handshake');
    }

    // 2271-2305: resume with sess1.
    reset();
    let { server: serverssl2, client: clientssl2 } = createSSLObjects(end, sctx, cctx);
    clientssl2.setSession(sess1);
    expectConnection(serverssl2, clientssl2, 'resumption with sess1');
    ok(clientssl2.sessionReused, 'SSL_session_reused(clientssl2)');
    if (maxprot === 'TLSv1.3') {
      // A new session although resumed, and the used ticket removed from the cache.
      if (useExtCache) {
        equal(n.new, 1, 'TLS 1.3 resumption: new_called');
        equal(n.remove, 1, 'TLS 1.3 resumption: remove_called');
      }
    } else if (useExtCache) {
      equal(n.new, 0, 'TLS 1.2 resumption: new_called');
      equal(n.remove, 0, 'TLS 1.2 resumption: remove_called');
    }
    sess1.free();
    sess1 = clientssl2.session;
    ok(sess1, 'SSL_get1_session(clientssl2)');
    end.add(sess1);
    shutdownSSLConnection(serverssl2, clientssl2);

    // 2307-2320: another full handshake gives sess2.
    reset();
    ({ server: serverssl2, client: clientssl2 } = createSSLObjects(end, sctx, cctx));
    expectConnection(serverssl2, clientssl2, 'second full handshake');
    let sess2 = clientssl2.session;
    ok(sess2, 'SSL_get1_session(clientssl2)');
    end.add(sess2);
    if (useExtCache) {
      equal(n.new, numnewsesstick, 'new_called after the second full handshake');
      equal(n.remove, 0, 'remove_called after the second full handshake');
    }

    // 2322-2332: SSL_set_session on a finished, not shut down connection clears its session
    // from the cache as a "bad" session.
    reset();
    clientssl2.setSession(sess1);
    if (useExtCache) {
      equal(n.new, 0, 'SSL_set_session: new_called');
      equal(n.remove, 1, 'SSL_set_session removed the connection\'s old session');
    }
    ok(currentSessionIs(clientssl2, sess1), 'SSL_get_session(clientssl2) == sess1');

    // 2334-2349
    if (useIntCache) {
      /* Should succeeded because it should not already be in the cache */
      equal(cctx.addSession(sess2), true, 'SSL_CTX_add_session(cctx, sess2)');
      equal(cctx.removeSession(sess2), true, 'SSL_CTX_remove_session(cctx, sess2)');
    }
    reset();
    /* This shouldn't be in the cache so should fail */
    equal(cctx.removeSession(sess2), false, 'SSL_CTX_remove_session(cctx, sess2) when not cached');
    if (useExtCache) {
      equal(n.new, 0, 'SSL_CTX_remove_session: new_called');
      equal(n.remove, 1, 'SSL_CTX_remove_session calls remove_session_cb even for an uncached session');
    }

    // 2351-2371 (OPENSSL_NO_TLS1_1 is not defined in this build): a failed handshake removes the
    // session it tried to resume. The object layer cannot lower a Context's maximum version after
    // creation, nor name TLS 1.1: raw SSL_CTX_set_max_proto_version.
    reset();
    equal(capi.SSL_CTX_set_max_proto_version(sctx.pointer, C.TLS1_1_VERSION), 1, 'SSL_CTX_set_max_proto_version(sctx, TLS1_1_VERSION)');
    const { server: serverssl3, client: clientssl3 } = createSSLObjects(end, sctx, cctx);
    clientssl3.setSession(sess1);
    /* This should fail because of the mismatched protocol versions */
    equal(createSSLConnection(serverssl3, clientssl3), false, 'the connection with mismatched versions fails');
    ok(serverssl3.error && clientssl3.error, 'both sides failed');
    if (useExtCache) {
      equal(n.new, 0, 'failed handshake: new_called');
      equal(n.remove, 1, 'failed handshake: the session was removed from the cache');
    }
    /* Should succeed because it should not already be in the cache */
    if (useIntCache) equal(cctx.addSession(sess2), true, 'SSL_CTX_add_session(cctx, sess2) after the failure');

    // 2373-2402: now server-side caching.
    if (useExtCache) {
      // SSL_CTX_sess_set_new_cb(cctx, NULL), _remove_cb(cctx, NULL): setSessionCallbacks({}) stops
      // our callbacks being called (OpenSSL's trampolines stay installed; see the report).
      cctx.setSessionCallbacks({});
      sctx.setSessionCallbacks({
        ...counting,
        onGet: () => { n.get++; return getSessVal; },
      });
      getSessVal = null;
    }
    cctx.sessionCacheMode = 0;
    /* Internal caching is the default on the server side */
    if (!useIntCache) sctx.sessionCacheMode = C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_STORE;
    // SSL_free without SSL_shutdown, as the C does.
    serverssl1.free();
    clientssl1.free();
    serverssl2.free();
    clientssl2.free();
    sess1.free();
    sess2.free();
    equal(capi.SSL_CTX_set_max_proto_version(sctx.pointer, maxprot === 'TLSv1.3' ? C.TLS1_3_VERSION : C.TLS1_2_VERSION), 1, 'SSL_CTX_set_max_proto_version(sctx, maxprot)');
    // The object layer takes SSL_OP_* only when a Context is created: raw SSL_CTX_set_options.
    if (maxprot === 'TLSv1.2') capi.SSL_CTX_set_options(sctx.pointer, C.SSL_OP_NO_TICKET);

    // 2404-2422: a full handshake; sess1 the client's session, sess2 the server's.
    reset();
    ({ server: serverssl1, client: clientssl1 } = createSSLObjects(end, sctx, cctx));
    expectConnection(serverssl1, clientssl1, 'full handshake for server-side caching');
    sess1 = clientssl1.session;
    ok(sess1, 'SSL_get1_session(clientssl1)');
    end.add(sess1);
    sess2 = serverssl1.session;
    ok(sess2, 'SSL_get1_session(serverssl1)');
    end.add(sess2);

    // 2424-2438
    if (useIntCache) {
      if (maxprot === 'TLSv1.3' && !useExtCache) {
        // In TLS 1.3 a server caches no session, except with an external cache (for the remove
        // events after timeouts).
        equal(sctx.removeSession(sess2), false, 'TLS 1.3 server session is not in the internal cache');
      } else {
        /* Should fail because it should already be in the cache */
        equal(sctx.addSession(sess2), false, 'SSL_CTX_add_session(sctx, sess2) while sess2 is cached');
      }
    }

    // 2440-2474
    if (useExtCache) {
      equal(n.new, numnewsesstick, 'server new_called after the full handshake');
      equal(n.remove, 0, 'server remove_called after the full handshake');
      equal(n.get, 0, 'server get_called after the full handshake');
      // Delete the session from the internal cache to force a lookup in the external one; copy
      // it first, as SSL_CTX_remove_session() also marks the session as non-resumable.
      if (useIntCache && maxprot !== 'TLSv1.3') {
        const tmp = end.add(sess2.dup());
        notEqual(sess2.cacheOwner, null, 'sess2->owner != NULL');
        equal(tmp.cacheOwner, null, 'tmp->owner == NULL');
        equal(sctx.removeSession(sess2), true, 'SSL_CTX_remove_session(sctx, sess2)');
        // Not a C assertion: the C comment's reason for the copy, checked.
        equal(sess2.isResumable, false, 'SSL_CTX_remove_session marked sess2 non-resumable');
        equal(tmp.isResumable, true, 'the copy taken before is still resumable');
        sess2.free();
        sess2 = tmp;
      }
    }

    reset();
    getSessVal = sess2;
    ({ server: serverssl2, client: clientssl2 } = createSSLObjects(end, sctx, cctx));
    clientssl2.setSession(sess1);
    expectConnection(serverssl2, clientssl2, 'resumption against the server cache');
    ok(clientssl2.sessionReused, 'SSL_session_reused(clientssl2) against the server cache');
    if (useExtCache) {
      equal(n.remove, 0, 'server resumption: remove_called');
      if (maxprot === 'TLSv1.3') {
        equal(n.new, 1, 'TLS 1.3 server resumption: new_called');
        equal(n.get, 0, 'TLS 1.3 server resumption: get_called');
      } else {
        equal(n.new, 0, 'TLS 1.2 server resumption: new_called');
        equal(n.get, 1, 'TLS 1.2 server resumption: get_called');
      }
    }

    // 2477-2502: a cache of one. sess1 expires before sess2, yet adding sess1 last evicts sess2.
    sess1.time = 1000;
    equal(sess1.time, 1000, 'SSL_SESSION_set_time_ex(sess1, 1000)');
    sess1.timeout = 1000;
    equal(sess1.timeout, 1000, 'SSL_SESSION_set_timeout(sess1, 1000)');
    sess2.time = 2000;
    equal(sess2.time, 2000, 'SSL_SESSION_set_time_ex(sess2, 2000)');
    sess2.timeout = 2000;
    equal(sess2.timeout, 2000, 'SSL_SESSION_set_timeout(sess2, 2000)');
    const previousSize = sctx.sessionCacheSize;
    sctx.sessionCacheSize = 1;
    notEqual(previousSize, 0, 'SSL_CTX_sess_set_cache_size(sctx, 1) returns the old, non-zero size');
    equal(sctx.sessionCacheSize, 1);
    /* Don't care about results - cache should only be sess2 at end */
    sctx.addSession(sess1);
    sctx.addSession(sess2);
    /* Now add sess1, and make sure it remains, despite timeout */
    equal(sctx.addSession(sess1), true, 'SSL_CTX_add_session(sctx, sess1)');
    equal(sess1.cacheOwner, sctx.pointer, 'sess1->owner');
    equal(sess2.cacheOwner, null, 'sess2->owner == NULL');
    // 2506-2519 is the End list.
  });
}

suite('sslapitest sessions: execute_test_session (OpenSSL 3.5.7 test/sslapitest.c)', test => {
  const variants: [cName: string, useInt: boolean, useExt: boolean, sOptions: bigint, label: string][] = [
    ['test_session_with_only_int_cache', true, false, 0n, 'int cache'],
    ['test_session_with_only_ext_cache', false, true, 0n, 'ext cache'],
    ['test_session_with_both_cache', true, true, 0n, 'int+ext cache'],
    ['test_session_wo_ca_names', true, false, SSL_OP_DISABLE_TLSEXT_CA_NAMES, 'int cache, SSL_OP_DISABLE_TLSEXT_CA_NAMES'],
  ];
  for (const [cName, useInt, useExt, sOptions, label] of variants) {
    for (const [v, maxprot] of [['TLS1.3', 'TLSv1.3'], ['TLS1.2', 'TLSv1.2']] as const) {
      test(`execute_test_session(${v}, ${label}) [${cName}]`, async () => {
        // sslapitest.c:2207-2521, called from 2524-2578. Differences: the C's SSL_CTX_sess_set_*_cb(cctx,
        // NULL) is setSessionCallbacks({}); TLS 1.1 and SSL_OP_NO_TICKET for the server go through
        // the raw layer; the C's `sess->owner` is Session.cacheOwner.
        await executeTestSession(maxprot, useInt, useExt, sOptions);
      });
    }
  }
});
