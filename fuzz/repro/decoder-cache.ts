// What the server-store long run's slow heap growth is (`node scripts/run-fuzz.mjs fuzz/repro/decoder-cache.ts`):
// OpenSSL's decoder cache (crypto/encode_decode/decoder_pkey.c, OSSL_DECODER_CTX_new_for_pkey) keeps
// one entry per key type name it has been asked for, for the life of the library context, with no
// bound. Parsing a certificate whose public key has an algorithm OID OpenSSL does not know asks for
// the OID's dotted text (x509_pubkey_ex_d2i_ex), so each distinct unknown OID in a certificate (a
// stored session's peer certificate here; a peer's certificate chain in a handshake alike) leaves
// ~200 bytes behind; the same OIDs again leave nothing. Not a leak LSan reports (the cache holds
// them). OpenSSL's, bounded here by openssl-src/patches/0006-bounded-decoder-cache.patch (64
// entries, then it starts over): with it, the growth stops at the bound.
import { loadEnv } from '../env.ts';

const { ossl, fixtures } = await loadEnv();
const der = fixtures.sessions['tls12-id'];
if (!der) throw new Error('no fuzz/fixtures/tls12-id.der');
const ecPublicKey = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]; // 1.2.840.10045.2.1
const at = Buffer.from(der).indexOf(Buffer.from(ecPublicKey));
if (at < 0) throw new Error('the fixture certificate has no id-ecPublicKey OID');
/** The session with its certificate's key OID made 1.2.840.10045.2.<2 + i>, unknown to OpenSSL. */
const withOid = (i: number) => { const b = der.slice(); b[at + 8] = 2 + i; return b; };
const heap = () => ossl.stats().heapInUse;
const parse = (b: Uint8Array) => ossl.sessionFromDER(b).free();

parse(der);
const N = 100;
for (const round of ['first', 'again']) {
  const h0 = heap();
  for (let i = 0; i < N; i++) parse(withOid(i));
  console.log(`${round}: ${N} sessions, each with another unknown key OID: heapInUse ${h0} -> ${heap()} (${((heap() - h0) / N).toFixed(0)} bytes each)`);
}
const h0 = heap();
for (let i = 0; i < N; i++) parse(der);
console.log(`the known OID ${N} times: heapInUse ${h0} -> ${heap()}`);
