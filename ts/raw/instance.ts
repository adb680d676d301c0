import { CallbackError, InstanceFailedError } from '../errors.ts';
import type { CallbackHandlers, CallbackKind } from './callbacks.ts';
import { EXPORTS, LINE_EXPORTS, LINES, type Capi, type Capi35, type Capi40, type Line } from './exports.generated.ts';
import type { ImportHost } from './imports.ts';
import { WasmMemory } from './memory.ts';
import type { WebAssemblyInstance } from './wasm-types.ts';

/** The names of every function the modules of every line export, as declared in wasm/exports.txt. */
export const EXPORTED_FUNCTIONS: readonly string[] = Object.keys(EXPORTS);

/** The functions a line's modules export: those of every line and the line's own. */
export function exportedFunctions(line: Line): readonly string[] {
  return [...EXPORTED_FUNCTIONS, ...Object.keys(LINE_EXPORTS[line])];
}

/**
 * The line a module was built for: of the lines whose own exports (wasm/exports.txt's `@3.5`/`@4.0`)
 * it has, the one with the most (3.5 has none of its own today). Only the module can say, since a
 * caller may pass any module as `wasm`.
 */
export function moduleLine(exportNames: ReadonlySet<string>): Line | undefined {
  const own = (l: Line) => Object.keys(LINE_EXPORTS[l]);
  return LINES.filter(l => own(l).every(n => exportNames.has(n))).sort((a, b) => own(b).length - own(a).length)[0];
}

/**
 * One instance of the module: the raw layer. `capi` holds every export under its OpenSSL name;
 * its functions never throw for OpenSSL failures (they return OpenSSL's result codes, and the
 * error stack is left for the caller) but they do throw:
 *  - InstanceFailedError, on every call after a trap or any exception unwound through the module;
 *  - CallbackError, from the outermost call during which a JavaScript callback handler threw.
 */
export class RawOpenSSL {
  /**
   * Every export. The functions of one line only (Capi35, Capi40) are there when the module is of
   * that line: ts/raw/lines.ts checks and narrows (`raw.line` says which).
   */
  readonly capi: Capi & Partial<Capi35> & Partial<Capi40>;
  /** The OpenSSL line of this module ('3.5' or '4.0'). */
  readonly line: Line;
  readonly mem: WasmMemory;
  /** Handlers for the callback trampolines (see CallbackHandlers). */
  readonly handlers: Partial<CallbackHandlers>;
  #failed: InstanceFailedError | undefined;
  #depth = 0;
  #callbackError: CallbackError | undefined;

  /** @internal use loadRaw() */
  constructor(readonly instance: WebAssemblyInstance, host: ImportHost) {
    const exports = instance.exports as Record<string, unknown>;
    const memory = exports.memory as WebAssembly.Memory;
    this.handlers = host.handlers;
    host.callbackThrew = (kind: CallbackKind, error: unknown) => {
      // The first error wins: later ones are usually consequences of it.
      this.#callbackError ??= new CallbackError(kind, error);
    };
    const line = moduleLine(new Set(Object.keys(exports)));
    if (!line) throw new Error('openssl-wasm: the module has the exports of no OpenSSL line (3.5, 4.0); it and the loader come from different builds: rebuild with ./build.sh');
    this.line = line;
    const capi: Record<string, unknown> = {};
    for (const [name, kind] of [...Object.entries(EXPORTS), ...Object.entries(LINE_EXPORTS[line])]) {
      const fn = exports[name];
      if (typeof fn !== 'function') {
        throw new Error(`openssl-wasm: the module lacks the export ${name}; it and the loader come from different builds: rebuild with ./build.sh`);
      }
      capi[name] = this.#guard(name, fn as (...a: unknown[]) => unknown, kind);
    }
    this.capi = capi as unknown as Capi & Partial<Capi35> & Partial<Capi40>;
    this.mem = new WasmMemory(memory, this.capi);
    host.mem = this.mem;
    // A reactor module: static constructors run once, before any other call.
    this.#guard('_initialize', exports._initialize as () => void, 'v')();
  }

  /** Why the instance can no longer be used, or undefined while it can. */
  get failed(): InstanceFailedError | undefined {
    return this.#failed;
  }

  #guard(name: string, fn: (...a: unknown[]) => unknown, kind: string): (...a: unknown[]) => unknown {
    return (...args: unknown[]) => {
      if (this.#failed) throw this.#failed;
      let r: unknown;
      this.#depth++;
      try {
        r = fn(...args);
      } catch (e) {
        // Whatever unwound through the module (a trap, a stack overflow, an import that threw)
        // left OpenSSL mid-operation: refuse the instance from now on.
        this.#failed = new InstanceFailedError(name, e);
        throw this.#failed;
      } finally {
        this.#depth--;
      }
      if (this.#depth === 0 && this.#callbackError) {
        const e = this.#callbackError;
        this.#callbackError = undefined;
        throw e;
      }
      return kind === 'u' ? (r as number) >>> 0 : kind === 'U' ? BigInt.asUintN(64, r as bigint) : r;
    };
  }
}
