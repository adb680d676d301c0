// The browser TLS lab: OpenSSL in this page talks TLS, through the WebSocket relay (which carries only
// ciphertext), to one of the servers serve.mjs started. Pick the server, the version and the group;
// run a full handshake and a resumed one with the session it gave, and compare their ladders
// (ladder.ts); inspect the session, download it, load a saved one and resume with it
// (inspector.ts); download the key log for Wireshark. `npm run demo:browser` builds and serves it.
import { OpenSSL, type Context, type TLSVersion } from '../../ts/index.ts';
import { download } from './download.ts';
import { SessionInspector } from './inspector.ts';
import { drawLadder } from './ladder.ts';
import { probe, recorder, type ProbeResult } from './probe.ts';

/** What serve.mjs tells the page: the relay, the servers on its allow-list, whom to trust. */
interface LabConfig {
  relay: string;                                            // ws://127.0.0.1:PORT/
  servers: { id: string; label: string; target: string; ech?: string }[]; // the relay's allow-list; ech: the ECHConfigList (base64)
  serverName: string;                                       // SNI and the name checked against the certificate
  ca: string;                                               // PEM of the CA that signed the servers' certificate
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const server = $<HTMLSelectElement>('server'), version = $<HTMLSelectElement>('version'), group = $<HTMLSelectElement>('group');
const keylogLines: string[] = [];

let finished = 0;
function setState(state: 'running' | 'done' | 'error', message = ''): void {
  document.body.dataset.state = state;
  if (state !== 'running') document.body.dataset.runs = String(++finished); // runs over so far: what a test waits for
  $('status').textContent = message;
  for (const b of document.querySelectorAll<HTMLButtonElement>('button.runs')) b.disabled = state === 'running';
}

function newContext(openssl: OpenSSL, config: LabConfig): Context {
  const v = version.value as TLSVersion;
  return openssl.createContext({
    role: 'client', ca: config.ca, minVersion: v, maxVersion: v, groups: group.value,
    onMessage: recorder.message, keylog: recorder.keylog,
  });
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const handshakeBytes = (r: ProbeResult) => r.steps.reduce((n, s) => n + (s.kind === 'handshake' ? s.size : 0), 0);

/** What to try next when a handshake failed for a reason the choices explain. */
function hint(serverId: string): string {
  const mlkemOnly = group.value === 'X25519MLKEM768';
  if (group.value.startsWith('X25519MLKEM768') && version.value === 'TLSv1.2') {
    return 'X25519MLKEM768 is a TLS 1.3 group: choose TLS 1.3, or X25519 or P-256 for TLS 1.2';
  }
  if (mlkemOnly && serverId !== 'wasm') return 'this server\'s OpenSSL has no X25519MLKEM768: choose the openssl-wasm server, or offer P-256 as well';
  return '';
}

/** Fills a panel (#full or #resumed) with what a probe saw. */
function showProbe(slot: 'full' | 'resumed', title: string, r: ProbeResult, serverLabel: string): void {
  const panel = $(slot);
  panel.dataset.reused = String(r.reused);
  panel.querySelector('h2')!.textContent = title;
  const fmt = (n: number | null) => n === null ? '-' : `${n.toFixed(1)} ms`;
  const rows: [string, string, string][] = [
    ['protocol', 'protocol', r.protocol ?? '-'], ['cipher', 'cipher', r.cipher ?? '-'], ['group', 'group', r.group ?? '-'],
    ['reused', 'session reused', r.error && !r.protocol ? '-' : r.reused ? 'yes' : 'no'],
    ['connect', 'connect', r.connectMs === null ? '-' : `${fmt(r.connectMs)} (WebSocket + relay + TCP)`],
    ['time', 'handshake', r.handshakeMs === null ? '-' : `${fmt(r.handshakeMs)} (ClientHello to done)`],
    ['bytes', 'handshake bytes', `${handshakeBytes(r).toLocaleString('en')} in ${count(r.steps.filter(s => s.kind === 'handshake').length, 'message')}`],
    ['server', 'server says', r.error ? '-' : r.server],
    ...(r.ech ? [['ech', 'Encrypted Client Hello', `${r.ech.status}: inner ${r.ech.inner ?? '-'} (hidden), outer ${r.ech.outer ?? '-'}`] as [string, string, string]] : []),
  ];
  const dl = panel.querySelector('dl')!;
  dl.replaceChildren();
  for (const [field, name, value] of rows) {
    const dt = document.createElement('dt'), dd = document.createElement('dd');
    dt.textContent = name;
    dd.textContent = value;
    dd.dataset.field = field;
    dl.append(dt, dd);
  }
  panel.querySelector('.error')!.textContent = r.error ? `failed: ${r.error}` : '';
  panel.querySelector('.ladder-box')!.replaceChildren(drawLadder({ steps: r.steps, protocol: r.protocol, secureAt: r.secureAt, serverLabel }));
}

/** Bars comparing the two handshakes: time (ClientHello to done) and handshake bytes. */
function showComparison(pair: [string, ProbeResult][]): void {
  const most = { ms: Math.max(...pair.map(([, r]) => r.handshakeMs ?? 0), 1), bytes: Math.max(...pair.map(([, r]) => handshakeBytes(r)), 1) };
  const box = $('compare');
  box.replaceChildren();
  for (const [label, r] of pair) {
    const name = document.createElement('span');
    name.textContent = label;
    box.append(name);
    for (const [what, value, max, text] of [
      ['ms', r.handshakeMs ?? 0, most.ms, r.handshakeMs === null ? 'no handshake' : `${r.handshakeMs.toFixed(1)} ms`],
      ['bytes', handshakeBytes(r), most.bytes, `${handshakeBytes(r).toLocaleString('en')} B`],
    ] as const) {
      const cell = document.createElement('span'), bar = document.createElement('i');
      cell.className = `bar ${what}`;
      bar.style.width = `${(100 * value / max).toFixed(1)}%`;
      cell.append(bar, text);
      box.append(cell);
    }
  }
}

function showKeylog(): void {
  const labels = new Map<string, number>();
  for (const line of keylogLines) { const l = line.split(' ')[0]; labels.set(l, (labels.get(l) ?? 0) + 1); }
  $('keylog-summary').textContent = keylogLines.length === 0 ? 'no lines yet'
    : `${keylogLines.length} lines: ${[...labels].map(([l, n]) => `${l} ×${n}`).join(', ')}`;
  $<HTMLButtonElement>('keylog-save').disabled = keylogLines.length === 0;
}

async function main(): Promise<void> {
  const config = await (await fetch('./config.json', { cache: 'no-store' })).json() as LabConfig;
  for (const s of config.servers) server.add(new Option(`${s.label} — ${s.target}`, s.id));
  const openssl35 = await OpenSSL.load(); // openssl-simd.wasm (or openssl.wasm) beside lab.js
  $('version-line').textContent = `${openssl35.version}, in WebAssembly`;
  // The server with Encrypted Client Hello needs the OpenSSL 4.0 line: loaded (4.0/ beside lab.js) when first chosen.
  let openssl40: Promise<OpenSSL> | undefined;
  let loaded40: OpenSSL | undefined;
  const instanceFor = async (s: { ech?: string }) => s.ech ? (loaded40 = await (openssl40 ??= OpenSSL.load({ line: '4.0' }))) : openssl35;
  const openssl = openssl35;
  // For the test's leak check: both instances' handles (the 4.0 one once loaded).
  (globalThis as { labStats?: unknown }).labStats = () => {
    const all = [openssl35, ...(loaded40 ? [loaded40] : [])].map(o => o.stats());
    return { handles: Object.fromEntries(Object.keys(all[0].handles).map(k => [k, all.reduce((n, s) => n + s.handles[k as keyof typeof s.handles], 0)])),
      finalized: all.reduce((n, s) => n + s.finalized, 0) };
  };

  const chosen = () => config.servers.find(s => s.id === server.value)!;
  const route = () => { $('route').textContent = `this page → ${config.relay} → ${chosen().target}`; };
  server.addEventListener('change', route);
  route();

  /** Runs probes with a fresh context of the chosen version and group; the context is freed after. */
  const withContext = async (work: (context: Context, openssl: OpenSSL) => Promise<void>) => {
    setState('running', 'connecting…');
    let context: Context, openssl: OpenSSL;
    try {
      openssl = await instanceFor(chosen());
      $('version-line').textContent = `${openssl.version}, in WebAssembly`;
      context = newContext(openssl, config);
    } catch (e) {
      setState('error', `${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    try {
      await work(context, openssl);
    } catch (e) {
      const next = hint(chosen().id);
      setState('error', `failed: ${e instanceof Error ? e.message : String(e)}${next ? ` (${next})` : ''}`);
    } finally {
      context.free();
      showKeylog();
    }
  };
  const url = () => `${config.relay}?target=${chosen().target}`;
  const collect = (r: ProbeResult) => { keylogLines.push(...r.keylog); return r; };

  const inspector = new SessionInspector(openssl, $('inspector'), der => void withContext(async (context, openssl) => {
    const s = chosen();
    $('compare').replaceChildren(); // the bars compare a pair; this is one handshake
    const r = collect(await probe({ openssl, context, url: url(), serverName: config.serverName, session: der, ech: s.ech }));
    showProbe('resumed', `with the inspected session: ${r.reused ? 'resumed' : 'not resumed (a full handshake)'}`, r, s.id);
    if (r.error) throw new Error(r.error);
    setState('done', r.reused ? 'resumed with the inspected session' : 'the server did not resume the session: a full handshake instead');
  }));

  const runPair = () => withContext(async (context, openssl) => {
    const s = chosen();
    for (const slot of ['full', 'resumed']) for (const part of ['.ladder-box', 'dl', '.error']) $(slot).querySelector(part)!.replaceChildren();
    const full = collect(await probe({ openssl, context, url: url(), serverName: config.serverName, ech: s.ech }));
    showProbe('full', 'full handshake', full, s.id);
    $('compare').replaceChildren();
    if (full.error) throw new Error(full.error);
    if (!full.session) throw new Error('the server gave no session to resume with');
    inspector.show(full.session, `from the full handshake with ${s.id} (${full.session.length} bytes of DER)`);
    const resumed = collect(await probe({ openssl, context, url: url(), serverName: config.serverName, session: full.session, ech: s.ech }));
    showProbe('resumed', resumed.reused ? 'resumed handshake' : 'second handshake (not resumed)', resumed, s.id);
    showComparison([['full', full], [resumed.reused ? 'resumed' : 'second', resumed]]);
    if (resumed.error) throw new Error(resumed.error);
    setState('done', `${full.protocol}: a full handshake in ${full.handshakeMs} ms, then ${resumed.reused ? 'a resumed one' : 'another full one'} in ${resumed.handshakeMs} ms`);
  });

  $('run').addEventListener('click', () => void runPair());
  $('keylog-save').addEventListener('click', () => download('sslkeylog.txt', keylogLines.join('\n') + '\n', 'text/plain'));
  showKeylog();
  await runPair();
}

main().catch(e => setState('error', `failed: ${e instanceof Error ? e.message : String(e)}`));
