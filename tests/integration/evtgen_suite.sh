#!/usr/bin/env bash
# Falco's event-generator suite for the stable rules ($TT_SHARED/falco-evtgen-suite, every test
# and every case, never filtered) through Tartan's traced path: launcher + tracer + engine on
# the live ring with the upstream falco_rules.yaml (rule_matching: all). Host cases run on this
# machine; container cases in one container from the local base image with the binaries image
# mounted (mounted pattern). One PASS/FAIL/SKIP line per case, then the table and totals (in
# the log). The container cases run a second time as uid $TT_NR_UID with every capability
# dropped (names prefixed nonroot.; the cases that cannot run so are skipped with the reason).
# See docs/evtgen.md.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"

args=()
tt_docker_container_skip
[ -z "$TT_DOCKER_SKIP" ] || args+=(--container-skip "$TT_DOCKER_SKIP")
trap tt_docker_stop_started EXIT

python3 "$TT_ROOT/tests/evtgen/evtgen.py" "${args[@]}"
rc=$?
python3 "$TT_ROOT/tests/evtgen/evtgen.py" "${args[@]}" --as-user "$TT_NR_UID" --prefix nonroot. || rc=1
exit $rc
