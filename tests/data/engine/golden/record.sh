#!/usr/bin/env bash
# Re-records the golden captures of tests/integration/engine_golden.py.
#
# Each scenario runs inside a Docker container (so the events carry a real container id from
# the cgroup), under the static tracer writing a capture file:
#   docker run --network none (loopback only) -v build/bin:/t ... tracer -w /out/NAME.cap -- CMD
# Needs: docker, a built tracer (make build/bin/tracer), cc with -static (glibc static libs).
# Usage: tests/data/engine/golden/record.sh [-i IMAGE] [NAME...]
#   IMAGE defaults to tartan-workload, else debian:bookworm; NAMEs select scenarios (default all).
# Environment (tests/integration/engine_golden_shortcuts.sh): GOLDEN_OUT (where the captures go;
# default this directory), GOLDEN_SETS (a directory with the syscall lists to trace:
# stable.set, and ns.set for the ns_* scenarios; default the tracer's own set),
# GOLDEN_TRACER_ARGS (more tracer options for every scenario), GOLDEN_NAME (container names).
# After re-recording, review the engine's alerts and update expected.json by hand.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
OUT=${GOLDEN_OUT:-$ROOT/tests/data/engine/golden}
IMAGE=
if [ "${1:-}" = -i ]; then
    IMAGE=$2
    shift 2
fi
ONLY=" $* "
if [ -z "$IMAGE" ]; then
    if docker image inspect tartan-workload >/dev/null 2>&1; then IMAGE=tartan-workload; else IMAGE=debian:bookworm; fi
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$ROOT/build/bin/tracer" "$tmp/tracer"
cc -std=c11 -D_GNU_SOURCE -static -O1 -pthread -o "$tmp/golden_actions" "$ROOT/tests/helpers/golden_actions.c"
mkdir -p "$tmp/out"
[ -n "${GOLDEN_SETS:-}" ] && cp "$GOLDEN_SETS/stable.set" "$GOLDEN_SETS/ns.set" "$tmp/"

record() { # name tty(0|1|shm) cmd...   shm: tty-less, /dev/shm mounted exec; TRACER_OPTS=...
    local name=$1 tty=$2
    shift 2
    [ "$ONLY" = "  " ] || [[ "$ONLY" == *" $name "* ]] || return 0
    local t=()
    [ "$tty" = 1 ] && t=(-t)
    [ "$tty" = shm ] && t=(--tmpfs /dev/shm:rw,exec,mode=1777)
    local set=()
    if [ -n "${GOLDEN_SETS:-}" ]; then
        set=(--syscalls-file /t/stable.set)
        [[ $name == ns_* ]] && set=(--syscalls-file /t/ns.set)
    fi
    docker run --rm --name "${GOLDEN_NAME:-tartan-golden}-$name-$$" "${t[@]}" --network none \
        --cap-add SYS_PTRACE --cap-add NET_RAW --security-opt seccomp=unconfined -v "$tmp:/t" "$IMAGE" \
        /t/tracer "${set[@]}" ${GOLDEN_TRACER_ARGS:-} ${TRACER_OPTS:-} -w "/t/out/$name.cap" -- "$@" </dev/null >/dev/null || true # the workload's status
    cp "$tmp/out/$name.cap" "$OUT/$name.cap"
    echo "recorded $name ($(stat -c %s "$OUT/$name.cap") bytes)"
}

record shell_in_container 1 /bin/bash -c 'id -u'
record sensitive_read 0 /bin/cat /etc/shadow
record write_below_etc 0 /bin/sh -c 'echo x > /etc/golden_test.conf'
record symlink_shadow 0 /bin/ln -s /etc/shadow /tmp/shadow_link
record packet_socket 0 /t/golden_actions packet
record outbound_connect 0 /t/golden_actions connect 8080
record redirect_stdio 0 /t/golden_actions redirect 9999
record ptrace_attach 0 /t/golden_actions ptrace
record benign_ls 0 /bin/ls -l /etc
record benign_copy 0 /bin/cp /etc/hostname /tmp/hostname.copy
record dev_shm_exec shm /bin/sh -c 'cp /bin/true /dev/shm/eg && /dev/shm/eg'
record drop_exec 0 /bin/sh -c 'cp /bin/true /tmp/eg_dropped && /tmp/eg_dropped'
record memfd_exec 0 /t/golden_actions memfd /bin/true
record aws_grep 0 /bin/grep aws_secret_access_key /etc/hostname
record traversal_read 0 /bin/cat /etc/../etc/../etc/passwd
record clear_log 0 /bin/sh -c ': > /var/log/dpkg.log'
record shred_file 0 /bin/sh -c 'echo x > /tmp/eg_f && shred -u /tmp/eg_f'
record probe_threads 0 /t/golden_actions threads

# Behaviours of non-stable rules (ns_*: replayed with the incubating and sandbox files too)
record ns_apt_get 0 /usr/bin/apt-get --version
record ns_base64_decode 0 /bin/sh -c 'echo ZWcK | base64 -d'
record ns_chmod_suid 0 /bin/sh -c 'touch /tmp/eg_suid && chmod 4755 /tmp/eg_suid'
record ns_shell_history 0 /bin/sh -c 'touch /root/.bash_history && rm /root/.bash_history'
record ns_binary_dirs 0 /bin/sh -c 'cp /bin/true /usr/bin/eg_copy && mv /usr/bin/eg_copy /usr/bin/eg_moved && mkdir /usr/bin/eg_dir'
record ns_dev_file 0 /bin/sh -c ': > /dev/eg_dev'
record ns_proc_environ 0 /bin/cat /proc/self/environ
record ns_ssh_keys 0 /bin/sh -c 'mkdir -p /root/.ssh && echo key >> /root/.ssh/authorized_keys'
TRACER_OPTS=-E record ns_proxy_env 0 /bin/sh -c 'cp /bin/true /tmp/wget && HTTP_PROXY=http://198.51.100.40:3128 /tmp/wget'
