#!/usr/bin/env bash
# `npm run test:upstream`: OpenSSL's own test programs, built with emcc from the pinned source against
# the same libraries as wasm/openssl.wasm and wasm/openssl-simd.wasm, run under Node on the source
# tree's test data (scripts/test-upstream.mjs). Ends with one line `N passed, N failed`.
# Usage: scripts/test-upstream.sh [plain] [simd]   (default: both)
#   LIBS_DIR=dir   the libraries to test (default: scripts/build-libs.sh's for this checkout's flags,
#                  cached, so the ones build.sh linked into the modules)
# Two caches under $OPENSSL_WASM_CACHE, so a second run only runs the tests:
#   tests-<key>/            a configured source tree with the test programs' objects compiled; the key
#                           hashes the pin, the patches, the Configure flags and the compiler, as
#                           build-libs.sh's does (so the same headers and CFLAGS as the libraries),
#                           and this script's part that builds it;
#   tests-<key>/bin-<key2>/ the programs linked for one module; key2 adds the libraries' bytes and, for
#                           the SIMD module, the sources of its replacement objects (wasm/simd/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export OPENSSL_WASM_CACHE=${OPENSSL_WASM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openssl-wasm}
export NODE_PATH=${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs
cache=$OPENSSL_WASM_CACHE
# OpenSSL's own tests run on the 3.5 line (its patches below apply to 3.5's tree).
[ "${OPENSSL_WASM_LINE:-3.5}" = 3.5 ] || { echo "test-upstream: runs on the 3.5 line only (OPENSSL_WASM_LINE=${OPENSSL_WASM_LINE})" >&2; exit 1; }
. "$root/openssl-src/pin.sh"
log() { echo "    $*" >&2; }
die() { echo "test-upstream: error: $*" >&2; exit 1; }

variants=("$@"); [ ${#variants[@]} -gt 0 ] || variants=(plain simd)
for v in "${variants[@]}"; do case $v in plain|simd) ;; *) die "unknown module \"$v\"; expected plain and/or simd";; esac; done
command -v emcc >/dev/null || die "emcc not found: run ./build.sh first (it installs emscripten)"
# Read whole, then the first line (piped into head, emcc can die of a broken pipe, failing the script).
emcc_out=$(emcc --version) || die "emcc does not run; it said: $emcc_out"
emcc_version=${emcc_out%%$'\n'*}
# The libraries of this checkout's configure flags, the same call as build.sh's: returns the cached
# ones at once (it builds them only if build.sh has not).
libs=${LIBS_DIR:-$("$root/scripts/build-libs.sh" "$("$root/openssl-src/fetch.sh")" "$emcc_version")}
[ -f "$libs/lib/libssl.a" ] && [ -f "$libs/lib/libcrypto.a" ] || die "no OpenSSL libraries at '$libs'"

# The programs built, and the object files of each, as OpenSSL's Makefile lists them; the openssl
# app because the ssl_old_test recipe lists the suites to try with `openssl ciphers`.
# tls13secretstest is linked beside them (secrets_objects, below): OpenSSL builds it only with
# shared libraries, so its Makefile has no rule for it.
programs=(test/sslapitest test/ssl_test test/evp_test test/recordlentest test/sslbuffertest test/ssl_old_test apps/openssl)
# The objects of a program (or archive) as its Makefile rule lists them.
objects_of() { awk -v t="$1:" '$1==t{p=1} p&&/^\t/{exit} p{for(i=1;i<=NF;i++) if($i ~ /\.o$/) print $i}' "$tree/Makefile"; }

# The Configure flags exactly as scripts/build-libs.sh computes them: the test objects must see the
# same configuration.h and CFLAGS as the libraries they are linked with.
flags=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$root/openssl-src/configure-flags")
if [ -n "${OPENSSL_WASM_AES_CONST_TIME:-}" ]; then flags="$flags
-DOPENSSL_AES_CONST_TIME"; fi
key=$( { cat "$OPENSSL_PIN_FILE"; cat "$root"/openssl-src/patches/*.patch; echo "$flags"; echo "$emcc_version";
         echo "${programs[*]}"; sed -n '/^# --- tree/,/^# --- end tree/p' "$0"; } | sha256sum | cut -c1-16)
tree="$cache/tests-$OPENSSL_VERSION-$key"

# --- tree: unpack, patch, configure, compile the test programs' objects (not the libraries)
if [ ! -f "$tree/.objects-built" ]; then
  tarball=$("$root/openssl-src/fetch.sh")
  log "building OpenSSL's test programs' objects in $tree"
  rm -rf "$tree"; mkdir -p "$tree"
  tar -xzf "$tarball" -C "$tree" --strip-components=1
  for p in "$root"/openssl-src/patches/*.patch; do patch -s -p1 -d "$tree" < "$p"; done
  # shellcheck disable=SC2086
  (cd "$tree" && CC=emcc AR=emar RANLIB=emranlib ./Configure $flags > configure.log 2>&1) \
    || { tail -30 "$tree/configure.log" >&2; die "Configure failed, full log: $tree/configure.log"; }
  objects=$(for p in "${programs[@]}" test/libtestutil.a apps/libapps.a; do objects_of "$p"; done | sort -u)
  total=$(echo "$objects" | wc -w)
  log "make build_generated, then $total objects (log: $tree/make.log)"
  # The openssl app's `ciphers` command (what the ssl_old_test recipe lists suites with) is left out
  # of the app's command table under no-sock, though it needs no sockets: put it back in this
  # build's table (apps/progs.c, generated).
  (cd "$tree" && make -j"$(nproc)" build_generated apps/progs.h apps/progs.c > make.log 2>&1 \
     && sed -i '/^#ifndef OPENSSL_NO_SOCK$/{N;/"ciphers", ciphers_main/{N;s/^#ifndef OPENSSL_NO_SOCK\n\(.*\)\n#endif$/\1/}}' apps/progs.c \
     && ! grep -B1 '"ciphers", ciphers_main' apps/progs.c | grep -q '^#ifndef' \
     && make -j"$(nproc)" $objects test/libtestutil.a apps/libapps.a >> make.log 2>&1) &
  pid=$!; t0=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null || break
    n=0; for o in $objects; do [ -f "$tree/$o" ] && n=$((n + 1)); done
    log "  $(( $(date +%s) - t0 ))s: $n/$total objects"
  done
  wait "$pid" || { tail -30 "$tree/make.log" >&2; die "make failed, full log: $tree/make.log"; }
  # What the runner needs to know about the configuration: the features configured out.
  (cd "$tree" && perl -I. -Mconfigdata -e 'print "$_\n" for sort keys %disabled') > "$tree/disabled.txt"
  touch "$tree/.objects-built"
  log "objects done in $(( $(date +%s) - t0 ))s"
fi
# --- end tree
touch "$tree" # its last use, for scripts/clean-cache.sh

# secrets_objects DIR: tls13secretstest's objects, compiled into DIR, printed. OpenSSL builds it only
# with shared libraries: it compiles its own copy of ssl/tls13_enc.c, whose calls into the rest of
# libssl (ssl_handshake_hash, ssl_log_secret, ...) go to the test's mocks, the shared libssl keeping
# its own definitions of those names hidden. A static link would have two definitions of each, and
# emscripten 3.1.6's wasm-ld has no --allow-multiple-definition: so both files are compiled with
# every symbol they define renamed (osw_t13_*, a header of #defines made from their own symbol
# tables), which keeps the test, its tls13_enc.c and the mocks calling each other, as in the shared
# build, while SSL_CTX_new and the rest come from the library under test. Same flags as the other
# test programs (the Makefile's BIN_CFLAGS), plus the recipe's (test/build.info).
secrets_objects() {
  local out=$1 cflags o pass
  cflags=$(cd "$tree" && printf 'osw-print-flags:\n\t@echo $(BIN_CFLAGS) $(BIN_CPPFLAGS)\n' | make -s -f Makefile -f - osw-print-flags)
  cflags="$cflags -DOPENSSL_NO_KTLS -I. -Iinclude -Iapps/include"
  : > "$out/t13-rename.h"
  for pass in names renamed; do
    for o in test/tls13secretstest ssl/tls13_enc; do
      # shellcheck disable=SC2086
      (cd "$tree" && emcc $cflags -include "$out/t13-rename.h" -c "$o.c" -o "$out/t13-${o#*/}.o") >&2 \
        || die "compiling $o.c for tls13secretstest failed"
    done
    [ "$pass" = renamed ] && break
    emnm --defined-only --extern-only "$out"/t13-*.o | awk 'NF == 3 {print $3}' | grep -vx setup_tests | sort -u \
      | sed 's/.*/#define & osw_t13_&/' > "$out/t13-rename.h.tmp"
    mv "$out/t13-rename.h.tmp" "$out/t13-rename.h"
  done
  echo "$out/t13-tls13secretstest.o $out/t13-tls13_enc.o"
}

# link VARIANT: the programs for one module, in $tree/bin-<key2>/, printed.
link() {
  local variant=$1 extra=() srcs=() trace=()
  # For each replacement object, one symbol it defines: the link must take it from that object.
  local -A replaces=([chacha20-simd]=ChaCha20_ctr32 [poly1305-simd]=Poly1305_Update [aes-simd]=AES_encrypt [ghash-simd]=osw_gcm_ghash_ct [memory]=memcpy)
  [ "$variant" = simd ] && srcs=(chacha20-simd poly1305-simd aes-simd ghash-simd memory)
  local key2
  key2=$( { echo "$variant"; cat "$libs/lib/libssl.a" "$libs/lib/libcrypto.a" | sha256sum;
            for f in "${srcs[@]}"; do cat "$root/wasm/simd/$f.c"; done; cat "$root/scripts/test-upstream-env.js"; sed -n '/^secrets_objects()/,/^}/p;/^link()/,/^}/p' "$0"; } \
          | sha256sum | cut -c1-16)
  local bin="$tree/bin-$variant-$key2"
  if [ -f "$bin/.linked" ]; then log "$variant: cached $bin"; echo "$bin"; return; fi
  # Links for other libraries or sources are stale: drop them.
  rm -rf "$tree/bin-$variant-"*; mkdir -p "$bin"
  local t0; t0=$(date +%s)
  # The SIMD module's replacement objects, compiled as scripts/link-module.sh compiles them and put
  # before the libraries, so the archive members defining the same symbols are never pulled in.
  for f in "${srcs[@]}"; do
    local feature=-msimd128; [ "$f" = memory ] && feature=-mbulk-memory
    emcc -O3 "$feature" -Wall -Wextra -Werror -c "$root/wasm/simd/$f.c" -o "$bin/$f.o"
    extra+=("$bin/$f.o")
    trace+=("-Wl,--trace-symbol=${replaces[$f]}")
  done
  for p in "${programs[@]}" test/tls13secretstest; do
    local objs helpers=test/libtestutil.a name=${p#*/}
    [ "${p%%/*}" = apps ] && helpers=apps/libapps.a
    if [ "$name" = tls13secretstest ]; then objs=$(secrets_objects "$bin"); else objs=$(objects_of "$p" | sed "s|^|$tree/|"); fi
    log "$variant: linking $name"
    # Node with emscripten's JavaScript runtime: NODERAWFS gives the programs the real file system
    # (the source tree's certificates and data files); the pre-js passes the environment through
    # (ssl_test reads TEST_CERTS_DIR). -O1 at the link: the objects are compiled as the libraries'
    # are; the link only lays them out. --trace-symbol shows which object defines each replaced symbol.
    # shellcheck disable=SC2086
    emcc -O1 $objs "${extra[@]}" "$libs/lib/libssl.a" "$tree/$helpers" "$libs/lib/libcrypto.a" \
      -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1 -sENVIRONMENT=node \
      --pre-js "$root/scripts/test-upstream-env.js" "${trace[@]}" \
      -o "$bin/$name.js" > "$bin/$name.link.log" 2>&1 \
      || { cat "$bin/$name.link.log" >&2; die "linking $name for the $variant module failed"; }
    for f in "${srcs[@]}"; do
      grep -q "/$f.o: definition of ${replaces[$f]}\$" "$bin/$name.link.log" \
        || die "$name ($variant): ${replaces[$f]} does not come from wasm/simd/$f.c (link log: $bin/$name.link.log)"
    done
  done
  touch "$bin/.linked"
  log "$variant: linked in $(( $(date +%s) - t0 ))s"
  echo "$bin"
}

args=()
for v in "${variants[@]}"; do args+=("$v=$(link "$v")"); done
exec node "$root/scripts/test-upstream.mjs" "$tree" "${args[@]}"
