#!/usr/bin/env bash
# Builds the pinned OpenSSL 4.0 natively (the system compiler) and prints the path of its `openssl`
# program: the ECH peer of the interop tests (test/suites/ech-native.suite.ts), since the system's
# openssl (3.x) has no ECH. Cached in $OPENSSL_WASM_CACHE/native-<version>-<key> (the key hashes the
# pin and the compiler), so only the first run takes minutes (~5 on two cores).
# Usage: scripts/build-native-openssl.sh [--cached]   (progress on stderr, the program's path on stdout;
#        --cached: only say where a built one is, exit 3 if there is none yet)
#   OPENSSL_TARBALL=... as for build.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export OPENSSL_WASM_LINE=4.0
export OPENSSL_WASM_CACHE=${OPENSSL_WASM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openssl-wasm}
. "$root/openssl-src/pin.sh"
log() { echo "build-native-openssl: $*" >&2; }
cc=$(cc --version 2>/dev/null | head -1) || { log "error: no C compiler (cc): install build-essential"; exit 1; }
key=$( { cat "$OPENSSL_PIN_FILE"; echo "$cc"; echo "no-tests no-docs no-shared"; } | sha256sum | cut -c1-16)
out="$OPENSSL_WASM_CACHE/native-$OPENSSL_VERSION-$key"
if [ -x "$out/openssl" ]; then echo "$out/openssl"; exit 0; fi
if [ "${1:-}" = --cached ]; then log "not built yet: run scripts/build-native-openssl.sh (about 5 minutes)"; exit 3; fi
# One build at a time (test runs and a contributor may ask at once): the others wait, then use it.
mkdir -p "$OPENSSL_WASM_CACHE"
exec 9>"$OPENSSL_WASM_CACHE/native-$key.lock"
if ! flock -n 9; then
  log "another build of it is under way: waiting for it"
  flock 9
fi
if [ -x "$out/openssl" ]; then echo "$out/openssl"; exit 0; fi
tarball=$("$root/openssl-src/fetch.sh")
work="$OPENSSL_WASM_CACHE/native-work-$key"
rm -rf "$work"; mkdir -p "$work"
log "building OpenSSL $OPENSSL_VERSION natively in $work (a few minutes; log: $work/make.log)"
tar -xzf "$tarball" -C "$work" --strip-components=1
(cd "$work" && ./Configure no-tests no-docs no-shared > configure.log 2>&1) \
  || { tail -20 "$work/configure.log" >&2; log "error: Configure failed ($work/configure.log)"; exit 1; }
t0=$(date +%s)
(cd "$work" && make -j"$(nproc)" build_programs > make.log 2>&1) &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -0 "$pid" 2>/dev/null && log "  $(( $(date +%s) - t0 ))s: $(find "$work" -name '*.o' | wc -l) objects"
done
wait "$pid" || { tail -20 "$work/make.log" >&2; log "error: make failed ($work/make.log)"; exit 1; }
rm -rf "$out.tmp"; mkdir -p "$out.tmp"
cp "$work/apps/openssl" "$out.tmp/openssl"
mv "$out.tmp" "$out"
rm -rf "$work"
log "built in $(( $(date +%s) - t0 ))s: $out/openssl"
echo "$out/openssl"
