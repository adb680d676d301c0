// Issue 15's "done when": an ECH client in Chromium, through the relay (relay/relay.mjs), resumes
// an ECH session with a server on the Node adapter, and both ends report ECH success. The page
// (test/io/ech-page.ts, bundled by esbuild, the 4.0 modules beside it) runs in Debian's Chromium
// through playwright; the server and the relay run here. Node only (it starts Chromium).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { createServer, OpenSSL } from '../../ts/node.ts';
import { deepEqual, equal } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { fixturePath, tempDir, until } from '../io/peers.ts';
import { runRelay } from '../io/relay.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

suite('ech in Chromium through the relay', test => {
  test('Chromium (OpenSSL 4.0) resumes an ECH session with the Node adapter through the relay; both ends report ECH success', async () => {
    // The server: OpenSSL 4.0 on the Node adapter, with an ECH key.
    const ossl = await OpenSSL.load({ wasm: new URL('../../wasm/4.0/openssl-simd.wasm', import.meta.url), line: '4.0' });
    const key = ossl.generateEchKey({ publicName: 'server.test' });
    const configList = Buffer.from(ossl.echConfigList([key])).toString('base64');
    const seen: string[] = [];
    const server = createServer({
      openssl: ossl, cert: readFileSync(fixturePath('server.pem'), 'utf8'), key: readFileSync(fixturePath('server.key'), 'utf8'),
      contextOptions: { echKeys: [key] },
    }, sock => {
      const e = sock.connection!.ech;
      seen.push(`${e?.status} ${e?.innerServerName} ${e?.outerServerName} reused=${String(sock.isSessionReused())}`);
      sock.on('data', d => sock.write(d));
      sock.on('end', () => sock.end());
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const relay = await runRelay(['--allow', `127.0.0.1:${port}`, '--listen', '127.0.0.1:0']);
    // The page: the bundle and both 4.0 modules, served over HTTP.
    const dir = tempDir();
    const { build } = await import('esbuild');
    await build({ entryPoints: { page: join(root, 'test/io/ech-page.ts') }, outdir: dir.path, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning' });
    mkdirSync(join(dir.path, '4.0'));
    for (const m of ['openssl.wasm', 'openssl-simd.wasm']) copyFileSync(join(root, 'wasm/4.0', m), join(dir.path, '4.0', m));
    writeFileSync(join(dir.path, 'index.html'), '<!doctype html><script type="module" src="./page.js"></script>');
    const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', wasm: 'application/wasm' };
    const fetched: string[] = [];
    const web = createHttpServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html');
      fetched.push(path);
      try {
        const body = readFileSync(join(dir.path, path.replace(/\.\.+/g, '')));
        res.writeHead(200, { 'content-type': types[path.split('.').pop()!] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>(r => web.listen(0, '127.0.0.1', () => r()));
    const playwright = 'playwright';
    const { chromium } = await import(/* @vite-ignore */ playwright);
    const chromiumHome = join(root, 'node_modules/.cache/chromium/');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true, timeout: 20_000, // Debian's; never a downloaded browser
      env: { ...process.env, XDG_CONFIG_HOME: `${chromiumHome}config`, XDG_CACHE_HOME: `${chromiumHome}cache` },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const log: string[] = [];
      page.on('console', (m: { text(): string }) => log.push(m.text()));
      page.on('pageerror', (e: Error) => log.push(`pageerror: ${e.message}`));
      const q = new URLSearchParams({ relay: `${relay.url}?target=127.0.0.1:${port}`, ech: configList, ca: readFileSync(fixturePath('ca.pem'), 'utf8') });
      await page.goto(`http://127.0.0.1:${(web.address() as { port: number }).port}/?${q}`, { timeout: 20_000 });
      await page.waitForFunction(() => (globalThis as { __echResult?: unknown }).__echResult !== undefined, null, { timeout: 30_000, polling: 100 });
      const result = await page.evaluate(() => (globalThis as { __echResult?: unknown }).__echResult) as Record<string, unknown>;
      equal(result.error, undefined, `the page failed: ${String(result.error)}; ${log.join(' | ')}`);
      deepEqual(result, {
        line: '4.0',
        first: { status: 'success', inner: 'localhost', outer: 'server.test', reused: false, reply: 'ping\n' },
        second: { status: 'success', inner: 'localhost', outer: 'server.test', reused: true, reply: 'ping\n' },
      }, 'Chromium: ECH success, full then resumed');
      await until(() => seen.length === 2, 10_000, 'both server connections');
      deepEqual(seen, ['success localhost server.test reused=false', 'success localhost server.test reused=true'], 'the Node adapter: ECH success, full then resumed');
      equal(fetched.filter(p => p.endsWith('.wasm')).join(), '/4.0/openssl-simd.wasm', 'the page fetched the 4.0 SIMD module only');
    } finally {
      await browser.close();
      await new Promise<void>(r => web.close(() => r()));
      await relay.stop();
      await new Promise<void>(r => server.close(() => r()));
      dir.remove();
    }
  });
}, { runtimes: ['node'] });
