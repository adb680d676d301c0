#!/usr/bin/env node
// `npm test`: runs the same suites in Node (vitest), Chromium (vitest browser mode) and Deno,
// one after the other, then the package test (test/package/run.mjs: `npm pack`, install into an
// empty project, a smoke test of the installed package in Node, Deno and Chromium), then OpenSSL's
// own test programs on both modules (scripts/test-upstream.sh, `npm run test:upstream`), then the
// same suites again on the OpenSSL 4.0 line (node-4.0, browser-4.0, deno-4.0: OPENSSL_WASM_LINE=4.0,
// which test/lib/line.ts reads), and prints one summed `N passed, N failed` line at the very end.
// Before anything runs, test/manifest.json and the README's account of the runs are checked against
// the registered tests; after each of Node, Chromium and Deno, what it ran is compared, suite by
// suite, with the manifest (scripts/test-manifest.mjs regenerates both when a change is meant).
// Usage: node scripts/test-all.mjs [node] [browser] [deno] [package] [upstream] [node-4.0] [browser-4.0] [deno-4.0]
//        (default: all eight)
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { check as checkManifest, compareRun, readManifest } from './test-manifest.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = `${root}node_modules/.cache`;
const outDir = `${cacheDir}/test-all`;
mkdirSync(outDir, { recursive: true });

// Spawns with output streamed to our terminal; `capture` additionally keeps stdout text
// (Deno's summary line is only available on stdout).
function run(cmd, args, { env = {}, capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk) => {
      process.stdout.write(chunk);
      out += chunk;
    });
    child.on('error', (err) => resolve({ code: -1, out: String(err) }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

// Counts come from vitest's JSON report, not its human output, which changes across versions.
// `ran` counts, per suite (the describe block), the tests that ran: passed or failed, not skipped.
// `line` (the OpenSSL line under test) goes to the suites as OPENSSL_WASM_LINE.
const lineEnv = (line) => (line ? { OPENSSL_WASM_LINE: line } : {});

async function vitest(project, line) {
  const file = `${outDir}/vitest-${project}${line ? `-${line}` : ''}.json`;
  rmSync(file, { force: true }); // never read a stale report from a previous run
  const { code } = await run(process.execPath, [
    `${root}node_modules/vitest/vitest.mjs`, 'run', '--project', project,
    '--reporter=default', '--reporter=json', `--outputFile.json=${file}`,
  ], { env: lineEnv(line) });
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    const ran = {};
    const failures = [];
    for (const t of r.testResults.flatMap(f => f.assertionResults)) {
      if (t.status !== 'passed' && t.status !== 'failed') continue;
      ran[t.ancestorTitles[0]] = (ran[t.ancestorTitles[0]] ?? 0) + 1;
      if (t.status === 'failed') failures.push({ name: t.fullName, message: t.failureMessages?.[0] ?? '' });
    }
    return { code, passed: r.numPassedTests, failed: r.numFailedTests, ran, failures };
  } catch {
    return { code, passed: 0, failed: 0, note: 'no JSON report' };
  }
}

// Deno names each test "<suite> > <test>" (test/deno.test.ts); its JUnit report lists them all.
// Failed test cases carry a <failure message="…">: kept to name them in the summary.
function denoRan(xml, suiteNames) {
  const names = [...suiteNames].sort((a, b) => b.length - a.length); // longest prefix first
  const unescape = t => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#10;/g, '\n').replace(/&amp;/g, '&');
  const ran = {};
  const failures = [];
  for (const m of xml.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
    if (/<skipped\/>/.test(m[2])) continue;
    const full = unescape(m[1]);
    const suite = names.find(n => full.startsWith(`${n} > `)) ?? full.split(' > ')[0];
    ran[suite] = (ran[suite] ?? 0) + 1;
    const failure = /<failure\b([^>]*?)\/?>(?:([\s\S]*?)<\/failure>)?/.exec(m[2]);
    if (failure) failures.push({ name: full, message: unescape(/message="([^"]*)"/.exec(failure[1])?.[1] ?? failure[2] ?? '') });
  }
  return { ran, failures };
}

async function deno(line) {
  const junit = `${outDir}/deno${line ? `-${line}` : ''}.xml`;
  rmSync(junit, { force: true });
  const { code, out } = await run(`${root}node_modules/.bin/deno`, [
    'test', '--allow-read', '--allow-env', '--allow-net=127.0.0.1', '--allow-run', '--allow-write', '--allow-sys',
    `--junit-path=${junit}`, 'test/deno.test.ts',
  ], {
    capture: true,
    // DENO_DIR keeps Deno's cache inside the clone; no update check: the machine may be offline.
    env: { DENO_DIR: `${cacheDir}/deno`, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', ...lineEnv(line) },
  });
  // e.g. "ok | 6 passed | 0 failed (18ms)" or "FAILED | 5 passed (2 steps) | 1 failed | 1 ignored".
  // Take the last one in case a test prints something similar.
  const text = out.replace(/\x1b\[[0-9;]*m/g, '');
  const m = [...text.matchAll(/^(?:ok|FAILED) \| (\d+) passed\b.*?\| (\d+) failed\b/gm)].at(-1);
  if (!m) return { code, passed: 0, failed: 0, note: 'no summary line' };
  let report;
  try { report = denoRan(readFileSync(junit, 'utf8'), Object.keys(manifest.suites)); } catch { return { code, passed: Number(m[1]), failed: Number(m[2]), note: 'no JUnit report' }; }
  return { code, passed: Number(m[1]), failed: Number(m[2]), ...report };
}

// The package test and OpenSSL's test programs print a line starting `FAIL` per failure, details below it.
function failLines(out) {
  return [...out.matchAll(/^FAIL (.*)\n((?: {5,}.*\n?)*)/gm)].map((m) => ({ name: m[1], message: m[2].trim() }));
}

// The package test prints its own `N passed, N failed` line last.
async function packageTest() {
  const { code, out } = await run(process.execPath, [`${root}test/package/run.mjs`], { capture: true });
  const m = [...out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1);
  if (!m) return { code, passed: 0, failed: 0, note: 'no summary line' };
  return { code, passed: Number(m[1]), failed: Number(m[2]), failures: failLines(out) };
}

// OpenSSL's test programs (scripts/test-upstream.sh) also end with `N passed, N failed`.
async function upstream() {
  const { code, out } = await run(`${root}scripts/test-upstream.sh`, [], { capture: true });
  const m = [...out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1);
  if (!m) return { code, passed: 0, failed: 0, note: 'no summary line' };
  return { code, passed: Number(m[1]), failed: Number(m[2]), failures: failLines(out) };
}

// The 4.0 runs' interop peer, native OpenSSL 4.0 (test/suites/ech-native.suite.ts): built once and
// cached (minutes the first time, longer than a test may take), before the runs that use it.
let nativePeer;
function nativeOpenSSL4() {
  nativePeer ??= run(`${root}scripts/build-native-openssl.sh`, []);
  return nativePeer;
}
const withNativePeer = (fn) => async () => { await nativeOpenSSL4(); return fn(); };

const runtimes = {
  node: () => vitest('node'), browser: () => vitest('browser'), deno: () => deno(), package: packageTest, upstream,
  'node-4.0': withNativePeer(() => vitest('node', '4.0')), 'browser-4.0': () => vitest('browser', '4.0'), 'deno-4.0': withNativePeer(() => deno('4.0')),
};
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in runtimes)) {
    console.error(`unknown runtime "${name}"; expected any of: ${Object.keys(runtimes).join(' ')}`);
    process.exit(2);
  }
}

// The manifest and the README's account of it must match the registered tests before anything runs.
const manifest = readManifest();
const stale = await checkManifest();
const results = [];
if (stale.length) {
  console.error(`\n=== manifest ===\n${stale.join('\n')}`);
  results.push({ name: 'manifest', ok: false, passed: 0, failed: 1, seconds: 0, problem: 'test/manifest.json or README.md is stale' });
}
for (const name of wanted.length ? wanted : Object.keys(runtimes)) {
  console.log(`\n=== ${name} ===`);
  const start = performance.now();
  const r = await runtimes[name]();
  r.seconds = (performance.now() - start) / 1000;
  // Node, Chromium and Deno: each ran what the manifest expects of it, suite by suite (a suite
  // moved to fewer runtimes would otherwise only make the total smaller).
  if (r.ran) {
    const diffs = compareRun(manifest, name, r.ran);
    if (diffs.length) {
      console.error(`\n${name} ran other tests than test/manifest.json expects:\n${diffs.join('\n')}`);
      r.note ??= `${diffs.length - 1} suite(s) differ from test/manifest.json`;
    }
  }
  // A runtime that crashed, failed to typecheck/load, had an unhandled error or ran nothing
  // has no failing test to show for it: count it as one failure so the final line can't read
  // "0 failed" on a red run.
  const problem = r.note ?? (r.code !== 0 ? `exit code ${r.code}` : r.passed + r.failed === 0 ? 'no tests ran' : null);
  r.ok = !problem && r.failed === 0;
  if (problem && r.failed === 0) {
    r.failed = 1;
    r.problem = problem; // only worth showing when no failing test already explains it
  }
  results.push({ name, ...r });
}

console.log('\n=== summary ===');
for (const r of results) {
  const extra = r.problem ? `  [runner problem: ${r.problem}]` : '';
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(11)} ${r.passed} passed, ${r.failed} failed  (${r.seconds.toFixed(1)}s)${extra}`);
}
// CI keeps only the log's tail: the failing tests are named here, each with its message's first lines,
// so a red run says what failed without the whole log.
for (const r of results) {
  for (const f of (r.failures ?? []).slice(0, 10)) {
    const message = f.message.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter(Boolean).slice(0, 4).map(l => `      ${l.slice(0, 300)}`).join('\n');
    console.log(`  ${r.name}: ${f.name}\n${message}`);
  }
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = results.every((r) => r.ok) && passed > 0 ? 0 : 1;
