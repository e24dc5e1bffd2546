#!/usr/bin/env bash
# The ring belongs to the tracer's uid (mode 0600). An engine of another uid without
# CAP_IPC_OWNER (a sidecar left as root with no capability, or another runAsUser) cannot read
# it: it says so at error level, naming both uids and the fields to change, instead of waiting
# silently, and it does not spin while it waits. Control: an engine of the tracer's uid attaches
# and the workload runs.
# timeout: 60
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
tt_nonroot_dir nonroot-ring-owner || exit 0
D=$TT_NR_DIR
printf -- '- rule: any exec\n  desc: t\n  condition: evt.type = execve\n  output: exec\n  priority: INFO\n' >"$D/r.yaml"
printf 'rules_files: [%s]\nstdout_output: {enabled: true}\n' "$D/r.yaml" >"$D/f.yaml"
chmod 644 "$D"/*.yaml
other=$((TT_NR_UID + 1))
as_other=(setpriv "--reuid=$other" "--regid=$other" --clear-groups --inh-caps=-all --bounding-set=-all --)
key=$((0x4e4f0000 + $$ % 65536))
trap 'ipcrm -M $key 2>/dev/null; rm -rf "$TT_TMP"' EXIT

"${TT_NONROOT[@]}" "$TT_BIN/tracer" -q --ring-key "$key" --wait-engine 3000 -- /bin/true 2>"$D/t1.err" &
tp=$!
TT_RING_KEY=$key "${as_other[@]}" "$TT_BIN/engine" -c "$D/f.yaml" >/dev/null 2>"$D/e1.err" &
ep=$!
wait_for 10 grep -q 'belongs to uid' "$D/e1.err"
ticks() { awk '{print $14 + $15}' "/proc/$ep/stat" 2>/dev/null; }
t0=$(ticks)
sleep 1
t1=$(ticks)
cpu=$((${t1:-0} - ${t0:-0}))
kill -TERM "$ep" 2>/dev/null
wait "$ep" 2>/dev/null
wait "$tp"
trc=$?
cat "$D/e1.err" "$D/t1.err" >&2
expect_match ring-owner-error "$(cat "$D/e1.err")" \
    "error: waiting for the tracer's event ring \\(key 0x[0-9a-f]+\\): ring key 0x[0-9a-f]+ belongs to uid $TT_NR_UID and this process runs as uid $other: run the engine as the tracer's uid .*runAsUser"
# (clock ticks in one second of the wait: a spinning wait would use about 100)
if [ -n "$t1" ] && [ "$cpu" -lt 30 ]; then pass ring-owner-no-spin
else fail ring-owner-no-spin "the refused engine used ${cpu:-?} clock ticks of CPU"; fi
expect_eq ring-owner-workload-not-started "$trc" 125

# control: the tracer's own uid attaches
"${TT_NONROOT[@]}" "$TT_BIN/tracer" -q --ring-key "$key" --wait-engine 5000 -- /bin/true 2>"$D/t2.err" &
tp=$!
TT_RING_KEY=$key "${TT_NONROOT[@]}" "$TT_BIN/engine" -c "$D/f.yaml" >"$D/e2.out" 2>"$D/e2.err" &
ep=$!
wait "$tp"
trc=$?
wait_for 5 grep -q exec "$D/e2.out"
kill -TERM "$ep" 2>/dev/null
wait "$ep" 2>/dev/null
expect_eq ring-owner-same-uid-runs "$trc" 0
expect_match ring-owner-same-uid-alerts "$(cat "$D/e2.out")" 'exec'
