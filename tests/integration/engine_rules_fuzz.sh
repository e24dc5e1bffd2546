#!/usr/bin/env bash
# Runs the rules-loader and condition fuzzers (built by `make fuzz` into build-fuzz/fuzz/) for a
# bounded time each, seeded with tests/data/engine/fuzz_seeds and the upstream ruleset; any
# crash, leak or sanitizer report fails.
# variants: plain
# timeout: 180
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
secs=${TT_FUZZ_SECONDS:-20}
for t in rules cond; do
    bin="$TT_ROOT/build-fuzz/fuzz/fuzz_engine_$t"
    if [ ! -x "$bin" ]; then
        skip "fuzz_engine_$t" "not built ($bin); run make fuzz"
        continue
    fi
    corpus="$TT_TMP/corpus_$t"
    mkdir -p "$corpus"
    cp "$TT_ROOT/tests/data/engine/fuzz_seeds/$t/"* "$corpus/" 2>/dev/null
    if [ "$t" = rules ]; then
        cp "$TT_ROOT/tests/data/engine/rules_invalid/"*.yaml "$corpus/" 2>/dev/null
        if tt_upstream falco-rules/falco_rules.yaml; then
            cp "$TT_UPSTREAM" "$corpus/"
        else
            fail "fuzz_engine_rules_upstream_seed" "$TT_UPSTREAM"
        fi
    fi
    log="$TT_TMP/$t.log"
    (cd "$TT_TMP" && "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$TT_TMP/crash-$t-" "$corpus" >"$log" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && grep -q "^Done" "$log"; then
        pass "fuzz_engine_$t ($(grep '^Done' "$log"))"
    else
        tail -n 30 "$log" >&2
        fail "fuzz_engine_$t" "fuzzer exited $rc: $(grep -m1 -E 'ERROR|SUMMARY' "$log")"
    fi
done
