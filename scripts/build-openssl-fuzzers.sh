#!/usr/bin/env bash
# Builds OpenSSL's own fuzz entry points (fuzz/<name>.c of the pinned release) as standalone wasm
# modules against this project's libraries, into build/openssl-fuzz/<name>.wasm, for
# `npm run fuzz:openssl`. Those that do not fit this build's configuration (configured-out
# algorithms) are reported and skipped.
# Usage: scripts/build-openssl-fuzzers.sh [NAME...]   (default: server client asn1 x509)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export NODE_PATH=${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs
export OPENSSL_WASM_CACHE=${OPENSSL_WASM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openssl-wasm}
libs=$(cat "$OPENSSL_WASM_CACHE/last-libs")
. openssl-src/pin.sh
tarball=$(openssl-src/fetch.sh)
src=build/openssl-fuzz/src
rm -rf "$src"; mkdir -p "$src"
tar -xzf "$tarball" -C "$src" --strip-components=1 --wildcards '*/fuzz/*.c' '*/fuzz/*.h' '*/include/internal/*.h'
names=("$@"); [ ${#names[@]} -gt 0 ] || names=(server client asn1 x509)
for name in "${names[@]}"; do
  out=build/openssl-fuzz/$name.wasm
  if emcc -O2 -w -I"$libs/include" -I"$src/include" -I"$src/fuzz" \
      fuzz/openssl/driver.c "$src/fuzz/$name.c" "$src/fuzz/fuzz_rand.c" "$libs/lib/libssl.a" "$libs/lib/libcrypto.a" \
      -sSTANDALONE_WASM --no-entry -sALLOW_MEMORY_GROWTH=1 -sEXPORTED_FUNCTIONS=_malloc,_free,_osw_fuzz_one \
      -o "$out" 2> "build/openssl-fuzz/$name.log"; then
    echo "    $out"
  else
    echo "    $name: does not build here ($(grep -m1 -E 'error' "build/openssl-fuzz/$name.log" | cut -c1-160)); skipped"
  fi
done
