#!/usr/bin/env bash
# `make demo`: the sample workload traced on this machine, the engine evaluating Tartan's
# default rules, alerts printed on the terminal. No Docker, no AWS account.
#
# The same process tree as in a container:
#   launcher  tracer bash docker/sample-workload.sh  --  engine -c <demo falco.yaml>
# The workload runs DEMO_ROUNDS rounds (default 3): it starts a shell, reads /etc/shadow, writes
# (and removes) a file below /etc, and connects to a loopback listener this script starts.
# Needs root for the /etc actions to succeed (they are only attempted otherwise).
# DEMO_JSON=1 prints Falco's JSON alert lines instead of text lines.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${TT_BIN:-$ROOT/build/bin}
ROUNDS=${DEMO_ROUNDS:-3}

for p in launcher tracer engine; do
    if [ ! -x "$BIN/$p" ]; then
        echo "demo: $BIN/$p is missing; run make first" >&2
        exit 1
    fi
done

tmp=$(mktemp -d /tmp/tartan-demo.XXXXXX)
listener=
cleanup() {
    [ -z "$listener" ] || kill "$listener" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# A loopback listener for the workload's outbound connection.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, _ = s.accept(); c.close()' "$port" &
listener=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
done

rules="  - $ROOT/etc/tartan_rules.yaml
  - $ROOT/etc/falco_rules.local.yaml"
json=false
[ "${DEMO_JSON:-0}" = 1 ] && json=true
cat >"$tmp/falco.yaml" <<EOF
# Demo configuration written by tests/demo.sh
rules_files:
$rules
json_output: $json
json_include_output_property: true
priority: debug
buffered_outputs: false
stdout_output:
  enabled: true
EOF

if [ "$(id -u)" -ne 0 ]; then
    echo "demo: not root: reading /etc/shadow and writing below /etc will fail, so fewer alerts" >&2
fi
echo "demo: $ROUNDS rounds of docker/sample-workload.sh under the tracer; alerts follow" >&2
echo "demo: $BIN/launcher $BIN/tracer bash docker/sample-workload.sh -- $BIN/engine -c $tmp/falco.yaml" >&2
echo >&2

# The workload's own lines go to stderr (dimmed on a terminal), alerts to stdout.
SAMPLE_ROUNDS=$ROUNDS SAMPLE_INTERVAL=1 SAMPLE_CONNECT="127.0.0.1:$port" \
    SAMPLE_ETC_FILE="/etc/tartan-demo-$$.conf" SAMPLE_TAG=demo \
    "$BIN/launcher" "$BIN/tracer" /bin/bash -c 'exec bash "$0" >&2' "$ROOT/docker/sample-workload.sh" \
    -- "$BIN/engine" -c "$tmp/falco.yaml"
rc=$?
rm -f "/etc/tartan-demo-$$.conf" 2>/dev/null
echo >&2
echo "demo: workload exited with status $rc" >&2
exit "$rc"
