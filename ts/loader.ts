import { OutOfMemoryError } from './errors.ts';
import { createImports, type ImportHost } from './raw/imports.ts';
import { RawOpenSSL } from './raw/instance.ts';
import { DEFAULT_LINE, isLine, type Line } from './raw/lines.ts';
import type { WebAssemblyModule } from './raw/wasm-types.ts';

/**
 * Where the module comes from. By default `openssl-simd.wasm` (or, without SIMD, `openssl.wasm`) beside this file, read the way the runtime
 * reads files (Node: fs, Deno: Deno.readFile, browsers: fetch + instantiateStreaming). A host that
 * cannot do that (a bundler without asset handling, a worker with no fetch) passes the module itself.
 */
export type WasmSource =
  | URL
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Response
  | PromiseLike<Response>
  | WebAssemblyModule;

export interface LoadOptions {
  /**
   * The OpenSSL line: '3.5' (the default, long-term support) or '4.0' (adds Encrypted Client Hello).
   * Picks the default module location (4.0's modules live in `4.0/` beside this file and are fetched
   * only when asked for). With `wasm` given, the module must be of this line.
   */
  line?: Line;
  /**
   * The module: a URL, its bytes, a Response, or a compiled WebAssembly.Module. By default the SIMD
   * build beside this file where the engine supports SIMD128 (every current browser, Node, Deno),
   * else the plain one.
   */
  wasm?: WasmSource;
  /** With the default location: `false` loads the plain module even where SIMD is supported. */
  simd?: boolean;
  /** Where the module's stdout and stderr go (OpenSSL rarely writes; default: console). */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

declare const Deno: { readFile(path: string | URL): Promise<Uint8Array> } | undefined;

// The smallest modules using a SIMD128 instruction (i8x16.popcnt, from the final SIMD proposal) and
// a bulk-memory one (memory.copy): engines that validate both get openssl-simd.wasm.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
const BULK_MEMORY_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1, 10, 14, 1, 12, 0, 65, 0, 65, 0, 65, 0, 252, 10, 0, 0, 11]);
let simd: boolean | undefined;

/** Whether this engine runs wasm/openssl-simd.wasm (SIMD128 and bulk memory); it is then the default. */
export function supportsSimd(): boolean {
  simd ??= WebAssembly.validate(SIMD_PROBE) && WebAssembly.validate(BULK_MEMORY_PROBE);
  return simd;
}

// Two literal `new URL('./…', import.meta.url)` expressions, one per module, and the choice made
// between the results at run time: bundlers that follow such URLs (Vite, webpack 5) see only this literal
// form, copy each file into their output and rewrite the URL to the copy; a conditional inside the
// `new URL(...)` would leave both files behind and the page fetching a 404.
const defaultLocation = (line: Line, useSimd: boolean): URL =>
  line === '4.0'
    ? (useSimd ? new URL('./4.0/openssl-simd.wasm', import.meta.url) : new URL('./4.0/openssl.wasm', import.meta.url))
    : (useSimd ? new URL('./openssl-simd.wasm', import.meta.url) : new URL('./openssl.wasm', import.meta.url));

// Compiling is the slow part of loading; instances are cheap. Keep one compiled module per URL.
const compiled = new Map<string, Promise<WebAssembly.Module>>();

async function readFileURL(url: URL): Promise<Uint8Array> {
  if (typeof Deno !== 'undefined') return Deno.readFile(url); // Deno also defines `process`: ask it first
  const nodeFs = 'node:fs/promises'; // a variable, so bundlers for browsers leave it alone
  const { readFile } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeFs)) as { readFile(u: URL): Promise<Uint8Array> };
  return readFile(url);
}

async function compileResponse(res: Response): Promise<WebAssembly.Module> {
  if (!res.ok) throw new Error(`fetching ${res.url} gave HTTP ${res.status}`);
  // instantiateStreaming wants application/wasm; a server that says otherwise still gets served.
  if (typeof WebAssembly.compileStreaming === 'function' && res.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(res);
  }
  const bytes = await res.arrayBuffer();
  // A dev server or SPA fallback answers a missing file with its HTML page and status 200: say so,
  // rather than leave WebAssembly's "expected magic word" to explain it.
  const magic = new Uint8Array(bytes, 0, Math.min(4, bytes.byteLength));
  if (magic.length < 4 || magic[0] !== 0 || magic[1] !== 0x61 || magic[2] !== 0x73 || magic[3] !== 0x6d) {
    throw new Error(`${res.url || 'the response'} is not a WebAssembly module (content-type ${res.headers.get('content-type') ?? 'none'}, ${bytes.byteLength} bytes): the server does not serve the file there`);
  }
  return WebAssembly.compile(bytes);
}

async function compileFrom(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer) return WebAssembly.compile(source);
  if (ArrayBuffer.isView(source)) {
    return WebAssembly.compile(new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice());
  }
  if (typeof source === 'string' || source instanceof URL) {
    const url = new URL(source, typeof location !== 'undefined' ? location.href : import.meta.url);
    let p = compiled.get(url.href);
    if (!p) {
      p = url.protocol === 'file:'
        ? readFileURL(url).then(bytes => WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>))
        : fetch(url).then(compileResponse);
      p.catch(() => compiled.delete(url.href));
      compiled.set(url.href, p);
    }
    return p;
  }
  return compileResponse(await source);
}

/** How many times, and after how long, a load that found no room for a new memory tries again. */
const MEMORY_RETRY_DELAYS_MS = [0, 20, 100, 400];

/**
 * WebAssembly.instantiate, tried again when the engine had no room for the instance's memory.
 * Every instance's memory reserves address space (about 10 GiB in V8, for its guard regions), and
 * Chromium fits only about 120 of them at once, counting instances that are unreachable but not yet
 * collected. An instance stays reachable until the end of the task in which a WeakRef to one of its
 * objects was made or read (this library keeps WeakRefs to its contexts and connections), so a
 * loop that loads instances without letting the event loop turn pins every one of them: V8's own
 * retry (a full collection) cannot free them, while a retry after a timer can.
 */
async function instantiate(module: WebAssembly.Module, imports: WebAssembly.Imports): Promise<WebAssembly.Instance> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await WebAssembly.instantiate(module, imports);
    } catch (e) {
      if (!(e instanceof RangeError) || !/memory/i.test(e.message)) throw e;
      const delay = MEMORY_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        throw new OutOfMemoryError('loading a new instance (the engine has no room for another WebAssembly memory: ' +
          `${e.message}). Instances not yet garbage-collected count; share one instance rather than loading one per ` +
          'use, and drop the references to instances no longer needed', [], { cause: e, instance: false });
      }
      await new Promise(resolve => setTimeout(resolve, delay));
    }
  }
}

/**
 * Loads a new, independent instance of OpenSSL and returns its raw layer: `capi` (every export under
 * its OpenSSL name) and `mem` (linear-memory helpers). Each instance has its own memory, error
 * stack and session caches.
 */
export async function loadRaw(options: LoadOptions = {}): Promise<RawOpenSSL> {
  if (options.line !== undefined && !isLine(options.line)) {
    throw new TypeError(`loadRaw: line must be '3.5' or '4.0', not ${JSON.stringify(options.line)}`);
  }
  const line = options.line ?? DEFAULT_LINE;
  const beside = line === '4.0' ? '4.0/openssl.wasm and 4.0/openssl-simd.wasm are' : 'openssl.wasm and openssl-simd.wasm are';
  let module: WebAssembly.Module;
  try {
    module = await compileFrom(options.wasm ?? defaultLocation(line, options.simd !== false && supportsSimd()));
  } catch (e) {
    throw new Error(`openssl-wasm: could not load the module (${e instanceof Error ? e.message : String(e)}); ` +
      `if ${beside} not served beside this script, pass { wasm: URL | bytes | WebAssembly.Module }`, { cause: e });
  }
  const host: ImportHost = {
    mem: undefined,
    handlers: {},
    callbackThrew: () => undefined,
    stdout: options.stdout ?? (t => console.log(t.replace(/\n$/, ''))),
    stderr: options.stderr ?? (t => console.error(t.replace(/\n$/, ''))),
  };
  // Plain WebAssembly.instantiate: a helper that also accepts a Response would have to look at the
  // global `Response`, and in Node the first look at it loads the whole fetch implementation (undici),
  // which measured ~40 ms of a cold start.
  const instance = await instantiate(module, createImports(module, host) as WebAssembly.Imports);
  const raw = new RawOpenSSL(instance, host);
  if (options.line !== undefined && raw.line !== options.line) {
    throw new TypeError(`loadRaw: line '${options.line}' was asked for, but the module given as wasm is of the ${raw.line} line`);
  }
  return raw;
}
