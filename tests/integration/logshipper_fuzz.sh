#!/usr/bin/env bash
# Runs the logshipper's libFuzzer targets (built by `make fuzz` into build-fuzz/fuzz/) for a
# bounded time each: the input parsers (reader, JSON time, SigV4) and every HTTP response parser
# (CloudWatch Logs responses and headers, STS XML, credentials JSON / IMDS bodies, ECS metadata),
# seeded from tests/data/logshipper/fuzz_seeds/<target>/. Any crash, leak or sanitizer report fails.
# variants: plain
# timeout: 240
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
secs=${TT_FUZZ_SECONDS:-15}
for t in cwl sts creds ecs reader jsontime sigv4; do
    bin="$TT_ROOT/build-fuzz/fuzz/fuzz_logshipper_$t"
    if [ ! -x "$bin" ]; then
        skip "fuzz_logshipper_$t" "not built ($bin); run make fuzz"
        continue
    fi
    corpus="$TT_TMP/corpus_$t"
    mkdir -p "$corpus"
    cp "$TT_ROOT/tests/data/logshipper/fuzz_seeds/$t/"* "$corpus/" 2>/dev/null
    log="$TT_TMP/$t.log"
    (cd "$TT_TMP" && "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$TT_TMP/crash-$t-" "$corpus" >"$log" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && grep -q "^Done" "$log"; then
        pass "fuzz_logshipper_$t ($(grep '^Done' "$log"))"
    else
        tail -n 30 "$log" >&2
        fail "fuzz_logshipper_$t" "fuzzer exited $rc: $(grep -m1 -E 'ERROR|SUMMARY' "$log")"
    fi
done
