#!/usr/bin/env bash
# Tracer robustness: SIGKILL random traced threads of a fork/thread-heavy workload for
# TT_STORM_SECONDS (default 12 in the suite; docs/tracer.md's figure is for 30). The tracer must
# stay alive, an untargeted traced process must keep running undisturbed, and the tracer must
# still exit cleanly afterwards.
# timeout: 180
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
T=$TT_BIN/tracer
W=$TT_HELPERS/tr_work
SECS=${TT_STORM_SECONDS:-12}
cd "$TT_TMP" || exit 1
bg=()
cleanup() {
    for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null; done
    pkill -9 -P "$$" 2>/dev/null
    rm -rf "$TT_TMP"
}
trap cleanup EXIT
# The loop rewrites its counter file (truncate, then write) every 10 ms, and each step is a
# traced stop: during the storm the tracer serves the forking loops too, so the file may stay
# empty for a while. Read it until it holds a number (up to 3 s); -1 if it never does.
counter() {
    local v i
    for i in $(seq 300); do v=$(cat "$1" 2>/dev/null); [ -n "$v" ] && break; sleep 0.01; done
    echo "${v:--1}"
}

cat >work.sh <<EOF
$W loop $TT_TMP/safe.ctr &
echo \$! >$TT_TMP/safe.pid
for i in 1 2 3; do
    ( while :; do $W forks 200 >/dev/null 2>&1; $W threads 300 >/dev/null 2>&1; done ) &
done
wait
EOF
"$T" -w /dev/null --grace 1 -- /bin/sh work.sh 2>tracer.err &
tp=$!; bg+=("$tp")
wait_for 15 test -s safe.pid
wait_for 15 test -s safe.ctr
safe=$(cat safe.pid)

# the storm: only tr_work processes running "forks" or "threads" are targets
end=$(( $(date +%s) + SECS ))
kills=0
while [ "$(date +%s)" -lt "$end" ]; do
    mapfile -t targets < <(pgrep -f "^$W (forks|threads) ")
    if [ ${#targets[@]} -gt 0 ]; then
        p=${targets[RANDOM % ${#targets[@]}]}
        tids=(/proc/$p/task/*)
        t=${tids[RANDOM % ${#tids[@]}]##*/}
        [ "$t" = '*' ] && t=$p
        kill -9 "$t" 2>/dev/null && kills=$((kills + 1))
    fi
    sleep 0.0$((RANDOM % 3))
done
echo "storm: $kills kills in ${SECS}s" >&2
check storm_killed_something test "$kills" -gt 20
if kill -0 "$tp" 2>/dev/null; then pass storm_tracer_alive; else fail storm_tracer_alive "tracer died"; fi
a=$(counter safe.ctr); sleep 0.5; b=$(counter safe.ctr)
check storm_untargeted_runs test "$b" -gt "$a"
expect_eq storm_untargeted_still_traced "$(awk '/^TracerPid:/{print $2}' /proc/$safe/status 2>/dev/null)" "$tp"
# an untargeted process that finished cleanly during the storm: the loop counter never reset
check storm_untargeted_same_pid test -d "/proc/$safe"

kill -TERM "$tp"
start=$(date +%s%N)
wait "$tp"; rc=$?
el=$(( ($(date +%s%N) - start) / 1000000 ))
echo "tracer exit $rc after ${el}ms" >&2
check storm_tracer_exits_after_sigterm test "$el" -lt 10000
expect_match storm_tracer_exit_status "$rc" '^(0|143|137)$'
if grep -q 'AddressSanitizer\|runtime error' tracer.err; then fail storm_tracer_clean "sanitizer report"; else pass storm_tracer_clean; fi
