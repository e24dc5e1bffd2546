#!/usr/bin/env bash
# The tracer as uid 1000 with every capability dropped, under the container runtime's default
# seccomp profile (docker run without --security-opt), which lets ptrace through but, without
# CAP_SYS_PTRACE, refuses pidfd_getfd and (Docker 20.10, containerd before 1.7)
# process_vm_readv. The tracer then reads tracee memory through /proc/PID/mem and describes
# sockets from /proc/PID/net: the events still carry file names, argv, and for connect the
# socket's domain, type, protocol, local address and peer (TCP and UDP). That the profile did refuse
# both is checked too (else this test would prove nothing): the tracer says so with -v.
# variants: plain
# timeout: 300
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
if [ "$(id -u)" -ne 0 ] || ! tt_docker_ready || ! tt_docker_base; then
    skip nonroot-seccomp-profile "needs root and a Docker daemon with $TT_BASE_IMAGE"
    exit 0
fi
c=tt-nonroot-seccomp-$$
trap 'docker rm -f $c >/dev/null 2>&1; rm -rf "$TT_TMP"' EXIT
tt_listen
port=$TT_LISTEN_PORT
trap 'kill $TT_LISTEN_PID 2>/dev/null; docker rm -f $c >/dev/null 2>&1; rm -rf "$TT_TMP"' EXIT
chmod 777 "$TT_TMP"
out=$(docker run --name "$c" --network host --user 1000:1000 --cap-drop ALL \
    -v "$TT_BIN:/t:ro" -v "$TT_TMP:/w" "$TT_BASE_IMAGE" bash -c "
        /t/tracer -v -w /w/c.cap -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port; exec 4<>/dev/udp/127.0.0.1/53; cat /etc/hostname >/dev/null' 2>/w/tracer.err
        echo rc=\$?
        /t/tracer dump /w/c.cap" 2>&1)
echo "$out" >&2
cat "$TT_TMP/tracer.err" >&2
expect_match seccomp-tracer-ran "$out" '^rc=0$'
# the profile really refuses what the test is about
expect_match seccomp-profile-refuses-vm-readv "$(cat "$TT_TMP/tracer.err")" \
    'process_vm_readv is refused here .*reading tracee memory through /proc/PID/mem'
expect_match seccomp-profile-refuses-pidfd-getfd "$(cat "$TT_TMP/tracer.err")" \
    'pidfd_getfd is refused here .*sockets are described from /proc/PID/net'
expect_match seccomp-argv-and-paths-read "$out" ' openat ret=[0-9]+ .*name=/etc/hostname'
expect_match seccomp-tcp-connect-described "$out" \
    " connect ret=0 fd=3 addr=127.0.0.1:$port laddr=127.0.0.1:[0-9]+ domain=2 type=1"
expect_match seccomp-udp-connect-described "$out" \
    " connect ret=0 fd=4 addr=127.0.0.1:53 laddr=127.0.0.1:[0-9]+ domain=2 type=2 proto=17"
# the peer, read back from the kernel (docs/security.md) by the socket's inode in /proc/PID/net
expect_match seccomp-connect-peer-from-kernel "$out" \
    " connect ret=0 fd=3 addr=127.0.0.1:$port .* peer=127.0.0.1:$port\$"
expect_match seccomp-udp-connect-peer-from-kernel "$out" \
    " connect ret=0 fd=4 addr=127.0.0.1:53 .* peer=127.0.0.1:53\$"
