#!/usr/bin/env bash
# Runs the logshipper's libFuzzer targets (built by `make fuzz` into build-fuzz/fuzz/) for a
# bounded time each: the input parsers (reader, JSON time, SigV4) and every HTTP response parser
# (CloudWatch Logs responses and headers, STS XML, credentials JSON / IMDS bodies, ECS metadata),
# seeded from tests/data/logshipper/fuzz_seeds/<target>/. Any crash, leak or sanitizer report fails.
# variants: plain
# timeout: 240
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
for t in cwl sts creds ecs reader jsontime sigv4; do
    corpus="$TT_TMP/corpus_$t"
    mkdir -p "$corpus"
    cp "$TT_ROOT/tests/data/logshipper/fuzz_seeds/$t/"* "$corpus/" 2>/dev/null
    tt_fuzz "fuzz_logshipper_$t" "${TT_FUZZ_SECONDS:-15}" "$corpus"
done
