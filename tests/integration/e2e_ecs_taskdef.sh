#!/usr/bin/env bash
# deploy/ecs-task-definition.json, run as ECS on Fargate would run it (tests/e2e/ecs_run.py maps
# it onto docker run): shape checks (binaries container not essential, volumesFrom read-only,
# dependsOn START, no capability but SYS_PTRACE, launcher entrypoint, __CW_LOG_GROUP,
# configuration in the environment), then the task itself, twice at once: as written (no
# "user": root, with SYS_PTRACE) and with "user": "1000" on the workload container (a non-root
# image: the added capability then reaches nobody, and nothing needs it), each against
# moto_server with credentials of an IAM user that holds only deploy/iam-policy.json's
# actions: no file is mounted, falco.yaml and the local rules come from the task definition's
# environment; a stand-in for the task metadata endpoint gives the engine the container name
# and logshipper the task id; stopping the task (docker stop, as StopTask does) delivers the
# alerts and the workload's exit code is the task's.
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

# start_task NAME USER: the task definition as ECS would start it; USER "" leaves it as written.
start_task() {
    local name=$1 user=$2 prefix=tt-e2e-$1-$$ group=/aws/ecs/service/falco_alerts/$1
    mkdir -p "$TT_TMP/$name"
    # The task metadata endpoint v4, as Fargate provides it (ECS_CONTAINER_METADATA_URI_V4).
    python3 "$E2E_DIR/ecs_meta.py" "$TT_TMP/$name/meta.port" "$prefix-workload" 2>"$TT_TMP/$name/meta.log" &
    E2E_CLEANUP+=("kill $!")
    wait_for 10 test -s "$TT_TMP/$name/meta.port"
    E2E_CONTAINERS+=("$prefix-tartan-binaries" "$prefix-workload")
    E2E_WL[$name]=$prefix-workload
    E2E_GROUP[$name]=$group
    E2E_TAG[$name]=$name$$
    local extra="AWS_ACCESS_KEY_ID=$TASK_KEY_ID
AWS_SECRET_ACCESS_KEY=$TASK_SECRET
AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=$MOTO_URL
SAMPLE_INTERVAL=1
SAMPLE_TAG=${E2E_TAG[$name]}
SAMPLE_TERM_EXIT=42
SAMPLE_PACKAGES=1
SAMPLE_CONNECT=127.0.0.1:$MOTO_PORT
ECS_CONTAINER_METADATA_URI_V4=http://127.0.0.1:$(cat "$TT_TMP/$name/meta.port")/v4/meta"
    [ -z "$user" ] || extra+="
SAMPLE_ETC_FILE=$E2E_NR_ETC_FILE"
    if ! ECS_RUN_EXTRA_ENV=$extra python3 "$E2E_DIR/ecs_run.py" run "$td" "$prefix" \
        BINARIES_IMAGE="$p-binaries" WORKLOAD_IMAGE="$p-workload" AWS_REGION="$AWS_REGION" \
        LOG_GROUP="$group" AWS_ACCOUNT_ID=123456789012 ${user:+USER=$user} \
        CPU_ARCHITECTURE="$(case $(uname -m) in aarch64) echo ARM64 ;; *) echo X86_64 ;; esac)" \
        >"$TT_TMP/$name/started" 2>"$TT_TMP/$name/run.err"; then
        fail "$name-task-starts" "$(cat "$TT_TMP/$name/run.err")"
        return 1
    fi
    pass "$name-task-starts"
}

# finish_task NAME: round 3, then StopTask (docker stop with the task definition's stopTimeout).
finish_task() {
    local name=$1 wl=${E2E_WL[$1]} stop_timeout
    stop_timeout=$(awk '$1 == "workload" {print $3}' "$TT_TMP/$name/started")
    e2e_wait_log "$wl" '^sample: spawned a shell 3$' 90 || echo "$name: no round 3" >&2
    # The task definition's healthCheck, run as ECS runs it (exec form, no shell, the
    # container's user and environment): healthy while the task runs.
    local hc hc_out
    mapfile -t hc < <(python3 -c 'import json,sys
c = [x for x in json.load(open(sys.argv[1]))["containerDefinitions"] if x["name"] == "workload"][0]
print("\n".join(c["healthCheck"]["command"][1:]))' "$td")
    hc_out=$(docker exec "$wl" "${hc[@]}" 2>&1)
    expect_eq "$name-healthcheck-status" "$?" 0
    expect_match "$name-healthcheck-healthy" "$hc_out" '^healthy: engine pid [0-9]+ consuming ring'
    docker stop -t "${stop_timeout:-30}" "$wl" >/dev/null
}

started=()
start_task ecs "" && started+=(ecs)
start_task ecs-user1000 "$E2E_NR_UID" && started+=(ecs-user1000)
pids=()
for t in "${started[@]}"; do
    finish_task "$t" &
    pids+=($!)
done
wait "${pids[@]}"
for t in "${started[@]}"; do
    user=root
    [ "$t" = ecs ] || user=nonroot
    [ "$user" = root ] || expect_match "$t-runs-as-1000" \
        "$(docker inspect -f '{{.Config.User}}' "${E2E_WL[$t]}")" '^1000$'
    E2E_PORT[$t]=$MOTO_PORT
    e2e_check "$t" "$user" glibc --container-name workload
    # logshipper names its stream after the task (task id from the metadata endpoint).
    streams=$(python3 -c 'import json,sys; print(" ".join(sorted({json.loads(l)["stream"] for l in sys.stdin})))' <"$TT_TMP/$t.cw")
    expect_match "$t-stream-named-after-task" "$streams" '0123456789abcdef0123456789abcdef'
    # CloudWatch metrics (EMF) travel with the alerts, dimensioned by the task metadata.
    expect_match "$t-emf-record-shipped" "$(grep -c 'CloudWatchMetrics' "$TT_TMP/$t.cw")" '^[1-9]'
done
exit 0
