#!/usr/bin/env bash
# Prints the path of a verified OpenSSL tarball of the line OPENSSL_WASM_LINE (3.5 by default, or 4.0),
# fetching it from Debian if needed.
#   OPENSSL_TARBALL=/path/to/openssl-3.5.7.tar.gz  use a tarball you already have (still verified); to
#                                                    give both lines', separate them with ':' (each line
#                                                    takes the one whose sha256 its pin names)
#   OPENSSL_WASM_CACHE=dir                           where downloads are kept (default ~/.cache/openssl-wasm)
# Everything but the final path goes to stderr, so callers can do: tarball=$(openssl-src/fetch.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pin.sh"
cache=${OPENSSL_WASM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openssl-wasm}
say() { echo "fetch: $*" >&2; }
pin="openssl-src/$(basename "$OPENSSL_PIN_FILE")"
die() { echo "fetch: error: $*" >&2; exit 1; }

verify() { # path
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$got" != "$OPENSSL_SHA256" ]; then
    die "$1 has sha256 $got, but $pin pins OpenSSL $OPENSSL_VERSION as $OPENSSL_SHA256.
  Use the openssl-$OPENSSL_VERSION.tar.gz release tarball, or, to build another release on purpose,
  update OPENSSL_VERSION and OPENSSL_SHA256 in $pin (and check the patches still apply)."
  fi
}

if [ -n "${OPENSSL_TARBALL:-}" ]; then
  IFS=: read -r -a given <<< "$OPENSSL_TARBALL"
  # One tarball: it must be this line's. Several (one per line): take the one matching this line's pin.
  if [ ${#given[@]} -gt 1 ]; then
    for t in "${given[@]}"; do
      [ -f "$t" ] || die "OPENSSL_TARBALL names $t, which is not a file"
      if [ "$(sha256sum "$t" | cut -d' ' -f1)" = "$OPENSSL_SHA256" ]; then given=("$t"); break; fi
    done
    [ ${#given[@]} -eq 1 ] || die "none of OPENSSL_TARBALL=$OPENSSL_TARBALL is OpenSSL $OPENSSL_VERSION (sha256 $OPENSSL_SHA256, line $OPENSSL_LINE)"
  fi
  [ -f "${given[0]}" ] || die "OPENSSL_TARBALL=${given[0]} is not a file"
  verify "${given[0]}"
  say "using ${given[0]} (sha256 matches the $OPENSSL_LINE pin)"
  echo "${given[0]}"
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

# apt-get source needs a deb-src line for the suite that carries the pinned release (apt-cache showsrc
# lists every version the known suites carry).
list=/etc/apt/sources.list.d/openssl-wasm-src-$OPENSSL_DEBIAN_SUITE.list
# (grep without -q reads all of it: under pipefail, -q's early exit would fail apt-cache with SIGPIPE)
listed() { apt-cache showsrc openssl 2>/dev/null | grep -x "Version: $OPENSSL_DEBIAN_VERSION" >/dev/null; }
if ! listed; then
  say "adding a deb-src entry for Debian $OPENSSL_DEBIAN_SUITE ($list) and updating apt's lists"
  echo "deb-src http://deb.debian.org/debian $OPENSSL_DEBIAN_SUITE main" | as_root tee "$list" >/dev/null
  as_root apt-get update -qq >&2 || die "apt-get update failed; fix apt, or pass OPENSSL_TARBALL=/path/to/openssl-$OPENSSL_VERSION.tar.gz"
  listed || die "Debian $OPENSSL_DEBIAN_SUITE no longer lists openssl=$OPENSSL_DEBIAN_VERSION (the version $pin pins).
  Download openssl-$OPENSSL_VERSION.tar.gz (https://github.com/openssl/openssl/releases) and run again with
  OPENSSL_TARBALL=/path/to/openssl-$OPENSSL_VERSION.tar.gz (its sha256 is still checked against the pin)"
fi
mkdir -p "$dl"
say "downloading Debian's source package openssl=$OPENSSL_DEBIAN_VERSION into $dl"
(cd "$dl" && apt-get source --download-only "openssl=$OPENSSL_DEBIAN_VERSION" >&2) \
  || die "apt-get source could not download openssl=$OPENSSL_DEBIAN_VERSION from Debian $OPENSSL_DEBIAN_SUITE:
  Debian may no longer serve it (it drops superseded versions, experimental ones especially).
  Download openssl-$OPENSSL_VERSION.tar.gz (https://github.com/openssl/openssl/releases, or
  https://snapshot.debian.org/package/openssl/$OPENSSL_DEBIAN_VERSION/) and run again with
  OPENSSL_TARBALL=/path/to/openssl-$OPENSSL_VERSION.tar.gz (its sha256 is still checked against the pin)"
[ -f "$tarball" ] || die "apt-get source did not bring $tarball"
verify "$tarball"
echo "$tarball"
