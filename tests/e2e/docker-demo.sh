#!/usr/bin/env bash
# `make docker-demo`: the three deployment patterns on this machine, with moto_server on
# 127.0.0.1 standing in for CloudWatch Logs. Starts dockerd and builds debian:bookworm-slim and
# the images when needed (tests/lib/docker.sh), then for each pattern prints the docker commands
# it runs (the same ones docs/deploy.md and the README show) and the alerts it gets back.
# DEMO_SECONDS (default 8) is how long each workload runs before `docker stop`.
set -u
TT_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$TT_ROOT/tests/lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"
SECS=${DEMO_SECONDS:-8}
p=$TT_IMAGE_PREFIX

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
alerts() { python3 -c '
import json, sys
for line in sys.stdin:
    try:
        a = json.loads(line)
        a = json.loads(a["message"]) if "message" in a and "rule" not in a else a
        print("  %-12s %-36s %s" % (a["priority"], a["rule"], a["output"][:150]))
    except Exception:
        pass'; }

say "Docker, base image and Tartan images"
if ! tt_docker_setup >"$TT_TMP/setup.out"; then
    cat "$TT_TMP/setup.out"
    exit 1
fi
docker images --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' | grep "^  $p-"

e2e_data "$TT_TMP/data" etc/falco.yaml
mkdir -p "$TT_TMP/data-stdout"
e2e_data "$TT_TMP/data-stdout" falco-stdout.yaml
e2e_moto_start || { echo "moto_server did not start" >&2; exit 1; }

say "1. Mounted pattern (ECS): binaries container + workload with --volumes-from, alerts to CloudWatch"
E2E_CONTAINERS+=(demo-binaries demo-mounted demo-embedded demo-sidecar-wl demo-sidecar-engine)
show docker run -d --rm --name demo-binaries $p-binaries
docker run -d --rm --network none --name demo-binaries "$p-binaries" >/dev/null
show docker run -d --name demo-mounted --network host --volumes-from demo-binaries:ro \
    -v "$TT_TMP/data:/data:ro" -e AWS_REGION=... -e AWS_ACCESS_KEY_ID=... \
    -e AWS_SECRET_ACCESS_KEY=... -e AWS_ENDPOINT_URL_CLOUDWATCH_LOGS="$MOTO_URL" \
    -e __CW_LOG_GROUP=/aws/ecs/service/falco_alerts --entrypoint /vendor/falco/bin/launcher $p-workload \
    /vendor/falco/bin/tracer /bin/bash /sample/workload.sh -- /vendor/falco/bin/engine -c /data/falco.yaml
docker run -d --name demo-mounted --network host --volumes-from demo-binaries:ro \
    -v "$TT_TMP/data:/data:ro" -e AWS_REGION="$AWS_REGION" \
    -e AWS_ACCESS_KEY_ID="$TASK_KEY_ID" -e AWS_SECRET_ACCESS_KEY="$TASK_SECRET" \
    -e AWS_ENDPOINT_URL_CLOUDWATCH_LOGS="$MOTO_URL" -e __CW_LOG_GROUP=/aws/ecs/service/falco_alerts \
    -e SAMPLE_INTERVAL=1 -e SAMPLE_CONNECT="127.0.0.1:$MOTO_PORT" \
    --entrypoint /vendor/falco/bin/launcher "$p-workload" \
    /vendor/falco/bin/tracer /bin/bash /sample/workload.sh -- /vendor/falco/bin/engine -c /data/falco.yaml >/dev/null
sleep "$SECS"
show docker stop demo-mounted
docker stop -t 30 demo-mounted >/dev/null
echo "  container exit code: $(tt_docker_exit_code demo-mounted)"
show aws logs get-log-events --log-group-name /aws/ecs/service/falco_alerts --log-stream-name ...
python3 "$E2E_DIR/moto.py" events /aws/ecs/service/falco_alerts | alerts

say "2. Embedded pattern: binaries inside the image, launcher as entrypoint, alerts in docker logs"
show docker run -d --name demo-embedded -v "$TT_TMP/data-stdout:/data:ro" $p-embedded
docker run -d --name demo-embedded --network host -v "$TT_TMP/data-stdout:/data:ro" \
    -e SAMPLE_INTERVAL=1 -e SAMPLE_CONNECT="127.0.0.1:$MOTO_PORT" "$p-embedded" >/dev/null
sleep "$SECS"
docker stop -t 30 demo-embedded >/dev/null
show docker logs demo-embedded
docker logs demo-embedded 2>&1 | alerts

say "3. Sidecar pattern (EKS): workload under the tracer, engine sharing only IPC, both uid 1000, no capability"
show docker run -d --name demo-sidecar-wl --ipc shareable --user 1000 --cap-drop ALL \
    -e SAMPLE_ETC_FILE=/etc/tartan-sample/tartan-sample.conf \
    --entrypoint /vendor/falco/bin/tracer $p-embedded /bin/bash /sample/workload.sh
docker run -d --name demo-sidecar-wl --network none --ipc shareable --user 1000 --cap-drop ALL \
    -e SAMPLE_ETC_FILE=/etc/tartan-sample/tartan-sample.conf \
    -e SAMPLE_INTERVAL=1 --entrypoint /vendor/falco/bin/tracer "$p-embedded" /bin/bash /sample/workload.sh >/dev/null
show docker run -d --name demo-sidecar-engine --ipc container:demo-sidecar-wl --user 1000:1000 --cap-drop ALL \
    -v "$TT_TMP/data-stdout:/data:ro" $p-engine
docker run -d --name demo-sidecar-engine --network none --ipc container:demo-sidecar-wl --user 1000:1000 \
    --cap-drop ALL -v "$TT_TMP/data-stdout:/data:ro" "$p-engine" -c /data/falco.yaml >/dev/null
sleep "$SECS"
docker stop -t 30 demo-sidecar-wl >/dev/null
sleep 1
docker stop -t 10 demo-sidecar-engine >/dev/null
show docker logs demo-sidecar-engine
docker logs demo-sidecar-engine 2>&1 | alerts
echo
