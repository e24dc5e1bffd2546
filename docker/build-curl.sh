#!/bin/sh
# Build a minimal static libcurl (HTTP/HTTPS over OpenSSL, nothing else) from Debian's source
# package, into $1 (default /opt/curl). Runs in the binaries image's build stage, and from the
# Makefile for cross builds (`make ARCH=arm64` builds one into build-arm64/curl).
#
# Why: Debian's libcurl.a needs nghttp2, idn2, psl, ssh2, rtmp, gssapi/krb5, ldap, zstd, brotli,
# and bookworm ships no static archive for most of them, so engine and logshipper cannot be
# linked fully static against it. This libcurl needs only libssl, libcrypto and libz, whose
# static archives Debian ships (for another architecture: libssl-dev:arm64, zlib1g-dev:arm64).
# The source is the same version as the libcurl4-openssl-dev headers the native programs compile
# against when that package is installed, with Debian's patches applied.
#
#   CURL_HOST=aarch64-linux-gnu   cross-compile with aarch64-linux-gnu-gcc (default: native)
#   DEBIAN_MIRROR, DEBIAN_SUITE   where the source package comes from
# The source is fetched with apt-get source through a private list directory: the machine's own
# apt configuration and lists are left untouched.
set -eu
PREFIX=${1:-/opt/curl}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${DEBIAN_SUITE:-bookworm}
HOST=${CURL_HOST:-}

if [ -f "$PREFIX/lib/libcurl.a" ]; then
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
echo "deb-src $MIRROR $SUITE main" >"$work/sources.list"
apt_src() {
    apt-get -q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" \
        -o APT::Sandbox::User=root "$@"
}
apt_src update >/dev/null
cd "$work/src"
# The version of the -dev package whose headers the native programs compile against.
ver=$(dpkg-query -W -f='${Version}' libcurl4-openssl-dev 2>/dev/null || true)
{ [ -n "$ver" ] && apt_src source "curl=$ver"; } >/dev/null 2>&1 || apt_src source curl >/dev/null 2>&1
src_version=$(ls curl_*.dsc | sed 's/^curl_\(.*\)\.dsc$/\1/')
cd curl-*/
# Debian's last two patches turn the tree into the GnuTLS and NSS flavours; undo them for OpenSSL.
for p in 99_nss.patch 90_gnutls.patch; do
    if [ -f "debian/patches/$p" ]; then patch -s -R -p1 <"debian/patches/$p"; fi
done
autoreconf -fi >/dev/null 2>&1
cross=""
if [ -n "$HOST" ]; then
    # Debian multiarch: the target's libssl.a and libz.a live in /usr/lib/$HOST.
    cross="--host=$HOST"
    export CC="$HOST-gcc" AR="$HOST-ar" RANLIB="$HOST-ranlib" STRIP="$HOST-strip"
    export PKG_CONFIG_LIBDIR="/usr/lib/$HOST/pkgconfig:/usr/share/pkgconfig"
fi
./configure -q $cross --prefix="$PREFIX" --disable-shared --enable-static --with-pic \
    --with-openssl --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt \
    --without-libpsl --without-nghttp2 --without-libidn2 --without-zstd --without-brotli \
    --without-librtmp --without-libssh2 --without-gssapi --without-libgsasl \
    --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
    --disable-pop3 --disable-imap --disable-smtp --disable-gopher --disable-mqtt --disable-smb \
    --disable-ftp --disable-file --disable-manual --disable-docs 2>&1 | tail -n 5
make -s -j"$(nproc)" -C lib >/dev/null
make -s -C lib install >/dev/null
make -s -C include install >/dev/null
test -f "$PREFIX/lib/libcurl.a"
echo "$src_version (Debian source, HTTP/HTTPS over OpenSSL only${HOST:+, for $HOST})" >"$PREFIX/VERSION"
echo "build-curl: $PREFIX/lib/libcurl.a, $(grep -h '^Libs.private' "$PREFIX"/lib/pkgconfig/libcurl.pc 2>/dev/null)"
