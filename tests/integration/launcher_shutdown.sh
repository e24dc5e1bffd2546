#!/usr/bin/env bash
# launcher: ordered shutdown. When the foreground exits, background commands get SIGTERM and
# their last output is written before launcher exits; one that ignores SIGTERM is SIGKILLed
# (with its process group) after the grace period (flag and environment variable); a pending
# restart is cancelled; orphans left by the workload get SIGTERM, so launcher does not hang.
# timeout: 180
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
L=$TT_BIN/launcher
now() { date +%s%N; }
ms_since() { echo $((($(now) - $1) / 1000000)); }
gone() { ! kill -0 "$1" 2>/dev/null; }

# 1. Two background commands flush on SIGTERM (slowly) before launcher exits.
cat >"$TT_TMP/flush.sh" <<'SH'
trap 'sleep 0.5; echo "last-words $2" >>"$1"; echo "last-stdout $2"; exit 0' TERM
echo "ready $2" >>"$1"
sleep 1000 &
wait
SH
t0=$(now)
"$L" sh -c "until [ \$(grep -c ready $TT_TMP/flush.log 2>/dev/null || echo 0) -ge 2 ]; do sleep 0.05; done; exit 5" \
    -- bash "$TT_TMP/flush.sh" "$TT_TMP/flush.log" one \
    -- bash "$TT_TMP/flush.sh" "$TT_TMP/flush.log" two >"$TT_TMP/stdout" 2>"$TT_TMP/err" </dev/null
rc=$?
el=$(ms_since "$t0")
expect_eq flush_exit_status_is_fg "$rc" 5
expect_eq flush_bg1_last_words "$(grep -c 'last-words one' "$TT_TMP/flush.log")" 1
expect_eq flush_bg2_last_words "$(grep -c 'last-words two' "$TT_TMP/flush.log")" 1
expect_eq flush_stdout_written "$(grep -c 'last-stdout' "$TT_TMP/stdout")" 2
if [ "$el" -lt 5000 ]; then pass flush_no_grace_wait; else fail flush_no_grace_wait "took ${el} ms"; fi

# 2. A background command that ignores SIGTERM is SIGKILLed after --launcher-grace.
cat >"$TT_TMP/stubborn.sh" <<'SH'
trap '' TERM
sleep 1000 &
echo $! >"$1.child"
echo $$ >"$1"
while :; do sleep 0.1; done
SH
t0=$(now)
"$L" --launcher-grace=1 sh -c "until [ -s $TT_TMP/stub1.child ]; do sleep 0.05; done" \
    -- bash "$TT_TMP/stubborn.sh" "$TT_TMP/stub1" 2>"$TT_TMP/err" </dev/null
rc=$?
el=$(ms_since "$t0")
expect_eq grace_flag_exit_status "$rc" 0
if [ "$el" -ge 950 ] && [ "$el" -lt 4500 ]; then pass grace_flag_timing; else fail grace_flag_timing "took ${el} ms, want about 1000"; fi
check grace_flag_bg_killed gone "$(cat "$TT_TMP/stub1")"
check grace_flag_bg_group_killed gone "$(cat "$TT_TMP/stub1.child")"
expect_match grace_flag_logged "$(cat "$TT_TMP/err")" '^\[launcher\] warning: grace period of 1\.000s over'

# 3. The same with LAUNCHER_GRACE_PERIOD.
t0=$(now)
LAUNCHER_GRACE_PERIOD=2 "$L" sh -c "until [ -s $TT_TMP/stub2.child ]; do sleep 0.05; done; exit 3" \
    -- bash "$TT_TMP/stubborn.sh" "$TT_TMP/stub2" 2>"$TT_TMP/err" </dev/null
rc=$?
el=$(ms_since "$t0")
expect_eq grace_env_exit_status "$rc" 3
if [ "$el" -ge 1950 ] && [ "$el" -lt 5500 ]; then pass grace_env_timing; else fail grace_env_timing "took ${el} ms, want about 2000"; fi
check grace_env_bg_killed gone "$(cat "$TT_TMP/stub2")"

# 4. A restart pending when the foreground exits never happens, and does not delay the exit.
t0=$(now)
"$L" sh -c "until [ -s $TT_TMP/starts ]; do sleep 0.02; done; sleep 0.2" \
    -- sh -c "echo start >>$TT_TMP/starts; exit 1" 2>"$TT_TMP/err" </dev/null
rc=$?
el=$(ms_since "$t0")
expect_eq pending_restart_exit_status "$rc" 0
expect_eq pending_restart_cancelled "$(wc -l <"$TT_TMP/starts")" 1
if [ "$el" -lt 900 ]; then pass pending_restart_no_delay; else fail pending_restart_no_delay "took ${el} ms"; fi

# 5. A daemonized grandchild of the workload gets SIGTERM: launcher does not hang on it.
t0=$(now)
"$L" sh -c "sleep 1000 </dev/null >/dev/null 2>&1 & echo \$! >$TT_TMP/orphan" </dev/null
rc=$?
el=$(ms_since "$t0")
expect_eq orphan_exit_status "$rc" 0
if [ "$el" -lt 3000 ]; then pass orphan_no_hang; else fail orphan_no_hang "took ${el} ms"; fi
check orphan_terminated gone "$(cat "$TT_TMP/orphan")"

# 6. An orphan gets SIGTERM once, even when a background command exits later (second round);
# one that ignores it is SIGKILLed at the deadline.
cat >"$TT_TMP/deaf.sh" <<'SH'
trap 'echo term >>"$1"' TERM
echo $$ >"$1.pid"
while :; do sleep 0.05; done
SH
t0=$(now)
"$L" --launcher-grace=2 sh -c "bash $TT_TMP/deaf.sh $TT_TMP/deaf </dev/null >/dev/null 2>&1 & until [ -s $TT_TMP/deaf.pid ]; do sleep 0.05; done" \
    -- bash -c 'trap "sleep 0.7; exit 0" TERM; sleep 1000 & wait' 2>"$TT_TMP/err" </dev/null
rc=$?
el=$(ms_since "$t0")
expect_eq orphan_once_exit_status "$rc" 0
expect_eq orphan_sigterm_once "$(grep -c term "$TT_TMP/deaf" 2>/dev/null)" 1
check orphan_killed_at_deadline gone "$(cat "$TT_TMP/deaf.pid")"
if [ "$el" -ge 1950 ] && [ "$el" -lt 5500 ]; then pass orphan_deadline_timing; else fail orphan_deadline_timing "took ${el} ms"; fi
