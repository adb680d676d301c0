// The browser demo: OpenSSL in this page talks TLS to a native `openssl s_server -www` through the
// WebSocket relay (openssl-wasm-relay), which only carries ciphertext. A full handshake, then a
// resumed one with the session the first connection saved to IndexedDB. `npm run demo:browser`
// builds this page and starts the server, the relay and a web server (examples/browser/serve.mjs).
import { connectWebSocket, IndexedDBSessionStore, OpenSSL, type Context, type TLSStream } from '../../ts/index.ts';

/** What serve.mjs tells the page: where the relay is and whom to trust. */
interface DemoConfig {
  relay: string;        // ws://127.0.0.1:PORT/?target=127.0.0.1:PORT
  target: string;       // the s_server behind the relay
  serverName: string;   // SNI and the name checked against its certificate
  ca: string;           // PEM of the CA that signed it
}

export interface ConnectionReport {
  protocol: string | null;
  cipher: string | null;
  group: string | null;
  reused: boolean;
  /** s_server's own verdict, the "New, ..." or "Reused, ..." line of its -www page. */
  server: string;
}

const $ = (id: string) => document.getElementById(id)!;

async function readAll(stream: TLSStream): Promise<string> {
  const decoder = new TextDecoder();
  const reader = stream.readable.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

async function fetchPage(relay: string, options: { openssl: OpenSSL; context: Context; serverName: string; sessionStore: IndexedDBSessionStore }): Promise<ConnectionReport> {
  const stream = await connectWebSocket(relay, options);
  await stream.handshake;
  // The connection is freed when the stream ends: read what we show now.
  const c = stream.connection;
  const report = { protocol: c.protocol, cipher: c.cipher, group: c.group, reused: c.sessionReused, server: '' };
  const writer = stream.writable.getWriter();
  await writer.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
  const page = await readAll(stream); // s_server -www answers, then closes (close_notify)
  await writer.close().catch(() => undefined);
  await stream.closed;
  report.server = /^(?:New|Reused), .*$/m.exec(page)?.[0] ?? '(no New/Reused line in the reply)';
  return report;
}

function show(slot: string, title: string, r: ConnectionReport): void {
  const rows: [string, string][] = [
    ['protocol', r.protocol ?? '-'], ['cipher', r.cipher ?? '-'], ['group', r.group ?? '-'],
    ['reused', r.reused ? 'yes' : 'no'], ['s_server says', r.server],
  ];
  const section = $(slot);
  section.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = title;
  const table = document.createElement('table');
  for (const [name, value] of rows) {
    const tr = table.insertRow();
    const th = document.createElement('th');
    th.textContent = name;
    const td = tr.insertCell();
    td.textContent = value;
    td.dataset.field = name === 's_server says' ? 'server' : name;
    tr.prepend(th);
  }
  section.append(h, table);
}

async function run(): Promise<void> {
  document.body.dataset.state = 'running';
  $('error').textContent = '';
  for (const id of ['first', 'second']) $(id).replaceChildren();
  const config = await (await fetch('./config.json', { cache: 'no-store' })).json() as DemoConfig;
  $('route').textContent = `this page -> ${config.relay} -> ${config.target} (s_server, certificate for ${config.serverName})`;
  const openssl = await OpenSSL.load(); // openssl.wasm beside demo.js
  $('version').textContent = `${openssl.version}, in WebAssembly`;
  const context = openssl.createContext({ role: 'client', ca: config.ca });
  // Sessions go to IndexedDB. Start empty, so that the first handshake is a full one.
  const sessionStore = new IndexedDBSessionStore('openssl-wasm-demo');
  await sessionStore.clear();
  const options = { openssl, context, serverName: config.serverName, sessionStore };
  try {
    const first = await fetchPage(config.relay, options);
    show('first', 'first connection (full handshake)', first);
    const second = await fetchPage(config.relay, options); // resumes from the store
    show('second', 'second connection (the session from IndexedDB)', second);
    (globalThis as { demoResult?: unknown }).demoResult = { first, second };
  } finally {
    context.free();
  }
  document.body.dataset.state = 'done';
}

function fail(e: unknown): void {
  $('error').textContent = `failed: ${e instanceof Error ? e.message : String(e)}`;
  document.body.dataset.state = 'error';
}

$('again').addEventListener('click', () => { run().catch(fail); });
run().catch(fail);
