// Every ```ts / ```js block of README.md, run AS WRITTEN from the installed package in the package
// test's temp project: one test per block (run.mjs counts them in its `N passed, N failed`).
//
// Where a block runs, from what it imports and where it stands:
//   imports `npm:…` or 'openssl-wasm/deno'        Deno
//   under a heading that names the browser         Chromium
//   imports 'openssl-wasm/node' or a `node:` module Node and Deno
//   anything else ('openssl-wasm')                 Node, Deno and Chromium
// How:
//   Node      compiled by the temp project's TypeScript (the oldest the README promises), strict,
//             no skipLibCheck, NodeNext, with @types/node, then run by node; type-checked by the
//             repo's TypeScript (the newest) too;
//   Deno      `deno run --check --cached-only` of the .ts as it is, taking the package from the
//             project's node_modules ("nodeModulesDir": "manual"), offline;
//   Chromium  compiled by the same TypeScript as a browser project (lib dom + esnext.disposable,
//             no @types/node), bundled by esbuild with the two .wasm files copied beside the
//             bundle (as the README says), served on 127.0.0.1, run in a fresh browser context.
// Each block is imported after a PRELUDE (readme-prelude.mjs for Node and Deno,
// readme-prelude-browser.mjs for Chromium) that defines the free variables the README leaves to the
// reader (certPem, keyPem, caPem: the test fixtures) and maps the hosts it names to local servers
// started here: a native `openssl s_server -www` (for `example.org:443` and `127.0.0.1:4433`), a
// redis-server (`127.0.0.1:6379`; SESSION_STORE_KEY is set to a fresh random key), and the package's
// own `openssl-wasm-relay` (`ws://127.0.0.1:8080`). Listeners move to ephemeral ports.
//
// A block passes when, within bounded waits: it compiles; its module evaluates to the end without
// an error; every `console.log(...)  // expected` line prints what its comment says (`...` matches
// anything); and every port it left listening completes a TLS handshake and a resumed one (native
// peer: Node's tls), with sessions sealed in Redis where the block uses RedisSessionStore. Whatever
// the block leaves running (servers, sockets, a Redis client) is then killed.
//
// A block not meant to run (a fragment) is marked in the README by the line right before it:
//   <!-- not run: why -->
// The test prints each marker; other fenced blocks (sh, plain text) are not examples.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { copyModules } from './bundlers.mjs';

const EXAMPLE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
const NOT_RUN = /^<!--\s*not run:\s*(.*?)\s*-->$/;
const DONE = 'README_EXAMPLE_DONE';
const PRELUDE_PREFIX = 'README_PRELUDE ';
const LIMIT = { compile: 120_000, evaluate: 30_000, expected: 10_000, listener: 10_000, service: 10_000 };
const FREE_VARIABLES = { certPem: 'server.pem', keyPem: 'server.key', caPem: 'ca.pem' }; // in test/fixtures

/**
 * The README's fenced blocks, in order: { n (1-based among examples), line, lang, text, headings,
 * notRun (the marker's reason) }; `examples` are the ts/js ones, `others` the rest.
 */
export function readmeBlocks(readmePath) {
  const lines = readFileSync(readmePath, 'utf8').split('\n');
  const examples = [], others = [];
  const headings = [];
  for (let i = 0; i < lines.length; i++) {
    const h = /^(#+)\s+(.*)$/.exec(lines[i]);
    if (h) { headings.length = h[1].length - 1; headings[h[1].length - 1] = h[2]; continue; }
    // An opening fence, maybe indented (in a list item), maybe with words after the language.
    const fence = /^(\s*)```(\S*)/.exec(lines[i]);
    if (!fence) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    let before = start - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const marker = before >= 0 ? NOT_RUN.exec(lines[before].trim()) : null;
    const body = lines.slice(start + 1, end).map((l) => (l.startsWith(fence[1]) ? l.slice(fence[1].length) : l));
    const block = { line: start + 1, lang: fence[2], text: `${body.join('\n')}\n`, headings: headings.filter(Boolean), notRun: marker?.[1] };
    if (EXAMPLE_LANGS.has(block.lang)) examples.push({ ...block, n: examples.length + 1 });
    else others.push(block);
    i = end;
  }
  return { examples, others };
}

export const exampleTestName = (b) => `README example ${b.n}: line ${b.line} (${b.headings.at(-1) ?? 'top'})`;

/** Where a block runs (see the top of this file). */
export function runtimesOf(block) {
  if (/from\s+['"]npm:|['"]openssl-wasm\/deno['"]/.test(block.text)) return ['deno'];
  if (block.headings.some((h) => /browser/i.test(h))) return ['chromium'];
  if (/['"]openssl-wasm\/node['"]|from\s+['"]node:/.test(block.text)) return ['node', 'deno'];
  return ['node', 'deno', 'chromium'];
}

/** What the block's comments say it prints: `console.log(...);  // TLSv1.3 ... true` -> a RegExp per line. */
export function expectedOutputs(text) {
  return text.split('\n').flatMap((l) => {
    const m = /console\.log\(.*\).*?\/\/\s*(.+?)\s*$/.exec(l);
    if (!m) return [];
    const pattern = m[1].split('...').map((p) => p.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    return [{ text: m[1], re: new RegExp(`^${pattern}$`) }];
  });
}

// ---- processes --------------------------------------------------------------------------------
/** A long-running child in its own process group, its output collected; kill() ends it and what it started. */
function start(cmd, args, { cwd, env = {} } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const p = { child, out: '', err: '', code: undefined };
  child.stdout.on('data', (c) => { p.out += c; });
  child.stderr.on('data', (c) => { p.err += c; });
  child.on('error', (e) => { p.err += String(e); p.code ??= -1; });
  p.exited = new Promise((r) => child.on('close', (code, signal) => { p.code = code ?? (signal ? 128 : 1); r(); }));
  p.kill = async () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    await Promise.race([p.exited, sleep(3000)]);
  };
  return p;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Polls `predicate` every 50 ms for at most `ms`; returns whether it became true. */
async function until(predicate, ms) {
  const end = Date.now() + ms;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() > end) return false;
    await sleep(50);
  }
}
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}
const accepts = (port) => new Promise((resolve) => {
  const s = netConnect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
  s.on('error', () => resolve(false));
});
const tail = (text, n = 6) => text.trim().split('\n').slice(-n).join(' | ');

// ---- the local servers the preludes map to ------------------------------------------------------
async function startServices({ root, project, tmp, run }) {
  const dir = join(tmp, 'readme-services');
  mkdirSync(dir, { recursive: true });
  const fixtures = join(root, 'test/fixtures');
  // s_server's certificate names example.org (and localhost), from the fixtures' CA, so an example
  // that verifies example.org with `ca: caPem` verifies it.
  const sh = (args) => run('openssl', args, { cwd: dir });
  let r = await sh(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'host.key', '-out', 'host.csr', '-subj', '/CN=example.org']);
  if (r.code === 0) {
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:example.org,DNS:example.com,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    r = await sh(['x509', '-req', '-in', 'host.csr', '-CA', join(fixtures, 'ca.pem'), '-CAkey', join(fixtures, 'ca.key'), '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '2', '-out', 'host.pem', '-extfile', 'ext.cnf']);
  }
  if (r.code !== 0) throw new Error(`making s_server's certificate: ${tail(r.err || r.out)}`);
  const services = { procs: [], fixtures, key: randomBytes(32).toString('base64') };
  const up = async (what, p, port, ready) => {
    services.procs.push(p);
    if (!await until(async () => p.code !== undefined || (ready ? ready(p) : await accepts(port)), LIMIT.service)) throw new Error(`${what} did not start: ${tail(p.err || p.out)}`);
    if (p.code !== undefined) throw new Error(`${what} exited (${p.code}): ${tail(p.err || p.out)}`);
  };
  services.sServer = await freePort();
  await up('openssl s_server', start('openssl', ['s_server', '-accept', `127.0.0.1:${services.sServer}`, '-cert', 'host.pem', '-key', 'host.key', '-www', '-quiet'], { cwd: dir }), services.sServer);
  services.redis = await freePort();
  await up('redis-server', start('redis-server', ['--bind', '127.0.0.1', '--port', String(services.redis), '--save', '', '--appendonly', 'no'], { cwd: dir }),
    services.redis, (p) => /Ready to accept connections/.test(p.out));
  services.relay = await freePort();
  await up('openssl-wasm-relay', start(join(project, 'node_modules/.bin/openssl-wasm-relay'),
    ['--listen', `127.0.0.1:${services.relay}`, '--allow', `127.0.0.1:${services.sServer}`], { cwd: project }), services.relay);
  services.stop = () => Promise.all(services.procs.map((p) => p.kill()));
  return services;
}

/** The Node/Deno prelude's configuration (README_PRELUDE). */
const preludeConfig = (s) => JSON.stringify({
  globals: Object.fromEntries(Object.entries(FREE_VARIABLES).map(([name, f]) => [name, join(s.fixtures, f)])),
  connect: {
    'example.org:443': `127.0.0.1:${s.sServer}`, 'example.com:443': `127.0.0.1:${s.sServer}`,
    '127.0.0.1:4433': `127.0.0.1:${s.sServer}`, 'localhost:4433': `127.0.0.1:${s.sServer}`,
    '127.0.0.1:6379': `127.0.0.1:${s.redis}`, 'localhost:6379': `127.0.0.1:${s.redis}`,
  },
});
const browserConfig = (s) => `export default ${JSON.stringify({
  globals: Object.fromEntries(Object.entries(FREE_VARIABLES).map(([name, f]) => [name, readFileSync(join(s.fixtures, f), 'utf8')])),
  websocket: { 'ws://127.0.0.1:8080': `ws://127.0.0.1:${s.relay}`, 'ws://localhost:8080': `ws://127.0.0.1:${s.relay}` },
  targets: { '127.0.0.1:4433': `127.0.0.1:${s.sServer}` },
}, null, 2)};\n`;

// ---- checks after the module has run ----------------------------------------------------------
/** Lines the example printed (not the prelude's, not the done marker). */
const printed = (text) => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith(PRELUDE_PREFIX) && l !== DONE);
async function waitExpected(block, outputText, ended = () => false) {
  const expected = expectedOutputs(block.text);
  const missing = () => expected.filter((e) => !printed(outputText()).some((l) => e.re.test(l)));
  await until(() => missing().length === 0 || ended(), LIMIT.expected);
  return { expected, missing: missing() };
}

/** One TLS connection to a listener the example left: Node's tls, TLS 1.2, `session` to resume. */
function tlsRound(port, ca, session) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, maxVersion: 'TLSv1.2', session });
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no handshake with 127.0.0.1:${port} within ${LIMIT.listener / 1000}s`)); }, LIMIT.listener);
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.on('secureConnect', () => {
      const result = { protocol: s.getProtocol(), reused: s.isSessionReused(), session: s.getSession(), echoed: false };
      s.on('data', (d) => { if (String(d).includes('ping')) result.echoed = true; });
      s.write('ping\n');
      setTimeout(() => {
        clearTimeout(timer);
        // A clean end: close_notify, then the server's. Destroying at once can lose the close_notify,
        // and OpenSSL then removes the session from the server's cache as not cleanly ended (and,
        // through useServerSessionStore, from Redis: the fleet example's check found none).
        const done = () => { clearTimeout(hard); s.destroy(); resolve(result); };
        const hard = setTimeout(done, 2000);
        s.once('close', done);
        s.end();
      }, 500);
    });
  });
}
async function checkListeners(outputText, ca) {
  const listeners = [...outputText.matchAll(/^README_PRELUDE listening (\d+) -> (\d+)$/gm)].map((m) => ({ asked: m[1], port: Number(m[2]) }));
  const notes = [];
  for (const { asked, port } of listeners) {
    const first = await tlsRound(port, ca);
    const second = await tlsRound(port, ca, first.session);
    if (!second.reused) throw new Error(`listener ${asked}: the second handshake (with the first one's session) was not resumed`);
    notes.push(`its server on ${asked} (moved to ${port}): ${first.protocol} full then resumed with Node's tls${first.echoed ? ', echoes' : ''}`);
  }
  return notes;
}
async function checkRedis(block, services, run) {
  if (!/RedisSessionStore/.test(block.text)) return [];
  const keys = (await run('redis-cli', ['-p', String(services.redis), '--scan', '--pattern', 'openssl-wasm:session:*'])).out.split('\n').filter(Boolean);
  if (!keys.length) throw new Error('no openssl-wasm:session:* key in Redis after the handshakes');
  const value = (await run('redis-cli', ['-p', String(services.redis), 'GET', keys[0]])).out.trim();
  if (!value.startsWith('osw1.')) throw new Error(`Redis holds ${keys[0]} = ${value.slice(0, 40)}..., not a sealed value (osw1.)`);
  return [`Redis holds ${keys.length} sealed session(s) (osw1.…)`];
}

// ---- one block in one runtime -----------------------------------------------------------------
/** Runs a Node or Deno process until the example's module is done, then checks and kills it. */
async function runProcess(block, cmd, args, { project, services, run }, env = {}) {
  await run('redis-cli', ['-p', String(services.redis), 'FLUSHALL']);
  const p = start(cmd, args, { cwd: project, env: { ...env, README_PRELUDE: preludeConfig(services), SESSION_STORE_KEY: services.key, NO_COLOR: '1' } });
  try {
    const done = await until(() => p.out.includes(DONE) || p.code !== undefined, LIMIT.evaluate);
    if (!done) throw new Error(`the module did not finish within ${LIMIT.evaluate / 1000}s: ${tail(p.err || p.out)}`);
    if (!p.out.includes(DONE) || (p.code !== undefined && p.code !== 0)) {
      await Promise.race([p.exited, sleep(1000)]);
      throw new Error(`exit code ${p.code}: ${tail(p.err || p.out, 10)}`);
    }
    const { expected, missing } = await waitExpected(block, () => p.out, () => p.code !== undefined);
    if (missing.length) throw new Error(`did not print ${missing.map((e) => JSON.stringify(e.text)).join(', ')} within ${LIMIT.expected / 1000}s; printed ${JSON.stringify(printed(p.out).slice(0, 5))}${p.err ? `; stderr ${tail(p.err)}` : ''}`);
    const notes = [`ran${expected.length ? `, printed ${expected.map((e) => JSON.stringify(e.text)).join(', ')}` : ''}`];
    notes.push(...await checkListeners(p.out, readFileSync(join(services.fixtures, 'ca.pem'), 'utf8')));
    notes.push(...await checkRedis(block, services, run));
    const mapped = [...p.out.matchAll(/^README_PRELUDE (connect .*)$/gm)].map((m) => m[1]);
    if (mapped.length) notes.push(`prelude: ${[...new Set(mapped)].join('; ')}`);
    await Promise.race([p.exited, sleep(200)]);
    notes.push(p.code === undefined ? 'left running: killed' : `exited ${p.code}`);
    return notes;
  } finally {
    await p.kill();
  }
}

/** Type-checks with the newest TypeScript too (the repo's), which may reject what the oldest took. */
async function checkWithNewest(config, { project, run, tscNewest }) {
  if (!tscNewest) return;
  const r = await run(process.execPath, [tscNewest, '-p', config, '--noEmit'], { cwd: project, timeout: LIMIT.compile });
  if (r.code !== 0) throw new Error(`TypeScript (the repo's, newest): ${tail(r.out || r.err, 10)}`);
}

async function runNode(block, ctx) {
  const { project, run, tsc } = ctx;
  const base = `readme-${block.n}`;
  let js = `./${base}.mjs`;
  if (block.ts) {
    const config = `tsconfig.${base}.node.json`;
    writeFileSync(join(project, config), JSON.stringify({
      compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], types: ['node'],
        skipLibCheck: false, noEmitOnError: true, outDir: 'readme-out/node' },
      files: ['readme-globals.d.ts', `${base}.ts`],
    }, null, 2));
    const r = await run(process.execPath, [tsc, '-p', config], { cwd: project, timeout: LIMIT.compile });
    if (r.code !== 0) throw new Error(`TypeScript: ${tail(r.out || r.err, 10)}`);
    await checkWithNewest(config, ctx);
    js = `./readme-out/node/${base}.js`;
  }
  writeFileSync(join(project, `${base}.node.mjs`), `import './readme-prelude.mjs';\nimport '${js}';\nconsole.log('${DONE}');\n`);
  return [`compiled strict (${ctx.tsVersions}, NodeNext, @types/node)`, ...await runProcess(block, process.execPath, [`${base}.node.mjs`], ctx)];
}

async function runDeno(block, ctx) {
  const { project, denoBin, denoEnv } = ctx;
  const base = `readme-${block.n}`;
  const file = block.ts ? `${base}.ts` : `${base}.mjs`;
  writeFileSync(join(project, `${base}.deno.ts`),
    `/// <reference path="./readme-globals.d.ts" />\nimport './readme-prelude.mjs';\nimport './${file}';\nconsole.log('${DONE}');\n`);
  const notes = await runProcess(block, denoBin, ['run', '--check', '--cached-only', '--allow-read', '--allow-env', '--allow-net=127.0.0.1', '--allow-sys',
    `${base}.deno.ts`], ctx, denoEnv);
  return ['deno run --check (type-checked by Deno)', ...notes];
}

async function runChromium(block, ctx) {
  const { project, tmp, installed, run, tsc, build, serve, launchBrowser, services } = ctx;
  const base = `readme-${block.n}`;
  let js = `./${base}.mjs`;
  if (block.ts) {
    const config = `tsconfig.${base}.browser.json`;
    writeFileSync(join(project, config), JSON.stringify({
      compilerOptions: { strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom', 'esnext.disposable'], types: [],
        skipLibCheck: false, noEmitOnError: true, outDir: 'readme-out/browser' },
      files: ['readme-globals.d.ts', `${base}.ts`],
    }, null, 2));
    const r = await run(process.execPath, [tsc, '-p', config], { cwd: project, timeout: LIMIT.compile });
    if (r.code !== 0) throw new Error(`TypeScript (browser project): ${tail(r.out || r.err, 10)}`);
    await checkWithNewest(config, ctx);
    js = `./readme-out/browser/${base}.js`;
  }
  writeFileSync(join(project, 'readme-config.mjs'), browserConfig(services));
  writeFileSync(join(project, `${base}.browser.mjs`), `import './readme-prelude-browser.mjs';\nimport '${js}';\nconsole.log('${DONE}');\n`);
  const web = join(tmp, `web-${base}`);
  mkdirSync(web, { recursive: true });
  await build({ entryPoints: [join(project, `${base}.browser.mjs`)], outfile: join(web, 'example.js'), bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', logLevel: 'silent' });
  copyModules(installed, web); // both lines' modules, beside the bundle as the README says
  writeFileSync(join(web, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<script type="module" src="./example.js"></script>\n');
  const server = await serve(web);
  const browser = await launchBrowser();
  const context = await browser.newContext(); // fresh storage (IndexedDB) for each block
  let out = '';
  const errors = [];
  try {
    const page = await context.newPage();
    page.on('console', (m) => { out += `${m.text()}\n`; });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/`, { timeout: LIMIT.evaluate });
    const done = await until(() => out.includes(DONE) || errors.length > 0, LIMIT.evaluate);
    if (errors.length) throw new Error(`uncaught: ${errors.join('; ')}`);
    if (!done) throw new Error(`the module did not finish within ${LIMIT.evaluate / 1000}s; console: ${tail(out)}`);
    const { expected, missing } = await waitExpected(block, () => out);
    if (missing.length) throw new Error(`did not print ${missing.map((e) => JSON.stringify(e.text)).join(', ')}; printed ${JSON.stringify(printed(out).slice(0, 5))}`);
    const mapped = [...out.matchAll(/^README_PRELUDE (WebSocket .*)$/gm)].map((m) => m[1]);
    return [`compiled strict (${ctx.tsVersions}, browser project: lib dom + esnext.disposable, no @types/node), bundled by esbuild, Chromium ${browser.version()}`,
      `ran${expected.length ? `, printed ${expected.map((e) => JSON.stringify(e.text)).join(', ')}` : ''}`,
      ...(mapped.length ? [`prelude: ${mapped.join('; ')}`] : [])];
  } finally {
    await context.close().catch(() => {});
    server.closeAllConnections?.();
    server.close();
  }
}

const RUNNERS = { node: runNode, deno: runDeno, chromium: runChromium };

/**
 * Runs every example block; calls `report(test, { ok, error }, details)` once per block.
 * ctx: { root, project, tmp, installed, run, build, serve, launchBrowser, denoBin, denoEnv, tsc, tscNewest }.
 */
export async function runReadmeExamples(blocks, ctx, report) {
  const { examples, others } = blocks;
  console.log(`README code blocks: ${examples.length} ts/js examples, ${examples.filter((b) => b.notRun).length} marked not run; ` +
    `${others.length} other blocks (${others.map((b) => `line ${b.line} ${b.lang || 'text'}`).join(', ')}), not examples`);
  for (const b of examples.filter((b) => b.notRun)) console.log(`   marked not run: ${exampleTestName(b)}: ${b.notRun}`);
  const toRun = examples.filter((b) => !b.notRun);
  let services;
  try {
    services = await startServices(ctx);
  } catch (e) {
    for (const b of toRun) report(exampleTestName(b), { ok: false, error: `starting the local servers: ${e.message}` }, []);
    return;
  }
  try {
    writeFileSync(join(ctx.project, 'readme-globals.d.ts'),
      `// The README's free variables, defined by the prelude (test/package/readme-prelude*.mjs).\n${Object.keys(FREE_VARIABLES).map((v) => `declare var ${v}: string;`).join('\n')}\n`);
    for (const f of ['readme-prelude.mjs', 'readme-prelude-browser.mjs']) copyFileSync(join(ctx.root, 'test/package', f), join(ctx.project, f));
    const version = async (tsc) => (await ctx.run(process.execPath, [tsc, '--version'], { cwd: ctx.project })).out.trim().replace(/^Version /, '');
    const tsVersions = `TypeScript ${await version(ctx.tsc)}${ctx.tscNewest ? ` (checked with ${await version(ctx.tscNewest)} too)` : ''}`;
    for (const b of examples) {
      if (b.notRun) continue;
      const name = exampleTestName(b);
      b.ts = /^(ts|typescript)$/.test(b.lang);
      writeFileSync(join(ctx.project, `readme-${b.n}.${b.ts ? 'ts' : 'mjs'}`), b.text);
      const runtimes = runtimesOf(b);
      console.log(`   (README example ${b.n}, line ${b.line}: ${runtimes.join(', ')} ...)`);
      const details = [];
      const failures = [];
      for (const rt of runtimes) {
        try {
          const notes = await RUNNERS[rt](b, { ...ctx, services, tsVersions });
          details.push(`${rt}: ${notes.join('; ')}`);
        } catch (e) {
          failures.push(`${rt}: ${e.message}`);
          details.push(`${rt}: FAILED`);
        }
      }
      report(name, { ok: failures.length === 0, error: failures.join(' || ') }, details, `run as written in ${runtimes.join(', ')}`);
    }
  } finally {
    await services.stop();
  }
}
