#!/usr/bin/env node
// openssl-wasm-relay: carries a WebSocket's binary messages to and from a TCP server, so a browser
// page can run TLS (openssl-wasm's connectWebSocket) end to end with that server. The relay sees
// only ciphertext. It is never an open proxy: it connects only to the host:port pairs given with
// --allow (compared as written, never resolved), and refuses to start without one.
//
//   openssl-wasm-relay --allow 127.0.0.1:4433 [--allow host:port ...] [--listen 127.0.0.1:8080]
//
// A client names its target in the URL: ws://127.0.0.1:8080/?target=127.0.0.1:4433 or
// ws://127.0.0.1:8080/127.0.0.1:4433. A target not on the list gets close code 1008 with the
// reason. Binary messages only (a text message: 1003). Bounded buffers both ways: the TCP socket is
// paused while the WebSocket has more than --high-water bytes queued, and the WebSocket is paused
// while the TCP socket's write buffer is full. When the server ends its side the WebSocket is closed
// (1000) after what it sent; when the WebSocket closes, the relay ends its side of the TCP
// connection after what the client sent. One log line per connection, when it ends.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const USAGE = `usage: openssl-wasm-relay --allow HOST:PORT [--allow HOST:PORT ...] [--listen HOST:PORT] [--high-water BYTES]
  --allow HOST:PORT   a TCP server clients may reach (required; repeat for more)
  --listen HOST:PORT  where to accept WebSocket connections (default 127.0.0.1:8080)
  --high-water BYTES  bytes queued per direction before the relay stops reading (default 1048576)
Clients name the target in the URL: ws://HOST:PORT/?target=HOST:PORT or ws://HOST:PORT/HOST:PORT`;

/** 'host:port' or '[v6]:port' -> { host, port, key } with the host lower-cased; throws if malformed. */
export function parseHostPort(text, what = 'address') {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:/?#\s[\]@]+)):(\d{1,5})$/.exec(String(text).trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`${what} must be HOST:PORT (or [IPv6]:PORT), got "${text}"`);
  const host = (m[1] ?? m[2]).toLowerCase();
  return { host, port, key: `${m[1] ? `[${host}]` : host}:${port}` };
}

/** The target a request names: ?target=HOST:PORT, or the path /HOST:PORT. */
export function requestedTarget(url) {
  const u = new URL(url, 'ws://relay.invalid');
  const text = u.searchParams.get('target') ?? decodeURIComponent(u.pathname.slice(1));
  if (!text) throw new Error('no target: use ?target=HOST:PORT');
  return parseHostPort(text, 'target');
}

export function parseArgs(argv) {
  const options = { listen: '127.0.0.1:8080', allow: [], highWaterMark: 1 << 20, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--allow') options.allow.push(value());
    else if (flag === '--listen') options.listen = value();
    else if (flag === '--high-water') options.highWaterMark = Number(value());
    else if (flag === '--help' || flag === '-h') options.help = true;
    else throw new Error(`unknown argument "${a}"`);
  }
  return options;
}

/**
 * Starts a relay. `allow`: the HOST:PORT targets (at least one). Resolves once listening with
 * { host, port, url, close() }.
 */
export async function startRelay({ listen = '127.0.0.1:8080', allow, highWaterMark = 1 << 20, log = line => console.log(line) } = {}) {
  if (!Array.isArray(allow) || allow.length === 0) {
    throw new Error('refusing to start without --allow HOST:PORT: the relay connects only to the targets it is given, never to any the client names');
  }
  if (!(Number.isInteger(highWaterMark) && highWaterMark > 0)) throw new Error(`--high-water must be a positive number of bytes, got ${highWaterMark}`);
  const allowed = new Set(allow.map(a => parseHostPort(a, '--allow').key));
  const at = parseHostPort(listen, '--listen');
  const lowWaterMark = highWaterMark >> 2;
  const http = createServer((req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' })
      .end('openssl-wasm-relay: connect with a WebSocket, e.g. ws://HOST:PORT/?target=HOST:PORT\n');
  });
  // maxPayload bounds a single message; TLS records are at most ~16 KiB anyway.
  const wss = new WebSocketServer({ server: http, maxPayload: 1 << 20, perMessageDeflate: false });
  const live = new Set();
  let counter = 0;

  wss.on('connection', (ws, req) => {
    const id = ++counter;
    const started = Date.now();
    const from = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    let target = null, up = 0, down = 0, outcome = null, closeCode = null, tcp = null;
    const finish = () => {
      live.delete(ws);
      log(`relay #${id} ${from} -> ${target?.key ?? '?'} ${outcome ?? 'closed'} up=${up} down=${down} ` +
        `ws-close=${closeCode ?? '-'} ${Date.now() - started}ms`);
    };
    live.add(ws);
    ws.once('close', code => { closeCode = code; if (!tcp) finish(); });

    try {
      target = requestedTarget(req.url ?? '/');
    } catch (e) {
      outcome = `refused (${e.message})`;
      ws.close(1008, e.message.slice(0, 120));
      return;
    }
    if (!allowed.has(target.key)) {
      outcome = 'refused (not on the allow-list)';
      ws.close(1008, `target ${target.key} is not on the relay's allow-list`.slice(0, 120));
      return;
    }

    ws.pause(); // nothing is read from the client until the target is connected
    tcp = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    tcp.setNoDelay(true);
    let tcpPaused = false, tcpDone = false, wsPaused = true;
    // A paused WebSocket would not read the client's answer to our closing handshake either.
    const resumeWs = () => { if (wsPaused) { wsPaused = false; ws.resume(); } };
    tcp.once('connect', () => { outcome = 'ok'; resumeWs(); });

    // client -> target
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        outcome = 'closed (a text message)';
        ws.close(1003, 'binary messages only');
        return;
      }
      up += data.length;
      if (tcpDone || tcp.writableEnded) return; // the target is gone: nothing to deliver to
      if (!tcp.write(data) && !wsPaused) { wsPaused = true; ws.pause(); }
    });
    tcp.on('drain', resumeWs);

    // target -> client
    const sent = () => {
      if (tcpPaused && ws.bufferedAmount <= lowWaterMark) { tcpPaused = false; tcp.resume(); }
    };
    tcp.on('data', chunk => {
      down += chunk.length;
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true }, sent);
      if (ws.bufferedAmount > highWaterMark && !tcpPaused) { tcpPaused = true; tcp.pause(); }
    });

    // The target ended its side: close the WebSocket after what it sent (ws sends in order).
    tcp.on('end', () => { if (ws.readyState === ws.OPEN) { resumeWs(); ws.close(1000, 'the target closed the connection'); } });
    tcp.on('error', e => {
      outcome = `target error (${e.code ?? e.message})`;
      resumeWs();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1011, `target ${target.key}: ${e.code ?? e.message}`.slice(0, 120));
    });
    tcp.on('close', () => {
      tcpDone = true;
      resumeWs();
      if (ws.readyState === ws.OPEN) ws.close(1000, 'the target closed the connection');
      if (ws.readyState === ws.CLOSED) finish();
      else ws.once('close', finish);
    });
    // The WebSocket closed: end our side of the TCP connection after what the client sent. The
    // target closes its side when done; if it does not within 10 s, the socket is destroyed.
    ws.once('close', () => {
      if (tcpDone) return;
      tcp.end();
      if (tcpPaused) tcp.resume(); // read (and drop) until the target closes
      setTimeout(() => tcp.destroy(), 10_000).unref();
    });
    ws.on('error', () => tcp.destroy());
  });

  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(at.port, at.host.replace(/^\[|\]$/g, ''), () => { http.off('error', reject); resolve(); });
  });
  const address = http.address();
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    host: address.address,
    port: address.port,
    url: `ws://${hostText}:${address.port}/`,
    allowed: [...allowed],
    close() {
      return new Promise(resolve => {
        for (const ws of live) ws.terminate();
        wss.close();
        http.closeAllConnections?.();
        http.close(() => resolve());
      });
    },
  };
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
    for (const a of options.allow) parseHostPort(a, '--allow');
    parseHostPort(options.listen, '--listen');
  } catch (e) {
    console.error(`openssl-wasm-relay: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) { console.log(USAGE); return; }
  if (options.allow.length === 0) {
    console.error(`openssl-wasm-relay: refusing to start without --allow HOST:PORT (it must never be an open proxy)\n${USAGE}`);
    process.exit(2);
  }
  let relay;
  try {
    relay = await startRelay(options);
  } catch (e) {
    console.error(`openssl-wasm-relay: ${e.message}`);
    process.exit(1);
  }
  console.log(`openssl-wasm-relay listening on ${relay.url} (targets: ${relay.allowed.join(', ')})`);
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { relay.close().then(() => process.exit(0)); });
}

// Run as a command (also through npm's bin link), not when imported.
const self = fileURLToPath(import.meta.url);
let invoked = null;
try { invoked = process.argv[1] && realpathSync(process.argv[1]); } catch { /* not a file */ }
if (invoked === self) await main();
