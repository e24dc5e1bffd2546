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
# The scenarios are in scenarios.sh (record-arm64.sh records some of them on arm64).
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

. "$ROOT/tests/data/engine/golden/scenarios.sh"
golden_scenarios
