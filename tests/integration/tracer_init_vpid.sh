#!/usr/bin/env bash
# The workload's main process as the container's PID 1. Without Tartan a container's
# entrypoint is PID 1 of its pid namespace; with Tartan that place goes to the launcher (or the
# tracer), and the workload is their child. When the tracer or its launcher is PID 1 (a
# container's init chain), the tracer reports the workload's main process as vpid 1 (vtid 1,
# parent 0), so the rules on a container's start (`container_started`: `spawned_process and
# proc.vpid=1`) see it as Falco would see the entrypoint. Runs in new pid namespaces
# (unshare), the engine told it is in a container (TARTAN_CONTAINER_ID), with the incubating and
# sandbox files loaded when $TT_SHARED has them.
#   - Launcher as PID 1, Docker's default capabilities plus SYS_PTRACE (a Fargate task with the
#     capability added): the main process's exec has proc.vpid=1, thread.vtid=1 and no parent
#     (proc.ppid, proc.pvpid without a value), the group it leads reads 1; its child has
#     proc.pvpid=1 and its own vpid; "Container Run as Root User" fires (switched on, as in
#     tests/data/evtgen), "Launch Excessively Capable Container" does not: the tracer took
#     CAP_SYS_PTRACE away from the workload. Control: with --keep-ptrace-cap it fires, naming
#     CAP_SYS_PTRACE.
#   - The tracer itself as PID 1 (the sidecar pattern's workload container): vpid 1 as well.
#   - Not PID 1 (launcher started by a shell that is PID 1): the real vpid, no container start.
#   - Attach mode as PID 1 (tracer -p): the attached process keeps its real vpid (2).
# timeout: 120
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
D=$TT_TMP
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! command -v setpriv >/dev/null; then
    skip init-vpid "needs root, unshare and setpriv (new pid namespaces, capability sets)"
    exit 0
fi
R=$TT_SHARED/falco-rules
upstream=()
if [ -f "$R/falco-incubating_rules.yaml" ] && [ -f "$R/falco-sandbox_rules.yaml" ]; then
    upstream=("$R/falco_rules.yaml" "$R/falco-incubating_rules.yaml" "$R/falco-sandbox_rules.yaml"
        "$TT_ROOT/tests/data/evtgen/enable_sandbox_disabled.yaml")
fi
cat >"$D/rules.yaml" <<'EOF'
- rule: VP exec
  desc: every successful exec, with the pid fields the container_started macro looks at
  condition: evt.type in (execve, execveat) and evt.rawres = 0
  output: exec (name=%proc.name vpid=%proc.vpid vtid=%thread.vtid ppid=%proc.ppid pvpid=%proc.pvpid)
  priority: NOTICE
EOF
# Docker's default capabilities, and SYS_PTRACE added as a task definition would for the tracer
DOCKER_CAPS=+chown,+dac_override,+fsetid,+fowner,+mknod,+net_raw,+setgid,+setuid,+setfcap,+setpcap,+net_bind_service,+sys_chroot,+kill,+audit_write
CAPS=(setpriv --inh-caps=-all --bounding-set=-all,$DOCKER_CAPS,+sys_ptrace --)

# run NAME PREFIX... @ TRACER ARGS...: the engine behind the launcher; alerts in NAME.json.
n=0
run() {
    local name=$1 prefix=() files
    shift
    while [ "$1" != @ ]; do prefix+=("$1"); shift; done
    shift
    n=$((n + 1))
    files=$(printf '%s, ' "$D/rules.yaml" "${upstream[@]}")
    printf 'rules_files: [%s]\njson_output: true\nrule_matching: all\nstdout_output: {enabled: false}\nfile_output: {enabled: true, keep_alive: true, filename: %s}\nappend_output: [{extra_fields: [proc.name, proc.vpid, thread.vtid, proc.ppid, proc.pvpid, proc.vpgid, proc.is_vpgid_leader, thread.cap_permitted, user.uid]}]\n' \
        "${files%, }" "$D/$name.json" >"$D/$name.yaml"
    local key=$((0x56500000 + ($$ + n) % 65536))
    "${prefix[@]}" env TT_RING_KEY=$key TARTAN_CONTAINER_ID=0123456789ab LAUNCHER_GRACE_PERIOD=5 \
        "$@" -- "$TT_BIN/engine" -c "$D/$name.yaml" >"$D/$name.out" 2>"$D/$name.err"
    echo "$name: exit $?" >&2
    ipcrm -M "$key" 2>/dev/null
    grep -v '^\[engine\] info' "$D/$name.err" >&2
}
# alert NAME RULE [FIELD=VALUE]...: the output fields of the first alert of RULE matching them
alert() { tt_alert "$D/$1.json" "${@:2}"; }
has_alert() { [ -n "$(alert "$@")" ]; }
NEWNS=(unshare --pid --fork --mount-proc)
# the workload: a shell whose child runs, then the shell execs the service (as entrypoints do)
WL=(/bin/sh -c '/bin/true; exec /bin/sleep 0.2')

# ---- launcher as PID 1, default capabilities + SYS_PTRACE
run A "${NEWNS[@]}" "${CAPS[@]}" @ "$TT_BIN/launcher" "$TT_BIN/tracer" "${WL[@]}"
# (parent 0: the engine has no parent for it, as for the entrypoint it stands for, whose parent
# is outside the container: proc.ppid and proc.pvpid have no value, proc.pname does not exist)
if has_alert A "VP exec" proc.name=sh proc.vpid=1 thread.vtid=1 proc.ppid=None proc.pvpid=None; then
    pass init-vpid-main-exec
else fail init-vpid-main-exec "no exec of the main process with vpid 1, vtid 1, no parent: $(alert A 'VP exec' proc.name=sh)"; fi
if has_alert A "VP exec" proc.name=sh proc.vpgid=1 proc.is_vpgid_leader=True; then pass init-vpid-main-group
else fail init-vpid-main-group "the main process's own group should read 1 (it leads it): $(alert A 'VP exec' proc.name=sh)"; fi
if has_alert A "VP exec" proc.name=sleep proc.vpid=1; then pass init-vpid-main-execs-again
else fail init-vpid-main-execs-again "the main process's second exec (sleep) is not vpid 1"; fi
got=$(alert A "VP exec" proc.name=true proc.pvpid=1)
if [ -n "$got" ] && ! has_alert A "VP exec" proc.name=true proc.vpid=1; then pass init-vpid-child
else fail init-vpid-child "the main process's child should have pvpid 1 and its own vpid: $(alert A 'VP exec' proc.name=true)"; fi
if [ ${#upstream[@]} -gt 0 ]; then
    if has_alert A "Container Run as Root User" proc.vpid=1 user.uid=0; then pass init-vpid-run-as-root-fires
    else fail init-vpid-run-as-root-fires "no 'Container Run as Root User' for the main process"; fi
    if has_alert A "Launch Excessively Capable Container"; then
        fail init-vpid-not-excessively-capable "fired although the workload has Docker's default capabilities: $(alert A 'Launch Excessively Capable Container')"
    else pass init-vpid-not-excessively-capable; fi
    run B "${NEWNS[@]}" "${CAPS[@]}" @ "$TT_BIN/launcher" "$TT_BIN/tracer" --keep-ptrace-cap "${WL[@]}"
    got=$(alert B "Launch Excessively Capable Container" proc.vpid=1)
    case "$got" in
    *CAP_SYS_PTRACE*) pass control-excessively-capable-with-ptrace ;;
    *) fail control-excessively-capable-with-ptrace "no alert naming CAP_SYS_PTRACE with --keep-ptrace-cap: $got" ;;
    esac
else
    for t in init-vpid-run-as-root-fires init-vpid-not-excessively-capable control-excessively-capable-with-ptrace; do
        skip "$t" "Falco's incubating and sandbox rules are not in $R"
    done
fi

# ---- the tracer itself as PID 1 (no launcher)
key=$((0x56500000 + ($$ + 99) % 65536))
"${NEWNS[@]}" "$TT_BIN/tracer" -q -w "$D/C.cap" "${WL[@]}" 2>&2
"$TT_BIN/tracer" dump "$D/C.cap" >"$D/C.txt"
expect_match init-vpid-tracer-pid1 "$(grep ' execve ret=0 filename=/usr/bin/sh\| execve ret=0 filename=/bin/sh' "$D/C.txt")" ' ptid=0 .*vtid=1 vpid=1'

# ---- not PID 1: a shell is PID 1 and starts the launcher
run E "${NEWNS[@]}" "${CAPS[@]}" @ /bin/sh -c '"$0" "$@"; exit $?' "$TT_BIN/launcher" "$TT_BIN/tracer" "${WL[@]}"
if has_alert E "VP exec" proc.name=sh; then
    if has_alert E "VP exec" proc.vpid=1; then fail init-vpid-only-as-init "vpid 1 reported although the launcher is not PID 1"
    else pass init-vpid-only-as-init; fi
else fail init-vpid-only-as-init "the run raised no exec alert: the check above proves nothing"; fi

# ---- attach mode as PID 1: the attached process keeps its vpid
"${NEWNS[@]}" /bin/sh -c '/bin/sleep 0.5 & exec "$0" -q -w "$1" -p $!' "$TT_BIN/tracer" "$D/F.cap" 2>&2
"$TT_BIN/tracer" dump "$D/F.cap" >"$D/F.txt"
line=$(grep -m1 ' procinfo ' "$D/F.txt")
if [ -z "$line" ]; then fail init-vpid-never-in-attach "no procinfo for the attached process"
else expect_match init-vpid-never-in-attach "$line" ' vtid=([2-9]|[1-9][0-9]+) vpid=([2-9]|[1-9][0-9]+)'; fi
