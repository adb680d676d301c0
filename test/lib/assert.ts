// Minimal runtime-neutral assertions: node:assert is unavailable in the browser and
// vitest's expect is unavailable in Deno, so tests use only this module.

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

// Compact rendering for failure messages; bytes are shown as hex because that is how
// crypto outputs are usually compared by eye.
function show(v: unknown): string {
  if (v instanceof Uint8Array) {
    const hex = Array.from(v.subarray(0, 64), (b) => b.toString(16).padStart(2, '0')).join('');
    return `Uint8Array(${v.length}) ${hex}${v.length > 64 ? '…' : ''}`;
  }
  if (typeof v === 'string') return JSON.stringify(v.length > 500 ? v.slice(0, 500) + '…' : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return `[Function ${v.name || 'anonymous'}]`;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (v !== null && typeof v === 'object') {
    try {
      return JSON.stringify(v, (_k, x) =>
        typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? show(x) : x);
    } catch {
      return Object.prototype.toString.call(v);
    }
  }
  return String(v);
}

function fail(msg: string | undefined, detail: string): never {
  throw new AssertionError(msg ? `${msg}: ${detail}` : detail);
}

export function ok(v: unknown, msg?: string): asserts v {
  if (!v) fail(msg, `expected truthy value, got ${show(v)}`);
}

export function equal<T>(actual: T, expected: T, msg?: string): void {
  if (!Object.is(actual, expected)) {
    fail(msg, `not equal\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`);
  }
}

export function notEqual<T>(actual: T, expected: T, msg?: string): void {
  if (Object.is(actual, expected)) fail(msg, `expected values to differ, both are ${show(actual)}`);
}

// Returns the path of the first difference, or null when equal. Only what tests need:
// primitives, arrays, Uint8Array (byte-wise; other typed arrays are not compared) and plain objects.
function diff(a: unknown, b: unknown, path: string): string | null {
  if (Object.is(a, b)) return null;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array)) return path;
    if (a.length !== b.length) return `${path}.length`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}[${i}]`;
    return null;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b))) return path;
    if (a.length !== b.length) return `${path}.length`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return path;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path} (prototype)`;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return `${path} (keys ${show(ka)} vs ${show(kb)})`;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return `${path}.${k}`;
    const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

export function deepEqual<T>(actual: T, expected: T, msg?: string): void {
  const d = diff(actual, expected, '$');
  if (d !== null) {
    fail(msg, `not deep-equal at ${d}\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`);
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

function checkError(err: unknown, expected: ErrorClass | RegExp | undefined, msg?: string): void {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    const text = err instanceof Error ? err.message : String(err);
    if (!expected.test(text)) fail(msg, `error ${show(err)} does not match ${expected}`);
  } else if (!(err instanceof expected)) {
    fail(msg, `expected ${expected.name}, got ${show(err)}`);
  }
}

// Returns the thrown value so callers can inspect codes/fields beyond the message.
export function throws(fn: () => unknown, expected?: ErrorClass | RegExp, msg?: string): unknown {
  try {
    fn();
  } catch (err) {
    checkError(err, expected, msg);
    return err;
  }
  return fail(msg, 'expected function to throw, it returned normally');
}

export async function rejects(
  promiseOrFn: Promise<unknown> | (() => Promise<unknown>),
  expected?: ErrorClass | RegExp,
  msg?: string,
): Promise<unknown> {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    checkError(err, expected, msg);
    return err;
  }
  return fail(msg, 'expected promise to reject, it resolved');
}

export function match(actual: string, re: RegExp, msg?: string): void {
  if (typeof actual !== 'string' || !re.test(actual)) fail(msg, `${show(actual)} does not match ${re}`);
}
