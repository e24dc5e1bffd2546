#!/usr/bin/env bash
# Tracer lifecycle: exit codes, signal forwarding, job control, daemonized grandchildren,
# PID 1 duties, and both fail policies (the tracer SIGKILLed under a running workload).
# Every check runs twice, side by side: as root, and as a non-root uid with every capability
# dropped (setpriv, names prefixed nonroot_), the way `docker run --user 1000:1000 --cap-drop
# ALL` runs the tracer: launch mode needs no privilege.
# timeout: 240
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
T=$TT_BIN/tracer
W=$TT_HELPERS/tr_work

# child_of PID: first child pid of PID
child_of() { cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{print $1}'; }
has_child() { [ -n "$(child_of "$1")" ]; } # (for wait_for: a $(...) in its arguments runs once)
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
counter() { # the workload truncates and rewrites the file: retry an empty read
    local v i
    for i in 1 2 3 4 5 6 7 8; do v=$(cat "$1" 2>/dev/null); [ -n "$v" ] && break; sleep 0.01; done
    echo "${v:--1}"
}
counter_above() { [ "$(counter "$1")" -gt "$2" ]; } # FILE N: the workload counted past N
is_stopped() { grep -q '^State:[[:space:]]*[Tt]' "/proc/$1/status" 2>/dev/null; }
key_exists() { ipcs -m | awk 'NR>3{print $1}' | grep -qix "$(printf '0x%08x' "$1")"; }

# suite DIR KEYBASE [RUNAS...]: every check, in DIR (writable by the user), with ring keys
# derived from KEYBASE, the tracer started through RUNAS (nothing: this shell's user).
suite() {
    D=$1 K=$2
    shift 2
    AS=("$@")
    cd "$D" || exit 1
    pids_to_kill=()
    trap 'for p in "${pids_to_kill[@]}"; do kill -9 "$p" 2>/dev/null; done' EXIT
    # ---- exit codes ----
    "${AS[@]}" "$T" -w c.cap -- /bin/true; expect_eq exit_0 "$?" 0
    "${AS[@]}" "$T" -w c.cap -- /bin/sh -c 'exit 3'; expect_eq exit_3 "$?" 3
    "${AS[@]}" "$T" -w c.cap -- /bin/sh -c 'kill -9 $$'; expect_eq exit_killed_137 "$?" 137
    "${AS[@]}" "$T" -w c.cap -- /bin/sh -c 'kill -TERM $$'; expect_eq exit_sigterm_143 "$?" 143
    # (a PATH directory the user may not search, as /root/... for a non-root user, hides nothing)
    PATH=/root/.tt-unsearchable:$PATH "${AS[@]}" "$T" -w c.cap -- no-such-command-xyz 2>err.txt
    expect_eq exit_not_found_127 "$?" 127
    expect_match not_found_message "$(cat err.txt)" 'no-such-command-xyz.*not found'
    printf '#!/bin/sh\necho hi\n' >noexec.sh; chmod 644 noexec.sh
    "${AS[@]}" "$T" -w c.cap -- ./noexec.sh 2>/dev/null; expect_eq exit_not_executable_126 "$?" 126
    "${AS[@]}" "$T" --bogus-option 2>/dev/null; expect_eq exit_usage_125 "$?" 125

    # ---- the workload starts with the signal mask and ignored set it would have had natively ----
    native=$(/bin/sh -c "grep -E '^Sig(Blk|Ign)' /proc/self/status")
    traced=$("${AS[@]}" "$T" -w c.cap -- /bin/sh -c "grep -E '^Sig(Blk|Ign)' /proc/self/status")
    expect_eq workload_signal_state "$traced" "$native"
    native=$(trap '' PIPE HUP; /bin/sh -c "grep -E '^Sig(Blk|Ign)' /proc/self/status")
    traced=$(trap '' PIPE HUP; "${AS[@]}" "$T" -w c.cap -- /bin/sh -c "grep -E '^Sig(Blk|Ign)' /proc/self/status")
    expect_eq workload_signal_state_ignored "$traced" "$native"
    # a closed stderr does not kill the tracer (nor, fail-closed, the workload)
    "${AS[@]}" "$T" -w c.cap -v -- /bin/sh -c 'exit 4' 2>&-; expect_eq closed_stderr_exit "$?" 4

    # ---- SIGTERM to the tracer is forwarded to a workload that traps it ----
    rm -f marker out.txt
    "${AS[@]}" "$T" -w c.cap -- "$W" trapterm "$D/marker" >out.txt &
    tp=$!; pids_to_kill+=("$tp")
    wait_for 15 grep -q ready out.txt
    kill -TERM "$tp"
    wait "$tp"; rc=$?
    expect_eq sigterm_forwarded_exit "$rc" 0
    check sigterm_forwarded_marker test -s marker

    # ... also when the workload never stops making traced syscalls (the tracer is never idle)
    "${AS[@]}" "$T" -w /dev/null --no-snapshot -- /bin/bash -c "trap 'exit 9' TERM; while :; do : >$D/busy; done" &
    tp=$!; pids_to_kill+=("$tp")
    wait_for 15 test -e busy
    sleep 0.5
    start=$(date +%s%N)
    kill -TERM "$tp"; wait "$tp"; rc=$?
    el=$(( ($(date +%s%N) - start) / 1000000 ))
    expect_eq sigterm_busy_workload_exit "$rc" 9
    check sigterm_busy_workload_prompt test "$el" -lt 3000

    # SIGHUP and SIGUSR1 reach the workload too (default action: it dies by that signal)
    for s in HUP USR1; do
        "${AS[@]}" "$T" -w c.cap -- /bin/sleep 30 &
        tp=$!; pids_to_kill+=("$tp")
        wait_for 15 has_child "$tp"
        sleep 0.2
        kill -$s "$tp"; wait "$tp"; rc=$?
        expect_eq "sig${s}_forwarded" "$rc" $((128 + $(kill -l $s)))
    done

    # ---- SIGSTOP / SIGCONT round trip (job control under PTRACE_SEIZE/LISTEN) ----
    "${AS[@]}" "$T" -w c.cap -- "$W" loop "$D/ctr" &
    tp=$!; pids_to_kill+=("$tp")
    wait_for 15 test -s ctr
    wp=$(child_of "$tp")
    kill -STOP "$wp"
    wait_for 10 is_stopped "$wp"
    st=$(awk '/^State:/{print $2}' "/proc/$wp/status")
    expect_match sigstop_state_stopped "$st" '^[Tt]$'
    a=$(counter ctr); sleep 0.5; b=$(counter ctr)
    expect_eq sigstop_stops_workload "$a" "$b"
    kill -CONT "$wp"
    wait_for 10 counter_above ctr "$b"
    c=$(counter ctr)
    check sigcont_resumes_workload test "$c" -gt "$b"
    kill -TERM "$tp"; wait "$tp"

    # ---- a daemonized grandchild does not keep the tracer alive ----
    start=$(date +%s%N)
    "${AS[@]}" "$T" -w c.cap --grace 1 -- "$W" daemon >d.txt; rc=$?
    el=$(( ($(date +%s%N) - start) / 1000000 ))
    gc=$(sed -n 's/grandchild=//p' d.txt)
    expect_eq daemon_exit_status "$rc" 0
    check daemon_tracer_exits_after_grace test "$el" -lt 5000
    sleep 0.2
    if [ -n "$gc" ] && alive "$gc"; then fail daemon_grandchild_killed "pid $gc still alive"; kill -9 "$gc"; else pass daemon_grandchild_killed; fi

    # ---- PID 1: reaps orphans, exits with the workload's status ----
    if unshare --fork --pid --mount-proc true 2>/dev/null; then
        out=$(unshare --fork --pid --mount-proc "${AS[@]}" "$T" -w c.cap --grace 1 -- /bin/sh -c \
            '(sleep 0.2 &) ; (sleep 0.2 &); sleep 0.5; echo zombies=$(grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l); exit 7')
        rc=$?
        expect_eq pid1_exit_status "$rc" 7
        expect_eq pid1_reaps_orphans "$out" "zombies=0"
        # SIGTERM from outside the namespace reaches a PID 1 tracer (blocked, read by signalfd: not
        # dropped like a default-disposition signal to init) and is forwarded
        rm -f marker1 out1.txt
        unshare --fork --pid --mount-proc "${AS[@]}" "$T" -w c.cap -- "$W" trapterm "$D/marker1" >out1.txt &
        up=$!; pids_to_kill+=("$up")
        wait_for 15 grep -q ready out1.txt
        tp1=$(child_of "$up")
        kill -TERM "$tp1"
        wait "$up"; rc=$?
        expect_eq pid1_sigterm_forwarded_exit "$rc" 0
        check pid1_sigterm_forwarded_marker test -s marker1
    else
        skip pid1_reaps_orphans "unshare --pid not permitted here"
    fi

    # ---- fail-closed (default): killing the tracer kills the workload ----
    rm -f ctr
    "${AS[@]}" "$T" -w c.cap -- "$W" loop "$D/ctr" &
    tp=$!; pids_to_kill+=("$tp")
    wait_for 15 test -s ctr
    wp=$(child_of "$tp"); pids_to_kill+=("$wp")
    kill -9 "$tp"; wait "$tp" 2>/dev/null
    wait_for 10 sh -c "! [ -d /proc/$wp ] || grep -q '^State:.*Z' /proc/$wp/status"
    if alive "$wp"; then fail fail_closed_kills_workload "workload $wp still running"; else pass fail_closed_kills_workload; fi

    # ---- fail-open: the workload keeps running, untraced, and its syscalls still work ----
    rm -f ctr
    "${AS[@]}" "$T" --fail-open -w c.cap -- "$W" loop "$D/ctr" &
    tp=$!; pids_to_kill+=("$tp")
    wait_for 15 test -s ctr
    wp=$(child_of "$tp"); pids_to_kill+=("$wp")
    kill -9 "$tp"; wait "$tp" 2>/dev/null
    a=$(counter ctr); wait_for 10 counter_above ctr "$a"; b=$(counter ctr)
    if alive "$wp" && [ "$b" -gt "$a" ]; then pass fail_open_workload_continues
    else fail fail_open_workload_continues "alive=$(alive "$wp" && echo y || echo n) counter $a -> $b"; fi
    tracer_line=$(awk '/^TracerPid:/{print $2}' "/proc/$wp/status" 2>/dev/null)
    expect_eq fail_open_untraced "$tracer_line" 0
    kill -9 "$wp" 2>/dev/null

    # ---- fail-closed without an engine: bounded wait, then the workload is not started ----
    rm -f started
    "${AS[@]}" "$T" --ring-key $((0x74720000 + K)) --wait-engine 300 -- /bin/sh -c "touch $D/started" 2>err.txt; rc=$?
    expect_eq no_engine_fail_closed_status "$rc" 125
    if [ -e started ]; then fail no_engine_workload_not_started "workload ran"; else pass no_engine_workload_not_started; fi
    expect_match no_engine_message "$(cat err.txt)" 'no engine attached'
    # Ring lifetime without an engine: the refused run produced nothing, so its ring is gone; the
    # fail-open run's events stay for a late engine, which reads them all and then removes the ring.
    if key_exists $((0x74720000 + K)); then
        fail no_engine_fail_closed_ring_removed "$(ipcs -m | grep -i "$(printf '%08x' $((0x74720000 + K)))")"
    else pass no_engine_fail_closed_ring_removed; fi
    "${AS[@]}" "$T" --ring-key $((0x74730000 + K)) --wait-engine 300 --fail-open -- /bin/sh -c "touch $D/started" 2>/dev/null; rc=$?
    expect_eq no_engine_fail_open_runs "$rc.$(test -e started && echo y)" "0.y"
    if key_exists $((0x74730000 + K)); then pass no_engine_fail_open_ring_kept
    else fail no_engine_fail_open_ring_kept "no ring left for a late engine"; fi
    timeout 20 "${AS[@]}" "$T" dump --wait 0 --ring $((0x74730000 + K)) >late.txt 2>late.err
    expect_match late_engine_reads_workload "$(grep ' execve ret=0 ' late.txt | head -n 1)" "args=\\[-c touch $D/started\\]"
    if key_exists $((0x74730000 + K)); then fail late_engine_removes_ring "still there after the drain"
    else pass late_engine_removes_ring; fi
    # SIGTERM while waiting for the engine (docker stop before any engine came): the wait ends at
    # once (not after --wait-engine), 128+15, the workload is not started and the ring is removed.
    rm -f started
    "${AS[@]}" "$T" --ring-key $((0x74750000 + K)) --wait-engine 20000 -- /bin/sh -c "touch $D/started" 2>err.txt &
    tp=$!
    wait_for 10 key_exists $((0x74750000 + K))
    t0=$(date +%s%N)
    kill -TERM "$tp"
    wait "$tp"; rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    if [ "$rc" -eq 143 ] && [ "$ms" -lt 5000 ] && [ ! -e started ] && ! key_exists $((0x74750000 + K)); then
        pass sigterm_during_engine_wait
    else
        fail sigterm_during_engine_wait "rc=$rc after ${ms} ms, started=$(test -e started && echo y), $(cat err.txt)"
    fi
    # whatever a failure above left behind
    ipcrm -M $((0x74720000 + K)) 2>/dev/null
    ipcrm -M $((0x74730000 + K)) 2>/dev/null
    ipcrm -M $((0x74750000 + K)) 2>/dev/null
    true
}

mkdir -p "$TT_TMP/root" "$TT_TMP/nonroot"
suite "$TT_TMP/root" $(($$ % 32768)) >"$TT_TMP/root.out" 2>"$TT_TMP/root.err" &
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chown "$TT_NR_UID:$TT_NR_UID" "$TT_TMP/nonroot"
    chmod 755 "$TT_TMP"
    tt_nonroot_reach "$TT_TMP/nonroot-build"
    T=$TT_BIN/tracer W=$TT_HELPERS/tr_work
    suite "$TT_TMP/nonroot" $(($$ % 32768 + 32768)) "${TT_NONROOT[@]}" \
        >"$TT_TMP/nonroot.out" 2>"$TT_TMP/nonroot.err" &
    wait
    sed -E 's/^(PASS|FAIL|SKIP) /\1 nonroot_/' "$TT_TMP/nonroot.out"
    cat "$TT_TMP/nonroot.err" >&2
else
    wait
    skip nonroot_lifecycle "needs root and setpriv to run the tracer as another uid"
fi
cat "$TT_TMP/root.out"
cat "$TT_TMP/root.err" >&2
