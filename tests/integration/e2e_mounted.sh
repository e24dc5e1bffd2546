#!/usr/bin/env bash
# Mounted pattern, end to end, with the default etc/falco.yaml, against CloudWatch Logs
# (moto_server on 127.0.0.1, signatures checked, credentials of an IAM user holding
# deploy/iam-policy.json's actions):
#   binaries container (waitforever) --volumes-from--> workload container whose entrypoint is
#   launcher tracer <sample workload> -- engine -c /data/falco.yaml; engine's program_output
#   runs logshipper, which ships to CloudWatch.
# 1. debian workload (glibc, bash), stopped with `docker stop`: the workload sees SIGTERM, its
#    exit code is the container's, and every alert raised before it exits (the last one by its
#    SIGTERM trap) is in CloudWatch with the right rule names and output fields, exactly once.
# 2. scratch workload (static busybox only: no libc, no /bin/sh), ending on its own with exit 3.
# 3. musl workload (a C program linked against musl, its loader the only library), docker stop.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
if ! e2e_moto_start; then
    fail "mounted-moto" "moto_server did not start (see $TT_TMP/moto.log)"
    exit 0
fi
e2e_data "$TT_TMP/data" etc/falco.yaml

bin=tt-e2e-mounted-bin-$$
E2E_CONTAINERS+=("$bin")
docker run -d --rm --network none --name "$bin" "$p-binaries" >/dev/null

# run_workload NAME IMAGE GROUP TAG ENV... -- CMD...: start the workload container, detached.
run_workload() {
    local name=$1 image=$2 group=$3 tag=$4; shift 4
    local envs=()
    while [ "$1" != "--" ]; do envs+=(-e "$1"); shift; done
    shift
    E2E_CONTAINERS+=("$name")
    docker run -d --name "$name" --network host \
        --volumes-from "$bin:ro" -v "$TT_TMP/data:/data:ro" --cap-add SYS_PTRACE \
        -e AWS_REGION="$AWS_REGION" -e AWS_ACCESS_KEY_ID="$TASK_KEY_ID" \
        -e AWS_SECRET_ACCESS_KEY="$TASK_SECRET" -e AWS_ENDPOINT_URL_CLOUDWATCH_LOGS="$MOTO_URL" \
        -e __CW_LOG_GROUP="$group" -e SAMPLE_TAG="$tag" -e SAMPLE_CONNECT="127.0.0.1:$MOTO_PORT" \
        "${envs[@]}" --entrypoint /vendor/falco/bin/launcher "$image" \
        /vendor/falco/bin/tracer "$@" -- /vendor/falco/bin/engine -c /data/falco.yaml
}

# check_run NAME CONTAINER GROUP TAG FLAVOUR WANT_EXIT [--final]
check_run() {
    local name=$1 c=$2 group=$3 tag=$4 flavour=$5 want=$6; shift 6
    local id
    id=$(docker inspect -f '{{.Id}}' "$c")
    expect_eq "$name-exit-code" "$(tt_docker_exit_code "$c")" "$want"
    docker logs "$c" >"$TT_TMP/$name.log" 2>&1
    python3 "$E2E_DIR/moto.py" events "$group" >"$TT_TMP/$name.cw" 2>>"$TT_TMP/$name.err"
    echo "$name: $(wc -l <"$TT_TMP/$name.cw") events in CloudWatch group $group" >&2
    local res
    res=$(python3 "$E2E_DIR/check_alerts.py" --name "$name" --alerts "$TT_TMP/$name.cw" \
        --workload-log "$TT_TMP/$name.log" --flavour "$flavour" --tag "$tag" --port "$MOTO_PORT" \
        --container-id "$id" --exact "$@")
    echo "$res"
    if grep -q '^FAIL' <<<"$res"; then
        e2e_dump_logs "$c"
        echo "---- CloudWatch events (first 3000 bytes)" >&2
        head -c 3000 "$TT_TMP/$name.cw" >&2
    fi
}

# --- 1. debian workload, docker stop.
wl=tt-e2e-mounted-wl-$$
tag=deb$$
run_workload "$wl" "$p-workload" /tartan/e2e/mounted "$tag" SAMPLE_INTERVAL=1 SAMPLE_TERM_EXIT=42 SAMPLE_PACKAGES=1 \
    -- /bin/bash /sample/workload.sh >/dev/null
if e2e_wait_log "$wl" '^sample: spawned a shell 3$' 90; then
    pass "mounted-workload-runs"
else
    fail "mounted-workload-runs" "the sample workload did not reach round 3"
    e2e_dump_logs "$wl"
fi
t0=$(date +%s%N)
docker stop -t 30 "$wl" >/dev/null
echo "docker stop took $((($(date +%s%N) - t0) / 1000000)) ms" >&2
expect_match "mounted-workload-saw-sigterm" "$(docker logs "$wl" 2>&1)" '^sample: SIGTERM received'
check_run mounted "$wl" /tartan/e2e/mounted "$tag" bash 42 --final \
    --expect-rule "Package manager run in a container" --expect-rule "Shell spawned by the workload"

# --- 2. scratch workload (busybox only), exits on its own with status 3.
wl2=tt-e2e-mounted-scratch-$$
tag2=bb$$
run_workload "$wl2" "$p-workload-scratch" /tartan/e2e/scratch "$tag2" SAMPLE_INTERVAL=1 \
    SAMPLE_ROUNDS=3 SAMPLE_EXIT=3 -- /bin/busybox sh /sample/workload-busybox.sh >/dev/null
if wait_for 120 sh -c "[ \"\$(docker inspect -f '{{.State.Running}}' $wl2)\" = false ]"; then
    pass "scratch-workload-ends"
else
    fail "scratch-workload-ends" "still running after 120 s"
    docker stop -t 20 "$wl2" >/dev/null
fi
check_run scratch "$wl2" /tartan/e2e/scratch "$tag2" busybox 3

# --- 3. musl workload (musl's loader and libc, a C program; no glibc, no shell), docker stop.
wl3=tt-e2e-mounted-musl-$$
tag3=musl$$
run_workload "$wl3" "$p-workload-musl" /tartan/e2e/musl "$tag3" SAMPLE_INTERVAL=1 SAMPLE_TERM_EXIT=42 \
    -- /sample/workload-musl >/dev/null
if e2e_wait_log "$wl3" '^sample: read /etc/shadow 3$' 90; then
    pass "musl-workload-runs"
else
    fail "musl-workload-runs" "the musl workload did not reach round 3"
    e2e_dump_logs "$wl3"
fi
# The health check in an image with no shell and no libc: the engine binary from the volume.
hc_out=$(docker exec "$wl3" /vendor/falco/bin/engine -c /data/falco.yaml --health 2>&1)
expect_eq "musl-health-check-status" "$?" 0
expect_match "musl-health-check-healthy" "$hc_out" '^healthy: engine pid [0-9]+ consuming ring'
docker stop -t 30 "$wl3" >/dev/null
check_run musl "$wl3" /tartan/e2e/musl "$tag3" musl 42 --final
# CloudWatch metrics (EMF) shipped with the alerts by logshipper (the default etc/falco.yaml).
expect_match "musl-emf-record-shipped" "$(grep -c 'CloudWatchMetrics' "$TT_TMP/musl.cw")" '^[1-9]'
