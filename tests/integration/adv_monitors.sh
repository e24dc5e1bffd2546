#!/usr/bin/env bash
# Adversarial: the workload tries to stop, kill, slow or read the monitors (docs/security.md,
# "Tracer: monitors"): every signal route (kill, tkill, tgkill, sigqueue, pidfd, a /proc
# directory fd, F_SETOWN/F_SETOWN_EX with F_SETSIG(SIGKILL), the monitor's process group,
# kill(0), kill(-1)), ptrace, process_vm_readv, /proc/PID/mem, oom_score_adj, priority,
# affinity, limits, I/O priority, joining the monitor's process group.
#  - live: a real engine on the ring is the target of each with SIGKILL/SIGSTOP: it stays
#    alive and running, and alerts on every attempt (one-rule file on evt.type = tamper);
#  - negative control (--unsafe-disable-defence monitors / pgrp): the same calls reach a
#    stand-in monitor process;
#  - kill(0) and kill(-1) in a pid namespace of their own, with and without the defences;
#  - /proc/PID/mem and oom_score_adj of a stand-in with rules that name no open (and control).
# timeout: 300
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
. "$TT_ROOT/tests/lib/adv.sh"
if [ ! -x "$ADV/adv_monitors" ]; then
    skip adv-monitors "adversarial programs not built ($ADV)"
    exit 0
fi
key=$((0x74760000 + ($$ % 4096) * 4))
bg=()
cleanup() {
    for p in "${bg[@]}"; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
    ipcrm -M "$key" 2>/dev/null
    rm -rf "$TT_TMP"
}
trap cleanup EXIT
state() { sed -n 's/^State:\s*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null; }
# (conditions for wait_for, which runs a command again and again: a $(...) in its arguments
# would be expanded once)
state_is() { [ "$(state "$1")" = "$2" ]; }
alerts_at_least() { [ "$(grep -c '"rule":"Tamper seen"' "$TT_TMP/eng.out")" -ge "$1" ]; }
attacks="kill tkill tgkill sigqueue tgsigqueue pidfd procfd pidfd_getfd pgrp ptrace vmread procmem oom nice affinity prlimit ioprio setown setown_ex joinpgrp"

# ---- live: the engine is the target ----
"$E" -c "$TT_TMP/falco.yaml" -r "$TT_TMP/tamper_rule.yaml" -o "tartan.ring_key=$key" \
    >"$TT_TMP/eng.out" 2>"$TT_TMP/eng.err" &
eng=$!
bg+=("$eng")
if ! wait_for 20 grep -q "waiting for the tracer" "$TT_TMP/eng.err"; then
    fail live-engine-start "$(tail -n 5 "$TT_TMP/eng.err")"
    exit 0
fi
script=""
for w in $attacks; do
    sig=9
    case $w in kill | pidfd | setown) sig=19 ;; pidfd_getfd) sig=0 ;; esac
    script="$script $ADV/adv_monitors $w $eng $sig;"
done
# and the tracer itself, its parent
script="$script $ADV/adv_monitors kill \$PPID 19; $ADV/adv_monitors pidfd \$PPID 9;"
"$T" -q --no-snapshot --ring-key "$key" -- sh -c "$script" >"$TT_TMP/live.out" 2>"$TT_TMP/live.err"
rc=$?
expect_eq live-tracer-exit "$rc" 0
nattempts=$(grep -c ' ret=' "$TT_TMP/live.out")
ndenied=$(grep -cE ' ret=-1 errno=(EPERM|EACCES)$' "$TT_TMP/live.out")
expect_eq live-every-attempt-denied "$ndenied" "$nattempts"
grep -vE ' ret=-1 errno=(EPERM|EACCES)$' "$TT_TMP/live.out" >&2
expect_match live-engine-running "$(state "$eng")" '^[RS]$'
wait_for 10 alerts_at_least 22
n=$(grep -c '"rule":"Tamper seen"' "$TT_TMP/eng.out")
check live-engine-alerts-every-attempt test "$n" -ge 22
for tech in signal_monitor pidfd_monitor ptrace_monitor procmem_monitor prio_monitor sigio_monitor pgrp_monitor; do
    expect_match "live-alert-$tech" "$(grep -m1 "\"evt.arg.technique\":\"$tech\"" "$TT_TMP/eng.out")" \
        "\"evt.arg.action\":\"denied\".*\"proc.name\":\"adv_monitors\""
done
expect_match live-alert-target-names-engine \
    "$(grep -m1 '"evt.arg.technique":"signal_monitor"' "$TT_TMP/eng.out")" "\"evt.arg.target\":\"pid $eng \\(engine\\)\""
expect_match live-alert-target-names-tracer "$(grep '"evt.arg.technique":"signal_monitor"' "$TT_TMP/eng.out")" \
    '"evt.arg.target":"pid [0-9]+ \(tracer\)"'
kill -TERM "$eng"
wait "$eng"
expect_eq live-engine-exit-0 "$?" 0

# ---- negative control: the same calls reach a stand-in monitor when the defence is off ----
sleep 120 &
mon=$!
bg+=("$mon")
for w in kill tkill tgkill sigqueue tgsigqueue pidfd procfd setown setown_ex; do
    traced "ctl-$w" --unsafe-disable-defence monitors -- "$ADV/adv_monitors" "$w" "$mon" 19
    wait_for 2 state_is "$mon" T
    expect_eq "control-$w-stops-monitor" "$(state "$mon")" T
    kill -CONT "$mon"
    wait_for 2 state_is "$mon" S
done
control_recorded monitors ctl-kill monitors
traced ctl-ptrace --unsafe-disable-defence monitors --keep-ptrace-cap -- "$ADV/adv_monitors" ptrace "$mon"
expect_match control-ptrace-attaches "$(out ctl-ptrace)" 'ptrace ret=0 '
traced ctl-vm --unsafe-disable-defence monitors --keep-ptrace-cap -- "$ADV/adv_monitors" vmread "$mon"
expect_match control-vmread-reads "$(out ctl-vm)" 'vmread ret=8 '
traced ctl-oom --unsafe-disable-defence monitors -- "$ADV/adv_monitors" oom "$mon"
expect_eq control-oom-score-raised "$(cat "/proc/$mon/oom_score_adj")" 1000
traced ctl-nice --unsafe-disable-defence monitors -- "$ADV/adv_monitors" nice "$mon"
expect_eq control-nice-lowered "$(awk '{print $19}' "/proc/$mon/stat")" 19
traced ctl-prl --unsafe-disable-defence monitors -- "$ADV/adv_monitors" prlimit "$mon"
expect_match control-prlimit-set "$(grep 'Max open files' "/proc/$mon/limits")" 'Max open files +1 +1 '
traced ctl-pg --unsafe-disable-defence monitors -- "$ADV/adv_monitors" joinpgrp "$mon"
expect_match control-joinpgrp "$(out ctl-pg)" 'joinpgrp ret=0 '
# the tracer itself: stopped by its workload
traced ctl-tr --unsafe-disable-defence monitors -- sh -c "$ADV/adv_monitors kill \$PPID 19 & wait" &
trp=$!
bg+=("$trp")
wait_for 5 sh -c "grep -q 'kill ret=0' '$TT_TMP/ctl-tr.out'"
tpid=$(pgrep -P "$trp" -f "tracer" 2>/dev/null | head -n 1)
tpid=${tpid:-$(pgrep -f "ctl-tr.cap" | head -n 1)}
wait_for 2 state_is "$tpid" T
expect_eq control-tracer-stopped "$(state "$tpid")" T
kill -CONT "$tpid" 2>/dev/null
wait "$trp"
# a rules list that names no open: the monitor's /proc files are still checked at each open's
# exit. The kernel would let the workload in: a root workload raises a root process's
# oom_score_adj (control above), and one with CAP_SYS_PTRACE (kept here) opens its mem.
echo 0 >"/proc/$mon/oom_score_adj"
traced noopen --syscalls execve --keep-ptrace-cap -- sh -c "$ADV/adv_monitors procmem $mon; $ADV/adv_monitors oom $mon"
expect_match noopen-procmem-denied "$(out noopen)" 'procmem ret=-1 errno=EACCES'
expect_match noopen-oom-denied "$(out noopen)" 'oom_open ret=-1 errno=EACCES'
expect_eq noopen-oom-score-kept "$(cat "/proc/$mon/oom_score_adj")" 0
expect_match noopen-procmem-tamper "$(tampers noopen)" \
    "closed again, the open fails with EACCES technique=procmem_monitor target=/proc/$mon/mem .*action=denied"
traced noopen-ctl --syscalls execve --keep-ptrace-cap --unsafe-disable-defence monitors -- \
    "$ADV/adv_monitors" procmem "$mon"
expect_match control-noopen-procmem-opens "$(out noopen-ctl)" 'procmem ret=[0-9]+ '
kill -9 "$mon" 2>/dev/null

# ---- kill(0), kill(-pgid), kill(-1): in a pid namespace, so that nothing else can be hit ----
if ! unshare -p -f --mount-proc true 2>/dev/null; then
    skip kill-all "no pid namespace here (unshare -p)"
    exit 0
fi
# inside: sh (pid 1: never a target of kill(-1); a session of its own, so that no group
# reaches outside) starts a stand-in monitor in its own process
# group (as the tracer, which the workload would share without its own group; a zombie counts
# as dead: sh reaps it late), then the
# tracer; the workload runs a sleep of its own and sends SIGUSR2 (default action: exit)
ns() { # NAME TRACER-OPTIONS CALL
    unshare -p -f --mount-proc setsid sh -c "
        sleep 30 & echo \$! >'$TT_TMP/$1.mon'
        '$T' -q --no-snapshot -w '$TT_TMP/$1.cap' $2 -- sh -c \
            'sleep 30 & echo \$! >$TT_TMP/$1.wl; $ADV/adv_monitors $3 0 12; sleep 0.2; kill -0 \$! 2>/dev/null && echo workload_sleep=alive || echo workload_sleep=dead'
        echo tracer_rc=\$?
        m=\$(cat '$TT_TMP/$1.mon')
        grep -q '^State:.[^Z]' /proc/\$m/status 2>/dev/null && echo monitor=alive || echo monitor=dead
        kill -9 -1" >"$TT_TMP/$1.out" 2>"$TT_TMP/$1.err"
    "$T" dump "$TT_TMP/$1.cap" >"$TT_TMP/$1.dump" 2>&1
}
ns all "" killall
expect_match killall-monitors-spared "$(out all | tr '\n' ' ')" 'monitor=alive'
# (the workload's own processes get it, its main one too: the tracer reports 128 + SIGUSR2)
expect_match killall-workload-signalled "$(out all | tr '\n' ' ')" 'tracer_rc=140 '
expect_match killall-tamper "$(tampers all)" 'technique=signal_monitor target=every process \(kill -1\) action=denied$'
for try in 1 2; do # (a timing corner of the control, rare: once more)
    ns all0 "--unsafe-disable-defence monitors" killall
    grep -q monitor=dead "$TT_TMP/all0.out" && break
done
expect_match killall-control-hits-monitor "$(out all0 | tr '\n' ' ')" 'monitor=dead'
ns k0 "" kill0
expect_match kill0-monitor-untouched "$(out k0 | tr '\n' ' ')" 'tracer_rc=140 .*monitor=alive'
ns k0b "--unsafe-disable-defence pgrp" kill0
expect_match kill0-shared-group-denied "$(out k0b | tr '\n' ' ')" 'kill0 ret=-1 errno=EPERM .*monitor=alive'
expect_match kill0-shared-group-tamper "$(tampers k0b)" 'technique=signal_monitor target=process group [0-9]+ action=denied$'
for try in 1 2; do # (the same rare timing corner as kill(-1)'s control)
    ns k0c "--unsafe-disable-defence pgrp,monitors" kill0
    grep -q monitor=dead "$TT_TMP/k0c.out" && break
done
expect_match kill0-control-hits-monitor "$(out k0c | tr '\n' ' ')" 'monitor=dead'
true
