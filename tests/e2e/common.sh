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

# ---- the pattern tests' matrix: every pattern runs as root and as a non-root uid with every
# capability dropped, in the glibc, musl and scratch workload images, all six at once.
#
# A test defines start_combo NAME USER FLAVOUR GROUP TAG, which starts the combination's
# containers (flags from e2e_user_flags and e2e_sample_env, command from e2e_sample_cmd), adds
# them to E2E_CONTAINERS and sets E2E_WL[NAME] (the workload container), optionally
# E2E_AFTER[NAME] (a container to stop once the workload has exited: the sidecar's engine) and
# E2E_PORT[NAME] (the port the sample connects to, when it can). Then e2e_matrix PATTERN runs
# them all (calling after_start, when the test defines it, once all are started, and
# before_stop NAME, when defined, once that one has done its rounds) and checks the alerts each
# one delivered to CloudWatch (moto) with check_alerts.py.
E2E_USERS=(root nonroot)
E2E_FLAVOURS=(glibc musl scratch)
E2E_NR_UID=${TT_NR_UID:-1000}
E2E_NR_ETC_FILE=/etc/tartan-sample/tartan-sample.conf
declare -A E2E_WL E2E_AFTER E2E_PORT E2E_TAG E2E_GROUP

# Root runs with docker's default capabilities, without SYS_PTRACE (as on EKS on Fargate; the
# ECS test runs the task definition's SYS_PTRACE); non-root runs as the images' sample user
# (uid 1000) with no capability: what EKS on Fargate and a restricted pod security standard
# allow. (--user UID without a gid: the group and the supplementary groups come from the
# image, shadow on Debian, as Kubernetes' runAsUser gives them.)
e2e_user_flags() {
    case "$1" in
    root) echo --user 0 ;;
    nonroot) echo "--user $E2E_NR_UID --cap-drop ALL" ;;
    esac
}

# The image suffix ("" for glibc), the sample's command, check_alerts' flavour.
e2e_image_suffix() { case "$1" in glibc) echo "" ;; *) echo "-$1" ;; esac; }
e2e_sample_cmd() {
    case "$1" in
    glibc) echo /bin/bash /sample/workload.sh ;;
    musl) echo /sample/workload-musl ;;
    scratch) echo /bin/busybox sh /sample/workload-busybox.sh ;;
    esac
}
e2e_check_flavour() { case "$1" in glibc) echo bash ;; musl) echo musl ;; scratch) echo busybox ;; esac; }

# -e flags for the sample: glibc and musl run until docker stop (their SIGTERM trap raises a last
# alert and exits 42), scratch ends on its own after 3 rounds with 3. A non-root sample writes
# its own directory below /etc.
e2e_sample_env() {
    local user=$1 flavour=$2 tag=$3
    echo "-e SAMPLE_INTERVAL=1 -e SAMPLE_TAG=$tag"
    case "$flavour" in
    glibc) echo "-e SAMPLE_TERM_EXIT=42 -e SAMPLE_PACKAGES=1" ;;
    musl) echo "-e SAMPLE_TERM_EXIT=42" ;;
    scratch) echo "-e SAMPLE_ROUNDS=3 -e SAMPLE_EXIT=3" ;;
    esac
    [ "$user" = root ] || echo "-e SAMPLE_ETC_FILE=$E2E_NR_ETC_FILE"
}

e2e_etc_file() { [ "$1" = root ] && echo /etc/tartan-sample.conf || echo "$E2E_NR_ETC_FILE"; }
e2e_want_exit() { [ "$1" = scratch ] && echo 3 || echo 42; }

# e2e_finish NAME FLAVOUR: wait for round 3 and docker stop (or, scratch, for the end), then
# stop E2E_AFTER[NAME]. Runs in the background, one per combination.
e2e_finish() {
    local name=$1 flavour=$2 wl=${E2E_WL[$1]}
    if [ "$flavour" = scratch ]; then
        wait_for 120 sh -c "[ \"\$(docker inspect -f '{{.State.Running}}' $wl)\" = false ]" ||
            echo "$name: still running after 120 s" >&2
    else
        local ready='^sample: spawned a shell 3$'
        [ "$flavour" = musl ] && ready='^sample: read /etc/shadow 3$'
        e2e_wait_log "$wl" "$ready" 120 || echo "$name: the sample did not reach round 3" >&2
    fi
    ! declare -F before_stop >/dev/null || before_stop "$name"
    docker stop -t 30 "$wl" >/dev/null
    [ -z "${E2E_AFTER[$name]:-}" ] || docker stop -t 30 "${E2E_AFTER[$name]}" >/dev/null
}

# e2e_check NAME USER FLAVOUR [check_alerts options]: exit code, then the alerts in CloudWatch.
e2e_check() {
    local name=$1 user=$2 flavour=$3 c=${E2E_WL[$1]}
    shift 3
    expect_eq "$name-exit-code" "$(tt_docker_exit_code "$c")" "$(e2e_want_exit "$flavour")"
    docker logs "$c" >"$TT_TMP/$name.log" 2>&1
    [ -s "$TT_TMP/$name.cw" ] ||
        python3 "$E2E_DIR/moto.py" events "${E2E_GROUP[$name]}" >"$TT_TMP/$name.cw" 2>>"$TT_TMP/$name.err"
    echo "$name: $(wc -l <"$TT_TMP/$name.cw") events in CloudWatch group ${E2E_GROUP[$name]}" >&2
    local opts=(--name "$name" --alerts "$TT_TMP/$name.cw" --workload-log "$TT_TMP/$name.log"
        --flavour "$(e2e_check_flavour "$flavour")" --tag "${E2E_TAG[$name]}"
        --etc-file "$(e2e_etc_file "$user")" --container-id "$(docker inspect -f '{{.Id}}' "$c")"
        --exact)
    [ -z "${E2E_PORT[$name]:-}" ] || opts+=(--port "${E2E_PORT[$name]}")
    [ "$flavour" = scratch ] || opts+=(--final)
    [ "$flavour" != glibc ] || opts+=(--expect-rule "Package manager run in a container"
        --expect-rule "Shell spawned by the workload")
    local res
    res=$(python3 "$E2E_DIR/check_alerts.py" "${opts[@]}" "$@")
    echo "$res"
    if grep -q '^FAIL' <<<"$res"; then
        e2e_dump_logs "$c" ${E2E_AFTER[$name]:-}
        echo "---- CloudWatch events of $name (first 3000 bytes)" >&2
        head -c 3000 "$TT_TMP/$name.cw" >&2
    fi
}

# e2e_matrix PATTERN: every user x flavour of PATTERN, started together, stopped together,
# checked one by one.
e2e_matrix() {
    local pattern=$1 user flavour name t0 pids=()
    t0=$(date +%s)
    for user in "${E2E_USERS[@]}"; do
        for flavour in "${E2E_FLAVOURS[@]}"; do
            name=$pattern-$user-$flavour
            E2E_TAG[$name]=${pattern:0:3}${user:0:1}${flavour:0:1}$$
            E2E_GROUP[$name]=/tartan/e2e/$name
            start_combo "$name" "$user" "$flavour" "${E2E_GROUP[$name]}" "${E2E_TAG[$name]}"
        done
    done
    ! declare -F after_start >/dev/null || after_start
    for user in "${E2E_USERS[@]}"; do
        for flavour in "${E2E_FLAVOURS[@]}"; do
            e2e_finish "$pattern-$user-$flavour" "$flavour" &
            pids+=($!)
        done
    done
    wait "${pids[@]}"
    echo "$pattern: the six runs took $(($(date +%s) - t0)) s" >&2
    pids=()
    for name in "${!E2E_GROUP[@]}"; do # the CloudWatch events, fetched side by side
        python3 "$E2E_DIR/moto.py" events "${E2E_GROUP[$name]}" >"$TT_TMP/$name.cw" 2>>"$TT_TMP/$name.err" &
        pids+=($!)
    done
    wait "${pids[@]}"
    for user in "${E2E_USERS[@]}"; do
        for flavour in "${E2E_FLAVOURS[@]}"; do
            e2e_check "$pattern-$user-$flavour" "$user" "$flavour"
        done
    done
}
