// Assembles dist/, what the npm package ships: one ESM bundle, the declaration files from tsc, and
// the modules of both OpenSSL lines beside the bundle (3.5's in dist/, 4.0's in dist/4.0/), where the
// loader's default locations `new URL('./openssl-simd.wasm', import.meta.url)`,
// `new URL('./4.0/openssl-simd.wasm', import.meta.url)` and so on find them (and bundlers that
// follow such URLs copy them from).
import { build } from 'esbuild';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const dist = 'dist';
// Each line's modules, from wasm/ (where build.sh writes them) to dist/.
const modules = ['openssl.wasm', 'openssl-simd.wasm', '4.0/openssl.wasm', '4.0/openssl-simd.wasm'];
for (const m of modules) {
  if (!existsSync(`wasm/${m}`)) {
    console.error(`bundle: wasm/${m} is missing: run ./build.sh (it builds both OpenSSL lines)`);
    process.exit(1);
  }
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
// Entry points share one copy of the library through code splitting, so a Session from
// 'openssl-wasm' is the same class as one from 'openssl-wasm/node'. Node built-ins stay imports.
await build({
  entryPoints: { index: 'ts/index.ts', node: 'ts/node.ts', deno: 'ts/deno.ts', cli: 'ts/cli.ts' },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['node:*'],
  // chunks stay beside index.js: the loader finds openssl.wasm relative to its own file
  chunkNames: 'lib-[hash]',
  sourcemap: true,
  logLevel: 'warning',
});
// dist/cli.js is the package's "bin": it keeps ts/cli.ts's `#!/usr/bin/env node` line (esbuild
// preserves an entry's hashbang) and is made executable for running it from a clone.
if (!readFileSync(join(dist, 'cli.js'), 'utf8').startsWith('#!/usr/bin/env node\n')) {
  console.error('bundle: dist/cli.js lacks its #!/usr/bin/env node line');
  process.exit(1);
}
chmodSync(join(dist, 'cli.js'), 0o755);
function copyDeclarations(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyDeclarations(path);
    else if (name.endsWith('.d.ts')) {
      const to = join(dist, relative('build/tsc', path));
      mkdirSync(join(to, '..'), { recursive: true });
      cpSync(path, to);
    }
  }
}
copyDeclarations('build/tsc');
mkdirSync(join(dist, '4.0'));
for (const m of modules) cpSync(`wasm/${m}`, join(dist, m));
// package.json "exports": `require('openssl-wasm')` in a Node that can require ES modules (20.19+,
// 22.12+) takes the "module-sync" condition and gets the ES module itself. An older Node falls
// through to "require": this file, which says what to do instead of failing with
// ERR_REQUIRE_ESM or ERR_PACKAGE_PATH_NOT_EXPORTED.
writeFileSync(join(dist, 'require.cjs'), `'use strict';
// openssl-wasm is an ES module only; see package.json "exports".
throw new Error("openssl-wasm is an ES module and this Node (" + process.version + ") cannot require() ES modules: " +
  "use import ... from 'openssl-wasm' (or await import('openssl-wasm') from CommonJS), or Node 20.19+ / 22.12+, whose require() loads ES modules.");
`);
// The WebSocket-to-TCP relay (package.json "bin": openssl-wasm-relay) is plain Node ESM that
// imports the `ws` dependency at run time: shipped as it is, beside the library.
cpSync('relay/relay.mjs', join(dist, 'relay.mjs'));
chmodSync(join(dist, 'relay.mjs'), 0o755);
console.log(`    dist/: index.js (${statSync(join(dist, 'index.js')).size} bytes), declarations, ${modules.join(', ')}, relay.mjs`);
