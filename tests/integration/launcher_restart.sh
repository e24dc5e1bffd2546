#!/usr/bin/env bash
# launcher: a background command that dies early is logged with its status and restarted
# with exponential backoff (1 s, 2 s, 4 s, ... measured from start timestamps); restarts can be
# turned off with --launcher-no-restart or LAUNCHER_RESTART=0.
# timeout: 120
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
L=$TT_BIN/launcher

# The first run dies by SIGKILL, the next ones exit 1.
cat >"$TT_TMP/crash.sh" <<'SH'
date +%s%N >>"$1"
[ "$(wc -l <"$1")" -eq 1 ] && kill -9 $$
exit 1
SH
"$L" sh -c "until [ \$(wc -l <$TT_TMP/starts 2>/dev/null || echo 0) -ge 4 ]; do sleep 0.02; done" \
    -- sh "$TT_TMP/crash.sh" "$TT_TMP/starts" 2>"$TT_TMP/err" </dev/null &
lpid=$!
wait_for 30 sh -c "! kill -0 $lpid"
wait "$lpid"
expect_eq backoff_exit_status "$?" 0
mapfile -t ts <"$TT_TMP/starts"
expect_eq backoff_start_count "${#ts[@]}" 4
want=(1000 2000 4000)
for i in 0 1 2; do
    [ "${#ts[@]}" -ge $((i + 2)) ] || break
    gap=$(((ts[i + 1] - ts[i]) / 1000000))
    if [ "$gap" -ge $((want[i] - 50)) ] && [ "$gap" -lt $((want[i] + 700)) ]; then
        pass "backoff_gap_$((i + 1))"
    else
        fail "backoff_gap_$((i + 1))" "restart $((i + 1)) came after ${gap} ms, want ${want[i]}"
    fi
done
err=$(cat "$TT_TMP/err")
expect_match backoff_logs_signal "$err" "^\[launcher\] warning: background command 1 'sh' \(pid [0-9]+\) exited early after [0-9.]+s: killed by signal 9.*; restarting in 1s"
expect_match backoff_logs_exit_code "$err" "exited early after [0-9.]+s: exit code 1; restarting in 2s"
expect_match backoff_logs_doubling "$err" "restarting in 4s"

# Restarts off: by flag, then by environment variable.
"$L" --launcher-no-restart sh -c 'sleep 1.6' -- sh -c "echo x >>$TT_TMP/norestart1; exit 2" \
    2>"$TT_TMP/err" </dev/null
expect_eq no_restart_flag_exit "$?" 0
expect_eq no_restart_flag_starts "$(wc -l <"$TT_TMP/norestart1")" 1
expect_match no_restart_flag_logged "$(cat "$TT_TMP/err")" 'exited early after [0-9.]+s: exit code 2; not restarting'
LAUNCHER_RESTART=0 "$L" sh -c 'sleep 1.6' -- sh -c "echo x >>$TT_TMP/norestart2; exit 2" \
    2>/dev/null </dev/null
expect_eq no_restart_env_starts "$(wc -l <"$TT_TMP/norestart2")" 1
# Control: with restarts on, the same 1.6 s run sees a restart.
"$L" sh -c 'sleep 1.6' -- sh -c "echo x >>$TT_TMP/restart3; exit 2" 2>/dev/null </dev/null
expect_eq restart_control_starts "$(wc -l <"$TT_TMP/restart3")" 2
