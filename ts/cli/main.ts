/// <reference types="node" />
/**
 * The `openssl-wasm` command: `s_client`, `s_server`, `sess_id`, `ech` and `version`, shaped like
 * OpenSSL's. main() takes the arguments after the program name and an IO, returns the exit code,
 * and never throws: user errors become one line on stderr.
 */
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { CliError, drained, instance, oneLine, toBuffer, type CliIO } from './io.ts';
import { sClient } from './s_client.ts';
import { sServer } from './s_server.ts';
import { sessId } from './sess_id.ts';
import { ech } from './ech.ts';
import { isLine } from '../raw/lines.ts';

export type { CliIO } from './io.ts';

const COMMANDS: Record<string, { run: (argv: string[], io: CliIO) => Promise<number>; help: string }> = {
  s_client: { run: sClient, help: 'TLS client: connect, report the connection and sessions, relay standard input and output' },
  s_server: { run: sServer, help: 'TLS server: -www page, -WWW/-HTTP files, -rev, or relay standard input and output' },
  sess_id: { run: sessId, help: 'Read, print and convert TLS sessions (PEM, DER)' },
  ech: { run: ech, help: 'Encrypted Client Hello keys: generate, print (OpenSSL 4.0 line: OPENSSL_WASM_LINE=4.0)' },
  version: { run: version, help: 'Print the OpenSSL version inside' },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map(n => n.length)) + 2;
  return 'Usage: openssl-wasm command [options]\n\nCommands:\n' +
    Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}${c.help}\n`).join('') +
    '\n`openssl-wasm command -help` lists the options of a command.\n';
}

async function version(argv: string[], io: CliIO): Promise<number> {
  if (argv.length) throw new CliError(`version: unexpected argument '${argv[0]}'`);
  const ossl = await instance(io);
  io.stdout(`${ossl.version} (WebAssembly, openssl-wasm)\n`);
  return 0;
}

/** Runs one command; resolves with its exit code. */
export async function main(argv: readonly string[], io: CliIO = nodeIO()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '-help' || name === '--help' || name === '-h') {
      (name === undefined ? io.stderr : io.stdout)(help());
      return name === undefined ? 1 : 0;
    }
    const command = COMMANDS[name];
    if (!command) throw new CliError(`openssl-wasm: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      // Messages name their command; those from shared helpers (files) get it here.
      io.stderr(/^[\w-]+: /.test(e.message) && !/^cannot /.test(e.message) ? `${e.message}\n` : `${name}: ${e.message}\n`);
      return e.exitCode;
    }
    // Not a user error: still one line, naming the command, with the error's type for a report.
    const kind = e instanceof Error && e.name !== 'Error' ? `${e.name}: ` : '';
    io.stderr(`openssl-wasm ${name}: ${kind}${oneLine(e)}\n`);
    return 1;
  }
}

/**
 * Standard streams of this process (Node, or Deno through node:process), and the OpenSSL line
 * OPENSSL_WASM_LINE names (3.5 when unset).
 */
export function nodeIO(signal?: AbortSignal): CliIO {
  const line = process.env.OPENSSL_WASM_LINE;
  if (line !== undefined && line !== '' && !isLine(line)) {
    throw new CliError(`OPENSSL_WASM_LINE=${line}: the OpenSSL lines are 3.5 (the default) and 4.0`);
  }
  return {
    line: line || undefined,
    stdin: process.stdin as AsyncIterable<Buffer>,
    stdout: data => process.stdout.write(toBuffer(data)),
    stdoutDrained: () => drained(process.stdout),
    stderr: text => { process.stderr.write(text); },
    signal,
  };
}
