/// <reference types="node" />
/**
 * What a command reads and writes, so that main() runs the same in a process (Node, Deno) and
 * in-process under a test: standard streams, a stop signal, and where the module comes from.
 */
import { Buffer } from 'node:buffer';
import { writeFileSync, appendFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { OpenSSLError } from '../errors.ts';
import { concat } from '../raw/bytes.ts';
import { defaultInstance } from '../io/node.ts';
import type { WasmSource } from '../loader.ts';
import type { Line } from '../raw/lines.ts';
import { OpenSSL } from '../oo/openssl.ts';

export interface CliIO {
  /** Standard input as chunks; null: no input at all (as from /dev/null). */
  stdin: AsyncIterable<Uint8Array> | null;
  /** Writes to standard output; false when its buffer is full (a slow pipe): see stdoutDrained. */
  stdout(data: string | Uint8Array): boolean | void;
  /**
   * Resolves once standard output takes writes again after stdout() returned false. Data from a
   * peer then waits (its connection paused, so in the kernel and then the peer), as native s_client
   * and s_server block on their write; without it, stdout() is taken to keep up.
   */
  stdoutDrained?(): Promise<void>;
  stderr(text: string): void;
  /** Stops a command that would otherwise run on (s_server, an open s_client), as Ctrl-C does. */
  signal?: AbortSignal;
  /** The module to load (default: openssl-simd.wasm or openssl.wasm beside the library), or an instance to use. */
  wasm?: WasmSource;
  /** The OpenSSL line to load ('3.5' by default; a process takes it from OPENSSL_WASM_LINE). */
  line?: Line;
  openssl?: OpenSSL;
}

/** A user error: one line on stderr, exit code 1, no stack trace. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** The one-line text for any error: its message, without stack or line breaks. */
export function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The reasons of an OpenSSLError's stack ("no start line"), else its one-line message. */
export function openSSLReason(e: unknown): string {
  if (e instanceof OpenSSLError && e.errors.length) {
    const reasons = [...new Set(e.errors.map(x => x.reason).filter((r): r is string => !!r))];
    if (reasons.length) return reasons.join(', ');
  }
  return oneLine(e);
}

/** Node's errno codes as words, for messages about files and sockets. */
const ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EPIPE: 'broken pipe',
};

/** "connection refused (ECONNREFUSED)" from a Node/Deno system error, or its message. */
export function systemReason(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && ERRNO[code]) return `${ERRNO[code]} (${code})`;
  // Deno reports some failures as NotCapable/PermissionDenied with a long hint: keep the first line.
  return oneLine(e).replace(/^(\w+Error: )/, '');
}

/**
 * The most any file a command reads may hold (certificates, keys, CA bundles, sessions): far above
 * any real one, and a bound for `-in /dev/zero` or a FIFO that never ends.
 */
export const MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024;

/** A file's bytes, at most `maxBytes` of them (more is a CliError naming the bound). */
export function readFile(path: string, what: string, maxBytes = MAX_INPUT_FILE_BYTES): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    // A regular file says its size; a device or a pipe is read up to one byte past the bound.
    if (!st.isFile() || st.size <= maxBytes) bytes = readAtMost(path, maxBytes + 1);
  } catch (e) {
    throw new CliError(`cannot read ${what} ${path}: ${systemReason(e)}`);
  }
  if (bytes === undefined || bytes.length > maxBytes) {
    throw new CliError(`cannot read ${what} ${path}: it holds more than ${maxBytes} bytes, more than any ${what} (is it the right file?)`);
  }
  return bytes;
}

function readAtMost(path: string, limit: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (total < limit) {
      const chunk = new Uint8Array(Math.min(1 << 20, limit - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
    return concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/**
 * Standard input's bytes, at most `maxBytes` (more is a CliError naming the bound and `what`):
 * reading stops there, so an input that never ends does not fill memory.
 */
export async function readStdin(io: CliIO, what: string, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (io.stdin) {
    for await (const c of io.stdin) {
      const bytes = typeof c === 'string' ? new TextEncoder().encode(c) : c;
      total += bytes.length;
      if (total > maxBytes) throw new CliError(`standard input holds more than ${maxBytes} bytes, more than any ${what}`);
      chunks.push(bytes);
    }
  }
  return concat(chunks);
}

export function readText(path: string, what: string): string {
  return new TextDecoder().decode(readFile(path, what));
}

export function writeFile(path: string, data: string | Uint8Array, what: string): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new CliError(`cannot write ${what} ${path}: ${systemReason(e)}`);
  }
}

export function appendFile(path: string, data: string, what: string): void {
  try {
    appendFileSync(path, data);
  } catch (e) {
    throw new CliError(`cannot write ${what} ${path}: ${systemReason(e)}`);
  }
}

/** Size of a file, or -1 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/** The instance a command uses: the one in `io`, one loaded from `io.wasm`, or the shared default. */
export async function instance(io: CliIO): Promise<OpenSSL> {
  if (io.openssl) return io.openssl;
  try {
    if (io.wasm !== undefined || io.line !== undefined) return await OpenSSL.load({ wasm: io.wasm, line: io.line });
    return await defaultInstance();
  } catch (e) {
    throw new CliError(`cannot load the module: ${oneLine(e)}`);
  }
}

/** Text for stdout/stderr from bytes or a string. */
export function toBuffer(data: string | Uint8Array): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A sink of standard input: a promise it returns holds the next chunk back until it settles (the
 * connection it writes to has drained), as native s_client reads stdin only when it can write.
 */
export type InputSink = (chunk: Uint8Array) => void | Promise<void>;

/**
 * Standard input, read on demand and shared by the parts of a command in turn: chunks go to the
 * current sink, each once the sink has taken the one before; the end is reported once. Reading
 * starts with the first sink, so a command that never wants input never consumes it, and stops
 * while there is none (between connections), so that a large input waits in its source, not here.
 */
export class InputPump {
  #sink: InputSink | null = null;
  #onEnd: (() => void) | null = null;
  /** At most one chunk: read while a sink was attached, which was detached meanwhile. */
  #held: Uint8Array[] = [];
  #ended = false;
  #started = false;
  #iterator: AsyncIterator<Uint8Array> | null = null;
  /** Wakes the reader waiting for a sink (or for close()). */
  #wake: (() => void) | null = null;

  constructor(private readonly source: AsyncIterable<Uint8Array> | null) {}

  /** Sends input to `sink` from now on (and what arrived in between); `onEnd` once input ends. */
  attach(sink: InputSink, onEnd: () => void): void {
    this.#sink = sink;
    this.#onEnd = onEnd;
    for (const c of this.#held.splice(0)) void sink(c);
    if (this.#ended) { this.#onEnd = null; onEnd(); return; }
    this.#wake?.();
    this.#start();
  }

  detach(): void {
    this.#sink = null;
    this.#onEnd = null;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Stops reading (the process is about to exit, or the test is over). */
  close(): void {
    this.detach();
    const it = this.#iterator;
    this.#iterator = null;
    this.#wake?.();
    // Ends a pending read on process.stdin (it destroys the stream): nothing keeps the process up.
    void it?.return?.().catch(() => undefined);
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    if (!this.source) {
      this.#finish();
      return;
    }
    const it = this.source[Symbol.asyncIterator]();
    this.#iterator = it;
    void (async () => {
      try {
        for (;;) {
          while (!this.#sink && this.#iterator === it) await new Promise<void>(resolve => { this.#wake = resolve; });
          this.#wake = null;
          if (this.#iterator !== it) break;
          const r = await it.next();
          if (r.done || this.#iterator !== it) break;
          const chunk = typeof r.value === 'string' ? new TextEncoder().encode(r.value) : r.value;
          if (this.#sink) await this.#sink(chunk);
          else this.#held.push(chunk);
        }
      } catch {
        /* an input error ends the input */
      }
      this.#finish();
    })();
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    const end = this.#onEnd;
    this.#onEnd = null;
    end?.();
  }
}

/**
 * A peer's data to standard output: while stdout is full, `source` (the connection) is paused, so
 * what the peer sends waits in the kernel, not in this process's memory.
 */
export function peerToStdout(io: CliIO, source: { pause(): unknown; resume(): unknown }, data: Uint8Array): void {
  if (io.stdout(data) === false && io.stdoutDrained) {
    source.pause();
    void io.stdoutDrained().then(() => source.resume());
  }
}

/** Resolves once `stream` takes writes again ('drain') or has closed: an InputSink's wait. */
export function drained(stream: { on(event: string, f: () => void): unknown; off(event: string, f: () => void): unknown }): Promise<void> {
  return new Promise(resolve => {
    const done = () => { stream.off('drain', done); stream.off('close', done); resolve(); };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Resolves after `ms`, or at once when `signal` aborts; returns whether it was aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise(resolve => {
    if (signal?.aborted) return resolve(true);
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(false); }, ms);
    const onAbort = () => { clearTimeout(t); resolve(true); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
