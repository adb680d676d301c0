#!/usr/bin/env bash
# `npm run clean:cache [-- DAYS]`: removes from $OPENSSL_WASM_CACHE (default ~/.cache/openssl-wasm)
# the built libraries (libs-*), OpenSSL test trees (tests-*) and left-over build directories (work-*)
# not used for DAYS days (default 14), never the libraries build.sh last linked (last-libs). Each
# change to the pin, the patches, the configure flags or the compiler makes new ones (about 10 MB of
# libraries, 180 MB of test tree) and nothing else removes the old: build-libs.sh and test-upstream.sh
# set a directory's time whenever they use it. The downloads (src/) are kept.
set -euo pipefail
days=${1:-14}
[[ $days =~ ^[0-9]+$ ]] || { echo "usage: scripts/clean-cache.sh [DAYS]  (remove what was unused for DAYS days; default 14)" >&2; exit 2; }
cache=${OPENSSL_WASM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openssl-wasm}
[ -d "$cache" ] || { echo "clean-cache: no cache at $cache"; exit 0; }
current=$(cat "$cache/last-libs" 2>/dev/null || true)
removed=0
while IFS= read -r -d '' dir; do
  [ "$dir" = "$current" ] && continue
  echo "clean-cache: removing $dir ($(du -sh "$dir" | cut -f1), unused since $(date -u -r "$dir" '+%Y-%m-%d %H:%M UTC'))"
  rm -rf "$dir"
  removed=$((removed + 1))
done < <(find "$cache" -mindepth 1 -maxdepth 1 -type d \( -name 'libs-*' -o -name 'tests-*' -o -name 'work-*' \) ! -newermt "@$(( $(date +%s) - days * 86400 ))" -print0)
echo "clean-cache: $removed removed from $cache; kept what was used in the last $days days${current:+ and $current}"
