// The raw layer alone: a client and a server in one instance over memory BIOs, a full handshake,
// then a resumed one with SSL_set_session, for TLS 1.3 and TLS 1.2.
import { loadRaw, NULL, type RawOpenSSL } from '../../ts/index.ts';
import * as C from '../../ts/raw/constants.ts';
import { equal, ok, match } from '../lib/assert.ts';
import { fixture, wasmURL } from '../lib/fixtures.ts';
import { check, clientCtx, handshake, newEnd, readAvailable, serverCtx, shutdown, transfer, type RawEnd } from '../../examples/raw-tls.ts';
import { suite } from '../lib/suite.ts';

interface Pki { ca: string; cert: string; key: string }
const pki = async (): Promise<Pki> => ({
  ca: await fixture('ca.pem'), cert: await fixture('server.pem'), key: await fixture('server.key'),
});

function freeEnds(raw: RawOpenSSL, ...ends: RawEnd[]): void {
  for (const e of ends) raw.capi.SSL_free(e.ssl);
}

/**
 * A TLS 1.3 handshake whose client trusts `caPem` and checks `host`: asserts it fails with
 * "certificate verify failed" and returns the client's verify result.
 */
async function failedVerification(caPem: string, host: string): Promise<number> {
  const raw = await loadRaw({ wasm: wasmURL });
  const p = await pki();
  const sctx = serverCtx(raw, p.cert, p.key, C.TLS1_3_VERSION);
  const cctx = clientCtx(raw, caPem, C.TLS1_3_VERSION);
  const c = newEnd(raw, cctx, 'client', host), s = newEnd(raw, sctx, 'server');
  let message = '';
  try { handshake(raw, c, s); } catch (e) { message = (e as Error).message; }
  match(message, /certificate verify failed/);
  const result = raw.capi.SSL_get_verify_result(c.ssl);
  freeEnds(raw, c, s);
  raw.capi.SSL_CTX_free(cctx);
  raw.capi.SSL_CTX_free(sctx);
  return result;
}

/** A full handshake then a resumed one; returns what each side saw. */
async function fullThenResumed(version: number) {
  const raw = await loadRaw({ wasm: wasmURL });
  const { capi, mem } = raw;
  const p = await pki();
  const sctx = serverCtx(raw, p.cert, p.key, version);
  const cctx = clientCtx(raw, p.ca, version);

  const c1 = newEnd(raw, cctx, 'client'), s1 = newEnd(raw, sctx, 'server');
  handshake(raw, c1, s1);
  const first = {
    clientReused: capi.SSL_session_reused(c1.ssl),
    serverReused: capi.SSL_session_reused(s1.ssl),
    verify: capi.SSL_get_verify_result(c1.ssl),
    version: mem.readCString(capi.SSL_get_version(c1.ssl)),
    cipher: mem.readCString(capi.SSL_CIPHER_get_name(capi.SSL_get_current_cipher(c1.ssl))),
  };
  // Application data both ways proves the keys agree.
  mem.scope(s => {
    const msg = new TextEncoder().encode('ping');
    const w = s.out<'size_t'>();
    check(raw, capi.SSL_write_ex(c1.ssl, s.bytes(msg), msg.length, w) === 1, 'SSL_write_ex');
  });
  transfer(raw, c1, s1);
  const received = new TextDecoder().decode(readAvailable(raw, s1));

  const session = capi.SSL_get1_session(c1.ssl);
  ok(session !== NULL, 'SSL_get1_session gave a session');
  const resumable = capi.SSL_SESSION_is_resumable(session);
  shutdown(raw, c1, s1);
  freeEnds(raw, c1, s1);

  const c2 = newEnd(raw, cctx, 'client'), s2 = newEnd(raw, sctx, 'server');
  equal(capi.SSL_set_session(c2.ssl, session), 1, 'SSL_set_session returns 1');
  handshake(raw, c2, s2);
  const second = {
    clientReused: capi.SSL_session_reused(c2.ssl),
    serverReused: capi.SSL_session_reused(s2.ssl),
    version: mem.readCString(capi.SSL_get_version(c2.ssl)),
  };
  shutdown(raw, c2, s2);
  freeEnds(raw, c2, s2);
  capi.SSL_SESSION_free(session);
  capi.SSL_CTX_free(cctx);
  capi.SSL_CTX_free(sctx);
  equal(capi.ERR_peek_error(), 0, 'nothing left on the error stack');
  return { first, second, received, resumable };
}

suite('raw layer: handshake and resumption over memory BIOs', test => {
  for (const [name, version] of [['TLSv1.3', C.TLS1_3_VERSION], ['TLSv1.2', C.TLS1_2_VERSION]] as const) {
    test(`${name}: full handshake, verified peer, data both ways, then SSL_set_session resumes on both sides`, async () => {
      const r = await fullThenResumed(version);
      equal(r.first.version, name);
      equal(r.first.verify, C.X509_V_OK, 'the client verified the natively signed server certificate');
      equal(r.first.clientReused, 0, 'first handshake is full (client)');
      equal(r.first.serverReused, 0, 'first handshake is full (server)');
      equal(r.received, 'ping');
      equal(r.resumable, 1, 'the session from the first connection is resumable');
      equal(r.second.version, name);
      equal(r.second.clientReused, 1, 'SSL_session_reused() == 1 on the client');
      equal(r.second.serverReused, 1, 'SSL_session_reused() == 1 on the server');
    });
  }

  test('TLS 1.3 negotiates a TLS 1.3 suite and the hybrid ML-KEM group by default', async () => {
    const raw = await loadRaw({ wasm: wasmURL });
    const { capi, mem } = raw;
    const p = await pki();
    const sctx = serverCtx(raw, p.cert, p.key, C.TLS1_3_VERSION);
    const cctx = clientCtx(raw, p.ca, C.TLS1_3_VERSION);
    const c = newEnd(raw, cctx, 'client'), s = newEnd(raw, sctx, 'server');
    handshake(raw, c, s);
    match(mem.readCString(capi.SSL_CIPHER_standard_name(capi.SSL_get_current_cipher(c.ssl))) ?? '', /^TLS_/);
    const group = mem.readCString(capi.SSL_group_to_name(c.ssl, capi.SSL_get_negotiated_group(c.ssl)));
    equal(group, 'X25519MLKEM768');
    freeEnds(raw, c, s);
    capi.SSL_CTX_free(cctx);
    capi.SSL_CTX_free(sctx);
  });

  test('a server certificate from an unrelated CA fails verification with a certificate error', async () => {
    equal(await failedVerification(await fixture('other-ca.pem'), 'localhost'), 20 /* X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY */);
  });

  test('the host-name check rejects a certificate for another name', async () => {
    equal(await failedVerification((await pki()).ca, 'example.org'), 62 /* X509_V_ERR_HOSTNAME_MISMATCH */);
  });

  test('sessions carry wall-clock time from the loader (WASI clock)', async () => {
    const raw = await loadRaw({ wasm: wasmURL });
    const p = await pki();
    const sctx = serverCtx(raw, p.cert, p.key, C.TLS1_2_VERSION);
    const cctx = clientCtx(raw, p.ca, C.TLS1_2_VERSION);
    const c = newEnd(raw, cctx, 'client'), s = newEnd(raw, sctx, 'server');
    handshake(raw, c, s);
    const sess = raw.capi.SSL_get0_session(c.ssl);
    const t = raw.capi.SSL_SESSION_get_time_ex(sess);
    ok(Math.abs(t - Date.now() / 1000) < 5, `session time ${t} is now`);
    freeEnds(raw, c, s);
    raw.capi.SSL_CTX_free(cctx);
    raw.capi.SSL_CTX_free(sctx);
  });

  test('two instances are independent and seeded separately', async () => {
    const [a, b] = await Promise.all([loadRaw({ wasm: wasmURL }), loadRaw({ wasm: wasmURL })]);
    const ids = [a, b].map(raw => {
      // The client random of a ClientHello, read straight off the wire.
      const ctx = raw.capi.SSL_CTX_new(raw.capi.TLS_client_method());
      const end = newEnd(raw, ctx, 'client');
      raw.capi.SSL_do_handshake(end.ssl);
      const n = raw.capi.BIO_ctrl_pending(end.wbio);
      const hello = raw.mem.scope(s => {
        const buf = s.alloc(n);
        raw.capi.BIO_read(end.wbio, buf, n);
        return raw.mem.copyOut(buf, n);
      });
      raw.capi.SSL_free(end.ssl);
      raw.capi.SSL_CTX_free(ctx);
      return hello.slice(11, 43); // record header 5 + handshake header 4 + version 2, then 32 random bytes
    });
    ok(ids[0].some(x => x !== 0), 'client random is not all zero');
    let same = true;
    for (let i = 0; i < 32; i++) same &&= ids[0][i] === ids[1][i];
    ok(!same, 'two instances produce different client randoms');
  });
});

