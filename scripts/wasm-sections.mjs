// Compares two wasm modules section by section and names where they differ, with the printable
// text around each difference (a date, a path): how the cause of an unreproducible build is found
// without wabt. Usage: node scripts/wasm-sections.mjs A.wasm B.wasm   (exit 1 when they differ)
import { readFileSync } from 'node:fs';

const NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];

function sections(bytes) {
  const out = [];
  let p = 8;
  const leb = () => { let v = 0, shift = 0, b; do { b = bytes[p++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return v; };
  while (p < bytes.length) {
    const id = bytes[p++], size = leb(), start = p;
    let name = NAMES[id] ?? `id ${id}`;
    if (id === 0) { const n = leb(); name = `custom "${new TextDecoder().decode(bytes.subarray(p, p + n))}"`; }
    out.push({ name, start, end: start + size });
    p = start + size;
  }
  return out;
}

const printable = b => String.fromCharCode(...b).replace(/[^\x20-\x7e]/g, '.');
const [a, b] = process.argv.slice(2).map(f => new Uint8Array(readFileSync(f)));
const sa = sections(a), sb = sections(b);
let differ = a.length !== b.length || sa.length !== sb.length;
if (differ) console.log(`sizes ${a.length} and ${b.length}, ${sa.length} and ${sb.length} sections`);
for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
  const x = a.subarray(sa[i].start, sa[i].end), y = b.subarray(sb[i].start, sb[i].end);
  if (x.length === y.length && x.every((v, j) => v === y[j])) continue;
  differ = true;
  const offsets = [];
  for (let j = 0; j < Math.min(x.length, y.length) && offsets.length < 1000; j++) if (x[j] !== y[j]) offsets.push(j);
  console.log(`section ${i} (${sa[i].name}): ${x.length} / ${y.length} bytes, ${offsets.length} differing byte(s)`);
  let last = -100;
  for (const o of offsets) {
    if (o - last > 32) console.log(`  at +${o}: "${printable(x.subarray(Math.max(0, o - 24), o + 24))}"\n          vs "${printable(y.subarray(Math.max(0, o - 24), o + 24))}"`);
    last = o;
  }
}
console.log(differ ? 'the modules differ' : 'the modules are identical');
process.exit(differ ? 1 : 0);
