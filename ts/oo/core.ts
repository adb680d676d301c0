import { openSSLError } from '../raw/error-stack.ts';
import type { RawOpenSSL } from '../raw/instance.ts';
import { NULL, type Ptr } from '../raw/types.ts';
import type { Connection } from './connection.ts';
import type { Context } from './context.ts';
import { HandleTracker } from './handle.ts';

/**
 * What the objects of one instance share: the raw layer, the handle tracker, and the maps from
 * OpenSSL pointers back to the objects that own them, which the callbacks dispatch through (weakly,
 * so a forgotten object can still be collected).
 */
export class Core {
  readonly tracker: HandleTracker;
  readonly contexts = new Map<number, WeakRef<Context>>();
  readonly connections = new Map<number, WeakRef<Connection>>();
  /** The SSL_CTXs whose onRemove callback is running (OpenSSL is changing their cache below it). */
  readonly removing: Ptr<'SSL_CTX'>[] = [];

  constructor(readonly raw: RawOpenSSL) {
    this.tracker = new HandleTracker(() => raw.failed === undefined);
  }

  get capi() { return this.raw.capi; }
  get mem() { return this.raw.mem; }

  /**
   * Zeroes the 16 KB of stack below the stack pointer: the frames of the call that just returned.
   * OpenSSL's PEM decoders copy a passphrase into stack buffers they do not cleanse, which the
   * cleansing allocator (wasm/shims.c) does not reach. The module's stack (emscripten's 5 MB) lies
   * below the stack pointer, so only stack is written.
   */
  scrubStack(): void {
    const save = (this.raw.instance.exports as Record<string, unknown>).stackSave;
    if (typeof save !== 'function') return;
    const sp = save() as number;
    new Uint8Array(this.mem.memory.buffer).fill(0, Math.max(0, sp - 16 * 1024), sp);
  }

  /**
   * Runs an OpenSSL call that may call back into JavaScript; once it returns, the frees asked for
   * inside its callbacks are carried out (see HandleTracker.release).
   */
  call<R>(fn: () => R): R {
    try {
      return fn();
    } finally {
      this.tracker.settle();
    }
  }

  /**
   * Runs a JavaScript callback OpenSSL made. OpenSSL's error queue is the outer call's: whatever the
   * callback does through the object layer (which clears and drains the queue) must not touch it,
   * so the queue is moved aside for the callback (OSSL_ERR_STATE_save) and put back after.
   */
  callback<R>(fn: () => R): R {
    const { capi } = this;
    const saved = capi.OSSL_ERR_STATE_new();
    capi.OSSL_ERR_STATE_save(saved); // a NULL state (out of memory) is ignored, and so is the restore
    try {
      return this.tracker.duringCallback(fn);
    } finally {
      capi.ERR_clear_error(); // the callback's own errors, already reported or of no concern
      capi.OSSL_ERR_STATE_restore(saved);
      capi.OSSL_ERR_STATE_free(saved);
    }
  }

  /** Throws an OpenSSLError carrying (and clearing) the error stack. */
  fail(what: string): never {
    throw openSSLError(this.raw, what);
  }

  /** Checks an OpenSSL result: 1 (or `ok(result)`) is success, anything else throws. */
  check(result: number | bigint, what: string, ok: (r: number) => boolean = r => r === 1): void {
    if (!ok(Number(result))) this.fail(what);
  }

  /**
   * Reads an OpenSSL object out through a memory BIO (PEM, SSL_SESSION_print, ...). `secret`: what
   * is written is a secret (a session's PEM holds its master key), so the BIO is OpenSSL's secure
   * one (BIO_s_secmem), whose buffer is zeroed as it grows and when freed.
   */
  withMemBio<R>(fn: (bio: Ptr<'BIO'>) => R, secret = false): R {
    const { capi } = this;
    const bio = capi.BIO_new(secret ? capi.BIO_s_secmem() : capi.BIO_s_mem());
    if (bio === NULL) this.fail('BIO_new');
    try {
      return fn(bio);
    } finally {
      capi.BIO_free(bio);
    }
  }

  /** All that a memory BIO holds, as text. */
  bioText(bio: Ptr<'BIO'>): string {
    const bytes = this.bioBytes(bio);
    try {
      return new TextDecoder().decode(bytes);
    } finally {
      bytes.fill(0); // the text may be a secret (a session's PEM): only the string is handed on
    }
  }

  bioBytes(bio: Ptr<'BIO'>): Uint8Array {
    return this.mem.scope(s => {
      const pp = s.out<'char*'>();
      const n = this.capi.BIO_get_mem_data(bio, pp);
      return this.mem.copyOut(this.mem.readPtr(pp), n);
    });
  }

  /**
   * A read-only memory BIO over `data`, for PEM parsing. `secret`: `data` is a secret (a private
   * key, a session): its copy in linear memory is zeroed before it is freed (BIO_new_mem_buf reads
   * it in place, keeping no copy of its own), and so is the staging copy made here from a string.
   */
  withReadBio<R>(data: string | Uint8Array, fn: (bio: Ptr<'BIO'>) => R, secret = false): R {
    const staged = typeof data === 'string';
    const bytes = staged ? new TextEncoder().encode(data) : data;
    try {
      return this.mem.scope(s => {
        const bio = this.capi.BIO_new_mem_buf(s.bytes(bytes, secret), bytes.length);
        if (bio === NULL) this.fail('BIO_new_mem_buf');
        try {
          return fn(bio);
        } finally {
          this.capi.BIO_free(bio);
        }
      });
    } finally {
      if (staged && secret) bytes.fill(0);
    }
  }

  /** All PEM certificates in `pem` as X509 pointers the caller must free; throws if there is none. */
  readCertificates(pem: string, name: string): Ptr<'X509'>[] {
    const { capi } = this;
    const certs: Ptr<'X509'>[] = [];
    refuseLongPem(pem, name, MAX_PEM_CERTIFICATE_CHARS, `${MAX_PEM_CERTIFICATES} certificates take`);
    this.withReadBio(pem, bio => {
      for (let i = 0; i <= MAX_PEM_CERTIFICATES; i++) {
        const x = capi.PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (x === NULL) break;
        certs.push(x);
      }
    });
    // Bounded, and said so: certificates past the bound were once dropped without a word.
    if (certs.length > MAX_PEM_CERTIFICATES) {
      for (const x of certs) capi.X509_free(x);
      capi.ERR_clear_error();
      throw new RangeError(`${name} holds more than ${MAX_PEM_CERTIFICATES} PEM certificates; pass fewer (a system bundle holds a few hundred)`);
    }
    // Reading stops at the end of the input with a "no start line" error: expected once we have some.
    if (certs.length === 0) this.fail(`${name} holds no PEM certificate (PEM_read_bio_X509)`);
    capi.ERR_clear_error();
    return certs;
  }

  /**
   * Calls `get(pp, len)`, an OpenSSL getter that points *pp at bytes it keeps and writes their
   * length to *len (a 4-byte size_t or unsigned int on wasm32), and copies the bytes out; null if none.
   */
  borrowedBytes(get: (pp: Ptr<'u8*'>, len: Ptr<never>) => void): Uint8Array | null {
    const { mem } = this;
    return mem.scope(s => {
      const pp = s.out<'u8*'>(), len = s.out<'u32'>();
      get(pp, len as Ptr<string> as Ptr<never>);
      const n = mem.readU32(len), p = mem.readPtr(pp);
      return n === 0 || p === NULL ? null : mem.copyOut(p, n);
    });
  }

  /** DER of an X509 the caller keeps ownership of. */
  x509ToDER(x: Ptr<'X509'>): Uint8Array {
    const { capi, mem } = this;
    const n = capi.i2d_X509(x, NULL);
    if (n <= 0) this.fail('i2d_X509');
    return mem.scope(s => {
      const buf = s.alloc(n), pp = s.out<'u8*'>();
      mem.writeU32(pp, buf);
      capi.i2d_X509(x, pp);
      return mem.copyOut(buf, n);
    });
  }
}

/** The most certificates one PEM text may hold (createContext's certificate or ca, addTrustedCertificates). */
export const MAX_PEM_CERTIFICATES = 1000;
/** The longest such text: that many certificates of 32 KiB of PEM each (a post-quantum one is about 10 KiB). */
export const MAX_PEM_CERTIFICATE_CHARS = MAX_PEM_CERTIFICATES * 32 * 1024;
/** The longest private key PEM read (an RSA-16384 or ML-DSA-87 key is under 16 KiB). */
export const MAX_PRIVATE_KEY_PEM_CHARS = 1024 * 1024;

/**
 * A RangeError for PEM text longer than any that holds what it should: read, it would be copied
 * into linear memory, which never shrinks, only for the parse to fail.
 */
export function refuseLongPem(pem: string, name: string, max: number, what: string): void {
  if (pem.length > max) {
    throw new RangeError(`${name} is ${pem.length} characters, more than ${what} (at most ${max} are read); nothing was copied into linear memory`);
  }
}

/**
 * `value` as the bytes OpenSSL is given (a string as UTF-8), at most `max` bytes: a longer one is a
 * RangeError naming `limit` (OpenSSL's or the protocol's bound, or why this one was picked), thrown
 * before anything is copied into linear memory, which never shrinks. A string longer than `max`
 * is refused before it is encoded (UTF-8 takes at least one byte per UTF-16 unit).
 */
export function boundedBytes(value: string | Uint8Array, name: string, max: number, limit: string): Uint8Array {
  if (typeof value === 'string' && value.length > max) throw tooLong(name, max, limit, `${value.length} characters`);
  const bytes = toBytes(value, name);
  if (bytes.length > max) throw tooLong(name, max, limit, `${bytes.length} bytes`);
  return bytes;
}

/** boundedBytes for text OpenSSL takes as a C string: the string itself, checked. */
export function boundedString(value: string, name: string, max: number, limit: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  boundedBytes(value, name, max, limit);
  return value;
}

function tooLong(name: string, max: number, limit: string, got: string): RangeError {
  return new RangeError(`${name} is at most ${max} bytes (${limit}), got ${got}; nothing was copied into linear memory`);
}

/** Bytes from a string (UTF-8) or bytes, for the id-context and ALPN setters. */
export function toBytes(v: string | Uint8Array, name: string): Uint8Array {
  if (typeof v === 'string') return new TextEncoder().encode(v);
  if (v instanceof Uint8Array) return v;
  throw new TypeError(`${name} must be a string or a Uint8Array`);
}

