// The package smoke test: what a user of the published package does, in any runtime. It imports
// the bare specifier 'openssl-wasm' only (the raw-tls helpers import '../ts/index.ts', which
// run.mjs redirects to 'openssl-wasm' when bundling), loads the module with NO options, so the
// package's default location `new URL('./openssl-simd.wasm', import.meta.url)` is what gets tested,
// then runs a full handshake and a resumed one (SSL_set_session) for TLS 1.3 and TLS 1.2; then the
// same on the OpenSSL 4.0 line (`loadRaw({ line: '4.0' })`), which a page fetches only then.
// It never throws: it reports { ok, checks, error? } as `globalThis.__opensslWasmSmoke` (for the
// browser page) and as one `SMOKE_RESULT {json}` line on the console (for Node and Deno).
import { constants as C, loadRaw, NULL, type RawOpenSSL } from 'openssl-wasm';
import { check, clientCtx, handshake, newEnd, readAvailable, serverCtx, shutdown, transfer, type RawEnd } from '../../examples/raw-tls.ts';
import caPem from '../fixtures/ca.pem';
import serverPem from '../fixtures/server.pem';
import serverKey from '../fixtures/server.key';

export interface SmokeResult {
  ok: boolean;
  checks: string[];
  error?: string;
  openssl?: string;
}

const checks: string[] = [];
function expect(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  checks.push(`${what}: ${JSON.stringify(actual)}`);
}

function freeEnds(raw: RawOpenSSL, ...ends: RawEnd[]): void {
  for (const e of ends) raw.capi.SSL_free(e.ssl);
}

async function fullThenResumed(protocol: string, version: number, line?: '4.0'): Promise<void> {
  const name = line ? `${line} ${protocol}` : protocol;
  // no options (or the line only): the wasm comes from the package's default location
  const raw = await loadRaw(line ? { line } : undefined);
  const { capi, mem } = raw;
  const sctx = serverCtx(raw, serverPem, serverKey, version);
  const cctx = clientCtx(raw, caPem, version);

  const c1 = newEnd(raw, cctx, 'client'), s1 = newEnd(raw, sctx, 'server');
  handshake(raw, c1, s1);
  expect(mem.readCString(capi.SSL_get_version(c1.ssl)), protocol, `${name} full: negotiated version`);
  expect(capi.SSL_get_verify_result(c1.ssl), C.X509_V_OK, `${name} full: client verified the server certificate`);
  expect(capi.SSL_session_reused(c1.ssl), 0, `${name} full: SSL_session_reused (client)`);
  expect(capi.SSL_session_reused(s1.ssl), 0, `${name} full: SSL_session_reused (server)`);
  mem.scope(s => {
    const msg = new TextEncoder().encode('ping');
    check(raw, capi.SSL_write_ex(c1.ssl, s.bytes(msg), msg.length, s.out<'size_t'>()) === 1, 'SSL_write_ex');
  });
  transfer(raw, c1, s1);
  expect(new TextDecoder().decode(readAvailable(raw, s1)), 'ping', `${name} full: application data client -> server`);

  const session = capi.SSL_get1_session(c1.ssl);
  if (session === NULL) throw new Error(`${name}: SSL_get1_session gave NULL`);
  expect(capi.SSL_SESSION_is_resumable(session), 1, `${name}: session is resumable`);
  shutdown(raw, c1, s1);
  freeEnds(raw, c1, s1);

  const c2 = newEnd(raw, cctx, 'client'), s2 = newEnd(raw, sctx, 'server');
  expect(capi.SSL_set_session(c2.ssl, session), 1, `${name} resumed: SSL_set_session`);
  handshake(raw, c2, s2);
  expect(mem.readCString(capi.SSL_get_version(c2.ssl)), protocol, `${name} resumed: negotiated version`);
  expect(capi.SSL_session_reused(c2.ssl), 1, `${name} resumed: SSL_session_reused (client)`);
  expect(capi.SSL_session_reused(s2.ssl), 1, `${name} resumed: SSL_session_reused (server)`);
  shutdown(raw, c2, s2);
  freeEnds(raw, c2, s2);
  capi.SSL_SESSION_free(session);
  capi.SSL_CTX_free(cctx);
  capi.SSL_CTX_free(sctx);
  expect(capi.ERR_peek_error(), 0, `${name}: error stack empty at the end`);
}

async function smoke(): Promise<SmokeResult> {
  const result: SmokeResult = { ok: false, checks };
  try {
    const raw = await loadRaw();
    const version = raw.mem.readCString(raw.capi.OpenSSL_version(C.OPENSSL_VERSION)) ?? '(NULL)';
    result.openssl = version;
    if (!/^OpenSSL 3\./.test(version)) throw new Error(`unexpected OpenSSL_version: ${version}`);
    checks.push(`loadRaw() with no options: ${version}`);
    await fullThenResumed('TLSv1.3', C.TLS1_3_VERSION);
    await fullThenResumed('TLSv1.2', C.TLS1_2_VERSION);
    // A page has fetched no module of the 4.0 line so far (browsers list what they fetched).
    const fetchedWasm = () => typeof document === 'undefined' ? null
      : performance.getEntriesByType('resource').filter(e => /\.wasm(\?|$)/.test(new URL(e.name).pathname)).length;
    expect(fetchedWasm() ?? 1, 1, 'modules fetched before the 4.0 line is asked for');
    const raw40 = await loadRaw({ line: '4.0' });
    const version40 = raw40.mem.readCString(raw40.capi.OpenSSL_version(C.OPENSSL_VERSION)) ?? '(NULL)';
    if (!/^OpenSSL 4\./.test(version40) || raw40.line !== '4.0') throw new Error(`loadRaw({ line: '4.0' }): unexpected OpenSSL_version ${version40}`);
    checks.push(`loadRaw({ line: '4.0' }): ${version40}`);
    await fullThenResumed('TLSv1.3', C.TLS1_3_VERSION, '4.0');
    expect(fetchedWasm() ?? 2, 2, 'modules fetched once the 4.0 line is asked for');
    result.ok = true;
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error && !e.message.includes(e.cause.message) ? ` (cause: ${e.cause.message})` : '';
    result.error = e instanceof Error ? `${e.message}${cause}` : String(e);
  }
  return result;
}

const result = await smoke();
(globalThis as { __opensslWasmSmoke?: SmokeResult }).__opensslWasmSmoke = result;
console.log(`SMOKE_RESULT ${JSON.stringify(result)}`);
