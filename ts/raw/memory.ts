import type { Capi } from './exports.generated.ts';
import { OutOfMemoryError } from '../errors.ts';
import { NULL, type Ptr } from './types.ts';
import type { WebAssemblyMemory } from './wasm-types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Whether an ArrayBuffer was detached (transferred with postMessage or structuredClone, or released
 * by the API that owned it). A view on one reads as empty, which would pass for "no bytes" and
 * silently send or parse nothing. `detached` is ES2024; before it, a buffer of length 0 that no new
 * view can be made on is a detached one.
 */
export function isDetached(buffer: ArrayBufferLike): boolean {
  const flag = (buffer as { detached?: boolean }).detached;
  if (typeof flag === 'boolean') return flag;
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * The check for bytes a caller hands in: a Uint8Array (a Node Buffer is one) whose memory is still
 * there. `name` names the parameter in the TypeError, e.g. 'receive: data'.
 */
export function requireBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    const got = value === null ? 'null' : ArrayBuffer.isView(value) || value instanceof ArrayBuffer ? value.constructor.name : typeof value;
    throw new TypeError(`${name} must be a Uint8Array, got ${got}${value instanceof ArrayBuffer ? ' (wrap it: new Uint8Array(buffer))' : ''}`);
  }
  if (isDetached(value.buffer)) {
    throw new TypeError(`${name}: the Uint8Array's ArrayBuffer is detached (it was transferred, e.g. by postMessage, or released), ` +
      'so its bytes are gone; pass bytes that are still readable, such as a copy made before the transfer');
  }
  return value;
}

/**
 * Linear-memory helpers: allocation through the module's own malloc, copies in and out, C strings,
 * and scopes that free what they allocated. Views are re-created after the memory grows, since
 * growing detaches the old ArrayBuffer.
 */
export class WasmMemory {
  #u8: Uint8Array<ArrayBuffer>;
  #dv: DataView;

  constructor(readonly memory: WebAssemblyMemory, private readonly capi: Capi) {
    this.#u8 = new Uint8Array(memory.buffer as ArrayBuffer);
    this.#dv = new DataView(memory.buffer);
  }

  /** Called by the memory-growth import, and lazily whenever a view turns out detached. */
  refresh(): void {
    this.#u8 = new Uint8Array(this.memory.buffer as ArrayBuffer); // never shared: no threads
    this.#dv = new DataView(this.memory.buffer);
  }

  /** The whole of linear memory as bytes (valid until the next allocation may grow memory). Declared
   * plain `Uint8Array`, not `Uint8Array<ArrayBuffer>`: the published types then work before TypeScript 5.7. */
  get u8(): Uint8Array {
    if (this.#u8.byteLength === 0) this.refresh();
    return this.#u8;
  }

  get view(): DataView {
    if (this.#dv.byteLength === 0) this.refresh();
    return this.#dv;
  }

  /** Allocates `size` bytes (at least 1) with malloc; throws an OutOfMemoryError when memory is exhausted. */
  alloc<T extends string = 'u8'>(size: number): Ptr<T> {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`alloc: size must be a non-negative integer, got ${size}`);
    const p = this.capi.malloc(Math.max(size, 1));
    if (p === NULL) throw new OutOfMemoryError(`allocating ${size} bytes of linear memory`);
    return p as number as Ptr<T>;
  }

  free(p: Ptr<string>): void {
    if (p !== NULL) this.capi.free(p);
  }

  /** Zeroes then frees: for buffers that held secrets or plaintext. */
  cleanseAndFree(p: Ptr<string>, size: number): void {
    if (p !== NULL) this.capi.OSW_cleanse_and_free(p, size);
  }

  /** Copies bytes into a new allocation. `name` names them in the TypeError for a detached buffer. */
  copyIn(bytes: Uint8Array, name = 'bytes'): Ptr<'u8'> {
    requireBytes(bytes, name);
    const p = this.alloc(bytes.length);
    this.u8.set(bytes, p);
    return p;
  }

  /** Copies `len` bytes out of linear memory into a new Uint8Array. */
  copyOut(p: Ptr<string>, len: number): Uint8Array {
    return this.u8.slice(p, p + len);
  }

  /** A NUL-terminated UTF-8 string in a new allocation. */
  allocCString(s: string): Ptr<'char'> {
    const bytes = encoder.encode(s);
    if (bytes.includes(0)) throw new TypeError('string passed to C contains a NUL character');
    const p = this.alloc<'char'>(bytes.length + 1);
    const u8 = this.u8;
    u8.set(bytes, p);
    u8[p + bytes.length] = 0;
    return p;
  }

  /** Reads a NUL-terminated string; NULL gives null. */
  readCString(p: Ptr<string>): string | null {
    if (p === NULL) return null;
    const u8 = this.u8;
    const end = u8.indexOf(0, p);
    return decoder.decode(u8.subarray(p, end < 0 ? u8.length : end));
  }

  readU32(p: Ptr<string>): number { return this.view.getUint32(p, true); }
  readI32(p: Ptr<string>): number { return this.view.getInt32(p, true); }
  writeU32(p: Ptr<string>, v: number): void { this.view.setUint32(p, v, true); }
  readPtr<T extends string>(p: Ptr<`${T}*`>): Ptr<T> { return this.view.getUint32(p, true) as Ptr<T>; }

  /**
   * Runs `fn` with a scope whose allocations are all freed when it returns or throws:
   * for out-parameters and temporary strings that do not outlive one call.
   */
  scope<R>(fn: (s: MemoryScope) => R): R {
    const s = new MemoryScope(this);
    try {
      return fn(s);
    } finally {
      s.release();
    }
  }
}

/** Allocations that end together. Buffers marked secret are zeroed before they are freed. */
export class MemoryScope {
  #owned: Array<[Ptr<string>, number, boolean]> = [];
  constructor(readonly mem: WasmMemory) {}

  alloc<T extends string = 'u8'>(size: number, secret = false): Ptr<T> {
    const p = this.mem.alloc<T>(size);
    this.#owned.push([p, size, secret]);
    return p;
  }
  /** A zeroed out-parameter slot of 4 bytes (int, size_t or pointer on wasm32). */
  out<T extends string = 'u32'>(): Ptr<T> {
    const p = this.alloc<T>(4);
    this.mem.writeU32(p, 0);
    return p;
  }
  /** A copy of `data`; `name` names it in the TypeError for bytes that are not there (detached). */
  bytes(data: Uint8Array, secret = false, name = 'bytes'): Ptr<'u8'> {
    requireBytes(data, name);
    const p = this.alloc(data.length, secret);
    this.mem.u8.set(data, p);
    return p;
  }
  cstring(s: string): Ptr<'char'> {
    const p = this.mem.allocCString(s);
    this.#owned.push([p, 0, false]);
    return p;
  }
  release(): void {
    for (const [p, size, secret] of this.#owned.reverse()) {
      if (secret) this.mem.cleanseAndFree(p, size);
      else this.mem.free(p);
    }
    this.#owned = [];
  }
}
