// Target 5: the key rings a fleet keeps in a user's Redis (ts/stores/redis-sealed-ring.ts, with the
// ticket-key and ECH formats), which may hold anything. The first byte picks what the rest is:
//   0/1  a ticket-key ring's opened bytes / plaintext text, straight to its RingFormat
//   2/3  an ECH key ring's opened bytes / plaintext text, straight to its RingFormat
//   4/5  a ticket-key ring's bytes sealed under the fuzz keys / its text (insecurePlaintext), as the
//        value Redis answers to RedisTicketKeyRing.refresh(): the whole read path, then the install
//   6/7  the same for RedisEchKeyRing (OpenSSL 4.0 line; on 3.5, its format only)
// A format returns a ring whose every key is whole, or throws SealedValueError (nothing else: not a
// TypeError from a bad index nor a RangeError from a bad length). refresh() installs the ring it
// read, or reports it as one that does not open and writes a new one; it never throws.
import { RedisEchKeyRing, RedisTicketKeyRing, SealedValueError, type Context } from '../../ts/index.ts';
import { echRing, loadableEchRing, type EchRingEntry } from '../../ts/stores/redis-ech-keys.ts';
import { ticketRing, type TicketKey } from '../../ts/stores/redis-ticket-keys.ts';
import { madeByNow } from '../../ts/stores/redis-sealed-ring.ts';
import { ValueSealer } from '../../ts/stores/sealed-value.ts';
import { MemoryRedis } from '../memory-redis.ts';
import { ContractViolation } from '../contract.ts';
import { SEALED_KEYS } from './sealed-value.ts';
import type { FuzzTarget } from './target.ts';

/** The fixed clock of every ring here: the rings in committed inputs are as old on every replay. */
export const RING_NOW = 2_000_000_000;
export const RING_PREFIX = 'fuzz:';
export const TICKET_RING_KEY = `${RING_PREFIX}ticket-keys`, ECH_RING_KEY = `${RING_PREFIX}ech-keys`;

const violation = (what: string) => new ContractViolation(`redis-rings: ${what}`);

/** What a format may return: a ring, newest first, of whole keys. */
function checkTicketRing(ring: TicketKey[], how: string): void {
  if (!Array.isArray(ring) || ring.length === 0) throw violation(`${how} returned an empty ring`);
  for (const k of ring) {
    if (k.name?.length !== 16 || k.aesKey?.length !== 32 || k.hmacKey?.length !== 32) throw violation(`${how} accepted a short key (${k.name?.length}/${k.aesKey?.length}/${k.hmacKey?.length})`);
    if (!Number.isFinite(k.created)) throw violation(`${how} accepted a key made at ${k.created}`);
  }
}
function checkEchRing(ring: EchRingEntry[], how: string): void {
  if (!Array.isArray(ring) || ring.length === 0) throw violation(`${how} returned an empty ring`);
  for (const e of ring) {
    if (typeof e.pem !== 'string' || e.pem === '') throw violation(`${how} accepted an empty key`);
    if (!Number.isFinite(e.created)) throw violation(`${how} accepted a key made at ${e.created}`);
  }
}

/** A format's own refusal is an outcome; any other throw breaks the contract. */
function formatOnly<E>(parse: () => E[], check: (ring: E[], how: string) => void, how: string): string {
  let ring: E[];
  try {
    ring = parse();
  } catch (e) {
    if (e instanceof SealedValueError) return `${how}: refused`;
    throw violation(`${how} threw ${(e as Error)?.name}: ${(e as Error)?.message}, not a SealedValueError`);
  }
  check(ring, how);
  return `${how}: ${Math.min(ring.length, 4)} keys`;
}

export const redisRingsTarget: FuzzTarget = {
  name: 'redis-rings',
  mustReach: ['ticket sealed: installed', 'ticket sealed: replaced', 'ticket text: installed', 'ticket bytes: 1 keys', 'ech text: 1 keys'],
  async setup({ ossl, fixtures }) {
    const text = new TextDecoder('utf-8', { fatal: false });
    const sealer = new ValueSealer(SEALED_KEYS, 'fuzz');
    const hasEch = ossl.line === '4.0';
    // What the rings read with (at their default rotateAfter, as `common` sets none): the format,
    // keys a context takes (ECH), and none made more than rotateAfter after RING_NOW.
    const loadable = madeByNow(loadableEchRing(ossl), () => RING_NOW, 24 * 3600, 'an ECH key');
    const ticketRead = madeByNow(ticketRing, () => RING_NOW, 12 * 3600, 'a ticket key');
    const sctx: Context = ossl.createContext({ role: 'server', certificate: fixtures.pki.cert, privateKey: fixtures.pki.key });
    const reported: unknown[] = [];
    const common = { prefix: RING_PREFIX, now: () => RING_NOW, onError: (e: unknown) => reported.push(e) };

    /** refresh() of a ring made on a Redis holding `value`; checks what it reported and wrote. */
    async function refreshed(value: string, sealed: boolean, kind: 'ticket' | 'ech', parsedOk: boolean): Promise<string> {
      const redis = new MemoryRedis();
      if (value !== '') redis.values.set(kind === 'ticket' ? TICKET_RING_KEY : ECH_RING_KEY, value); // an empty value reads as none
      reported.length = 0;
      const options = sealed ? { keys: SEALED_KEYS, ...common } : { insecurePlaintext: true as const, ...common };
      const how = `${kind} ${sealed ? 'sealed' : 'text'}`;
      let installed: number;
      try {
        if (kind === 'ticket') installed = (await new RedisTicketKeyRing(redis, options).refresh([sctx])).length;
        else installed = (await new RedisEchKeyRing(redis, ossl, { ...options, publicName: 'fuzz.test' }).refresh([sctx])).length;
      } catch (e) {
        throw violation(`${how}: refresh() threw ${(e as Error)?.name}: ${(e as Error)?.message}${parsedOk ? ' on a ring its format took' : ''}`);
      }
      if (reported.some(e => !(e instanceof SealedValueError))) throw violation(`${how}: reported something other than a SealedValueError`);
      if (parsedOk && reported.length) throw violation(`${how}: a ring its format took was reported as not opening: ${(reported[0] as Error).message}`);
      if (!parsedOk && value !== '' && reported.length !== 1) throw violation(`${how}: a ring its format refused was reported ${reported.length} times`);
      if (installed === 0) throw violation(`${how}: refresh() installed nothing`);
      // What is now in Redis is a ring every member reads back.
      const now = redis.values.get(kind === 'ticket' ? TICKET_RING_KEY : ECH_RING_KEY)!;
      const bytes = sealed ? (await sealer.open(now, kind === 'ticket' ? TICKET_RING_KEY : ECH_RING_KEY)).plaintext : null;
      if (kind === 'ticket') checkTicketRing(bytes ? ticketRing.fromBytes(bytes, 'written') : ticketRing.fromText(now, 'written'), `${how}: the ring written`);
      else checkEchRing(bytes ? echRing.fromBytes(bytes, 'written') : echRing.fromText(now, 'written'), `${how}: the ring written`);
      return `${how}: ${parsedOk ? 'installed' : 'replaced'} ${Math.min(installed, 4)}`;
    }

    /** Whether the format takes it (the full path's expectation). */
    const takes = (parse: () => unknown) => { try { parse(); return true; } catch (e) { if (e instanceof SealedValueError) return false; throw e; } };

    return {
      instances: [ossl],
      async run(input) {
        const mode = input.length ? input[0] & 7 : 0;
        const rest = input.subarray(1);
        switch (mode) {
          case 0: return formatOnly(() => ticketRing.fromBytes(rest.slice(), 'fuzz'), checkTicketRing, 'ticket bytes');
          case 1: return formatOnly(() => ticketRing.fromText(text.decode(rest), 'fuzz'), checkTicketRing, 'ticket text');
          case 2: return formatOnly(() => echRing.fromBytes(rest.slice(), 'fuzz'), checkEchRing, 'ech bytes');
          case 3: return formatOnly(() => echRing.fromText(text.decode(rest), 'fuzz'), checkEchRing, 'ech text');
          case 4: {
            const ok = takes(() => ticketRead.fromBytes(rest.slice(), 'fuzz'));
            return refreshed(await sealer.seal(rest, TICKET_RING_KEY), true, 'ticket', ok);
          }
          case 5: {
            const t = text.decode(rest);
            return refreshed(t, false, 'ticket', t !== '' && takes(() => ticketRead.fromText(t, 'fuzz')));
          }
          case 6: {
            if (!hasEch) return formatOnly(() => echRing.fromBytes(rest.slice(), 'fuzz'), checkEchRing, 'ech bytes');
            const ok = takes(() => loadable.fromBytes(rest.slice(), 'fuzz'));
            return refreshed(await sealer.seal(rest, ECH_RING_KEY), true, 'ech', ok);
          }
          default: {
            const t = text.decode(rest);
            if (!hasEch) return formatOnly(() => echRing.fromText(t, 'fuzz'), checkEchRing, 'ech text');
            return refreshed(t, false, 'ech', t !== '' && takes(() => loadable.fromText(t, 'fuzz')));
          }
        }
      },
      free() { sctx.free(); },
    };
  },
};
