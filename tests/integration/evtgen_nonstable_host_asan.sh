#!/usr/bin/env bash
# The host behaviours of tests/evtgen/nonstable (the rules that need a process outside any
# container) against the AddressSanitizer + UBSan build, with the three upstream rules files and
# the local file that enables the disabled sandbox rules, the engine passing its syscall set to
# the tracer; then the negative pass with only falco_rules.yaml. A sanitizer report in the
# output of launcher, tracer or engine fails the run. The container behaviours run in the plain
# variant (evtgen_nonstable.sh). See docs/evtgen.md.
# variants: asan
# timeout: 300
. "$(dirname "$0")/../lib/tt.sh"
# Falco's three rules files, pinned (tests/lib/upstream.sh)
if ! tt_upstream falco-rules; then
    fail evtgen-nonstable-host-upstream-rules "$TT_UPSTREAM"
    exit 0
fi
R=$TT_UPSTREAM
exec python3 "$TT_ROOT/tests/evtgen/evtgen.py" --specs "$TT_ROOT/tests/evtgen/nonstable" --host-only \
    --rules "$R/falco_rules.yaml" --rules "$R/falco-incubating_rules.yaml" \
    --rules "$R/falco-sandbox_rules.yaml" --rules "$TT_ROOT/tests/data/evtgen/enable_sandbox_disabled.yaml" \
    --negative-rules "$R/falco_rules.yaml" --syscalls-file
