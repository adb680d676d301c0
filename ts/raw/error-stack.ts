import type { ErrorStackEntry } from '../errors.ts';
import { isOutOfMemory, OpenSSLError, OutOfMemoryError } from '../errors.ts';
import { ERR_TXT_STRING } from './constants.ts';
import type { RawOpenSSL } from './instance.ts';

/** Empties OpenSSL's (thread-local, here instance-wide) error stack, oldest entry first. */
export function drainErrorStack(raw: RawOpenSSL): ErrorStackEntry[] {
  const { capi, mem } = raw;
  const entries: ErrorStackEntry[] = [];
  mem.scope(s => {
    const file = s.out<'char*'>(), line = s.out<'i32'>(), func = s.out<'char*'>();
    const data = s.out<'char*'>(), flags = s.out<'i32'>();
    const text = s.alloc<'char'>(256);
    // Bounded: OpenSSL keeps at most ERR_NUM_ERRORS (16) entries.
    for (let i = 0; i < 64; i++) {
      const code = capi.ERR_get_error_all(file, line, func, data, flags);
      if (code === 0) break;
      capi.ERR_error_string_n(code, text, 256);
      const hasData = (mem.readI32(flags) & ERR_TXT_STRING) !== 0;
      entries.push({
        code,
        // ERR_GET_LIB / ERR_GET_REASON are inline functions in C: their bit layout, from err.h
        lib: code & 0x80000000 ? 2 /* ERR_LIB_SYS */ : (code >>> 23) & 0xff,
        reasonCode: code & 0x80000000 ? code & 0x7fffffff : code & 0x7fffff,
        library: mem.readCString(capi.ERR_lib_error_string(code)),
        reason: mem.readCString(capi.ERR_reason_error_string(code)),
        func: mem.readCString(mem.readPtr(func)),
        file: mem.readCString(mem.readPtr(file)),
        line: mem.readI32(line),
        data: hasData ? mem.readCString(mem.readPtr(data)) : null,
        message: mem.readCString(text) ?? '',
      });
    }
  });
  return entries;
}

/**
 * An OpenSSLError for a failed call, carrying (and clearing) the error stack; an OutOfMemoryError
 * when the stack shows that an allocation failed, since the call then says nothing about its input.
 */
export function openSSLError(raw: RawOpenSSL, what: string): OpenSSLError {
  const errors = drainErrorStack(raw);
  return isOutOfMemory(errors) ? new OutOfMemoryError(what, errors) : new OpenSSLError(what, errors);
}
