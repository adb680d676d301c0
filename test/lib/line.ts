// The OpenSSL line the suites run on: 3.5 unless OPENSSL_WASM_LINE says 4.0 (scripts/test-all.mjs's
// node-4.0, browser-4.0 and deno-4.0). Node and Deno read the environment; the browser gets the
// value vitest.config.ts `define`s from the environment vitest ran in.
import type { Line } from '../../ts/index.ts';

declare const __OPENSSL_WASM_LINE__: string | undefined;
declare const Deno: { env: { get(name: string): string | undefined } } | undefined;
declare const process: { env: Record<string, string | undefined> } | undefined;

function fromEnvironment(): string | undefined {
  if (typeof __OPENSSL_WASM_LINE__ !== 'undefined') return __OPENSSL_WASM_LINE__;
  if (typeof Deno !== 'undefined') return Deno.env.get('OPENSSL_WASM_LINE');
  if (typeof process !== 'undefined') return process.env.OPENSSL_WASM_LINE;
  return undefined;
}

const named = fromEnvironment() || '3.5';
if (named !== '3.5' && named !== '4.0') throw new Error(`OPENSSL_WASM_LINE=${named}: the lines are 3.5 and 4.0`);

/** The line under test. */
export const testLine: Line = named;
/** The start of OpenSSL_version() on the line under test: its pinned release (openssl-src/pin-<line>.sh). */
export const versionPrefix: RegExp = testLine === '3.5' ? /^OpenSSL 3\.5\.7 / : /^OpenSSL 4\.0\.2 /;

/**
 * X509_print's text with 4.0's changes to it undone, for comparing with native 3.x's: 4.0 wraps
 * hex dumps at another width (16 or 24 bytes a line, where 3.x has 15 or 18) and says
 * "(256 bit field, 128 bit security level)" where 3.x says "(256 bit)", and prints an RSA modulus
 * without the 00 byte 3.x puts before a high first byte. Each hex dump becomes one line, without a
 * leading 00; applied to both sides, so on 3.5 it changes nothing that differs.
 */
export function comparableX509Text(text: string): string {
  return text
    .replace(/Public-Key: \((\d+) bit field, \d+ bit security level\)/g, 'Public-Key: ($1 bit)')
    .replace(/((?:^ +[0-9a-f]{2}(?::[0-9a-f]{2})*:?\n)+)/gm, block => `${block.replace(/\n +/g, '').replace(/^ +(?:00:)?/, '    ')}`);
}
