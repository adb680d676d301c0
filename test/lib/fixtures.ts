// Reads committed test files in any runtime: fs in Node, Deno's own reader in Deno, fetch in the
// browser (vite serves the clone).
declare const Deno: { readFile(p: URL): Promise<Uint8Array> } | undefined;

export async function readURL(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof Deno !== 'undefined') return (await Deno.readFile(url)) as Uint8Array<ArrayBuffer>;
  if (url.protocol === 'file:') {
    const fsName = 'node:fs/promises'; // a variable, so vite does not try to bundle it for the browser
    const { readFile } = await import(/* @vite-ignore */ fsName);
    return new Uint8Array(await readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A file of test/fixtures as text. */
export async function fixture(name: string): Promise<string> {
  return new TextDecoder().decode(await readURL(new URL(`../fixtures/${name}`, import.meta.url)));
}

import { supportsSimd } from '../../ts/loader.ts';
import { testLine } from './line.ts';

/**
 * The module under test: the one build.sh wrote (not the packaged copy) that the loader picks by
 * default in this runtime: the SIMD build wherever SIMD128 is supported, as in every runtime here;
 * of the line under test (test/lib/line.ts).
 */
// Literal URLs, one per module: vite turns `new URL(\`...${x}...\`, import.meta.url)` into a glob import.
export const simdWasmURL = testLine === '3.5' ? new URL('../../wasm/openssl-simd.wasm', import.meta.url) : new URL('../../wasm/4.0/openssl-simd.wasm', import.meta.url);
export const plainWasmURL = testLine === '3.5' ? new URL('../../wasm/openssl.wasm', import.meta.url) : new URL('../../wasm/4.0/openssl.wasm', import.meta.url);
export const wasmURL = supportsSimd() ? simdWasmURL : plainWasmURL;
