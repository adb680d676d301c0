# The OpenSSL 4.0 release of the second line (OPENSSL_WASM_LINE=4.0), and how to recognise its tarball.
# Sourced through openssl-src/pin.sh. Changing any line here changes the 4.0 build cache key.
OPENSSL_VERSION=4.0.2
# Debian's source package carrying that release unmodified as openssl_<version>.orig.tar.gz
# (experimental; its 4.0.3-1 is listed but its files answer 404)
OPENSSL_DEBIAN_VERSION=4.0.2-1
OPENSSL_DEBIAN_SUITE=experimental
# sha256 of the upstream tarball (openssl-4.0.2.tar.gz == Debian's openssl_4.0.2.orig.tar.gz)
OPENSSL_SHA256=736b467530f916737b7031310ccb21d8218c6229e61e8e160cd1d3458cd543a8
# openssl-src/patches/ applied to this release: 0001 (getentropy under emscripten) is upstream in 4.0;
# 0005 (constant-time GHASH), 0006 (bounded decoder cache) and 0007 (empty ticket print) apply unchanged
OPENSSL_PATCHES="0002-session-refcount-and-owner-accessors.patch 0003-nistp-code-for-p256-and-p384-only.patch 0004-nistp-products-without-multi3.patch 0005-constant-time-ghash.patch 0006-bounded-decoder-cache.patch 0007-session-print-empty-ticket.patch"
