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
  /**
   * The first (oldest) entry's packed code, or 0 when the stack was empty. Errors the Node adapter
   * emits carry Node's string code here instead (see nodeErrorCode); the number stays in opensslCode.
   */
  readonly code: number;
  /** The same packed code, under a name that keeps it where `code` is Node's string. */
  readonly opensslCode: number;
  readonly library: string | null;
  readonly reason: string | null;
  constructor(message: string, readonly errors: readonly ErrorStackEntry[] = [], options?: { cause?: unknown }) {
    super(errors.length ? `${message}: ${errors.map(e => e.message).join('; ')}` : message, options);
    this.code = this.opensslCode = errors[0]?.code ?? 0;
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
  /**
   * `options.instance: false` for the one case that is not an instance's linear memory: the engine
   * could not give a new instance a memory at all (loadRaw); `what` then says why.
   */
  constructor(what: string, errors: readonly ErrorStackEntry[] = [], options: { cause?: unknown; instance?: boolean } = {}) {
    super(options.instance === false ? `${what}: out of memory` :
      `${what}: out of memory (the instance's linear memory is exhausted; free connections and sessions ` +
      'no longer needed, or load another instance)', errors, { cause: options.cause });
  }
}

/** ERR_R_MALLOC_FAILURE (err.h): the reason OpenSSL's CRYPTO_malloc records when malloc fails. */
const ERR_R_MALLOC_FAILURE = 256 | (0x3 << 18);

/** Whether an error stack records a failed allocation. */
export function isOutOfMemory(errors: readonly ErrorStackEntry[]): boolean {
  return errors.some(e => e.lib !== 2 /* ERR_LIB_SYS */ && e.reasonCode === ERR_R_MALLOC_FAILURE);
}

// Node's ERR_LIB_* names (src/crypto/crypto_util.cc, OSSL_ERROR_CODES_MAP), by OpenSSL's numbers.
const NODE_LIBS: Record<number, string> = {
  2: 'SYS', 3: 'BN', 4: 'RSA', 5: 'DH', 6: 'EVP', 7: 'BUF', 8: 'OBJ', 9: 'PEM', 10: 'DSA', 11: 'X509', 13: 'ASN1',
  14: 'CONF', 15: 'CRYPTO', 16: 'EC', 20: 'SSL', 32: 'BIO', 33: 'PKCS7', 34: 'X509V3', 35: 'PKCS12', 36: 'RAND',
  37: 'DSO', 38: 'ENGINE', 39: 'OCSP', 40: 'UI', 41: 'COMP', 42: 'ECDSA', 43: 'ECDH', 44: 'OSSL_STORE', 45: 'FIPS',
  46: 'CMS', 47: 'TS', 48: 'HMAC', 50: 'CT', 51: 'ASYNC', 52: 'KDF', 53: 'SM2', 128: 'USER',
};

/**
 * The string code Node gives an OpenSSL error, derived from the reason string the way Node does:
 * "ERR_" + ("OSSL_" unless the SSL library) + library + "_" + the reason upper-cased with spaces as
 * underscores, e.g. ERR_SSL_WRONG_VERSION_NUMBER, ERR_OSSL_PEM_NO_START_LINE. Null without a reason.
 */
export function nodeErrorCode(entry: Pick<ErrorStackEntry, 'lib' | 'reason'>): string | null {
  if (!entry.reason) return null;
  const lib = NODE_LIBS[entry.lib];
  const prefix = lib === 'SSL' ? '' : 'OSSL_';
  return `ERR_${prefix}${lib ? `${lib}_` : ''}${entry.reason.toUpperCase().replace(/ /g, '_')}`;
}
