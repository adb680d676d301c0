// The ECH fixture (fuzz/fixtures/ech.pem: a public test key, not a secret) and the seeds of the
// ech-config-list target, made by fuzz/make-seeds.ts with the 4.0 line: the key's list in each of
// the target's forms, a list of two configs, one of a key the server lacks (its public_name on the server's certificate, so the client takes the retry configs), and garbage. Node only (writes the fixture).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OpenSSL } from '../../ts/index.ts';
import { fixtureURL } from './fixtures.ts';

const tagged = (mode: number, body: Uint8Array) => { const out = new Uint8Array(body.length + 1); out[0] = mode; out.set(body, 1); return out; };

export async function echSeeds(): Promise<Uint8Array[]> {
  const ossl = await OpenSSL.load({ line: '4.0', wasm: new URL('../../wasm/4.0/openssl-simd.wasm', import.meta.url) });
  const pem = ossl.generateEchKey({ publicName: 'server.test' });
  writeFileSync(fileURLToPath(fixtureURL('ech.pem')), pem);
  const list = ossl.echConfigList([pem]);
  const other = ossl.generateEchKey({ publicName: 'server.test', suite: 'X25519,hkdf-sha256,chacha20-poly1305' });
  const two = ossl.echConfigList([other, pem]);
  const b64 = (b: Uint8Array) => new TextEncoder().encode(Buffer.from(b).toString('base64'));
  return [
    tagged(0, list), tagged(1, list), tagged(2, b64(list)), tagged(3, new TextEncoder().encode(`  ${Buffer.from(list).toString('base64')}\n`)),
    tagged(0, two), tagged(2, b64(two)), tagged(0, ossl.echConfigList([other])), tagged(0, new Uint8Array(8)),
  ];
}
