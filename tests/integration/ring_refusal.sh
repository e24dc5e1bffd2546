#!/usr/bin/env bash
# Ring refusals: format version mismatch refused in both directions with a clear message; a
# scribbled segment does not crash the consumer (every record is validated); a second
# consumer or a second producer on a live key is refused; a stale segment left by a killed
# producer is replaced.
# timeout: 120
. "${TT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tt.sh"
H=$TT_HELPERS
T=$TT_BIN/tracer
TMP=$(mktemp -d /tmp/tartan-ring-ref.XXXXXX)
key() { printf '0x7b%04x%02x' $(($$ & 0xffff)) "$1"; }
cleanup() {
    jobs -p | xargs -r kill -9 2>/dev/null
    for i in 1 2 3 4 5 6; do ipcrm -M "$(key $i)" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
segment_exists() { ipcs -m | grep -qi "^$1 "; }

# 1. A stream of a newer format: the consumer refuses it and says why.
K=$(key 1)
"$H/ring_produce" --key "$K" --count 10 --hdr-version 2 --hold 3000 --ready "$TMP/r1" \
    >/dev/null 2>&1 &
PP=$!
wait_for 10 test -e "$TMP/r1"
$T dump --ring "$K" --wait 1000 >"$TMP/d1.out" 2>"$TMP/d1.err"
drc=$?
kill $PP 2>/dev/null
wait $PP 2>/dev/null
if [ "$drc" -eq 3 ] && [ ! -s "$TMP/d1.out" ] &&
    grep -q "ring key $K: event stream format version 2, this program reads version 1" "$TMP/d1.err"; then
    pass consumer_refuses_other_format_version
else
    fail consumer_refuses_other_format_version "dump rc=$drc: $(cat "$TMP/d1.err")"
fi

# 2. A consumer of another format version attaches: the producer refuses it and says why.
K=$(key 2)
# (the consumer publishes its version before it counts as attached, as another build would)
"$H/ring_produce" --key "$K" --count 10 --wait-consumer 10000 \
    >"$TMP/p2.out" 2>"$TMP/p2.err" &
PP=$!
"$H/ring_consume" --key "$K" --wait 10000 --claim-version 2 --hold 3000 >/dev/null 2>&1
wait $PP
prc=$?
if [ "$prc" -eq 4 ] &&
    grep -q "the attached consumer reads event format version 2 (ring layout 1); this tracer writes version 1" "$TMP/p2.err"; then
    pass producer_refuses_other_consumer_version
else
    fail producer_refuses_other_consumer_version "producer rc=$prc: $(cat "$TMP/p2.err")"
fi

# 2b. The same consumer attaching while a producer that never waited (tracer --wait-engine 0,
# or an engine restarted later) is writing: the producer notices at its next records.
K=$(key 6)
"$H/ring_produce" --key "$K" --count 1000000 --interval-us 1000 --ready "$TMP/r6" \
    >"$TMP/p6.out" 2>"$TMP/p6.err" &
PP=$!
wait_for 10 test -e "$TMP/r6"
"$H/ring_consume" --key "$K" --wait 10000 --claim-version 2 --hold 30000 >/dev/null 2>&1 &
CP=$!
msg="the attached consumer reads event format version 2 (ring layout 1); this tracer writes version 1"
if wait_for 20 grep -q "$msg" "$TMP/p6.err"; then
    pass producer_refuses_late_consumer_version
else
    fail producer_refuses_late_consumer_version "$(head -c 300 "$TMP/p6.err")"
fi
kill "$PP" "$CP" 2>/dev/null
wait "$PP" "$CP" 2>/dev/null

# 3. Random bytes over the data area: the consumer reports corruption and exits cleanly
# (under the asan variant the dump is the sanitizer build).
K=$(key 3)
"$H/ring_produce" --key "$K" --count 300 --namelen 20 --scribble --hold 1000 \
    >"$TMP/p3.out" 2>&1 &
PP=$!
wait_for 10 grep -q produced= "$TMP/p3.out"
$T dump --ring "$K" --wait 1000 >"$TMP/d3.out" 2>"$TMP/d3.err"
drc=$?
wait $PP
if [ "$drc" -eq 1 ] && grep -q "corrupt record; skipped" "$TMP/d3.err" &&
    grep -q "corrupt=[1-9]" "$TMP/d3.err" && ! grep -q "AddressSanitizer\|runtime error" "$TMP/d3.err"; then
    pass corrupt_segment_does_not_crash_consumer
else
    fail corrupt_segment_does_not_crash_consumer "dump rc=$drc: $(head -c 600 "$TMP/d3.err")"
fi

# 4. One consumer per ring; one live producer per key.
K=$(key 4)
"$H/ring_produce" --key "$K" --count 3 --hold 4000 --ready "$TMP/r4" >/dev/null 2>&1 &
PP=$!
wait_for 10 test -e "$TMP/r4"
"$H/ring_consume" --key "$K" --wait 1000 --idle 2500 --ready "$TMP/c4" >/dev/null 2>&1 &
CP=$!
wait_for 10 test -e "$TMP/c4"
$T dump --ring "$K" --wait 0 >/dev/null 2>"$TMP/d4.err"
drc=$?
"$H/ring_produce" --key "$K" --count 1 >/dev/null 2>"$TMP/p4b.err"
prc=$?
wait $CP
kill $PP 2>/dev/null
wait $PP 2>/dev/null
if [ "$drc" -eq 3 ] && grep -q "ring key $K already has a consumer" "$TMP/d4.err"; then
    pass second_consumer_refused
else
    fail second_consumer_refused "dump rc=$drc: $(cat "$TMP/d4.err")"
fi
if [ "$prc" -eq 3 ] && grep -q "ring key $K is in use by a running tracer" "$TMP/p4b.err"; then
    pass second_producer_refused
else
    fail second_producer_refused "producer rc=$prc: $(cat "$TMP/p4b.err")"
fi

# 5. A producer killed with unread events leaves a stale segment; the next producer on the key
# replaces it (saying so) and a consumer reads only the new stream.
K=$(key 5)
"$H/ring_produce" --key "$K" --count 7 --crash >/dev/null 2>&1
stale_left=$(segment_exists "$K" && echo yes || echo no)
"$H/ring_produce" --key "$K" --count 3 --namelen 1 >"$TMP/p5.out" 2>"$TMP/p5.err"
prc=$?
$T dump --ring "$K" --wait 0 >"$TMP/d5.out" 2>/dev/null
if [ "$stale_left" = yes ] && [ "$prc" -eq 0 ] && grep -q "replacing a stale ring" "$TMP/p5.err" &&
    [ "$(wc -l <"$TMP/d5.out")" -eq 3 ] && grep -q "name=/tmp/ring-test/2x " "$TMP/d5.out"; then
    pass stale_segment_replaced
else
    fail stale_segment_replaced "stale_left=$stale_left producer rc=$prc $(cat "$TMP/p5.err") lines=$(wc -l <"$TMP/d5.out")"
fi
