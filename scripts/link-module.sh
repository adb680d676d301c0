#!/usr/bin/env bash
# Links wasm/openssl.wasm: wasm/shims.c plus the OpenSSL libraries, as a standalone module (no
# emscripten JS glue; ts/loader supplies the few imports), exporting exactly wasm/exports.txt.
# Usage: scripts/link-module.sh LIBS_DIR   (LIBS_DIR holds lib/ and include/, from build-libs.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
libs=$1
cd "$root"
exported=$(node scripts/exports.mjs --emcc)
echo "    $(echo "$exported" | tr ',' '\n' | wc -l) exports from wasm/exports.txt"
emcc -O2 -Wall -Werror \
  -I"$libs/include" -Iwasm \
  wasm/shims.c "$libs/lib/libssl.a" "$libs/lib/libcrypto.a" \
  -sSTANDALONE_WASM --no-entry \
  -sALLOW_MEMORY_GROWTH=1 \
  -sEXPORTED_FUNCTIONS="$exported" \
  -o wasm/openssl.wasm.tmp
node scripts/check-exports.mjs wasm/openssl.wasm.tmp
mv wasm/openssl.wasm.tmp wasm/openssl.wasm
