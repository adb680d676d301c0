// Loads what the targets run on: the module under test, the plain build beside it, the fixtures.
import { OpenSSL } from '../ts/index.ts';
import { plainWasmURL, wasmURL } from '../test/lib/fixtures.ts';
import { loadFixtures } from './targets/fixtures.ts';
import type { FuzzEnv } from './targets/target.ts';

export async function loadEnv(): Promise<FuzzEnv> {
  const [ossl, plain, fixtures] = await Promise.all([OpenSSL.load({ wasm: wasmURL }), OpenSSL.load({ wasm: plainWasmURL }), loadFixtures()]);
  return { ossl, plain, fixtures };
}
