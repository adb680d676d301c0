// The seeds of the redis-rings target (fuzz/make-seeds.ts): real rings in each of its input forms,
// made by the formats themselves; the ECH keys by the 4.0 line whatever line the fuzzer runs.
import { OpenSSL } from '../../ts/index.ts';
import { echRing } from '../../ts/stores/redis-ech-keys.ts';
import { ticketRing, type TicketKey } from '../../ts/stores/redis-ticket-keys.ts';
import { RING_NOW } from './redis-rings.ts';

const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
const key = (v: number, age: number): TicketKey => ({ name: fill(16, v), aesKey: fill(32, v + 1), hmacKey: fill(32, v + 2), created: RING_NOW - age });
const tagged = (mode: number, body: Uint8Array) => { const out = new Uint8Array(body.length + 1); out[0] = mode; out.set(body, 1); return out; };

export async function ringSeeds(): Promise<Uint8Array[]> {
  const utf8 = new TextEncoder();
  // Ages: a key not yet encrypting, one encrypting, one due for rotation (12 h default).
  const tickets = [[key(0x10, 100)], [key(0x20, 400), key(0x30, 50_000)], [key(0x40, 100), key(0x50, 1_000), key(0x60, 90_000)]];
  const ech40 = await OpenSSL.load({ line: '4.0', wasm: new URL('../../wasm/4.0/openssl-simd.wasm', import.meta.url) });
  const pem = () => ech40.generateEchKey({ publicName: 'fuzz.test' });
  const echs = [[{ pem: pem(), created: RING_NOW - 100 }], [{ pem: pem(), created: RING_NOW - 10 }, { pem: pem(), created: RING_NOW - 200_000 }]];
  const seeds: Uint8Array[] = [];
  for (const ring of tickets) {
    const bytes = ticketRing.toBytes(ring), text = utf8.encode(ticketRing.toText(ring));
    seeds.push(tagged(0, bytes), tagged(1, text), tagged(4, bytes), tagged(5, text));
  }
  for (const ring of echs) {
    const bytes = echRing.toBytes(ring), text = utf8.encode(echRing.toText(ring));
    seeds.push(tagged(2, bytes), tagged(3, text), tagged(6, bytes), tagged(7, text));
  }
  for (let mode = 0; mode < 8; mode++) seeds.push(Uint8Array.of(mode));
  return seeds;
}
