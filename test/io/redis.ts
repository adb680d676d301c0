// A real redis-server (Debian's) on 127.0.0.1 for the fleet tests: a free port, no persistence,
// stopped by the test. Every wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { until } from '../lib/wait.ts';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>(r => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise(r => s.close(r));
  return port;
}

export interface RedisServer { port: number; proc: ChildProcess; stop(): Promise<void>; }

export async function startRedis(port?: number): Promise<RedisServer> {
  const p = port ?? await freePort();
  const proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(p), '--save', '', '--appendonly', 'no',
    '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', d => { out += d; });
  proc.stderr!.on('data', d => { out += d; });
  await until(() => /Ready to accept connections/.test(out) || proc.exitCode !== null, 10_000, 'redis-server to start');
  if (proc.exitCode !== null) throw new Error(`redis-server did not start (is it installed? apt-get install redis-server): ${out}`);
  const exited = new Promise<void>(r => proc.once('exit', () => r()));
  return {
    port: p, proc,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await Promise.race([exited, new Promise(r => setTimeout(r, 3000))]);
    },
  };
}
