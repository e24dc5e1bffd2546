#!/usr/bin/env bash
# Stop round trip (make bench): what one trapped syscall costs when a supervisor must look at
# it, per mechanism and CPU placement (tests/helpers/stop_cost.c; docs/internals/tracer-stops.md).
# Interleaved rounds, median and range of microseconds per call. Figures only: never pass/fail.
#
#   mechanisms  native (no filter), ptrace (SECCOMP_RET_TRACE, the supervisor sleeps in waitpid),
#               ptrace-spin (it polls with sched_yield, as the tracer's adaptive spin does),
#               notif (SECCOMP_RET_USER_NOTIF answered with CONTINUE), notif-sync (the same with
#               SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP), notif-spin (polling the listener)
#   placements  free (default scheduling), same (both on CPU 0), apart (CPU 0 and CPU 1)
#
# Environment: STOP_COST_CALLS (per run, default 20000), STOP_COST_ROUNDS (default 5).
set -u
ROOT=${TT_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
B=${TT_HELPERS:-$ROOT/build/helpers}/stop_cost
N=${STOP_COST_CALLS:-20000}
ROUNDS=${STOP_COST_ROUNDS:-5}
if [ ! -x "$B" ]; then
    echo "stop_cost: build first (make all)"; exit 0
fi
MECHS="native ptrace ptrace-spin notif notif-sync notif-spin"
PLACES="free same"
[ "$(nproc)" -ge 2 ] && PLACES="free same apart"
TMP=$(mktemp /tmp/stop-cost.XXXXXX)
trap 'rm -f "$TMP"' EXIT
for ((r = 0; r < ROUNDS; r++)); do
    for m in $MECHS; do
        for p in $PLACES; do
            "$B" "$m" "$p" "$N" 2>/dev/null || echo "$m $p $N nan"
        done
    done
done >"$TMP"
echo "stop round trip, us per trapped getppid(): median [min-max] of $ROUNDS interleaved rounds of $N calls"
echo "($(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-12s' mechanism
for p in $PLACES; do printf ' %22s' "$p"; done
echo
for m in $MECHS; do
    printf '%-12s' "$m"
    for p in $PLACES; do
        awk -v m="$m" -v p="$p" '$1 == m && $2 == p && $4 != "nan" {print $4}' "$TMP" | sort -g |
            awk '{v[NR]=$1} END { if (!NR) { printf " %22s", "n/a"; exit }
                 med = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2
                 printf " %22s", sprintf("%.2f [%.2f-%.2f]", med, v[1], v[NR]) }'
    done
    echo
done
