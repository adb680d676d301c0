#!/usr/bin/env bash
# Builds everything from a fresh Debian/Ubuntu machine:
#   prerequisites -> OpenSSL source (pinned, verified) -> libcrypto/libssl with emcc (cached)
#   -> wasm/openssl.wasm + wasm/openssl-simd.wasm (standalone, exports from wasm/exports.txt) -> TypeScript -> dist/
# for each OpenSSL line: 3.5 (LTS, the default line; modules in wasm/) and 4.0 (modules in wasm/4.0/).
# Environment:
#   OPENSSL_WASM_LINES="3.5 4.0"                    the lines to build (default both; dist/ wants both)
#   OPENSSL_TARBALL=/path/to/openssl-3.5.7.tar.gz   build from a tarball you have (sha256 still checked);
#                                                    for both lines: OPENSSL_TARBALL=/a/openssl-3.5.7.tar.gz:/b/openssl-4.0.2.tar.gz
#   OPENSSL_WASM_CACHE=dir                           cache for downloads and built libraries
#                                                    (default ~/.cache/openssl-wasm; kept outside the clone)
#   OPENSSL_WASM_AES_CONST_TIME=1                    constant-time AES (slower; see bench/README.md)
#   SKIP_LIBS=1 / SKIP_MODULE=1                      (contributors) reuse what is there
# ./build.sh --asan: only the AddressSanitizer modules, into build/asan/ (never shipped; for
# `npm run fuzz -- --asan`), from the same libraries.
set -euo pipefail
cd "$(dirname "$0")"
asan=""
case "${1:-}" in
  --asan) asan=1 ;;
  "") ;;
  *) echo "usage: ./build.sh [--asan]" >&2; exit 2 ;;
esac
root=$(pwd)
export OPENSSL_WASM_CACHE=${OPENSSL_WASM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openssl-wasm}
# Debian's emscripten needs its JS dependencies (acorn, ...) from the system node path.
export NODE_PATH=${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs

t_all=$(date +%s)
stage_name=""; t_stage=0
stage() { end_stage; stage_name=$1; t_stage=$(date +%s); echo "==> $1"; }
end_stage() { [ -z "$stage_name" ] || echo "    $stage_name: done in $(( $(date +%s) - t_stage ))s"; stage_name=""; }
die() { printf 'build.sh: error: %b\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root to run: $*"; fi; }

stage "prerequisites"
# Debian packages: emscripten builds the module; chromium runs the browser tests, the native
# openssl CLI is the tests' interop peer and redis-server the fleet tests' shared store (no test
# tool may download a browser of its own).
missing=()
command -v emcc >/dev/null || missing+=(emscripten)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v openssl >/dev/null || missing+=(openssl)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install them (emscripten 3.1.x) and run again"
  echo "    installing ${missing[*]} from apt (once, a minute or two)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
emcc_out=$(emcc --version 2>&1) || die "emcc does not run (check that NODE_PATH includes /usr/share/nodejs); it said:
$emcc_out"
emcc_version=$(echo "$emcc_out" | head -1)
echo "    $emcc_version"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "    npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# ASan (--asan): the 3.5 line's modules only, into build/asan/ (never shipped).
lines=${OPENSSL_WASM_LINES:-3.5 4.0}
[ -n "$asan" ] && lines=3.5
modules=()
for line in $lines; do
  export OPENSSL_WASM_LINE=$line
  dir=wasm; [ "$line" = 3.5 ] || dir=wasm/$line
  modules+=("$dir/openssl.wasm" "$dir/openssl-simd.wasm")
  # What SKIP_LIBS=1 and scripts/build-openssl-fuzzers.sh take as the line's current libraries: only
  # this build sets it (test:upstream and the reproducibility check call build-libs.sh too).
  last="$OPENSSL_WASM_CACHE/last-libs"; [ "$line" = 3.5 ] || last="$last-$line"
  if [ -z "${SKIP_LIBS:-}" ]; then
    stage "OpenSSL $line source"
    tarball=$(openssl-src/fetch.sh)
    stage "OpenSSL $line libraries (emcc)"
    libs=$(scripts/build-libs.sh "$tarball" "$emcc_version")
    [ -n "$asan" ] || echo "$libs" > "$last"
  elif [ -z "${SKIP_MODULE:-}" ] || [ -n "$asan" ]; then
    [ -f "$last" ] || die "SKIP_LIBS=1 but no OpenSSL $line libraries were built yet ($last): run ./build.sh once without SKIP_LIBS"
    libs=$(cat "$last")
  fi
  if [ -n "$asan" ]; then
    stage "wasm modules with AddressSanitizer (build/asan/, not shipped)"
    scripts/link-module.sh "$libs" --asan
    end_stage
    exit 0
  fi
  if [ -z "${SKIP_MODULE:-}" ]; then
    stage "wasm modules, line $line"
    scripts/link-module.sh "$libs"
  fi
done
unset OPENSSL_WASM_LINE

stage "TypeScript"
node scripts/gen-raw.mjs
npx tsc -p tsconfig.json
node scripts/bundle.mjs

end_stage
for m in "${modules[@]}"; do
  echo "==> $m: $(stat -c %s "$m") bytes raw, $(gzip -9c "$m" | wc -c) bytes gzipped"
done
# The same source builds the same bytes (README, "Reproducible modules"): compare these with the package's.
for m in "${modules[@]}"; do echo "==> sha256 $(sha256sum < "$m" | cut -d' ' -f1)  ${m#wasm/}"; done
echo "==> built in $(( $(date +%s) - t_all ))s"
