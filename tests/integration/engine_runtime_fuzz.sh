#!/usr/bin/env bash
# Runs the engine runtime's fuzzers (built by `make fuzz` into build-fuzz/fuzz/) for a bounded time
# each: the configuration fuzzer (fuzz_engine_config), seeded with etc/falco.yaml and a few
# override lines, and the ECS task metadata fuzzer (fuzz_engine_ecs), seeded with
# tests/data/engine/fuzz_seeds/ecs. Any crash, leak or sanitizer report fails.
# variants: plain
# timeout: 150
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir

# run_fuzzer NAME SECONDS CORPUS
run_fuzzer() {
    local name=$1 secs=$2 corpus=$3 bin="$TT_ROOT/build-fuzz/fuzz/$1" log="$TT_TMP/$1.log" rc
    (cd "$TT_TMP" && "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$TT_TMP/crash-$name-" "$corpus" >"$log" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && grep -q "^Done" "$log"; then
        pass "$name ($(grep '^Done' "$log"))"
    else
        tail -n 30 "$log" >&2
        fail "$name" "fuzzer exited $rc: $(grep -m1 -E 'ERROR|SUMMARY' "$log")"
    fi
}

if [ -x "$TT_ROOT/build-fuzz/fuzz/fuzz_engine_config" ]; then
    corpus="$TT_TMP/corpus"
    mkdir -p "$corpus"
    cp "$TT_ROOT/etc/falco.yaml" "$corpus/default.yaml"
    printf 'http_output={enabled: true, url: "http://127.0.0.1/"}\njson_output: true\n' >"$corpus/o1"
    printf 'rules_files[0]=/x.yaml\nrules_files: [a, b]\nsyscall_event_drops: {actions: [log, alert]}\n' >"$corpus/o2"
    printf 'append_output[0].extra_fields[0]=proc.name\nappend_output:\n  - match: {tags: [a]}\n    extra_output: x\nstatic_fields: {a: b}\n' >"$corpus/o3"
    run_fuzzer fuzz_engine_config "${TT_FUZZ_SECONDS:-20}" "$corpus"
else
    skip fuzz_engine_config "not built (build-fuzz/fuzz/fuzz_engine_config); run make fuzz"
fi

if [ -x "$TT_ROOT/build-fuzz/fuzz/fuzz_engine_ecs" ]; then
    corpus="$TT_TMP/corpus_ecs"
    mkdir -p "$corpus"
    cp "$TT_ROOT/tests/data/engine/fuzz_seeds/ecs/"* "$corpus/"
    run_fuzzer fuzz_engine_ecs "${TT_FUZZ_SECONDS:-15}" "$corpus"
else
    skip fuzz_engine_ecs "not built (build-fuzz/fuzz/fuzz_engine_ecs); run make fuzz"
fi
