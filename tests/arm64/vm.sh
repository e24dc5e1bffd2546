#!/usr/bin/env bash
# The arm64 test VM: Debian's arm64 kernel under qemu-system-aarch64 (TCG: software emulation,
# `-M virt -cpu max`, 2 vCPUs), a Debian bookworm arm64 root filesystem made with debootstrap,
# the repository shared into the guest with 9p. Description: docs/arm64.md.
#
#   tests/arm64/vm.sh prepare           build what is missing in the cache (kernel, initramfs,
#                                       root filesystem image): minutes once, then nothing.
#                                       Exit status 3: a package could not be downloaded
#   tests/arm64/vm.sh run OUT CMD...    boot, run CMD (a command line, in /tartan, as root) in
#                                       the guest, power off; its stdout and stderr go to
#                                       OUT/stdout and OUT/stderr, its exit status to OUT/rc,
#                                       the console to OUT/console.log. Exit status: CMD's, or
#                                       124 when the guest did not finish in TT_ARM64_TIMEOUT s
#
# Cache ($TT_CACHE/arm64, default /var/cache/tartan/arm64; prepare takes a lock):
#   kernel-VERSION/      vmlinuz and the modules the initramfs loads (linux-image-*-arm64 .deb,
#                        unpacked with dpkg-deb: nothing is installed on the host)
#   initramfs-VERSION.cpio.gz   busybox (busybox-static:arm64) + virtio/9p/ext4 modules + init
#   rootfs-bookworm-KEY/ debootstrap --arch=arm64 --variant=minbase; the second stage runs under
#                        qemu-aarch64-static in a user namespace with a private binfmt_misc
#                        (tests/arm64/userns-binfmt.sh): the host's binfmt_misc is not touched.
#                        KEY hashes the package list, so checkouts that differ in it (branches
#                        sharing a machine) each keep their own image instead of rebuilding
#   rootfs-bookworm-KEY.ext4   that tree as an ext4 image (mke2fs -d), booted with snapshot=on
#
# In the guest: / is the image (writes are discarded), /tartan the repository (9p, read-write:
# test logs land in build-arm64/test-logs/arm64 as on the host), /shared $TT_SHARED (9p,
# read-only) when it exists, /tmp a tmpfs.
set -euo pipefail
ARM64_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$ARM64_DIR/../.." && pwd)
: "${TT_CACHE:=/var/cache/tartan}"
: "${TT_SHARED:=$ROOT/../shared}"
: "${TT_ARM64_TIMEOUT:=1800}"
: "${TT_ARM64_SMP:=2}"
: "${TT_ARM64_MEM:=2048}"
CACHE=$TT_CACHE/arm64
UNAVAILABLE=3 # prepare's exit status when a package cannot be downloaded (no mirror reachable)
SUITE=bookworm
# The guest's packages beyond minbase (an image per list: ROOTFS); time and
# bc are for make bench-arm64, perl (its syscall.ph) for tracer_engine_set.sh.
GUEST_PKGS="python3,python3-yaml,procps,psmisc,busybox-static,netbase,openssl,iproute2,strace,time,bc,perl"
ROOTFS=$CACHE/rootfs-$SUITE-$(printf '%s %s' "$SUITE" "$GUEST_PKGS" | sha256sum | cut -c1-12)
# Modules the initramfs loads, in order (dependencies first).
MODULES="virtio_mmio virtio_blk crc16 mbcache jbd2 crc32c_generic libcrc32c ext4 netfs fscache
9pnet 9pnet_virtio 9p"

log() { echo "[arm64-vm] $*" >&2; }
. "$ROOT/tests/lib/docker.sh" # (tt_debian_mirror: the mirror apt uses)

# The kernel package linux-image-arm64 points to (e.g. linux-image-6.1.0-57-arm64).
kernel_package() {
    apt-cache depends linux-image-arm64:arm64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[^:]*-arm64\).*/\1/p' | head -n 1
}

prepare_kernel() {
    local pkg=$1 dir=$CACHE/kernel-${1#linux-image-}
    [ "$(cat "$dir/.complete" 2>/dev/null)" = "$MODULES" ] && return 0
    log "kernel: apt-get download $pkg:arm64"
    rm -rf "$dir" && mkdir -p "$dir/deb"
    (cd "$dir/deb" && apt-get download -q -o APT::Sandbox::User=root "$pkg:arm64" >/dev/null) ||
        return "$UNAVAILABLE"
    dpkg-deb -x "$dir"/deb/*.deb "$dir/x"
    cp "$dir"/x/boot/vmlinuz-* "$dir/vmlinuz"
    cp "$dir"/x/boot/config-* "$dir/config"
    mkdir -p "$dir/modules"
    local m f
    for m in $MODULES; do
        f=$(find "$dir/x/lib/modules" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
        [ -n "$f" ] || { log "module $m not in $pkg"; return 1; }
        case "$f" in *.xz) xz -dc "$f" >"$dir/modules/$m.ko" ;; *) cp "$f" "$dir/modules/$m.ko" ;; esac
    done
    rm -rf "$dir/x" "$dir/deb"
    echo "$MODULES" >"$dir/.complete"
}

prepare_initramfs() {
    local kdir=$1 out=$2 key
    key="$MODULES $(sha256sum <"$ARM64_DIR/initramfs-init")"
    [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0
    log "initramfs: busybox-static:arm64, $(echo $MODULES | wc -w) modules"
    local w
    w=$(mktemp -d)
    (cd "$w" && apt-get download -q -o APT::Sandbox::User=root busybox-static:arm64 >/dev/null) ||
        { rm -rf "$w"; return "$UNAVAILABLE"; }
    dpkg-deb -x "$w"/busybox-static_*.deb "$w/bb"
    mkdir -p "$w/root/bin" "$w/root/modules" "$w/root/proc" "$w/root/sys" "$w/root/dev" "$w/root/newroot"
    cp "$w/bb/bin/busybox" "$w/root/bin/busybox"
    cp "$kdir"/modules/*.ko "$w/root/modules/"
    echo "$MODULES" | tr ' ' '\n' | grep . >"$w/root/modules/order"
    install -m 0755 "$ARM64_DIR/initramfs-init" "$w/root/init"
    (cd "$w/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
    mv "$out.tmp" "$out"
    echo "$key" >"$out.key"
    rm -rf "$w"
}

prepare_rootfs() {
    local root=$ROOTFS img=$ROOTFS.ext4 key="$SUITE $GUEST_PKGS"
    if [ -f "$img" ] && [ "$(cat "$img.key" 2>/dev/null)" = "$key" ]; then
        return 0
    fi
    if [ ! -f "$root/.tartan-complete" ] || [ "$(cat "$root/.tartan-complete")" != "$key" ]; then
        rm -rf "$root"
        log "rootfs: debootstrap --arch=arm64 --foreign $SUITE (log: $CACHE/debootstrap.log)"
        debootstrap --arch=arm64 --foreign --variant=minbase --include="$GUEST_PKGS" \
            "$SUITE" "$root" "$(tt_debian_mirror)" >"$CACHE/debootstrap.log" 2>&1 || {
            tail -n 20 "$CACHE/debootstrap.log" >&2; return "$UNAVAILABLE"; }
        log "rootfs: second stage under qemu-aarch64-static (a few minutes)"
        container=lxc bash "$ARM64_DIR/userns-binfmt.sh" "$root" /debootstrap/debootstrap --second-stage \
            >>"$CACHE/debootstrap.log" 2>&1 || {
            tail -n 20 "$CACHE/debootstrap.log" >&2; return 1; }
        echo "tartan-arm64" >"$root/etc/hostname"
        printf '127.0.0.1 localhost\n127.0.1.1 tartan-arm64\n::1 localhost\n' >"$root/etc/hosts"
        mkdir -p "$root/tartan" "$root/shared"
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
        echo "$key" >"$root/.tartan-complete"
    fi
    log "rootfs: ext4 image"
    local mb
    mb=$(( $(du -sm "$root" | cut -f1) * 3 / 2 + 256 ))
    rm -f "$img.tmp"
    mke2fs -q -t ext4 -L tartan-arm64 -d "$root" "$img.tmp" "${mb}M"
    mv "$img.tmp" "$img"
    echo "$key" >"$img.key"
}

cmd_prepare() {
    mkdir -p "$CACHE"
    (
        flock 9
        local pkg
        pkg=$(kernel_package)
        [ -n "$pkg" ] || { log "no linux-image-arm64:arm64 in the apt lists (dpkg --add-architecture arm64; apt-get update)"; exit "$UNAVAILABLE"; }
        prepare_kernel "$pkg"
        prepare_initramfs "$CACHE/kernel-${pkg#linux-image-}" "$CACHE/initramfs-${pkg#linux-image-}.cpio.gz"
        prepare_rootfs
        ln -sfn "kernel-${pkg#linux-image-}" "$CACHE/kernel"
        ln -sfn "initramfs-${pkg#linux-image-}.cpio.gz" "$CACHE/initramfs.cpio.gz"
    ) 9>"$CACHE/prepare.lock"
}

cmd_run() {
    local out=$1; shift
    mkdir -p "$out"
    rm -f "$out/rc" "$out/stdout" "$out/stderr"
    printf '%s\n' "$*" >"$out/cmd"
    # 9p over virtio-mmio (the kernel has virtio_mmio, not virtio_pci, in the initramfs)
    local shares=(-fsdev "local,id=tartan,path=$ROOT,security_model=none"
        -device virtio-9p-device,fsdev=tartan,mount_tag=tartan
        -fsdev "local,id=out,path=$out,security_model=none"
        -device virtio-9p-device,fsdev=out,mount_tag=out)
    if [ -d "$TT_SHARED" ]; then
        shares+=(-fsdev "local,id=shared,path=$(cd "$TT_SHARED" && pwd -P),security_model=none,readonly=on"
            -device virtio-9p-device,fsdev=shared,mount_tag=shared)
    fi
    local rc=0
    timeout -k 5 "$TT_ARM64_TIMEOUT" qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on \
        -smp "$TT_ARM64_SMP" -m "$TT_ARM64_MEM" -nodefaults -display none -no-reboot \
        -kernel "$CACHE/kernel/vmlinuz" -initrd "$CACHE/initramfs.cpio.gz" \
        -append "console=ttyAMA0 panic=-1 quiet loglevel=3" \
        -serial "file:$out/console.log" \
        -drive "file=$ROOTFS.ext4,format=raw,if=none,id=root,snapshot=on" \
        -device virtio-blk-device,drive=root \
        "${shares[@]}" </dev/null >"$out/qemu.log" 2>&1 || rc=$?
    if [ "$rc" -eq 124 ]; then
        log "the guest did not finish within ${TT_ARM64_TIMEOUT}s; console: $out/console.log"
        return 124
    fi
    if [ ! -f "$out/rc" ]; then
        log "the guest stopped without a result (qemu exit $rc); last console lines:"
        tail -n 20 "$out/console.log" >&2
        return 125
    fi
    return "$(cat "$out/rc")"
}

case "${1:-}" in
prepare) cmd_prepare ;;
run)
    shift
    [ $# -ge 2 ] || { echo "usage: $0 run OUT CMD..." >&2; exit 2; }
    cmd_run "$@"
    ;;
*)
    sed -n '2,26p' "$0"
    exit 2
    ;;
esac
