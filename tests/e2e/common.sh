# Shared pieces of the end-to-end pattern tests (tests/integration/e2e_*.sh). Source after
# tt.sh and docker.sh.
#   e2e_data DIR CONFIG     /data for the engine: CONFIG (a tests/e2e/falco-*.yaml, or a path
#                           from the repository root) as falco.yaml plus etc/falco_rules.local.yaml
#   e2e_wait_log C REGEX S  wait up to S seconds for docker logs of container C to match REGEX
#   e2e_moto_start          start moto (tests/e2e/moto.py) and export its variables; stops at exit
E2E_DIR="$TT_ROOT/tests/e2e"

e2e_data() {
    mkdir -p "$1"
    case "$2" in
    */*) cp "$TT_ROOT/$2" "$1/falco.yaml" ;;
    *) cp "$E2E_DIR/$2" "$1/falco.yaml" ;;
    esac
    cp "$TT_ROOT/etc/falco_rules.local.yaml" "$1/falco_rules.local.yaml"
    chmod -R a+rX "$1"
}

e2e_wait_log() {
    local c=$1 re=$2 secs=$3 i
    for i in $(seq 1 $((secs * 4))); do
        docker logs "$c" 2>&1 | grep -Eq -- "$re" && return 0
        [ "$(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ] || {
            docker logs "$c" 2>&1 | grep -Eq -- "$re"
            return
        }
        sleep 0.25
    done
    return 1
}

e2e_moto_start() {
    local vars
    vars=$(python3 "$E2E_DIR/moto.py" start "$TT_TMP") || return 1
    eval "$vars"
    export MOTO_PID MOTO_PORT MOTO_URL AWS_REGION TASK_KEY_ID TASK_SECRET READER_KEY_ID READER_SECRET
    E2E_CLEANUP+=("python3 $E2E_DIR/moto.py stop $MOTO_PID")
}

# Containers and servers to remove at exit, then the temp dir.
E2E_CLEANUP=()
E2E_CONTAINERS=()
e2e_cleanup() {
    local c
    for c in "${E2E_CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1; done
    for c in "${E2E_CLEANUP[@]}"; do $c >/dev/null 2>&1; done
    tt_docker_stop_started
    [ -z "${TT_TMP:-}" ] || rm -rf "$TT_TMP"
}
trap e2e_cleanup EXIT

# e2e_dump_logs C...: container logs to stderr (the test's log file) for diagnosis.
e2e_dump_logs() {
    local c
    for c in "$@"; do
        echo "---- docker logs $c" >&2
        docker logs "$c" 2>&1 | tail -n 60 >&2
    done
}
