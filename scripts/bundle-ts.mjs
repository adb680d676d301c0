// Bundles a TypeScript entry for Node with esbuild, keeping its URLs relative to its source: the
// bundle lives elsewhere, but `new URL('../wasm/...', import.meta.url)` must mean what it did.
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function bundleTs(entry, outfile, extra = {}) {
  await build({
    ...extra,
    entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20',
    packages: 'external', // npm packages load from node_modules, as they would unbundled
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(resolve(entry)).href) },
    logLevel: 'warning',
  });
  return outfile;
}
