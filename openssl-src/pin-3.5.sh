# The OpenSSL release this project builds, and how to recognise its tarball.
# Sourced by build.sh and openssl-src/fetch.sh. Changing any line here changes the build cache key.
OPENSSL_VERSION=3.5.7
# Debian's source package carrying that release unmodified as openssl_<version>.orig.tar.gz
OPENSSL_DEBIAN_VERSION=3.5.7-1~deb13u2
OPENSSL_DEBIAN_SUITE=trixie
# sha256 of the upstream tarball (openssl-3.5.7.tar.gz == Debian's openssl_3.5.7.orig.tar.gz)
OPENSSL_SHA256=a8c0d28a529ca480f9f36cf5792e2cd21984552a3c8e4aa11a24aa31aeac98e8
