// A fleet server of test/fleet/ in a process of its own: bundled once per test process, started
// with the store key in its environment, ready once it prints `LISTENING <port>`.
import { spawn, type ChildProcess } from 'node:child_process';
import { until } from '../lib/wait.ts';

export interface FleetProcess { port: number; proc: ChildProcess; log(): string; stop(): Promise<void> }

const bundles = new Map<string, Promise<string>>();
function bundle(name: string): Promise<string> {
  let b = bundles.get(name);
  if (!b) {
    b = (async () => {
      const { bundleTs } = await import('../../scripts/bundle-ts.mjs');
      const src = new URL(`../fleet/${name}.ts`, import.meta.url).pathname;
      return bundleTs(src, new URL(`../../build/fleet/${name}-${process.pid}.mjs`, import.meta.url).pathname);
    })();
    bundles.set(name, b);
  }
  return b;
}

/** Starts test/fleet/`name`.ts with `args`; `what` names it in errors. */
export async function startFleetProcess(name: string, args: string[], key: string, what: string): Promise<FleetProcess> {
  const proc = spawn(process.execPath, [await bundle(name), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SESSION_STORE_KEY: key } });
  let out = '';
  proc.stdout!.on('data', d => { out += d; });
  proc.stderr!.on('data', d => { out += d; });
  await until(() => /LISTENING \d+/.test(out) || proc.exitCode !== null, 15_000, `${what} to listen`);
  if (proc.exitCode !== null) throw new Error(`${what} exited: ${out}`);
  const exited = new Promise<void>(r => proc.once('exit', () => r()));
  return {
    port: Number(out.match(/LISTENING (\d+)/)![1]), proc, log: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await Promise.race([exited, new Promise(r => setTimeout(r, 3000))]);
    },
  };
}
