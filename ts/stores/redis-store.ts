/**
 * Sessions and ticket keys shared by a fleet of servers through Redis. The store takes a connected
 * client rather than depending on one: node-redis (`createClient()` from the `redis` package, v4 or
 * later) fits RedisLike as it is; for another client, wrap its get/set/del.
 */
import type { Context } from '../oo/context.ts';
import type { ServerSessionStore } from './server-store.ts';

/** The three commands the store uses, in node-redis's shape. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  /** Resolves null when NX was given and the key existed. */
  set(key: string, value: string, options: { EX: number; NX?: boolean }): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), c => c.charCodeAt(0));
const hex = (bytes: Uint8Array) => Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');

/**
 * A ServerSessionStore in Redis: each session under `${prefix}session:${hex id}`, base64 DER, with
 * the session's own timeout as its TTL, so Redis forgets what OpenSSL would no longer resume.
 * Use it with useServerSessionStore().
 */
export class RedisSessionStore implements ServerSessionStore {
  constructor(readonly client: RedisLike, readonly prefix = 'openssl-wasm:') {}

  #key(id: Uint8Array): string {
    return `${this.prefix}session:${hex(id)}`;
  }
  async get(id: Uint8Array): Promise<Uint8Array | null> {
    const text = await this.client.get(this.#key(id));
    if (text === null) return null;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error(`${this.#key(id)} does not hold base64`);
    return unb64(text);
  }
  async set(id: Uint8Array, der: Uint8Array, ttlSeconds: number): Promise<void> {
    await this.client.set(this.#key(id), b64(der), { EX: Math.max(1, ttlSeconds) });
  }
  async delete(id: Uint8Array): Promise<void> {
    await this.client.del(this.#key(id));
  }
}

export interface TicketKey { name: Uint8Array; aesKey: Uint8Array; hmacKey: Uint8Array; created: number }

export interface TicketKeyRingOptions {
  prefix?: string;
  /** A new key encrypts after this long (default 12 hours, in seconds). */
  rotateAfter?: number;
  /** Keys kept for decrypting after they stop encrypting (default 2). */
  keepPrevious?: number;
  /** Clock in seconds (for tests). */
  now?: () => number;
}

/**
 * A ticket-key ring in Redis (`${prefix}ticket-keys`, JSON): the newest key encrypts, the previous
 * ones still decrypt, and whichever server finds the newest key too old makes the next one. Call
 * refresh() on a schedule on every server; it installs the ring in the given contexts.
 */
export class RedisTicketKeyRing {
  readonly #prefix: string;
  readonly #rotateAfter: number;
  readonly #keep: number;
  readonly #now: () => number;
  constructor(readonly client: RedisLike, options: TicketKeyRingOptions = {}) {
    this.#prefix = options.prefix ?? 'openssl-wasm:';
    this.#rotateAfter = options.rotateAfter ?? 12 * 3600;
    this.#keep = options.keepPrevious ?? 2;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Reads the ring (rotating it first if due) and installs it in `contexts`; returns it. */
  async refresh(contexts: readonly Context[]): Promise<TicketKey[]> {
    let ring = await this.#read();
    if (ring.length === 0 || this.#now() - ring[0].created >= this.#rotateAfter) ring = await this.#rotate(ring);
    for (const c of contexts) c.setTicketKeys(ring);
    return ring;
  }

  async #read(): Promise<TicketKey[]> {
    const text = await this.client.get(`${this.#prefix}ticket-keys`);
    if (!text) return [];
    const parsed = JSON.parse(text) as { name: string; aes: string; hmac: string; created: number }[];
    return parsed.map(k => ({ name: unb64(k.name), aesKey: unb64(k.aes), hmacKey: unb64(k.hmac), created: k.created }));
  }

  async #rotate(ring: TicketKey[]): Promise<TicketKey[]> {
    // One rotation per period across the fleet: whoever takes the lock writes; the rest re-read.
    const lock = `${this.#prefix}ticket-keys:lock`;
    const took = await this.client.set(lock, '1', { EX: 10, NX: true });
    if (took === null) {
      await new Promise(r => setTimeout(r, 50));
      return this.#read();
    }
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
    const next = [{ name: random(16), aesKey: random(32), hmacKey: random(32), created: this.#now() }, ...ring].slice(0, this.#keep + 1);
    const json = JSON.stringify(next.map(k => ({ name: b64(k.name), aes: b64(k.aesKey), hmac: b64(k.hmacKey), created: k.created })));
    // Keys outlive their use by one period, so a ticket issued just before a rotation still decrypts.
    await this.client.set(`${this.#prefix}ticket-keys`, json, { EX: this.#rotateAfter * (this.#keep + 2) });
    return next;
  }
}
