// Parses wasm/exports.txt, the one declared list of exported C functions, for the link step
// (scripts/link-module.sh), the generated raw layer (scripts/gen-raw.mjs) and nothing else.
// Run directly it prints emcc's EXPORTED_FUNCTIONS list for a line: node scripts/exports.mjs --emcc [--line 4.0]
//
// The OpenSSL lines (3.5, 4.0) differ here and nowhere else: a prototype ending in `@3.5` or `@4.0`
// exists on that line only (a name may be declared once per line, e.g. with 4.0's added `const`).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const exportsFile = fileURLToPath(new URL('../wasm/exports.txt', import.meta.url));

// C integer types whose wasm32 value is an i64, so JavaScript sees a BigInt.
const I64 = new Set(['uint64_t', 'int64_t', 'long long', 'unsigned long long']);
// 32-bit C integer types (time_t is 32 bits in emscripten 3.1.x).
const I32 = new Set(['int', 'unsigned int', 'long', 'unsigned long', 'size_t', 'uint32_t', 'int32_t',
  'uint16_t', 'uint8_t', 'time_t', 'char', 'unsigned char', 'SSL_TICKET_RETURN', 'SSL_TICKET_STATUS']);
const POINTEE = { char: 'char', 'unsigned char': 'u8', uint8_t: 'u8', void: 'void', int: 'i32', 'unsigned int': 'u32',
  size_t: 'size_t', long: 'i32', time_t: 'i32' };

/** The OpenSSL lines this project builds; the first is the default. */
export const LINES = ['3.5', '4.0'];

/** A C type as the raw layer sees it: kind, TypeScript type, and whether the value is unsigned. */
export function classify(ctype) {
  const t = ctype.replace(/\bconst\b/g, '').replace(/\s+/g, ' ').trim();
  const stars = (t.match(/\*/g) || []).length;
  const base = t.replace(/\*/g, '').trim();
  if (stars > 0) {
    // A pointer to a pointer is typed by what it points at: Ptr<'SSL_SESSION*'>.
    const inner = (POINTEE[base] ?? base) + '*'.repeat(stars - 1);
    return { kind: 'ptr', ts: `Ptr<'${inner}'>`, unsigned: true };
  }
  if (base === 'void') return { kind: 'void', ts: 'void', unsigned: false };
  if (/_cb(_ptr)?$/.test(base)) return { kind: 'ptr', ts: `FnPtr<'${base}'>`, unsigned: true };
  if (I64.has(base)) return { kind: 'i64', ts: 'bigint', unsigned: base.startsWith('u') };
  if (I32.has(base)) return { kind: 'i32', ts: 'number', unsigned: /^(unsigned|size_t|uint)/.test(base) };
  throw new Error(`exports.txt: unknown C type '${ctype}'`);
}

/** Splits "const unsigned char **pp" into type and name. */
function parseParam(text) {
  const m = text.trim().match(/^(.*?)([A-Za-z_][A-Za-z0-9_]*)$/);
  if (!m) throw new Error(`exports.txt: cannot read parameter '${text}'`);
  return { ctype: m[1].trim(), name: m[2] };
}

/**
 * Every declared function, each with `line`: undefined (both lines) or the one line it exists on.
 * With `line` given, only the functions of that line.
 */
export function parseExports(text = readFileSync(exportsFile, 'utf8'), line = undefined) {
  if (line !== undefined && !LINES.includes(line)) throw new Error(`exports.txt: no line ${line}; the lines are ${LINES.join(', ')}`);
  const fns = [];
  let section = '';
  const seen = new Set();
  text.split('\n').forEach((raw, i) => {
    const text = raw.trim();
    if (!text || text.startsWith('#')) return;
    const sec = text.match(/^\[(.+)\]$/);
    if (sec) { section = sec[1]; return; }
    const m = text.match(/^(.+?)\b([A-Za-z_][A-Za-z0-9_]*)\((.*)\);(?:\s+@(\S+))?$/);
    if (!m) throw new Error(`exports.txt:${i + 1}: not a prototype: ${text}`);
    const [, retText, name, argText, only] = m;
    if (only !== undefined && !LINES.includes(only)) throw new Error(`exports.txt:${i + 1}: @${only} is not a line (${LINES.join(', ')})`);
    for (const l of only ? [only] : LINES) {
      if (seen.has(`${name}@${l}`)) throw new Error(`exports.txt:${i + 1}: ${name} declared twice for ${l}`);
      seen.add(`${name}@${l}`);
    }
    if (line !== undefined && only !== undefined && only !== line) return;
    const params = argText.trim() === 'void' ? [] : argText.split(',').map(parseParam);
    fns.push({
      name, section, line: only, prototype: text.replace(/;.*$/, ''),
      ret: classify(retText), params: params.map(p => ({ ...p, ...classify(p.ctype) })),
    });
  });
  return fns;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--emcc') {
  const line = process.argv[3] === '--line' ? process.argv[4] : LINES[0];
  console.log(parseExports(undefined, line).map(f => `_${f.name}`).join(','));
}
