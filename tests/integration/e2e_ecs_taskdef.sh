#!/usr/bin/env bash
# deploy/ecs-task-definition.json, run as ECS on Fargate would run it (tests/e2e/ecs_run.py maps
# it onto docker run): shape checks (binaries container not essential, volumesFrom read-only,
# dependsOn START, only SYS_PTRACE, launcher entrypoint, __CW_LOG_GROUP, configuration in the
# environment), then the task itself against moto_server with credentials of an IAM user that
# holds only deploy/iam-policy.json's actions: no file is mounted, falco.yaml and the local
# rules come from the task definition's environment; a stand-in for the task metadata endpoint
# gives the engine the container name and logshipper the task id; stopping the task (docker stop, as
# StopTask does) delivers the alerts and the workload's exit code is the task's.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

td="$TT_ROOT/deploy/ecs-task-definition.json"
python3 "$E2E_DIR/ecs_run.py" check "$td"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
if ! e2e_moto_start; then
    fail "ecs-moto" "moto_server did not start (see $TT_TMP/moto.log)"
    exit 0
fi
group=/aws/ecs/service/falco_alerts
prefix=tt-e2e-ecs-$$
# The task metadata endpoint v4, as Fargate provides it (ECS_CONTAINER_METADATA_URI_V4).
python3 "$E2E_DIR/ecs_meta.py" "$TT_TMP/meta.port" "$prefix-workload" 2>"$TT_TMP/meta.log" &
E2E_CLEANUP+=("kill $!")
wait_for 10 test -s "$TT_TMP/meta.port"
meta_url="http://127.0.0.1:$(cat "$TT_TMP/meta.port")/v4/meta"
tag=ecs$$
E2E_CONTAINERS+=("$prefix-tartan-binaries" "$prefix-workload")
export ECS_RUN_EXTRA_ENV="AWS_ACCESS_KEY_ID=$TASK_KEY_ID
AWS_SECRET_ACCESS_KEY=$TASK_SECRET
AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=$MOTO_URL
SAMPLE_INTERVAL=1
SAMPLE_TAG=$tag
SAMPLE_TERM_EXIT=42
SAMPLE_PACKAGES=1
SAMPLE_CONNECT=127.0.0.1:$MOTO_PORT
ECS_CONTAINER_METADATA_URI_V4=$meta_url"
if ! python3 "$E2E_DIR/ecs_run.py" run "$td" "$prefix" BINARIES_IMAGE="$p-binaries" \
    WORKLOAD_IMAGE="$p-workload" AWS_REGION="$AWS_REGION" LOG_GROUP="$group" \
    AWS_ACCOUNT_ID=123456789012 CPU_ARCHITECTURE="$(case $(uname -m) in aarch64) echo ARM64 ;; *) echo X86_64 ;; esac)" \
    >"$TT_TMP/started" 2>"$TT_TMP/run.err"; then
    fail "ecs-task-starts" "$(cat "$TT_TMP/run.err")"
    exit 0
fi
pass "ecs-task-starts"
wl=$prefix-workload
stop_timeout=$(awk '$1 == "workload" {print $3}' "$TT_TMP/started")
if e2e_wait_log "$wl" '^sample: spawned a shell 3$' 90; then
    pass "ecs-workload-runs"
else
    fail "ecs-workload-runs" "the sample workload did not reach round 3"
    e2e_dump_logs "$wl"
fi
docker stop -t "${stop_timeout:-30}" "$wl" >/dev/null
expect_eq "ecs-exit-code" "$(tt_docker_exit_code "$wl")" 42
docker logs "$wl" >"$TT_TMP/wl.log" 2>&1
python3 "$E2E_DIR/moto.py" events "$group" >"$TT_TMP/cw" 2>>"$TT_TMP/cw.err"
res=$(python3 "$E2E_DIR/check_alerts.py" --name ecs --alerts "$TT_TMP/cw" --workload-log "$TT_TMP/wl.log" \
    --tag "$tag" --port "$MOTO_PORT" --container-id "$(docker inspect -f '{{.Id}}' "$wl")" --final --exact \
    --container-name workload \
    --expect-rule "Package manager run in a container")
echo "$res"
# logshipper names its stream after the task (task id from the metadata endpoint).
streams=$(python3 -c 'import json,sys; print(" ".join(sorted({json.loads(l)["stream"] for l in sys.stdin})))' <"$TT_TMP/cw")
expect_match "ecs-stream-named-after-task" "$streams" '0123456789abcdef0123456789abcdef'
if grep -q '^FAIL' <<<"$res"; then
    e2e_dump_logs "$wl"
    head -c 3000 "$TT_TMP/cw" >&2
fi
exit 0
