// Fails the build when the linked module and wasm/exports.txt disagree, and lists its imports
// so a new one (which ts/loader would have to supply) is seen at once.
import { readFileSync } from 'node:fs';
import { parseExports } from './exports.mjs';

// Usage: node scripts/check-exports.mjs [MODULE [LINE]]   (default wasm/openssl.wasm, line 3.5)
const file = process.argv[2] ?? 'wasm/openssl.wasm';
const line = process.argv[3] ?? '3.5';
const module = new WebAssembly.Module(readFileSync(file));
const got = new Set(WebAssembly.Module.exports(module).map(e => e.name));
const declared = parseExports(undefined, line).map(f => f.name);
const missing = declared.filter(n => !got.has(n));
if (missing.length) {
  console.error(`check-exports: ${file} lacks ${missing.length} declared export(s): ${missing.join(', ')}`);
  console.error('  each must be an OpenSSL function or a shim in wasm/shims.c');
  process.exit(1);
}
const imports = WebAssembly.Module.imports(module).map(i => `${i.module}.${i.name}`);
console.log(`    exports check: all ${declared.length} declared functions of line ${line} exported; imports: ${imports.join(' ')}`);
