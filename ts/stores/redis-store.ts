/**
 * Sessions shared by a fleet of servers through Redis, and what every Redis store here shares: the
 * client's shape, the sealing options, the option checks. (The rings of ticket keys and ECH keys
 * are in redis-ticket-keys.ts and redis-ech-keys.ts.) The store takes a connected
 * client rather than depending on one: node-redis (`createClient()` from the `redis` package, v4 or
 * later) fits RedisLike as it is; for another client, wrap its get/set/del.
 *
 * Whatever reads Redis (a replica, an RDB or AOF file, a backup) must not be able to decrypt the
 * fleet's traffic, so every store seals what it writes under keys the application supplies (see
 * sealed-value.ts), and session ids, which TLS 1.2 sends in the clear, name nothing in Redis
 * without a keyed hash first. Without keys they refuse to start, unless told `insecurePlaintext`.
 */
import type { ServerSessionStore } from './server-store.ts';
import { fromBase64, toBase64, toHex, ValueSealer, type StoreKey } from './sealed-value.ts';

/** The commands the stores use, in node-redis's shape. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  /** Resolves null when NX was given and the key existed. */
  set(key: string, value: string, options: { EX: number; NX?: boolean }): Promise<unknown>;
  del(key: string): Promise<unknown>;
  /**
   * Optional (node-redis has it): EVAL. The key rings give back their lock with it in one step,
   * deleting it only while it still holds their token; without it, a get and then a del.
   */
  eval?(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
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


/** A whole number of seconds from `min` up: a TypeError for what is not a number, a RangeError for what is out of range. */
export function seconds(who: string, name: string, value: unknown, fallback: number, min: number, max = 0x7fffffff): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${who}: options.${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${who}: options.${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}
