/**
 * Sealing what a shared store writes (sessions hold their master secrets; ticket keys decrypt every
 * ticket), with WebCrypto, which Node, Deno and browsers all have. The application supplies the
 * keys; nothing here ever writes them anywhere.
 *
 * A sealed value is text (Redis clients hand values back as strings):
 *
 *     osw1.<key id>.<base64: salt (16) | nonce (12) | AES-256-GCM ciphertext | tag (16)>
 *
 * Each value is encrypted under its own key, HKDF-SHA256(application key, salt, "...seal v1"):
 * random 96-bit GCM nonces alone allow about 2^32 values per key (NIST SP 800-38D, 8.3), which a
 * busy fleet writing a session per handshake reaches in days or weeks. The associated data is the header
 * and the label (the store's key for the value), so a value moved to another key does not open.
 */

import type { OwnedBytes } from '../raw/bytes.ts';

/** A key the application supplies: 32 or more random bytes, the same on every server, never in the store. */
export interface StoreKey {
  /** Names the key in each value's header (1-32 of A-Z a-z 0-9 _ -), so old values find their key after a rotation. */
  id: string;
  key: Uint8Array;
}

const VERSION = 'osw1';
const ID = /^[A-Za-z0-9_-]{1,32}$/;
const SEALED = /^osw1\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9+/]*={0,2})$/;
const SALT = 16, NONCE = 12, TAG = 16;
const utf8 = (text: string) => new TextEncoder().encode(text);
const INFO_SEAL = utf8('openssl-wasm sealed value v1');
const INFO_NAME = utf8('openssl-wasm store name v1');

/** Why a value did not open: altered, moved, sealed under a key not given, or not sealed at all. */
export class SealedValueError extends Error {
  override name = 'SealedValueError';
}

interface Derived { id: string; base: CryptoKey; name: CryptoKey }

/**
 * Seals and opens values under a list of application keys: the first seals, every one opens (the
 * key id in the header says which), so keys rotate by putting a new one first and dropping the old
 * one once nothing sealed under it is left.
 */
export class ValueSealer {
  readonly #ids: string[];
  #copies: OwnedBytes[] | null;
  #derived: Promise<Derived[]> | undefined;

  /** `who` and `option` name the caller in errors, e.g. 'RedisSessionStore', 'options.keys'. */
  constructor(keys: readonly StoreKey[], who: string, option = 'options.keys') {
    if (!Array.isArray(keys) || keys.length === 0) throw new TypeError(`${who}: ${option} must be a non-empty array of { id, key }`);
    keys.forEach((k, i) => {
      if (typeof k?.id !== 'string' || !ID.test(k.id)) throw new TypeError(`${who}: ${option}[${i}].id must be 1-32 of A-Z a-z 0-9 _ -`);
      if (!(k.key instanceof Uint8Array)) throw new TypeError(`${who}: ${option}[${i}].key must be a Uint8Array`);
      if (k.key.length < 32) throw new RangeError(`${who}: ${option}[${i}].key ('${k.id}') must be at least 32 random bytes, got ${k.key.length} (make one with \`openssl rand -base64 32\`)`);
    });
    const ids = keys.map(k => k.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) throw new TypeError(`${who}: ${option} gives the id '${twice}' twice; each key needs its own id`);
    this.#ids = ids;
    // Copies, so a caller reusing its buffer cannot change the keys; zeroed once imported. (Not
    // slice(): a Node Buffer's slice() is a view, and zeroing it would zero the caller's key.)
    this.#copies = keys.map(k => new Uint8Array(k.key));
  }

  /** The id of the key that seals. */
  get currentId(): string {
    return this.#ids[0];
  }

  #keys(): Promise<Derived[]> {
    return this.#derived ??= (async () => {
      const copies = this.#copies!;
      this.#copies = null;
      try {
        return await Promise.all(copies.map(async (bytes, i) => {
          const base = await crypto.subtle.importKey('raw', bytes, 'HKDF', false, ['deriveKey']);
          const name = await crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: INFO_NAME },
            base, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign']);
          return { id: this.#ids[i], base, name };
        }));
      } finally {
        for (const c of copies) c.fill(0);
      }
    })();
  }

  static #valueKey(base: CryptoKey, salt: OwnedBytes): Promise<CryptoKey> {
    return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info: INFO_SEAL }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  }

  /**
   * `plaintext` sealed under the first key, bound to `label` (the store's key for it). The label may
   * be a promise (a name still being hashed): the value's key is derived meanwhile, so a store's
   * write waits for two WebCrypto jobs in a row rather than three.
   */
  async seal(plaintext: Uint8Array, label: string | PromiseLike<string>): Promise<string> {
    const { id, base } = (await this.#keys())[0];
    const header = `${VERSION}.${id}.`;
    const saltNonce = crypto.getRandomValues(new Uint8Array(SALT + NONCE));
    const [key, labelText] = await Promise.all([ValueSealer.#valueKey(base, saltNonce.subarray(0, SALT)), label]);
    label = labelText;
    const sealed = new Uint8Array(await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: saltNonce.subarray(SALT), additionalData: utf8(header + label), tagLength: TAG * 8 }, key, unshared(plaintext)));
    const body = new Uint8Array(SALT + NONCE + sealed.length);
    body.set(saltNonce);
    body.set(sealed, SALT + NONCE);
    return header + toBase64(body);
  }

  /**
   * The plaintext of a value sealed for `label`, and the id of the key that opened it. Throws a
   * SealedValueError if the value is not sealed, names a key not given, or does not open (altered,
   * or moved from another label).
   */
  async open(value: string, label: string): Promise<{ plaintext: Uint8Array; keyId: string }> {
    const m = SEALED.exec(value);
    if (!m) throw new SealedValueError(`${label} does not hold a sealed value (was it written with insecurePlaintext, or by something else?)`);
    const [, id, b64] = m;
    const key = (await this.#keys()).find(k => k.id === id);
    if (!key) throw new SealedValueError(`${label} is sealed under key id '${id}', which is not among the keys given (${this.#ids.join(', ')}): add it after the current one until its values are gone`);
    const body = fromBase64(b64, label);
    if (body.length < SALT + NONCE + TAG) throw new SealedValueError(`${label} holds a sealed value too short to be one`);
    const aes = await ValueSealer.#valueKey(key.base, body.subarray(0, SALT));
    try {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: body.subarray(SALT, SALT + NONCE),
        additionalData: utf8(`${VERSION}.${id}.${label}`), tagLength: TAG * 8 }, aes, body.subarray(SALT + NONCE));
      return { plaintext: new Uint8Array(plain), keyId: id };
    } catch {
      throw new SealedValueError(`${label} does not open under key '${id}': it was altered, or moved here from another key, or sealed under another key of the same id`);
    }
  }

  /**
   * `data` under a keyed hash (HMAC-SHA256, hex), once per key, the sealing key's first: names a
   * reader of the store cannot match to `data` seen elsewhere (a session id sent in the clear).
   */
  async names(data: Uint8Array): Promise<string[]> {
    return Promise.all((await this.#keys()).map(async k => toHex(new Uint8Array(await crypto.subtle.sign('HMAC', k.name, unshared(data))))));
  }
}

/** `bytes` as WebCrypto takes them: views of a SharedArrayBuffer (a shared wasm memory) are copied. */
function unshared(bytes: Uint8Array): OwnedBytes {
  return bytes.buffer instanceof ArrayBuffer ? bytes as OwnedBytes : new Uint8Array(bytes);
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Throws a SealedValueError naming `label` for text that is not base64. */
export function fromBase64(text: string, label: string): OwnedBytes {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new SealedValueError(`${label} does not hold base64`);
  return Uint8Array.from(atob(text), c => c.charCodeAt(0));
}
