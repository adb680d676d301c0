// How each bundler turns the installed package into a page, each with its command line and no
// configuration file: the page entry is the smoke (smoke.mjs in the temp project, which imports the
// bare 'openssl-wasm'), and the loader's four literal `new URL('./[4.0/]openssl[-simd].wasm',
// import.meta.url)` expressions are what each bundler must follow to ship the modules of both lines.
//   Vite 8 (build and dev server), webpack 5: follow them, emit the .wasm files, rewrite the URLs.
//   Rollup 4 (with @rollup/plugin-node-resolve, without which it cannot find a bare import) and
//   esbuild: leave them pointing beside the bundle; the README says to copy the files there,
//   and these tests do exactly that.
// Each build returns { dir, script, notes }: the directory to serve and the page's <script> tag.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const moduleScript = (src) => `<script type="module" src="${src}" onerror="fail('could not load ${src}')"></script>`;
// webpack's default output is a classic script: its automatic publicPath reads document.currentScript,
// which a module script does not set.
const classicScript = (src) => `<script src="${src}" onerror="fail('could not load ${src}')"></script>`;

/** The package's modules: each OpenSSL line's two (3.5's beside the bundle, 4.0's in 4.0/). */
export const MODULES = ['openssl.wasm', 'openssl-simd.wasm', '4.0/openssl.wasm', '4.0/openssl-simd.wasm'];

/** Copies the installed package's modules into `dir`, as the README tells Rollup and esbuild users. */
export function copyModules(installed, dir) {
  mkdirSync(join(dir, '4.0'), { recursive: true });
  for (const m of MODULES) copyFileSync(join(installed, 'dist', m), join(dir, m));
}

const wasmFiles = (dir) => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.wasm')).map(String);
/** Checks that a bundler emitted the package's modules, both lines' (by content: it renames them). */
function emittedBoth(dir, moduleNamed, bundler) {
  const files = wasmFiles(dir);
  const named = files.map((f) => `${f} (${moduleNamed(readFileSync(join(dir, f)))})`);
  const found = new Set(named.map((n) => n.slice(n.lastIndexOf('(') + 1, -1)));
  if (files.length !== MODULES.length || !MODULES.every((m) => found.has(m))) {
    throw new Error(`${bundler} emitted ${files.length} .wasm files${files.length ? `: ${named.join(', ')}` : ''}; expected the package's ${MODULES.join(', ')}`);
  }
  return named.join(', ');
}

/** Fails with the command's own output when it did not succeed. */
function must(r, what) {
  if (r.code !== 0 || r.timedOut) {
    throw new Error(`${what}: exit code ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${(r.err || r.out).trim().split('\n').slice(-8).join(' | ')}`);
  }
  return r;
}

export const bundlers = {
  async 'vite build'({ project, run, writePage, moduleNamed }) {
    // index.html at the project root, as in a Vite app; Vite bundles what its <script> imports.
    writePage(join(project, 'index.html'), moduleScript('/smoke.mjs'));
    const r = must(await run(join(project, 'node_modules/.bin/vite'), ['build', '--outDir', 'out-vite', '--emptyOutDir', '--logLevel', 'warn'], { cwd: project }), 'vite build');
    const dir = join(project, 'out-vite');
    let emitted;
    try { emitted = emittedBoth(dir, moduleNamed, 'vite build'); } catch (e) { throw new Error(`${e.message}${r.err ? `; ${r.err.trim()}` : ''}`); }
    return { dir, notes: [`vite build emitted ${emitted}`] };
  },
  async webpack({ project, run, writePage, moduleNamed }) {
    const r = must(await run(join(project, 'node_modules/.bin/webpack'), ['--mode', 'production', '--entry', './smoke.mjs', '--output-path', 'out-webpack', '--no-color'], { cwd: project }), 'webpack');
    // Warnings about the package itself (not the generic asset-size advice) mean it needs configuring.
    const own = [...r.out.matchAll(/^WARNING in \.\/node_modules\/openssl-wasm\/.*\n.*$/gm)].map((m) => m[0].replace('\n', ': '));
    if (own.length) throw new Error(`webpack warned about the package: ${own.join('; ')}`);
    const dir = join(project, 'out-webpack');
    const emitted = emittedBoth(dir, moduleNamed, 'webpack');
    writePage(join(dir, 'index.html'), classicScript('./main.js'));
    return { dir, notes: [`webpack emitted ${emitted}, no warning about the package`] };
  },
  async rollup({ project, installed, run, writePage }) {
    const dir = join(project, 'out-rollup');
    must(await run(join(project, 'node_modules/.bin/rollup'), ['smoke.mjs', '--plugin', '@rollup/plugin-node-resolve', '--format', 'es', '--dir', dir, '--silent'], { cwd: project }), 'rollup');
    if (!existsSync(join(dir, 'smoke.js'))) throw new Error('rollup wrote no smoke.js');
    copyModules(installed, dir);
    writePage(join(dir, 'index.html'), moduleScript('./smoke.js'));
    return { dir, notes: ['rollup -p @rollup/plugin-node-resolve; the .wasm files copied beside smoke.js, those of 4.0 in 4.0/ (Rollup has no asset handling of its own)'] };
  },
};
