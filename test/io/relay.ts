// The WebSocket relay (relay/relay.mjs) as the command users run, for tests in Node and Deno: a
// `node` child process on a free port of 127.0.0.1, each wait bounded.
import { fileURLToPath } from 'node:url';
import { until } from '../lib/wait.ts';
import { startChild } from './process.ts';

export const relayScript = fileURLToPath(new URL('../../relay/relay.mjs', import.meta.url));

export interface RelayProcess {
  port: number;
  url: string;
  output(): string;
  exitCode(): number | null;
  stop(): Promise<void>;
}

/** Runs `node relay/relay.mjs ARGS` and waits (30 s at most: a node start on a loaded machine) for it to listen or exit. */
export async function runRelay(args: string[]): Promise<RelayProcess> {
  // SIGTERM first: the relay closes its connections on it (SIGKILL follows if it lingers).
  const child = startChild('node', [relayScript, ...args], { signal: 'SIGTERM' });
  let port = 0;
  await until(() => {
    const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(child.output());
    if (m) port = Number(m[1]);
    return port > 0 || child.exitCode() !== null;
  }, 30_000, 'the relay to listen or exit');
  return { port, url: `ws://127.0.0.1:${port}/`, output: child.output, exitCode: child.exitCode, stop: child.stop };
}
