// Running the `openssl-wasm` command in tests (Node and Deno): main() in-process with bounded
// standard streams, real processes, the esbuild bundle of ts/cli.ts, and the in-process s_server.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIO } from '../../ts/cli/main.ts';
import type { OpenSSL } from '../../ts/node.ts';
import { match, ok } from '../lib/assert.ts';
import { fixturePath, tempDir, until } from './peers.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Standard input for an in-process run: what was pushed, then the end once end() is called. */
export class Input implements AsyncIterable<Uint8Array> {
  #chunks: Uint8Array[] = [];
  #ended = false;
  #wake: (() => void) | null = null;
  constructor(data?: string | Uint8Array, end = true) {
    if (data !== undefined) this.push(data);
    if (end) this.end();
  }
  push(data: string | Uint8Array): void {
    this.#chunks.push(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    this.#wake?.();
  }
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      if (this.#chunks.length) { yield this.#chunks.shift()!; continue; }
      if (this.#ended) return;
      await new Promise<void>(r => { this.#wake = r; });
      this.#wake = null;
    }
  }
}

/** Every line of `text` that `re` matches from its start (re is applied per line, 'gm'). */
export const lines = (text: string, re: RegExp): string[] => text.match(new RegExp(re.source, 'gm')) ?? [];

export interface Run { code: number; out: string; bytes: Uint8Array; err: string }

/** Runs main() in-process, bounded: the signal stops it after `ms`, and the test then fails. */
export function cli(ossl: OpenSSL, argv: string[], stdin: AsyncIterable<Uint8Array> | null = new Input(),
  options: { ms?: number; signal?: AbortSignal; onOut?: (text: string) => void; slowStdout?: { full(data: Uint8Array): boolean; drained(): Promise<void> } } = {}): Promise<Run> {
  const chunks: Uint8Array[] = [];
  let err = '';
  let out = '';
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const io: CliIO = {
    stdin,
    stdout: d => {
      const b = typeof d === 'string' ? new TextEncoder().encode(d) : d.slice();
      chunks.push(b);
      out += new TextDecoder().decode(b);
      options.onOut?.(out);
      if (options.slowStdout) return !options.slowStdout.full(b);
    },
    ...(options.slowStdout ? { stdoutDrained: () => options.slowStdout!.drained() } : {}),
    stderr: t => { err += t; },
    signal: stop.signal,
    openssl: ossl,
  };
  const ms = options.ms ?? 20_000;
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; stop.abort(); }, ms);
  return main(argv, io).then(code => {
    clearTimeout(timer);
    if (timedOut) throw new Error(`openssl-wasm ${argv.join(' ')} did not finish in ${ms} ms; output:\n${out}\n${err}`);
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) { bytes.set(c, o); o += c.length; }
    return { code, out, bytes, err };
  });
}

/** A process, bounded: resolves with its exit code and output. */
export function proc(cmd: string, args: string[], options: { input?: string | Uint8Array; env?: Record<string, string>; ms?: number; cwd?: string } = {}): Promise<{ code: number | null; out: string; err: string; bytes: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const outChunks: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => outChunks.push(d));
    p.stderr.on('data', (d: Buffer) => { err += d; });
    const ms = options.ms ?? 30_000;
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${cmd} ${args.join(' ')}: no exit in ${ms} ms; stderr: ${err}`)); }, ms);
    p.on('error', e => { clearTimeout(timer); reject(e); });
    p.on('close', code => {
      clearTimeout(timer);
      const bytes = Buffer.concat(outChunks);
      resolve({ code, out: bytes.toString('utf8'), err, bytes: new Uint8Array(bytes) });
    });
    p.stdin.on('error', () => undefined); // a process that exits without reading its input
    p.stdin.end(options.input ?? '');
  });
}

let bundled: Promise<string> | undefined;
/** ts/cli.ts bundled with esbuild into a temp dir, both lines' modules beside it (once per run). */
export function cliBundle(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import('esbuild');
    const dir = tempDir().path;
    await build({ entryPoints: { cli: join(root, 'ts/cli.ts') }, outdir: dir, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', external: ['node:*'], logLevel: 'warning' });
    mkdirSync(join(dir, '4.0'));
    for (const m of ['openssl.wasm', 'openssl-simd.wasm', '4.0/openssl.wasm', '4.0/openssl-simd.wasm']) copyFileSync(join(root, 'wasm', m), join(dir, m));
    return join(dir, 'cli.js');
  })();
  return bundled;
}

export function oneLineError(r: { code: number | null; err: string; out?: string }, re: RegExp, what: string): void {
  ok(r.code !== 0 && r.code !== null, `${what}: non-zero exit (got ${r.code})`);
  match(r.err, /^[^\n]+\n$/, `${what}: exactly one line on stderr`);
  match(r.err, re, what);
  ok(!/\n\s+at /.test(r.err + (r.out ?? '')), `${what}: no stack trace`);
}

/** The test certificate and key, as s_server's -cert/-key arguments. */
export const SERVER_KEY = ['-cert', fixturePath('server.pem'), '-key', fixturePath('server.key')];

/**
 * Starts the wasm s_server in-process with `args` (give SERVER_KEY, or -nocert) on a port of its
 * choosing; resolves once it prints ACCEPT. `output()` is all it has printed so far. `stdin` null:
 * none; an Input that never ends keeps a server going that would stop when its input ends.
 */
export async function wasmServer(ossl: OpenSSL, args: string[], options: { stdin?: Input | null; slowStdout?: { full(data: Uint8Array): boolean; drained(): Promise<void> } } = {}) {
  const stop = new AbortController();
  let out = '', port = 0;
  const running = cli(ossl, ['s_server', '-accept', '0', ...args], options.stdin ?? null, {
    signal: stop.signal, ms: 60_000, slowStdout: options.slowStdout,
    onOut: o => { out = o; const m = port ? null : /^ACCEPT 127\.0\.0\.1:(\d+)$/m.exec(o); if (m) port = Number(m[1]); },
  });
  let failed: unknown = null;
  running.catch(e => { failed = e; });
  await until(() => port > 0 || failed !== null, 10_000, 'the wasm s_server to print ACCEPT');
  if (failed) throw failed;
  return { port, running, output: () => out, stop: () => { stop.abort(); return running; } };
}

