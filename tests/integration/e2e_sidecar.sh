#!/usr/bin/env bash
# Sidecar pattern (EKS), end to end: the workload runs under the tracer in one container, the
# engine (Dockerfile.engine, FROM scratch) in another; the two share only the IPC namespace
# (`--ipc shareable` / `--ipc container:X`; each has its own PID, mount and UTS namespaces, and
# the workload no network). The engine, with the default etc/falco.yaml, ships the alerts to
# CloudWatch Logs (moto_server on 127.0.0.1) through logshipper. Six pairs at once
# (tests/e2e/common.sh, e2e_matrix): as root (docker's default capabilities, no SYS_PTRACE)
# and as uid 1000 with every capability dropped in both containers (the ring is the user's: the engine runs as the
# same uid, as the pod-level runAsUser of deploy/k8s-sidecar.yaml makes it), in the glibc, musl
# and scratch images. The workload is stopped first, then the engine (a native sidecar's
# order): every alert, the last one included, arrives exactly once, and both exit codes are
# right.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
if ! e2e_moto_start; then
    fail "sidecar-moto" "moto_server did not start (see $TT_TMP/moto.log)"
    exit 0
fi
e2e_data "$TT_TMP/data" etc/falco.yaml

start_combo() {
    local name=$1 user=$2 flavour=$3 group=$4 tag=$5 wl=tt-e2e-$1-wl-$$ eng=tt-e2e-$1-engine-$$
    E2E_CONTAINERS+=("$wl" "$eng")
    E2E_WL[$name]=$wl
    E2E_AFTER[$name]=$eng
    # shellcheck disable=SC2046 # (the helpers print flags to split)
    docker run -d --name "$wl" --network none --ipc shareable $(e2e_user_flags "$user") \
        $(e2e_sample_env "$user" "$flavour" "$tag") --entrypoint /vendor/falco/bin/tracer \
        "$p-embedded$(e2e_image_suffix "$flavour")" $(e2e_sample_cmd "$flavour") >/dev/null
    # (the engine needs no capability, as root or not)
    local eflags=(--cap-drop ALL)
    [ "$user" = root ] || eflags+=(--user "$E2E_NR_UID:$E2E_NR_UID")
    docker run -d --name "$eng" --network host $TT_DOCKER_DNS_FLAGS --ipc "container:$wl" "${eflags[@]}" \
        -v "$TT_TMP/data:/data:ro" -e AWS_REGION="$AWS_REGION" -e AWS_ACCESS_KEY_ID="$TASK_KEY_ID" \
        -e AWS_SECRET_ACCESS_KEY="$TASK_SECRET" -e AWS_ENDPOINT_URL_CLOUDWATCH_LOGS="$MOTO_URL" \
        -e __CW_LOG_GROUP="$group" "$p-engine" -c /data/falco.yaml >/dev/null
}

ns() { docker inspect -f '{{.State.Pid}}' "$1" | xargs -I{} readlink /proc/{}/ns/"$2"; }
after_start() {
    local wl=${E2E_WL[sidecar-nonroot-glibc]} eng=${E2E_AFTER[sidecar-nonroot-glibc]}
    if [ "$(ns "$wl" ipc)" = "$(ns "$eng" ipc)" ] && [ "$(ns "$wl" pid)" != "$(ns "$eng" pid)" ] &&
        [ "$(ns "$wl" net)" != "$(ns "$eng" net)" ] && [ "$(ns "$wl" mnt)" != "$(ns "$eng" mnt)" ]; then
        pass "sidecar-share-only-ipc"
    else
        fail "sidecar-share-only-ipc" "namespaces: ipc $(ns "$wl" ipc)/$(ns "$eng" ipc) pid $(ns "$wl" pid)/$(ns "$eng" pid)"
    fi
}
e2e_matrix sidecar
for u in "${E2E_USERS[@]}"; do
    for f in "${E2E_FLAVOURS[@]}"; do
        expect_eq "sidecar-$u-$f-engine-exit-code" "$(tt_docker_exit_code "${E2E_AFTER[sidecar-$u-$f]}")" 0
    done
done
