#!/usr/bin/env bash
# Self-test of the event-generator suite runner (tests/evtgen/selftest.py): broken rules and
# broken specs must make it report failures, on the host and in a container. Docker and the
# images are set up here as evtgen_suite.sh does, so the container check runs instead of
# being skipped.
# variants: plain
# timeout: 900
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"

if [ "$(id -u)" -eq 0 ]; then
    tt_docker_ready && tt_docker_base && tt_docker_images >&2 ||
        echo "evtgen selftest: Docker or the images could not be set up" >&2
fi
trap tt_docker_stop_started EXIT
python3 "$TT_ROOT/tests/evtgen/selftest.py"
