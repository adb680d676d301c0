/**
 * The errors this library throws. OpenSSL's own failures are OpenSSLError, carrying the drained
 * error stack; misuse is a TypeError or RangeError naming the argument; a trap inside the module
 * makes the instance unusable and every later call throws InstanceFailedError.
 */

/** One entry of OpenSSL's error stack (ERR_get_error_all). */
export interface ErrorStackEntry {
  /** The packed error code. */
  code: number;
  /** ERR_GET_LIB(code), e.g. 20 for ERR_LIB_SSL. */
  lib: number;
  /** ERR_GET_REASON(code). */
  reasonCode: number;
  /** ERR_lib_error_string, e.g. "SSL routines". */
  library: string | null;
  /** ERR_reason_error_string, e.g. "certificate verify failed". */
  reason: string | null;
  /** The function, source file and line that raised it, and its extra data, when recorded. */
  func: string | null;
  file: string | null;
  line: number;
  data: string | null;
  /** ERR_error_string_n's one-line text. */
  message: string;
}

export class OpenSSLError extends Error {
  override name = 'OpenSSLError';
  /** The first (oldest) entry's packed code, or 0 when the stack was empty. */
  readonly code: number;
  readonly library: string | null;
  readonly reason: string | null;
  constructor(message: string, readonly errors: readonly ErrorStackEntry[] = [], options?: { cause?: unknown }) {
    super(errors.length ? `${message}: ${errors.map(e => e.message).join('; ')}` : message, options);
    this.code = errors[0]?.code ?? 0;
    this.library = errors[0]?.library ?? null;
    this.reason = errors[0]?.reason ?? null;
  }
}

/** Thrown by every call on an instance after a trap (or any exception) unwound through the module. */
export class InstanceFailedError extends Error {
  override name = 'InstanceFailedError';
  constructor(readonly during: string, cause: unknown) {
    super(
      `openssl-wasm: this instance can no longer be used: ${during} failed inside the WebAssembly module ` +
      `(${cause instanceof Error ? cause.message : String(cause)}), so OpenSSL's state in it is unknown. ` +
      'Load a new instance.',
      { cause },
    );
  }
}

/** Thrown when a JavaScript callback that OpenSSL called (new-session, keylog, ...) threw. */
export class CallbackError extends Error {
  override name = 'CallbackError';
  constructor(readonly callback: string, cause: unknown) {
    super(`the ${callback} callback threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Thrown when a callback calls back into the connection whose OpenSSL call is running (handshake()
 * from inside that handshake's keylog callback, say): OpenSSL cannot take up a connection it is in
 * the middle of. Do it after the running call returns (queueMicrotask, or from the caller).
 */
export class ReentrantCallError extends TypeError {
  override name = 'ReentrantCallError';
}

/**
 * The instance's linear memory is exhausted: malloc failed, inside OpenSSL (its error stack then
 * holds ERR_R_MALLOC_FAILURE) or in this library. Not a fault in the input. A WebAssembly memory
 * grows up to its maximum (2 GiB) and never shrinks: free the connections and sessions no longer
 * needed, or load another instance.
 */
export class OutOfMemoryError extends OpenSSLError {
  override name = 'OutOfMemoryError';
  constructor(what: string, errors: readonly ErrorStackEntry[] = []) {
    super(`${what}: out of memory (the instance's linear memory is exhausted; free connections and sessions ` +
      'no longer needed, or load another instance)', errors);
  }
}

/** ERR_R_MALLOC_FAILURE (err.h): the reason OpenSSL's CRYPTO_malloc records when malloc fails. */
const ERR_R_MALLOC_FAILURE = 256 | (0x3 << 18);

/** Whether an error stack records a failed allocation. */
export function isOutOfMemory(errors: readonly ErrorStackEntry[]): boolean {
  return errors.some(e => e.lib !== 2 /* ERR_LIB_SYS */ && e.reasonCode === ERR_R_MALLOC_FAILURE);
}
