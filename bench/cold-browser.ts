// `npm run bench -- --only cold-browser`: cold start in Chromium (headless, Debian's /usr/bin/chromium
// through playwright; never a downloaded browser). Each run is a fresh browser profile (its own
// HTTP cache and code cache on disk); the page (bench/cold-page.ts) is loaded three times in it:
// the first load (nothing cached), the second right after (the HTTP cache serves the script and the
// module; V8 may already have cached the module's compiled code), and a third after a pause (V8
// writes wasm code to the cache once enough of it has tiered up, asynchronously).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { summarize, type Summary } from './stats.ts';

export const LOADS = ['first', 'second', 'third (after 5 s)'] as const;
interface PageResult { navToScript: number; phases: Record<string, number>; total: number; isolated: boolean }
/** CPU time of the load, ms, from Chromium's own counters (DevTools' Performance.getMetrics). */
interface LoadCpu { mainThread: number; renderer: number }
export interface ColdBrowserResult {
  runs: number;
  version: string;
  /** Per load: navigation start to the script's first line, the phases, and script to handshake. */
  loads: { name: string; navToScript: Summary; phases: Record<string, Summary>; total: Summary; fromNavigation: Summary; mainThreadCpu: Summary; rendererCpu: Summary }[];
}

export async function coldBrowser(root: string, outDir: string, runs: number, log: (s: string) => void): Promise<ColdBrowserResult> {
  const web = join(outDir, 'cold-web');
  mkdirSync(web, { recursive: true });
  await build({
    entryPoints: [join(root, 'bench/cold-page.ts')], outfile: join(web, 'cold.js'), bundle: true, format: 'esm', target: 'es2022',
    platform: 'browser', minify: true, loader: { '.pem': 'text', '.key': 'text' }, logLevel: 'warning',
  });
  writeFileSync(join(web, 'index.html'), '<!doctype html><meta charset="utf-8"><title>cold start</title><link rel="icon" href="data:,">\n<script type="module" src="./cold.js"></script>\n');
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', join(web, 'index.html')],
    '/cold.js': ['text/javascript; charset=utf-8', join(web, 'cold.js')],
    '/openssl-simd.wasm': ['application/wasm', join(root, 'wasm/openssl-simd.wasm')],
    '/openssl.wasm': ['application/wasm', join(root, 'wasm/openssl.wasm')],
  };
  const server: Server = await new Promise((res, rej) => {
    const s = createServer((req, resp) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const f = files[path];
      if (!f) { resp.writeHead(404).end(); return; }
      // cacheable, as a deployed page's assets are (the HTML is not, so every load runs the script);
      // cross-origin isolated, so performance.now() has 5 µs resolution
      resp.writeHead(200, {
        'content-type': f[0], 'cache-control': path === '/' ? 'no-store' : 'public, max-age=3600',
        'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp',
      }).end(readFileSync(f[1]));
    });
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => res(s));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const { chromium } = await import('playwright');
  const per: (PageResult & LoadCpu)[][] = LOADS.map(() => []);
  let version = '';
  try {
    for (let r = 0; r < runs; r++) {
      const profile = mkdtempSync(join(tmpdir(), 'osw-cold-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium', headless: true, timeout: 30_000,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      try {
        version = context.browser()?.version() ?? version;
        const page = context.pages()[0] ?? await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', e => errors.push(e.message));
        // CPU time, which waiting for a busy core does not inflate: ThreadTime is the page's main
        // thread since its navigation; ProcessTime the renderer's, all threads (compilers, GC), cumulative
        const cdp = await context.newCDPSession(page);
        await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
        const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map(m => [m.name, m.value]));
        for (let i = 0; i < LOADS.length; i++) {
          if (i === 2) await page.waitForTimeout(5000);
          const before = await metrics();
          await page.goto(url, { timeout: 30_000 });
          await page.waitForFunction(() => (globalThis as { __cold?: unknown }).__cold !== undefined, null, { timeout: 60_000, polling: 20 })
            .catch(e => { throw new Error(`cold page: no result (${e.message.split('\n')[0]}); page errors: ${errors.join('; ')}`); });
          const x = await page.evaluate(() => (globalThis as unknown as { __cold: PageResult & { ok: boolean; error?: string } }).__cold);
          if (!('phases' in x)) throw new Error(`cold page: ${(x as { error?: string }).error}`);
          const after = await metrics();
          per[i].push({ ...x, mainThread: after.ThreadTime * 1000, renderer: (after.ProcessTime - before.ProcessTime) * 1000 });
        }
      } finally {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      }
      log(`  run ${r + 1}: ${per.map(l => l.at(-1)!.total.toFixed(1)).join(' / ')} ms`);
    }
  } finally {
    server.close();
  }
  return {
    runs, version,
    loads: LOADS.map((name, i) => {
      const xs = per[i];
      return {
        name,
        navToScript: summarize(xs.map(x => x.navToScript)),
        phases: Object.fromEntries(Object.keys(xs[0].phases).map(p => [p, summarize(xs.map(x => x.phases[p]))])),
        total: summarize(xs.map(x => x.total)),
        fromNavigation: summarize(xs.map(x => x.navToScript + x.total)),
        mainThreadCpu: summarize(xs.map(x => x.mainThread)),
        rendererCpu: summarize(xs.map(x => x.renderer)),
      };
    }),
  };
}

const f = (s: Summary) => `${s.median.toPrecision(3)} [${s.p10.toPrecision(3)}–${s.p90.toPrecision(3)}]`;

export function coldBrowserMarkdown(r: ColdBrowserResult): string {
  const L = [`### Cold start in Chromium (ms, ${r.runs} fresh profiles, the page loaded three times in each; Chromium ${r.version}, headless)`, ''];
  L.push(`| phase | ${r.loads.map(l => `${l.name} load`).join(' | ')} |`, `|---|${r.loads.map(() => '---|').join('')}`);
  const row = (name: string, get: (l: ColdBrowserResult['loads'][number]) => Summary) => L.push(`| ${name} | ${r.loads.map(l => f(get(l))).join(' | ')} |`);
  row('navigation → script (HTML, the bundle fetched and evaluated)', l => l.navToScript);
  for (const p of Object.keys(r.loads[0].phases)) row(p === 'load' ? 'OpenSSL.load() (fetch, compileStreaming, instantiate)' : p, l => l.phases[p]);
  L.push(`| **script → first handshake** | ${r.loads.map(l => `**${f(l.total)}**`).join(' | ')} |`);
  row('navigation → first handshake', l => l.fromNavigation);
  row('(main-thread CPU, navigation → handshake)', l => l.mainThreadCpu);
  row('(renderer CPU, all threads; 10 ms ticks)', l => l.rendererCpu);
  L.push('');
  return L.join('\n');
}
