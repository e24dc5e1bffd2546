#!/usr/bin/env bash
# Sidecar pattern (EKS), end to end: the workload runs under the tracer in one container, the
# engine (Dockerfile.engine, FROM scratch) in another; the two share only the IPC namespace
# (`--ipc shareable` / `--ipc container:X`; each has its own network, PID, mount and UTS
# namespaces). The alerts come out of the engine container's docker logs, all of them, once,
# including the one the workload raises in its SIGTERM trap.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
e2e_data "$TT_TMP/data" falco-stdout.yaml

wl=tt-e2e-sidecar-wl-$$
eng=tt-e2e-sidecar-engine-$$
tag=sc$$
E2E_CONTAINERS+=("$wl" "$eng")
docker run -d --name "$wl" --network none --ipc shareable --cap-add SYS_PTRACE \
    -e SAMPLE_INTERVAL=1 -e SAMPLE_TAG="$tag" -e SAMPLE_TERM_EXIT=42 \
    --entrypoint /vendor/falco/bin/tracer "$p-embedded" /bin/bash /sample/workload.sh >/dev/null
docker run -d --name "$eng" --network none --ipc "container:$wl" -v "$TT_TMP/data:/data:ro" \
    "$p-engine" -c /data/falco.yaml >/dev/null

ns() { docker inspect -f '{{.State.Pid}}' "$1" | xargs -I{} readlink /proc/{}/ns/"$2"; }
if [ "$(ns "$wl" ipc)" = "$(ns "$eng" ipc)" ] && [ "$(ns "$wl" pid)" != "$(ns "$eng" pid)" ] &&
    [ "$(ns "$wl" net)" != "$(ns "$eng" net)" ] && [ "$(ns "$wl" mnt)" != "$(ns "$eng" mnt)" ]; then
    pass "sidecar-share-only-ipc"
else
    fail "sidecar-share-only-ipc" "namespaces: ipc $(ns "$wl" ipc)/$(ns "$eng" ipc) pid $(ns "$wl" pid)/$(ns "$eng" pid)"
fi

if e2e_wait_log "$eng" '"rule":"Write below etc"' 90 && e2e_wait_log "$wl" '^sample: spawned a shell 3$' 60; then
    pass "sidecar-alerts-from-engine"
else
    fail "sidecar-alerts-from-engine" "no alert in the engine's docker logs after 90 s"
    e2e_dump_logs "$wl" "$eng"
fi
docker stop -t 30 "$wl" >/dev/null
expect_eq "sidecar-workload-exit-code" "$(tt_docker_exit_code "$wl")" 42
sleep 2
docker logs "$wl" >"$TT_TMP/wl.log" 2>&1
docker logs "$eng" >"$TT_TMP/eng.log" 2>&1
res=$(python3 "$E2E_DIR/check_alerts.py" --name sidecar --alerts "$TT_TMP/eng.log" \
    --workload-log "$TT_TMP/wl.log" --tag "$tag" \
    --container-id "$(docker inspect -f '{{.Id}}' "$wl")" --final --exact \
    --expect-rule "Shell spawned by the workload")
echo "$res"
grep -q '^FAIL' <<<"$res" && e2e_dump_logs "$wl" "$eng"
docker stop -t 10 "$eng" >/dev/null
expect_eq "sidecar-engine-exit-code" "$(tt_docker_exit_code "$eng")" 0
exit 0
