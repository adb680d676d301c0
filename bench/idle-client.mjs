// One client process of the `idle` scenario (bench/idle.ts): opens COUNT Node tls connections to
// 127.0.0.1:PORT (TLS 1.3, X25519), at most INFLIGHT handshakes at a time, and keeps them open and
// silent. Prints {"ready": COUNT} once every one is established and has read the server's tickets,
// then holds them until its stdin closes.
//   node idle-client.mjs PORT COUNT INFLIGHT CA_FILE
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [port, count, inflight, caFile] = process.argv.slice(2).map((a, i) => (i < 3 ? Number(a) : a));
const opts = { host: '127.0.0.1', port, ca: readFileSync(caFile, 'utf8'), servername: 'localhost', minVersion: 'TLSv1.3', ecdhCurve: 'X25519' };
const sockets = [];

const open = () => new Promise((resolve, reject) => {
  const s = tls.connect(opts);
  const fail = (e) => reject(new Error(`idle client: connection ${sockets.length + 1}: ${e.message}`));
  s.setTimeout(30_000, () => s.destroy(new Error('no handshake and ticket within 30 s')));
  s.once('error', fail);
  // established: secure, and the server's TLS 1.3 ticket read (it comes after the handshake)
  s.once('session', () => { s.setTimeout(0); s.off('error', fail); s.on('error', () => {}); sockets.push(s); resolve(); });
  s.resume();
});

let next = 0;
await Promise.all(Array.from({ length: Math.min(inflight, count) }, async () => {
  while (next < count) { next++; await open(); }
}));
console.log(JSON.stringify({ ready: sockets.length }));
process.stdin.resume();
process.stdin.on('end', () => { for (const s of sockets) s.destroy(); process.exit(0); });
