// Loads what the targets run on: the module under test, the plain build beside it, the fixtures.
import { OpenSSL } from '../ts/index.ts';
import { plainWasmURL, wasmURL } from '../test/lib/fixtures.ts';
import { loadFixtures } from './targets/fixtures.ts';
import type { FuzzEnv } from './targets/target.ts';

/** The AddressSanitizer builds (`./build.sh --asan`, never shipped): Node only, for `npm run fuzz -- --asan`. */
export const asanURLs = {
  simd: new URL('../build/asan/openssl-simd.wasm', import.meta.url),
  plain: new URL('../build/asan/openssl.wasm', import.meta.url),
};

export async function loadEnv(options: { asan?: boolean } = {}): Promise<FuzzEnv> {
  const [simd, plain] = options.asan ? [asanURLs.simd, asanURLs.plain] : [wasmURL, plainWasmURL];
  const [ossl, plainOssl, fixtures] = await Promise.all([OpenSSL.load({ wasm: simd }), OpenSSL.load({ wasm: plain }), loadFixtures()]);
  return { ossl, plain: plainOssl, fixtures };
}
