// A fleet server of test/fleet/ in a process of its own: bundled once per test process, started
// with the store key in its environment, ready once it prints `LISTENING <port>`.
import type { ChildProcess } from 'node:child_process';
import { startChild, whenReady } from './process.ts';

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
  const child = startChild(process.execPath, [await bundle(name), ...args], { env: { ...process.env, SESSION_STORE_KEY: key } });
  try {
    const m = await whenReady(child, /LISTENING (\d+)/, 15_000, `${what} to listen`);
    return { port: Number(m[1]), proc: child.proc, log: child.output, stop: child.stop };
  } catch (e) {
    await child.stop();
    throw e;
  }
}
