// Linked only into the AddressSanitizer modules (build/asan/, `./build.sh --asan`; never shipped).
// emscripten's ASan runtime expects its JavaScript glue, which the standalone module has not: ts/raw
// supplies only WASI and the osw_js_* imports. These stand in for the rest, so the module loads
// through the ordinary loader: no ASAN_OPTIONS from a Module object (the defaults), no colours, and
// no symbolised stack in a report (the report still names the access, its address and the
// allocation it hit; then the module aborts, which the caller sees as a trap).
#include <malloc.h>
#include <sanitizer/allocator_interface.h>
#include <stddef.h>
#include <stdlib.h>

int emscripten_asm_const_int(const char *code, const char *arg_sigs, ...) { (void)code; (void)arg_sigs; return 0; }
double emscripten_asm_const_double(const char *code, const char *arg_sigs, ...) { (void)code; (void)arg_sigs; return 0; }
void *emscripten_return_address(int level) { (void)level; return 0; }
char *emscripten_get_module_name(char *buf, size_t length) {
  static const char name[] = "openssl-asan.wasm";
  size_t i = 0;
  for (; length && i < length - 1 && i < sizeof name - 1; i++) buf[i] = name[i];
  if (length) buf[i] = 0;
  return buf;
}
unsigned long emscripten_stack_snapshot(void) { return 0; }
unsigned emscripten_stack_unwind_buffer(unsigned long pc, unsigned long *buffer, unsigned depth) { (void)pc; (void)buffer; (void)depth; return 0; }
const char *emscripten_pc_get_function(unsigned long pc) { (void)pc; return 0; }
const char *emscripten_pc_get_file(unsigned long pc) { (void)pc; return 0; }
int emscripten_pc_get_line(unsigned long pc) { (void)pc; return 0; }
int emscripten_pc_get_column(unsigned long pc) { (void)pc; return 0; }

// A heap overflow by one byte, exported by the ASan build only: the fuzzer calls it once at start to
// show that the sanitizer is there (it must abort with a heap-buffer-overflow report).
__attribute__((used, visibility("default"))) int osw_asan_selftest(int n) {
  volatile char *p = malloc(16);
  p[n] = 1; // n = 16: one past the end
  int r = p[0];
  free((void *)p);
  return r;
}

// ossl.stats().heapInUse reads mallinfo().uordblks (wasm/shims.c); under ASan malloc is ASan's, not
// dlmalloc, whose mallinfo would say 0: the bytes ASan's allocator has handed out and not had back.
struct mallinfo __wrap_mallinfo(void) {
  struct mallinfo m = {0};
  m.uordblks = (int)__sanitizer_get_current_allocated_bytes();
  return m;
}
