#!/bin/sh
# Build Tartan's five programs for the binaries image, as self-contained as possible.
# Runs in the image's build stage from the source tree (cwd), writing to $1/bin.
#
#   launcher, waitforever   static musl (the Makefile's default for them)
#   tracer                  static glibc (the Makefile's default)
#   engine, logshipper      static glibc, linked against the minimal libcurl from build-curl.sh
#                           ($CURL_PREFIX) and Debian's static OpenSSL, zlib, libyaml, jansson.
#                           If that link fails, they are built dynamically and bundle.sh gives
#                           them a private loader and libraries instead.
#
# LINK=dynamic skips the static link of engine and logshipper (the bundled-loader layout).
# ALLOW_MISSING=1 (development only) leaves out a program that does not build instead of failing.
# ARCH=arm64 on an x86_64 machine cross-builds all five (make ARCH=arm64: every program static,
# engine and logshipper against the libcurl in $CURL_PREFIX, built for aarch64).
set -eu
OUT=${1:?usage: build-binaries.sh OUTDIR}
CURL_PREFIX=${CURL_PREFIX:-/opt/curl}
JOBS=$(nproc 2>/dev/null || echo 2)

# The Makefile's value of a variable (so that libraries added there are picked up here).
makevar() {
    printf 'print-%%:\n\t@echo $($*)\n' >/tmp/tartan-print.mk
    make --no-print-directory -s -f Makefile -f /tmp/tartan-print.mk ${ARCH:+ARCH=$ARCH} "print-$1"
}

build() { # program [make arguments...]
    p=$1; shift
    if make -s -j"$JOBS" OUT="$OUT" "$@" "$OUT/bin/$p"; then
        return 0
    fi
    rm -f "$OUT/bin/$p"
    if [ "${ALLOW_MISSING:-0}" = 1 ]; then
        echo "build-binaries: WARNING: $p does not build; left out (ALLOW_MISSING=1)" >&2
        return 0
    fi
    return 1
}

if [ -n "${ARCH:-}" ] && [ "$(makevar CROSS)" = 1 ]; then
    for p in launcher waitforever tracer engine logshipper; do
        build "$p" ARCH="$ARCH" CURL_PREFIX="$CURL_PREFIX"
    done
    exit 0
fi

for p in launcher waitforever tracer; do
    build "$p"
done

for p in engine logshipper; do
    libs="$(makevar "LIBS_$p") -lssl -lcrypto -lz -lpthread -ldl"
    if [ "${LINK:-static}" = dynamic ]; then
        build "$p"
    elif make -s -j"$JOBS" OUT="$OUT" GLIBC_STATIC="tracer $p" "LIBS_$p=$libs" \
        EXTRA_LDFLAGS="-L$CURL_PREFIX/lib" "$OUT/bin/$p" 2>"/tmp/link-$p.log"; then
        echo "build-binaries: $p linked statically"
    else
        echo "build-binaries: static link of $p failed, building it dynamically:" >&2
        grep -v 'warning:' "/tmp/link-$p.log" | tail -n 5 >&2
        rm -f "$OUT/bin/$p"
        build "$p"
    fi
done
