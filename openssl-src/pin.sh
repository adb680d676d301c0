# Selects the OpenSSL line to build: OPENSSL_WASM_LINE=3.5 (the default, LTS) or 4.0.
# Sourced by build.sh, openssl-src/fetch.sh and scripts/*.sh; sets what openssl-src/pin-<line>.sh pins
# (OPENSSL_VERSION, OPENSSL_DEBIAN_VERSION, OPENSSL_DEBIAN_SUITE, OPENSSL_SHA256, optionally
# OPENSSL_PATCHES) plus:
#   OPENSSL_LINE      the line
#   OPENSSL_PIN_FILE  the line's pin file (its bytes are part of the build cache key)
#   OPENSSL_PATCH_FILES  the patches to apply, as paths (all of openssl-src/patches/ unless the pin lists some)
OPENSSL_LINE=${OPENSSL_WASM_LINE:-3.5}
_pin_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case "$OPENSSL_LINE" in
  3.5|4.0) ;;
  *) echo "OPENSSL_WASM_LINE=$OPENSSL_LINE: the lines are 3.5 (default) and 4.0" >&2; exit 1 ;;
esac
OPENSSL_PIN_FILE="$_pin_dir/pin-$OPENSSL_LINE.sh"
OPENSSL_PATCHES=""
. "$OPENSSL_PIN_FILE"
if [ -n "$OPENSSL_PATCHES" ]; then
  OPENSSL_PATCH_FILES=""
  for _p in $OPENSSL_PATCHES; do OPENSSL_PATCH_FILES="$OPENSSL_PATCH_FILES $_pin_dir/patches/$_p"; done
else
  OPENSSL_PATCH_FILES=$(ls "$_pin_dir"/patches/*.patch)
fi
unset _pin_dir _p
