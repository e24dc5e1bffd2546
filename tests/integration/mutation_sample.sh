#!/usr/bin/env bash
# Mutation testing, a fixed sample: 30 mutants spread over the condition compiler and VM, state,
# field extraction, the tracer's decoding and filter, the ring, base64, cgroup ids and the
# logshipper's SigV4, queue and batching (tests/mutate/mutate.py, seed 21), plus the pinned
# startswith/endswith boundary mutants, each built and run against the tests that cover its
# file, from scratch in $TT_OUT/mutate-ci (about 2 minutes with two jobs). One PASS line per
# mutant the tests tell apart; a surviving mutant is a FAIL whose reason is its diff: add a test
# that fails on it, or list it in docs/internals/mutants.md with the reason it is equivalent.
# The run fails too when fewer than MIN_KILLED mutants were killed (nothing built or ran) or a
# pinned mutant was not killed. The full run is `make mutate`.
# variants: plain
# timeout: 600
. "${TT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tt.sh"

WORK="${TT_OUT:-$TT_ROOT/build}/mutate-ci"
if [ ! -d "$TT_ROOT/build/obj" ]; then
    skip mutation_sample "no plain build in $TT_ROOT/build (make all)"
    exit 0
fi
# Pinned besides the sample: startswith and endswith made to fail when the value is exactly as
# long as the operand (`>=` to `>` in engine/cond_vm.c): `proc.pname startswith runc` would stop
# matching a parent named runc.
PINNED="cond_vm.c:f1cf0aa155 cond_vm.c:bc566cbfad"
MIN_KILLED=20
rm -rf "$WORK" "$WORK.out" "$WORK.log"
python3 "$TT_ROOT/tests/mutate/mutate.py" --sample 30 --seed 21 --with-ids $PINNED --jobs 2 \
    --work "$WORK" --results-lines >"$WORK.out" 2>"$WORK.log"
rc=$?
cat "$WORK.log" >&2
grep -E '^(PASS|FAIL|SKIP) ' "$WORK.out"
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    fail mutation_sample "tests/mutate/mutate.py stopped (status $rc): $(tail -n 1 "$WORK.log")"
fi
# Not vacuous: mutants were built and run, and the tests told enough of them apart (the rest of
# the sample are mutants that do not compile, compile to the same code, or are listed as
# equivalent).
killed=$(grep -c '^PASS mutant_' "$WORK.out")
if [ "$killed" -lt "$MIN_KILLED" ]; then
    fail mutation_sample_ran "$killed mutants killed, want at least $MIN_KILLED (see $WORK.log)"
else
    pass mutation_sample_ran
fi
for id in $PINNED; do
    if grep -q "^PASS mutant_$id " "$WORK.out"; then
        pass "mutation_sample_pinned_$id"
    else
        fail "mutation_sample_pinned_$id" "the pinned mutant $id was not killed"
    fi
done
rm -rf "$WORK"
