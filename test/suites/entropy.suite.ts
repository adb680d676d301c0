// OpenSSL's seed: the getentropy import (ts/raw/imports.ts) fills exactly the range asked for or
// fails, and keeps the crypto.getRandomValues it found when the instance was made (issue 16).
import { loadRaw } from '../../ts/index.ts';
import { createImports, type ImportHost } from '../../ts/raw/imports.ts';
import { equal, ok } from '../lib/assert.ts';
import { readURL, wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';

type GetEntropy = (buf: number, len: number) => number;

/** Runs `body` with globalThis.crypto.getRandomValues replaced by `replacement`, then puts it back. */
async function withGetRandomValues<R>(replacement: (a: Uint8Array) => Uint8Array, body: () => R | Promise<R>): Promise<R> {
  const own = Object.getOwnPropertyDescriptor(crypto, 'getRandomValues');
  Object.defineProperty(crypto, 'getRandomValues', { value: replacement, configurable: true, writable: true });
  try {
    return await body();
  } finally {
    if (own) Object.defineProperty(crypto, 'getRandomValues', own);
    else delete (crypto as { getRandomValues?: unknown }).getRandomValues;
  }
}

/** The getentropy import made for a loaded instance's memory (as the loader makes it). */
async function entropyImport(): Promise<{ getentropy: GetEntropy; memory: () => Uint8Array }> {
  const raw = await loadRaw({ wasm: wasmURL });
  const module = await WebAssembly.compile(await readURL(wasmURL));
  const host: ImportHost = { mem: raw.mem, handlers: {}, callbackThrew: () => undefined, stdout: () => undefined, stderr: () => undefined };
  const env = createImports(module, host).env as { getentropy: GetEntropy };
  return { getentropy: env.getentropy, memory: () => new Uint8Array(raw.mem.memory.buffer) };
}

suite('getentropy', test => {
  test('fills exactly the bytes asked for', async () => {
    const { getentropy, memory } = await entropyImport();
    const buf = memory().length - 64; // the end of memory, past anything malloc handed out yet
    memory().fill(0, buf - 1, buf + 33);
    equal(getentropy(buf, 32), 0, 'in bounds: 0');
    ok(memory().subarray(buf, buf + 32).some(b => b !== 0), 'the 32 bytes are filled');
    equal(memory()[buf - 1], 0, 'the byte before is untouched');
    equal(memory()[buf + 32], 0, 'the byte after is untouched');
  });

  test('a range past the end of memory fails as a whole, filling nothing', async () => {
    const { getentropy, memory } = await entropyImport();
    const size = memory().length;
    memory().fill(0, size - 16);
    equal(getentropy(size - 16, 32), -1, '16 bytes in, 16 past the end: -1');
    ok(memory().subarray(size - 16).every(b => b === 0), 'the 16 bytes that are there were not filled');
    equal(getentropy(size, 1), -1, 'one byte at the end: -1');
    equal(getentropy(0xfffffff0, 32), -1, 'a pointer past memory (and a sum past 2^32): -1');
    equal(getentropy(size, 0), 0, 'nothing at the end: 0');
  });

  test('a random source that throws fails the call', async () => {
    // The instance captures the source it finds at load: here, one that throws.
    const { getentropy } = await withGetRandomValues(() => { throw new Error('no entropy'); }, entropyImport);
    equal(getentropy(1024, 32), -1);
  });

  test('replacing crypto.getRandomValues after load does not reach the seed', async () => {
    const raw = await loadRaw({ wasm: wasmURL });
    let calls = 0;
    const zeros = (a: Uint8Array) => { calls++; a.fill(0); return a; };
    const out = await withGetRandomValues(zeros, () => raw.mem.scope(s => {
      // The first RAND_bytes of an instance seeds OpenSSL's DRBG through getentropy.
      const p = s.alloc(32);
      equal(raw.capi.RAND_bytes(p, 32), 1, 'RAND_bytes');
      return raw.mem.copyOut(p, 32);
    }));
    equal(calls, 0, 'the replacement was never called');
    ok(out.some(b => b !== 0), 'random bytes');
    // Control: an instance loaded while the replacement is in place does use it.
    const before = calls;
    await withGetRandomValues(zeros, async () => {
      const other = await loadRaw({ wasm: wasmURL });
      other.mem.scope(s => equal(other.capi.RAND_bytes(s.alloc(32), 32), 1, 'RAND_bytes'));
    });
    ok(calls > before, 'an instance loaded with the replacement in place seeds from it');
  });
});
