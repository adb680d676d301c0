// Native peers for interop tests (Node and Deno only): Debian's openssl CLI, on 127.0.0.1, each
// process and each wait bounded.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '../lib/wait.ts';
import { startChild, whenReady, type Child } from './process.ts';

export const fixturePath = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export { until };

export type Peer = Child;

const run = (cmd: string, args: string[]): Peer => startChild(cmd, args, { stdin: 'pipe' });

/**
 * `openssl s_server` on a free port of 127.0.0.1 with the test certificate; resolves once listening.
 * `program`: another openssl than Debian's (nativeOpenSSL4()).
 */
export async function sServer(extra: string[], program = 'openssl'): Promise<Peer & { port: number }> {
  const peer = run(program, ['s_server', '-accept', '127.0.0.1:0', '-cert', fixturePath('server.pem'),
    '-key', fixturePath('server.key'), '-naccept', '16', ...extra]);
  let port: number;
  try {
    port = Number((await whenReady(peer, /ACCEPT 127\.0\.0\.1:(\d+)/, 10_000, 's_server to listen'))[1]);
  } catch (e) {
    await peer.stop();
    throw e;
  }
  return { ...peer, port };
}

/** `openssl s_client`, with stdin kept open until `closeWhen` holds on its output (bounded). */
export async function sClient(args: string[], closeWhen: (out: string) => boolean, ms = 10_000, program = 'openssl'): Promise<string> {
  const peer = run(program, ['s_client', ...args]);
  try {
    await until(() => closeWhen(peer.output()) || peer.proc.exitCode !== null, ms, 's_client');
    peer.proc.stdin!.end();
    await until(() => peer.proc.exitCode !== null, ms, 's_client to exit');
    return peer.output();
  } finally {
    await peer.stop();
  }
}

/** `openssl` with the given arguments and stdin; resolves with its output and exit code. */
export async function openssl(args: string[], input?: Uint8Array | string, program = 'openssl'): Promise<{ code: number; out: string }> {
  const peer = run(program, args);
  peer.proc.stdin!.end(input ?? '');
  await until(() => peer.proc.exitCode !== null, 10_000, `openssl ${args[0]}`);
  return { code: peer.proc.exitCode!, out: peer.output() };
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'openssl-wasm-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

let native4: Promise<string> | undefined;
/**
 * The `openssl` program of the pinned OpenSSL 4.0 built natively (scripts/build-native-openssl.sh,
 * cached): the ECH peer, since Debian's openssl has no ECH. A cold build takes minutes, longer than a
 * test may: `npm test` builds it before the 4.0 runs; by hand, run the script once first.
 */
export function nativeOpenSSL4(): Promise<string> {
  native4 ??= new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL('../../scripts/build-native-openssl.sh', import.meta.url));
    const p = spawn('bash', [script, '--cached'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout!.on('data', d => { out += d; });
    p.stderr!.on('data', d => { err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.once('exit', code => {
      clearTimeout(timer);
      if (code === 0 && out.trim()) resolve(out.trim());
      else reject(new Error(`native OpenSSL 4.0 (the ECH peer) is not available: ${err.trim() || `exit code ${String(code)}`}`));
    });
  });
  return native4;
}
