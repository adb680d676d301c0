#!/usr/bin/env bash
# Checks that the modules of both lines build to the same bytes elsewhere: copies this source to a
# temporary directory (another checkout path), links the modules there and compares them with
# wasm/*.wasm and wasm/4.0/*.wasm (OPENSSL_WASM_LINES="3.5" for one line);
# on a difference, scripts/wasm-sections.mjs names the sections and bytes that differ.
#   scripts/check-reproducible.sh          relinks from the cached libraries (a minute or two)
#   FULL=1 scripts/check-reproducible.sh   also builds the libraries again, in a temporary
#                                          OPENSSL_WASM_CACHE (as long as a first build)
# Run after ./build.sh (wasm/*.wasm must come from this source).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export NODE_PATH=${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs
export OPENSSL_WASM_CACHE=${OPENSSL_WASM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openssl-wasm}
lines=${OPENSSL_WASM_LINES:-3.5 4.0}
dir_of() { if [ "$1" = 3.5 ]; then echo wasm; else echo "wasm/$1"; fi; }
for line in $lines; do
  for m in openssl openssl-simd; do
    [ -f "$(dir_of "$line")/$m.wasm" ] || { echo "check-reproducible: no $(dir_of "$line")/$m.wasm: run ./build.sh first" >&2; exit 1; }
  done
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/osw-reproducible.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
copy="$tmp/another/checkout"
mkdir -p "$copy"
git ls-files -z -- build.sh openssl-src scripts wasm | tar --null -T - -cf - | tar -xf - -C "$copy" # what the build reads
echo "==> source copied to $copy"

emcc_version=$(emcc --version 2>&1 | head -1)
status=0
for line in $lines; do
  export OPENSSL_WASM_LINE=$line
  tarball=$(openssl-src/fetch.sh)
  if [ -n "${FULL:-}" ]; then
    echo "==> line $line: building the libraries again in $tmp/cache (minutes)"
    libs=$(cd "$copy" && OPENSSL_WASM_CACHE="$tmp/cache" scripts/build-libs.sh "$tarball" "$emcc_version")
  else
    libs=$(scripts/build-libs.sh "$tarball" "$emcc_version") # the cached libraries of this source
  fi
  echo "==> line $line: linking in $copy"
  (cd "$copy" && scripts/link-module.sh "$libs" >/dev/null)
  dir=$(dir_of "$line")
  for m in openssl openssl-simd; do
    a=$(sha256sum < "$dir/$m.wasm" | cut -d' ' -f1); b=$(sha256sum < "$copy/$dir/$m.wasm" | cut -d' ' -f1)
    if [ "$a" = "$b" ]; then echo "    $dir/$m.wasm: identical, sha256 $a"
    else echo "    $dir/$m.wasm: DIFFERS ($a here, $b there)"; node scripts/wasm-sections.mjs "$dir/$m.wasm" "$copy/$dir/$m.wasm" || true; status=1; fi
  done
done
[ $status = 0 ] && echo "==> reproducible" || echo "==> not reproducible (if the libraries changed since wasm/ was built, run ./build.sh first)"
exit $status
