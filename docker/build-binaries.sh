#!/bin/sh
# Build Tartan's five programs for the binaries image, as self-contained as possible.
# Runs in the image's build stage from the source tree (cwd), writing to $1/bin.
#
#   launcher, waitforever   static musl (the Makefile's default for them)
#   tracer                  static glibc (the Makefile's default)
#   engine, logshipper      static glibc, linked against the minimal libcurl from build-curl.sh
#                           ($CURL_PREFIX) and Debian's static OpenSSL, zlib, libyaml, jansson.
#                           If that link fails, the build fails: it never falls back to a
#                           dynamic link on its own.
# Every program is a hardened static PIE (Makefile, "Hardening"); the script ends by refusing any
# program that has an ELF interpreter.
#
# LINK=dynamic builds engine and logshipper dynamically on purpose (the bundled-loader layout:
# bundle.sh gives them a private loader and libraries); the other three stay static.
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

# No program may come out dynamic unless LINK=dynamic asked for it (engine, logshipper only).
verify_static() {
    for p in launcher waitforever tracer engine logshipper; do
        [ -f "$OUT/bin/$p" ] || continue
        if readelf -lW "$OUT/bin/$p" | grep -q 'Requesting program interpreter'; then
            case "${LINK:-static}:$p" in
            dynamic:engine | dynamic:logshipper) ;;
            *)
                echo "build-binaries: $p is dynamically linked; it must be static" >&2
                exit 1
                ;;
            esac
        fi
    done
}

if [ -n "${ARCH:-}" ] && [ "$(makevar CROSS)" = 1 ]; then
    for p in launcher waitforever tracer engine logshipper; do
        build "$p" ARCH="$ARCH" CURL_PREFIX="$CURL_PREFIX"
    done
    verify_static
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
        echo "build-binaries: static link of $p failed (LINK=dynamic builds the bundled-loader" \
            "layout instead, on purpose):" >&2
        grep -v 'warning:' "/tmp/link-$p.log" | tail -n 5 >&2
        rm -f "$OUT/bin/$p"
        [ "${ALLOW_MISSING:-0}" = 1 ] || exit 1
    fi
done
verify_static
