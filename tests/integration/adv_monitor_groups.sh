#!/usr/bin/env bash
# Adversarial: signals by process group or session must not reach the monitors. The launcher
# runs as PID 1 of a new pid namespace (as in a container) with the tracer and the workload in
# the foreground and the engine, with a program output standing in for the log shipper, in
# the background. Checked: the launcher leads its own session and group; the engine leads its
# own session and group, with its log shipper in them; no workload process shares a group or
# session with the engine or a group with the launcher. Then the workload signals its whole
# process group (kill(0, SIGUSR2), whose default action kills): the launcher, the engine and
# the log shipper stay alive. Control: a child the workload left in its own group does die, so
# the signal really went out. (Signals aimed at a monitor's pid or group, and the workload's
# separation from the tracer's group, are the tracer's defences: tests of the capture-tracer
# side.)
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
    skip monitor-groups "cannot create a pid namespace here (unshare --pid needs root)"
    exit 0
fi
key=$(printf '0x7b9%03x%02x' $(($$ & 0xfff)) 1)
cat >"$TT_TMP/falco.yaml" <<YAML
json_output: true
syslog_output: {enabled: false}
watch_config_files: false
program_output: {enabled: true, keep_alive: true, program: /bin/cat}
YAML
printf -- '- rule: any exec\n  desc: x\n  condition: evt.type = execve\n  output: exec %%proc.cmdline\n  priority: DEBUG\n' >"$TT_TMP/rules.yaml"
cat >"$TT_TMP/workload.sh" <<'SH'
sleep 60 & victim=$!
trap '' USR2
: >"$D/ready"
while [ ! -e "$D/go" ]; do sleep 0.05; done
kill -USR2 0
sleep 0.3
if kill -0 $victim 2>/dev/null; then echo victim-alive >"$D/result"; else echo victim-dead >"$D/result"; fi
while [ ! -e "$D/done" ]; do sleep 0.05; done
SH
D=$TT_TMP TT_RING_KEY=$key unshare --pid --fork --mount-proc "$TT_BIN/launcher" \
    "$TT_BIN/tracer" /bin/sh "$TT_TMP/workload.sh" -- \
    "$TT_BIN/engine" -c "$TT_TMP/falco.yaml" -r "$TT_TMP/rules.yaml" >"$TT_TMP/out" 2>"$TT_TMP/err" &
ush=$!
trap 'kill -9 $ush 2>/dev/null; pkill -9 -P $ush 2>/dev/null; ipcrm -M $key 2>/dev/null; rm -rf "$TT_TMP"' EXIT
wait_for 30 test -e "$TT_TMP/ready"

# The process tree from outside: pid ppid pgid sid comm.
ps -e -o pid=,ppid=,pgid=,sid=,comm= >"$TT_TMP/ps"
row() { awk -v p="$1" '$1 == p' "$TT_TMP/ps"; }
# (a program the engine or the launcher starts from an in-memory copy is named memfd:NAME until
# it names itself: cat never does)
child() { awk -v p="$1" -v c="$2" '$2 == p && ($5 == c || $5 == "memfd:" c) {print $1; exit}' "$TT_TMP/ps"; }
field() { row "$1" | awk -v f="$2" '{print $f}'; }
launcher=$(awk -v p="$ush" '$2 == p {print $1; exit}' "$TT_TMP/ps")
tracer=$(child "$launcher" tracer)
engine=$(child "$launcher" engine)
shipper=$(child "$engine" cat)
workload=$(child "$tracer" sh)
victim=$(child "$workload" sleep)
echo "launcher=$launcher tracer=$tracer engine=$engine shipper=$shipper workload=$workload victim=$victim" >&2
cat "$TT_TMP/ps" | awk -v l="$launcher" '$1 == l || $2 == l' >&2
if [ -z "$launcher" ] || [ -z "$engine" ] || [ -z "$shipper" ] || [ -z "$workload" ] || [ -z "$victim" ]; then
    fail monitor_groups_found "process tree not as expected: launcher=$launcher engine=$engine shipper=$shipper workload=$workload victim=$victim"
    exit 0
fi
if [ "$(field "$launcher" 3)" = "$launcher" ] && [ "$(field "$launcher" 4)" = "$launcher" ]; then
    pass launcher_leads_its_own_session_and_group
else
    fail launcher_leads_its_own_session_and_group "$(row "$launcher")"
fi
if [ "$(field "$engine" 3)" = "$engine" ] && [ "$(field "$engine" 4)" = "$engine" ] &&
    [ "$(field "$shipper" 3)" = "$engine" ] && [ "$(field "$shipper" 4)" = "$engine" ]; then
    pass engine_and_shipper_in_a_session_and_group_of_their_own
else
    fail engine_and_shipper_in_a_session_and_group_of_their_own "$(row "$engine") / $(row "$shipper")"
fi
shared=""
for w in "$workload" "$victim"; do
    g=$(field "$w" 3)
    s=$(field "$w" 4)
    [ "$g" = "$(field "$engine" 3)" ] || [ "$g" = "$(field "$launcher" 3)" ] ||
        [ "$s" = "$(field "$engine" 4)" ] && shared="$shared $(row "$w")"
done
expect_eq workload_shares_no_group_or_session_with_launcher_or_engine "$shared" ""

: >"$TT_TMP/go"
wait_for 10 test -s "$TT_TMP/result"
alive=""
for p in "$launcher" "$engine" "$shipper"; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
expect_eq group_signal_leaves_launcher_engine_shipper_alive "$alive" " $launcher $engine $shipper"
expect_eq group_signal_control_reaches_the_workload_group "$(cat "$TT_TMP/result" 2>/dev/null)" victim-dead
: >"$TT_TMP/done"
wait $ush
expect_eq monitor_groups_launcher_exit_0 "$?" 0
