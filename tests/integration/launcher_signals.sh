#!/usr/bin/env bash
# launcher: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH reach the
# foreground command (a workload that traps them and writes markers); SIGURG does not; the
# background commands do not get them; the exit status after a trapped SIGTERM is the
# workload's (0), and its marker is there.
# timeout: 120
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
L=$TT_BIN/launcher

cat >"$TT_TMP/fg.py" <<'PY'
import os, signal, sys, time
log = sys.argv[1]
def note(text):
    with open(log, "a") as f:
        f.write(text + "\n")
def handler(sig, frame):
    name = signal.Signals(sig).name
    note(name)
    if sig == signal.SIGTERM:
        note("marker: graceful exit")
        sys.exit(0)
for s in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGURG"):
    signal.signal(getattr(signal, s), handler)
note("ready")
while True:
    signal.pause()
PY
cat >"$TT_TMP/bg.sh" <<'SH'
trap 'echo bg-got-usr1 >>"$1"' USR1
trap 'exit 0' TERM
echo ready >>"$1"
while :; do sleep 0.05; done
SH

"$L" python3 "$TT_TMP/fg.py" "$TT_TMP/fg.log" -- bash "$TT_TMP/bg.sh" "$TT_TMP/bg.log" \
    </dev/null 2>"$TT_TMP/err" &
lpid=$!
if ! wait_for 20 grep -q ready "$TT_TMP/fg.log" || ! wait_for 20 grep -q ready "$TT_TMP/bg.log"; then
    fail start "workload did not start"
    kill -KILL $lpid 2>/dev/null
    exit 1
fi

for sig in INT HUP QUIT USR1 USR2 WINCH; do
    kill -s "$sig" "$lpid"
    if wait_for 5 grep -qx "SIG$sig" "$TT_TMP/fg.log"; then
        pass "forward_sig$sig"
    else
        fail "forward_sig$sig" "workload did not record SIG$sig: $(tr '\n' ' ' <"$TT_TMP/fg.log")"
    fi
done
kill -s URG "$lpid"
sleep 0.5
if grep -q SIGURG "$TT_TMP/fg.log"; then fail not_forwarded_sigurg "SIGURG reached the workload"; else pass not_forwarded_sigurg; fi
if grep -q bg-got-usr1 "$TT_TMP/bg.log"; then fail bg_not_signalled "background command got SIGUSR1"; else pass bg_not_signalled; fi
check launcher_alive kill -0 "$lpid"

kill -s TERM "$lpid"
wait_for 10 sh -c "! kill -0 $lpid"
wait "$lpid"
rc=$?
expect_eq sigterm_exit_status "$rc" 0
if grep -q "marker: graceful exit" "$TT_TMP/fg.log"; then pass sigterm_marker; else fail sigterm_marker "no marker"; fi
expect_eq no_stderr_noise "$(cat "$TT_TMP/err")" ""

# A workload killed by the forwarded signal: 128+N.
"$L" sleep 30 </dev/null &
lpid=$!
sleep 0.3
kill -s HUP "$lpid"
wait "$lpid"
expect_eq sighup_kills_workload_129 "$?" 129
