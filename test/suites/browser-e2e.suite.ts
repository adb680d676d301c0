// The browser demo end to end: what `npm run demo:browser` starts (examples/browser/serve.mjs:
// native s_server -www, the relay allowing only it, the page's web server), the page opened in
// Debian's Chromium through playwright. The page's OpenSSL does a full TLS 1.3 handshake through
// the relay, then a resumed one with the session it saved to IndexedDB; the test reads what the
// page shows, and s_server's own verdict, and saves a screenshot to test-results/browser-demo.png.
import { mkdirSync } from 'node:fs';
import process from 'node:process';
import { equal, match, ok } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';

const root = new URL('../../', import.meta.url);
const LIMIT = { launch: 20_000, page: 20_000, result: 30_000 };

interface Demo { url: string; relay: string; target: string; sServerOutput(): string; close(): Promise<void> }

suite('browser demo (Chromium)', test => {
  test('the page does a full, then a resumed TLS 1.3 handshake through the relay; s_server agrees', async () => {
    // Loaded at run time, by URL: only Node runs this suite, but Deno loads this file too.
    const serve = await import(/* @vite-ignore */ new URL('examples/browser/serve.mjs', root).href) as {
      startDemo(o: { port: number; log(line: string): void }): Promise<Demo>;
    };
    const playwright = 'playwright';
    const { chromium } = await import(/* @vite-ignore */ playwright);
    const relayLog: string[] = [];
    const pageLog: string[] = [];
    const demo = await serve.startDemo({ port: 0, log: line => relayLog.push(line) });
    const chromiumHome = new URL('node_modules/.cache/chromium/', root).pathname;
    let browser: { close(): Promise<void>; newPage(): Promise<any> } | undefined;
    try {
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium', // Debian's; never a downloaded browser
        headless: true,
        timeout: LIMIT.launch,
        env: { ...process.env, XDG_CONFIG_HOME: `${chromiumHome}config`, XDG_CACHE_HOME: `${chromiumHome}cache` },
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      const page = await browser!.newPage();
      page.setDefaultTimeout(LIMIT.page);
      page.on('console', (m: { type(): string; text(): string }) => pageLog.push(`console.${m.type()}: ${m.text()}`));
      page.on('pageerror', (e: Error) => pageLog.push(`pageerror: ${e.message}`));
      await page.goto(demo.url, { timeout: LIMIT.page });
      await page.waitForSelector('body[data-state=done], body[data-state=error]', { timeout: LIMIT.result });
      mkdirSync(new URL('test-results/', root), { recursive: true });
      await page.screenshot({ path: new URL('test-results/browser-demo.png', root).pathname, fullPage: true });
      const state = await page.getAttribute('body', 'data-state');
      equal(state, 'done', `the page finished: ${await page.textContent('#error')} ${pageLog.join('; ')}`);

      const shown = (section: string) => page.$$eval(`#${section} td[data-field]`,
        (cells: { dataset: Record<string, string | undefined>; textContent: string | null }[]) => Object.fromEntries(cells.map(c => [c.dataset.field, c.textContent])));
      const first = await shown('first'), second = await shown('second');
      equal(first.protocol, 'TLSv1.3');
      equal(first.reused, 'no');
      match(first.server, /^New, TLSv1\.3, Cipher is TLS_/);
      ok(first.cipher?.startsWith('TLS_') && first.group, `cipher and group shown: ${first.cipher} ${first.group}`);
      equal(second.protocol, 'TLSv1.3');
      equal(second.reused, 'yes');
      match(second.server, /^Reused, TLSv1\.3, Cipher is TLS_/);
      equal(second.cipher, first.cipher);
      match(await page.textContent('#version') ?? '', /^OpenSSL 3\.5\.\d+ .*, in WebAssembly$/);

      // Both connections went through the relay to s_server, and nowhere else.
      equal(relayLog.length, 2, relayLog.join('\n'));
      for (const line of relayLog) match(line, new RegExp(`-> ${demo.target.replace(/\./g, '\\.')} ok up=\\d+ down=\\d+ ws-close=1000 `));
      const wasm = await page.evaluate(() => performance.getEntriesByType('resource').map(e => e.name).filter(n => n.endsWith('.wasm')));
      equal(wasm.join(), new URL('openssl-simd.wasm', demo.url).href, 'the SIMD module came from beside the bundle');
    } finally {
      // Bounded: a browser that does not close must not hold the test (or leave s_server running).
      await Promise.race([browser?.close().catch(() => undefined), new Promise(r => setTimeout(r, 10_000))]);
      await demo.close();
    }
  });
}, { runtimes: ['node'] });
