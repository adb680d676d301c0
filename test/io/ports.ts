// Ports for servers that cannot be told to pick their own (a child process given --port).
// Servers of our own listen on port 0 instead (test/io/node-tls.ts, listen()).
import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that was free a moment ago. Whoever binds it next may find it taken: the
 * caller retries on "address in use" (test/io/redis.ts) or the test fails and says so.
 */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.listen(0, '127.0.0.1', () => resolve()); });
  const port = (s.address() as { port: number }).port;
  await new Promise(r => s.close(r));
  return port;
}
