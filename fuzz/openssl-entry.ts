// `npm run fuzz:openssl`: OpenSSL's own fuzz entry points (fuzz/server.c, client.c, ... of the pinned
// release), built as wasm modules by scripts/build-openssl-fuzzers.sh, fed mutations of this
// project's corpus (server: fuzz/corpus/server-flight, client: client-flight without its first byte).
// A trap or an abort is a crash: the input is saved to fuzz/crashes/ and the run stops. Node only.
//   npm run fuzz:openssl -- [--target server|client|asn1|x509] [--runs N] [--seconds S] [--seed N]
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCorpus } from './corpus.ts';
import { writeCrash } from './corpus-write.ts';
import { mutate } from './mutate.ts';
import { Prng } from './prng.ts';

const args = process.argv.slice(2);
const opt = (name: string) => { const i = args.indexOf(`--${name}`); return i < 0 ? undefined : args[i + 1]; };
const name = opt('target') ?? 'server';
const runs = Number(opt('runs') ?? (opt('seconds') ? Infinity : 2000));
const seconds = Number(opt('seconds') ?? Infinity);
const seed = Number(opt('seed') ?? 1);
const file = fileURLToPath(new URL(`../build/openssl-fuzz/${name}.wasm`, import.meta.url));
if (!existsSync(file)) { console.error(`no ${file}: run scripts/build-openssl-fuzzers.sh ${name}`); process.exit(2); }

class Exit extends Error {}
let memory: WebAssembly.Memory;
const view = () => new DataView(memory.buffer);
// The few system calls OpenSSL makes here: the clock, entropy (fuzz_rand.c replaces the DRBG), and
// writes to stderr; everything else fails as on a system without files.
const wasi = {
  clock_time_get: (_id: number, _prec: bigint, out: number) => { view().setBigUint64(out, BigInt(Date.now()) * 1_000_000n, true); return 0; },
  fd_write: (_fd: number, iov: number, n: number, written: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) total += view().getUint32(iov + 8 * i + 4, true);
    view().setUint32(written, total, true);
    return 0;
  },
  proc_exit: (code: number) => { throw new Exit(`exit(${code})`); },
  environ_sizes_get: (count: number, size: number) => { view().setUint32(count, 0, true); view().setUint32(size, 0, true); return 0; },
  environ_get: () => 0,
  fd_close: () => 8, fd_read: () => 8, fd_seek: () => 8,
};
const env = new Proxy({
  getentropy: (p: number, n: number) => { crypto.getRandomValues(new Uint8Array(memory.buffer, p, n)); return 0; },
  emscripten_notify_memory_growth: () => undefined,
} as Record<string, unknown>, { get: (t, k: string) => t[k] ?? (() => -52 /* ENOSYS */) });
const { instance } = await WebAssembly.instantiate(readFileSync(file), { env, wasi_snapshot_preview1: wasi } as WebAssembly.Imports);
const ex = instance.exports as { memory: WebAssembly.Memory; _initialize(): void; malloc(n: number): number; free(p: number): void; osw_fuzz_one(p: number, n: number): number };
memory = ex.memory;
ex._initialize();

const corpus = await readCorpus(name === 'client' ? 'client-flight' : name === 'server' ? 'server-flight' : 'session');
const pool = corpus.map(c => (name === 'client' ? c.bytes.subarray(1) : c.bytes));
if (!pool.length) pool.push(new Uint8Array(0));
const r = new Prng(seed);
const t0 = Date.now();
let n = 0, last = t0;
// The corpus first, then mutations of it.
const next = () => (n < pool.length ? pool[n] : n < runs + pool.length && (Date.now() - t0) / 1000 < seconds ? mutate(r.pick(pool), r, pool) : null);
for (let input = next(); input; input = next()) {
  const p = ex.malloc(Math.max(1, input.length));
  new Uint8Array(memory.buffer, p, input.length).set(input);
  try {
    ex.osw_fuzz_one(p, input.length);
  } catch (e) {
    console.error(`${name}: CRASH on input ${n} (${e}); reproducer: ${writeCrash(`openssl-${name}`, input)}`);
    process.exit(1);
  }
  ex.free(p);
  n++;
  if (Date.now() - last >= 10_000) { last = Date.now(); console.log(`  #${n} ${(n / ((last - t0) / 1000)).toFixed(0)} inputs/s, memory ${memory.buffer.byteLength >> 20} MiB`); }
}
const secs = (Date.now() - t0) / 1000;
console.log(`openssl fuzz/${name}.c: ${n} inputs in ${secs.toFixed(0)} s (${(n / secs).toFixed(0)} inputs/s), no crash; memory ${memory.buffer.byteLength >> 20} MiB`);
