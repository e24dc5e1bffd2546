#!/usr/bin/env bash
# Runs the configuration fuzzer (build-fuzz/fuzz/fuzz_engine_config, from `make fuzz`) for a
# bounded time, seeded with etc/falco.yaml and a few override lines; any crash, leak or
# sanitizer report fails.
# variants: plain
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
secs=${TT_FUZZ_SECONDS:-20}
bin="$TT_ROOT/build-fuzz/fuzz/fuzz_engine_config"
if [ ! -x "$bin" ]; then
    skip fuzz_engine_config "not built ($bin); run make fuzz"
    exit 0
fi
corpus="$TT_TMP/corpus"
mkdir -p "$corpus"
cp "$TT_ROOT/etc/falco.yaml" "$corpus/default.yaml"
printf 'http_output={enabled: true, url: "http://127.0.0.1/"}\njson_output: true\n' >"$corpus/o1"
printf 'rules_files[0]=/x.yaml\nrules_files: [a, b]\nsyscall_event_drops: {actions: [log, alert]}\n' >"$corpus/o2"
printf 'append_output[0].extra_fields[0]=proc.name\nappend_output:\n  - match: {tags: [a]}\n    extra_output: x\nstatic_fields: {a: b}\n' >"$corpus/o3"
log="$TT_TMP/fuzz.log"
(cd "$TT_TMP" && "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$TT_TMP/crash-" "$corpus" >"$log" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q "^Done" "$log"; then
    pass "fuzz_engine_config ($(grep '^Done' "$log"))"
else
    tail -n 30 "$log" >&2
    fail fuzz_engine_config "fuzzer exited $rc: $(grep -m1 -E 'ERROR|SUMMARY' "$log")"
fi
