#!/usr/bin/env bash
# The event-generator suite's host cases (every one of them, container cases excluded) against
# the AddressSanitizer + UBSan build: launcher, tracer and engine from build-asan on the live
# ring. A sanitizer report in their output fails the run (evtgen-run-host). The full suite,
# container cases included, runs in the plain variant (evtgen_suite.sh). See docs/evtgen.md.
# variants: asan
# timeout: 600
. "$(dirname "$0")/../lib/tt.sh"
exec python3 "$TT_ROOT/tests/evtgen/evtgen.py" --host-only
