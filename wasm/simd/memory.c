/*
 * memcpy, memmove and memset as single bulk-memory instructions (memory.copy, memory.fill), for the
 * SIMD module (every engine with SIMD128 also has bulk memory; ts/loader checks both).
 *
 * Emscripten 3.1.6's standalone libc copies with a C loop, four bytes at a time when source and
 * destination share their alignment and one byte at a time when they do not, which TLS records
 * (5-byte headers) often make them. Bulk data goes through several copies between the mem BIOs,
 * OpenSSL's record buffers and the caller's buffer; the profile of the SIMD module's ChaCha20 bulk
 * run put ~14% of the time in __memcpy. Linked before libc, these take the place of libc's.
 * Compiled with -mbulk-memory, clang lowers the builtins to the instructions (not to calls back here).
 */
#include <stddef.h>

void *memcpy(void *restrict dest, const void *restrict src, size_t n) {
  __builtin_memcpy(dest, src, n);
  return dest;
}

void *memmove(void *dest, const void *src, size_t n) {
  __builtin_memmove(dest, src, n);
  return dest;
}

void *memset(void *dest, int c, size_t n) {
  __builtin_memset(dest, c, n);
  return dest;
}
