#!/usr/bin/env bash
# Tracer/engine version skew during a rolling upgrade (docs/deploy.md, version skew): a consumer
# that reads the current and the previous stream format (ring_consume --reads, posing as a
# release whose window is [P, P+1]) reads the ring of a producer writing the previous version P,
# publishes the version it reads, and that older producer accepts it (events flow, none lost).
# Negative controls: this build's consumers (tracer dump, the engine) refuse a version outside
# their window with a message saying which side to upgrade; a stream newer than a consumer's
# window is refused by it too.
# timeout: 120
. "${TT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tt.sh"
H=$TT_HELPERS
TMP=$(mktemp -d /tmp/tartan-ring-skew.XXXXXX)
key() { printf '0x7c%04x%02x' $(($$ & 0xffff)) "$1"; }
cleanup() {
    jobs -p | xargs -r kill -9 2>/dev/null
    for i in 1 2 3 4 5; do ipcrm -M "$(key $i)" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
cur=$("$TT_BIN/tracer" --version | sed -n 's/.*event format version \([0-9]*\).*/\1/p')
if [ -z "$cur" ]; then
    fail skew-current-version "tracer --version names no event format version"
    exit 0
fi
prev=$((cur - 1)) next=$((cur + 1))

# 1. An older tracer (writes prev) and a newer engine (reads prev..cur): accepted both ways.
K=$(key 1)
"$H/ring_produce" --key "$K" --count 500 --hdr-version "$prev" --wait-consumer 10000 \
    >"$TMP/p1.out" 2>"$TMP/p1.err" &
PP=$!
"$H/ring_consume" --key "$K" --wait 10000 --idle 2000 --reads "$prev-$cur" >"$TMP/c1.out" 2>"$TMP/c1.err"
wait $PP
prc=$?
if [ "$prc" -eq 0 ] && grep -q '^consumed=500 bad=0 ' "$TMP/c1.out"; then
    pass skew-newer-consumer-reads-previous-version
else
    fail skew-newer-consumer-reads-previous-version "producer rc=$prc $(cat "$TMP/p1.err"); consumer: $(cat "$TMP/c1.out" "$TMP/c1.err")"
fi

# 2. The same with this build's versions: a producer of the current version and a consumer
#    of the next release's window.
K=$(key 2)
"$H/ring_produce" --key "$K" --count 500 --wait-consumer 10000 >"$TMP/p2.out" 2>"$TMP/p2.err" &
PP=$!
"$H/ring_consume" --key "$K" --wait 10000 --idle 2000 --reads "$cur-$next" >"$TMP/c2.out" 2>"$TMP/c2.err"
wait $PP
prc=$?
if [ "$prc" -eq 0 ] && grep -q '^consumed=500 bad=0 ' "$TMP/c2.out"; then
    pass skew-next-release-engine-reads-this-tracer
else
    fail skew-next-release-engine-reads-this-tracer "producer rc=$prc $(cat "$TMP/p2.err"); consumer: $(cat "$TMP/c2.out" "$TMP/c2.err")"
fi

# 3. A stream newer than the consumer's window: refused, saying to upgrade the engine.
K=$(key 3)
"$H/ring_produce" --key "$K" --count 10 --hdr-version $((next + 1)) --hold 3000 --ready "$TMP/r3" \
    >/dev/null 2>&1 &
PP=$!
wait_for 10 test -e "$TMP/r3"
"$H/ring_consume" --key "$K" --wait 1000 --reads "$cur-$next" >"$TMP/c3.out" 2>"$TMP/c3.err"
crc=$?
kill $PP 2>/dev/null
wait $PP 2>/dev/null
if [ "$crc" -eq 3 ] && grep -q "format version $((next + 1)), this program reads versions $cur to $next (the tracer is newer: upgrade the engine first" "$TMP/c3.err"; then
    pass skew-newer-stream-refused
else
    fail skew-newer-stream-refused "rc=$crc: $(cat "$TMP/c3.err")"
fi

# 4. This build's engine and a stream outside its window (older, and newer): an error naming
#    both versions and what to upgrade, while it keeps waiting for a ring it can read.
for v in "$prev" "$next"; do
    K=$(key 4)
    "$H/ring_produce" --key "$K" --count 10 --hdr-version "$v" --hold 4000 --ready "$TMP/r4" \
        >/dev/null 2>&1 &
    PP=$!
    wait_for 10 test -e "$TMP/r4"
    printf 'json_output: true\nsyslog_output: {enabled: false}\nwatch_config_files: false\n' >"$TMP/falco.yaml"
    "$TT_BIN/engine" -c "$TMP/falco.yaml" -r "$TT_ROOT/etc/tartan_rules.yaml" -o "tartan.ring_key=$K" \
        >/dev/null 2>"$TMP/e4-$v.err" &
    EP=$!
    wait_for 10 grep -q 'cannot read the event ring' "$TMP/e4-$v.err"
    kill -TERM $EP 2>/dev/null
    wait $EP
    erc=$?
    kill $PP 2>/dev/null
    wait $PP 2>/dev/null
    rm -f "$TMP/r4"
    ipcrm -M "$K" 2>/dev/null
    if [ "$v" -gt "$cur" ]; then want="upgrade the engine first"; else want="older than this program supports"; fi
    if [ "$erc" -eq 0 ] && grep -q "error: cannot read the event ring: ring key $K: event stream format version $v, this program reads version $cur (.*$want" "$TMP/e4-$v.err"; then
        pass "skew-engine-refuses-version-$v-clearly"
    else
        fail "skew-engine-refuses-version-$v-clearly" "rc=$erc: $(tail -n 3 "$TMP/e4-$v.err")"
    fi
done
