// The two builds of the module (scripts/link-module.sh): the plain one and the SIMD one, whose
// ChaCha20, Poly1305, AES, GHASH and memcpy differ (wasm/simd/). Each end of a connection runs on a different build,
// so every record one encrypts the other decrypts: the SIMD code checked against OpenSSL's own C,
// through TLS, at sizes around its 64- and 256-byte strides and the 16 KiB record limit.
import { OpenSSL, supportsSimd, transfer, type Connection } from '../../ts/index.ts';
import { equal, ok } from '../lib/assert.ts';
import { plainWasmURL, readURL, simdWasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, connect, serverContext } from '../lib/tls.ts';

const SIZES = [1, 63, 64, 65, 255, 256, 257, 1000, 16383, 16384, 16385, 100_000];

/** Bytes that differ at every position and between calls, so a misplaced block shows. */
function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 17 + (i >> 8)) & 0xff;
  return b;
}

function send(from: Connection, to: Connection, data: Uint8Array): Uint8Array {
  equal(from.write(data), 'done');
  const got: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < 64 && total < data.length; i++) {
    transfer(from, to);
    const { data: d } = to.read();
    got.push(d);
    total += d.length;
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const d of got) { all.set(d, off); off += d.length; }
  return all;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

suite('modules', test => {
  test('this runtime passes the loader\'s SIMD check, so it runs the SIMD build by default', () => {
    ok(supportsSimd(), 'Node 20, Deno and Chromium all support SIMD128 and bulk memory');
  });

  test('both builds export the same functions', async () => {
    const names = async (url: URL) => WebAssembly.Module.exports(await WebAssembly.compile(await readURL(url)))
      .map(e => e.name).sort().join(' ');
    equal(await names(simdWasmURL), await names(plainWasmURL));
  });

  // GHASH is constant-time in both builds (openssl-src/patches/0005, wasm/simd/ghash-simd.c). OpenSSL's
  // 4-bit table code cannot come back without its reduction table rem_4bit: 16 size_t entries
  // PACK(0x0000), PACK(0x1C20), ... (value << 16 on wasm32), in the data section from the first
  // non-zero byte on (wasm-opt drops the leading zeros). The modules built before patch 0005 hold it.
  test('neither build carries OpenSSL\'s table-driven GHASH (gcm_gmult_4bit\'s rem_4bit table)', async () => {
    const rem4bit = [0x0000, 0x1C20, 0x3840, 0x2460, 0x7080, 0x6CA0, 0x48C0, 0x54E0,
      0xE100, 0xFD20, 0xD940, 0xC560, 0x9180, 0x8DA0, 0xA9C0, 0xB5E0];
    const table = new Uint8Array(64);
    rem4bit.forEach((v, i) => new DataView(table.buffer).setUint32(4 * i, v << 16 >>> 0, true));
    const needle = table.subarray(6);
    for (const url of [plainWasmURL, simdWasmURL]) {
      const bytes = await readURL(url);
      let at = -1;
      for (let i = bytes.indexOf(needle[0]); i >= 0 && at < 0; i = bytes.indexOf(needle[0], i + 1)) {
        if (needle.every((b, j) => bytes[i + j] === b)) at = i;
      }
      equal(at, -1, `${url.pathname.split('/').pop()} holds rem_4bit at byte ${at}`);
    }
  });

  // TLS 1.3's AEADs, and a TLS 1.2 CBC suite (AES decryption as well as encryption: the SIMD build's AES is its own).
  for (const [suiteName, version] of [
    ['TLS_CHACHA20_POLY1305_SHA256', 'TLSv1.3'], ['TLS_AES_128_GCM_SHA256', 'TLSv1.3'], ['TLS_AES_256_GCM_SHA384', 'TLSv1.3'],
    ['ECDHE-ECDSA-AES256-SHA384', 'TLSv1.2'],
  ] as const) {
    test(`${suiteName}: a client on one build and a server on the other agree on every byte, both ways`, async () => {
      const simd = await OpenSSL.load({ wasm: simdWasmURL });
      const plain = await OpenSSL.load({ wasm: plainWasmURL });
      const only = version === 'TLSv1.3' ? { cipherSuites: suiteName } : { cipherList: suiteName };
      for (const [cside, sside] of [[simd, plain], [plain, simd]]) {
        using sctx = await serverContext(sside, version, only);
        using cctx = await clientContext(cside, version, only);
        const pair = connect(cctx, sctx);
        using c = pair.c, s = pair.s;
        equal(c.cipher, suiteName);
        let seed = 0;
        for (const n of SIZES) {
          const up = pattern(n, ++seed), down = pattern(n, ++seed);
          ok(same(send(c, s, up), up), `${n} bytes client -> server`);
          ok(same(send(s, c, down), down), `${n} bytes server -> client`);
        }
      }
      for (const o of [simd, plain]) equal(Object.values(o.stats().handles).reduce((a, b) => a + b, 0), 0, 'no live handle');
    });
  }
});
