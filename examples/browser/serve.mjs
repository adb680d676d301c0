#!/usr/bin/env node
// `npm run demo:browser`: builds the browser TLS lab (examples/browser/lab.ts, bundled with esbuild
// into build/browser/ with dist/openssl.wasm and dist/openssl-simd.wasm beside it) and starts, all on
// 127.0.0.1:
//   - three TLS servers (examples/browser/peers.mjs: native s_server, Node's tls, openssl-wasm's),
//   - the WebSocket relay (relay/relay.mjs), allowing those three and nothing else,
//   - a static web server for the page, which also answers /config.json (the relay and servers).
// Prints the page's URL and runs until Ctrl-C. `startDemo()` is what the Chromium test reuses.
//
// Usage: node examples/browser/serve.mjs [--port 8000]   (0: any free port)
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startRelay } from '../../relay/relay.mjs';
import { startPeers } from './peers.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = join(root, 'examples/browser');
export const outdir = join(root, 'build/browser');

/** Bundles the page into build/browser/: index.html, lab.js, openssl.wasm, openssl-simd.wasm and 4.0/'s. */
export async function buildPage() {
  if (!existsSync(join(root, 'dist/openssl-simd.wasm'))) throw new Error('dist/openssl-simd.wasm is missing: run ./build.sh');
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(here, 'lab.ts')],
    outfile: join(outdir, 'lab.js'),
    bundle: true,
    format: 'esm', // the loader finds openssl.wasm through import.meta.url: the bundle's URL
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
  mkdirSync(join(outdir, '4.0'), { recursive: true });
  for (const m of ['openssl.wasm', 'openssl-simd.wasm', '4.0/openssl.wasm', '4.0/openssl-simd.wasm']) copyFileSync(join(root, 'dist', m), join(outdir, m));
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
 * Builds the page and starts the servers, the relay and the web server. Resolves with the page's
 * `url`, the `relay`, the `servers` ({ id, label, target }) and `close()`, which stops them all.
 * `log` receives the relay's line per connection.
 */
export async function startDemo({ port = 8000, log = line => console.log(line) } = {}) {
  await buildPage();
  const stops = [];
  const close = async () => { for (const stop of stops.reverse()) await stop().catch(() => undefined); };
  try {
    const peers = await startPeers();
    for (const p of peers) stops.push(() => p.stop());
    const servers = peers.map(({ id, label, target, ech }) => ({ id, label, target, ...(ech ? { ech } : {}) }));
    // The allow-list is exactly these servers: the relay never connects anywhere a page names.
    const relay = await startRelay({ listen: '127.0.0.1:0', allow: servers.map(s => s.target), log });
    stops.push(() => relay.close());
    const config = { relay: relay.url, servers, serverName: 'localhost', ca: readFileSync(join(root, 'test/fixtures/ca.pem'), 'utf8') };
    const web = await startWeb(port, config);
    stops.push(() => new Promise(r => { web.closeAllConnections(); web.close(() => r()); }));
    return { url: `http://127.0.0.1:${web.address().port}/`, relay: relay.url, servers, close };
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
  for (const s of demo.servers) console.log(`${s.target}  ${s.label}`);
  console.log(`relay ${demo.relay} (allows only those)`);
  console.log(`\n  open ${demo.url}\n\n(Ctrl-C stops them all)`);
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { demo.close().then(() => process.exit(0)); });
}

let invoked = null;
try { invoked = process.argv[1] && realpathSync(process.argv[1]); } catch { /* not a file */ }
if (invoked === fileURLToPath(import.meta.url)) {
  main().catch(e => { console.error(`demo:browser: ${e.message}`); process.exit(1); });
}
