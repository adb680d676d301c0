import { CALLBACK_DEFAULTS, type CallbackHandlers, type CallbackKind } from './callbacks.ts';
import type { WasmMemory } from './memory.ts';
import type { Ptr } from './types.ts';
import type { WebAssemblyModule } from './wasm-types.ts';

/** What the imports need from the instance they serve; filled in once the instance exists. */
export interface ImportHost {
  mem: WasmMemory | undefined;
  handlers: Partial<CallbackHandlers>;
  /** Records a handler's exception; the raw layer rethrows it when the outer call returns. */
  callbackThrew(kind: CallbackKind, error: unknown): void;
  stdout(text: string): void;
  stderr(text: string): void;
}

const ENOSYS = 52; // WASI errno values
const EBADF = 8;
const ESPIPE = 70;

/** Largest request crypto.getRandomValues accepts at once. */
const RANDOM_CHUNK = 65536;

/**
 * `crypto.getRandomValues` as it is now, bound to its `crypto`: the loader keeps this one for the
 * instance's life and never reads the mutable global again.
 */
function captureGetRandomValues(): (a: Uint8Array) => unknown {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new Error('openssl-wasm: no crypto.getRandomValues in this runtime, so OpenSSL would have no seed; ' +
      'use Node 18 or later, Deno, or a browser (a secure context)');
  }
  const fn = c.getRandomValues;
  return a => fn.call(c, a as Uint8Array<ArrayBuffer>); // linear memory is never shared (no threads)
}

/**
 * The module's imports. It is linked standalone (no emscripten JS glue), so it needs only WASI's
 * clock, fd and environ calls, getentropy for OpenSSL's seed, the memory-growth notice, the callback
 * trampolines' osw_js_* functions, and a few __syscall_* for files and ids: there is no file system
 * (they answer ENOSYS) and one user (id 0).
 */
export function createImports(module: WebAssemblyModule, host: ImportHost): Record<string, Record<string, unknown>> {
  const mem = (): WasmMemory => {
    if (!host.mem) throw new Error('openssl-wasm: the module called out before it was initialised');
    return host.mem;
  };
  const decoder = new TextDecoder();
  // OpenSSL's seed comes from here: the random source is the one found now, at load, so that code
  // which later replaces the global `crypto` (or its getRandomValues) cannot choose the seed.
  const getRandomValues = captureGetRandomValues();

  const wasi: Record<string, (...a: never[]) => unknown> = {
    clock_time_get(id: number, _precision: bigint, out: number): number {
      // 0 = realtime; the others are monotonic or CPU clocks, for which performance.now() serves.
      const ns = id === 0
        ? BigInt(Date.now()) * 1_000_000n
        : BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
      mem().view.setBigUint64(out, ns, true);
      return 0;
    },
    clock_res_get(_id: number, out: number): number {
      mem().view.setBigUint64(out, 1000n, true);
      return 0;
    },
    fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number): number {
      const m = mem();
      let total = 0;
      let text = '';
      for (let i = 0; i < iovsLen; i++) {
        const base = m.readU32((iovs + i * 8) as Ptr<'u8'>);
        const len = m.readU32((iovs + i * 8 + 4) as Ptr<'u8'>);
        text += decoder.decode(m.u8.subarray(base, base + len), { stream: true });
        total += len;
      }
      if (fd === 1) host.stdout(text);
      else if (fd === 2) host.stderr(text);
      else return EBADF;
      m.writeU32(nwritten as Ptr<'u8'>, total);
      return 0;
    },
    fd_close: () => 0,
    fd_seek: () => ESPIPE,
    fd_read: () => EBADF,
    fd_fdstat_get: () => EBADF,
    environ_sizes_get(count: number, size: number): number {
      mem().writeU32(count as Ptr<'u8'>, 0);
      mem().writeU32(size as Ptr<'u8'>, 0);
      return 0;
    },
    environ_get: () => 0,
    proc_exit(code: number): never {
      throw new Error(`the module called exit(${code})`);
    },
  };

  const env: Record<string, (...a: never[]) => unknown> = {
    // getentropy(3): 0 with all `len` bytes filled, else -1. A range past the end of memory fails
    // as a whole (subarray would clamp it and under-fill), and so does a random source that throws:
    // OpenSSL then has no seed and fails closed (RAND_bytes errors) instead of using what is there.
    getentropy(buf: number, len: number): number {
      const u8 = new Uint8Array(mem().memory.buffer); // typed as ArrayBuffer-backed, as getRandomValues asks
      buf >>>= 0; // wasm32 pointers and size_t are unsigned
      len >>>= 0;
      if (buf + len > u8.length) return -1;
      try {
        for (let off = 0; off < len; off += RANDOM_CHUNK) {
          getRandomValues(u8.subarray(buf + off, buf + Math.min(len, off + RANDOM_CHUNK)));
        }
      } catch {
        u8.fill(0, buf, buf + len);
        return -1;
      }
      return 0;
    },
    emscripten_notify_memory_growth: () => host.mem?.refresh(),
  };
  // One import per callback kind: call the handler, or OpenSSL's default; never let a throw unwind
  // through OpenSSL, which would leave it mid-operation.
  for (const kind of Object.keys(CALLBACK_DEFAULTS) as CallbackKind[]) {
    const defaults = CALLBACK_DEFAULTS[kind] as { none: (...a: unknown[]) => unknown; failed: unknown };
    env[`osw_js_${kind}`] = (...args: unknown[]) => {
      const handler = host.handlers[kind] as ((...a: unknown[]) => unknown) | undefined;
      try {
        return handler ? handler(...args) : defaults.none(...args);
      } catch (e) {
        host.callbackThrew(kind, e);
        return defaults.failed;
      }
    };
  }

  const imports: Record<string, Record<string, unknown>> = {};
  const missing: string[] = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    const table = imp.module === 'wasi_snapshot_preview1' ? wasi : imp.module === 'env' ? env : undefined;
    let fn = table?.[imp.name];
    // OpenSSL's setuid check asks for the user and group ids: one ordinary user, uid = euid = 0.
    if (!fn && imp.module === 'env' && /^__syscall_get(e?uid|e?gid)32$/.test(imp.name)) fn = () => 0;
    if (!fn && imp.module === 'env' && imp.name.startsWith('__syscall_')) fn = () => -ENOSYS;
    if (!fn) { missing.push(`${imp.module}.${imp.name}`); continue; }
    (imports[imp.module] ??= {})[imp.name] = fn;
  }
  if (missing.length) {
    throw new Error(`openssl-wasm: the module imports ${missing.join(', ')}, which this loader does not provide; ` +
      'the module and the loader come from different builds: rebuild with ./build.sh');
  }
  return imports;
}
