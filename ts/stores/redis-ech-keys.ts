/**
 * ECH keys shared by a fleet of servers through Redis (OpenSSL 4.0 line), as the ticket keys are
 * (redis-ticket-keys.ts; both kept by a SealedRedisRing, redis-sealed-ring.ts): one ring at `${prefix}ech-keys`, sealed under the application's keys, holding
 * each ECH key's PEM text and when it was made. The newest key is the one published (its
 * ECHConfigList goes in the HTTPS DNS record) and sent in retry configs; the previous ones stay
 * loaded, not for retry, so that clients holding a config from an older record still get through.
 * Whichever server finds the newest too old makes the next one.
 */
import type { Context } from '../oo/context.ts';
import { OpenSSLError } from '../errors.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import { rejectUnknownOptions } from '../oo/options.ts';
import { prefixOf, sealerFor, seconds, type RedisLike, type RedisStoreOptions } from './redis-store.ts';
import { madeByNow, SealedRedisRing, type RingFormat, type RingRead } from './redis-sealed-ring.ts';
import { SealedValueError, type ValueSealer } from './sealed-value.ts';

export interface EchKeyRingOptions extends RedisStoreOptions {
  /** The public_name of new keys: the outer name every client shows (the certificate must cover it). */
  publicName: string;
  /** HPKE suite of new keys (default X25519, HKDF-SHA256, AES-128-GCM). */
  suite?: string;
  /** Seconds before the next key is made (default one day). Publish its list within that time. */
  rotateAfter?: number;
  /** Previous keys kept loaded (default 2): cover the HTTPS record's TTL and resolvers' caches. */
  keepPrevious?: number;
  /** Clock in seconds (for tests). */
  now?: () => number;
  /** Told when the ring in Redis does not open (it is then replaced). Default: console.error. */
  onError?(error: unknown): void;
}

export interface EchRingEntry { pem: string; created: number }

const ECH_RING_OPTIONS = ['keys', 'insecurePlaintext', 'prefix', 'publicName', 'suite', 'rotateAfter', 'keepPrevious', 'now', 'onError'];
/** The most previous keys kept: the installed ring is the newest and these, within a store's 256 (ts/oo/ech.ts). */
const MAX_PREVIOUS_ECH_KEYS = 255;

/** The ring as JSON text; sealed as that text's UTF-8. */
export const echRing: RingFormat<EchRingEntry> = {
  toBytes: ring => new TextEncoder().encode(JSON.stringify(ring)),
  fromBytes: (bytes, label) => echRing.fromText(new TextDecoder().decode(bytes), label),
  toText: ring => JSON.stringify(ring),
  fromText(text, label) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SealedValueError(`${label} opened, but does not hold an ECH key ring`);
    }
    // A finite time (JSON's 1e999 reads as Infinity, never rotateAfter old) and a PEM that is not empty.
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every(e => e && typeof e.pem === 'string' && e.pem !== '' && Number.isFinite(e.created))) {
      throw new SealedValueError(`${label} opened, but does not hold an ECH key ring`);
    }
    return parsed as EchRingEntry[];
  },
};

/** The ring as a context's echKeys: the newest for retry configs, the rest not. */
const echKeysOf = (ring: readonly EchRingEntry[]) => ring.map((k, i) => ({ pem: k.pem, retry: i === 0 }));

/**
 * echRing, taking only a ring a context takes: keys OpenSSL reads, config_ids not shared, at most
 * 256 (setEchKeys's checks, on a context made for the purpose). A ring that opens but fails them
 * (garbage PEM text, two keys with one config_id) would otherwise make every refresh() throw for as
 * long as it stays in Redis; read as one that does not open, it is reported and replaced (found by fuzz/).
 */
export function loadableEchRing(openssl: OpenSSL): RingFormat<EchRingEntry> {
  const loadable = (ring: EchRingEntry[], label: string) => {
    const scratch = openssl.createContext({ role: 'server' });
    try {
      scratch.setEchKeys(echKeysOf(ring));
    } catch (e) {
      if (!(e instanceof OpenSSLError || e instanceof TypeError || e instanceof RangeError)) throw e;
      throw new SealedValueError(`${label} opened, but holds ECH keys a context does not take (${e.message})`, { cause: e });
    } finally {
      scratch.free();
    }
    return ring;
  };
  return { ...echRing, fromBytes: (bytes, label) => loadable(echRing.fromBytes(bytes, label), label), fromText: (text, label) => loadable(echRing.fromText(text, label), label) };
}

/** An ECH key ring in Redis; call refresh() on a schedule on every server. */
export class RedisEchKeyRing {
  readonly #ring: SealedRedisRing<EchRingEntry>;
  readonly #sealer: ValueSealer | null;
  readonly #options: EchKeyRingOptions;
  readonly #rotateAfter: number;
  readonly #keep: number;
  readonly #now: () => number;

  constructor(readonly client: RedisLike, readonly openssl: OpenSSL, options: EchKeyRingOptions) {
    const who = 'RedisEchKeyRing';
    this.#sealer = sealerFor(who, options, 'the ECH private keys, which decrypt every ClientHello');
    rejectUnknownOptions(who, options, ECH_RING_OPTIONS);
    const prefix = prefixOf(who, options);
    if (typeof options.publicName !== 'string' || options.publicName === '') throw new TypeError(`${who}: options.publicName is required`);
    if (options.suite !== undefined && typeof options.suite !== 'string') throw new TypeError(`${who}: options.suite must be a string such as 'X25519,hkdf-sha256,aes-128-gcm'`);
    // Checked here, not at the first refresh(): a wrong one would otherwise surface only on a schedule.
    if (openssl === null || typeof openssl !== 'object' || typeof openssl.generateEchKey !== 'function') {
      throw new TypeError(`${who}: the second argument must be an OpenSSL instance (of the 4.0 line, for ECH)`);
    }
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError(`${who}: options.now must be a function returning seconds`);
    if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError(`${who}: options.onError must be a function`);
    this.#options = options;
    this.#rotateAfter = seconds(who, 'rotateAfter', options.rotateAfter, 24 * 3600, 1);
    this.#keep = seconds(who, 'keepPrevious', options.keepPrevious, 2, 0, MAX_PREVIOUS_ECH_KEYS);
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#ring = new SealedRedisRing(client, {
      // As the ticket keys: up to one rotateAfter ahead is members' clocks apart, further is not.
      who, key: `${prefix}ech-keys`, sealer: this.#sealer, format: madeByNow(loadableEchRing(openssl), this.#now, this.#rotateAfter, 'an ECH key'),
      replacing: 'clients holding the list of its keys get the new one in retry configs; publish the list refresh() returns',
      report: options.onError ?? (e => console.error(`openssl-wasm: ECH key ring: ${(e as Error).message}`)),
    });
  }

  /**
   * Reads the ring (rotating it first if due), installs it in `contexts` (setEchKeys: the newest
   * for retry, the rest not), and returns the newest key's ECHConfigList: what the HTTPS record's
   * `ech=` should hold (base64). When Redis does not answer, it throws and the contexts keep the
   * keys they have.
   */
  async refresh(contexts: readonly Context[]): Promise<Uint8Array> {
    if (!Array.isArray(contexts)) throw new TypeError('RedisEchKeyRing.refresh: contexts must be an array of server Contexts (it may be empty)');
    // Keys outlive their use by one period, so a client with the last record still gets through.
    const ring = await this.#ring.update(read => this.#next(read), this.#rotateAfter * (this.#keep + 2));
    const keys = echKeysOf(ring);
    for (const c of contexts) c.setEchKeys(keys);
    return this.openssl.echConfigList([ring[0].pem]);
  }

  /** The ring to write instead of `read`: with a new key when one is due, sealed again under a new application key; null to keep it. */
  #next({ ring, sealedWith }: RingRead<EchRingEntry>): EchRingEntry[] | null {
    if (ring.length === 0 || this.#now() - ring[0].created >= this.#rotateAfter) return this.#rotated(ring);
    if (this.#sealer && sealedWith !== this.#sealer.currentId) return ring;
    return null;
  }

  /** A new key before `ring`'s newest and the keepPrevious before it. */
  #rotated(ring: readonly EchRingEntry[]): EchRingEntry[] {
    const { publicName, suite } = this.#options;
    // A config_id of its own (one byte, random): a kept key with the same one could no longer serve
    // the clients holding its list (see setEchKeys). Bounded: with at most 15 kept keys, 64 draws all
    // colliding has probability (15/256)^64.
    const taken = new Set(ring.slice(0, this.#keep).map(e => this.openssl.echConfigList([e.pem])[6]));
    let pem = '';
    for (let i = 0; i < 64; i++) {
      pem = this.openssl.generateEchKey({ publicName, ...(suite === undefined ? {} : { suite }) });
      if (!taken.has(this.openssl.echConfigList([pem])[6])) break;
      if (i === 63) throw new Error('RedisEchKeyRing: 64 new ECH keys all shared a config_id with a kept key; this should not happen');
    }
    return [{ pem, created: this.#now() }, ...ring].slice(0, this.#keep + 1);
  }
}
