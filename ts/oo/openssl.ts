import { loadRaw, type LoadOptions } from '../loader.ts';
import * as C from '../raw/constants.ts';
import type { RawOpenSSL } from '../raw/instance.ts';
import { NULL } from '../raw/types.ts';
import type { Connection } from './connection.ts';
import { Context, type ContextOptions } from './context.ts';
import { Core } from './core.ts';
import { installDispatch } from './dispatch.ts';
import { belongsTo, type HandleKind } from './handle.ts';
import { Session } from './session.ts';

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

  /** OpenSSL's version text, e.g. 'OpenSSL 3.5.7 9 Jun 2026'. */
  get version(): string {
    return this.raw.mem.readCString(this.raw.capi.OpenSSL_version(C.OPENSSL_VERSION)) ?? '';
  }

  createContext(options: ContextOptions): Context {
    return new Context(this.#core, options);
  }

  /** A new, empty SSL_SESSION (SSL_SESSION_new). */
  newSession(): Session {
    const p = this.raw.capi.SSL_SESSION_new();
    if (p === NULL) this.#core.fail('SSL_SESSION_new');
    return new Session(this.#core, p);
  }

  /** Reads a session from DER (d2i_SSL_SESSION), e.g. a file of `openssl sess_id -outform DER`. */
  sessionFromDER(der: Uint8Array): Session {
    if (!(der instanceof Uint8Array)) throw new TypeError('sessionFromDER: der must be a Uint8Array');
    const { capi, mem } = this.raw;
    const p = mem.scope(s => {
      const buf = s.bytes(der, true), pp = s.out<'u8*'>();
      mem.writeU32(pp, buf);
      return capi.d2i_SSL_SESSION(NULL, pp, der.length);
    });
    if (p === NULL) this.#core.fail('sessionFromDER: not a DER SSL_SESSION (d2i_SSL_SESSION)');
    return new Session(this.#core, p);
  }

  /** Reads a session from PEM (PEM_read_bio_SSL_SESSION), e.g. `openssl s_client -sess_out`. */
  sessionFromPEM(pem: string): Session {
    if (typeof pem !== 'string') throw new TypeError('sessionFromPEM: pem must be a string');
    const p = this.#core.withReadBio(pem, bio => this.raw.capi.PEM_read_bio_SSL_SESSION(bio, NULL, NULL, NULL));
    if (p === NULL) this.#core.fail('sessionFromPEM: no SSL SESSION PARAMETERS block (PEM_read_bio_SSL_SESSION)');
    return new Session(this.#core, p);
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
