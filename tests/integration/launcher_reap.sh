#!/usr/bin/env bash
# launcher: reaps every zombie. 1,000 double-forked orphans leave none behind, both as PID 1 of
# a fresh PID namespace and as a subreaper when not PID 1 (with a negative control showing the
# check sees zombies under a parent that does not reap). As PID 1 it still gets SIGTERM, from
# outside and from inside its namespace, and forwards it.
# timeout: 180
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
L=$TT_BIN/launcher
H=$TT_HELPERS/lw_orphans
if [ ! -x "$H" ]; then
    fail setup "$H missing (make helpers)"
    exit 1
fi

# As a subreaper (not PID 1).
out=$("$L" "$H" 1000 10000 2>"$TT_TMP/err" </dev/null)
rc=$?
expect_eq subreaper_status "$rc" 0
expect_eq subreaper_1000_orphans_reaped "$out" "orphans=1000 reparented=1000 zombies=0 alive=0"

# Negative control: a subreaper that never calls wait() keeps the zombies.
out=$(python3 -c '
import ctypes, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
print(subprocess.run([sys.argv[1], "200", "1000"], stdout=subprocess.PIPE, text=True).stdout, end="")
' "$H")
expect_eq negative_control_sees_zombies "$out" "orphans=200 reparented=200 zombies=200 alive=0"

if ! unshare --fork --pid --mount-proc true 2>"$TT_TMP/unshare.err"; then
    skip pid1_reaping "cannot create a PID namespace here: $(head -c 200 "$TT_TMP/unshare.err")"
    exit 0
fi

# As PID 1 of a fresh PID namespace.
out=$(unshare --fork --pid --mount-proc "$L" "$H" 1000 10000 2>"$TT_TMP/err" </dev/null)
rc=$?
expect_eq pid1_status "$rc" 0
expect_eq pid1_1000_orphans_reaped "$out" "orphans=1000 reparented=1000 zombies=0 alive=0"

# SIGTERM from inside the namespace to PID 1 (dropped by the kernel for an init without a
# handler) is forwarded to the workload.
unshare --fork --pid --mount-proc "$L" bash -c 'trap "exit 7" TERM; kill -TERM 1; sleep 10 & wait' \
    </dev/null 2>"$TT_TMP/err"
expect_eq pid1_sigterm_from_inside "$?" 7

# SIGTERM from outside (docker stop / ECS) reaches the workload through PID 1.
unshare --fork --pid --mount-proc "$L" bash -c "trap 'echo got >$TT_TMP/marker; exit 0' TERM; echo ready >$TT_TMP/ready; sleep 30 & wait" \
    </dev/null 2>"$TT_TMP/err" &
upid=$!
if wait_for 10 test -s "$TT_TMP/ready"; then
    lpid=$(cat /proc/$upid/task/$upid/children 2>/dev/null | awk '{print $1}')
    if [ -z "$lpid" ]; then
        lpid=$(ps -o pid= --ppid "$upid" | awk 'NR==1{print $1}')
    fi
    kill -TERM "$lpid"
    wait "$upid"
    expect_eq pid1_sigterm_from_outside "$?" 0
    check pid1_sigterm_marker test -s "$TT_TMP/marker"
else
    fail pid1_sigterm_from_outside "workload did not start"
    kill -KILL "$upid"
fi

# As PID 1, a background command that ignores SIGTERM (and its child) is killed at the end of
# the grace period with kill(-1, SIGKILL); launcher does not wait any longer than that.
t0=$(date +%s%N)
unshare --fork --pid --mount-proc "$L" --launcher-grace=1 sh -c "until [ -s $TT_TMP/deaf ]; do sleep 0.02; done; exit 6" \
    -- bash -c "trap '' TERM; sleep 1000 & echo \$! >$TT_TMP/deaf; while :; do sleep 0.1; done" \
    </dev/null 2>"$TT_TMP/err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq pid1_grace_exit_status "$rc" 6
if [ "$ms" -ge 950 ] && [ "$ms" -lt 3500 ]; then pass pid1_grace_kill_timing; else fail pid1_grace_kill_timing "took ${ms} ms, want about 1000"; fi
expect_match pid1_grace_logged "$(cat "$TT_TMP/err")" 'grace period of 1\.000s over'
