/*
 * Geometric growth of linear memory. emscripten's standalone emscripten_resize_heap (what sbrk calls
 * when malloc needs more) grows memory by exactly what is asked: one 64 KiB page at a time, for most
 * allocations. Each memory.grow costs the engine more the larger the memory is (V8 replaces the
 * ArrayBuffer and re-accounts the whole memory), so with thousands of live connections most of
 * SSL_new's time went into growing: about 10 us per connection with room to spare, 30 to 120 us at
 * 200 MiB (bench: "connections live"). Growing by a fifth of the current size, at most 96 MiB, as
 * emscripten's own JavaScript runtime does (MEMORY_GROWTH_GEOMETRIC_STEP, _CAP), makes the number of
 * grows logarithmic in the heap size. Linked with -Wl,--wrap=emscripten_resize_heap, so sbrk's calls
 * come here; near the maximum, where the larger step does not fit, it grows by exactly what is asked.
 */
#include <stddef.h>

#define PAGE ((size_t)65536)
#define MAX_STEP ((size_t)96 << 20)

int __real_emscripten_resize_heap(size_t size);

int __wrap_emscripten_resize_heap(size_t size) {
  size_t old = __builtin_wasm_memory_size(0) * PAGE;
  size_t step = old / 5 < MAX_STEP ? old / 5 : MAX_STEP;
  size_t want = (old + step + PAGE - 1) / PAGE * PAGE;
  /* On wasm32 old + step stays below 4 GiB: memory is at most 2 GiB (emscripten's MAXIMUM_MEMORY). */
  if (want > size && __real_emscripten_resize_heap(want)) return 1;
  return __real_emscripten_resize_heap(size);
}
