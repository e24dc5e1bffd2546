#!/usr/bin/env bash
# Runs the engine runtime's fuzzers (built by `make fuzz` into build-fuzz/fuzz/) for a bounded time
# each: the configuration fuzzer (fuzz_engine_config), seeded with etc/falco.yaml and a few
# override lines (${VAR} expansion and key warnings included), and the ECS task metadata fuzzer (fuzz_engine_ecs), seeded with
# tests/data/engine/fuzz_seeds/ecs. Any crash, leak or sanitizer report fails.
# variants: plain
# timeout: 150
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir

corpus="$TT_TMP/corpus_config"
mkdir -p "$corpus"
cp "$TT_ROOT/etc/falco.yaml" "$corpus/default.yaml"
printf 'http_output={enabled: true, url: "http://127.0.0.1/"}\njson_output: true\n' >"$corpus/o1"
printf 'rules_files[0]=/x.yaml\nrules_files: [a, b]\nsyscall_event_drops: {actions: [log, alert]}\n' >"$corpus/o2"
printf 'append_output[0].extra_fields[0]=proc.name\nappend_output:\n  - match: {tags: [a]}\n    extra_output: x\nstatic_fields: {a: b}\n' >"$corpus/o3"
printf 'tartan.rules_files_missing=error\njson_output: ${C}\nprogram_output:\n  program: "$${A}${A} ${B} $x ${LOOP}"\nload_plugins: [x]\njson_ouput: 1\n' >"$corpus/o4"
tt_fuzz fuzz_engine_config "${TT_FUZZ_SECONDS:-20}" "$corpus"

corpus="$TT_TMP/corpus_ecs"
mkdir -p "$corpus"
cp "$TT_ROOT/tests/data/engine/fuzz_seeds/ecs/"* "$corpus/"
tt_fuzz fuzz_engine_ecs "${TT_FUZZ_SECONDS:-15}" "$corpus"
