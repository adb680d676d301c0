// A TLS peer that completes its handshake and then never reads, in a process of its own (Node):
// the kernel's buffers fill and the sender is held back by TCP itself. Deno's node:tls, used in
// the test's own process, keeps reading into JavaScript while paused, so it cannot play this part.
//   node stalled-peer.mjs server CERT KEY       prints "listening PORT"; every connection is paused
//   node stalled-peer.mjs client PORT CA        prints "secure" once connected; then paused
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';

const [mode, a, b] = process.argv.slice(2);
// A paused socket has no read pending, which alone would let the process exit (resetting the
// connection): stay until the test stops us.
setInterval(() => undefined, 60_000);
if (mode === 'server') {
  const server = tls.createServer({ cert: readFileSync(a), key: readFileSync(b) }, socket => {
    socket.on('error', () => undefined);
    socket.pause();
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
} else if (mode === 'client') {
  const socket = tls.connect({ host: '127.0.0.1', port: Number(a), servername: 'localhost', ca: readFileSync(b) }, () => {
    socket.pause();
    console.log('secure');
  });
  socket.on('error', e => { console.log(`error ${e.message}`); process.exit(1); });
} else {
  console.error('usage: stalled-peer.mjs server CERT KEY | client PORT CA');
  process.exit(2);
}
