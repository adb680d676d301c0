// Byte-level mutations of the kind libFuzzer and AFL make, plus ones aimed at the length fields that
// TLS records, handshake messages and DER all carry (a length one off, zero, or all ones).
import type { Prng } from './prng.ts';
import { concat } from '../ts/raw/bytes.ts';

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x40, 0x16, 0x17, 0x14, 0x15, 0x03, 0x04, 0x30, 0x02];
const MAX_LEN = 1 << 17;

type Mutation = (b: Uint8Array, r: Prng, others: readonly Uint8Array[]) => Uint8Array;

const at = (b: Uint8Array, r: Prng) => r.below(b.length);
const join = (...parts: Uint8Array[]) => concat(parts);

const MUTATIONS: Mutation[] = [
  // flip a bit
  (b, r) => { if (b.length) b[at(b, r)] ^= 1 << r.below(8); return b; },
  // a random byte
  (b, r) => { if (b.length) b[at(b, r)] = r.below(256); return b; },
  // an interesting byte
  (b, r) => { if (b.length) b[at(b, r)] = r.pick(INTERESTING); return b; },
  // add or subtract a little from a byte (a length's low byte)
  (b, r) => { if (b.length) { const i = at(b, r); b[i] = (b[i] + r.pick([1, -1, 2, -2, 16, -16])) & 0xff; } return b; },
  // a big-endian 16-bit field set to 0, 0xffff, or off by one
  (b, r) => {
    if (b.length < 2) return b;
    const i = r.below(b.length - 1), v = (b[i] << 8) | b[i + 1];
    const n = r.pick([0, 0xffff, v + 1, v - 1, v + 256, v >> 1, 0x4000]) & 0xffff;
    b[i] = n >> 8; b[i + 1] = n & 0xff;
    return b;
  },
  // delete a run
  (b, r) => { if (!b.length) return b; const i = at(b, r), n = 1 + r.below(Math.min(64, b.length - i)); return join(b.subarray(0, i), b.subarray(i + n)); },
  // insert random bytes
  (b, r) => { const i = r.below(b.length + 1); return join(b.subarray(0, i), r.bytes(1 + r.below(16)), b.subarray(i)); },
  // duplicate a run
  (b, r) => { if (!b.length) return b; const i = at(b, r), n = 1 + r.below(Math.min(128, b.length - i)); const run = b.slice(i, i + n); const j = r.below(b.length + 1); return join(b.subarray(0, j), run, b.subarray(j)); },
  // truncate
  (b, r) => b.subarray(0, r.below(b.length + 1)),
  // splice with another input: this one's head, the other's tail
  (b, r, others) => {
    if (!others.length) return b;
    const o = r.pick(others);
    return join(b.subarray(0, r.below(b.length + 1)), o.subarray(r.below(o.length + 1)));
  },
  // copy a run from elsewhere in the input over another place
  (b, r) => { if (b.length < 2) return b; const i = at(b, r), j = at(b, r), n = 1 + r.below(Math.min(32, b.length - Math.max(i, j))); b.copyWithin(j, i, i + n); return b; },
];

/** A new input from `base` (never changed): one to eight stacked mutations. */
export function mutate(base: Uint8Array, r: Prng, others: readonly Uint8Array[] = []): Uint8Array {
  let b: Uint8Array = base.slice();
  const n = 1 + r.below(r.below(2) ? 2 : 8);
  for (let i = 0; i < n; i++) b = MUTATIONS[r.below(MUTATIONS.length)](b.slice(), r, others);
  return b.length > MAX_LEN ? b.subarray(0, MAX_LEN) : b;
}
