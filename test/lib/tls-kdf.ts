// The key derivations of TLS written out with WebCrypto (the same in Node, Deno and Chromium), for
// tests that check OpenSSL's secrets or seal records by hand.
import { concat } from '../../ts/raw/bytes.ts';

export type KdfHash = 'SHA-256' | 'SHA-384';

export async function hmac(hash: KdfHash, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data as Uint8Array<ArrayBuffer>));
}

/** HKDF-Expand-Label (RFC 8446, 7.1) with HKDF-Expand (RFC 5869, 2.3) by HMAC. */
export async function expandLabel(hash: KdfHash, secret: Uint8Array, label: string, context: Uint8Array, n: number): Promise<Uint8Array> {
  const l = new TextEncoder().encode(`tls13 ${label}`);
  const info = concat([new Uint8Array([n >> 8, n & 255, l.length]), l, new Uint8Array([context.length]), context]);
  const out: Uint8Array[] = [];
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, got = 0; got < n; i++) {
    t = await hmac(hash, secret, concat([t, info, new Uint8Array([i])]));
    out.push(t);
    got += t.length;
  }
  return concat(out).slice(0, n);
}
