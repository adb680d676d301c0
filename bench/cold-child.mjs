// One cold start, in a fresh Node process (started by bench/main.ts): from nothing loaded to the first
// completed TLS 1.3 handshake (X25519, ECDSA P-256), as phases. Prints one JSON line.
// Usage: node bench/cold-child.mjs wasm|node LIB.mjs WASM FIXTURES_DIR
// The PEM files are read before the clock starts: configuration, the same for both sides.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const [mode, lib, wasmPath, fx] = process.argv.slice(2);
const pem = (name) => readFileSync(`${fx}/${name}`, 'utf8');
const ca = pem('ca.pem'), cert = pem('server.pem'), key = pem('server.key');
const v = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };

// CPU time of the main thread alone (Linux: its scheduler clock, ns), which V8's background
// compilers do not add to and waiting for a busy core does not inflate; null elsewhere
const mainCpu = () => { try { return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6; } catch { return null; } };
const boot = performance.now(); // time since the process started
const t0 = performance.now();
const cpu0 = process.cpuUsage(), main0 = mainCpu();
const phases = {};
let last = t0;
const mark = (name) => { const t = performance.now(); phases[name] = t - last; last = t; };

if (mode === 'wasm') {
  const { OpenSSL, handshakeInMemory } = await import(pathToFileURL(lib).href);
  mark('import');
  const bytes = await readFile(wasmPath);
  mark('read');
  const module = await WebAssembly.compile(bytes);
  mark('compile');
  const ossl = await OpenSSL.load({ wasm: module });
  mark('instantiate');
  const server = ossl.createContext({ role: 'server', certificate: cert, privateKey: key, groups: 'X25519', ...v });
  const client = ossl.createContext({ role: 'client', ca, groups: 'X25519', ...v });
  mark('contexts');
  const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
  handshakeInMemory(c, s);
  if (!c.isHandshakeDone || !s.isHandshakeDone || c.protocol !== 'TLSv1.3') throw new Error('cold: no TLS 1.3 handshake');
  mark('handshake');
} else {
  const tls = (await import('node:tls')).default;
  const { Duplex } = await import('node:stream');
  mark('import');
  const sctx = tls.createSecureContext({ cert, key, ecdhCurve: 'X25519', ...v });
  const cctx = tls.createSecureContext({ ca, ecdhCurve: 'X25519', ...v });
  mark('contexts');
  const pair = () => {
    const a = new Duplex({ read() {}, write(ch, _e, cb) { b.push(ch); cb(); } });
    const b = new Duplex({ read() {}, write(ch, _e, cb) { a.push(ch); cb(); } });
    return [a, b];
  };
  const [a, b] = pair();
  await new Promise((resolve, reject) => {
    let n = 0;
    const done = () => { if (++n === 2) resolve(); };
    const server = new tls.TLSSocket(b, { isServer: true, secureContext: sctx });
    server.on('secure', done);
    server.on('error', reject);
    const client = tls.connect({ socket: a, secureContext: cctx, servername: 'localhost' }, done);
    client.on('error', reject);
  });
  mark('handshake');
}
const cu = process.cpuUsage(cpu0);
// cpu: CPU time from t0, all threads (V8 compiles wasm on background threads)
const main1 = mainCpu();
console.log(JSON.stringify({ mode, boot, phases, total: performance.now() - t0, cpu: (cu.user + cu.system) / 1000, mainCpu: main0 === null ? null : main1 - main0 }));
process.exit(0);
