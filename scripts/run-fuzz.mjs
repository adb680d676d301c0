// Runs a TypeScript entry of fuzz/ in Node 20: bundled with esbuild like scripts/run-ts.mjs, except
// that each source file keeps its own import.meta.url (the fuzz targets and test/lib find their
// files relative to themselves, at different depths). Used by `npm run fuzz` and `npm run soak`.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) { console.error('usage: node scripts/run-fuzz.mjs FILE.ts [ARGS...]'); process.exit(2); }
const outfile = resolve('build/run', basename(entry).replace(/\.ts$/, '.mjs'));
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async args => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};
await build({
  entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20',
  packages: 'external', plugins: [ownUrl], logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...rest];
await import(pathToFileURL(outfile).href);
