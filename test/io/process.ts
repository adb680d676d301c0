// A child process started by a test (native openssl, redis-server, the relay, fleet servers): its
// output collected, waits for it bounded, and a stop that always returns.
import { spawn, type ChildProcess } from 'node:child_process';
import process from 'node:process';
import { until } from '../lib/wait.ts';

export interface Child {
  proc: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** The exit code once it has exited (128 for a signal), else null. */
  exitCode(): number | null;
  /** Ends it (`signal`, then SIGKILL if it lingers) and waits for the exit, 3 s at most. */
  stop(): Promise<void>;
}

export function startChild(cmd: string, args: string[], options: { stdin?: 'pipe' | 'ignore'; env?: Record<string, string | undefined>; signal?: NodeJS.Signals } = {}): Child {
  const proc = spawn(cmd, args, { stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  // A child that has exited (or reads no stdin, as `openssl req`) makes a write to its stdin fail
  // with EPIPE: not an error of the test, whose checks are on the output and exit code.
  proc.stdin?.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE') throw e; });
  let out = '';
  proc.stdout!.on('data', d => { out += d; });
  proc.stderr!.on('data', d => { out += d; });
  let code: number | null = null;
  const exited = new Promise<void>(r => proc.once('exit', (c, signal) => { code = c ?? (signal ? 128 : 1); r(); }));
  // Not found (ENOENT) and the like: an exit, with the reason in the output.
  proc.once('error', e => { out += `\n${cmd}: ${e.message}`; code ??= 127; });
  const wait = (ms: number) => Promise.race([exited, new Promise(r => setTimeout(r, ms))]);
  return {
    proc,
    output: () => out,
    exitCode: () => code,
    async stop() {
      if (code === null) proc.kill(options.signal ?? 'SIGKILL');
      await wait(2000);
      if (code === null) { proc.kill('SIGKILL'); await wait(1000); }
    },
  };
}

/**
 * Waits (bounded) until the child prints `ready` or exits; returns the match, or throws with its
 * output if it exited first.
 */
export async function whenReady(child: Child, ready: RegExp, ms: number, what: string): Promise<RegExpMatchArray> {
  let m: RegExpMatchArray | null = null;
  await until(() => (m = child.output().match(ready)) !== null || child.exitCode() !== null, ms, what);
  if (!m) throw new Error(`${what}: it exited (${child.exitCode()}) first: ${child.output()}`);
  return m;
}
