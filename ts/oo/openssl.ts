import { isOutOfMemory, OpenSSLError, OutOfMemoryError } from '../errors.ts';
import { loadRaw, type LoadOptions } from '../loader.ts';
import * as C from '../raw/constants.ts';
import { drainErrorStack } from '../raw/error-stack.ts';
import type { RawOpenSSL } from '../raw/instance.ts';
import { requireBytes } from '../raw/memory.ts';
import { NULL, type Ptr } from '../raw/types.ts';
import type { Connection } from './connection.ts';
import { Context, type ContextOptions } from './context.ts';
import { Core } from './core.ts';
import { installDispatch } from './dispatch.ts';
import { belongsTo, type HandleKind } from './handle.ts';
import { adoptSession, type Session } from './session.ts';
import { makePskSession, type PskSessionOptions } from './psk.ts';
import { echConfigList, echConfigListPEM, generateEchKey, type EchKeyOptions, type EchServerKey } from './ech.ts';
import type { Line } from '../raw/lines.ts';

/**
 * The largest session sessionFromDER reads. A session's DER holds at most the peer's leaf
 * certificate (OpenSSL refuses a peer's whole list above 100 KiB by default, SSL_CTX_set_max_cert_list),
 * a ticket (at most 64 KiB on the wire) and a few short fields: 4 MiB is far beyond any real one.
 * Without a bound, a stored value of 1 GB would be copied into linear memory, which never shrinks,
 * only to be refused by the decoder.
 */
export const MAX_SESSION_DER_BYTES = 4 * 1024 * 1024;
/** The longest text sessionFromPEM reads: the largest DER in base64, with room for text around it. */
export const MAX_SESSION_PEM_CHARS = 8 * 1024 * 1024;

function refuseOversized(what: string, size: number, unit: string, max: number): void {
  if (size > max) {
    throw new RangeError(`${what} is ${size} ${unit}, more than any session (at most ${max} are read); ` +
      'nothing was copied into linear memory: check where the value came from (a store holding something else?)');
  }
}

export interface InstanceStats {
  /** Live handles (objects holding an OpenSSL reference) by type. */
  handles: Record<HandleKind, number>;
  /** Handles the garbage collector released because the program forgot to free them. */
  finalized: number;
  /** Bytes of linear memory malloc has handed out and not had back. */
  heapInUse: number;
  /** Size of linear memory. */
  memorySize: number;
}

/**
 * One OpenSSL instance: its own linear memory, error stack and session caches. The object layer:
 * contexts, connections and sessions as JavaScript objects that own their OpenSSL references.
 * `raw` is the same instance's raw layer, for anything the objects do not cover.
 */
export class OpenSSL {
  readonly raw: RawOpenSSL;
  readonly #core: Core;

  /** Loads a new instance (see LoadOptions for where the module comes from). */
  static async load(options?: LoadOptions): Promise<OpenSSL> {
    return new OpenSSL(await loadRaw(options));
  }

  /** Wraps an instance loaded with loadRaw(); its callback handlers are taken over. */
  constructor(raw: RawOpenSSL) {
    this.raw = raw;
    this.#core = new Core(raw);
    installDispatch(this.#core);
  }

  /** The OpenSSL line of this instance: '3.5' or '4.0' (OpenSSL.load({ line })). */
  get line(): Line {
    return this.raw.line;
  }

  /** OpenSSL's version text, e.g. 'OpenSSL 3.5.7 9 Jun 2026'. */
  get version(): string {
    return this.raw.mem.readCString(this.raw.capi.OpenSSL_version(C.OPENSSL_VERSION)) ?? '';
  }

  createContext(options: ContextOptions): Context {
    return new Context(this.#core, options);
  }

  /**
   * OpenSSL 4.0 line: a new ECH key pair and its ECHConfig, as the ECH PEM file (RFC 9934) that
   * `openssl ech -public_name NAME -out FILE` writes: for a server context's echKeys, and for
   * echConfigList(). It holds the private key: keep it as secret as a certificate's key.
   */
  generateEchKey(options: EchKeyOptions): string {
    return generateEchKey(this.#core, options);
  }

  /**
   * OpenSSL 4.0 line: the ECHConfigList of these keys (public halves only, in order), as bytes:
   * base64 it for the `ech=` value of the server's HTTPS DNS record; clients pass either form as
   * createConnection's ech.configList.
   */
  echConfigList(keys: readonly EchServerKey[]): Uint8Array {
    return echConfigList(this.#core, keys);
  }

  /**
   * OpenSSL 4.0 line: the public ECH PEM file of these keys (their ECHConfigList in one ECHCONFIG
   * block, no private key), as `openssl ech -in FILE -out FILE` writes it.
   */
  echConfigListPEM(keys: readonly EchServerKey[]): string {
    return echConfigListPEM(this.#core, keys);
  }

  /** A new, empty SSL_SESSION (SSL_SESSION_new). */
  newSession(): Session {
    const p = this.raw.capi.SSL_SESSION_new();
    if (p === NULL) this.#core.fail('SSL_SESSION_new');
    return adoptSession(this.#core, p);
  }

  /**
   * An external PSK as a Session (SSL_SESSION_new, SSL_SESSION_set1_master_key, SSL_SESSION_set_cipher,
   * SSL_SESSION_set_protocol_version(TLS1_3_VERSION)): for a client context's options.psk and the
   * answers of a server's options.onPskFind.
   */
  pskSession(options: PskSessionOptions): Session {
    return makePskSession(this.#core, options);
  }

  /**
   * Reads a session from DER (d2i_SSL_SESSION), e.g. a file of `openssl sess_id -outform DER`. The
   * bytes must be exactly one session: anything after it is refused, not ignored.
   */
  sessionFromDER(der: Uint8Array): Session {
    requireBytes(der, 'sessionFromDER: der');
    refuseOversized('sessionFromDER: der', der.length, 'bytes', MAX_SESSION_DER_BYTES);
    const { capi, mem } = this.raw;
    let used = 0;
    const p = mem.scope(s => {
      const buf = s.bytes(der, true, 'sessionFromDER: der'), pp = s.out<'u8*'>();
      mem.writeU32(pp, buf);
      capi.ERR_clear_error();
      const sess = capi.d2i_SSL_SESSION(NULL, pp, der.length);
      used = mem.readU32(pp) - buf; // d2i advances *pp past what it read
      return sess;
    });
    if (p === NULL) this.#failParse('sessionFromDER', 'not a DER SSL_SESSION (d2i_SSL_SESSION)');
    if (used !== der.length) {
      capi.SSL_SESSION_free(p);
      throw new OpenSSLError(`sessionFromDER: ${der.length - used} bytes follow the ${used}-byte DER SSL_SESSION; ` +
        'pass exactly one session (a stored value was perhaps truncated, concatenated or padded)');
    }
    return adoptSession(this.#core, p);
  }

  /**
   * Reads a session from PEM (PEM_read_bio_SSL_SESSION), e.g. `openssl s_client -sess_out`. Text
   * before the BEGIN line is skipped, as OpenSSL does; anything but whitespace after the END line
   * is refused.
   */
  sessionFromPEM(pem: string): Session {
    if (typeof pem !== 'string') throw new TypeError('sessionFromPEM: pem must be a string');
    refuseOversized('sessionFromPEM: pem', pem.length, 'characters', MAX_SESSION_PEM_CHARS);
    const core = this.#core, { capi } = this.raw;
    capi.ERR_clear_error();
    const { p, rest } = core.withReadBio(pem, bio => {
      const sess = capi.PEM_read_bio_SSL_SESSION(bio, NULL, NULL, NULL);
      try {
        return { p: sess, rest: sess === NULL ? '' : core.bioText(bio) }; // what follows the END line
      } catch (e) {
        capi.SSL_SESSION_free(sess);
        throw e;
      }
    }, true); // a session's PEM holds its master key
    if (p === NULL) this.#failParse('sessionFromPEM', 'no SSL SESSION PARAMETERS block (PEM_read_bio_SSL_SESSION)');
    if (rest.trim() !== '') {
      capi.SSL_SESSION_free(p);
      throw new OpenSSLError(`sessionFromPEM: ${JSON.stringify(rest.trim().slice(0, 40))}${rest.trim().length > 40 ? '...' : ''} ` +
        'follows the END SSL SESSION PARAMETERS line; pass exactly one session');
    }
    return adoptSession(core, p);
  }

  /** A failed parse: out of memory when an allocation failed (never "bad input"), else the input's fault. */
  #failParse(what: string, badInput: string): never {
    const errors = drainErrorStack(this.raw);
    if (isOutOfMemory(errors)) throw new OutOfMemoryError(what, errors);
    throw new OpenSSLError(`${what}: ${badInput}`, errors);
  }

  /**
   * Whether `handle` belongs to this instance. A handle works only with the instance that made it
   * (another instance's memory holds something else at its address): sessions move between
   * instances as bytes, session.toDER() in one and sessionFromDER() in the other.
   */
  owns(handle: Context | Connection | Session): boolean {
    return belongsTo(handle, this.#core.tracker);
  }

  /** Live handles, leaked-and-collected handles, and memory in use: for leak checks. */
  stats(): InstanceStats {
    const t = this.#core.tracker;
    return {
      handles: { ...t.live },
      finalized: t.finalized,
      heapInUse: this.raw.capi.OSW_heap_in_use(),
      memorySize: this.raw.mem.memory.buffer.byteLength,
    };
  }
}
