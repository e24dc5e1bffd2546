#!/usr/bin/env bash
# Runs instrument's libFuzzer targets (make fuzz) for a bounded time each, seeded with the corpus
# of tests/data/instrument: the document round trip (YAML/JSON: what is written reads back as the
# same data), the whole instrumentation (whatever is instrumented, instrumented again, gives the
# same bytes), and every registry / token / ECR / docker config / image reference parser (digests
# that come out are safe in a URL). Any crash, leak or sanitizer report fails.
# variants: plain
# timeout: 240
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
data="$TT_ROOT/tests/data/instrument"
for t in yaml template registry; do
    corpus="$TT_TMP/corpus_$t"
    mkdir -p "$corpus"
    case $t in
    registry) cp "$data/fuzz_seeds/registry/"* "$corpus/" ;;
    *) cp "$data"/*.json "$data"/*.yaml "$TT_ROOT/deploy/"*.json "$TT_ROOT/deploy/"*.yaml "$corpus/" ;;
    esac
    tt_fuzz "fuzz_instrument_$t" "${TT_FUZZ_SECONDS:-15}" "$corpus"
done
