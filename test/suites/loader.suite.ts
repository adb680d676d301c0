// The loader: every way of handing it the module, the export list against the built module, and
// what happens after a trap or a throwing callback.
import { CallbackError, EXPORTED_FUNCTIONS, InstanceFailedError, loadRaw } from '../../ts/index.ts';
import * as C from '../../ts/raw/constants.ts';
import { equal, ok, match, rejects, throws } from '../lib/assert.ts';
import { fixture, readURL, wasmURL } from '../lib/fixtures.ts';
import { versionPrefix } from '../lib/line.ts';
import { clientCtx, handshake, newEnd, serverCtx } from '../../examples/raw-tls.ts';
import { suite } from '../lib/suite.ts';


const wasmBytes = () => readURL(wasmURL);

function versionOf(raw: Awaited<ReturnType<typeof loadRaw>>): string {
  return raw.mem.readCString(raw.capi.OpenSSL_version(C.OPENSSL_VERSION)) ?? '';
}

suite('loader', test => {
  test('every function declared in wasm/exports.txt is exported by the built module', async () => {
    const module = await WebAssembly.compile(await wasmBytes());
    const exported = new Set(WebAssembly.Module.exports(module).filter(e => e.kind === 'function').map(e => e.name));
    const missing = EXPORTED_FUNCTIONS.filter(name => !exported.has(name));
    equal(missing.join(', '), '', 'declared but not exported');
    ok(EXPORTED_FUNCTIONS.length > 150, `the list has ${EXPORTED_FUNCTIONS.length} functions`);
  });

  test('loads from a URL, bytes, an ArrayBuffer, a Response and a compiled Module', async () => {
    const bytes = await wasmBytes();
    const sources = [
      wasmURL,
      wasmURL.href,
      bytes,
      bytes.slice().buffer,
      new Response(bytes.slice(), { headers: { 'content-type': 'application/wasm' } }),
      Promise.resolve(new Response(bytes.slice())),
      await WebAssembly.compile(bytes.slice()),
    ];
    for (const wasm of sources) {
      const raw = await loadRaw({ wasm });
      match(versionOf(raw), versionPrefix);
    }
  });

  test('every instance seeds its own random generator: instances of one module, and of one compiled Module, draw different bytes', async () => {
    const module = await WebAssembly.compile(await wasmBytes());
    const draws: string[] = [];
    for (const wasm of [module, module, await wasmBytes()]) {
      const raw = await loadRaw({ wasm });
      const bytes = raw.mem.scope(s => {
        const buf = s.alloc(32);
        equal(raw.capi.RAND_bytes(buf, 32), 1, 'RAND_bytes');
        return Array.from(raw.mem.u8.subarray(buf, buf + 32), b => b.toString(16).padStart(2, '0')).join('');
      });
      ok(!/^(00)+$/.test(bytes), 'not all zero');
      draws.push(bytes);
    }
    equal(new Set(draws).size, draws.length, `three instances, three different draws: ${draws.join(' ')}`);
  });

  test('a missing module is a clear error naming the option to use', async () => {
    const err = await rejects(loadRaw({ wasm: new URL('./no-such.wasm', wasmURL) }));
    match((err as Error).message, /could not load the module.*pass \{ wasm:/);
  });

  test('an HTML page served in place of the module (a dev server\'s fallback) is named as such', async () => {
    const page = new Response('<!doctype html><title>app</title>', { headers: { 'content-type': 'text/html' } });
    const err = await rejects(loadRaw({ wasm: page }));
    match((err as Error).message, /could not load the module \(the response is not a WebAssembly module \(content-type text\/html, 33 bytes\): the server does not serve the file there\).*pass \{ wasm:/);
  });

  test('bytes that are not a wasm module are refused clearly', async () => {
    const err = await rejects(loadRaw({ wasm: new TextEncoder().encode('not wasm') }));
    match((err as Error).message, /could not load the module/);
  });

  test('a trap marks the instance failed and every later call throws InstanceFailedError', async () => {
    const raw = await loadRaw({ wasm: wasmURL });
    // A pointer past the end of linear memory: the load inside OpenSSL traps.
    const bad = (raw.mem.memory.buffer.byteLength + 4096) as never;
    const e = throws(() => raw.capi.SSL_SESSION_get_time_ex(bad), InstanceFailedError) as InstanceFailedError;
    match(e.message, /SSL_SESSION_get_time_ex failed inside the WebAssembly module.*Load a new instance/);
    ok(raw.failed === e, 'raw.failed holds the cause');
    throws(() => raw.capi.OpenSSL_version_num(), InstanceFailedError);
    // Other instances are unaffected.
    const fresh = await loadRaw({ wasm: wasmURL });
    match(versionOf(fresh), versionPrefix);
  });

  test('a callback that throws fails the handshake call with CallbackError, and the instance stays usable', async () => {
    const raw = await loadRaw({ wasm: wasmURL });
    const { capi } = raw;
    const sctx = serverCtx(raw, await fixture('server.pem'), await fixture('server.key'), C.TLS1_3_VERSION);
    const cctx = clientCtx(raw, await fixture('ca.pem'), C.TLS1_3_VERSION);
    const lines: string[] = [];
    raw.handlers.keylog = (_ssl, line) => { lines.push(raw.mem.readCString(line) ?? ''); };
    capi.SSL_CTX_set_keylog_callback(cctx, capi.OSW_keylog_cb());
    const c = newEnd(raw, cctx, 'client'), s = newEnd(raw, sctx, 'server');
    handshake(raw, c, s);
    ok(lines.some(l => l.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET ')), 'keylog lines arrive through the trampoline');

    raw.handlers.keylog = () => { throw new Error('boom'); };
    const c2 = newEnd(raw, cctx, 'client'), s2 = newEnd(raw, sctx, 'server');
    const e = throws(() => handshake(raw, c2, s2), CallbackError) as CallbackError;
    equal(e.callback, 'keylog');
    match(e.message, /boom/);
    equal(raw.failed, undefined, 'a throwing callback does not fail the instance');
    ok(capi.OpenSSL_version_num() > 0);
    for (const ssl of [c.ssl, s.ssl, c2.ssl, s2.ssl]) capi.SSL_free(ssl);
    capi.SSL_CTX_free(cctx);
    capi.SSL_CTX_free(sctx);
  });
});
