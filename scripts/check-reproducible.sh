#!/usr/bin/env bash
# Checks that the modules build to the same bytes elsewhere: copies this source to a temporary
# directory (another checkout path), links the modules there and compares them with wasm/*.wasm;
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
for m in openssl openssl-simd; do [ -f "wasm/$m.wasm" ] || { echo "check-reproducible: no wasm/$m.wasm: run ./build.sh first" >&2; exit 1; }; done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/osw-reproducible.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
copy="$tmp/another/checkout"
mkdir -p "$copy"
git ls-files -z -- build.sh openssl-src scripts wasm | tar --null -T - -cf - | tar -xf - -C "$copy" # what the build reads
echo "==> source copied to $copy"

tarball=$(openssl-src/fetch.sh)
emcc_version=$(emcc --version 2>&1 | head -1)
if [ -n "${FULL:-}" ]; then
  echo "==> building the libraries again in $tmp/cache (minutes)"
  libs=$(cd "$copy" && OPENSSL_WASM_CACHE="$tmp/cache" scripts/build-libs.sh "$tarball" "$emcc_version")
else
  libs=$(scripts/build-libs.sh "$tarball" "$emcc_version") # the cached libraries of this source
fi
echo "==> linking in $copy"
(cd "$copy" && scripts/link-module.sh "$libs" >/dev/null)

status=0
for m in openssl openssl-simd; do
  a=$(sha256sum < "wasm/$m.wasm" | cut -d' ' -f1); b=$(sha256sum < "$copy/wasm/$m.wasm" | cut -d' ' -f1)
  if [ "$a" = "$b" ]; then echo "    $m.wasm: identical, sha256 $a"
  else echo "    $m.wasm: DIFFERS ($a here, $b there)"; node scripts/wasm-sections.mjs "wasm/$m.wasm" "$copy/wasm/$m.wasm" || true; status=1; fi
done
[ $status = 0 ] && echo "==> reproducible" || echo "==> not reproducible (if the libraries changed since wasm/ was built, run ./build.sh first)"
exit $status
