// `npm run soak`: full-plus-resumed cycles through the Node adapter over loopback sockets, on one
// instance, sampling its heap and live handles as it goes, to show that nothing accumulates over a
// long run. Bounded by --cycles (default 100,000) and --seconds; progress every 10 seconds.
//   npm run soak -- [--cycles N] [--seconds S] [--version TLSv1.3|TLSv1.2]
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { OpenSSL } from '../ts/index.ts';
import { connect, createServer, type TLSSocket } from '../ts/node.ts';

const args = process.argv.slice(2);
const opt = (name: string) => { const i = args.indexOf(`--${name}`); return i < 0 ? undefined : args[i + 1]; };
const cycles = Number(opt('cycles') ?? 100_000);
const seconds = Number(opt('seconds') ?? Infinity);
const version = (opt('version') ?? 'TLSv1.3') as 'TLSv1.3' | 'TLSv1.2';
const pem = (name: string) => readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8');

const ossl = await OpenSSL.load({ wasm: readFileSync(new URL('../wasm/openssl-simd.wasm', import.meta.url)) });
const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), minVersion: version, maxVersion: version }, s => s.end('x'));
await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as AddressInfo).port;
const ca = pem('ca.pem');

/** One connection: resolves with whether it resumed and the last session it was given. */
function once(session?: Uint8Array): Promise<{ reused: boolean; session?: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const c: TLSSocket = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: ossl, ca, session, minVersion: version, maxVersion: version });
    let got: Uint8Array | undefined, reused = false;
    const timer = setTimeout(() => { c.destroy(); reject(new Error('a cycle took more than 10 s')); }, 10_000);
    c.on('session', (der: Uint8Array) => { got = der; });
    c.on('secureConnect', () => { reused = c.isSessionReused(); });
    c.on('error', e => { clearTimeout(timer); reject(e); });
    c.on('data', () => undefined);
    c.on('close', () => { clearTimeout(timer); resolve({ reused, session: got }); });
    c.on('end', () => c.end());
  });
}

const sample = () => { const s = ossl.stats(); return { heap: s.heapInUse, handles: Object.values(s.handles).reduce((a, b) => a + b, 0), memory: s.memorySize }; };
const t0 = Date.now();
let n = 0, notResumed = 0, lastReport = t0;
let warm: ReturnType<typeof sample> | undefined;
const heaps: number[] = [];
while (n < cycles && (Date.now() - t0) / 1000 < seconds) {
  const full = await once();
  if (full.reused || !full.session) throw new Error(`cycle ${n}: the first connection ${full.reused ? 'resumed' : 'gave no session'}`);
  const again = await once(full.session);
  if (!again.reused) notResumed++;
  n++;
  if (n === 100) warm = sample();
  if (Date.now() - lastReport >= 10_000) {
    lastReport = Date.now();
    const s = sample();
    heaps.push(s.heap);
    console.log(`  ${n} cycles, ${(n / ((lastReport - t0) / 1000)).toFixed(1)} cycles/s, heapInUse ${s.heap}, live handles ${s.handles}, memory ${s.memory >> 20} MiB, rss ${process.memoryUsage().rss >> 20} MiB`);
  }
}
await new Promise<void>(r => server.close(() => r()));
await new Promise(r => setTimeout(r, 50));
const end = sample(), secs = (Date.now() - t0) / 1000;
console.log(`${n} full+resumed cycles (${version}) in ${secs.toFixed(0)} s, ${(n / secs).toFixed(1)} cycles/s; ${notResumed} not resumed`);
console.log(`heapInUse after 100 cycles ${warm?.heap ?? '-'}, at the end ${end.heap} (samples ${heaps.join(' ')}); live handles at the end ${end.handles}; memory ${end.memory >> 20} MiB`);
const failed = notResumed > 0 || end.handles !== 0 || (warm !== undefined && end.heap > warm.heap + 64 * 1024);
if (failed) console.log('SOAK FAILED: a cycle did not resume, a handle was left, or the heap grew by more than 64 KiB');
process.exit(failed ? 1 : 0);
