// One client process of the `load` scenario (bench/load.ts): keeps `concurrency` Node tls
// handshakes in flight against 127.0.0.1:PORT for DURATION ms, each a fresh TCP connection, full or
// resumed (with the ticket of its own first handshake), and prints one JSON line: handshakes done,
// how many resumed, and each one's latency (connect() to 'secureConnect', ms).
//   node bench/load-client.mjs PORT full|resumed CONCURRENCY DURATION_MS CA_FILE
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [port, mode, concurrency, duration, caFile] = process.argv.slice(2);
const ca = readFileSync(caFile, 'utf8');
const resume = mode === 'resumed';
const opts = { host: '127.0.0.1', port: Number(port), ca, servername: 'localhost', minVersion: 'TLSv1.3', ecdhCurve: 'X25519' };

/** One handshake: resolves with its latency, whether it resumed, and the client's first ticket. */
const handshake = (session) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  let ms = 0, ticket = null, reused = false;
  const s = tls.connect({ ...opts, ...(session ? { session } : {}) }, () => {
    ms = performance.now() - t0;
    reused = s.isSessionReused(); // null once the socket is closed: read it here
    // a full TLS 1.3 handshake's ticket comes after 'secureConnect': wait for it when one is wanted
    if (session || !resume) s.end();
  });
  s.on('session', t => { ticket ??= t; if (!session && resume) s.end(); });
  s.setTimeout(10_000, () => s.destroy(new Error('load client: no handshake within 10 s')));
  s.on('error', reject);
  s.on('close', () => (ms ? resolve({ ms, reused, ticket }) : reject(new Error('load client: closed before the handshake'))));
  s.resume();
});

const first = resume ? await handshake(null) : null;
if (resume && !first.ticket) throw new Error('load client: no ticket from the first handshake');
const latencies = [];
let reused = 0;
const end = performance.now() + Number(duration);
await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
  while (performance.now() < end) {
    const r = await handshake(first?.ticket ?? null);
    latencies.push(r.ms);
    if (r.reused) reused++;
  }
}));
console.log(JSON.stringify({ count: latencies.length, reused, latencies }));
