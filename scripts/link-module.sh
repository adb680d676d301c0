#!/usr/bin/env bash
# Links openssl.wasm and openssl-simd.wasm: wasm/shims.c plus the OpenSSL libraries, as
# standalone modules (no emscripten JS glue; ts/loader supplies the few imports), exporting exactly
# wasm/exports.txt's functions of the line. The 3.5 line's go to wasm/, the 4.0 line's to wasm/4.0/.
# Usage: [OPENSSL_WASM_LINE=4.0] scripts/link-module.sh LIBS_DIR [--asan]   (LIBS_DIR holds lib/ and include/, from build-libs.sh)
#   --asan  the same two modules with AddressSanitizer, into build/asan/ (never shipped; for
#           `npm run fuzz -- --asan`): this project's C (wasm/shims.c, ticket-keys.c, heap-growth.c,
#           wasm/simd/*.c) instrumented, every allocation (OpenSSL's too) with ASan's redzones and
#           quarantine; OpenSSL's own code is not instrumented (the libraries are the shipped ones).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
libs=$1
cd "$root"
line=${OPENSSL_WASM_LINE:-3.5}
outdir=wasm; [ "$line" = 3.5 ] || outdir=wasm/$line
asan=()
if [ "${2:-}" = --asan ]; then
  outdir=build/asan
  # asan-support.c stands in for the JS glue ASan expects and adds a self-test; mallinfo() (the
  # heapInUse of ossl.stats()) is answered from ASan's allocator, dlmalloc being replaced.
  asan=(-fsanitize=address wasm/asan-support.c -Wl,--wrap=mallinfo)
fi
mkdir -p "$outdir"
exported=$(node scripts/exports.mjs --emcc --line "$line")
echo "    $(echo "$exported" | tr ',' '\n' | wc -l) exports from wasm/exports.txt (line $line)"
# The osw_js_* functions of wasm/shims.c come from JavaScript (ts/raw/imports.ts). emcc only accepts
# undefined functions it finds in a JS library, so declare them in one, made from shims.c itself.
mkdir -p build
jslib=build/osw-imports.js
{ echo 'mergeInto(LibraryManager.library, {'
  grep -o 'IMPORT(osw_js_[a-z_]*)' wasm/shims.c | sed 's/IMPORT(\(.*\))/  \1: function () {},/'
  echo '});'; } > "$jslib"
# link OUT [EXTRA OBJECTS...]: the objects go before the libraries, so a definition of theirs
# replaces the archive member that has the same symbol (wasm/simd/README.md).
link() {
  local out=$1; shift
  emcc -O2 -Wall -Werror \
    -I"$libs/include" -Iwasm \
    "$@" wasm/shims.c wasm/ticket-keys.c wasm/heap-growth.c wasm/ech.c ${asan[@]+"${asan[@]}"} "$libs/lib/libssl.a" "$libs/lib/libcrypto.a" \
    -sSTANDALONE_WASM --no-entry \
    -sALLOW_MEMORY_GROWTH=1 -Wl,--wrap=emscripten_resize_heap \
    -sEXPORTED_FUNCTIONS="$exported${asan[0]:+,_osw_asan_selftest}" \
    --js-library "$jslib" \
    -o "build/$line-$out.tmp.wasm"
  node scripts/check-exports.mjs "build/$line-$out.tmp.wasm" "$line"
  mv "build/$line-$out.tmp.wasm" "$outdir/$out.wasm"
}

# The plain module: any engine with WebAssembly 1.0.
echo "    openssl.wasm (plain)"
link openssl
# The SIMD module, chosen by ts/loader when the engine validates SIMD128 and bulk memory (wasm/simd/):
# OpenSSL's portable ChaCha20 core and Poly1305 replaced by SIMD ones working on 4 blocks at a time,
# its table-based AES by a constant-time vector-permutation one, the library's constant-time GHASH
# (patch 0005) by a faster one with byte shuffles, libc's memcpy, memmove and memset by single
# bulk-memory instructions.
echo "    openssl-simd.wasm (SIMD128, bulk memory)"
simd_objects=()
for f in chacha20-simd poly1305-simd aes-simd ghash-simd memory; do
  # Under ASan, memcpy, memmove and memset are the sanitizer's own, which check both ranges.
  [ "$f" = memory ] && [ ${#asan[@]} -gt 0 ] && continue
  feature=-msimd128; [ "$f" = memory ] && feature=-mbulk-memory
  emcc -O3 "$feature" ${asan[0]:+-fsanitize=address} -Wall -Wextra -Werror -c "wasm/simd/$f.c" -o "build/$line-$f.o"
  simd_objects+=("build/$line-$f.o")
done
link openssl-simd "${simd_objects[@]}"
