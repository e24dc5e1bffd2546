#!/usr/bin/env bash
# Re-records the golden captures of tests/integration/engine_golden.py.
#
# Each scenario runs inside a Docker container (so the events carry a real container id from
# the cgroup), under the static tracer writing a capture file:
#   docker run --network none (loopback only) -v build/bin:/t ... tracer -w /out/NAME.cap -- CMD
# Needs: docker, a built tracer (make build/bin/tracer), cc with -static (glibc static libs).
# Usage: tests/data/engine/golden/record.sh [-i IMAGE] [NAME...]
#   IMAGE defaults to tartan-workload, else debian:bookworm; NAMEs select scenarios (default all).
# After re-recording, review the engine's alerts and update expected.json by hand.
# The scenarios are in scenarios.sh (record-arm64.sh records some of them on arm64).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
OUT=$ROOT/tests/data/engine/golden
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

record() { # name tty(0|1|shm) cmd...   shm: tty-less, /dev/shm mounted exec; TRACER_OPTS=...
    local name=$1 tty=$2
    shift 2
    [ "$ONLY" = "  " ] || [[ "$ONLY" == *" $name "* ]] || return 0
    local t=()
    [ "$tty" = 1 ] && t=(-t)
    [ "$tty" = shm ] && t=(--tmpfs /dev/shm:rw,exec,mode=1777)
    docker run --rm "${t[@]}" --network none --cap-add SYS_PTRACE --cap-add NET_RAW \
        --security-opt seccomp=unconfined -v "$tmp:/t" "$IMAGE" \
        /t/tracer ${TRACER_OPTS:-} -w "/t/out/$name.cap" -- "$@" </dev/null >/dev/null || true # the workload's status
    cp "$tmp/out/$name.cap" "$OUT/$name.cap"
    echo "recorded $name ($(stat -c %s "$OUT/$name.cap") bytes)"
}

. "$OUT/scenarios.sh"
golden_scenarios
