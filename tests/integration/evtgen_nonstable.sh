#!/usr/bin/env bash
# The behaviours of the non-stable upstream rules (tests/evtgen/nonstable: one test per
# incubating or sandbox rule that can happen in a Fargate task) through Tartan's traced path:
# launcher + tracer + engine with falco_rules.yaml, falco-incubating_rules.yaml,
# falco-sandbox_rules.yaml, tests/data/evtgen/enable_sandbox_disabled.yaml (the 12 disabled
# sandbox rules switched on with override/enabled) and allowed_containers.yaml (the allowed
# images narrowed, as Launch Disallowed Container expects of a user) loaded, the engine passing its syscall set to
# the tracer through TARTAN_SYSCALLS_FILE. Each behaviour must raise its rule; run again with
# only falco_rules.yaml, the same behaviours must raise nothing (evtgen.negative.* lines).
# Container cases run in containers from the local base image (mounted pattern), their
# executables on the mounted work directory (not new binaries of the container). Then the
# negative controls: the checks fail when the rule cannot fire. See docs/evtgen.md.
# variants: plain
# timeout: 600
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"

# Falco's three rules files, pinned (tests/lib/upstream.sh)
if ! tt_upstream falco-rules; then
    fail evtgen-nonstable-upstream-rules "$TT_UPSTREAM"
    exit 0
fi
R=$TT_UPSTREAM
ALL=(--rules "$R/falco_rules.yaml" --rules "$R/falco-incubating_rules.yaml"
    --rules "$R/falco-sandbox_rules.yaml" --rules "$TT_ROOT/tests/data/evtgen/enable_sandbox_disabled.yaml"
    --rules "$TT_ROOT/tests/data/evtgen/allowed_containers.yaml")
RUNNER=(python3 "$TT_ROOT/tests/evtgen/evtgen.py" --specs "$TT_ROOT/tests/evtgen/nonstable" --exe-on-volume)

args=()
tt_docker_container_skip
[ -z "$TT_DOCKER_SKIP" ] || args+=(--container-skip "$TT_DOCKER_SKIP")
trap tt_docker_stop_started EXIT

"${RUNNER[@]}" "${ALL[@]}" --negative-rules "$R/falco_rules.yaml" --syscalls-file "${args[@]}"

[ ${#args[@]} -eq 0 ] || exit 0 # the controls need the containers
tt_tmpdir
# control: some_fail OUTFILE LABEL... -> every listed case FAILs (the check can fail)
all_fail() {
    local out=$1 name=$2
    shift 2
    local l bad=""
    for l in "$@"; do
        grep -q "^FAIL $l" "$out" || bad="$bad $l"
    done
    if [ -z "$bad" ]; then pass "$name"; else fail "$name" "did not fail:$bad (see the test log)"; fi
}
# 1. the disabled sandbox rules do not fire without the local override file
"${RUNNER[@]}" "${ALL[@]:0:6}" --syscalls-file --only read_shell_configuration_file \
    --only create_hidden_files >"$TT_TMP/c1" 2>&2
all_fail "$TT_TMP/c1" nonstable-control-disabled-rules-need-the-override \
    evtgen.read_shell_configuration_file evtgen.create_hidden_files_or_directories
# 2. the negative pass catches a rule that fires: the incubating file in the negative rules
"${RUNNER[@]}" "${ALL[@]}" --negative-rules "$R/falco-incubating_rules.yaml" --syscalls-file \
    --only schedule_cron_jobs >"$TT_TMP/c2" 2>&2
all_fail "$TT_TMP/c2" nonstable-control-negative-pass-catches-alerts negative.evtgen.schedule_cron_jobs
# 3. a syscall set that names the calls but not the engine's `proc.env` and `recvfrom.all`
#    entries (an operator's list, which overrides the engine's request): no environment and
#    only addressed recvfrom calls, so the proxy-environment and Java class download rules
#    cannot fire
"${RUNNER[@]}" "${ALL[@]}" --only disallowed_http_proxy --only java_process_class \
    --tracer-syscalls execve,execveat,connect,recvfrom,recvmsg,read,openat,socket,sendto \
    >"$TT_TMP/c3" 2>&2
all_fail "$TT_TMP/c3" nonstable-control-engine-requests-env-and-recvfrom \
    evtgen.program_run_with_disallowed_http_proxy_env evtgen.java_process_class_file_download
# 4. ... and with no list from the operator at all, the engine's request on the ring carries
#    both entries: the same two cases pass
"${RUNNER[@]}" "${ALL[@]}" --only disallowed_http_proxy --only java_process_class \
    >"$TT_TMP/c4" 2>&2
bad=""
for l in evtgen.program_run_with_disallowed_http_proxy_env evtgen.java_process_class_file_download; do
    grep -q "^PASS $l" "$TT_TMP/c4" || bad="$bad $l"
done
if [ -z "$bad" ]; then pass nonstable-engine-request-on-the-ring-carries-env-and-recvfrom
else fail nonstable-engine-request-on-the-ring-carries-env-and-recvfrom "did not pass:$bad (see the test log)"; fi
exit 0
