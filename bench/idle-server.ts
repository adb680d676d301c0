// The server process of the `idle` scenario (bench/idle.ts), one per measurement so nothing else
// lives in its memory: the Node adapter's createServer (openssl-wasm) or Node's tls.createServer on
// 127.0.0.1, TLS 1.3, X25519, ECDSA P-256. Bundled by bench/idle.ts; run with --expose-gc.
//   node --expose-gc idle-server.mjs wasm|node WASM_FILE FIXTURES_DIR
// Prints {"port"} once listening; then on each stdin line "measure" prints its memory after a full
// GC: RSS, JS heap, external and ArrayBuffer bytes, and for wasm the instance's linear memory (its
// size, and what malloc has handed out), with the count of connections established and still open.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import { createServer, OpenSSL } from '../ts/node.ts';

const [side, wasmFile, fixtures] = process.argv.slice(2);
const pem = (name: string) => readFileSync(`${fixtures}/${name}`, 'utf8');
const options = { cert: pem('server.pem'), key: pem('server.key'), minVersion: 'TLSv1.3', ecdhCurve: 'X25519' } as const;
const ossl = side === 'wasm' ? await OpenSSL.load({ wasm: readFileSync(wasmFile) }) : null;

let open = 0;
const onSocket = (s: { on(e: string, f: () => void): unknown; resume(): unknown }) => {
  open++;
  s.on('error', () => {});
  s.on('close', () => { open--; });
  s.resume();
};
const server = ossl
  ? createServer({ ...options, openssl: ossl }, onSocket as never)
  : tls.createServer(options, onSocket as never);
server.on('tlsClientError', () => {});
await new Promise<void>(r => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('idle-server: run with --expose-gc');
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'measure') continue;
  // several passes with turns of the event loop between: finalizers and weak callbacks run in between
  for (let i = 0; i < 4; i++) { gc(); await new Promise(r => setTimeout(r, 50)); }
  const m = process.memoryUsage();
  const s = ossl?.stats();
  console.log(JSON.stringify({ open, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, linear: s?.memorySize ?? 0, heapInUse: s?.heapInUse ?? 0 }));
}
process.exit(0);
