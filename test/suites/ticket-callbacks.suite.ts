// Session tickets through the raw layer (issue 16): the ticket-key ring's export refuses hostile
// calls and keeps the ring it had; the gen/dec trampolines of SSL_CTX_set_session_ticket_cb carry
// application data through a ticket, each SSL_TICKET_RETURN value a dec callback gives has the
// effect doc/man3/SSL_CTX_set_session_ticket_cb.pod describes, and a callback that throws fails
// the handshake with a CallbackError, leaving the instance usable.
import { CallbackError, loadRaw, NULL, type Ptr, type RawOpenSSL } from '../../ts/index.ts';
import { MAX_TICKET_KEYS } from '../../ts/oo/context.ts';
import * as C from '../../ts/raw/constants.ts';
import { clientCtx, handshake, newEnd, serverCtx, shutdown } from '../../examples/raw-tls.ts';
import { equal, notEqual, ok, throws } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { load, pki, serverContext } from '../lib/tls.ts';

const hex = (b: Uint8Array | null) => b === null ? 'none' : Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
const text = (b: Uint8Array | null) => b === null ? null : new TextDecoder().decode(b);

interface Setup { raw: RawOpenSSL; sctx: Ptr<'SSL_CTX'>; cctx: Ptr<'SSL_CTX'>; free(): void }

/** A raw instance with a server context (session cache off: tickets only) and a client context. */
async function setup(version: number): Promise<Setup> {
  const raw = await loadRaw({ wasm: wasmURL });
  const p = await pki();
  const sctx = serverCtx(raw, p.cert, p.key, version);
  raw.capi.SSL_CTX_set_session_cache_mode(sctx, C.SSL_SESS_CACHE_OFF);
  const cctx = clientCtx(raw, p.ca, version);
  return { raw, sctx, cctx, free: () => { raw.capi.SSL_CTX_free(sctx); raw.capi.SSL_CTX_free(cctx); } };
}

/**
 * One connection, offering `session` if given: whether it resumed, and the client's session after
 * it (a reference the caller frees). A failed handshake throws, with both ends freed.
 */
function connect(t: Setup, session?: Ptr<'SSL_SESSION'>): { reused: boolean; session: Ptr<'SSL_SESSION'> } {
  const { raw } = t, { capi } = raw;
  const c = newEnd(raw, t.cctx, 'client'), s = newEnd(raw, t.sctx, 'server');
  try {
    if (session !== undefined) equal(capi.SSL_set_session(c.ssl, session), 1, 'SSL_set_session');
    handshake(raw, c, s);
    const reused = capi.SSL_session_reused(c.ssl) === 1;
    equal(capi.SSL_session_reused(s.ssl) === 1, reused, 'both ends agree on resumption');
    const sess = capi.SSL_get1_session(c.ssl);
    ok(sess !== NULL, 'the client has a session');
    shutdown(raw, c, s);
    return { reused, session: sess };
  } finally {
    capi.SSL_free(c.ssl);
    capi.SSL_free(s.ssl);
    capi.ERR_clear_error();
  }
}

/** The ticket a client session carries (SSL_SESSION_get0_ticket), or null. */
function ticketOf(raw: RawOpenSSL, sess: Ptr<'SSL_SESSION'>): Uint8Array | null {
  const { capi, mem } = raw;
  return mem.scope(s => {
    const pp = s.out<'u8*'>(), len = s.out<'size_t'>();
    capi.SSL_SESSION_get0_ticket(sess, pp, len);
    const n = mem.readU32(len), p = mem.readPtr(pp);
    return n === 0 || p === NULL ? null : mem.copyOut(p, n);
  });
}

/** A session's ticket application data (SSL_SESSION_get0_ticket_appdata), or null. */
function appData(raw: RawOpenSSL, sess: Ptr<'SSL_SESSION'>): Uint8Array | null {
  const { capi, mem } = raw;
  return mem.scope(s => {
    const pp = s.out<'void*'>(), len = s.out<'size_t'>();
    if (capi.SSL_SESSION_get0_ticket_appdata(sess, pp, len) !== 1) return null;
    const p = mem.readPtr(pp);
    return p === NULL ? null : mem.copyOut(p, mem.readU32(len));
  });
}

/** Ring bytes for OSW_CTX_set_ticket_keys: per key a 16-byte name, 32-byte AES key, 32-byte HMAC key. */
function ringBytes(names: number[]): Uint8Array {
  const out = crypto.getRandomValues(new Uint8Array(names.length * 80));
  names.forEach((n, i) => out.fill(n, i * 80, i * 80 + 16));
  return out;
}

/** What a dec callback saw, and what the gen callback was asked for: installed on `t`'s server. */
function ticketCallbacks(t: Setup, answer: (status: number) => number) {
  const { raw } = t, { capi, mem } = raw;
  const seen = { generated: 0, decrypted: [] as { status: number; appData: string | null }[] };
  raw.handlers.gen_ticket = ssl => {
    seen.generated++;
    const data = new TextEncoder().encode(`issued #${seen.generated}`);
    mem.scope(s => equal(capi.SSL_SESSION_set1_ticket_appdata(capi.SSL_get_session(ssl), s.bytes(data), data.length), 1, 'set1_ticket_appdata'));
    return 1;
  };
  raw.handlers.dec_ticket = (_ssl, ss, _keyname, _keynameLen, status) => {
    // The page: with EMPTY or NO_DECRYPT "the callback must not use the ss argument".
    seen.decrypted.push({ status, appData: decrypted(status) ? text(appData(raw, ss)) : null });
    return answer(status);
  };
  equal(capi.SSL_CTX_set_session_ticket_cb(t.sctx, capi.OSW_gen_ticket_cb(), capi.OSW_dec_ticket_cb(), NULL), 1, 'SSL_CTX_set_session_ticket_cb');
  return seen;
}

const decrypted = (status: number) => status === C.SSL_TICKET_SUCCESS || status === C.SSL_TICKET_SUCCESS_RENEW;
/** `answer` for a ticket that decrypted; otherwise what the page says keeps the default (IGNORE_RENEW). */
const onDecrypted = (answer: number) => (status: number) => decrypted(status) ? answer : C.SSL_TICKET_RETURN_IGNORE_RENEW;

suite('session tickets (raw layer)', test => {
  test('OSW_CTX_set_ticket_keys refuses NULL keys, counts past its bound and a wrapping count, and keeps the ring it had', async () => {
    const t = await setup(C.TLS1_3_VERSION);
    const { capi, mem } = t.raw;
    const name = new Uint8Array(16).fill(0x4b);
    mem.scope(s => {
      const one = ringBytes([0x4b]);
      equal(capi.OSW_CTX_set_ticket_keys(t.sctx, s.bytes(one, true), 1), 1, 'one key: accepted');
      equal(capi.OSW_CTX_set_ticket_keys(t.sctx, NULL, 1), 0, 'keys NULL with count 1: refused');
      equal(capi.OSW_CTX_set_ticket_keys(t.sctx, s.bytes(one, true), 53687092), 0, 'count 53687092 (count * 80 wraps to 64 on wasm32): refused');
      equal(capi.OSW_CTX_set_ticket_keys(t.sctx, s.bytes(one, true), 0xffffffff), 0, 'count 2^32-1: refused');
      const seventeen = ringBytes(Array.from({ length: 17 }, (_, i) => 0x60 + i));
      equal(capi.OSW_CTX_set_ticket_keys(t.sctx, s.bytes(seventeen, true), 17), 0, '17 keys (the bound is 16): refused');
      equal(capi.OSW_CTX_set_ticket_keys(NULL, s.bytes(one, true), 1), 0, 'ctx NULL: refused');
    });
    // The ring is the one key set first: tickets are issued under its name and resume.
    const first = connect(t);
    equal(hex(ticketOf(t.raw, first.session)!.subarray(0, 16)), hex(name), 'the ticket is under the first ring\'s key');
    const again = connect(t, first.session);
    ok(again.reused, 'the ticket resumes');
    // The bound itself is accepted; count 0 removes the ring (OpenSSL's own keys again).
    mem.scope(s => equal(capi.OSW_CTX_set_ticket_keys(t.sctx, s.bytes(ringBytes(Array.from({ length: 16 }, (_, i) => 0x20 + i)), true), 16), 1, '16 keys: accepted'));
    equal(capi.OSW_CTX_set_ticket_keys(t.sctx, NULL, 0), 1, 'count 0: the ring is removed');
    const own = connect(t, first.session);
    ok(!own.reused, 'a ticket of the removed ring no longer resumes');
    notEqual(hex(ticketOf(t.raw, own.session)!.subarray(0, 16)), hex(name), 'OpenSSL\'s own key names the new ticket');
    for (const x of [first, again, own]) capi.SSL_SESSION_free(x.session);
    t.free();
  });

  test('Context.setTicketKeys refuses more keys than the ring holds with a RangeError', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.3');
    const key = (n: number) => ({ name: new Uint8Array(16).fill(n), aesKey: new Uint8Array(32), hmacKey: new Uint8Array(32) });
    server.setTicketKeys(Array.from({ length: MAX_TICKET_KEYS }, (_, i) => key(i)));
    throws(() => server.setTicketKeys(Array.from({ length: MAX_TICKET_KEYS + 1 }, (_, i) => key(i))), RangeError);
    throws(() => server.setTicketKeys(null as never), TypeError);
    server.free();
  });

  for (const [version, label] of [[C.TLS1_2_VERSION, 'TLS 1.2'], [C.TLS1_3_VERSION, 'TLS 1.3']] as const) {
    test(`gen/dec trampolines (${label}): application data added on issue is read back on resumption`, async () => {
      const t = await setup(version);
      // The page's defaults: USE for SUCCESS, USE_RENEW for SUCCESS_RENEW, IGNORE_RENEW otherwise.
      const seen = ticketCallbacks(t, status => status === C.SSL_TICKET_SUCCESS ? C.SSL_TICKET_RETURN_USE
        : status === C.SSL_TICKET_SUCCESS_RENEW ? C.SSL_TICKET_RETURN_USE_RENEW : C.SSL_TICKET_RETURN_IGNORE_RENEW);
      const first = connect(t);
      ok(!first.reused, 'a full handshake first');
      ok(seen.generated >= 1, 'gen_cb was called for the ticket');
      // "SSL_TICKET_EMPTY ... This only occurs in TLSv1.2 or below": a TLS 1.2 client asks for a
      // ticket with an empty extension; a TLS 1.3 client offers nothing.
      equal(seen.decrypted.map(d => d.status).join(), version === C.TLS1_2_VERSION ? String(C.SSL_TICKET_EMPTY) : '', 'dec_cb on the first handshake');
      seen.decrypted.length = 0;
      const second = connect(t, first.session);
      ok(second.reused, 'resumed');
      equal(seen.decrypted.length, 1, 'dec_cb was called once');
      ok(decrypted(seen.decrypted[0].status), 'status: decrypted');
      // TLS 1.2 issues one ticket; TLS 1.3 two (numTickets), and the client offers one of them.
      const back = seen.decrypted[0].appData ?? '';
      ok(/^issued #\d+$/.test(back) && Number(back.slice(8)) <= (version === C.TLS1_2_VERSION ? 1 : 2), `the application data came back (${back})`);
      for (const x of [first, second]) t.raw.capi.SSL_SESSION_free(x.session);
      delete t.raw.handlers.gen_ticket;
      delete t.raw.handlers.dec_ticket;
      t.free();
    });
  }

  // TLS 1.2, where each documented effect is visible to the client: whether it resumed, and
  // whether the server sent a new ticket (gen_cb called, a different ticket on the session).
  const cases: [string, number, { reused: boolean; newTicket: boolean } | 'aborted'][] = [
    ['SSL_TICKET_RETURN_USE: resumes, no new ticket', C.SSL_TICKET_RETURN_USE, { reused: true, newTicket: false }],
    ['SSL_TICKET_RETURN_USE_RENEW: resumes, a new ticket', C.SSL_TICKET_RETURN_USE_RENEW, { reused: true, newTicket: true }],
    ['SSL_TICKET_RETURN_IGNORE: a full handshake, no new ticket', C.SSL_TICKET_RETURN_IGNORE, { reused: false, newTicket: false }],
    ['SSL_TICKET_RETURN_IGNORE_RENEW: a full handshake, a new ticket', C.SSL_TICKET_RETURN_IGNORE_RENEW, { reused: false, newTicket: true }],
    ['SSL_TICKET_RETURN_ABORT: the handshake fails', C.SSL_TICKET_RETURN_ABORT, 'aborted'],
  ];
  for (const [name, answer, expected] of cases) {
    test(`dec_cb returning ${name}`, async () => {
      const t = await setup(C.TLS1_2_VERSION);
      const { capi } = t.raw;
      const seen = ticketCallbacks(t, onDecrypted(answer));
      const first = connect(t);
      const issued = hex(ticketOf(t.raw, first.session));
      notEqual(issued, 'none', 'the first handshake issued a ticket');
      equal(seen.generated, 1, 'gen_cb once for it');
      seen.decrypted.length = 0; // the first handshake's empty ticket (SSL_TICKET_EMPTY)
      if (expected === 'aborted') {
        let message = '';
        try { connect(t, first.session); } catch (e) { message = (e as Error).message; }
        ok(/server handshake/.test(message), `the server's handshake failed (${message})`);
        equal(seen.decrypted.length, 1, 'dec_cb was asked');
      } else {
        const second = connect(t, first.session);
        equal(seen.decrypted.length, 1, 'dec_cb was asked once');
        equal(seen.decrypted[0].status, C.SSL_TICKET_SUCCESS, 'status SSL_TICKET_SUCCESS');
        equal(seen.decrypted[0].appData, 'issued #1', 'with the ticket\'s application data');
        equal(second.reused, expected.reused, 'resumed');
        equal(seen.generated, expected.newTicket ? 2 : 1, 'gen_cb called for a new ticket');
        const now = hex(ticketOf(t.raw, second.session));
        if (expected.newTicket) ok(now !== 'none' && now !== issued, 'the client holds a new ticket');
        else if (expected.reused) equal(now, issued, 'the client keeps the ticket it offered');
        else equal(now, 'none', 'the new session has no ticket');
        capi.SSL_SESSION_free(second.session);
      }
      capi.SSL_SESSION_free(first.session);
      delete t.raw.handlers.gen_ticket;
      delete t.raw.handlers.dec_ticket;
      t.free();
    });
  }

  for (const kind of ['gen_ticket', 'dec_ticket'] as const) {
    test(`a ${kind} handler that throws fails the handshake with a CallbackError; the instance goes on`, async () => {
      const t = await setup(C.TLS1_2_VERSION);
      const { raw } = t, { capi } = raw;
      ticketCallbacks(t, onDecrypted(C.SSL_TICKET_RETURN_USE));
      // gen_cb is asked on the first handshake, dec_cb on the resumption.
      const first = kind === 'dec_ticket' ? connect(t) : null;
      raw.handlers[kind] = () => { throw new Error(`${kind} broke`); };
      let error: unknown;
      try { connect(t, first?.session); } catch (e) { error = e; }
      ok(error instanceof CallbackError, `a CallbackError (${String(error)})`);
      equal((error as CallbackError).callback, kind, 'naming the callback');
      equal(((error as CallbackError).cause as Error).message, `${kind} broke`, 'with the handler\'s error as its cause');
      equal(raw.failed, undefined, 'the instance is not failed');
      delete raw.handlers.gen_ticket;
      delete raw.handlers.dec_ticket;
      const after = connect(t, first?.session);
      ok(kind === 'gen_ticket' || after.reused, 'the next handshake works (and resumes with the ticket)');
      capi.SSL_SESSION_free(after.session);
      if (first) capi.SSL_SESSION_free(first.session);
      t.free();
    });
  }
});
