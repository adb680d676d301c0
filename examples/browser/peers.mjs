// The TLS servers the browser lab can reach through the relay, each on a free port of 127.0.0.1,
// each with test/fixtures/server.pem (CN localhost, signed by test/fixtures/ca.pem), each answering
// a request with one line in the shape of `openssl s_server -www`'s verdict ("New, TLSv1.3, Cipher
// is ..." or "Reused, ...") and then closing:
//   - s_server:  the native `openssl s_server -www` (the system's OpenSSL, 3.0 on Debian 12),
//   - node-tls:  Node's own tls.createServer (Node's OpenSSL),
//   - wasm:      openssl-wasm's createServer in Node (dist/node.js: OpenSSL 3.5, so X25519MLKEM768),
//   - wasm-ech:  the same on the OpenSSL 4.0 line, with an Encrypted Client Hello key.
// Three OpenSSL builds on the server side: what a group or version does differs between them.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = name => join(root, 'test/fixtures', name);

/** `openssl s_server -www`; resolves once it listens. */
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

/**
 * Answers each secure connection as s_server -www does, in short: once the request's blank line
 * arrives (at most 8 KiB is read), one HTTP/1.0 reply with the verdict line, then close_notify.
 * Works for Node's TLSSocket and openssl-wasm's, which share these methods.
 */
function answerLikeSServer(socket) {
  let request = '';
  socket.setEncoding('latin1');
  socket.on('error', () => undefined); // a client that goes away is not the server's problem
  socket.on('data', chunk => {
    request += chunk;
    if (!request.includes('\r\n\r\n') && request.length < 8192) return;
    socket.removeAllListeners('data');
    const verdict = `${socket.isSessionReused() ? 'Reused' : 'New'}, ${socket.getProtocol()}, Cipher is ${socket.getCipher()?.name}`;
    socket.end(`HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n${verdict}\n`);
  });
}

/** Listens on a free port of 127.0.0.1; resolves with { port, stop() }. */
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({
        port: server.address().port,
        stop: () => new Promise(r => { server.close(() => r()); server.closeAllConnections?.(); setTimeout(r, 2000).unref(); }),
      });
    });
  });
}

async function startNodeTls() {
  const server = tls.createServer({ cert: readFileSync(fixture('server.pem')), key: readFileSync(fixture('server.key')) }, answerLikeSServer);
  server.on('tlsClientError', () => undefined); // a failed handshake shows in the page, not here
  const sockets = new Set();
  server.on('connection', s => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  const l = await listen(server);
  return { ...l, stop: async () => { for (const s of sockets) s.destroy(); await l.stop(); } };
}

/**
 * openssl-wasm's createServer on the OpenSSL 4.0 line with an Encrypted Client Hello key; `ech` is
 * its ECHConfigList in base64, what its HTTPS DNS record would publish, given to the page.
 */
async function startWasmEch() {
  const dist = join(root, 'dist/node.js');
  const { createServer, OpenSSL } = await import(new URL(`file://${dist}`).href).catch(e => {
    throw new Error(`could not load ${dist} (run ./build.sh): ${e.message}`);
  });
  const openssl = await OpenSSL.load({ line: '4.0' });
  const echKey = openssl.generateEchKey({ publicName: 'server.test' }); // a name the certificate also covers
  const ech = Buffer.from(openssl.echConfigList([echKey])).toString('base64');
  const server = createServer({ openssl, cert: readFileSync(fixture('server.pem'), 'utf8'), key: readFileSync(fixture('server.key'), 'utf8'),
    contextOptions: { echKeys: [echKey] } }, answerLikeSServer);
  server.on('tlsClientError', () => undefined);
  const sockets = new Set();
  server.on('connection', s => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  const l = await listen(server);
  return { ...l, ech, stop: async () => { for (const s of sockets) s.destroy(); await l.stop(); } };
}

async function startWasmTls() {
  const dist = join(root, 'dist/node.js');
  const { createServer } = await import(new URL(`file://${dist}`).href).catch(e => {
    throw new Error(`could not load ${dist} (run ./build.sh): ${e.message}`);
  });
  const server = createServer({ cert: readFileSync(fixture('server.pem'), 'utf8'), key: readFileSync(fixture('server.key'), 'utf8') }, answerLikeSServer);
  server.on('tlsClientError', () => undefined);
  const sockets = new Set();
  server.on('connection', s => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  const l = await listen(server);
  return { ...l, stop: async () => { for (const s of sockets) s.destroy(); await l.stop(); } };
}

/**
 * Starts the three servers. Resolves with [{ id, label, target, stop() }, ...]; if one fails to
 * start, the ones already started are stopped and the error is thrown.
 */
export async function startPeers() {
  const peers = [];
  const system = await systemOpenSSLVersion() ?? 'the system OpenSSL';
  const kinds = [
    ['s_server', () => startSServer(), `openssl s_server -www (native, ${system})`],
    ['node-tls', () => startNodeTls(), `Node tls.createServer (Node ${process.version}, OpenSSL ${process.versions.openssl})`],
    ['wasm', () => startWasmTls(), 'openssl-wasm createServer in Node (OpenSSL 3.5)'],
    ['wasm-ech', () => startWasmEch(), 'openssl-wasm createServer in Node (OpenSSL 4.0, Encrypted Client Hello)'],
  ];
  try {
    for (const [id, start, label] of kinds) {
      const p = await start();
      peers.push({ id, label, target: `127.0.0.1:${p.port}`, stop: p.stop, output: p.output, ...(p.ech ? { ech: p.ech } : {}) });
    }
  } catch (e) {
    for (const p of peers) await p.stop().catch(() => undefined);
    throw e;
  }
  return peers;
}

/** The system OpenSSL's version line (`openssl version`), for the s_server label. */
function systemOpenSSLVersion() {
  return new Promise(resolve => {
    const proc = spawn('openssl', ['version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    proc.stdout.on('data', d => { out += d; });
    proc.once('error', () => resolve(null));
    proc.once('exit', () => resolve(out.trim().replace(/ \(Library:.*\)$/, '') || null));
  });
}
