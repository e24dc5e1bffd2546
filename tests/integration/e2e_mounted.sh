#!/usr/bin/env bash
# Mounted pattern, end to end, with the default etc/falco.yaml, against CloudWatch Logs
# (moto_server on 127.0.0.1, signatures checked, credentials of an IAM user holding
# deploy/iam-policy.json's actions):
#   binaries container (waitforever) --volumes-from--> workload container whose entrypoint is
#   launcher tracer <sample workload> -- engine -c /data/falco.yaml; engine's program_output
#   runs logshipper, which ships to CloudWatch.
# Six runs at once (tests/e2e/common.sh, e2e_matrix): as root (docker's default capabilities,
# no SYS_PTRACE) and as uid 1000 with every capability dropped, each in the glibc (debian,
# bash), musl (a C program, musl's loader its only library) and scratch (static busybox only:
# no libc, no /bin/sh) images.
# glibc and musl are stopped with `docker stop`: the workload sees SIGTERM, its exit code (42)
# is the container's, and every alert raised before it exits (the last one by its SIGTERM
# trap) is in CloudWatch with the right rule names and output fields, exactly once; scratch
# ends on its own with exit 3. The local rules file is loaded (its package manager rule fires).
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

start_combo() {
    local name=$1 user=$2 flavour=$3 group=$4 tag=$5 wl=tt-e2e-$1-$$
    E2E_CONTAINERS+=("$wl")
    E2E_WL[$name]=$wl
    E2E_PORT[$name]=$MOTO_PORT
    # shellcheck disable=SC2046 # (the helpers print flags to split)
    docker run -d --name "$wl" --network host $TT_DOCKER_DNS_FLAGS \
        --volumes-from "$bin:ro" -v "$TT_TMP/data:/data:ro" $(e2e_user_flags "$user") \
        -e AWS_REGION="$AWS_REGION" -e AWS_ACCESS_KEY_ID="$TASK_KEY_ID" \
        -e AWS_SECRET_ACCESS_KEY="$TASK_SECRET" -e AWS_ENDPOINT_URL_CLOUDWATCH_LOGS="$MOTO_URL" \
        -e __CW_LOG_GROUP="$group" -e SAMPLE_CONNECT="127.0.0.1:$MOTO_PORT" \
        $(e2e_sample_env "$user" "$flavour" "$tag") \
        --entrypoint /vendor/falco/bin/launcher "$p-workload$(e2e_image_suffix "$flavour")" \
        /vendor/falco/bin/tracer $(e2e_sample_cmd "$flavour") \
        -- /vendor/falco/bin/engine -c /data/falco.yaml >/dev/null
}

# The health check in an image with no shell and no libc (the engine binary from the volume),
# run while the workload runs, as root and as the non-root user.
before_stop() {
    case "$1" in
    mounted-*-musl) ;;
    *) return 0 ;;
    esac
    local out
    out=$(docker exec "${E2E_WL[$1]}" /vendor/falco/bin/engine -c /data/falco.yaml --health 2>&1)
    expect_eq "$1-health-check-status" "$?" 0
    expect_match "$1-health-check-healthy" "$out" '^healthy: engine pid [0-9]+ consuming ring'
}
e2e_matrix mounted
for u in "${E2E_USERS[@]}"; do
    expect_match "mounted-$u-glibc-workload-saw-sigterm" "$(docker logs "${E2E_WL[mounted-$u-glibc]}" 2>&1)" \
        '^sample: SIGTERM received'
done
# CloudWatch metrics (EMF) shipped with the alerts by logshipper (the default etc/falco.yaml).
for u in "${E2E_USERS[@]}"; do
    expect_match "mounted-$u-musl-emf-record-shipped" "$(grep -c 'CloudWatchMetrics' "$TT_TMP/mounted-$u-musl.cw")" '^[1-9]'
done
