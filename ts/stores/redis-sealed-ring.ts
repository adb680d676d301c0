/**
 * A ring of secrets kept sealed at one Redis key and shared by a fleet: the ticket keys
 * (redis-ticket-keys.ts) and the ECH keys (redis-ech-keys.ts) sit on it. It reads and opens the
 * ring, and writes a new one under a lock with a compare: whoever takes the lock reads the value
 * again and, if another member wrote meanwhile, decides again on that ring instead of overwriting
 * it, so members deciding at the same instant make one rotation and all end up with it.
 *
 * What the rings decide (when to rotate, which key encrypts) stays with them; this holds what
 * every ring in Redis needs: the lock, the sealing, and what a value that does not open means.
 */
import type { RedisLike } from './redis-store.ts';
import { SealedValueError, toHex, type ValueSealer } from './sealed-value.ts';

/** How a ring is stored: bytes to seal, or text for insecurePlaintext. */
export interface RingFormat<E> {
  /** The ring as bytes to seal (zeroed here once sealed). */
  toBytes(ring: readonly E[]): Uint8Array;
  /** The ring in opened bytes; a SealedValueError naming `label` for bytes that hold none. */
  fromBytes(bytes: Uint8Array, label: string): E[];
  /** The ring as text, for insecurePlaintext. */
  toText(ring: readonly E[]): string;
  /** The ring in plaintext text; a SealedValueError naming `label` for text that holds none. */
  fromText(text: string, label: string): E[];
}

/**
 * `format`, taking only rings whose every key was made at most `skew` seconds after `now()`. A ring
 * rotates when its newest key is old enough, so a key made far ahead (a member's clock years off,
 * or a value no member wrote) would hold back every rotation until that time, the ring's Redis
 * expiry aside (a value set without one never expires); refused here, it is a ring that does not
 * open: reported and replaced. `what` names a key in the error ('a ticket key').
 */
export function madeByNow<E extends { created: number }>(format: RingFormat<E>, now: () => number, skew: number, what: string): RingFormat<E> {
  const check = (ring: E[], label: string): E[] => {
    const t = now();
    const ahead = ring.find(k => k.created > t + skew);
    if (ahead) {
      throw new SealedValueError(`${label} holds ${what} made at ${ahead.created}, more than ${skew} s after now (${t}), which would hold back its rotation until then; ` +
        "if a member wrote it, check that member's clock");
    }
    return ring;
  };
  return { ...format, fromBytes: (bytes, label) => check(format.fromBytes(bytes, label), label), fromText: (text, label) => check(format.fromText(text, label), label) };
}

export interface SealedRingOptions<E> {
  /** The class that owns the ring, named in errors ('RedisTicketKeyRing'). */
  who: string;
  /** The Redis key of the ring; its lock is `${key}:lock`. */
  key: string;
  /** Null for insecurePlaintext. */
  sealer: ValueSealer | null;
  format: RingFormat<E>;
  /** What a ring that did not open costs when it is replaced, for the report ('tickets under the old keys get a full handshake'). */
  replacing: string;
  /** Told when the ring in Redis does not open; it is then replaced. */
  report(error: unknown): void;
}

/** The ring as read: newest first (empty when there is none, or none that opens). */
export interface RingRead<E> {
  ring: E[];
  /** The id of the application key that sealed it (null when none, or insecurePlaintext). */
  sealedWith: string | null;
  /** The value as Redis held it, to tell whether another member wrote since. */
  raw: string | null;
}

/** Deletes the lock (KEYS[1]) only if it holds this member's token (ARGV[1]), as Redis's own docs do. */
const RELEASE_SCRIPT = 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';

/**
 * The lock's lifetime (seconds of Redis's clock): a member that stops while holding it (a crash, a
 * lost connection) holds up the others this long at most.
 */
const LOCK_SECONDS = 10;
/**
 * How often, and how many times, a member that finds the lock taken looks for the holder's write
 * (about 5 s in all: a write takes milliseconds, but a member on a loaded machine or with a slow link
 * to Redis may need far more, and a member that gives up too soon keeps its old ring or has none).
 */
const WAIT_MS = 50, WAIT_TRIES = 100;
/** Writes by other members one update may see before it settles for the last. */
const MAX_CHANGES = 5;

const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

export class SealedRedisRing<E> {
  readonly #client: RedisLike;
  readonly #o: SealedRingOptions<E>;

  constructor(client: RedisLike, options: SealedRingOptions<E>) {
    this.#client = client;
    this.#o = options;
  }

  get #lock(): string {
    return `${this.#o.key}:lock`;
  }

  /**
   * Reads the ring, and when `next` asks for another (a rotation, or the same ring to seal again
   * under the current application key) writes it with a lifetime of `ttl` seconds. `next` sees what
   * Redis holds and returns the ring to write, or null to keep it; it is asked again whenever
   * another member turns out to have written first. Returns the ring as it then stands, never
   * empty: with the lock held by a member that does not write, the ring read is kept if there is
   * one (the rotation waits for a later call), and an Error saying so is thrown if there is none.
   */
  async update(next: (read: RingRead<E>) => E[] | null, ttl: number): Promise<E[]> {
    let read = await this.#read();
    for (let changes = 0; changes <= MAX_CHANGES; changes++) {
      const ring = next(read);
      if (ring === null) return read.ring;
      const written = await this.#writeLocked(read.raw, ring, ttl);
      if (written === 'written') return ring;
      if (written === 'held') {
        if (read.ring.length > 0) return read.ring;
        throw new Error(`${this.#o.who}: ${this.#lock} is held by another member that has not written ${this.#o.key}; ` +
          `if that member stopped, the lock expires within ${LOCK_SECONDS} s: call refresh() again then`);
      }
      read = written; // another member wrote first: decide again on its ring
    }
    // Others rewrote the ring each time this member looked: use the last one, if it holds keys.
    if (read.ring.length > 0) return read.ring;
    throw new Error(`${this.#o.who}: ${this.#o.key} changed ${MAX_CHANGES} times while this member read it, never to a ring that opens here; call refresh() again`);
  }

  /**
   * Takes the lock (waiting a while for a member that holds it), and writes `ring` if the value is
   * still `raw`. 'written'; or what another member wrote instead; or 'held' when the lock stayed
   * taken and the value unchanged.
   */
  async #writeLocked(raw: string | null, ring: readonly E[], ttl: number): Promise<'written' | 'held' | RingRead<E>> {
    for (let attempt = 0; attempt < WAIT_TRIES; attempt++) {
      if (attempt > 0) await pause(WAIT_MS);
      // A token of its own, so that it releases only its own lock, not one taken after it expired.
      const token = toHex(crypto.getRandomValues(new Uint8Array(16)));
      if (await this.#redis(() => this.#client.set(this.#lock, token, { EX: LOCK_SECONDS, NX: true })) === null) {
        const now = await this.#readRaw();
        if (now !== raw) return this.#parse(now);
        continue; // the holder has not written yet
      }
      try {
        const now = await this.#readRaw();
        if (now !== raw) return await this.#parse(now);
        const value = await this.#encode(ring);
        await this.#redis(() => this.#client.set(this.#o.key, value, { EX: ttl }));
        return 'written';
      } finally {
        await this.#release(token);
      }
    }
    return 'held';
  }

  /**
   * Gives the lock back if it is still this member's: in one step where the client has EVAL (a
   * script deleting the lock only while it holds this member's token); else a get then a del, where
   * the lock could expire in between and be taken by another member, whose lock this would then
   * remove, but only after this member held it for all of LOCK_SECONDS, far longer than a write
   * takes. A failure is left to the lock's expiry: the write is done or failed already, and that is
   * what the caller needs to hear about.
   */
  async #release(token: string): Promise<void> {
    if (this.#client.eval) {
      try {
        await this.#client.eval(RELEASE_SCRIPT, { keys: [this.#lock], arguments: [token] });
        return;
      } catch {
        // Scripts disabled, or an eval of another shape (a wrapped client): the two steps, then.
      }
    }
    try {
      if (await this.#client.get(this.#lock) === token) await this.#client.del(this.#lock);
    } catch {
      // Redis went away: the lock expires on its own.
    }
  }

  /** The ring Redis holds, opened; one that does not open is reported and read as none. */
  async #read(): Promise<RingRead<E>> {
    return this.#parse(await this.#readRaw());
  }

  #readRaw(): Promise<string | null> {
    return this.#redis(() => this.#client.get(this.#o.key));
  }

  async #parse(raw: string | null): Promise<RingRead<E>> {
    if (!raw) return { ring: [], sealedWith: null, raw };
    const { key, sealer, format } = this.#o;
    try {
      if (!sealer) return { ring: format.fromText(raw, key), sealedWith: null, raw };
      const opened = await sealer.open(raw, key);
      try {
        return { ring: format.fromBytes(opened.plaintext, key), sealedWith: opened.keyId, raw };
      } finally {
        opened.plaintext.fill(0);
      }
    } catch (e) {
      if (!(e instanceof SealedValueError)) throw e;
      this.#o.report(new SealedValueError(`${e.message}. ${this.#o.who} replaces it with a new ring (${this.#o.replacing}); ` +
        'if another member wrote it, give every member the same options.keys', { cause: e }));
      return { ring: [], sealedWith: null, raw };
    }
  }

  async #encode(ring: readonly E[]): Promise<string> {
    const { key, sealer, format } = this.#o;
    if (!sealer) return format.toText(ring);
    const bytes = format.toBytes(ring);
    try {
      return await sealer.seal(bytes, key);
    } finally {
      bytes.fill(0);
    }
  }

  /** A Redis command; its failure as an Error saying the keys in use stay, and what to do. */
  async #redis<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (e) {
      throw new Error(`${this.#o.who}: Redis did not answer (${(e as Error)?.message ?? e}); the keys installed before stay in use: ` +
        'call refresh() again once Redis is back', { cause: e });
    }
  }
}
