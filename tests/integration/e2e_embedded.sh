#!/usr/bin/env bash
# Embedded pattern, end to end: the binaries inside the workload image (Dockerfile.embedded on
# each sample image), launcher as the entrypoint, the engine in the background with the default
# etc/falco.yaml: alerts go to the container's stdout and, through logshipper, to CloudWatch
# Logs (moto_server on 127.0.0.1, signatures checked). Six runs at once (tests/e2e/common.sh,
# e2e_matrix): as root (docker's default capabilities, no SYS_PTRACE) and as uid 1000 with
# every capability dropped, in the glibc, musl and scratch images; the glibc image runs its own
# ENTRYPOINT, the others the same launcher line with their command. docker stop reaches the workload, its exit code is the
# container's, and its alerts, the last one included, are in CloudWatch exactly once.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
if ! e2e_moto_start; then
    fail "embedded-moto" "moto_server did not start (see $TT_TMP/moto.log)"
    exit 0
fi
e2e_data "$TT_TMP/data" etc/falco.yaml

start_combo() {
    local name=$1 user=$2 flavour=$3 group=$4 tag=$5 wl=tt-e2e-$1-$$ cmd=()
    E2E_CONTAINERS+=("$wl")
    E2E_WL[$name]=$wl
    E2E_PORT[$name]=$MOTO_PORT
    [ "$flavour" = glibc ] || cmd=(--entrypoint /vendor/falco/bin/launcher
        "$p-embedded$(e2e_image_suffix "$flavour")" /vendor/falco/bin/tracer
        $(e2e_sample_cmd "$flavour") -- /vendor/falco/bin/engine -c /data/falco.yaml)
    [ "$flavour" != glibc ] || cmd=("$p-embedded")
    # shellcheck disable=SC2046 # (the helpers print flags to split)
    docker run -d --name "$wl" --network host $TT_DOCKER_DNS_FLAGS -v "$TT_TMP/data:/data:ro" $(e2e_user_flags "$user") \
        -e AWS_REGION="$AWS_REGION" -e AWS_ACCESS_KEY_ID="$TASK_KEY_ID" \
        -e AWS_SECRET_ACCESS_KEY="$TASK_SECRET" -e AWS_ENDPOINT_URL_CLOUDWATCH_LOGS="$MOTO_URL" \
        -e __CW_LOG_GROUP="$group" -e SAMPLE_CONNECT="127.0.0.1:$MOTO_PORT" \
        $(e2e_sample_env "$user" "$flavour" "$tag") "${cmd[@]}" >/dev/null
}

e2e_matrix embedded
# The same alerts are on the container's stdout (docker logs), as falco.yaml's stdout_output says.
for u in "${E2E_USERS[@]}"; do
    expect_match "embedded-$u-glibc-alerts-in-docker-logs" "$(docker logs "${E2E_WL[embedded-$u-glibc]}" 2>&1)" \
        '"rule":"Write below etc"'
done
