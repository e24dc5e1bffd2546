#!/bin/sh
# Build a minimal static libcurl (HTTP/HTTPS over OpenSSL, nothing else) from Debian's source
# package, into $1 (default /opt/curl). Runs in the binaries image's build stage.
#
# Why: Debian's libcurl.a needs nghttp2, idn2, psl, ssh2, rtmp, gssapi/krb5, ldap, zstd, brotli,
# and bookworm ships no static archive for most of them, so engine and logshipper cannot be
# linked fully static against it. This libcurl needs only libssl, libcrypto and libz, whose
# static archives Debian ships. The source is the same version as the libcurl4-openssl-dev
# headers the programs compile against, with Debian's patches applied.
set -eu
PREFIX=${1:-/opt/curl}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${DEBIAN_SUITE:-bookworm}

if [ -f "$PREFIX/lib/libcurl.a" ]; then
    exit 0
fi
echo "deb-src $MIRROR $SUITE main" >/etc/apt/sources.list.d/tartan-src.list
apt-get update -qq
work=$(mktemp -d)
cd "$work"
# The version of the -dev package whose headers we compile against.
ver=$(dpkg-query -W -f='${Version}' libcurl4-openssl-dev)
apt-get source -qq "curl=$ver" >/dev/null 2>&1 || apt-get source -qq curl
src_version=$(ls curl_*.dsc | sed 's/^curl_\(.*\)\.dsc$/\1/')
cd curl-*/
# Debian's last two patches turn the tree into the GnuTLS and NSS flavours; undo them for OpenSSL.
for p in 99_nss.patch 90_gnutls.patch; do
    if [ -f "debian/patches/$p" ]; then patch -s -R -p1 <"debian/patches/$p"; fi
done
autoreconf -fi >/dev/null 2>&1
./configure -q --prefix="$PREFIX" --disable-shared --enable-static --with-pic \
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
echo "$src_version (Debian source, HTTP/HTTPS over OpenSSL only)" >"$PREFIX/VERSION"
cd /
rm -rf "$work" /etc/apt/sources.list.d/tartan-src.list
echo "build-curl: $PREFIX/lib/libcurl.a, $(grep -h '^Libs.private' "$PREFIX"/lib/pkgconfig/libcurl.pc 2>/dev/null)"
