// The WebSocket relay (relay/relay.mjs) as the command users run, for tests in Node and Deno: a
// `node` child process on a free port of 127.0.0.1, each wait bounded.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from './peers.ts';

export const relayScript = fileURLToPath(new URL('../../relay/relay.mjs', import.meta.url));

export interface RelayProcess {
  port: number;
  url: string;
  output(): string;
  exitCode(): number | null;
  stop(): Promise<void>;
}

/** Runs `node relay/relay.mjs ARGS` and waits (10 s at most) for it to listen or exit. */
export async function runRelay(args: string[]): Promise<RelayProcess> {
  const proc = spawn('node', [relayScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', d => { out += d; });
  proc.stderr!.on('data', d => { out += d; });
  let code: number | null = null;
  const exited = new Promise<void>(r => proc.once('exit', (c, signal) => { code = c ?? (signal ? 128 : 1); r(); }));
  let port = 0;
  await until(() => {
    const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
    if (m) port = Number(m[1]);
    return port > 0 || code !== null;
  }, 10_000, 'the relay to listen or exit');
  return {
    port,
    url: `ws://127.0.0.1:${port}/`,
    output: () => out,
    exitCode: () => code,
    async stop() {
      if (code === null) proc.kill('SIGTERM');
      await Promise.race([exited, new Promise(r => setTimeout(r, 3000))]);
      if (code === null) proc.kill('SIGKILL');
    },
  };
}
