/**
 * Where the code meets the differences between the OpenSSL lines (3.5 and 4.0), and nowhere else:
 * wasm/exports.txt declares which functions a line has; this file picks between them and refuses,
 * with what to do instead, what a line cannot do.
 */
import type { Capi, Capi40, Line } from './exports.generated.ts';
import type { RawOpenSSL } from './instance.ts';
import type { Ptr } from './types.ts';

export type { Line } from './exports.generated.ts';

/** The line `OpenSSL.load()` picks when none is asked for: 3.5, the long-term-support release. */
export const DEFAULT_LINE: Line = '3.5';

/** Whether `value` names a line, for options read from users and the environment. */
export function isLine(value: unknown): value is Line {
  return value === '3.5' || value === '4.0';
}

/**
 * The functions of the 4.0 line, for Encrypted Client Hello (ECH), or a TypeError naming `what`
 * and how to load that line.
 */
export function requireLine40(raw: RawOpenSSL, what: string): Capi & Capi40 {
  if (raw.line !== '4.0') {
    throw new TypeError(`${what}: Encrypted Client Hello needs the OpenSSL 4.0 line, and this instance is ${raw.line}: ` +
      "load one with OpenSSL.load({ line: '4.0' }) (or OPENSSL_WASM_LINE=4.0 for the CLI and relay)");
  }
  return raw.capi as Capi & Capi40;
}

/**
 * Sets the name or IP address the peer's certificate must match. 3.5's SSL_set1_host takes either;
 * 4.0 deprecates it for SSL_set1_dnsname (names) and SSL_set1_ipaddr (addresses).
 */
export function setExpectedPeer(raw: RawOpenSSL, ssl: Ptr<'SSL'>, name: Ptr<'char'>, isIpAddress: boolean): number {
  const { capi } = raw;
  if (raw.line === '3.5') return capi.SSL_set1_host!(ssl, name);
  return isIpAddress ? capi.SSL_set1_ipaddr!(ssl, name) : capi.SSL_set1_dnsname!(ssl, name);
}
