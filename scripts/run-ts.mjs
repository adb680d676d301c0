// Runs a TypeScript file in Node 20 (which cannot run TypeScript itself): bundles it with esbuild
// into build/run/ and imports the result. Used by `npm run demo`.
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleTs } from './bundle-ts.mjs';

const entry = process.argv[2];
if (!entry) { console.error('usage: node scripts/run-ts.mjs FILE.ts'); process.exit(2); }
const outfile = await bundleTs(entry, resolve('build/run', basename(entry).replace(/\.ts$/, '.mjs')));
await import(pathToFileURL(outfile).href);
