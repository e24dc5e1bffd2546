#!/bin/sh
# Lay out Tartan's binaries so that they run in any Linux image: glibc, musl, distroless or
# nothing at all. Usage: bundle.sh BINDIR DEST [PREFIX]
#   BINDIR  built programs; DEST  where the tree goes (e.g. /stage/vendor/falco);
#   PREFIX  the absolute path DEST will have at run time (default /vendor/falco).
#   STRIP   the strip for the binaries' architecture (aarch64-linux-gnu-strip for arm64).
#
# Static programs are copied and stripped. A dynamically linked program gets a private copy of
# every shared library it needs and of the dynamic loader in DEST/lib; its ELF interpreter is
# set to PREFIX/lib/<loader>, and its DT_RPATH and each bundled library's to PREFIX/lib.
# DT_RPATH rather than DT_RUNPATH on purpose: RPATH is searched before LD_LIBRARY_PATH and
# also applies to the libraries' own dependencies, so a workload's LD_LIBRARY_PATH or
# /etc/ld.so.cache cannot substitute its own libcurl or libssl. An absolute path rather than
# $ORIGIN: the loader finds $ORIGIN through /proc/self/exe, which a chroot may not have (the
# interpreter path is absolute anyway, so the tree must live at PREFIX).
set -eu
BINDIR=${1:?usage: bundle.sh BINDIR DEST [PREFIX]}
DEST=${2:?usage: bundle.sh BINDIR DEST [PREFIX]}
PREFIX=${3:-/vendor/falco}
PROGRAMS=${PROGRAMS:-launcher tracer engine logshipper waitforever}

mkdir -p "$DEST/bin"
is_dynamic() { readelf -lW "$1" 2>/dev/null | grep -q 'Requesting program interpreter'; }

for p in $PROGRAMS; do
    src="$BINDIR/$p"
    if [ ! -f "$src" ]; then
        echo "bundle: $p missing in $BINDIR" >&2
        [ "${ALLOW_MISSING:-0}" = 1 ] && continue
        exit 1
    fi
    cp "$src" "$DEST/bin/$p"
    "${STRIP:-strip}" --strip-all "$DEST/bin/$p"
    if ! is_dynamic "$DEST/bin/$p"; then
        echo "bundle: $p is static ($(wc -c <"$DEST/bin/$p") bytes)"
        continue
    fi
    mkdir -p "$DEST/lib"
    interp=$(readelf -lW "$src" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    cp -L "$interp" "$DEST/lib/$(basename "$interp")"
    # ldd lists the whole closure (libraries of libraries).
    ldd "$src" | awk '/=> \// { print $3 }' | while read -r lib; do
        name=$(basename "$lib")
        [ -f "$DEST/lib/$name" ] && continue
        cp -L "$lib" "$DEST/lib/$name"
        chmod 0644 "$DEST/lib/$name"
        strip --strip-unneeded "$DEST/lib/$name" 2>/dev/null || true
        patchelf --force-rpath --set-rpath "$PREFIX/lib" "$DEST/lib/$name"
    done
    patchelf --set-interpreter "$PREFIX/lib/$(basename "$interp")" \
        --force-rpath --set-rpath "$PREFIX/lib" "$DEST/bin/$p"
    echo "bundle: $p is dynamic: interpreter $PREFIX/lib/$(basename "$interp"), libraries in $PREFIX/lib"
done
[ ! -d "$DEST/lib" ] || chmod 0755 "$DEST/lib/"ld-*.so* 2>/dev/null || true
