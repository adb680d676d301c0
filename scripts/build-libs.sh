#!/usr/bin/env bash
# Builds libcrypto.a and libssl.a with emcc and prints the directory holding lib/ and include/.
# Usage: [OPENSSL_WASM_LINE=4.0] scripts/build-libs.sh TARBALL "EMCC VERSION LINE"
# Cached in $OPENSSL_WASM_CACHE/libs-<key>, the key hashing the pin, the patches, the configure flags
# and the compiler version: a second run with nothing changed returns at once. It records nothing
# else: build.sh, not its other callers (test-upstream.sh, check-reproducible.sh), writes last-libs.
# The directory's time is set at each use: scripts/clean-cache.sh removes the ones unused for long.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tarball=$1; emcc_version=$2
cache=${OPENSSL_WASM_CACHE:?}
. "$root/openssl-src/pin.sh"
log() { echo "    $*" >&2; }

flags=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$root/openssl-src/configure-flags")
# Optional: constant-time AES (no lookup tables indexed by secret data, so no cache-timing leak
# across origins in a browser), at the cost measured in bench/README.md.
if [ -n "${OPENSSL_WASM_AES_CONST_TIME:-}" ]; then flags="$flags
-DOPENSSL_AES_CONST_TIME"; fi
hot=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$root/openssl-src/hot-objects")
# shellcheck disable=SC2086
key=$( { cat "$OPENSSL_PIN_FILE"; cat $OPENSSL_PATCH_FILES; echo "$flags"; echo "$hot"; echo "$emcc_version"; } \
       | sha256sum | cut -c1-16)
# Reproducible libraries (the date below; no absolute paths reach the objects: the tree builds with
# relative paths, OPENSSLDIR/MODULESDIR are OpenSSL's fixed defaults, no debug info): part of the key,
# so that libraries built before this line are rebuilt once.
key=$(echo "$key reproducible-1" | sha256sum | cut -c1-16)
out="$cache/libs-$OPENSSL_VERSION-$key"
mkdir -p "$cache"
if [ -f "$out/lib/libssl.a" ] && [ -f "$out/lib/libcrypto.a" ]; then
  log "cached: $out"
  touch "$out"
  echo "$out"; exit 0
fi

work="$cache/work-$key"
rm -rf "$work"; mkdir -p "$work"
log "unpacking into $work"
tar -xzf "$tarball" -C "$work" --strip-components=1
# OpenSSL's version text says "built on: <date>" (util/mkbuildinf.pl, from SOURCE_DATE_EPOCH or the
# clock): the release's own date, its newest file's time, so that two builds give the same bytes.
SOURCE_DATE_EPOCH=$(find "$work" -type f -printf '%T@\n' | sort -n | tail -1 | cut -d. -f1)
export SOURCE_DATE_EPOCH
log "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH ($(date -u -d "@$SOURCE_DATE_EPOCH"), the tarball's newest file)"
for p in $OPENSSL_PATCH_FILES; do
  log "patch $(basename "$p")"
  patch -s -p1 -d "$work" < "$p"
done

log "configure: $(echo $flags)"
# shellcheck disable=SC2086
(cd "$work" && CC=emcc AR=emar RANLIB=emranlib ./Configure $flags > configure.log 2>&1) \
  || { tail -30 "$work/configure.log" >&2; echo "build-libs: Configure failed, full log: $work/configure.log" >&2; exit 1; }

# The build takes minutes: run make quietly and report how many objects are done every 20 seconds.
total=$(grep -cE '^(crypto|ssl|providers)/.*\.o: ' "$work/Makefile" || true)
jobs=$(nproc)
log "make build_libs -j$jobs ($total objects; log: $work/make.log)"
# Objects built from the sources under openssl-src/hot-objects are made first, with -O3 in place
# of the configured -Os; `make build_libs` then finds them up to date and compiles the rest -Os.
cflags=$(sed -n 's/^CFLAGS=//p' "$work/Makefile")
hot_cflags=$(echo "$cflags" | sed 's/-Os/-O3/g')
prefixes=$(echo "$hot" | sed 's/[.]/[.]/g' | paste -sd'|')
hot_objects=$(grep -E "^(crypto|ssl|providers)/[^ ]*[.]o: ($prefixes)" "$work/Makefile" | cut -d: -f1 | tr '\n' ' ')
log "$(echo $hot_objects | wc -w) objects at -O3 (openssl-src/hot-objects), the rest with: $cflags"
(cd "$work" && make -j"$jobs" build_generated > make.log 2>&1 \
  && make -j"$jobs" CFLAGS="$hot_cflags" $hot_objects >> make.log 2>&1 \
  && make -j"$jobs" build_libs >> make.log 2>&1) &
pid=$!
t0=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -0 "$pid" 2>/dev/null || break
  done_n=$(find "$work/crypto" "$work/ssl" "$work/providers" -name '*.o' 2>/dev/null | wc -l)
  log "  $(( $(date +%s) - t0 ))s: $done_n/$total objects"
done
wait "$pid" || { tail -30 "$work/make.log" >&2; echo "build-libs: make failed, full log: $work/make.log" >&2; exit 1; }

rm -rf "$out.tmp"; mkdir -p "$out.tmp/lib"
cp "$work/libcrypto.a" "$work/libssl.a" "$out.tmp/lib/"
cp -r "$work/include" "$out.tmp/include"
mv "$out.tmp" "$out"
rm -rf "$work"
log "libraries in $out"
echo "$out"
