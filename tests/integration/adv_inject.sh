#!/usr/bin/env bash
# A syscall the tracer puts in, subverted (tests/adversarial/adv_inject.c). After a uid change
# the tracer (root, without CAP_SYS_PTRACE) sends the thread back to its syscall instruction to
# run prctl(PR_SET_DUMPABLE, 1); the workload runs that instruction from a writable page that
# another thread keeps flipping into a jump to kill(VICTIM, SIGKILL). VICTIM is a process outside
# the trace (a monitor, to the tracer) of the workload's new uid, so the kernel would allow it.
#   - Defence: the stops after an injection must be the injected call's; the kill in its place
#     ends the injection and is checked as the program's own: denied (signal_monitor), the
#     victim lives. The test runs until the tracer has reported at least one such subversion.
#   - Negative control (--unsafe-disable-defence inject): every stop after the injection is
#     taken for the injected call's, the kill runs unchecked and the victim dies.
# timeout: 120
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
    skip adv-inject "needs root and setpriv (a root workload without CAP_SYS_PTRACE that switches user)"
    exit 0
fi
NOPTRACE=(setpriv --inh-caps=-sys_ptrace --bounding-set=-sys_ptrace --)
VICTIM_AS=(setpriv "--reuid=$TT_NR_UID" "--regid=$TT_NR_UID" --clear-groups --inh-caps=-all --)
victim=
trap 'kill $victim 2>/dev/null; rm -rf "$TT_TMP"' EXIT

# attempt NAME [TRACER OPTIONS...]: one traced run against a fresh victim; sets $alive (0/1) and
# $subverted (the tracer's reports of a syscall in place of its own).
attempt() {
    local name=$1
    shift
    "${VICTIM_AS[@]}" sleep 120 &
    victim=$!
    "${NOPTRACE[@]}" "$TT_BIN/tracer" -w "$TT_TMP/$name.cap" "$@" "$TT_HELPERS/adv_inject" \
        "$victim" "$TT_NR_UID" 2000 >"$TT_TMP/$name.out" 2>"$TT_TMP/$name.err"
    echo "$name: exit $? $(tr '\n' ' ' <"$TT_TMP/$name.out")" >&2
    alive=0
    kill -0 "$victim" 2>/dev/null && alive=1
    kill "$victim" 2>/dev/null
    wait "$victim" 2>/dev/null
    subverted=$(grep -c 'where the tracer put in' "$TT_TMP/$name.err")
}

total=0 died=0
for i in 1 2 3 4 5; do
    attempt "defended$i"
    total=$((total + subverted))
    [ "$alive" = 1 ] || died=$((died + 1))
    [ "$total" -gt 0 ] && break
done
if [ "$died" -gt 0 ]; then
    fail inject-subversion-checked "the victim was killed in $died run(s): $(grep -m3 'put in\|signal_monitor' "$TT_TMP"/defended*.err)"
elif [ "$total" -eq 0 ]; then
    fail inject-subversion-checked "no run subverted an injection in $i tries: the check above proves nothing"
else
    pass inject-subversion-checked
fi
if "$TT_BIN/tracer" dump "$TT_TMP/defended$i.cap" | grep -q ' tamper .*technique=signal_monitor .*action=denied'; then
    pass inject-subversion-reported
else fail inject-subversion-reported "no signal_monitor tamper event for the kill"; fi

for i in 1 2 3; do
    attempt "control$i" --unsafe-disable-defence inject
    [ "$alive" = 0 ] && break
done
if [ "$alive" = 0 ]; then pass control-inject-unchecked-kills
else fail control-inject-unchecked-kills "the victim survived $i runs without the defence: the attack never took"; fi
