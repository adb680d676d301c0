// Pre-initialises a linked module in place (see wasm/preinit.c for why): instantiates it, runs its
// start-up code and OSW_preinit(), and writes the resulting linear memory back as the module's data.
// Instances of the result skip `_initialize` (ts/loader sees the custom section added here).
// The instance's imports throw, except an empty environment and the memory-growth notice: above all
// getentropy and the clocks, so no seed or time can end up in the image shipped to every user.
// Usage: node scripts/preinit.mjs MODULE.wasm
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const PREINIT_SECTION = 'openssl-wasm:preinitialized'; // ts/loader.ts checks for it
const file = process.argv[2];
const bytes = readFileSync(file);
const module = new WebAssembly.Module(bytes);
if (WebAssembly.Module.customSections(module, PREINIT_SECTION).length) {
  console.error(`preinit: ${file} is pre-initialised already`);
  process.exit(1);
}

let memory;
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.kind !== 'function') continue;
  (imports[imp.module] ??= {})[imp.name] = (...args) => {
    if (imp.name === 'environ_sizes_get') {
      const view = new DataView(memory.buffer);
      view.setUint32(args[0], 0, true);
      view.setUint32(args[1], 0, true);
      return 0;
    }
    if (imp.name === 'environ_get' || imp.name === 'emscripten_notify_memory_growth') return 0;
    throw new Error(`preinit: the module called ${imp.module}.${imp.name} during pre-initialisation; ` +
      'wasm/preinit.c must not (see its comment)');
  };
}
const { exports } = new WebAssembly.Instance(module, imports);
memory = exports.memory;
exports._initialize();
if (exports.OSW_preinit() !== 1) throw new Error('preinit: OSW_preinit() failed');

// The image: linear memory up to its last non-zero byte, as runs of non-zero bytes (runs closer
// than GAP bytes merged, since each segment costs a few bytes of header).
const GAP = 64;
const image = new Uint8Array(memory.buffer);
let end = image.length;
while (end > 0 && image[end - 1] === 0) end--;
const segments = [];
for (let i = 0; i < end;) {
  while (i < end && image[i] === 0) i++;
  if (i >= end) break;
  let last = i, zeros = 0, k = i;
  for (; k < end && zeros <= GAP; k++) {
    if (image[k] === 0) zeros++;
    else { zeros = 0; last = k + 1; }
  }
  segments.push([i, last]);
  i = last;
}

const uleb = (n) => { const o = []; do { let b = n % 128; n = Math.floor(n / 128); if (n) b |= 0x80; o.push(b); } while (n); return o; };
const sleb = (n) => { const o = []; for (;;) { const b = n & 0x7f; n >>= 7; if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) { o.push(b); return o; } o.push(b | 0x80); } };
const section = (id, body) => Buffer.concat([Buffer.from([id, ...uleb(body.length)]), body]);

// Active segments into memory 0 at constant offsets: flag 0, `i32.const OFFSET end`, size, bytes.
const data = Buffer.concat([Buffer.from(uleb(segments.length)), ...segments.flatMap(([s, e]) =>
  [Buffer.from([0, 0x41, ...sleb(s), 0x0b, ...uleb(e - s)]), Buffer.from(image.subarray(s, e))])]);
const pages = Math.ceil(memory.buffer.byteLength / 65536);

const out = [bytes.subarray(0, 8)];
let p = 8;
const readU = () => { let r = 0, s = 0, x; do { x = bytes[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
while (p < bytes.length) {
  const start = p, id = bytes[p++], len = readU(), next = p + len;
  if (id === 11) out.push(section(11, data));
  else if (id === 12) out.push(section(12, Buffer.from(uleb(segments.length)))); // data count
  else if (id === 5) { // memory: count 1, limits (flags 0: min; flags 1: min, max); raise min if it grew
    const count = readU(), flags = readU(), min = readU();
    if (count !== 1 || flags > 1) throw new Error('preinit: expected one memory with plain limits');
    const max = flags === 1 ? uleb(readU()) : [];
    out.push(section(5, Buffer.from([1, flags, ...uleb(Math.max(min, pages)), ...max])));
  } else {
    // Globals are not part of the image: the module may have one mutable global only, the stack
    // pointer, which is back at its initial value whenever no call is running.
    if (id === 6) {
      const n = readU();
      let mutable = 0;
      for (let i = 0; i < n; i++) { p++; mutable += bytes[p++]; while (bytes[p++] !== 0x0b); }
      if (mutable > 1) throw new Error(`preinit: ${mutable} mutable globals; only the stack pointer is expected`);
    }
    out.push(bytes.subarray(start, next));
  }
  p = next;
}
const name = Buffer.from(PREINIT_SECTION);
out.push(section(0, Buffer.concat([Buffer.from(uleb(name.length)), name])));
const result = Buffer.concat(out);
new WebAssembly.Module(result); // still a valid module
writeFileSync(file, result);
const gz = (b) => `${(gzipSync(b, { level: 9 }).length / 1024).toFixed(0)} KB gz`;
console.log(`    preinit: ${segments.length} data segments; ${(bytes.length / 1024).toFixed(0)} KB (${gz(bytes)}) -> ` +
  `${(result.length / 1024).toFixed(0)} KB (${gz(result)})`);
