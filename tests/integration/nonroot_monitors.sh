#!/usr/bin/env bash
# A non-root workload cannot reach the monitors that share its uid. Everything runs as uid
# $TT_NR_UID with every capability dropped: launcher, tracer, engine (with logshipper as its
# program output) and the traced workload, tests/helpers/nr_attack, which finds the monitors
# through /proc and tries, on each, PTRACE_SEIZE, opening /proc/PID/mem, process_vm_readv and
# kill(SIGSTOP). Every attempt must fail and every monitor must keep running; so must the same
# attempts on a dumpable process outside the trace (a monitor before its first prctl), with rules
# that name no open. Negative control:
# the same attacks, from a traced workload of the same uid, on a dumpable, unprotected process
# of that uid (started outside the trace; with the tracer's monitor defence switched off where
# the tracer has that test switch, since it protects every process outside the trace) all
# succeed, so the checks can tell a reachable process from a protected one.
# timeout: 120
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
tt_nonroot_dir nonroot-monitors || exit 0
D=$TT_NR_DIR
cat >"$D/rules.yaml" <<'EOF'
- rule: Attack helper started
  desc: test rule
  condition: evt.type = execve and evt.rawres = 0 and proc.name = nr_attack
  output: attack helper started (pid=%proc.pid)
  priority: WARNING
EOF
cat >"$D/falco.yaml" <<EOF
rules_files: [$D/rules.yaml]
json_output: true
stdout_output: {enabled: false}
file_output: {enabled: true, keep_alive: true, filename: $D/alerts.json}
program_output:
  enabled: true
  keep_alive: true
  program: $TT_BIN/logshipper --group /tartan/nonroot --stream monitors --deadline 1
EOF
chown -R "$TT_NR_UID:$TT_NR_UID" "$D"
cd "$D" || exit 1

"${TT_NONROOT[@]}" "$TT_HELPERS/nr_attack" dummy >dummy.out &
dummy=$!
trap 'kill -9 $dummy 2>/dev/null; rm -rf "$TT_TMP"' EXIT
wait_for 10 grep -q ready dummy.out

# logshipper has nowhere to ship to: it keeps the alerts queued and stays up until stdin ends.
key=$((0x4e520000 + $$ % 65536))
"${TT_NONROOT[@]}" env AWS_REGION=eu-west-1 AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=x \
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://127.0.0.1:9 LAUNCHER_GRACE_PERIOD=5 TT_RING_KEY="$key" \
    "$TT_BIN/launcher" "$TT_BIN/tracer" "$TT_HELPERS/nr_attack" monitors \
    -- "$TT_BIN/engine" -c "$D/falco.yaml" >out.txt 2>err.txt
rc=$?
ipcrm -M "$key" 2>/dev/null
cat err.txt >&2
cat out.txt >&2
expect_eq monitors-run-exit "$rc" 0
expect_match monitors-all-found "$(cat out.txt)" 'target logshipper [0-9]+'

result() { awk -v t="$1" -v a="$2" '$1 == "RESULT" && $2 == t && $3 == a {print $4}' out.txt; }
for m in tracer launcher engine logshipper; do
    for a in ptrace mem vmread stop; do
        got=$(result "$m" "$a")
        case "$got" in
        EPERM | EACCES) pass "nonroot-$m-$a-denied" ;;
        *) fail "nonroot-$m-$a-denied" "a workload of the monitors' uid got '${got:-no result}' for $a on the $m" ;;
        esac
    done
done
# the monitors were there all along and ended normally: the run's alerts were written
expect_match monitors-engine-alerted "$(cat alerts.json 2>/dev/null)" 'Attack helper started'

# A dumpable process of the workload's uid outside the trace, as a monitor is between its exec
# and its first prctl (a logshipper spawned, an engine restarted): the kernel lets the workload
# in, the tracer must not, even when the rules name no open (the attacker's open of
# /proc/PID/mem is traced anyway).
"${TT_NONROOT[@]}" "$TT_BIN/tracer" -q -w /dev/null --syscalls execve -- "$TT_HELPERS/nr_attack" \
    one dummy "$dummy" >guarded.out 2>>err.txt
for a in ptrace mem vmread stop; do
    got=$(awk -v a="$a" '$1 == "RESULT" && $2 == "dummy" && $3 == a {print $4}' guarded.out)
    case "$got" in
    EPERM | EACCES) pass "nonroot-dumpable-monitor-$a-denied" ;;
    *) fail "nonroot-dumpable-monitor-$a-denied" "a dumpable process outside the trace (rules naming execve only): got '${got:-no result}' for $a" ;;
    esac
done

# negative control: the same attacks reach an unprotected process of the same uid
off=()
! "$TT_BIN/tracer" --help 2>&1 | grep -q -- --unsafe-disable-defence ||
    off=(--unsafe-disable-defence monitors)
"${TT_NONROOT[@]}" "$TT_BIN/tracer" -q -w /dev/null "${off[@]}" -- "$TT_HELPERS/nr_attack" one dummy \
    "$dummy" >>out.txt 2>>err.txt
for a in ptrace mem vmread; do
    expect_eq "nonroot-dummy-$a-reachable" "$(result dummy "$a")" ok
done
expect_eq nonroot-dummy-stop-reachable "$(result dummy stop)" stopped
