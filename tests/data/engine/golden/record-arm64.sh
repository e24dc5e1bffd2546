#!/usr/bin/env bash
# Records golden captures on arm64 (arm64_<scenario>.cap beside the x86_64 ones), for
# tests/integration/engine_golden.py, which replays them on both architectures and checks that
# each raises the alerts its x86_64 twin raises.
#
# On an x86_64 machine the recording runs in the arm64 test VM (tests/arm64/vm.sh: Debian
# bookworm's arm64 kernel and root filesystem under qemu-system-aarch64; needs `make ARCH=arm64`);
# on an arm64 machine, here (root, cgroup2 at /sys/fs/cgroup, a static build in build/).
# Each scenario of scenarios.sh runs as in record.sh's Docker container: under the static tracer
# at /t/tracer, as PID 1 of a new pid namespace, in a cgroup named like a Docker container's
# (/docker/<64 hex digits>, derived from the scenario's name: re-recording keeps the id), with
# loopback only.
# Usage: tests/data/engine/golden/record-arm64.sh [NAME...]   (default: the arm64 subset below)
# After re-recording, review the engine's alerts and update expected.json by hand.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
OUT=$ROOT/tests/data/engine/golden
# The subset: one scenario per syscall family whose numbers or calls differ on aarch64 (openat
# only, symlinkat, dup3 for dup2, unlinkat, renameat2/mkdirat, fchmodat, execveat from a memfd,
# AF_PACKET, connect, ptrace), and a benign one. (Not drop_exec: the VM has no overlay
# filesystem, so no executable comes from a container's upper layer.)
SUBSET="sensitive_read write_below_etc symlink_shadow packet_socket outbound_connect redirect_stdio
ptrace_attach memfd_exec shred_file ns_binary_dirs ns_chmod_suid benign_ls"
ONLY=" $(echo ${*:-$SUBSET}) "

if [ "$(uname -m)" != aarch64 ]; then
    [ -x "$ROOT/build-arm64/bin/tracer" ] || { echo "record-arm64: run make ARCH=arm64 first" >&2; exit 1; }
    bash "$ROOT/tests/arm64/vm.sh" prepare
    run=$ROOT/build-arm64/vm-record
    rm -rf "$run"
    bash "$ROOT/tests/arm64/vm.sh" run "$run" "bash tests/data/engine/golden/record-arm64.sh $ONLY"
    cat "$run/stdout"
    exit "$(cat "$run/rc" 2>/dev/null || echo 1)"
fi

BUILD=$ROOT/build-arm64
[ -x "$BUILD/bin/tracer" ] || BUILD=$ROOT/build
mkdir -p /t/out
cp "$BUILD/bin/tracer" /t/tracer
if [ "$BUILD" = "$ROOT/build-arm64" ]; then # (a cross build: every helper is static)
    cp "$BUILD/helpers/golden_actions" /t/golden_actions
else
    cc -std=c11 -D_GNU_SOURCE -static -O1 -pthread -o /t/golden_actions "$ROOT/tests/helpers/golden_actions.c"
fi

record() { # name tty(0|1|shm) cmd...
    local name=$1 tty=$2
    shift 2
    [[ "$ONLY" == *" $name "* ]] || return 0
    if [ "$tty" = 1 ]; then
        echo "skipped $name (needs a terminal)"
        return 0
    fi
    local id cg
    id=$(printf 'tartan-arm64-golden-%s' "$name" | sha256sum | cut -c1-64)
    cg=/sys/fs/cgroup/docker/$id
    mkdir -p "$cg"
    # (the shell joins the cgroup, then becomes the new pid namespace's init, a session leader
    # as runc makes it: the tracer)
    (cd / && unshare --pid --fork --mount-proc setsid sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' \
        "$cg" /t/tracer ${TRACER_OPTS:-} -w "/t/out/$name.cap" -- "$@" </dev/null >/dev/null) || true
    cp "/t/out/$name.cap" "$OUT/arm64_$name.cap"
    echo "recorded arm64_$name ($(stat -c %s "$OUT/arm64_$name.cap") bytes)"
}

. "$OUT/scenarios.sh"
golden_scenarios
