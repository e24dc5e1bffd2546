#!/usr/bin/env bash
# Ring throughput: events/s from one producer process to one consumer process through the
# shared-memory ring (default 8 MiB, non-blocking and blocking; a 64 KiB ring shows drops),
# beside a pipe carrying the same records (baseline); then the cost of one write for a
# producer paced like a tracer. Figures only, never pass/fail.
set -u
ROOT=${TT_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
OUT=${TT_OUT:-$ROOT/build}/bench
B=$OUT/ring_bench # (built by make bench; compiled here when this script runs alone)
if [ ! -x "$B" ]; then
    mkdir -p "$OUT"
    LIB=$ROOT/build/obj/libtartan.a
    [ -f "$LIB" ] || make -C "$ROOT" "$LIB" >/dev/null
    ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -I"$ROOT/lib" -o "$B" \
        "$ROOT/bench/ring_bench.c" "$LIB" -lpthread || exit 1
fi
N=${RING_BENCH_EVENTS:-2000000}
echo "ring throughput: $N openat records of $(( (32 + 16 + 8 + 35 + 16 + 16 + 7) / 8 * 8 )) bytes, producer -> consumer process, $(nproc) CPUs"
$B header
$B pipe "$N"
$B ring "$N" 8388608 0
$B ring "$N" 8388608 1
$B ring "$N" 65536 0
echo "producer cost per event at tracer-like rates (consumer keeps up; wake-ups included)"
$B paced 100000 20000
$B paced 200000 200000
