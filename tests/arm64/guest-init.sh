#!/bin/bash
# PID 1 of the arm64 test VM (tests/arm64/vm.sh): a minimal system, then the command in
# /out/cmd, run from /tartan as root; its output and status go back through /out. Powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
hostname tartan-arm64
ip link set lo up 2>/dev/null || busybox ip link set lo up
[ -d /shared/falco-rules ] && export TT_SHARED=/shared
cd /tartan
echo "guest: $(uname -srm), $(nproc) CPUs, up $(cut -d' ' -f1 /proc/uptime)s" >/dev/console
# setsid: the command gets a session of its own (tests that signal process groups), and a
# reaper (this shell) as pid 1.
setsid bash -c "$(cat /out/cmd)" </dev/null >/out/stdout 2>/out/stderr
echo $? >/out/rc.tmp
echo "guest: done in $(cut -d' ' -f1 /proc/uptime)s" >/dev/console
sync
mv /out/rc.tmp /out/rc
sync
umount /out /tartan 2>/dev/null
busybox poweroff -f
