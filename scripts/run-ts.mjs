// Runs a TypeScript file in Node 20 (which cannot run TypeScript itself): bundles it with esbuild
// into build/ and imports the result. Used by `npm run demo`.
import { build } from 'esbuild';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = process.argv[2];
if (!entry) { console.error('usage: node scripts/run-ts.mjs FILE.ts'); process.exit(2); }
const outfile = resolve('build/run', basename(entry).replace(/\.ts$/, '.mjs'));
// The bundle lives in build/run/, but the script's URLs (new URL('../wasm/...', import.meta.url))
// are relative to where its source is: give it the source's URL.
await build({
  entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20',
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(resolve(entry)).href) },
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
