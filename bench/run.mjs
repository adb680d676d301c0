#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --wasm FILE] [-- --only handshakes,bulk,size,memory,live,cold,fleet,deno,chromium,forge,load,idle,cold-browser] [-- --bulk bulk-aes128gcm,bulk-chacha20] [-- --no-warmup]`
// Node 20 runs no TypeScript: bundle bench/main.ts (and the sources it imports) with esbuild into
// build/bench/, then run it. Packages stay external (resolved from node_modules as usual).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'build/bench/main.mjs');
await build({
  entryPoints: [join(root, 'bench/main.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20',
  packages: 'external', loader: { '.pem': 'text', '.key': 'text' }, logLevel: 'warning',
});
process.env.BENCH_ROOT = root;
await import(pathToFileURL(outfile).href);
