#!/usr/bin/env bash
# Prints the path of a verified OpenSSL tarball, fetching it if needed.
#   OPENSSL_TARBALL=/path/to/openssl-3.5.7.tar.gz  use a tarball you already have (still verified)
#   OPENSSL_WASM_CACHE=dir                           where downloads are kept (default ~/.cache/openssl-wasm)
# Everything but the final path goes to stderr, so callers can do: tarball=$(openssl-src/fetch.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pin.sh"
cache=${OPENSSL_WASM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openssl-wasm}
say() { echo "fetch: $*" >&2; }
die() { echo "fetch: error: $*" >&2; exit 1; }

verify() { # path
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$got" != "$OPENSSL_SHA256" ]; then
    die "$1 has sha256 $got, but openssl-src/pin.sh pins OpenSSL $OPENSSL_VERSION as $OPENSSL_SHA256.
  Use the openssl-$OPENSSL_VERSION.tar.gz release tarball, or, to build another release on purpose,
  update OPENSSL_VERSION and OPENSSL_SHA256 in openssl-src/pin.sh (and check the patches still apply)."
  fi
}

if [ -n "${OPENSSL_TARBALL:-}" ]; then
  [ -f "$OPENSSL_TARBALL" ] || die "OPENSSL_TARBALL=$OPENSSL_TARBALL is not a file"
  verify "$OPENSSL_TARBALL"
  say "using $OPENSSL_TARBALL (sha256 matches the pin)"
  echo "$OPENSSL_TARBALL"
  exit 0
fi

dl="$cache/src"
tarball="$dl/openssl_${OPENSSL_VERSION}.orig.tar.gz"
if [ -f "$tarball" ]; then
  verify "$tarball"
  say "cached $tarball"
  echo "$tarball"
  exit 0
fi

command -v apt-get >/dev/null || die "no apt-get here: download openssl-$OPENSSL_VERSION.tar.gz yourself and run OPENSSL_TARBALL=/path/to/it ./build.sh"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

# apt-get source needs a deb-src line for the suite that carries the pinned release.
list=/etc/apt/sources.list.d/openssl-wasm-src.list
if ! apt-cache showsrc "openssl=$OPENSSL_DEBIAN_VERSION" 2>/dev/null | grep -q "^Version: $OPENSSL_DEBIAN_VERSION\$"; then
  say "adding a deb-src entry for Debian $OPENSSL_DEBIAN_SUITE ($list) and updating apt's lists"
  echo "deb-src http://deb.debian.org/debian $OPENSSL_DEBIAN_SUITE main" | as_root tee "$list" >/dev/null
  as_root apt-get update -qq >&2 || die "apt-get update failed; fix apt, or pass OPENSSL_TARBALL=/path/to/openssl-$OPENSSL_VERSION.tar.gz"
fi
mkdir -p "$dl"
say "downloading Debian's source package openssl=$OPENSSL_DEBIAN_VERSION into $dl"
(cd "$dl" && apt-get source --download-only "openssl=$OPENSSL_DEBIAN_VERSION" >&2) \
  || die "apt-get source failed; if Debian no longer serves $OPENSSL_DEBIAN_VERSION, pass OPENSSL_TARBALL=/path/to/openssl-$OPENSSL_VERSION.tar.gz"
[ -f "$tarball" ] || die "apt-get source did not bring $tarball"
verify "$tarball"
echo "$tarball"
