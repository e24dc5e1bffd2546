#!/usr/bin/env bash
# instrument's Kubernetes output run as a kubelet would (tests/e2e/k8s_run.py): a Deployment of
# the sample workload image (no /vendor/falco inside, no command) gets the tracer around the
# image's CMD (from `docker image inspect`), the binaries as an image volume, and the engine as a
# native sidecar configured from its environment, reading the workload's ring under a key of its
# own; alerts reach the CloudWatch peer (moto) exactly once, the last one included, and both exit
# codes are right. No --sys-ptrace: EKS on Fargate refuses it, and launch mode needs none.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
if ! e2e_moto_start; then
    fail "instrument-k8s-moto" "moto_server did not start (see $TT_TMP/moto.log)"
    exit 0
fi
group=/tartan/e2e-instrument-k8s
prefix=tt-e2e-instrk8s-$$
docker image inspect "$p-workload" >"$TT_TMP/images.json"
sed "s|\${WORKLOAD_IMAGE}|$p-workload|" "$TT_ROOT/tests/data/instrument/e2e-deployment.yaml" >"$TT_TMP/in.yaml"
if ! "$TT_BIN/instrument" --engine-image "$p-engine" --binaries-image "$p-binaries" \
    --image-config "$TT_TMP/images.json" --offline --region "$AWS_REGION" --log-group "$group" \
    --rules "$TT_ROOT/etc/falco_rules.local.yaml" "$TT_TMP/in.yaml" \
    >"$TT_TMP/out.yaml" 2>"$TT_TMP/instrument.err"; then
    fail "instrument-k8s-instrumented" "$(cat "$TT_TMP/instrument.err")"
    exit 0
fi
pass "instrument-k8s-instrumented"
tag=ik8s$$
E2E_CONTAINERS+=("$prefix-tartan-engine-workload" "$prefix-workload" "$prefix-vol-tartan-binaries")
export K8S_RUN_EXTRA_ENV="AWS_ACCESS_KEY_ID=$TASK_KEY_ID
AWS_SECRET_ACCESS_KEY=$TASK_SECRET
AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=$MOTO_URL
SAMPLE_INTERVAL=1
SAMPLE_TAG=$tag
SAMPLE_TERM_EXIT=42
SAMPLE_PACKAGES=1"
if ! python3 "$E2E_DIR/k8s_run.py" run "$TT_TMP/out.yaml" "$prefix" "$TT_TMP/data" \
    >"$TT_TMP/started" 2>"$TT_TMP/run.err"; then
    fail "instrument-k8s-pod-starts" "$(cat "$TT_TMP/run.err")"
    exit 0
fi
pass "instrument-k8s-pod-starts"
wl=$prefix-workload
eng=$prefix-tartan-engine-workload
if e2e_wait_log "$wl" '^sample: spawned a shell 3$' 90; then
    pass "instrument-k8s-workload-runs"
else
    fail "instrument-k8s-workload-runs" "the sample workload did not reach round 3"
    e2e_dump_logs "$wl" "$eng"
fi
docker stop -t 30 "$wl" >/dev/null
expect_eq "instrument-k8s-workload-exit-code" "$(tt_docker_exit_code "$wl")" 42
sleep 1
docker stop -t 30 "$eng" >/dev/null
expect_eq "instrument-k8s-engine-exit-code" "$(tt_docker_exit_code "$eng")" 0
docker logs "$wl" >"$TT_TMP/wl.log" 2>&1
python3 "$E2E_DIR/moto.py" events "$group" >"$TT_TMP/cw" 2>>"$TT_TMP/cw.err"
res=$(python3 "$E2E_DIR/check_alerts.py" --name instrument-k8s --alerts "$TT_TMP/cw" --workload-log "$TT_TMP/wl.log" \
    --tag "$tag" --container-id "$(docker inspect -f '{{.Id}}' "$wl")" --final --exact \
    --expect-rule "Package manager run in a container")
echo "$res"
if grep -q '^FAIL' <<<"$res"; then
    e2e_dump_logs "$wl" "$eng"
    head -c 3000 "$TT_TMP/cw" >&2
fi
exit 0
