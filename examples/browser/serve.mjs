#!/usr/bin/env node
// `npm run demo:browser`: builds the demo page (examples/browser/demo.ts, bundled with esbuild into
// build/browser/ with dist/openssl.wasm and dist/openssl-simd.wasm beside it) and starts, all on 127.0.0.1:
//   - a native `openssl s_server -www` with test/fixtures/server.pem and server.key,
//   - the WebSocket relay (relay/relay.mjs), allowing that server and nothing else,
//   - a static web server for the page, which also answers /config.json (where the relay is).
// Prints the page's URL and runs until Ctrl-C. `startDemo()` is what the Chromium test reuses.
//
// Usage: node examples/browser/serve.mjs [--port 8000]   (0: any free port)
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startRelay } from '../../relay/relay.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = join(root, 'examples/browser');
const fixture = name => join(root, 'test/fixtures', name);
export const outdir = join(root, 'build/browser');

/** Bundles the page into build/browser/: index.html, demo.js, openssl.wasm, openssl-simd.wasm. */
export async function buildPage() {
  if (!existsSync(join(root, 'dist/openssl-simd.wasm'))) throw new Error('dist/openssl-simd.wasm is missing: run ./build.sh');
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(here, 'demo.ts')],
    outfile: join(outdir, 'demo.js'),
    bundle: true,
    format: 'esm', // the loader finds openssl.wasm through import.meta.url: the bundle's URL
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
  for (const m of ['openssl.wasm', 'openssl-simd.wasm']) copyFileSync(join(root, 'dist', m), join(outdir, m));
}

/** `openssl s_server -www` on a free port of 127.0.0.1; resolves once it listens. */
function startSServer(timeoutMs = 10_000) {
  const proc = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', fixture('server.pem'), '-key', fixture('server.key'), '-www'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`s_server did not listen within ${timeoutMs} ms: ${out}`)); }, timeoutMs);
    const exited = new Promise(r => proc.once('exit', r));
    const onData = d => {
      out += d;
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        output: () => out,
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
          await Promise.race([exited, new Promise(r => setTimeout(r, 2000))]);
        },
      });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('error', e => { clearTimeout(timer); reject(new Error(`could not run openssl s_server: ${e.message}`)); });
    proc.once('exit', code => { clearTimeout(timer); reject(new Error(`s_server exited (${code}): ${out}`)); });
  });
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json' };

function startWeb(port, config) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(config));
      return;
    }
    const file = join(outdir, path === '/' ? 'index.html' : path);
    const type = TYPES[extname(file)];
    if (!file.startsWith(outdir + sep) || !type || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Builds the page and starts s_server, the relay and the web server. Resolves with the page's
 * `url` and `close()`, which stops all three. `log` receives the relay's line per connection.
 */
export async function startDemo({ port = 8000, log = line => console.log(line) } = {}) {
  await buildPage();
  const stops = [];
  const close = async () => { for (const stop of stops.reverse()) await stop().catch(() => undefined); };
  try {
    const sServer = await startSServer();
    stops.push(() => sServer.stop());
    const target = `127.0.0.1:${sServer.port}`;
    const relay = await startRelay({ listen: '127.0.0.1:0', allow: [target], log });
    stops.push(() => relay.close());
    const config = { relay: `${relay.url}?target=${target}`, target, serverName: 'localhost', ca: readFileSync(fixture('ca.pem'), 'utf8') };
    const web = await startWeb(port, config);
    stops.push(() => new Promise(r => { web.closeAllConnections(); web.close(() => r()); }));
    return { url: `http://127.0.0.1:${web.address().port}/`, relay: config.relay, target, sServerOutput: () => sServer.output(), close };
  } catch (e) {
    await close();
    throw e;
  }
}

async function main() {
  const args = process.argv.slice(2);
  let port = 8000;
  if (args[0] === '--port' && /^\d+$/.test(args[1] ?? '')) port = Number(args[1]);
  else if (args.length) {
    console.error('usage: node examples/browser/serve.mjs [--port 8000]');
    process.exit(2);
  }
  const demo = await startDemo({ port });
  console.log(`s_server -www on ${demo.target}; relay ${demo.relay} (allows only ${demo.target})`);
  console.log(`\n  open ${demo.url}\n\n(Ctrl-C stops all three)`);
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { demo.close().then(() => process.exit(0)); });
}

let invoked = null;
try { invoked = process.argv[1] && realpathSync(process.argv[1]); } catch { /* not a file */ }
if (invoked === fileURLToPath(import.meta.url)) {
  main().catch(e => { console.error(`demo:browser: ${e.message}`); process.exit(1); });
}
