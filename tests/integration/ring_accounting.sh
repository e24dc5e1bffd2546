#!/usr/bin/env bash
# Ring accounting: drops under a stalled consumer counted exactly (produced == consumed +
# dropped), nothing lost before the consumer attaches, the engine may start first, blocking
# mode loses nothing, and the counters are readable without consuming (dump --stats).
# timeout: 120
. "${TT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tt.sh"
H=$TT_HELPERS
T=$TT_BIN/tracer
TMP=$(mktemp -d /tmp/tartan-ring-acct.XXXXXX)
key() { printf '0x7c%04x%02x' $(($$ & 0xffff)) "$1"; }
cleanup() {
    jobs -p | xargs -r kill -9 2>/dev/null
    for i in 1 2 3 4 5 6 7 8; do ipcrm -M "$(key $i)" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
segment_exists() { ipcs -m | grep -qi "^$1 "; }
field() { sed -n "s/.*\b$1=\([0-9-]*\).*/\1/p" "$2" | head -n 1; }

# 1. Stalled consumer (SIGSTOPped while attached): 5000 events into a 4 KiB ring.
K=$(key 1)
"$H/ring_consume" --key "$K" --wait 10000 --ready "$TMP/ready1" >"$TMP/c1.out" 2>"$TMP/c1.err" &
CP=$!
# (--delay: the producer writes only a second after the ring exists, by when the consumer that
# attached to it is stopped; without it, all 5000 could be read before the stop)
"$H/ring_produce" --key "$K" --size 4096 --count 5000 --wait-consumer 10000 --hold 800 \
    --delay 1000 >"$TMP/p1.out" 2>"$TMP/p1.err" &
PP=$!
wait_for 10 test -e "$TMP/ready1"
kill -STOP $CP
wait_for 10 grep -q produced= "$TMP/p1.out"
$T dump --stats "$K" >"$TMP/s1.out" 2>&1
kill -CONT $CP
wait $PP
wait $CP
produced=$(field produced "$TMP/p1.out")
written=$(field written "$TMP/p1.out")
dropped=$(field dropped "$TMP/p1.out")
consumed=$(field consumed "$TMP/c1.out")
c_dropped=$(field dropped "$TMP/c1.out")
bad=$(field bad "$TMP/c1.out")
s_dropped=$(field dropped "$TMP/s1.out")
if [ -n "$produced" ] && [ "$produced" -eq 5000 ] && [ "$dropped" -gt 0 ] &&
    [ "$consumed" -eq "$written" ] && [ "$bad" -eq 0 ] && [ "$c_dropped" -eq "$dropped" ] &&
    [ "$s_dropped" -eq "$dropped" ] && [ $((consumed + dropped)) -eq "$produced" ] &&
    grep -qx consumer_attached=1 "$TMP/s1.out"; then
    pass drops_counted_exactly_with_stalled_consumer
else
    fail drops_counted_exactly_with_stalled_consumer "producer: $(cat "$TMP/p1.out") consumer: $(cat "$TMP/c1.out") stats dropped=$s_dropped $(cat "$TMP/p1.err" "$TMP/c1.err")"
fi

# 2. No loss before attach: the producer writes 1000 events and exits before any consumer.
K=$(key 2)
"$H/ring_produce" --key "$K" --count 1000 --size 1048576 >"$TMP/p2.out" 2>&1
$T dump --ring "$K" --wait 0 >"$TMP/d2.out" 2>"$TMP/d2.err"
drc=$?
n=$(wc -l <"$TMP/d2.out")
seqs_ok=$(awk '{ sub(/.*fd=/, ""); if ($0 != NR - 1) bad++ } END { print bad ? 0 : 1 }' "$TMP/d2.out")
if [ "$drc" -eq 0 ] && [ "$n" -eq 1000 ] && [ "$seqs_ok" -eq 1 ] && ! segment_exists "$K"; then
    pass no_loss_before_attach
else
    fail no_loss_before_attach "dump rc=$drc lines=$n in_order=$seqs_ok $(cat "$TMP/p2.out" "$TMP/d2.err")"
fi

# 3. The engine starts first: the consumer waits for the ring to appear.
K=$(key 3)
$T dump --ring "$K" --wait 20000 >"$TMP/d3.out" 2>"$TMP/d3.err" &
DP=$!
sleep 0.5
"$H/ring_produce" --key "$K" --count 100 --wait-consumer 10000 >"$TMP/p3.out" 2>&1
prc=$?
wait $DP
drc=$?
n=$(wc -l <"$TMP/d3.out")
if [ "$prc" -eq 0 ] && [ "$drc" -eq 0 ] && [ "$n" -eq 100 ]; then
    pass consumer_started_first
else
    fail consumer_started_first "producer rc=$prc dump rc=$drc lines=$n $(cat "$TMP/p3.out" "$TMP/d3.err")"
fi

# 4. Blocking mode: a slow consumer and a 4 KiB ring lose nothing.
K=$(key 4)
"$H/ring_consume" --key "$K" --wait 10000 --delay-us 20 --namelen 50 >"$TMP/c4.out" 2>"$TMP/c4.err" &
CP=$!
"$H/ring_produce" --key "$K" --blocking --size 4096 --count 20000 --namelen 50 \
    --wait-consumer 10000 >"$TMP/p4.out" 2>"$TMP/p4.err"
wait $CP
consumed=$(field consumed "$TMP/c4.out")
if grep -q 'produced=20000 written=20000 dropped=0' "$TMP/p4.out" && [ "$consumed" = 20000 ] &&
    grep -q 'bad=0' "$TMP/c4.out" && grep -q 'eof=1' "$TMP/c4.out"; then
    pass blocking_mode_loses_nothing
else
    fail blocking_mode_loses_nothing "producer: $(cat "$TMP/p4.out" "$TMP/p4.err") consumer: $(cat "$TMP/c4.out" "$TMP/c4.err")"
fi

# 5. Non-blocking control for the same load: the slow consumer does make it drop (so the
# blocking result above is not an accident of timing).
K=$(key 5)
"$H/ring_consume" --key "$K" --wait 10000 --delay-us 20 >"$TMP/c5.out" 2>"$TMP/c5.err" &
CP=$!
"$H/ring_produce" --key "$K" --size 4096 --count 20000 --namelen 50 --wait-consumer 10000 \
    >"$TMP/p5.out" 2>"$TMP/p5.err"
wait $CP
dropped=$(field dropped "$TMP/p5.out")
consumed=$(field consumed "$TMP/c5.out")
if [ -n "$dropped" ] && [ "$dropped" -gt 0 ] && [ $((consumed + dropped)) -eq 20000 ]; then
    pass nonblocking_control_drops
else
    fail nonblocking_control_drops "producer: $(cat "$TMP/p5.out") consumer: $(cat "$TMP/c5.out")"
fi

# 6. --stats reads the counters without consuming: a consumer afterwards still gets all.
K=$(key 6)
"$H/ring_produce" --key "$K" --count 40 --hold 1500 >"$TMP/p6.out" 2>&1 &
PP=$!
wait_for 10 grep -q produced= "$TMP/p6.out"
$T dump --stats "$K" >"$TMP/s6.out" 2>&1
src=$?
# (written the other way round too: --stats --ring KEY must not turn into a consumer)
timeout 10 $T dump --stats --ring "$K" >"$TMP/s6b.out" 2>&1
src=$((src + $?))
grep -qx produced=40 "$TMP/s6b.out" && grep -qx consumed=0 "$TMP/s6b.out" ||
    src="--stats --ring: $(tr '\n' ' ' <"$TMP/s6b.out")"
$T dump --ring "$K" >"$TMP/d6.out" 2>&1
wait $PP
if [ "$src" -eq 0 ] && grep -qx produced=40 "$TMP/s6.out" && grep -qx consumed=0 "$TMP/s6.out" &&
    grep -qx in_flight=40 "$TMP/s6.out" && grep -qx consumer_attached=0 "$TMP/s6.out" &&
    [ "$(grep -c openat "$TMP/d6.out")" -eq 40 ]; then
    pass stats_do_not_consume
else
    fail stats_do_not_consume "stats rc=$src $(tr '\n' ' ' <"$TMP/s6.out") dump lines=$(grep -c openat "$TMP/d6.out")"
fi

# 7. Two tracers in one IPC namespace, one key each: two streams side by side, no cross-talk.
KA=$(key 7)
KB=$(key 8)
"$H/ring_consume" --key "$KA" --wait 10000 --namelen 3 >"$TMP/c7a.out" 2>&1 &
CA=$!
"$H/ring_consume" --key "$KB" --wait 10000 --namelen 9 >"$TMP/c7b.out" 2>&1 &
CB=$!
"$H/ring_produce" --key "$KA" --blocking --count 3000 --namelen 3 --wait-consumer 10000 >"$TMP/p7a.out" 2>&1 &
PA=$!
"$H/ring_produce" --key "$KB" --blocking --count 2000 --namelen 9 --wait-consumer 10000 >"$TMP/p7b.out" 2>&1
wait $PA $CA $CB
if grep -q 'consumed=3000 bad=0 .*eof=1' "$TMP/c7a.out" && grep -q 'consumed=2000 bad=0 .*eof=1' "$TMP/c7b.out"; then
    pass two_tracers_two_keys
else
    fail two_tracers_two_keys "A: $(cat "$TMP/p7a.out" "$TMP/c7a.out") B: $(cat "$TMP/p7b.out" "$TMP/c7b.out")"
fi
