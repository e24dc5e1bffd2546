#!/bin/sh
# Writes the tracer's compat syscall tables from the Linux UAPI headers of Debian's packages
# (never typed by hand):
#   tracer/sysnames_i386.def  x86's 32-bit ABI (int 0x80)       <asm/unistd_32.h>
#   tracer/sysnames_x32.def   x32's own numbers (512..)          <asm/unistd_x32.h>
#   tracer/sysnames_arm.def   AArch32 EABI (arm64's compat ABI)  <asm/unistd-eabi.h>, <asm/unistd.h>
# The x86 headers come from linux-libc-dev (amd64) or linux-libc-dev-amd64-cross, the arm ones
# from linux-libc-dev-armhf-cross (installed with gcc-arm-linux-gnueabihf); a package that is
# not installed is fetched with `apt-get download` and unpacked into a temporary directory.
#
#   sh tracer/gen-compat-sysnames.sh           rewrite the three files
#   sh tracer/gen-compat-sysnames.sh --check   compare instead (exit 1 on a difference,
#                                              77 when a header is not installed: no download)
set -eu
DIR=$(cd "$(dirname "$0")" && pwd)
CHECK=0
[ "${1:-}" = --check ] && CHECK=1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# header FILE PACKAGE DIR...: the first DIR/FILE that exists, else PACKAGE's (downloaded).
header() {
    f=$1 pkg=$2
    shift 2
    for d in "$@"; do
        [ -f "$d/$f" ] && { echo "$d/$f"; return 0; }
    done
    [ "$CHECK" = 1 ] && { echo "gen-compat-sysnames: $f not installed ($pkg)" >&2; exit 77; }
    if [ ! -d "$TMP/$pkg" ]; then
        (cd "$TMP" && apt-get download -q "$pkg" >/dev/null) || {
            echo "gen-compat-sysnames: apt-get download $pkg failed" >&2
            exit 1
        }
        dpkg-deb -x "$TMP"/"$pkg"_*.deb "$TMP/$pkg"
    fi
    found=$(find "$TMP/$pkg" -path "*/asm/$f" | head -n 1)
    [ -n "$found" ] || { echo "gen-compat-sysnames: no asm/$f in $pkg" >&2; exit 1; }
    echo "$found"
}

X86_DIRS="/usr/include/x86_64-linux-gnu/asm /usr/x86_64-linux-gnu/include/asm"
ARM_DIRS="/usr/arm-linux-gnueabihf/include/asm"
i386_h=$(header unistd_32.h linux-libc-dev-amd64-cross $X86_DIRS)
x32_h=$(header unistd_x32.h linux-libc-dev-amd64-cross $X86_DIRS)
eabi_h=$(header unistd-eabi.h linux-libc-dev-armhf-cross $ARM_DIRS)
arm_h=$(header unistd.h linux-libc-dev-armhf-cross $ARM_DIRS)

{
    echo '/* i386 (int 0x80) syscall names by number, generated from <asm/unistd_32.h> (Linux UAPI). */'
    echo '/* SC32(nr, "name") */'
    sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$/SC32(\2, "\1")/p' "$i386_h"
} >"$TMP/sysnames_i386.def"

{
    echo '/* x32 syscalls with numbers of their own (512..), generated from <asm/unistd_x32.h> (Linux'
    echo ' * UAPI); every other x32 number is the x86_64 one plus __X32_SYSCALL_BIT. SCX32(nr, "name") */'
    sed -n 's/^#define __NR_\([a-z0-9_]*\) (__X32_SYSCALL_BIT + \([0-9]*\))$/SCX32(\2, "\1")/p' \
        "$x32_h" | awk -F'[(,]' '$2 >= 512'
} >"$TMP/sysnames_x32.def"

{
    echo '/* AArch32 EABI syscall names by number (the compat ABI of arm64), generated from'
    echo ' * <asm/unistd-eabi.h> and <asm/unistd.h> (Linux UAPI for arm) by gen-compat-sysnames.sh.'
    echo ' * SCARM(nr, "name"); SCARM_PRIVATE(nr, "name") for the ARM-private calls at 0xf0000 + nr. */'
    sed -n 's/^#define __NR_\([a-z0-9_]*\) (__NR_SYSCALL_BASE + \([0-9]*\))$/SCARM(\2, "\1")/p' "$eabi_h"
    sed -n 's/^#define __ARM_NR_\([a-z0-9_]*\)[[:space:]]*(__ARM_NR_BASE+\([0-9]*\))$/SCARM_PRIVATE(\2, "\1")/p' \
        "$arm_h"
} >"$TMP/sysnames_arm.def"

rc=0
for f in sysnames_i386.def sysnames_x32.def sysnames_arm.def; do
    if [ "$(grep -c '^SC' "$TMP/$f")" -lt 30 ]; then
        echo "gen-compat-sysnames: $f: too few entries parsed (header format changed?)" >&2
        exit 1
    fi
    if [ "$CHECK" = 1 ]; then
        if ! cmp -s "$TMP/$f" "$DIR/$f"; then
            echo "gen-compat-sysnames: tracer/$f differs from the headers:" >&2
            diff "$DIR/$f" "$TMP/$f" | head -n 20 >&2 || true
            rc=1
        fi
    else
        cp "$TMP/$f" "$DIR/$f"
    fi
done
exit $rc
