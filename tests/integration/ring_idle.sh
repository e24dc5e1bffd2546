#!/usr/bin/env bash
# An idle consumer costs no CPU: attached to a silent producer it sleeps on a futex, and while
# it waits for a ring to appear it polls rarely. Measured from /proc/PID/stat over 3 s.
# timeout: 60
. "${TT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tt.sh"
H=$TT_HELPERS
T=$TT_BIN/tracer
TMP=$(mktemp -d /tmp/tartan-ring-idle.XXXXXX)
key() { printf '0x7a%04x%02x' $(($$ & 0xffff)) "$1"; }
cleanup() {
    jobs -p | xargs -r kill -9 2>/dev/null
    for i in 1 2; do ipcrm -M "$(key $i)" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
ticks() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# 1. Attached, producer silent.
K=$(key 1)
"$H/ring_produce" --key "$K" --count 1 --hold 8000 --ready "$TMP/r1" >/dev/null 2>&1 &
PP=$!
wait_for 10 test -e "$TMP/r1"
$T dump --ring "$K" >"$TMP/d1.out" 2>&1 &
DP=$!
wait_for 10 grep -q openat "$TMP/d1.out"
sleep 0.5 # past the short busy-poll window after the last event
t0=$(ticks $DP)
sleep 3
t1=$(ticks $DP)
used=$((t1 - t0))
kill $DP $PP 2>/dev/null
wait $DP $PP 2>/dev/null
# 3 s at HZ ticks/s; allow 1% of one CPU.
limit=$((HZ * 3 / 100))
[ "$limit" -ge 1 ] || limit=1
if [ "$used" -le "$limit" ]; then
    pass idle_attached_consumer_uses_no_cpu
else
    fail idle_attached_consumer_uses_no_cpu "$used ticks in 3 s (limit $limit, HZ=$HZ)"
fi

# 2. Waiting for a ring that does not exist yet.
K=$(key 2)
$T dump --ring "$K" --wait 20000 >/dev/null 2>&1 &
DP=$!
sleep 0.5
t0=$(ticks $DP)
sleep 3
t1=$(ticks $DP)
used=$((t1 - t0))
kill $DP 2>/dev/null
wait $DP 2>/dev/null
if [ "$used" -le "$limit" ]; then
    pass waiting_consumer_uses_no_cpu
else
    fail waiting_consumer_uses_no_cpu "$used ticks in 3 s (limit $limit)"
fi
