#!/usr/bin/env bash
# deploy/k8s-sidecar.yaml, run as a kubelet would run the pod (tests/e2e/k8s_run.py maps it onto
# docker run): shape checks (service account for web identity, ConfigMap with falco.yaml and
# local rules, engine as a native sidecar reading the ConfigMap at /data, workload under the
# tracer, no added capability and every one dropped, both containers as the same non-root
# uid, no privilege escalation, RuntimeDefault seccomp, no host namespaces: what EKS on Fargate
# and the restricted Pod Security Standard allow), then the pod itself as written: the engine
# container, which shares only the IPC namespace with the workload's (and the network, as in
# a pod), ships the workload's alerts to CloudWatch (moto_server) through logshipper, using the
# ConfigMap's falco.yaml unchanged.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

manifest="$TT_ROOT/deploy/k8s-sidecar.yaml"
python3 "$E2E_DIR/k8s_run.py" check "$manifest"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
if ! e2e_moto_start; then
    fail "k8s-moto" "moto_server did not start (see $TT_TMP/moto.log)"
    exit 0
fi
group=/aws/eks/tartan/falco_alerts
prefix=tt-e2e-k8s-$$
tag=k8s$$
E2E_CONTAINERS+=("$prefix-tartan-engine" "$prefix-workload")
export K8S_RUN_EXTRA_ENV="AWS_ACCESS_KEY_ID=$TASK_KEY_ID
AWS_SECRET_ACCESS_KEY=$TASK_SECRET
AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=$MOTO_URL
SAMPLE_INTERVAL=1
SAMPLE_TAG=$tag
SAMPLE_TERM_EXIT=42
SAMPLE_PACKAGES=1"
if ! python3 "$E2E_DIR/k8s_run.py" run "$manifest" "$prefix" "$TT_TMP/data" \
    TARTAN_ENGINE_IMAGE="$p-engine" WORKLOAD_IMAGE="$p-embedded" AWS_REGION="$AWS_REGION" \
    TARTAN_ROLE_ARN=arn:aws:iam::123456789012:role/tartan >"$TT_TMP/started" 2>"$TT_TMP/run.err"; then
    fail "k8s-pod-starts" "$(cat "$TT_TMP/run.err")"
    exit 0
fi
pass "k8s-pod-starts"
wl=$prefix-workload
eng=$prefix-tartan-engine
if e2e_wait_log "$wl" '^sample: spawned a shell 3$' 90; then
    pass "k8s-workload-runs"
else
    fail "k8s-workload-runs" "the sample workload did not reach round 3"
    e2e_dump_logs "$wl" "$eng"
fi
# The engine's liveness probe as the kubelet runs it (exec, no shell) in the engine container.
mapfile -t probe < <(python3 -c 'import sys,yaml
pod = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d["kind"] == "Pod"][0]
e = [c for c in pod["spec"]["initContainers"] if c["name"] == "tartan-engine"][0]
print("\n".join(e["livenessProbe"]["exec"]["command"]))' "$manifest")
probe_out=$(docker exec "$eng" "${probe[@]}" 2>&1)
expect_eq "k8s-liveness-probe-status" "$?" 0
expect_match "k8s-liveness-probe-healthy" "$probe_out" '^healthy: engine pid [0-9]+ consuming ring'
# Pod deletion with a native sidecar: the workload is stopped first, then the sidecar.
docker stop -t 30 "$wl" >/dev/null
expect_eq "k8s-workload-exit-code" "$(tt_docker_exit_code "$wl")" 42
sleep 1
docker stop -t 30 "$eng" >/dev/null
expect_eq "k8s-engine-exit-code" "$(tt_docker_exit_code "$eng")" 0
docker logs "$wl" >"$TT_TMP/wl.log" 2>&1
python3 "$E2E_DIR/moto.py" events "$group" >"$TT_TMP/cw" 2>>"$TT_TMP/cw.err"
res=$(python3 "$E2E_DIR/check_alerts.py" --name k8s --alerts "$TT_TMP/cw" --workload-log "$TT_TMP/wl.log" \
    --tag "$tag" --container-id "$(docker inspect -f '{{.Id}}' "$wl")" --final --exact \
    --etc-file /etc/tartan-sample/tartan-sample.conf \
    --expect-rule "Package manager run in a container")
echo "$res"
if grep -q '^FAIL' <<<"$res"; then
    e2e_dump_logs "$wl" "$eng"
    head -c 3000 "$TT_TMP/cw" >&2
fi
exit 0
