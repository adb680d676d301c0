// A real redis-server (Debian's) on 127.0.0.1 for the fleet tests: no persistence, stopped by the
// test. Every wait is bounded.
import type { ChildProcess } from 'node:child_process';
import { freePort } from './ports.ts';
import { startChild, whenReady } from './process.ts';

export interface RedisServer { port: number; proc: ChildProcess; stop(): Promise<void>; }

/** How many ports to try when another process takes the one picked between its release and Redis's bind. */
const ATTEMPTS = 5;

/**
 * Starts redis-server on a port no one holds, or on `at` (Redis coming back where it was, for
 * the clients that reconnect there). redis-server cannot be asked for port 0 (that means
 * no TCP at all), so a free port is picked and released, and Redis binds it: another process may
 * take it in between. Redis then exits saying "Address already in use", and a new port is tried.
 */
export async function startRedis(at?: number): Promise<RedisServer> {
  let last = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = at ?? await freePort();
    const child = startChild('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no',
      '--protected-mode', 'yes']);
    try {
      await whenReady(child, /Ready to accept connections/, 10_000, 'redis-server to start');
      return { port, proc: child.proc, stop: child.stop };
    } catch (e) {
      await child.stop();
      last = child.output();
      if (/Address already in use/i.test(last) && at === undefined) continue; // taken meanwhile: another port
      throw new Error(`redis-server did not start (is it installed? apt-get install redis-server): ${(e as Error).message}`);
    }
  }
  throw new Error(`redis-server found its port taken ${ATTEMPTS} times in a row: ${last}`);
}
