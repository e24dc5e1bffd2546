#!/usr/bin/env bash
# Tracer -p PID: attaches to a running process with its threads and descendants, traces new
# children, and detaches cleanly on SIGINT/SIGTERM (the workload keeps running, untraced).
# timeout: 120
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
T=$TT_BIN/tracer
W=$TT_HELPERS/tr_work
cd "$TT_TMP" || exit 1
bg=()
cleanup() {
    for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$TT_TMP"
}
trap cleanup EXIT
counter() {
    local v i
    for i in 1 2 3 4 5 6 7 8; do v=$(cat "$1" 2>/dev/null); [ -n "$v" ] && break; sleep 0.01; done
    echo "${v:--1}"
}
tracer_of() { awk '/^TracerPid:/{print $2}' "/proc/$1/status" 2>/dev/null; }
# (conditions for wait_for, which runs a command again and again: a $(...) in its arguments
# would be expanded once)
traced_by() { [ "$(tracer_of "$1")" = "$2" ]; }
all_traced_by() { # TRACER PID...: every PID has that tracer (0: none)
    local tp=$1 p
    shift
    for p in "$@"; do traced_by "$p" "$tp" || return 1; done
}
# asleep PID: sleep(1) (exec'd), blocked in its sleep (not between syscalls, where a traced
# process is seen in a tracing stop, `t`, for a moment at each one)
asleep() {
    [ "$(readlink "/proc/$1/exe")" = "$(readlink -f /bin/sleep)" ] &&
        grep -q '^State:\s*S' "/proc/$1/status"
}
rounds_at_least() { [ "$(wc -l <rounds)" -ge "$1" ]; }

for sig in INT TERM; do
    rm -f a.ctr b.ctr c.cap
    # root: a shell with a background child and a foreground child (both loop on files)
    /bin/sh -c "$W loop $TT_TMP/a.ctr & $W loop $TT_TMP/b.ctr; wait" &
    root=$!; bg+=("$root")
    wait_for 15 test -s a.ctr
    wait_for 15 test -s b.ctr
    kids=$(cat /proc/$root/task/*/children)
    "$T" -p "$root" -w c.cap 2>attach.err &
    tp=$!; bg+=("$tp")
    wait_for 15 all_traced_by "$tp" "$root" $kids # (the root first, then its descendants)
    expect_eq "attach_${sig}_root_traced" "$(tracer_of "$root")" "$tp"
    ok=1
    for k in $kids; do [ "$(tracer_of "$k")" = "$tp" ] || ok=0; done
    expect_eq "attach_${sig}_descendants_traced" "$ok" 1
    sleep 0.5
    kill -$sig "$tp"
    wait "$tp"; rc=$?
    expect_eq "detach_${sig}_exit" "$rc" 0
    expect_eq "detach_${sig}_root_untraced" "$(tracer_of "$root")" 0
    ok=1
    for k in $kids; do [ "$(tracer_of "$k")" = 0 ] || ok=0; done
    expect_eq "detach_${sig}_descendants_untraced" "$ok" 1
    a=$(counter a.ctr); b=$(counter b.ctr); sleep 0.4
    if [ "$(counter a.ctr)" -gt "$a" ] && [ "$(counter b.ctr)" -gt "$b" ]; then
        pass "detach_${sig}_workload_keeps_running"
    else
        fail "detach_${sig}_workload_keeps_running" "counters stopped"
    fi
    n=$("$T" dump c.cap | grep -c " openat ret=[0-9]* dirfd=-100 name=$TT_TMP/[ab].ctr ")
    check "attach_${sig}_events_captured" test "$n" -gt 4
    # attached, there is no filter: every syscall stops at its exit, so close keeps its result
    n=$("$T" dump c.cap | grep -c ' close ret=0 fd=')
    check "attach_${sig}_close_has_result" test "$n" -gt 0
    nk=$("$T" dump c.cap | grep " openat .*name=$TT_TMP/a.ctr" | awk '{print $2}' | sort -u | wc -l)
    expect_eq "attach_${sig}_child_events" "$nk" 1
    kill -9 "$root" $kids 2>/dev/null
    wait "$root" 2>/dev/null
done

# new processes created after the attach are traced (forks from an attached process). The
# loop counts its rounds: attached, every syscall stops, which under emulation (the arm64 VM)
# slows a round 20-fold (strace -f -p slows it alike), so the test waits for 4 rounds after
# the attach rather than for a fixed time.
/bin/sh -c "while :; do $W forks 1 >/dev/null; echo x >>rounds; sleep 0.05; done" &
root=$!; bg+=("$root")
wait_for 10 test -s rounds
"$T" -p "$root" -w d.cap --no-snapshot 2>/dev/null &
tp=$!; bg+=("$tp")
wait_for 10 traced_by "$root" "$tp"
r0=$(wc -l <rounds)
wait_for 90 rounds_at_least $((r0 + 4))
kill -INT "$tp"; wait "$tp"
n=$("$T" dump d.cap | grep -c ' execve ret=0 .*args=\[forks 1\]')
check attach_follows_new_children test "$n" -gt 2
kill -9 "$root" 2>/dev/null

# attaching to a missing pid fails clearly
"$T" -p 999999 -w e.cap 2>err.txt; rc=$?
expect_eq attach_missing_pid_status "$rc" 125
expect_match attach_missing_pid_message "$(cat err.txt)" 'no such process'

# ptrace refused (an unprivileged tracer attaching to root's process): a message naming the
# target's uid and the field that changes the tracer's, 125
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
    sleep 30 &
    sp=$!; bg+=("$sp")
    setpriv --reuid=65534 --regid=65534 --clear-groups "$T" -p "$sp" -w /tmp/tartan-eperm.$$.cap \
        --no-snapshot 2>err.txt; rc=$?
    rm -f /tmp/tartan-eperm.$$.cap
    expect_eq eperm_status "$rc" 125
    expect_match eperm_actionable_message "$(cat err.txt)" \
        "error: -p $sp: pid $sp runs as uid 0/0/0 .* without CAP_SYS_PTRACE.*runAsUser: 0"
    kill "$sp" 2>/dev/null
else
    skip eperm_actionable_message "needs root and setpriv to run the tracer unprivileged"
fi

# attaching to a stopped process leaves it stopped until SIGCONT (stopped in its nanosleep:
# stopped earlier, a forked shell before its exec makes a hundred syscalls when continued)
sleep 60 &
sp=$!; bg+=("$sp")
wait_for 10 asleep "$sp"
kill -STOP "$sp"
"$T" -p "$sp" -w f.cap --no-snapshot 2>/dev/null &
tp=$!; bg+=("$tp")
wait_for 15 traced_by "$sp" "$tp"
sleep 1
expect_match attach_stopped_stays_stopped "$(awk '/^State:/{print $2}' /proc/$sp/status)" '^[Tt]$'
# (the tracer's stops take 200-500 ms to resume it under emulation, 2-20 ms on x86_64)
kill -CONT "$sp"
wait_for 10 asleep "$sp"
check attach_stopped_resumes_on_sigcont asleep "$sp"
kill -INT "$tp"; wait "$tp"
kill "$sp" 2>/dev/null
