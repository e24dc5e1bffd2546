#!/usr/bin/env bash
# Ring across containers: producer and consumer in processes that share nothing but the IPC
# namespace (unshare --mount --uts --net --pid --cgroup --fork), both ways round; a consumer in another
# IPC namespace does not see the ring; a producer killed inside its own pid namespace is seen
# as end of stream by a consumer outside it.
# timeout: 120
. "${TT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tt.sh"
H=$TT_HELPERS
T=$TT_BIN/tracer
TMP=$(mktemp -d /tmp/tartan-ring-ns.XXXXXX)
key() { printf '0x7d%04x%02x' $(($$ & 0xffff)) "$1"; }
cleanup() {
    jobs -p | xargs -r kill -9 2>/dev/null
    for i in 1 2 3 4 5 6; do ipcrm -M "$(key $i)" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
NS=(unshare --mount --uts --net --pid --cgroup --fork)
"${NS[@]}" true 2>/dev/null || NS=(unshare --mount --uts --net --pid --fork)

if ! "${NS[@]}" true 2>/dev/null; then
    for t in producer_in_other_namespaces consumer_in_other_namespaces \
        other_ipc_namespace_sees_nothing producer_death_across_pid_namespace; do
        skip "$t" "unshare of mount/uts/net/pid namespaces not permitted here"
    done
    exit 0
fi
segment_exists() { ipcs -m | grep -qi "^$1 "; }

# 1. Producer in its own mount/uts/net/pid namespaces, consumer here.
K=$(key 1)
"${NS[@]}" "$H/ring_produce" --key "$K" --count 300 --namelen 4 --wait-consumer 20000 \
    --hold 1500 >"$TMP/p1.out" 2>"$TMP/p1.err" &
PP=$!
$T dump --ring "$K" --wait 20000 >"$TMP/d1.out" 2>"$TMP/d1.err" &
DP=$!
wait_for 10 grep -q produced= "$TMP/p1.out"
$T dump --stats "$K" >"$TMP/s1.out" 2>&1
wait $DP
drc=$?
wait $PP
n=$(wc -l <"$TMP/d1.out")
first=$(head -n 1 "$TMP/d1.out")
last=$(tail -n 1 "$TMP/d1.out")
if [ "$drc" -eq 0 ] && [ "$n" -eq 300 ] &&
    [[ "$first" == "1700000000.000000000 1000/1000 openat ret=0 dirfd=-100 name=/tmp/ring-test/0xxxx flags=0x241 fd=0" ]] &&
    [[ "$last" == *" name=/tmp/ring-test/299xxxx flags=0x241 fd=299" ]] &&
    grep -qx producer_pid=1 "$TMP/s1.out" && grep -qx producer_alive=1 "$TMP/s1.out" &&
    ! segment_exists "$K"; then
    pass producer_in_other_namespaces
else
    fail producer_in_other_namespaces "dump rc=$drc lines=$n first='$first' last='$last' stats=$(tr '\n' ' ' <"$TMP/s1.out") $(cat "$TMP/p1.err" "$TMP/d1.err")"
fi

# 2. Consumer in its own namespaces, producer here.
K=$(key 2)
"$H/ring_produce" --key "$K" --count 300 --wait-consumer 20000 >"$TMP/p2.out" 2>"$TMP/p2.err" &
PP=$!
"${NS[@]}" $T dump --ring "$K" --wait 20000 >"$TMP/d2.out" 2>"$TMP/d2.err"
drc=$?
wait $PP
prc=$?
n=$(wc -l <"$TMP/d2.out")
if [ "$drc" -eq 0 ] && [ "$prc" -eq 0 ] && [ "$n" -eq 300 ] &&
    grep -q 'fd=299$' "$TMP/d2.out" && grep -q 'written=300 dropped=0' "$TMP/p2.out"; then
    pass consumer_in_other_namespaces
else
    fail consumer_in_other_namespaces "dump rc=$drc producer rc=$prc lines=$n $(cat "$TMP/p2.out" "$TMP/p2.err" "$TMP/d2.err")"
fi

# 3. Negative control: a consumer in another IPC namespace finds no ring, while one in the
# same IPC namespace (other pid/net/mount namespaces) does.
K=$(key 3)
"$H/ring_produce" --key "$K" --count 5 --hold 8000 --ready "$TMP/ready3" >/dev/null 2>&1 &
PP=$!
wait_for 10 test -e "$TMP/ready3"
unshare --ipc $T dump --ring "$K" --wait 300 >"$TMP/d3.out" 2>"$TMP/d3.err"
other=$?
"${NS[@]}" $T dump --ring "$K" -n 5 --wait 3000 >"$TMP/d3b.out" 2>"$TMP/d3b.err"
same=$?
kill $PP 2>/dev/null
wait $PP 2>/dev/null
if [ "$other" -eq 3 ] && grep -q "no ring with key $K" "$TMP/d3.err" && [ ! -s "$TMP/d3.out" ] &&
    [ "$same" -eq 0 ] && [ "$(wc -l <"$TMP/d3b.out")" -eq 5 ]; then
    pass other_ipc_namespace_sees_nothing
else
    fail other_ipc_namespace_sees_nothing "other-ipc rc=$other ($(cat "$TMP/d3.err")) same-ipc rc=$same lines=$(wc -l <"$TMP/d3b.out")"
fi

# 4. The producer is SIGKILLed inside its pid namespace (it is pid 1 there): the consumer
# outside drains what was written, then sees end of stream; the segment is removed.
K=$(key 4)
"${NS[@]}" "$H/ring_produce" --key "$K" --count 50 --wait-consumer 20000 --hold 700 --crash \
    >/dev/null 2>"$TMP/p4.err" &
PP=$!
start=$(date +%s%N)
timeout 20 $T dump --ring "$K" --wait 20000 >"$TMP/d4.out" 2>"$TMP/d4.err"
drc=$?
ms=$((($(date +%s%N) - start) / 1000000))
wait $PP 2>/dev/null
n=$(wc -l <"$TMP/d4.out")
if [ "$drc" -eq 0 ] && [ "$n" -eq 50 ] && [ "$ms" -lt 5000 ] && ! segment_exists "$K"; then
    pass producer_death_across_pid_namespace
else
    fail producer_death_across_pid_namespace "dump rc=$drc lines=$n after ${ms}ms segment_left=$(segment_exists "$K" && echo yes || echo no) $(cat "$TMP/d4.err")"
fi
