// Issue 10 part 5: sessions taken in whole or not at all, out of memory named as such, and the
// library's own TypeError for bytes that are not there (a detached ArrayBuffer).
import { MemorySessionStore, OpenSSL, OpenSSLError, OutOfMemoryError, takeSession, type Session } from '../../ts/index.ts';
import { equal, match, ok, rejects, throws } from '../lib/assert.ts';
import { readURL, wasmURL } from '../lib/fixtures.ts';
import { withMaximumMemory } from '../lib/small-memory.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, firstSession, load, serverContext } from '../lib/tls.ts';

/** A Uint8Array whose ArrayBuffer has been transferred away (as postMessage with a transfer list does). */
function detached(n = 16): Uint8Array {
  const bytes = new Uint8Array(n).fill(1);
  structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
  return bytes;
}

async function aSession(ossl: OpenSSL): Promise<{ der: Uint8Array; pem: string }> {
  const sctx = await serverContext(ossl, 'TLSv1.3'), cctx = await clientContext(ossl, 'TLSv1.3');
  const s = firstSession(cctx, sctx);
  const out = { der: s.toDER(), pem: s.toPEM() };
  s.free();
  cctx.free();
  sctx.free();
  return out;
}

suite('input boundaries', test => {
  test('certificates with ever-new unknown key algorithm OIDs leave the heap bounded (patch 0006 bounds OpenSSL\'s decoder cache)', async () => {
    // x509_pubkey_ex_d2i_ex asks OpenSSL's decoder cache for a key type named by an unknown OID's
    // dotted text, and the cache kept every one (~200 bytes each) for good: a peer sending such
    // certificates grew the heap without end (found by the server-store fuzz target's long run).
    const ossl = await load();
    const { der } = await aSession(ossl); // a client session: the server's certificate (EC P-256) inside
    const ecPublicKey = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]; // 1.2.840.10045.2.1
    const at = der.findIndex((_, i) => ecPublicKey.every((b, j) => der[i + j] === b));
    ok(at >= 0, 'the certificate names id-ecPublicKey');
    /** The session with its certificate's key OID made 1.2.840.10045.<5 + n / 126>.<2 + n % 126>, unknown to OpenSSL (one-byte arcs stay below 0x80). */
    const parse = (n: number) => {
      const b = der.slice();
      b[at + 7] = 5 + Math.floor(n / 126);
      b[at + 8] = 2 + (n % 126);
      ossl.sessionFromDER(b).free();
    };
    let n = 0;
    while (n < 256) parse(n++); // the cache filled and started over
    const heap = ossl.stats().heapInUse;
    while (n < 1280) parse(n++);
    const grown = ossl.stats().heapInUse - heap;
    ok(grown < 16384, `1,024 more unknown OIDs grew the heap by ${grown} bytes (the cache holds at most 64 entries; unbounded, ~200 KB)`);
    equal(ossl.stats().handles.Session, 0);
  });

  test('sessionFromDER refuses bytes after the session (1 MB of junk, or one byte) and leaks nothing', async () => {
    const ossl = await load();
    const { der } = await aSession(ossl);
    const heap = ossl.stats().heapInUse;
    const junk = new Uint8Array(der.length + (1 << 20));
    junk.set(der);
    junk.fill(0x41, der.length);
    const e = throws(() => ossl.sessionFromDER(junk), OpenSSLError) as Error;
    match(e.message, new RegExp(`^sessionFromDER: 1048576 bytes follow the ${der.length}-byte DER SSL_SESSION; pass exactly one session`));
    const one = new Uint8Array(der.length + 1);
    one.set(der);
    match((throws(() => ossl.sessionFromDER(one), OpenSSLError) as Error).message, /1 bytes follow/);
    // Exactly the session is still fine, and so is a view into a larger buffer.
    const back = ossl.sessionFromDER(der);
    equal(back.toDER().length, der.length);
    back.free();
    const view = junk.subarray(0, der.length);
    ossl.sessionFromDER(view).free();
    equal(ossl.stats().handles.Session, 0, 'the refused sessions were freed');
    // Every byte: the 1 MB copy, the refused sessions and the decoder's state (made by aSession).
    equal(ossl.stats().heapInUse - heap, 0, 'and their memory given back, to the byte');
  });

  test('sessionFromPEM refuses anything but whitespace after the END line; text before BEGIN is skipped as OpenSSL does', async () => {
    const ossl = await load();
    const { pem } = await aSession(ossl);
    for (const ok1 of [pem, `${pem}\n\n \t\r\n`, `SSL-Session: (openssl sess_id -text)\n${pem}`]) ossl.sessionFromPEM(ok1).free();
    for (const [bad, shown] of [[`${pem}junk`, '"junk"'], [`${pem}${pem}`, '"-----BEGIN SSL SESSION PARAMETERS-----\\nM"...'], [`${pem}\n\0`, '"\\u0000"']] as const) {
      const e = throws(() => ossl.sessionFromPEM(bad), OpenSSLError) as Error;
      match(e.message, /^sessionFromPEM: .* follows the END SSL SESSION PARAMETERS line; pass exactly one session/);
      ok(e.message.includes(shown), `${e.message} shows ${shown}`);
    }
    equal(ossl.stats().handles.Session, 0);
  });

  test('a detached Uint8Array gets the library\'s TypeError naming the parameter, wherever bytes are taken', async () => {
    const ossl = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3'), cctx = await clientContext(ossl, 'TLSv1.3');
    const c = cctx.createConnection({ serverName: 'localhost' });
    const cases: [string, () => unknown, RegExp][] = [
      ['receive', () => c.receive(detached()), /^receive: data: the Uint8Array's ArrayBuffer is detached .*pass bytes that are still readable/],
      ['write', () => c.write(detached()), /^write: data: the Uint8Array's ArrayBuffer is detached/],
      ['sessionFromDER', () => ossl.sessionFromDER(detached()), /^sessionFromDER: der: the Uint8Array's ArrayBuffer is detached/],
      ['Session.id', () => { const s = ossl.newSession(); try { s.id = detached(); } finally { s.free(); } }, /^id: the Uint8Array's ArrayBuffer is detached/],
      ['raw copyIn', () => ossl.raw.mem.copyIn(detached(), 'certificate'), /^certificate: the Uint8Array's ArrayBuffer is detached/],
      ['raw scope.bytes', () => ossl.raw.mem.scope(s => s.bytes(detached())), /^bytes: the Uint8Array's ArrayBuffer is detached/],
    ];
    for (const [what, fn, re] of cases) {
      const e = throws(fn, TypeError, what) as Error;
      equal(e.constructor, TypeError, `${what}: the library's own TypeError, not the engine's`);
      match(e.message, re, what);
    }
    // Not bytes at all: named too. Empty bytes that are there are fine.
    match((throws(() => c.receive(new ArrayBuffer(4) as never), TypeError) as Error).message, /^receive: data must be a Uint8Array, got ArrayBuffer \(wrap it/);
    match((throws(() => ossl.sessionFromDER(new DataView(new ArrayBuffer(4)) as never), TypeError) as Error).message, /got DataView/);
    c.receive(new Uint8Array(0));
    equal(c.write(new Uint8Array(0)), 'done');
    equal(c.handshake(), 'want-read', 'the connection is unharmed');
    c.free();
    cctx.free();
    sctx.free();
    equal(ossl.stats().handles.Session, 0);
  });

  test('out of memory inside sessionFromDER is an OutOfMemoryError, never "not a DER SSL_SESSION"; the instance recovers', async () => {
    // A module whose memory may grow only to 20 MiB (it starts at 16), filled to the brim.
    const bytes = withMaximumMemory(await readURL(wasmURL), 320);
    const ossl = await OpenSSL.load({ wasm: bytes });
    const { der } = await aSession(ossl);
    const { mem } = ossl.raw;
    const blocks: number[] = [];
    for (let size = 1 << 20; size >= 8; size >>= 1) {
      for (let i = 0; i < 10_000; i++) {
        try {
          blocks.push(mem.alloc(size));
        } catch (e) {
          ok(e instanceof OutOfMemoryError, `allocation failure is an OutOfMemoryError: ${String(e)}`);
          match((e as Error).message, /out of memory/);
          break;
        }
      }
    }
    equal(ossl.stats().memorySize, 320 * 65536, 'memory grew to its maximum');
    throws(() => mem.alloc(8), OutOfMemoryError);
    // Give memory back a block at a time (smallest first) and parse after each: every failure must
    // be an out-of-memory one, and some must come from inside OpenSSL (d2i's allocations).
    let inside = 0, outside = 0, parsed: Session | null = null;
    for (let i = blocks.length - 1; i >= 0 && !parsed; i--) {
      mem.free(blocks.pop()! as never);
      try {
        parsed = ossl.sessionFromDER(der);
      } catch (e) {
        ok(e instanceof OutOfMemoryError, `an out-of-memory failure, not bad input: ${String(e)}`);
        ok(!/not a DER/.test((e as Error).message), (e as Error).message);
        if ((e as OutOfMemoryError).errors.length) {
          inside++;
          equal((e as OutOfMemoryError).reason, 'malloc failure');
          match((e as Error).message, /^sessionFromDER: out of memory/);
        } else {
          outside++;
        }
      }
    }
    ok(inside > 0, `some failures were inside d2i_SSL_SESSION (${inside} inside, ${outside} copying the input)`);
    ok(parsed, 'with memory given back, the same bytes parse');
    equal(parsed!.toDER().length, der.length);
    parsed!.free();
    for (const p of blocks) mem.free(p as never);
    ossl.sessionFromDER(der).free();
    equal(ossl.stats().handles.Session, 0);
  });
  test('takeSession under out of memory rethrows it and keeps the stored session (the bytes are not at fault)', async () => {
    const ossl = await OpenSSL.load({ wasm: withMaximumMemory(await readURL(wasmURL), 320) });
    const { der } = await aSession(ossl);
    const store = new MemorySessionStore();
    await store.set('k', der);
    const { mem } = ossl.raw;
    const blocks: number[] = [];
    for (let size = 1 << 20; size >= 8; size >>= 1) {
      for (let i = 0; i < 10_000; i++) {
        try { blocks.push(mem.alloc(size)); } catch { break; }
      }
    }
    await rejects(takeSession(store, 'k', ossl), OutOfMemoryError);
    ok(await store.get('k'), 'the stored session is still there');
    for (const p of blocks) mem.free(p as never);
    const s = await takeSession(store, 'k', ossl);
    ok(s, 'with memory back, the same entry is taken');
    s!.free();
    equal(ossl.stats().handles.Session, 0);
  });
});
