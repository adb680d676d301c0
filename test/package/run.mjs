#!/usr/bin/env node
// The package test: what npm users get. Packs the package (`npm pack`, so exactly the files a
// publish would ship), installs the tarball into an empty project in a fresh temp dir, checks its
// contents, then runs test/package/smoke.ts against the INSTALLED package three ways, one test each:
//   node      the smoke bundled with 'openssl-wasm' left external, run by node inside the project
//   deno      the same bundle run by `deno run --allow-read` inside the project (Deno 2 resolves bare
//             specifiers from node_modules/ when there is a package.json)
//   chromium  the smoke bundled for the browser with the package bundled in from the project's
//             node_modules, the package's two modules copied beside the bundle (the default
//             location is `new URL('./openssl-simd.wasm', import.meta.url)` where SIMD is supported,
//             and import.meta.url is the bundle's URL now), served from 127.0.0.1 and opened in headless Chromium (playwright)
// The smoke loads with no options, so the package's default wasm location is what gets tested.
// Ends with one line `N passed, N failed`; exits non-zero on any failure. Every wait is bounded.
//
// Usage: node test/package/run.mjs [--tarball FILE.tgz] [--keep]
//   --tarball  test this tarball instead of packing the working tree (e.g. a broken copy)
//   --keep     keep the temp dir (its path is printed) for a look afterwards
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const smokeEntry = join(root, 'test/package/smoke.ts');
const helpersFile = join(root, 'examples/raw-tls.ts');
const cacheDir = join(root, 'node_modules/.cache');
const denoBin = join(root, 'node_modules/.bin/deno');
const SMOKE_PREFIX = 'SMOKE_RESULT ';
const LIMIT = { npm: 180_000, run: 60_000, browserLaunch: 30_000, page: 30_000, browserResult: 60_000, overall: 600_000 };

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
const tests = ['node', 'deno', 'chromium'];
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
let server, browser;
async function cleanup() {
  for (const c of children) killTree(c);
  await browser?.close().catch(() => {});
  server?.closeAllConnections?.();
  server?.close();
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

function report(test, result, extra = []) {
  console.log(`-- ${test}`);
  for (const c of result.checks ?? []) detail(`- ${c}`);
  for (const c of extra) detail(`- ${c}`);
  let ok = Boolean(result.ok), why = result.error;
  if (ok && !setupOk) { ok = false; why = 'the smoke passed, but the package checks above failed'; }
  results.set(test, { ok, why });
  line(ok, `${test}: installed package, loadRaw() with no options, TLS 1.3 + 1.2 full and resumed handshakes`, ok ? undefined : why);
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
  const r = await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, timeout: LIMIT.npm });
  return setupCheck(r.code === 0 && existsSync(installed), 'npm install <tarball> into an empty project',
    `exit code ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${lastLines(npmNoise(r.err) || r.out)}`);
}

// ---- 2. the installed package's contents ------------------------------------------------------
function checkContents() {
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/openssl.wasm', 'dist/openssl-simd.wasm']) {
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

// ---- 3c. Chromium -----------------------------------------------------------------------------
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json' };
function serve(dir, requests) {
  return new Promise((resolvePromise, reject) => {
    const s = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const file = join(dir, path === '/' ? 'index.html' : path);
      const type = TYPES[extname(file)];
      const found = file.startsWith(dir + sep) && type && existsSync(file) && statSync(file).isFile();
      requests.push(`${req.method} ${path} ${found ? 200 : 404}${found ? ` ${type.split(';')[0]}` : ''}`);
      if (!found) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(readFileSync(file));
    });
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => resolvePromise(s));
  });
}
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>openssl-wasm package smoke</title>
<link rel="icon" href="data:,">
<script>
  // Report what would otherwise only be a console message, so the runner never waits in vain.
  const fail = (error) => { globalThis.__opensslWasmSmoke ??= { ok: false, checks: [], error }; };
  addEventListener('error', (e) => fail('uncaught: ' + e.message));
  addEventListener('unhandledrejection', (e) => fail('unhandled rejection: ' + (e.reason?.message ?? e.reason)));
</script>
<script type="module" src="./smoke.js" onerror="fail('could not load smoke.js')"></script>
`;
async function testChromium() {
  const web = join(tmp, 'web');
  mkdirSync(web);
  const extra = [];
  try {
    await bundleSmoke(join(web, 'smoke.js'), 'browser');
    // The package is bundled into smoke.js, so its import.meta.url is smoke.js's URL: the default
    // location is beside the bundle, where the user has to put the package's two modules; Chromium
    // has SIMD, so it fetches /openssl-simd.wasm.
    for (const m of ['openssl.wasm', 'openssl-simd.wasm']) {
      const wasm = join(installed, 'dist', m);
      if (existsSync(wasm)) copyFileSync(wasm, join(web, m));
      else extra.push(`(the installed package has no dist/${m} to copy)`);
    }
    writeFileSync(join(web, 'index.html'), PAGE);
  } catch (e) {
    report('chromium', { ok: false, checks: [], error: `bundling for the browser: ${e.message}` });
    return;
  }
  const requests = [], logs = [];
  try {
    server = await serve(web, requests);
    const { chromium } = await import('playwright');
    const chromiumHome = join(cacheDir, 'chromium');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      timeout: LIMIT.browserLaunch,
      env: { ...process.env, XDG_CONFIG_HOME: join(chromiumHome, 'config'), XDG_CACHE_HOME: join(chromiumHome, 'cache') },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    extra.push(`chromium ${browser.version()}`);
    const page = await browser.newPage();
    page.setDefaultTimeout(LIMIT.page);
    page.on('console', (m) => { if (!m.text().startsWith(SMOKE_PREFIX)) logs.push(`console.${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    const url = `http://127.0.0.1:${server.address().port}/`;
    await page.goto(url, { timeout: LIMIT.page });
    await page.waitForFunction(() => globalThis.__opensslWasmSmoke !== undefined, null, { timeout: LIMIT.browserResult, polling: 100 });
    const result = await page.evaluate(() => globalThis.__opensslWasmSmoke);
    const wasmRequest = requests.find((r) => r.includes('.wasm'));
    extra.push(`served from ${url}; the default location fetched: ${wasmRequest ?? 'nothing'}`);
    if (result.ok && !(wasmRequest?.startsWith('GET /openssl-simd.wasm 200 application/wasm'))) {
      result.ok = false;
      result.error = `expected the SIMD module to be fetched from /openssl-simd.wasm beside the bundle; requests: ${requests.join('; ')}`;
    }
    if (!result.ok) extra.push(...logs.slice(-8), `requests: ${requests.join('; ')}`);
    report('chromium', result, extra);
  } catch (e) {
    report('chromium', { ok: false, checks: [], error: e.message.split('\n')[0] }, [...extra, ...logs.slice(-8), `requests: ${requests.join('; ')}`]);
  } finally {
    await browser?.close().catch(() => {});
    browser = undefined;
    server?.closeAllConnections?.();
    server?.close();
    server = undefined;
  }
}

// ---- main -------------------------------------------------------------------------------------
try {
  if (await packAndInstall()) {
    checkContents();
    let bundled = false;
    try {
      await bundleSmoke(neutralBundle(), 'neutral');
      bundled = true;
    } catch (e) {
      for (const t of ['node', 'deno']) report(t, { ok: false, checks: [], error: `bundling the smoke: ${e.message}` });
    }
    if (bundled) {
      await testNode();
      await testDeno();
    }
    await testChromium();
  }
} catch (e) {
  line(false, 'package test', e.stack ?? String(e));
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
for (const t of tests) {
  if (!results.has(t)) { results.set(t, { ok: false }); line(false, `${t}: not run`, 'the package could not be packed or installed'); }
}
const passed = [...results.values()].filter((r) => r.ok).length;
const failed = tests.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && setupOk ? 0 : 1;
