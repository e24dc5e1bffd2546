#!/usr/bin/env bash
# Runs the state/fields fuzzer (tests/fuzz/fuzz_engine_state.c, built by `make fuzz`) for a
# bounded time, seeded with the records of the golden captures; any crash, leak or sanitizer
# report fails.
# variants: plain
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
secs=${TT_FUZZ_SECONDS:-20}
bin="$TT_ROOT/build-fuzz/fuzz/fuzz_engine_state"
if [ ! -x "$bin" ]; then
    skip "fuzz_engine_state" "not built ($bin); run make fuzz"
    exit 0
fi
corpus="$TT_TMP/corpus"
mkdir -p "$corpus"
for c in "$TT_ROOT"/tests/data/engine/golden/*.cap; do
    # drop the 64-byte stream header: the target reads records back to back
    tail -c +65 "$c" | head -c 60000 >"$corpus/$(basename "$c").bin"
done
log="$TT_TMP/state.log"
(cd "$TT_TMP" && "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$TT_TMP/crash-state-" "$corpus" >"$log" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q "^Done" "$log"; then
    pass "fuzz_engine_state ($(grep '^Done' "$log"))"
else
    tail -n 30 "$log" >&2
    fail "fuzz_engine_state" "fuzzer exited $rc: $(grep -m1 -E 'ERROR|SUMMARY' "$log")"
fi
