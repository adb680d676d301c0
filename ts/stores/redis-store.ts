/**
 * Sessions and ticket keys shared by a fleet of servers through Redis. The store takes a connected
 * client rather than depending on one: node-redis (`createClient()` from the `redis` package, v4 or
 * later) fits RedisLike as it is; for another client, wrap its get/set/del.
 *
 * Whatever reads Redis (a replica, an RDB or AOF file, a backup) must not be able to decrypt the
 * fleet's traffic, so both stores seal what they write under keys the application supplies (see
 * sealed-value.ts), and session ids, which TLS 1.2 sends in the clear, name nothing in Redis
 * without a keyed hash first. Without keys they refuse to start, unless told `insecurePlaintext`.
 */
import { MAX_TICKET_KEYS, type Context } from '../oo/context.ts';
import { rejectUnknownOptions } from '../oo/options.ts';
import type { ServerSessionStore } from './server-store.ts';
import { fromBase64, SealedValueError, toBase64, toHex, ValueSealer, type StoreKey } from './sealed-value.ts';

/** The three commands the stores use, in node-redis's shape. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  /** Resolves null when NX was given and the key existed. */
  set(key: string, value: string, options: { EX: number; NX?: boolean }): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

export interface RedisStoreOptions {
  /**
   * The keys that seal every value, required unless `insecurePlaintext`: the first seals, every one
   * opens. Each is 32 or more random bytes, the same on every server, and kept out of Redis.
   * To rotate, add the new key second on every server, then move it first, then drop the old one
   * once what it sealed has expired.
   */
  keys?: readonly StoreKey[];
  /** Store sessions and ticket keys as they are, readable by whoever reads Redis. */
  insecurePlaintext?: boolean;
  /** Put before every Redis key (default 'openssl-wasm:'). */
  prefix?: string;
}

/** The sealer the options ask for, null for insecurePlaintext; a TypeError naming what to do otherwise. */
export function sealerFor(who: string, options: RedisStoreOptions | undefined, holds: string): ValueSealer | null {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${who}: the second argument must be an options object: { keys: [{ id, key }] } (or { insecurePlaintext: true })`);
  }
  if (options.insecurePlaintext === true) {
    if (options.keys !== undefined) throw new TypeError(`${who}: give options.keys or options.insecurePlaintext, not both`);
    return null;
  }
  if (options.keys === undefined) {
    throw new TypeError(`${who}: options.keys is missing. Redis would hold ${holds} in the clear: pass keys: [{ id: 'k1', key }] ` +
      'where key is 32 random bytes that every server shares and Redis never sees (e.g. from an environment variable holding ' +
      '`openssl rand -base64 32`), or pass insecurePlaintext: true to accept that whoever reads Redis can decrypt the traffic');
  }
  return new ValueSealer(options.keys, who);
}

export function prefixOf(who: string, options: RedisStoreOptions | undefined): string {
  const prefix = options?.prefix ?? 'openssl-wasm:';
  if (typeof prefix !== 'string') throw new TypeError(`${who}: options.prefix must be a string`);
  return prefix;
}

/**
 * A ServerSessionStore in Redis, for useServerSessionStore(). Each session is sealed (its Redis key
 * as associated data) under `${prefix}session:${HMAC-SHA256 of the session id}`, with the session's
 * own timeout as its TTL, so Redis forgets what OpenSSL would no longer resume.
 *
 * The hash is keyed per application key (derived from it with HKDF), so a retired key takes its
 * names with it: a lookup asks for the id under every key's name at once (one round trip) and takes
 * the first value that opens. A value that does not open (altered, or moved from another Redis key)
 * makes get() throw, which useServerSessionStore reports through onError and treats as a miss.
 */
export class RedisSessionStore implements ServerSessionStore {
  readonly prefix: string;
  readonly #sealer: ValueSealer | null;
  /** The last write per session id (hex) still in flight: see #inOrder. */
  readonly #writes = new Map<string, Promise<void>>();

  constructor(readonly client: RedisLike, options: RedisStoreOptions) {
    this.#sealer = sealerFor('RedisSessionStore', options, 'every session\'s master secret');
    this.prefix = prefixOf('RedisSessionStore', options);
  }

  /** The Redis keys `id` may be under, the one it is written under first. */
  async #names(id: Uint8Array): Promise<string[]> {
    const hashes = this.#sealer ? await this.#sealer.names(id) : [toHex(id)];
    return hashes.map(h => `${this.prefix}session:${h}`);
  }

  /**
   * Runs `op` after the writes to `id` already asked for. A Redis connection runs commands in the
   * order sent, but sealing sends each write some WebCrypto jobs later: without this, a lookup right
   * after a session was stored could overtake its write, and a delete could be undone by it.
   */
  #inOrder<T>(id: Uint8Array, op: () => Promise<T>, isWrite: boolean): Promise<T> {
    const key = toHex(id);
    const before = this.#writes.get(key);
    const run = before ? before.then(op) : op();
    if (isWrite) {
      const done = run.then(() => undefined, () => undefined);
      this.#writes.set(key, done);
      void done.then(() => { if (this.#writes.get(key) === done) this.#writes.delete(key); });
    }
    return run;
  }

  get(id: Uint8Array): Promise<Uint8Array | null> {
    return this.#inOrder(id, () => this.#get(id), false);
  }
  set(id: Uint8Array, der: Uint8Array, ttlSeconds: number): Promise<void> {
    return this.#inOrder(id, () => this.#set(id, der, ttlSeconds), true);
  }
  delete(id: Uint8Array): Promise<void> {
    return this.#inOrder(id, () => this.#delete(id), true);
  }

  async #get(id: Uint8Array): Promise<Uint8Array | null> {
    const names = await this.#names(id);
    const values = await Promise.all(names.map(n => this.client.get(n)));
    let failure: unknown = null;
    for (let i = 0; i < names.length; i++) {
      const value = values[i];
      if (value === null) continue;
      if (!this.#sealer) return fromBase64(value, names[i]);
      try {
        return (await this.#sealer.open(value, names[i])).plaintext;
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure) throw failure;
    return null;
  }

  async #set(id: Uint8Array, der: Uint8Array, ttlSeconds: number): Promise<void> {
    const name = this.#names(id).then(names => names[0]);
    const value = this.#sealer ? await this.#sealer.seal(der, name) : toBase64(der);
    await this.client.set(await name, value, { EX: Math.max(1, ttlSeconds) });
  }

  async #delete(id: Uint8Array): Promise<void> {
    await Promise.all((await this.#names(id)).map(n => this.client.del(n)));
  }
}

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

/** A whole number of seconds from `min` up: a TypeError for what is not a number, a RangeError for what is out of range. */
export function seconds(who: string, name: string, value: unknown, fallback: number, min: number, max = 0x7fffffff): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${who}: options.${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${who}: options.${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** A ring as bytes for sealing: per key, created (float64) | name (16) | aesKey (32) | hmacKey (32). */
const ENTRY = 8 + 16 + 32 + 32;

function ringToBytes(ring: readonly TicketKey[]): Uint8Array {
  const out = new Uint8Array(ring.length * ENTRY);
  const view = new DataView(out.buffer);
  ring.forEach((k, i) => {
    view.setFloat64(i * ENTRY, k.created);
    out.set(k.name, i * ENTRY + 8);
    out.set(k.aesKey, i * ENTRY + 24);
    out.set(k.hmacKey, i * ENTRY + 56);
  });
  return out;
}

function ringFromBytes(bytes: Uint8Array, label: string): TicketKey[] {
  if (bytes.length === 0 || bytes.length % ENTRY !== 0) throw new SealedValueError(`${label} opened, but does not hold a ticket-key ring`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / ENTRY }, (_, i) => ({
    created: view.getFloat64(i * ENTRY),
    name: bytes.slice(i * ENTRY + 8, i * ENTRY + 24),
    aesKey: bytes.slice(i * ENTRY + 24, i * ENTRY + 56),
    hmacKey: bytes.slice(i * ENTRY + 56, i * ENTRY + 88),
  }));
}

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
  readonly #prefix: string;
  readonly #sealer: ValueSealer | null;
  readonly #rotateAfter: number;
  readonly #refreshInterval: number;
  readonly #keep: number;
  readonly #now: () => number;
  readonly #report: (error: unknown) => void;

  constructor(readonly client: RedisLike, options: TicketKeyRingOptions) {
    const who = 'RedisTicketKeyRing';
    this.#sealer = sealerFor(who, options, 'the ticket keys, which decrypt every ticket');
    rejectUnknownOptions(who, options, TICKET_RING_OPTIONS);
    this.#prefix = prefixOf(who, options);
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
    this.#report = options.onError ?? (e => console.error(`openssl-wasm: ticket-key ring: ${(e as Error).message}`));
  }

  get #key(): string {
    return `${this.#prefix}ticket-keys`;
  }

  /**
   * Reads the ring (publishing a new key first if one is due) and installs it in `contexts`;
   * returns it as installed: the key that encrypts first, then those that only decrypt.
   */
  async refresh(contexts: readonly Context[]): Promise<TicketKey[]> {
    const read = await this.#read();
    let ring = read.ring; // newest first
    if (ring.length === 0 || this.#now() - ring[0].created >= this.#rotateAfter) ring = await this.#rotate(ring);
    else if (this.#sealer && read.sealedWith !== this.#sealer.currentId) await this.#write(ring);
    const installed = this.#inUse(ring, this.#now());
    for (const c of contexts) c.setTicketKeys(installed);
    return installed;
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

  async #read(): Promise<{ ring: TicketKey[]; sealedWith: string | null }> {
    const text = await this.client.get(this.#key);
    if (!text) return { ring: [], sealedWith: null };
    if (!this.#sealer) {
      const parsed = JSON.parse(text) as { name: string; aes: string; hmac: string; created: number }[];
      const ring = parsed.map(k => ({ name: fromBase64(k.name, this.#key), aesKey: fromBase64(k.aes, this.#key), hmacKey: fromBase64(k.hmac, this.#key), created: k.created }));
      return { ring, sealedWith: null };
    }
    let opened: { plaintext: Uint8Array; keyId: string };
    try {
      opened = await this.#sealer.open(text, this.#key);
    } catch (e) {
      this.#report(e);
      return { ring: [], sealedWith: null };
    }
    try {
      return { ring: ringFromBytes(opened.plaintext, this.#key), sealedWith: opened.keyId };
    } catch (e) {
      this.#report(e);
      return { ring: [], sealedWith: null };
    } finally {
      opened.plaintext.fill(0);
    }
  }

  async #rotate(ring: TicketKey[]): Promise<TicketKey[]> {
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
    // Rotation is due only when the newest key is rotateAfter old, so it is the encrypting one:
    // the new key, it, and keepPrevious older ones.
    const next = [{ name: random(16), aesKey: random(32), hmacKey: random(32), created: this.#now() }, ...ring].slice(0, this.#keep + 2);
    if (await this.#write(next)) return next;
    await new Promise(r => setTimeout(r, 50)); // another server is writing the ring: use that one
    return (await this.#read()).ring;
  }

  /** Writes `ring` if this server takes the lock (one writer per period across the fleet); whether it did. */
  async #write(ring: readonly TicketKey[]): Promise<boolean> {
    const took = await this.client.set(`${this.#key}:lock`, '1', { EX: 10, NX: true });
    if (took === null) return false;
    let value: string;
    if (this.#sealer) {
      const bytes = ringToBytes(ring);
      try {
        value = await this.#sealer.seal(bytes, this.#key);
      } finally {
        bytes.fill(0);
      }
    } else {
      value = JSON.stringify(ring.map(k => ({ name: toBase64(k.name), aes: toBase64(k.aesKey), hmac: toBase64(k.hmacKey), created: k.created })));
    }
    // Keys outlive their use by one period, so a ticket issued just before a rotation still decrypts.
    await this.client.set(this.#key, value, { EX: this.#rotateAfter * (this.#keep + 2) + this.#refreshInterval });
    return true;
  }
}
