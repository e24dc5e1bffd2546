#!/bin/bash
# userns-binfmt.sh ROOT CMD...: run CMD chrooted in ROOT, an arm64 tree, on an x86_64 host:
# in a new user, mount, pid and network namespace whose private binfmt_misc instance (Linux
# 6.7 and later) runs aarch64 ELF files through qemu-aarch64-static. The host's binfmt_misc
# and its registrations are not touched. Root in the namespace is root outside (uids and gids
# 0-65535 map to themselves, so dpkg can chown to system users).
set -euo pipefail
root=$1; shift
qemu=/usr/bin/qemu-aarch64-static
[ -x "$qemu" ] || { echo "userns-binfmt: $qemu missing (apt-get install qemu-user-static)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/go"
# The registration: ELF 64-bit little-endian, e_machine 183 (EM_AARCH64); F: the interpreter
# is opened now, so it need not exist inside ROOT.
magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
unshare --user --mount --pid --net --fork bash -c '
    read -r _ <"$1"; root=$2; reg=$3; shift 3
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || {
        echo "userns-binfmt: no private binfmt_misc in a user namespace (Linux 6.7 or later needed; this is $(uname -r))" >&2
        exit 1
    }
    printf "%s" "$reg" >/proc/sys/fs/binfmt_misc/register  # (the kernel decodes the \x escapes)
    mount -t proc proc "$root/proc"
    exec chroot "$root" "$@"' _ "$tmp/go" "$root" ":qemu-aarch64:M::$magic:$mask:$qemu:F" "$@" &
pid=$!
for _ in $(seq 1 200); do
    [ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
    sleep 0.05
done
echo "0 0 65536" >"/proc/$pid/uid_map"
echo "0 0 65536" >"/proc/$pid/gid_map"
echo go >"$tmp/go"
wait "$pid"
