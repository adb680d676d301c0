// OpenSSL's test_tickets (sslapitest.c 2694-2799), with setup_ticket_test (2614) and
// check_resumption (2637), run by test_stateful_tickets / test_stateless_tickets (2801-2809).
// Ported to the object layer from test/sslapitest.c of OpenSSL 3.5.7 (the release this module is
// built from; line numbers below are that file's), with the C test helpers of test/lib/ssltestlib.ts.
// Each test loads its own instance and ends by checking that no handle is left alive.
import {
  constants as C, NULL, OpenSSL, transfer,
  type Connection, type Context, type Session,
} from '../../ts/index.ts';
import { equal, ok } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import {
  serverPki, withOpenSSL, createSSLCtxPair, createSSLObjects, expectConnection,
  type Pki, type End,
} from '../lib/ssltestlib.ts';

interface TicketState { newCalled: number; doCache: boolean; sesscache: (Session | null)[] }

/**
 * setup_ticket_test (2614-2635): num_tickets idx, a session id context of the int 1, stateful
 * (SSL_OP_NO_TICKET) or not; the client has CLIENT | NO_INTERNAL_STORE and new_cachesession_cb
 * (2584-2595), which keeps the session in sesscache[new_called] while do_cache is set.
 */
function setupTicketTest(ossl: OpenSSL, end: End, pki: Pki, stateful: boolean, idx: number, st: TicketState) {
  return createSSLCtxPair(ossl, end, pki, {
    numTickets: idx,
    sessionIdContext: new Uint8Array([1, 0, 0, 0]), // (void *)&sess_id_ctx, sizeof(int), little-endian
    options: stateful ? C.SSL_OP_NO_TICKET : 0n,
  }, {
    sessionCacheMode: C.SSL_SESS_CACHE_CLIENT | C.SSL_SESS_CACHE_NO_INTERNAL_STORE,
    sessionCallbacks: {
      onNew: sess => {
        if (st.doCache) st.sesscache[st.newCalled] = end.add(sess.ref());
        st.newCalled++;
      },
    },
  });
}

/**
 * post_handshake_verify (2597-2612). The C's SSLs share a BIO pair, so each side's writes reach the
 * other at once; here the bytes are moved between the calls.
 */
function postHandshakeVerify(ossl: OpenSSL, server: Connection, client: Connection): void {
  const { capi } = ossl.raw;
  capi.SSL_set_verify(server.pointer, C.SSL_VERIFY_PEER, NULL);
  equal(capi.SSL_verify_client_post_handshake(server.pointer), 1, 'SSL_verify_client_post_handshake');
  equal(capi.SSL_do_handshake(server.pointer), 1, 'server SSL_do_handshake');
  transfer(server, client);
  ok(capi.SSL_read(client.pointer, NULL, 0) <= 0, 'client SSL_read(NULL, 0)');
  transfer(client, server);
  ok(capi.SSL_read(server.pointer, NULL, 0) <= 0, 'server SSL_read(NULL, 0)');
  transfer(server, client);
  expectConnection(server, client, 'after post-handshake authentication');
}

/** check_resumption (2637-2692): resumes with each of the idx * 2 cached sessions. */
function checkResumption(ossl: OpenSSL, end: End, st: TicketState, idx: number, sctx: Context, cctx: Context, succ: boolean): void {
  for (let i = 0; i < idx * 2; i++) {
    st.newCalled = 0;
    const { server, client } = createSSLObjects(end, sctx, cctx);
    client.setSession(st.sesscache[i] ?? null);
    ossl.raw.capi.SSL_set_post_handshake_auth(client.pointer, 1);
    expectConnection(server, client, `resumption ${i}`);
    // After a successful resumption 1 ticket, after a failed one idx tickets.
    if (succ) {
      ok(client.sessionReused, `resumption ${i}: SSL_session_reused`);
      equal(st.newCalled, 1, `resumption ${i}: new_called`);
    } else {
      ok(!client.sessionReused, `resumption ${i} with a ticket of another SSL_CTX: not reused`);
      equal(st.newCalled, idx, `resumption ${i}: new_called`);
    }
    // "After a post-handshake authentication we should get 1 new ticket"
    st.newCalled = 0;
    if (succ) {
      postHandshakeVerify(ossl, server, client);
      equal(st.newCalled, 1, `resumption ${i}: one new ticket after post-handshake authentication`);
    }
    client.shutdown();
    server.shutdown();
    server.free();
    client.free();
    st.sesscache[i]?.free();
    st.sesscache[i] = null;
  }
}

/**
 * test_tickets(stateful, idx): sslapitest.c:2694-2799, post-handshake authentication included
 * (SSL_set_post_handshake_auth and SSL_verify_client_post_handshake come from the raw layer).
 */
async function testTickets(stateful: boolean, idx: number): Promise<void> {
  const pki = await serverPki();
  await withOpenSSL((ossl, end) => {
    const st: TicketState = { newCalled: 0, doCache: true, sesscache: new Array<Session | null>(6).fill(null) };

    // 2703-2720: a full handshake gives idx tickets.
    let { sctx, cctx } = setupTicketTest(ossl, end, pki, stateful, idx, st);
    let { server, client } = createSSLObjects(end, sctx, cctx);
    expectConnection(server, client, 'full handshake');
    equal(st.newCalled, idx, 'tickets from the full handshake');
    client.shutdown();
    server.shutdown();
    server.free();
    client.free();
    sctx.free();
    cctx.free();

    // 2722-2738: resuming with those tickets against new SSL_CTXs fails, and each full handshake
    // gives idx tickets again.
    st.doCache = false;
    ({ sctx, cctx } = setupTicketTest(ossl, end, pki, stateful, idx, st));
    checkResumption(ossl, end, st, idx, sctx, cctx, false);

    // 2740-2760: start again, caching sessions.
    st.newCalled = 0;
    st.doCache = true;
    sctx.free();
    cctx.free();
    ({ sctx, cctx } = setupTicketTest(ossl, end, pki, stateful, idx, st));
    ({ server, client } = createSSLObjects(end, sctx, cctx));
    ossl.raw.capi.SSL_set_post_handshake_auth(client.pointer, 1);
    expectConnection(server, client, 'full handshake with caching');
    equal(st.newCalled, idx, 'tickets from the full handshake');
    // "After a post-handshake authentication we should get new tickets issued"
    postHandshakeVerify(ossl, server, client);
    equal(st.newCalled, idx * 2, 'tickets after post-handshake authentication');
    client.shutdown();
    server.shutdown();
    server.free();
    client.free();

    // 2778-2789: every ticket resumes.
    st.doCache = false;
    checkResumption(ossl, end, st, idx, sctx, cctx, true);
    equal(st.sesscache.filter(s => s !== null).length, 0, 'check_resumption used up every ticket');
    // 2793-2797 is the End list.
  });
}

suite('sslapitest sessions: test_tickets (OpenSSL 3.5.7 test/sslapitest.c)', test => {
  for (const stateful of [true, false]) {
    for (const idx of [0, 1, 2]) {
      const cName = stateful ? 'test_stateful_tickets' : 'test_stateless_tickets';
      test(`test_tickets(${stateful ? 'stateful' : 'stateless'}, ${idx} ticket${idx === 1 ? '' : 's'}) [${cName}(${idx})]`, async () => {
        // sslapitest.c:2694-2799 via 2801-2809. Deliberate difference: no post-handshake
        // authentication (not exported), so the tickets it would issue are neither counted nor used.
        await testTickets(stateful, idx);
      });
    }
  }
});
