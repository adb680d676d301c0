// `npm run fuzz -- --asan`: the AddressSanitizer modules (build/asan/, made by `./build.sh --asan`)
// are checked to be there and to catch what they are for before a run relies on them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OpenSSL } from '../ts/index.ts';
import { asanURLs } from './env.ts';

/**
 * Throws unless both ASan modules exist and each reports a one-byte heap overflow made on purpose
 * (osw_asan_selftest in wasm/asan-support.c) and aborts, on an instance of its own.
 */
export async function checkAsan(): Promise<void> {
  for (const [name, url] of Object.entries(asanURLs)) {
    if (!existsSync(fileURLToPath(url))) throw new Error(`--asan: ${fileURLToPath(url)} is missing; build it with ./build.sh --asan`);
    let report = '';
    const ossl = await OpenSSL.load({ wasm: url, stderr: t => { report += t; } });
    const selftest = (ossl.raw.instance.exports as Record<string, unknown>).osw_asan_selftest as ((n: number) => number) | undefined;
    if (!selftest) throw new Error(`--asan: ${fileURLToPath(url)} is not an ASan build (no osw_asan_selftest); rebuild it with ./build.sh --asan`);
    selftest(15); // in bounds: nothing to report
    let aborted = false;
    try { selftest(16); } catch { aborted = true; }
    if (!aborted || !report.includes('AddressSanitizer: heap-buffer-overflow')) {
      throw new Error(`--asan: the ${name} ASan module did not report a heap overflow made on purpose (${aborted ? 'aborted' : 'returned'}; stderr: ${report.slice(0, 200) || 'nothing'})`);
    }
    console.log(`ASan (${name}): active (a one-byte heap overflow made on purpose was reported)`);
  }
}
