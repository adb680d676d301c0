#!/usr/bin/env node
// The package test: what npm users get. Packs the package (`npm pack`, so exactly the files a
// publish would ship), installs the tarball with pinned bundlers and TypeScript (one `npm install`)
// into an empty project in a fresh temp dir, checks its contents, then, one test each:
//   node                 test/package/smoke.ts bundled with 'openssl-wasm' left external (smoke.mjs),
//                        run by node inside the project: loadRaw() with no options, TLS 1.3 + 1.2
//                        full and resumed handshakes
//   deno                 the same smoke.mjs run by `deno run` (bare specifier from node_modules)
//   README imports: …    every `import { … } from 'openssl-wasm…'` in the README's code blocks and
//                        every entry it names (`openssl-wasm/deno`), read from README.md
//                        (readme-imports.mjs): Node ESM; CommonJS require() (Node 20.19+ loads the
//                        ES module; an older Node, simulated with --no-experimental-require-module,
//                        gets package.json's "require" stub, whose message says to use import);
//                        Deno with `npm:` specifiers (deno run --cached-only + deno check; the
//                        project's deno.json says "nodeModulesDir": "manual", so Deno takes the
//                        package from the project's node_modules, offline); TypeScript strict,
//                        NodeNext and Bundler resolution, with the minimum version the README states
//                        and with the repo's own
//   chromium: <bundler>  smoke.mjs bundled into a page by esbuild, Vite (build, and the dev server),
//                        webpack and Rollup (bundlers.mjs), served on 127.0.0.1 and run in headless
//                        Chromium (playwright): the smoke must pass and a .wasm must be fetched
//   README example <n>   each ```ts / ```js block of README.md run as written from the installed
//                        package, in Node (compiled strict by the project's TypeScript), Deno
//                        (deno run --check) and/or Chromium (bundled by esbuild), after a prelude
//                        that gives it certPem/keyPem/caPem and maps the hosts it names to local
//                        servers (readme-examples.mjs, readme-prelude*.mjs)
// Ends with one line `N passed, N failed`; exits non-zero on any failure. Every wait is bounded.
//
// Usage: node test/package/run.mjs [--tarball FILE.tgz] [--keep]
//   --tarball  test this tarball instead of packing the working tree (e.g. a broken copy)
//   --keep     keep the temp dir (its path is printed) for a look afterwards
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer as createNetServer } from 'node:net';
import { build } from 'esbuild';
import { bundlers, copyModules, moduleScript, MODULES } from './bundlers.mjs';
import { readmeImports } from './readme-imports.mjs';
import { exampleTestName, readmeBlocks, runReadmeExamples } from './readme-examples.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const smokeEntry = join(root, 'test/package/smoke.ts');
const helpersFile = join(root, 'examples/raw-tls.ts');
const cacheDir = join(root, 'node_modules/.cache');
const denoBin = join(root, 'node_modules/.bin/deno');
const SMOKE_PREFIX = 'SMOKE_RESULT ';
const LIMIT = { npm: 300_000, run: 60_000, browserLaunch: 30_000, page: 30_000, browserResult: 60_000, devServer: 30_000, overall: 900_000 };
// What the temp project installs beside the tarball, pinned, in the same `npm install`. TS_MIN is
// the oldest TypeScript the README promises (5.2: the README's examples use `using`, and the
// declarations Symbol.dispose and a getter and setter of different types); the repo's own
// TypeScript (7) is the newest. redis: the README's fleet example imports it.
const TS_MIN = '5.2.2';
const PROJECT_DEPS = ['vite@8.4.0', 'webpack@5.113.0', 'webpack-cli@7.3.1', 'rollup@4.68.8', '@rollup/plugin-node-resolve@16.0.3',
  `typescript@${TS_MIN}`, '@types/node@20.19.43', 'redis@5.12.1'];
const repoTsc = join(root, 'node_modules/typescript/bin/tsc');

// ---- arguments ------------------------------------------------------------------------------
const argv = process.argv.slice(2);
let tarballArg, keep = false;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--tarball' && argv[i + 1]) tarballArg = resolve(argv[++i]);
  else if (argv[i] === '--keep') keep = true;
  else {
    console.error(`usage: node test/package/run.mjs [--tarball FILE.tgz] [--keep]  (unknown argument "${argv[i]}")`);
    process.exit(2);
  }
}

// ---- output -----------------------------------------------------------------------------------
const imports = readmeImports(join(root, 'README.md'));
const readmeExamples = readmeBlocks(join(root, 'README.md'));
const tsConfigs = ['NodeNext', 'Node16', 'Bundler', 'NodeNext, no dom lib', 'Bundler, browser, no @types/node'];
const tests = ['node', 'deno',
  'README imports: Node ESM', 'README imports: CommonJS require', 'README imports: Deno npm:',
  ...tsConfigs.flatMap((c) => [`README imports: TypeScript ${TS_MIN} ${c}`, `README imports: TypeScript (repo's) ${c}`]),
  'chromium: esbuild', ...Object.keys(bundlers).map((b) => `chromium: ${b}`), 'chromium: vite dev',
  ...readmeExamples.examples.filter((b) => !b.notRun).map(exampleTestName)];
const results = new Map(); // test -> { ok, why }
let setupOk = true; // pack/install/contents: every runtime test depends on them
const line = (ok, what, why) => console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${why ? `: ${why}` : ''}`);
const detail = (text) => console.log(`       ${text}`);
function setupCheck(ok, what, why) {
  line(ok, what, ok ? undefined : why);
  if (!ok) setupOk = false;
  return ok;
}

// ---- child processes, each bounded ------------------------------------------------------------
const children = new Set();
function killTree(child) {
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
}
/** Runs a command to completion or `timeout` ms; returns { code, out, err, timedOut }. */
function run(cmd, args, { cwd, env = {}, timeout = LIMIT.run } = {}) {
  return new Promise((resolvePromise) => {
    let child;
    try {
      // Own process group, so a timeout kills whatever the command started too.
      child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      resolvePromise({ code: -1, out: '', err: String(e), timedOut: false });
      return;
    }
    children.add(child);
    let out = '', err = '', timedOut = false;
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    const timer = setTimeout(() => { timedOut = true; killTree(child); }, timeout);
    child.on('error', (e) => { err += String(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolvePromise({ code: code ?? (signal ? 128 : 1), out, err, timedOut });
    });
  });
}
const lastLines = (text, n = 8) => text.trim().split('\n').slice(-n).join('\n       ');
const npmNoise = (text) => text.split('\n').filter((l) => l && !/^npm (warn|notice)/.test(l)).join('\n');
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000}s`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// ---- the temp project -------------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'openssl-wasm-package-'));
const project = join(tmp, 'project');
const installed = join(project, 'node_modules/openssl-wasm');
let browser;
async function cleanup() {
  for (const c of children) killTree(c);
  await browser?.close().catch(() => {});
  if (keep) console.log(`(kept ${tmp})`);
  else rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => { cleanup().finally(() => process.exit(130)); });
}
const watchdog = setTimeout(() => {
  console.log(`FAIL package test: still running after ${LIMIT.overall / 1000}s, giving up`);
  console.log(`0 passed, ${tests.length} failed`);
  cleanup().finally(() => process.exit(1));
}, LIMIT.overall);
watchdog.unref();

/** The smoke's result from its `SMOKE_RESULT {json}` line, or a failed result explaining why not. */
function parseSmoke(r) {
  const text = r.out.split('\n').filter((l) => l.startsWith(SMOKE_PREFIX)).at(-1);
  if (r.timedOut) return { ok: false, checks: [], error: `timed out after ${LIMIT.run / 1000}s` };
  if (!text) return { ok: false, checks: [], error: `no ${SMOKE_PREFIX.trim()} line (exit code ${r.code}): ${lastLines(r.err || r.out)}` };
  try {
    const result = JSON.parse(text.slice(SMOKE_PREFIX.length));
    if (result.ok && r.code !== 0) return { ...result, ok: false, error: `exit code ${r.code}: ${lastLines(r.err)}` };
    return result;
  } catch (e) {
    return { ok: false, checks: [], error: `unreadable result (${e.message})` };
  }
}

function report(test, result, extra = [], what = 'installed package, loadRaw() with no options, TLS 1.3 + 1.2 full and resumed handshakes') {
  console.log(`-- ${test}`);
  for (const c of result.checks ?? []) detail(`- ${c}`);
  for (const c of extra) detail(`- ${c}`);
  let ok = Boolean(result.ok), why = result.error;
  if (ok && !setupOk) { ok = false; why = 'the smoke passed, but the package checks above failed'; }
  results.set(test, { ok, why });
  line(ok, `${test}: ${what}`, ok ? undefined : why);
}

// ---- bundling the smoke -----------------------------------------------------------------------
// examples/raw-tls.ts imports '../ts/index.ts' (the source). Here it must get the installed
// package instead, like the smoke itself: redirect it to the bare 'openssl-wasm'.
function redirectToPackage({ resolveDirOfPackage } = {}) {
  return {
    name: 'openssl-wasm-from-package',
    setup(b) {
      b.onResolve({ filter: /^(\.\.\/ts\/index\.ts|openssl-wasm)$/ }, async (args) => {
        if (args.pluginData?.fromRedirect) return undefined;
        if (args.path !== 'openssl-wasm' && resolve(args.importer) !== helpersFile) {
          return { errors: [{ text: `unexpected import of the sources (${args.path}) from ${args.importer}` }] };
        }
        if (!resolveDirOfPackage) return { path: 'openssl-wasm', external: true };
        const r = await b.resolve('openssl-wasm', { kind: args.kind, resolveDir: resolveDirOfPackage, pluginData: { fromRedirect: true } });
        if (r.errors.length) return { errors: r.errors };
        if (!r.path.startsWith(installed + sep)) {
          return { errors: [{ text: `'openssl-wasm' resolved to ${r.path}, not inside the installed package ${installed}` }] };
        }
        return r;
      });
    },
  };
}
async function bundleSmoke(outfile, platform) {
  const result = await withTimeout(build({
    entryPoints: [smokeEntry],
    outfile,
    bundle: true,
    format: 'esm', // the browser bundle needs import.meta.url too: an IIFE would have none
    platform: platform === 'browser' ? 'browser' : 'neutral',
    target: 'es2022',
    external: platform === 'browser' ? [] : ['openssl-wasm'],
    loader: { '.pem': 'text', '.key': 'text' },
    plugins: [redirectToPackage(platform === 'browser' ? { resolveDirOfPackage: project } : {})],
    metafile: true,
    logLevel: 'silent',
  }), LIMIT.run, 'esbuild');
  // Nothing from the working tree's sources or dist/ may end up in a bundle.
  const fromSource = Object.keys(result.metafile.inputs)
    .map((p) => resolve(root, p))
    .filter((p) => p.startsWith(join(root, 'ts') + sep) || p.startsWith(join(root, 'dist') + sep));
  if (fromSource.length) throw new Error(`the bundle contains the working tree's ${fromSource.map((p) => relative(root, p)).join(', ')}`);
  return result;
}

// ---- 1. pack and install ----------------------------------------------------------------------
async function packAndInstall() {
  console.log(`temp dir: ${tmp}`);
  let tarball;
  if (tarballArg) {
    if (!setupCheck(existsSync(tarballArg), `tarball ${tarballArg} exists`, 'not found')) return false;
    tarball = join(tmp, basename(tarballArg));
    copyFileSync(tarballArg, tarball);
    line(true, `using the given tarball ${tarballArg}`);
  } else {
    if (!setupCheck(existsSync(join(root, 'dist/index.js')) && existsSync(join(root, 'dist/openssl.wasm')) && existsSync(join(root, 'dist/openssl-simd.wasm')),
      'dist/ is built', 'dist/index.js, dist/openssl.wasm or dist/openssl-simd.wasm is missing: run ./build.sh')) return false;
    const r = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, timeout: LIMIT.npm });
    let packed;
    try { packed = JSON.parse(r.out)[0]; } catch { /* reported below */ }
    if (!setupCheck(r.code === 0 && packed?.filename, 'npm pack', `exit code ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${lastLines(npmNoise(r.err) || r.out)}`)) return false;
    tarball = join(tmp, packed.filename);
    // Exactly what a publish ships: dist/, README.md, LICENSE and package.json, nothing else.
    const files = packed.files.map((f) => f.path);
    const stray = files.filter((f) => !/^(dist\/.+|README\.md|LICENSE|package\.json)$/.test(f));
    setupCheck(stray.length === 0, `tarball ${packed.filename} (${files.length} files, ${(packed.size / 1e6).toFixed(2)} MB) holds only dist/, README.md, LICENSE, package.json`,
      `also ${stray.join(', ')}`);
    for (const f of ['README.md', 'LICENSE']) if (!files.includes(f)) line(true, `(note: the tarball has no ${f})`);
  }
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'openssl-wasm-package-test', private: true, type: 'module' }, null, 2)}\n`);
  // Deno: use this node_modules as it is ("bring your own node_modules"), so `npm:openssl-wasm`
  // resolves to the installed tarball with no registry.
  writeFileSync(join(project, 'deno.json'), `${JSON.stringify({ nodeModulesDir: 'manual' }, null, 2)}\n`);
  console.log(`installing the tarball and ${PROJECT_DEPS.join(' ')} ...`);
  const r = await run('npm', ['install', tarball, ...PROJECT_DEPS, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, timeout: LIMIT.npm });
  return setupCheck(r.code === 0 && existsSync(installed), `npm install <tarball> ${PROJECT_DEPS.join(' ')} into an empty project`,
    `exit code ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${lastLines(npmNoise(r.err) || r.out)}`);
}

// ---- 2. the installed package's contents ------------------------------------------------------
function checkContents() {
  for (const f of ['dist/index.js', 'dist/index.d.ts', ...MODULES.map((m) => `dist/${m}`)]) {
    const p = join(installed, f);
    setupCheck(existsSync(p) && statSync(p).size > 0, `installed package has ${f}`, 'missing or empty');
  }
  let pkg;
  try { pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')); } catch (e) {
    setupCheck(false, 'installed package.json', e.message);
    return;
  }
  const main = pkg.exports?.['.'];
  setupCheck(pkg.type === 'module', 'package.json "type": "module"', `is ${JSON.stringify(pkg.type)}`);
  setupCheck(main && typeof main === 'object' && main.default === './dist/index.js' && main.types === './dist/index.d.ts' &&
    Object.keys(main)[0] === 'types',
  'package.json "exports" ".": types ./dist/index.d.ts (first), default ./dist/index.js', `is ${JSON.stringify(main)}`);
  // Every target the exports map names must be in the package.
  const targets = [];
  const collect = (v) => { if (typeof v === 'string') targets.push(v); else if (v && typeof v === 'object') Object.values(v).forEach(collect); };
  collect(pkg.exports);
  const missing = targets.filter((t) => !existsSync(join(installed, t)));
  setupCheck(targets.length > 0 && missing.length === 0, `every "exports" target exists (${targets.join(', ')})`, `missing ${missing.join(', ')}`);
}

// ---- 3a. Node ---------------------------------------------------------------------------------
const neutralBundle = () => join(project, 'smoke.mjs'); // inside the project: 'openssl-wasm' resolves from its node_modules
async function testNode() {
  const r = await run(process.execPath, [neutralBundle()], { cwd: project });
  report('node', parseSmoke(r), [`node ${process.version}, openssl-wasm from ${relative(project, installed)}`]);
}

// ---- 3b. Deno ---------------------------------------------------------------------------------
async function testDeno() {
  const env = { DENO_DIR: join(cacheDir, 'deno'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' };
  const extra = [];
  // Verify where Deno takes the bare 'openssl-wasm' from: the project's node_modules.
  const info = await run(denoBin, ['info', '--json', neutralBundle()], { cwd: project, env });
  let resolvedTo;
  try {
    const graph = JSON.parse(info.out);
    const dep = graph.modules.find((m) => m.specifier === pathToFileURL(neutralBundle()).href)?.dependencies?.find((d) => d.specifier === 'openssl-wasm');
    resolvedTo = dep?.code?.specifier;
  } catch { /* reported below */ }
  const expected = pathToFileURL(join(installed, 'dist/index.js')).href;
  if (resolvedTo !== expected) {
    report('deno', { ok: false, checks: [], error: `deno info: 'openssl-wasm' resolves to ${resolvedTo ?? `nothing (${lastLines(info.err || info.out, 3)})`}, expected ${expected}` });
    return;
  }
  extra.push(`deno info: 'openssl-wasm' -> ${relative(project, fileURLToPath(resolvedTo))}`);
  const r = await run(denoBin, ['run', '--allow-read', neutralBundle()], { cwd: project, env });
  const version = (await run(denoBin, ['--version'], { env })).out.split('\n')[0];
  extra.unshift(version);
  report('deno', parseSmoke(r), extra);
}

// ---- 3c. the README's imports -------------------------------------------------------------------
// Each is written out as a user would: the README's own import statements (a runtime check that
// every name it takes is defined), plus a namespace import of each entry named only in prose.
const codeEntries = () => imports.specifiers.filter((s) => !s.endsWith('.wasm'));
const wasmEntries = () => imports.specifiers.filter((s) => s.endsWith('.wasm'));
function esmProgram(prefix = '') {
  const lines = [], checks = [];
  imports.statements.forEach((st, i) => {
    const names = st.names.filter((n) => !n.type);
    lines.push(`import { ${names.map((n) => `${n.imported} as i${i}_${n.local}`).join(', ')} } from '${prefix}${st.specifier}';`);
    for (const n of names) checks.push(`['${st.specifier}', '${n.imported}', i${i}_${n.local}]`);
  });
  codeEntries().forEach((spec, i) => {
    lines.push(`import * as ns${i} from '${prefix}${spec}';`);
    checks.push(`['${spec}', '*', Object.keys(ns${i}).length ? ns${i} : undefined]`);
  });
  lines.push(`const missing = [${checks.join(', ')}].filter(([, , v]) => v === undefined).map(([s, n]) => s + ': ' + n);`,
    `if (missing.length) throw new Error('undefined: ' + missing.join(', '));`,
    `console.log('IMPORTS_OK ${imports.statements.length} statements, entries ${codeEntries().join(' ')}');`);
  return lines.join('\n') + '\n';
}
function importsResult(test, r, what, extra = []) {
  const ok = r.code === 0 && !r.timedOut && r.out.includes('IMPORTS_OK');
  report(test, { ok, checks: [], error: ok ? undefined : `exit code ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${lastLines(r.err || r.out)}` },
    ok ? [r.out.trim().split('\n').at(-1).replace(/^IMPORTS_OK\s*/, ''), ...extra].filter(Boolean) : extra, what);
}
async function testImportsNode() {
  writeFileSync(join(project, 'imports.mjs'), esmProgram());
  const r = await run(process.execPath, ['imports.mjs'], { cwd: project });
  // The two modules are exported as files: they must resolve to files in the package.
  const resolved = [];
  for (const spec of wasmEntries()) {
    const res = await run(process.execPath, ['--input-type=module', '-e', `console.log(import.meta.resolve(${JSON.stringify(spec)}))`], { cwd: project });
    const file = res.code === 0 ? fileURLToPath(res.out.trim()) : '';
    if (!file || !existsSync(file)) { r.code = r.code || 1; r.err += `\n${spec} does not resolve to a file: ${lastLines(res.err || res.out, 2)}`; }
    else resolved.push(`${spec} -> ${relative(project, file)}`);
  }
  importsResult('README imports: Node ESM', r, `the README's ${imports.statements.length} import statements and ${imports.specifiers.length} entries from the installed package`, resolved);
}
async function testImportsRequire() {
  const lines = imports.statements.map((st, i) =>
    `{ const m = require('${st.specifier}'); for (const n of ${JSON.stringify(st.names.filter((n) => !n.type).map((n) => n.imported))}) if (m[n] === undefined) throw new Error('${st.specifier}: ' + n + ' is undefined'); }`);
  writeFileSync(join(project, 'imports.cjs'), `${lines.join('\n')}\nconsole.log('IMPORTS_OK require() of ${[...new Set(imports.statements.map((s) => s.specifier))].join(' ')}');\n`);
  const r = await run(process.execPath, ['imports.cjs'], { cwd: project });
  // A Node without require(esm) (before 20.19; simulated) gets the "require" condition's message.
  const old = await run(process.execPath, ['--no-experimental-require-module', '-e', "require('openssl-wasm')"], { cwd: project });
  const stub = /is an ES module[^\n]*use import/.test(old.err);
  if (!stub) { r.code = r.code || 1; r.err += `\nwithout require(esm), require('openssl-wasm') did not say to use import: ${lastLines(old.err || old.out, 3)}`; }
  importsResult('README imports: CommonJS require', r, `require() loads the ES module (Node ${process.version}); without require(esm) a clear error`,
    stub ? [`--no-experimental-require-module: ${old.err.split('\n').find((l) => l.startsWith('Error: openssl-wasm'))?.trim()}`] : []);
}
async function testImportsDeno() {
  const env = { DENO_DIR: join(cacheDir, 'deno'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' };
  writeFileSync(join(project, 'imports-deno.ts'), esmProgram('npm:'));
  // --cached-only: nothing may come from a registry; the npm: specifiers resolve to node_modules.
  const r = await run(denoBin, ['run', '--cached-only', '--allow-read', '--allow-env', 'imports-deno.ts'], { cwd: project, env });
  const extra = [];
  if (r.code === 0) {
    // Where the npm: specifiers went: the installed tarball, not a registry.
    const info = await run(denoBin, ['info', '--json', 'imports-deno.ts'], { cwd: project, env });
    let to;
    try {
      const graph = JSON.parse(info.out);
      const main = graph.modules.find((m) => m.specifier?.endsWith('/imports-deno.ts'));
      to = main.dependencies.find((d) => d.specifier === 'npm:openssl-wasm')?.code?.specifier;
    } catch { /* reported below */ }
    const expected = pathToFileURL(join(installed, 'dist/index.js')).href;
    if (to !== expected) { r.code = 1; r.err += `\ndeno info: npm:openssl-wasm -> ${to ?? lastLines(info.err || info.out, 3)}, expected ${expected}`; }
    else extra.push(`deno info: npm:openssl-wasm -> ${relative(project, fileURLToPath(to))} (deno.json "nodeModulesDir": "manual")`);
    const check = await run(denoBin, ['check', 'imports-deno.ts'], { cwd: project, env });
    if (check.code !== 0) { r.code = check.code; r.err += `\ndeno check: ${lastLines(check.err || check.out)}`; }
    else extra.push('deno check imports-deno.ts: clean');
  }
  importsResult('README imports: Deno npm:', r, 'the README\'s imports as npm: specifiers, deno run --cached-only and deno check', extra);
}
async function testImportsTypeScript() {
  // The README's statements as they are, each in its own module (they reuse names), plus the
  // prose-only entries; strict, no skipLibCheck, so the package's own declarations are checked too.
  const files = imports.statements.map((st, i) => {
    const used = st.names.filter((n) => !n.type).map((n) => n.local);
    // tsc resolves the bare name; Deno's `npm:` form is checked by deno check above.
    writeFileSync(join(project, `imports-${i}.ts`), `${st.text.replace(/(['"])npm:/, '$1')};\nexport const used = [${used.join(', ')}];\n`);
    return `imports-${i}.ts`;
  });
  writeFileSync(join(project, 'imports-entries.ts'),
    `${codeEntries().map((spec, i) => `import * as ns${i} from '${spec}';`).join('\n')}\nexport const used = [${codeEntries().map((_, i) => `ns${i}`).join(', ')}];\n`);
  files.push('imports-entries.ts');
  const base = { strict: true, target: 'es2022', noEmit: true, types: ['node'], skipLibCheck: false };
  const configs = {
    NodeNext: { ...base, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'] },
    Node16: { ...base, module: 'node16', moduleResolution: 'node16', lib: ['es2022', 'dom'] },
    Bundler: { ...base, module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'] },
    // A Node project without the DOM lib: @types/node has the web globals but not WebAssembly,
    // which the declarations name only through ts/raw/wasm-types.ts.
    'NodeNext, no dom lib': { ...base, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'] },
    // A browser project: no @types/node (which also declares Symbol.dispose), so the lib has to.
    'Bundler, browser, no @types/node': { ...base, module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom', 'esnext.disposable'], types: [] },
  };
  const browserFiles = imports.statements.map((st, i) => st.specifier === 'openssl-wasm' ? `imports-${i}.ts` : undefined).filter(Boolean);
  const compilers = [[TS_MIN, join(project, 'node_modules/typescript/bin/tsc')], ["(repo's)", repoTsc]];
  for (const [name, compilerOptions] of Object.entries(configs)) {
    const file = `tsconfig.${name.replace(/\W+/g, '-')}.json`;
    writeFileSync(join(project, file), JSON.stringify({ compilerOptions, files: compilerOptions.types.length ? files : browserFiles }, null, 2));
    for (const [version, tsc] of compilers) {
      const r = await run(process.execPath, [tsc, '-p', file], { cwd: project });
      const v = (await run(process.execPath, [tsc, '--version'], { cwd: project })).out.trim();
      if (r.code === 0) r.out += '\nIMPORTS_OK';
      importsResult(`README imports: TypeScript ${version} ${name}`, { ...r, err: r.out || r.err }, `${v}, strict, ${JSON.stringify({ module: compilerOptions.module, moduleResolution: compilerOptions.moduleResolution, lib: compilerOptions.lib, types: compilerOptions.types, skipLibCheck: compilerOptions.skipLibCheck })}`);
    }
  }
}

// ---- 3d. Chromium: the smoke bundled by each bundler ------------------------------------------
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json' };
function serve(dir) {
  return new Promise((resolvePromise, reject) => {
    const s = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const file = join(dir, path === '/' ? 'index.html' : path);
      const type = TYPES[extname(file)];
      const found = file.startsWith(dir + sep) && type && existsSync(file) && statSync(file).isFile();
      if (!found) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(readFileSync(file));
    });
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => resolvePromise(s));
  });
}
const writePage = (file, script) => writeFileSync(file, `<!doctype html>
<meta charset="utf-8">
<title>openssl-wasm package smoke</title>
<link rel="icon" href="data:,">
<script>
  // Report what would otherwise only be a console message, so the runner never waits in vain.
  const fail = (error) => { globalThis.__opensslWasmSmoke ??= { ok: false, checks: [], error }; };
  addEventListener('error', (e) => fail('uncaught: ' + e.message));
  addEventListener('unhandledrejection', (e) => fail('unhandled rejection: ' + (e.reason?.message ?? e.reason)));
</script>
${script}
`);
async function launchBrowser() {
  if (browser) return browser;
  const { chromium } = await import('playwright');
  const chromiumHome = join(cacheDir, 'chromium');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: LIMIT.browserLaunch,
    env: { ...process.env, XDG_CONFIG_HOME: join(chromiumHome, 'config'), XDG_CACHE_HOME: join(chromiumHome, 'cache') },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return browser;
}
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
let moduleHashes;
/** Which of the installed package's two modules `bytes` are, by content. */
function moduleNamed(bytes) {
  moduleHashes ??= new Map(MODULES.map((m) => [sha256(readFileSync(join(installed, 'dist', m))), m]));
  return moduleHashes.get(sha256(bytes)) ?? 'not one of the package\'s modules';
}
/** Opens `url`, waits (bounded) for the smoke's result; passes if it passed and the SIMD module came as application/wasm. */
async function runPage(test, url, extra) {
  const logs = [], wasm = [];
  let page;
  try {
    const b = await launchBrowser();
    extra.push(`chromium ${b.version()}, ${url}`);
    page = await b.newPage();
    page.setDefaultTimeout(LIMIT.page);
    page.on('console', (m) => { if (!m.text().startsWith(SMOKE_PREFIX)) logs.push(`console.${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    // Each .wasm response, and which of the package's modules its bytes are (bundlers rename them).
    const bodies = [];
    page.on('response', (r) => {
      if (!/\.wasm(\?|$)/.test(new URL(r.url()).pathname)) return;
      const entry = `${r.status()} ${r.headers()['content-type']} ${new URL(r.url()).pathname}`;
      bodies.push(r.body().then((b) => { wasm.push(`${entry} (${moduleNamed(b)})`); }, () => { wasm.push(`${entry} (no body)`); }));
    });
    await page.goto(url, { timeout: LIMIT.page });
    await page.waitForFunction(() => globalThis.__opensslWasmSmoke !== undefined, null, { timeout: LIMIT.browserResult, polling: 100 });
    const result = await page.evaluate(() => globalThis.__opensslWasmSmoke);
    await withTimeout(Promise.all(bodies), LIMIT.page, 'reading the .wasm responses');
    extra.push(`fetched ${wasm.join('; ') || 'no .wasm'}`);
    // Chromium has SIMD128: the loader's default is the SIMD build, served as application/wasm.
    if (result.ok && !['openssl-simd.wasm', '4.0/openssl-simd.wasm'].every((m) => wasm.some((w) => w.startsWith('200 application/wasm') && w.endsWith(`(${m})`)))) {
      result.ok = false;
      result.error = 'the smoke passed without fetching the package\'s openssl-simd.wasm and 4.0/openssl-simd.wasm as application/wasm';
    }
    if (!result.ok) extra.push(...logs.slice(-8));
    report(test, result, extra);
  } catch (e) {
    report(test, { ok: false, checks: [], error: e.message.split('\n')[0] }, [...extra, `fetched ${wasm.join('; ') || 'no .wasm'}`, ...logs.slice(-8)]);
  } finally {
    await page?.close().catch(() => {});
  }
}
async function servePage(test, dir, extra) {
  const s = await serve(dir);
  servers.add(s);
  try {
    await runPage(test, `http://127.0.0.1:${s.address().port}/`, extra);
  } finally {
    s.closeAllConnections?.();
    s.close();
    servers.delete(s);
  }
}
async function testEsbuild() {
  // esbuild leaves `new URL('./openssl-simd.wasm', import.meta.url)` pointing beside its bundle:
  // the README says to copy the two modules there.
  const web = join(tmp, 'web-esbuild');
  mkdirSync(web);
  try {
    await bundleSmoke(join(web, 'smoke.js'), 'browser');
    copyModules(installed, web);
    writePage(join(web, 'index.html'), moduleScript('./smoke.js'));
  } catch (e) {
    report('chromium: esbuild', { ok: false, checks: [], error: `bundling: ${e.message}` });
    return;
  }
  await servePage('chromium: esbuild', web, ['esbuild --bundle --format=esm; the .wasm files copied beside smoke.js (4.0\'s in 4.0/)']);
}
async function testBundler(name) {
  const test = `chromium: ${name}`;
  console.log(`   (building with ${name} ...)`);
  let built;
  try {
    built = await bundlers[name]({ project, installed, run, writePage, moduleNamed });
  } catch (e) {
    report(test, { ok: false, checks: [], error: e.message });
    return;
  }
  await servePage(test, built.dir, built.notes);
}
function freePort() {
  return new Promise((resolvePromise, reject) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolvePromise(port)); });
    s.on('error', reject);
  });
}
async function testViteDev() {
  const test = 'chromium: vite dev';
  // index.html was written by the vite build test; the dev server serves the project root.
  const port = await freePort();
  const child = spawn(join(project, 'node_modules/.bin/vite'), ['--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    { cwd: project, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  try {
    await withTimeout(new Promise((resolvePromise, reject) => {
      const poll = setInterval(() => { if (out.includes(`127.0.0.1:${port}`)) { clearInterval(poll); resolvePromise(); } }, 100);
      child.on('close', (code) => { clearInterval(poll); reject(new Error(`vite exited (${code}): ${lastLines(out)}`)); });
    }), LIMIT.devServer, 'the vite dev server');
    await runPage(test, `http://127.0.0.1:${port}/`, ['vite (dev server, dependency pre-bundling on)']);
  } catch (e) {
    report(test, { ok: false, checks: [], error: e.message }, [lastLines(out)]);
  } finally {
    killTree(child);
    children.delete(child);
  }
}

// ---- 4. the README's examples, run as written ------------------------------------------------------
async function testReadmeExamples() {
  const denoEnv = { DENO_DIR: join(cacheDir, 'deno'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' };
  await runReadmeExamples(readmeExamples, {
    root, project, tmp, installed, run, build, launchBrowser, denoBin, denoEnv,
    serve, tsc: join(project, 'node_modules/typescript/bin/tsc'), tscNewest: repoTsc,
  }, (test, result, extra, what) => report(test, { ok: result.ok, checks: [], error: result.error }, extra, what));
}

// ---- main -------------------------------------------------------------------------------------
const servers = new Set();
try {
  if (await packAndInstall()) {
    checkContents();
    let bundled = false;
    try {
      await bundleSmoke(neutralBundle(), 'neutral');
      bundled = true;
    } catch (e) {
      for (const t of tests.filter((t) => t === 'node' || t === 'deno' || t.startsWith('chromium: ') && t !== 'chromium: esbuild')) {
        report(t, { ok: false, checks: [], error: `bundling the smoke: ${e.message}` });
      }
    }
    if (bundled) {
      await testNode();
      await testDeno();
    }
    await testImportsNode();
    await testImportsRequire();
    await testImportsDeno();
    await testImportsTypeScript();
    await testEsbuild();
    if (bundled) {
      for (const name of Object.keys(bundlers)) await testBundler(name);
      await testViteDev();
    }
    await testReadmeExamples();
  }
} catch (e) {
  line(false, 'package test', e.stack ?? String(e));
} finally {
  for (const s of servers) { s.closeAllConnections?.(); s.close(); }
  await cleanup();
  clearTimeout(watchdog);
}
for (const t of tests) {
  if (!results.has(t)) { results.set(t, { ok: false }); line(false, `${t}: not run`, 'the package could not be packed or installed'); }
}
const passed = tests.filter((t) => results.get(t).ok).length;
const failed = tests.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && setupOk ? 0 : 1;
