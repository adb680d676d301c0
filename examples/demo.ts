// The demo: an in-process TLS client and server, a full TLS 1.3 handshake and then a resumed one,
// through the raw layer. Run it with `npm run demo` after ./build.sh.
import { constants as C, loadRaw, type RawOpenSSL } from '../ts/index.ts';
import { clientCtx, handshake, newEnd, serverCtx, shutdown, type RawEnd } from './raw-tls.ts';

declare const Deno: { readTextFile(p: URL): Promise<string> } | undefined;
async function readText(url: URL): Promise<string> {
  if (typeof Deno !== 'undefined') return Deno.readTextFile(url);
  const { readFile } = await import('node:fs/promises');
  return readFile(url, 'utf8');
}
const fixture = (name: string) => readText(new URL(`../test/fixtures/${name}`, import.meta.url));

function describe(raw: RawOpenSSL, label: string, end: RawEnd): void {
  const { capi, mem } = raw;
  const cipher = capi.SSL_get_current_cipher(end.ssl);
  const group = capi.SSL_get_negotiated_group(end.ssl);
  console.log(`${label}:`);
  console.log(`  protocol  ${mem.readCString(capi.SSL_get_version(end.ssl))}`);
  console.log(`  cipher    ${mem.readCString(capi.SSL_CIPHER_standard_name(cipher))}`);
  console.log(`  group     ${group ? mem.readCString(capi.SSL_group_to_name(end.ssl, group)) : '(none: resumed without key exchange)'}`);
  console.log(`  reused    ${capi.SSL_session_reused(end.ssl) === 1 ? 'yes' : 'no'}`);
}

const raw = await loadRaw({ wasm: new URL('../wasm/openssl.wasm', import.meta.url) });
const { capi, mem } = raw;
console.log(`${mem.readCString(capi.OpenSSL_version(C.OPENSSL_VERSION))}, in WebAssembly\n`);
const sctx = serverCtx(raw, await fixture('server.pem'), await fixture('server.key'), C.TLS1_3_VERSION);
const cctx = clientCtx(raw, await fixture('ca.pem'), C.TLS1_3_VERSION);

const c1 = newEnd(raw, cctx, 'client'), s1 = newEnd(raw, sctx, 'server');
handshake(raw, c1, s1);
describe(raw, 'first connection (full handshake)', c1);
const session = capi.SSL_get1_session(c1.ssl);
shutdown(raw, c1, s1);

const c2 = newEnd(raw, cctx, 'client'), s2 = newEnd(raw, sctx, 'server');
capi.SSL_set_session(c2.ssl, session);
handshake(raw, c2, s2);
describe(raw, 'second connection (SSL_set_session with the first one\'s session)', c2);
console.log(`  server reused too: ${capi.SSL_session_reused(s2.ssl) === 1 ? 'yes' : 'no'}`);
shutdown(raw, c2, s2);

for (const end of [c1, s1, c2, s2]) capi.SSL_free(end.ssl);
capi.SSL_SESSION_free(session);
capi.SSL_CTX_free(cctx);
capi.SSL_CTX_free(sctx);
