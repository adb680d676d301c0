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
# The osw_js_* functions of wasm/shims.c come from JavaScript (ts/raw/imports.ts). emcc only accepts
# undefined functions it finds in a JS library, so declare them in one, made from shims.c itself.
mkdir -p build
jslib=build/osw-imports.js
{ echo 'mergeInto(LibraryManager.library, {'
  grep -o 'IMPORT(osw_js_[a-z_]*)' wasm/shims.c | sed 's/IMPORT(\(.*\))/  \1: function () {},/'
  echo '});'; } > "$jslib"
emcc -O2 -Wall -Werror \
  -I"$libs/include" -Iwasm \
  wasm/shims.c wasm/ticket-keys.c wasm/preinit.c "$libs/lib/libssl.a" "$libs/lib/libcrypto.a" \
  -sSTANDALONE_WASM --no-entry \
  -sALLOW_MEMORY_GROWTH=1 \
  -sEXPORTED_FUNCTIONS="$exported" \
  --js-library "$jslib" \
  -o build/openssl.tmp.wasm
node scripts/check-exports.mjs build/openssl.tmp.wasm
node scripts/preinit.mjs build/openssl.tmp.wasm
mv build/openssl.tmp.wasm wasm/openssl.wasm
