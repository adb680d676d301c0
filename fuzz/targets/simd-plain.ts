// Target 5: the SIMD build against the plain one (wasm/simd/: its ChaCha20, Poly1305, AES, GHASH and
// memcpy are its own). One end of each TLS 1.3 connection runs on each build, so every record one
// encrypts the other decrypts: the bytes must arrive unchanged. The input chooses the AEAD, the
// direction, the length (0 to 70,000), the offset into the source buffer (unaligned views) and
// where the data is split into writes; keys and nonces are fresh every few inputs (new handshakes).
import { OpenSSL, transfer, type Connection, type Context } from '../../ts/index.ts';
import { ContractViolation } from '../contract.ts';
import { Prng } from '../prng.ts';
import { drive } from './drive.ts';
import type { Fixtures } from './fixtures.ts';
import type { FuzzTarget } from './target.ts';

const SUITES = ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'];
const MAX_LEN = 70_000;
/** Inputs per connection pair before a new handshake (new keys and nonces). */
const REKEY_EVERY = 16;

interface Pair { c: Connection; s: Connection; uses: number }

function contexts(o: OpenSSL, f: Fixtures, suite: string): [Context, Context] {
  const only = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', cipherSuites: suite } as const;
  return [o.createContext({ role: 'client', ca: f.pki.ca, ...only }),
    o.createContext({ role: 'server', certificate: f.pki.cert, privateKey: f.pki.key, ...only })];
}

function send(from: Connection, to: Connection, parts: Uint8Array[], total: number): Uint8Array {
  for (const p of parts) if (from.write(p) !== 'done') throw new ContractViolation('simd-plain: a write in memory did not complete');
  const got = new Uint8Array(total);
  let n = 0;
  for (let i = 0; i < 64 && n < total; i++) {
    transfer(from, to);
    const { data } = to.read();
    if (n + data.length > total) throw new ContractViolation(`simd-plain: ${n + data.length} bytes arrived, ${total} were sent`);
    got.set(data, n);
    n += data.length;
  }
  if (n !== total) throw new ContractViolation(`simd-plain: ${n} of ${total} bytes arrived`);
  return got;
}

export const simdPlainTarget: FuzzTarget = {
  name: 'simd-plain',
  async setup({ ossl, plain, fixtures }) {
    // ctx[suite][build] = [client, server]
    const ctx = SUITES.map(s => [contexts(ossl, fixtures, s), contexts(plain, fixtures, s)]);
    const connect = async (suite: number, simdClient: boolean): Promise<Pair> => {
      const [cb, sb] = simdClient ? [0, 1] : [1, 0];
      const c = ctx[suite][cb][0].createConnection({ serverName: 'localhost' }), s = ctx[suite][sb][1].createConnection();
      const progress = await drive(c, s);
      if (progress !== 'done/done') throw new ContractViolation(`simd-plain: handshake between the builds ended ${progress}`);
      return { c, s, uses: 0 };
    };
    // Every pair made here, so that each input leaves as many connections as it found.
    const pairs = new Map<string, Pair>();
    for (let suite = 0; suite < SUITES.length; suite++) {
      for (const simdClient of [true, false]) pairs.set(`${suite}/${simdClient}`, await connect(suite, simdClient));
    }
    const pairFor = async (suite: number, simdClient: boolean): Promise<Pair> => {
      const key = `${suite}/${simdClient}`;
      let p = pairs.get(key)!;
      if (p.uses++ < REKEY_EVERY) return p;
      p.c.free(); p.s.free();
      p = await connect(suite, simdClient);
      pairs.set(key, p);
      return p;
    };
    return {
      instances: [ossl, plain],
      async run(input) {
        const b = new Uint8Array(12);
        b.set(input.subarray(0, 12));
        const suite = b[0] % SUITES.length, simdClient = (b[1] & 1) === 0, toServer = (b[1] & 2) === 0;
        const length = ((b[2] << 16) | (b[3] << 8) | b[4]) % (MAX_LEN + 1);
        const offset = b[5] & 15;
        const r = new Prng((b[6] << 24 | b[7] << 16 | b[8] << 8 | b[9]) >>> 0);
        const data = r.bytes(length + offset).subarray(offset);
        // Up to three writes, split where the input says.
        const cuts = [b[10], b[11]].map(x => Math.floor((x / 256) * length)).sort((x, y) => x - y);
        const parts = [data.subarray(0, cuts[0]), data.subarray(cuts[0], cuts[1]), data.subarray(cuts[1])].filter(p => p.length);
        const p = await pairFor(suite, simdClient);
        const [from, to] = toServer ? [p.c, p.s] : [p.s, p.c];
        const got = send(from, to, parts, length);
        for (let i = 0; i < length; i++) {
          if (got[i] !== data[i]) throw new ContractViolation(`simd-plain: ${SUITES[suite]}, ${length} bytes from the ${simdClient === toServer ? 'SIMD' : 'plain'} build: byte ${i} differs`);
        }
        return `${SUITES[suite]} ${length < 256 ? 'small' : length < 16385 ? 'record' : 'multi'}`;
      },
      free() {
        for (const p of pairs.values()) { p.c.free(); p.s.free(); }
        for (const s of ctx) for (const b of s) for (const c of b) c.free();
      },
    };
  },
};
