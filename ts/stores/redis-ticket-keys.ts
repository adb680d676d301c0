/**
 * Ticket keys shared by a fleet of servers through Redis: a ring sealed under the application's
 * keys like the sessions (redis-store.ts), kept by a SealedRedisRing (redis-sealed-ring.ts), and
 * rotated here in two phases.
 */
import { MAX_TICKET_KEYS, type Context } from '../oo/context.ts';
import { rejectUnknownOptions } from '../oo/options.ts';
import { prefixOf, sealerFor, seconds, type RedisLike, type RedisStoreOptions } from './redis-store.ts';
import { madeByNow, SealedRedisRing, type RingFormat, type RingRead } from './redis-sealed-ring.ts';
import { fromBase64, SealedValueError, toBase64, type ValueSealer } from './sealed-value.ts';

export interface TicketKey { name: Uint8Array; aesKey: Uint8Array; hmacKey: Uint8Array; created: number }

export interface TicketKeyRingOptions extends RedisStoreOptions {
  /** A key is replaced by a new one this long after it was made (whole seconds; default 12 hours). */
  rotateAfter?: number;
  /**
   * How often every server calls refresh(), at the longest (whole seconds, less than rotateAfter;
   * default 300). A new key only decrypts for this long after it is published, so that every
   * server has it before any server seals a ticket under it.
   */
  refreshInterval?: number;
  /** Keys kept for decrypting after they stop encrypting (0 to 14; default 2). */
  keepPrevious?: number;
  /** Clock in seconds (for tests). */
  now?: () => number;
  /** Told when the ring in Redis does not open (it is then replaced). Default: console.error. */
  onError?(error: unknown): void;
}

const TICKET_RING_OPTIONS = ['keys', 'insecurePlaintext', 'prefix', 'rotateAfter', 'refreshInterval', 'keepPrevious', 'now', 'onError'];

/** A ring as bytes for sealing: per key, created (float64) | name (16) | aesKey (32) | hmacKey (32). */
const ENTRY = 8 + 16 + 32 + 32;

/**
 * A key's creation time as read: a number of seconds. NaN (a float64's bytes) or Infinity (JSON's
 * 1e999) would never be rotateAfter old, and the key would encrypt for ever (found by fuzz/).
 */
function createdOf(created: number, label: string): number {
  if (!Number.isFinite(created)) throw new SealedValueError(`${label} holds a ticket key made at ${created}, not a time; it is not a ring this class wrote`);
  return created;
}

/**
 * A ring's key count as read: the ring written holds at most keepPrevious + 2 (16), and one longer
 * would be installed past what setTicketKeys takes, making every refresh() throw for as long as it
 * stays in Redis.
 */
function countOf(n: number, label: string): number {
  if (n > MAX_TICKET_KEYS) throw new SealedValueError(`${label} holds ${n} ticket keys, more than the ${MAX_TICKET_KEYS} a context takes; it is not a ring this class wrote`);
  return n;
}

export const ticketRing: RingFormat<TicketKey> = {
  toBytes(ring) {
    const out = new Uint8Array(ring.length * ENTRY);
    const view = new DataView(out.buffer);
    ring.forEach((k, i) => {
      view.setFloat64(i * ENTRY, k.created);
      out.set(k.name, i * ENTRY + 8);
      out.set(k.aesKey, i * ENTRY + 24);
      out.set(k.hmacKey, i * ENTRY + 56);
    });
    return out;
  },
  fromBytes(bytes, label) {
    if (bytes.length === 0 || bytes.length % ENTRY !== 0) throw new SealedValueError(`${label} opened, but does not hold a ticket-key ring`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Array.from({ length: countOf(bytes.length / ENTRY, label) }, (_, i) => ({
      created: createdOf(view.getFloat64(i * ENTRY), label),
      name: bytes.slice(i * ENTRY + 8, i * ENTRY + 24),
      aesKey: bytes.slice(i * ENTRY + 24, i * ENTRY + 56),
      hmacKey: bytes.slice(i * ENTRY + 56, i * ENTRY + 88),
    }));
  },
  toText(ring) {
    return JSON.stringify(ring.map(k => ({ name: toBase64(k.name), aes: toBase64(k.aesKey), hmac: toBase64(k.hmacKey), created: k.created })));
  },
  fromText(text, label) {
    const notRing = () => new SealedValueError(`${label} does not hold a ticket-key ring (was it written by something else?)`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw notRing();
    }
    if (!Array.isArray(parsed) || parsed.length === 0) throw notRing();
    countOf(parsed.length, label);
    return parsed.map((k: { name?: unknown; aes?: unknown; hmac?: unknown; created?: unknown }) => {
      if (typeof k?.name !== 'string' || typeof k.aes !== 'string' || typeof k.hmac !== 'string' || typeof k.created !== 'number') throw notRing();
      const key = { name: fromBase64(k.name, label), aesKey: fromBase64(k.aes, label), hmacKey: fromBase64(k.hmac, label), created: createdOf(k.created, label) };
      if (key.name.length !== 16 || key.aesKey.length !== 32 || key.hmacKey.length !== 32) throw notRing();
      return key;
    });
  },
};

/**
 * A ticket-key ring in Redis (`${prefix}ticket-keys`, sealed under the application's keys like the
 * sessions), rotated in two phases. Whichever server finds the newest key older than rotateAfter
 * publishes a new one, which at first only decrypts; it encrypts once it is refreshInterval old, by
 * when every server has had a refresh to pick it up, so no server seals a ticket that another cannot
 * yet open. The keys before it still decrypt (keepPrevious of them). Call refresh() at least every
 * refreshInterval on every server; it installs the ring in the given contexts. A ring sealed under
 * an older application key is sealed again under the current one; a ring that does not open is
 * reported and replaced. A fleet's first key (or one after the ring was lost) encrypts at once.
 */
export class RedisTicketKeyRing {
  readonly #ring: SealedRedisRing<TicketKey>;
  readonly #sealer: ValueSealer | null;
  readonly #rotateAfter: number;
  readonly #refreshInterval: number;
  readonly #keep: number;
  readonly #now: () => number;

  constructor(readonly client: RedisLike, options: TicketKeyRingOptions) {
    const who = 'RedisTicketKeyRing';
    this.#sealer = sealerFor(who, options, 'the ticket keys, which decrypt every ticket');
    rejectUnknownOptions(who, options, TICKET_RING_OPTIONS);
    const prefix = prefixOf(who, options);
    this.#rotateAfter = seconds(who, 'rotateAfter', options.rotateAfter, 12 * 3600, 2);
    this.#refreshInterval = seconds(who, 'refreshInterval', options.refreshInterval, Math.min(300, this.#rotateAfter - 1), 1);
    if (this.#refreshInterval >= this.#rotateAfter) {
      throw new RangeError(`${who}: options.refreshInterval (${this.#refreshInterval}) must be less than options.rotateAfter (${this.#rotateAfter}): ` +
        'a new key waits a refresh interval before it encrypts, so a shorter rotation would never let one encrypt');
    }
    // The installed ring is the encrypting key, at most one published ahead, and these.
    this.#keep = seconds(who, 'keepPrevious', options.keepPrevious, 2, 0, MAX_TICKET_KEYS - 2);
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError(`${who}: options.now must be a function returning seconds`);
    if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError(`${who}: options.onError must be a function`);
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#ring = new SealedRedisRing(client, {
      // A key made up to one rotateAfter ahead (members' clocks that far apart) delays the next
      // rotation by at most one period; one further ahead is not skew and would hold it back.
      who, key: `${prefix}ticket-keys`, sealer: this.#sealer, format: madeByNow(ticketRing, this.#now, this.#rotateAfter, 'a ticket key'),
      replacing: 'tickets under its keys get a full handshake',
      report: options.onError ?? (e => console.error(`openssl-wasm: ticket-key ring: ${(e as Error).message}`)),
    });
  }

  /**
   * Reads the ring (publishing a new key first if one is due) and installs it in `contexts`;
   * returns it as installed: the key that encrypts first, then those that only decrypt. When Redis
   * does not answer, it throws and the contexts keep the keys they have.
   */
  async refresh(contexts: readonly Context[]): Promise<TicketKey[]> {
    // Keys outlive their use by one period, so a ticket issued just before a rotation still decrypts.
    const ttl = this.#rotateAfter * (this.#keep + 2) + this.#refreshInterval;
    const ring = await this.#ring.update(read => this.#next(read), ttl); // newest first
    const installed = this.#inUse(ring, this.#now());
    for (const c of contexts) c.setTicketKeys(installed);
    return installed;
  }

  /** The ring to write instead of `read`: with a new key when one is due, sealed again under a new application key; null to keep it. */
  #next({ ring, sealedWith }: RingRead<TicketKey>): TicketKey[] | null {
    if (ring.length === 0 || this.#now() - ring[0].created >= this.#rotateAfter) {
      const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
      // Rotation is due only when the newest key is rotateAfter old, so it is the encrypting one:
      // the new key, it, and keepPrevious older ones.
      return [{ name: random(16), aesKey: random(32), hmacKey: random(32), created: this.#now() }, ...ring].slice(0, this.#keep + 2);
    }
    if (this.#sealer && sealedWith !== this.#sealer.currentId) return ring;
    return null;
  }

  /**
   * The ring as a context takes it (the first key encrypts): the newest key published at least a
   * refresh interval ago, then the newer ones (decrypt-only until their turn), then keepPrevious
   * older ones. With none that old (a fleet's first key), the oldest encrypts.
   */
  #inUse(ring: readonly TicketKey[], now: number): TicketKey[] {
    if (ring.length === 0) return [];
    let current = ring.findIndex(k => now - k.created >= this.#refreshInterval);
    if (current < 0) current = ring.length - 1;
    return [ring[current], ...ring.slice(0, current), ...ring.slice(current + 1, current + 1 + this.#keep)];
  }
}
