// The browser TLS lab end to end: what `npm run demo:browser` starts (examples/browser/serve.mjs:
// native s_server -www, Node's tls server and openssl-wasm's, the relay allowing only those, the
// page's web server), the page opened in Debian's Chromium through playwright and driven through its
// controls. The test reads the ladders the page draws from the message callback, the session
// inspector's SSL_SESSION_print text, the files it offers (session DER, key log), and each server's
// own New/Reused verdict, and saves screenshots of the ladders to test-results/.
import { mkdirSync, readFileSync } from 'node:fs';
import process from 'node:process';
import { deepEqual, equal, match, ok } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';

const root = new URL('../../', import.meta.url);
const LIMIT = { launch: 20_000, page: 20_000, result: 30_000 };
const results = new URL('test-results/', root).pathname;

interface Server { id: string; label: string; target: string }
interface Demo { url: string; relay: string; servers: Server[]; close(): Promise<void> }
// The part of playwright's Page this test uses (playwright is loaded at run time, untyped).
interface Page {
  goto(url: string, o: object): Promise<unknown>;
  waitForSelector(sel: string, o?: object): Promise<unknown>;
  waitForEvent(name: 'download'): Promise<{ path(): Promise<string>; saveAs(path: string): Promise<void>; suggestedFilename(): string }>;
  getAttribute(sel: string, name: string): Promise<string | null>;
  textContent(sel: string): Promise<string | null>;
  selectOption(sel: string, value: string): Promise<unknown>;
  click(sel: string): Promise<void>;
  setInputFiles(sel: string, path: string): Promise<void>;
  evaluate<T>(fn: (() => T) | string): Promise<T>;
  $$eval<T>(sel: string, fn: (els: any[]) => T): Promise<T>;
  locator(sel: string): { screenshot(o: { path: string }): Promise<unknown> };
  screenshot(o: object): Promise<unknown>;
  setDefaultTimeout(ms: number): void;
  on(event: string, fn: (x: any) => void): void;
}
interface Lab { page: Page; demo: Demo; relayLog: string[]; pageLog: string[]; server(id: string): Server }

/** Starts the demo and Chromium, opens the page, waits for its first run; always stops both. */
async function withLab(fn: (lab: Lab) => Promise<void>): Promise<void> {
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
  let browser: { close(): Promise<void>; newPage(o?: object): Promise<Page> } | undefined;
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', // Debian's; never a downloaded browser
      headless: true,
      timeout: LIMIT.launch,
      env: { ...process.env, XDG_CONFIG_HOME: `${chromiumHome}config`, XDG_CACHE_HOME: `${chromiumHome}cache` },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser!.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(LIMIT.page);
    page.on('console', (m: { type(): string; text(): string }) => pageLog.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e: Error) => pageLog.push(`pageerror: ${e.message}`));
    await page.goto(demo.url, { timeout: LIMIT.page });
    await settled(page, pageLog);
    mkdirSync(results, { recursive: true });
    await fn({ page, demo, relayLog, pageLog, server: id => demo.servers.find(s => s.id === id)! });
  } finally {
    // Bounded: a browser that does not close must not hold the test (or leave the servers running).
    await Promise.race([browser?.close().catch(() => undefined), new Promise(r => setTimeout(r, 10_000))]);
    await demo.close();
  }
}

/** Waits for the page's `runs`-th run to end (it counts them in body[data-runs]); returns 'done' or 'error'. */
async function settled(page: Page, pageLog: string[], runs = 1): Promise<string> {
  await page.waitForSelector(`body[data-runs="${runs}"]`, { timeout: LIMIT.result });
  const state = await page.getAttribute('body', 'data-state');
  ok(state === 'done' || state === 'error', `state ${state}: ${pageLog.join('; ')}`);
  return state!;
}

/** Sets the controls and runs a full, then a resumed handshake. */
async function run(page: Page, pageLog: string[], o: { server: string; version: string; group: string }): Promise<string> {
  await page.selectOption('#server', o.server);
  await page.selectOption('#version', o.version);
  await page.selectOption('#group', o.group);
  return click(page, pageLog, '#run');
}

/** Clicks a button that starts a run; waits for that run to end. */
async function click(page: Page, pageLog: string[], button: string): Promise<string> {
  const before = Number(await page.getAttribute('body', 'data-runs'));
  await page.click(button);
  return settled(page, pageLog, before + 1);
}

/** The ladder's arrows, as "Name →" (sent) or "Name ←" (received); `kind` filters. */
function ladder(page: Page, panel: 'full' | 'resumed', kind?: string): Promise<string[]> {
  return page.$$eval(`#${panel} g.step${kind ? `[data-kind=${kind}]` : ''}`,
    (gs: { dataset: Record<string, string> }[]) => gs.map(g => `${g.dataset.name} ${g.dataset.direction === 'sent' ? '→' : '←'}`));
}

/** How each arrow is drawn: clear, secret (encrypted), ccs, warning or alert (fatal). */
function tones(page: Page, panel: 'full' | 'resumed'): Promise<string[]> {
  return page.$$eval(`#${panel} g.step`, (gs: { classList: Iterable<string> }[]) => gs.map(g => [...g.classList].find(c => c !== 'step') ?? ''));
}

function sizes(page: Page, panel: 'full' | 'resumed'): Promise<Record<string, number>> {
  return page.$$eval(`#${panel} g.step[data-kind=handshake]`,
    (gs: { dataset: Record<string, string> }[]) => Object.fromEntries(gs.map(g => [g.dataset.name, Number(g.dataset.size)])));
}

function fields(page: Page, panel: 'full' | 'resumed'): Promise<Record<string, string>> {
  return page.$$eval(`#${panel} dd[data-field]`,
    (dds: { dataset: Record<string, string>; textContent: string }[]) => Object.fromEntries(dds.map(d => [d.dataset.field, d.textContent])));
}

/** Every connection went through the relay to an allow-listed server, and closed cleanly. */
function relayWentOnlyTo(relayLog: string[], targets: string[], count: number): void {
  equal(relayLog.length, count, relayLog.join('\n'));
  for (const line of relayLog) {
    const m = /-> (\S+) ok up=\d+ down=\d+ ws-close=1000 /.exec(line);
    ok(m && targets.includes(m[1]), line);
  }
}

/** No handle is left and nothing was left for the garbage collector. */
async function noLeaks(page: Page): Promise<void> {
  const stats = await page.evaluate(() => (globalThis as unknown as { labStats(): { handles: Record<string, number>; finalized: number } }).labStats());
  for (const [kind, n] of Object.entries(stats.handles)) equal(n, 0, `live ${kind} handles`);
  equal(stats.finalized, 0, 'handles collected instead of freed');
}

const TLS13_FULL = ['ClientHello →', 'ServerHello ←', 'EncryptedExtensions ←', 'Certificate ←', 'CertificateVerify ←', 'Finished ←', 'Finished →'];
const TLS13_RESUMED = ['ClientHello →', 'ServerHello ←', 'EncryptedExtensions ←', 'Finished ←', 'Finished →'];

/** The handshake part of a TLS 1.3 ladder, then only NewSessionTickets (at least one). */
function tls13(steps: string[], handshake: string[]): void {
  deepEqual(steps.slice(0, handshake.length), handshake, steps.join(', '));
  const after = steps.slice(handshake.length);
  ok(after.length >= 1 && after.every(s => s === 'NewSessionTicket ←'), `tickets after the handshake: ${steps.join(', ')}`);
}

suite('browser TLS lab (Chromium)', test => {
  test('TLS 1.3 with s_server: full and resumed ladders, the session inspector, the key log, resuming from a saved session file', async () => {
    await withLab(async ({ page, pageLog, relayLog, server, demo }) => {
      // The page runs once on load with its defaults: s_server, TLS 1.3, X25519.
      equal(await page.getAttribute('body', 'data-state'), 'done', `${await page.textContent('#status')} ${pageLog.join('; ')}`);
      await page.screenshot({ path: `${results}browser-lab.png`, fullPage: true });
      await page.locator('#full').screenshot({ path: `${results}browser-lab-full.png` });
      await page.locator('#resumed').screenshot({ path: `${results}browser-lab-resumed.png` });
      // The controls, the comparison and both ladders: what examples/browser/lab.png (in the README) shows.
      // (Page code as strings: this file is type-checked without the DOM's types, in Deno too.)
      const bottom = await page.evaluate<number>("document.querySelector('.pair').getBoundingClientRect().bottom + scrollY");
      await page.screenshot({ path: `${results}browser-lab-readme.png`, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 16 } });
      match(await page.textContent('#version-line') ?? '', /^OpenSSL 3\.5\.\d+ .*, in WebAssembly$/);

      tls13(await ladder(page, 'full', 'handshake'), TLS13_FULL);
      tls13(await ladder(page, 'resumed', 'handshake'), TLS13_RESUMED);
      // The handshake was done after the client's Finished, before the tickets.
      match(await page.textContent('#full .done-label') ?? '', /^handshake done at \+\d+\.\d ms$/);
      const order = await page.$$eval('#full .done, #full g.step', (els: { getAttribute(n: string): string | null; dataset: Record<string, string> }[]) =>
        els.map(e => e.getAttribute('class') === 'done' ? 'done' : e.dataset.name));
      equal(order[order.indexOf('done') - 1], 'Finished');
      equal(order[order.indexOf('done') + 1], 'NewSessionTicket');
      // Cleartext up to the ServerHello, encrypted after it.
      const drawn = await tones(page, 'full'), names = await ladder(page, 'full');
      names.forEach((n, i) => equal(drawn[i], /^(ClientHello|ServerHello) /.test(n) ? 'clear' : n.startsWith('ChangeCipherSpec') ? 'ccs' : n.startsWith('Alert') ? 'warning' : 'secret', n));
      // Besides the handshake: the compatibility-mode ChangeCipherSpecs and the closing alerts.
      for (const panel of ['full', 'resumed'] as const) {
        const other = (await ladder(page, panel)).filter(s => !/^(ClientHello|ServerHello|EncryptedExtensions|Certificate|CertificateVerify|Finished|NewSessionTicket) /.test(s));
        ok(other.every(s => /^(ChangeCipherSpec|Alert close_notify \(warning\)) [→←]$/.test(s)), other.join(', '));
      }
      const full = await fields(page, 'full'), resumed = await fields(page, 'resumed');
      equal(full.protocol, 'TLSv1.3');
      equal(full.group, 'x25519');
      equal(full.reused, 'no');
      match(full.server, /^New, TLSv1\.3, Cipher is TLS_/);
      match(full.time, /^\d+\.\d ms \(ClientHello to done/);
      // The comparison: a bar each for time and bytes, full then resumed.
      const bars = await page.$$eval('#compare .bar', (bs: { textContent: string }[]) => bs.map(b => b.textContent));
      equal(bars.length, 4, bars.join(' | '));
      match(bars[0], /^\d+\.\d ms$/);
      equal(bars[1], full.bytes.replace(/ in \d+ messages$/, ' B'));
      equal(resumed.reused, 'yes');
      match(resumed.server, /^Reused, TLSv1\.3, Cipher is TLS_/);
      equal(resumed.cipher, full.cipher);

      // The inspector shows the full handshake's session as SSL_SESSION_print writes it.
      const text = await page.textContent('#inspector .session-text') ?? '';
      match(text, /^SSL-Session:\n {4}Protocol {2}: TLSv1\.3\n/);
      match(text, /TLS session ticket lifetime hint: \d+/);

      // The key log: five secrets per TLS 1.3 connection, each a line Wireshark reads.
      const [keylogFile] = await Promise.all([page.waitForEvent('download'), page.click('#keylog-save')]);
      const lines = readFileSync(await keylogFile.path(), 'utf8').trim().split('\n');
      equal(lines.length, 10, lines.join('\n'));
      for (const line of lines) match(line, /^(CLIENT|SERVER)_(HANDSHAKE_TRAFFIC_SECRET|TRAFFIC_SECRET_0) [0-9a-f]{64} [0-9a-f]{64,96}$|^EXPORTER_SECRET [0-9a-f]{64} [0-9a-f]{64,96}$/);
      const clientRandoms = new Set(lines.filter(l => l.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET ')).map(l => l.split(' ')[1]));
      equal(clientRandoms.size, 2, 'one CLIENT_HANDSHAKE_TRAFFIC_SECRET per connection');

      // The session's DER, downloaded, is a session to native OpenSSL too; loaded back, it resumes.
      const [derFile] = await Promise.all([page.waitForEvent('download'), page.click('#inspector .session-save')]);
      equal(derFile.suggestedFilename(), 'session.der');
      const saved = `${results}browser-lab-session.der`;
      await derFile.saveAs(saved);
      const { execFileSync } = await import('node:child_process');
      match(execFileSync('openssl', ['sess_id', '-inform', 'DER', '-in', saved, '-noout', '-text'], { encoding: 'utf8' }), /Protocol {2}: TLSv1\.3/);
      await page.evaluate("document.querySelector('#inspector .session-text').textContent = ''");
      await page.setInputFiles('#inspector .session-file', saved);
      await page.waitForSelector('#inspector[data-loaded="browser-lab-session.der"]');
      match(await page.textContent('#inspector .session-source') ?? '', /^loaded from browser-lab-session\.der \(\d+ bytes\)$/);
      match(await page.textContent('#inspector .session-text') ?? '', /^SSL-Session:\n {4}Protocol {2}: TLSv1\.3\n/);
      equal(await click(page, pageLog, '#inspector .session-resume'), 'done', await page.textContent('#status') ?? '');
      tls13(await ladder(page, 'resumed', 'handshake'), TLS13_RESUMED);
      const again = await fields(page, 'resumed');
      equal(again.reused, 'yes');
      match(again.server, /^Reused, TLSv1\.3, /);

      // The same session as PEM, as `openssl sess_id` (or s_client -sess_out) writes it.
      const pem = `${results}browser-lab-session.pem`;
      execFileSync('openssl', ['sess_id', '-inform', 'DER', '-in', saved, '-outform', 'PEM', '-out', pem]);
      await page.setInputFiles('#inspector .session-file', pem);
      await page.waitForSelector('#inspector[data-loaded="browser-lab-session.pem"]');
      match(await page.textContent('#inspector .session-source') ?? '', /^loaded from browser-lab-session\.pem /);
      match(await page.textContent('#inspector .session-text') ?? '', /^SSL-Session:\n {4}Protocol {2}: TLSv1\.3\n/);

      // A file that is not a session: OpenSSL's error, shown, and nothing offered to resume with.
      const junk = `${results}browser-lab-junk.der`;
      (await import('node:fs')).writeFileSync(junk, 'not a session');
      await page.setInputFiles('#inspector .session-file', junk);
      await page.waitForSelector('#inspector[data-loaded="browser-lab-junk.der"]');
      match(await page.textContent('#inspector .session-source') ?? '', /^browser-lab-junk\.der: sessionFromDER: not a DER SSL_SESSION/);
      equal(await page.getAttribute('#inspector .session-resume', 'disabled'), '');

      relayWentOnlyTo(relayLog, [server('s_server').target], 3);
      const wasm = await page.evaluate<string[]>("performance.getEntriesByType('resource').map(e => e.name).filter(n => n.endsWith('.wasm'))");
      equal(wasm.join(), new URL('openssl-simd.wasm', demo.url).href, 'the SIMD module came from beside the bundle');
      await noLeaks(page);
    });
  });

  test('TLS 1.2 with P-256 against Node\'s tls server: the TLS 1.2 ladders; the relay refuses what is not on its list', async () => {
    await withLab(async ({ page, pageLog, relayLog, server, demo }) => {
      equal(await run(page, pageLog, { server: 'node-tls', version: 'TLSv1.2', group: 'P-256' }), 'done', await page.textContent('#status') ?? '');
      await page.locator('.pair').screenshot({ path: `${results}browser-lab-tls12.png` });
      // OpenSSL's message callback reports the ChangeCipherSpec the client sends, not the server's
      // (a TLS 1.2 CCS received goes to the state machine, not through the record layer's callback).
      deepEqual(await ladder(page, 'full'), ['ClientHello →', 'ServerHello ←', 'Certificate ←', 'ServerKeyExchange ←', 'ServerHelloDone ←',
        'ClientKeyExchange →', 'ChangeCipherSpec →', 'Finished →', 'NewSessionTicket ←', 'Finished ←',
        'Alert close_notify (warning) ←', 'Alert close_notify (warning) →']);
      deepEqual(await tones(page, 'full'), ['clear', 'clear', 'clear', 'clear', 'clear', 'clear', 'ccs', 'secret', 'clear', 'secret', 'warning', 'warning']);
      // Resumed: no certificate, no key exchange; the server finishes first.
      const resumed = (await ladder(page, 'resumed')).filter(s => !s.startsWith('Alert close_notify'));
      deepEqual(resumed.filter(s => s !== 'NewSessionTicket ←'), ['ClientHello →', 'ServerHello ←', 'Finished ←', 'ChangeCipherSpec →', 'Finished →']);
      const full = await fields(page, 'full'), again = await fields(page, 'resumed');
      equal(full.protocol, 'TLSv1.2');
      match(full.group, /^(P-256|secp256r1|prime256v1)$/);
      match(full.server, /^New, TLSv1\.2, Cipher is ECDHE-ECDSA-/);
      equal(again.reused, 'yes');
      match(again.server, /^Reused, TLSv1\.2, /);
      match(await page.textContent('#inspector .session-text') ?? '', /^SSL-Session:\n {4}Protocol {2}: TLSv1\.2\n/);
      // TLS 1.2 has one secret per connection: the master secret, by client random.
      match(await page.textContent('#keylog-summary') ?? '', /^\d+ lines: .*CLIENT_RANDOM ×2/);
      relayWentOnlyTo(relayLog.slice(2), [server('node-tls').target], 2); // after the page's first run, with s_server
      // The relay is no open proxy: the page's own web server is not on its allow-list.
      const web = new URL(demo.url).host;
      const refused = await page.evaluate<string>(`new Promise(r => { const ws = new WebSocket(${JSON.stringify(`${demo.relay}?target=${web}`)}); ws.onclose = e => r(e.code + ' ' + e.reason); })`);
      equal(refused, `1008 target ${web} is not on the relay's allow-list`);
      match(relayLog.at(-1)!, /refused \(not on the allow-list\)/);
      await noLeaks(page);
    });
  });

  test('X25519MLKEM768: with openssl-wasm\'s server it is the group; s_server (OpenSSL 3.0) answers with a HelloRetryRequest or fails', async () => {
    await withLab(async ({ page, pageLog, relayLog, server }) => {
      equal(await run(page, pageLog, { server: 'wasm', version: 'TLSv1.3', group: 'X25519MLKEM768' }), 'done', await page.textContent('#status') ?? '');
      tls13(await ladder(page, 'full', 'handshake'), TLS13_FULL);
      tls13(await ladder(page, 'resumed', 'handshake'), TLS13_RESUMED);
      equal((await fields(page, 'full')).group, 'X25519MLKEM768');
      equal((await fields(page, 'resumed')).reused, 'yes');
      // The key shares: 1184 + 32 bytes from the client, 1088 + 32 back.
      await page.locator('.pair').screenshot({ path: `${results}browser-lab-mlkem.png` });
      const size = await sizes(page, 'full');
      ok(size.ClientHello > 1216 && size.ServerHello > 1120, JSON.stringify(size));

      // Offering X25519MLKEM768 then P-256 to OpenSSL 3.0: it asks for P-256 in a HelloRetryRequest.
      equal(await run(page, pageLog, { server: 's_server', version: 'TLSv1.3', group: 'X25519MLKEM768:P-256' }), 'done', await page.textContent('#status') ?? '');
      deepEqual((await ladder(page, 'full', 'handshake')).slice(0, 4), ['ClientHello →', 'HelloRetryRequest ←', 'ClientHello →', 'ServerHello ←']);
      equal((await fields(page, 'full')).group, 'secp256r1');
      await page.locator('#full').screenshot({ path: `${results}browser-lab-hrr.png` });

      // Only X25519MLKEM768: OpenSSL 3.0 has no group in common; the page shows the alert and the error.
      equal(await run(page, pageLog, { server: 's_server', version: 'TLSv1.3', group: 'X25519MLKEM768' }), 'error');
      await page.screenshot({ path: `${results}browser-lab-failure.png`, fullPage: true });
      deepEqual(await ladder(page, 'full'), ['ClientHello →', 'Alert handshake_failure (fatal) ←']);
      match(await page.textContent('#full .error') ?? '', /^failed: .*handshake failure/i);
      match(await page.textContent('#status') ?? '', /\(this server's OpenSSL has no X25519MLKEM768: choose the openssl-wasm server, or offer P-256 as well\)$/);
      relayWentOnlyTo(relayLog.slice(0, -1), [server('s_server').target, server('wasm').target], 6);
      match(relayLog.at(-1)!, new RegExp(`-> ${server('s_server').target} ok `));
      await noLeaks(page);
    });
  });

  test('Encrypted Client Hello: against openssl-wasm\'s 4.0 server the page loads OpenSSL 4.0 and shows ECH success and both names, full and resumed', async () => {
    await withLab(async ({ page, pageLog, relayLog, server }) => {
      equal(await run(page, pageLog, { server: 'wasm-ech', version: 'TLSv1.3', group: 'X25519' }), 'done', await page.textContent('#status') ?? '');
      match(await page.textContent('#version-line') ?? '', /^OpenSSL 4\.0\.\d+ .*, in WebAssembly$/);
      const full = await fields(page, 'full'), resumed = await fields(page, 'resumed');
      equal(full.ech, 'success: inner localhost (hidden), outer server.test');
      equal(resumed.ech, 'success: inner localhost (hidden), outer server.test');
      equal(resumed.reused, 'yes');
      match(resumed.server, /^Reused, TLSv1\.3, /);
      await page.locator('.pair').screenshot({ path: `${results}browser-lab-ech.png` });
      relayWentOnlyTo(relayLog.slice(-2), [server('wasm-ech').target], 2);
      await noLeaks(page);
    });
  });
}, { runtimes: ['node'] });
