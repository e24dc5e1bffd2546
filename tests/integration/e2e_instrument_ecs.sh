#!/usr/bin/env bash
# instrument's output run as ECS on Fargate would run it (tests/e2e/ecs_run.py), with alerts in
# the CloudWatch peer (moto_server). The input is a plain task definition of the sample workload
# image with no entryPoint and no command: instrument takes the image's CMD from
# `docker image inspect` (--image-config, --offline), adds the binaries container, launcher,
# tracer and engine, falco.yaml and the local rules in the environment, and the log group; the
# task runs with the same checks as the hand-written deploy/ecs-task-definition.json
# (e2e_ecs_taskdef.sh): alerts delivered exactly once, including the last one raised at SIGTERM,
# container.name from the task metadata, the workload's exit code as the task's. No
# --sys-ptrace: launch mode needs no capability (the option's output: instrument_corpus.py), and
# the tracer's start line in the task's log says it runs without it.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
if ! e2e_moto_start; then
    fail "instrument-ecs-moto" "moto_server did not start (see $TT_TMP/moto.log)"
    exit 0
fi
group=/tartan/e2e-instrument
prefix=tt-e2e-instr-$$
docker image inspect "$p-workload" >"$TT_TMP/images.json"
sed "s|\${WORKLOAD_IMAGE}|$p-workload|" "$TT_ROOT/tests/data/instrument/e2e-task.json" >"$TT_TMP/task.json"
if ! "$TT_BIN/instrument" --binaries-image "$p-binaries" --image-config "$TT_TMP/images.json" \
    --offline --region "$AWS_REGION" --log-group "$group" --rules "$TT_ROOT/etc/falco_rules.local.yaml" \
    "$TT_TMP/task.json" >"$TT_TMP/instrumented.json" 2>"$TT_TMP/instrument.err"; then
    fail "instrument-ecs-instrumented" "$(cat "$TT_TMP/instrument.err")"
    exit 0
fi
pass "instrument-ecs-instrumented"
argv=$(python3 -c 'import json,sys; c=json.load(sys.stdin)["containerDefinitions"][0]; print(" ".join(c["entryPoint"]+c["command"]))' <"$TT_TMP/instrumented.json")
expect_eq "instrument-ecs-command-from-image" "$argv" \
    "/vendor/falco/bin/launcher /vendor/falco/bin/tracer /bin/bash /sample/workload.sh -- /vendor/falco/bin/engine"

python3 "$E2E_DIR/ecs_meta.py" "$TT_TMP/meta.port" "$prefix-workload" 2>"$TT_TMP/meta.log" &
E2E_CLEANUP+=("kill $!")
wait_for 10 test -s "$TT_TMP/meta.port"
meta_url="http://127.0.0.1:$(cat "$TT_TMP/meta.port")/v4/meta"
tag=instr$$
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
if ! python3 "$E2E_DIR/ecs_run.py" run "$TT_TMP/instrumented.json" "$prefix" >"$TT_TMP/started" 2>"$TT_TMP/run.err"; then
    fail "instrument-ecs-task-starts" "$(cat "$TT_TMP/run.err")"
    exit 0
fi
pass "instrument-ecs-task-starts"
wl=$prefix-workload
stop_timeout=$(awk '$1 == "workload" {print $3}' "$TT_TMP/started")
expect_eq "instrument-ecs-stop-timeout" "$stop_timeout" 30
if e2e_wait_log "$wl" '^sample: spawned a shell 3$' 90; then
    pass "instrument-ecs-workload-runs"
else
    fail "instrument-ecs-workload-runs" "the sample workload did not reach round 3"
    e2e_dump_logs "$wl"
fi
docker stop -t "${stop_timeout:-30}" "$wl" >/dev/null
expect_eq "instrument-ecs-exit-code" "$(tt_docker_exit_code "$wl")" 42
docker logs "$wl" >"$TT_TMP/wl.log" 2>&1
# (the tracer's start line lists the capabilities it holds: Docker's defaults, no sys_ptrace)
probe=$(grep -m1 '\[tracer\] info: launch mode' "$TT_TMP/wl.log")
case "$probe" in
*sys_ptrace*) fail "instrument-ecs-without-sys-ptrace" "the tracer holds SYS_PTRACE: $probe" ;;
*"capabilities: chown,"*) pass "instrument-ecs-without-sys-ptrace" ;;
*) fail "instrument-ecs-without-sys-ptrace" "no start line listing the tracer's capabilities: '$probe'" ;;
esac
python3 "$E2E_DIR/moto.py" events "$group" >"$TT_TMP/cw" 2>>"$TT_TMP/cw.err"
res=$(python3 "$E2E_DIR/check_alerts.py" --name instrument-ecs --alerts "$TT_TMP/cw" --workload-log "$TT_TMP/wl.log" \
    --tag "$tag" --port "$MOTO_PORT" --container-id "$(docker inspect -f '{{.Id}}' "$wl")" --final --exact \
    --container-name workload --expect-rule "Package manager run in a container")
echo "$res"
retention=$(python3 -c '
import os, sys, boto3
c = boto3.client("logs", region_name=os.environ["AWS_REGION"], endpoint_url=os.environ["MOTO_URL"],
                 aws_access_key_id=os.environ["READER_KEY_ID"], aws_secret_access_key=os.environ["READER_SECRET"])
print([g.get("retentionInDays") for g in c.describe_log_groups(logGroupNamePrefix=sys.argv[1])["logGroups"]])
' "$group" 2>>"$TT_TMP/cw.err")
expect_eq "instrument-ecs-log-group-retention" "$retention" "[90]"
if grep -q '^FAIL' <<<"$res"; then
    e2e_dump_logs "$wl"
    head -c 3000 "$TT_TMP/cw" >&2
fi
exit 0
