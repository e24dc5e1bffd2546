#!/usr/bin/env bash
# The set the engine's rules need reaches the tracer with no file (the ring carries it), and the
# stops it allows: failed execs only when a rule can match one (execve.success), calls reported
# at their entry when no rule reads their result (NAME.entry). A syscall-list file is untrusted
# input: one the workload (another uid) could have written, group/other-writable or a symlink
# is refused and cannot narrow tracing; the control (a root-owned 0644 file) does narrow it
# (but not below what the defences trace: every open, for the monitors defence).
# timeout: 240
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir

if [ ! -x "$TT_BIN/tracer" ] || [ ! -x "$TT_BIN/engine" ]; then
    skip engine-set "no tracer or engine binary in $TT_BIN"
    exit 0
fi
T=$TT_BIN/tracer
key=$(printf '0x5453%04x' $(($$ & 0xffff)))
engine=""
cleanup() {
    [ -n "$engine" ] && kill -9 "$engine" 2>/dev/null
    ipcrm -M "$key" 2>/dev/null
    rm -rf "$TT_TMP"
}
trap cleanup EXIT
printf 'json_output: false\nstdout_output:\n  enabled: true\nwatch_config_files: false\n' \
    >"$TT_TMP/falco.yaml"
# start_engine NAME RULES_TEXT: an engine on $key with these rules, ready for a tracer.
start_engine() {
    printf '%s\n' "$2" >"$TT_TMP/$1.yaml"
    TT_RING_KEY=$key "$TT_BIN/engine" -c "$TT_TMP/falco.yaml" -r "$TT_TMP/$1.yaml" \
        >"$TT_TMP/$1.alerts" 2>"$TT_TMP/$1.elog" &
    engine=$!
    wait_for 20 grep -q "waiting for the tracer" "$TT_TMP/$1.elog"
}
stop_engine() {
    kill -TERM "$engine" 2>/dev/null
    wait "$engine" 2>/dev/null
    engine=""
}
stops() { sed -n 's/.* \([0-9][0-9]*\) stops, .*/\1/p' "$1" | tail -n 1; }

rules_base='- rule: read hostname
  desc: t
  condition: evt.type in (open, openat, openat2) and fd.name = /etc/hostname
  output: READ %fd.name
  priority: WARNING
- rule: ran true
  desc: t
  condition: evt.type in (execve, execveat) and evt.rawres = 0 and proc.name = true
  output: RAN %proc.exepath %evt.arg.filename
  priority: WARNING
- rule: ptrace peek
  desc: t
  condition: evt.type = ptrace and evt.rawarg.request = 1
  output: PTRACE %proc.name
  priority: WARNING
- rule: made probe dir
  desc: t
  condition: evt.type in (mkdir, mkdirat) and evt.arg.path contains tartan-set-probe
  output: MKDIR %evt.arg.path
  priority: WARNING'
workload="cat /etc/hostname >/dev/null; /nonexistent-tartan 2>/dev/null; /bin/true;
mkdir -p $TT_TMP/tartan-set-probe;
perl -e 'require q(syscall.ph); syscall(SYS_ptrace(), 1, getppid(), 0, 0)' 2>/dev/null; true"

# ---- no file: the engine's request, through the ring ----
start_engine base "$rules_base"
TT_RING_KEY=$key "$T" -v -- sh -c "$workload" 2>"$TT_TMP/base.tlog"
wait_for 10 grep -q PTRACE "$TT_TMP/base.alerts"
stop_engine
expect_match ring-request-used "$(cat "$TT_TMP/base.tlog")" "syscall set from the engine's request"
expect_match ring-request-open-alert "$(cat "$TT_TMP/base.alerts")" "READ /etc/hostname"
expect_match ring-request-exec-alert "$(cat "$TT_TMP/base.alerts")" "RAN /usr/bin/true /bin/true"
expect_match ring-request-entry-alert "$(cat "$TT_TMP/base.alerts")" "PTRACE perl"
base_stops=$(stops "$TT_TMP/base.tlog")

# ---- the same events with every stop the old way (entry stops for every exec, ptrace's exit) ----
printf 'openat\nexecve\nexecveat\nptrace\n' >"$TT_TMP/full.set"
"$T" -v -w "$TT_TMP/full.cap" --no-snapshot --syscalls-file "$TT_TMP/full.set" -- \
    sh -c "$workload" 2>"$TT_TMP/full.tlog"
printf 'openat\nexecve.success\nexecveat.success\nptrace.entry\n' >"$TT_TMP/short.set"
"$T" -v -w "$TT_TMP/short.cap" --no-snapshot --syscalls-file "$TT_TMP/short.set" -- \
    sh -c "$workload" 2>"$TT_TMP/short.tlog"
full=$("$T" dump "$TT_TMP/full.cap") short=$("$T" dump "$TT_TMP/short.cap")
expect_match failed-exec-seen-with-entry "$full" "execve ret=-2 filename=/nonexistent-tartan"
if printf '%s\n' "$short" | grep -q 'execve ret=-'; then
    fail failed-exec-skipped-on-success "$(printf '%s\n' "$short" | grep -m1 'execve ret=-')"
else
    pass failed-exec-skipped-on-success
fi
expect_match success-exec-from-kernel-copy "$short" \
    "execve ret=0 filename=/bin/true exe=/bin/true args=\[\] trusted_exepath=/usr/bin/true"
expect_match ptrace-with-exit "$full" "ptrace ret=-3 request=1 pid=[0-9]+"
expect_match ptrace-at-entry "$short" "ptrace ret=none request=1 pid=[0-9]+"
fs=$(stops "$TT_TMP/full.tlog") ss=$(stops "$TT_TMP/short.tlog")
if [ -n "$fs" ] && [ -n "$ss" ] && [ "$ss" -lt "$fs" ]; then
    pass "fewer-stops ($ss < $fs)"
else
    fail fewer-stops "short $ss, full $fs"
fi

# ---- a rule that can match a failed exec keeps the exec entry stop ----
start_engine failed "$rules_base
- rule: failed exec
  desc: t
  condition: evt.type = execve and evt.rawres < 0
  output: FAILED %evt.arg.filename
  priority: WARNING"
TT_RING_KEY=$key "$T" -v -- sh -c "$workload" 2>"$TT_TMP/failed.tlog"
wait_for 10 grep -q FAILED "$TT_TMP/failed.alerts"
stop_engine
expect_match failed-exec-rule-fires "$(cat "$TT_TMP/failed.alerts")" "FAILED /nonexistent-tartan"
fst=$(stops "$TT_TMP/failed.tlog")
if [ -n "$base_stops" ] && [ -n "$fst" ] && [ "$fst" -gt "$base_stops" ]; then
    pass "failed-exec-rule-adds-stops ($fst > $base_stops)"
else
    fail failed-exec-rule-adds-stops "with the rule $fst, without $base_stops"
fi

# ---- a syscall-list file the workload could have written cannot narrow tracing ----
if [ "$(id -u)" != 0 ]; then
    skip planted-list "needs root to make files of another uid"
    exit 0
fi
printf 'connect\n' >"$TT_TMP/narrow.set" # (no mkdir: the probe would go unseen; the opens are
# traced whatever the set, for the monitors defence)
planted() { # NAME: runs the workload with TARTAN_SYSCALLS_FILE=$TT_TMP/narrow.set, engine attached
    start_engine "$1" "$rules_base"
    TT_RING_KEY=$key TARTAN_SYSCALLS_FILE="$TT_TMP/${2:-narrow.set}" "$T" -v -- \
        sh -c "$workload" 2>"$TT_TMP/$1.tlog"
    wait_for 10 grep -q PTRACE "$TT_TMP/$1.alerts"
    sleep 0.3
    stop_engine
}
chown 1000:1000 "$TT_TMP/narrow.set"
chmod 0644 "$TT_TMP/narrow.set"
planted other-uid
expect_match other-uid-refused "$(cat "$TT_TMP/other-uid.tlog")" \
    "syscall list refused: .*narrow.set: owned by uid 1000"
expect_match other-uid-still-traced "$(cat "$TT_TMP/other-uid.alerts")" "MKDIR .*tartan-set-probe"
chown 0:0 "$TT_TMP/narrow.set"
chmod 0666 "$TT_TMP/narrow.set"
planted world-writable
expect_match world-writable-refused "$(cat "$TT_TMP/world-writable.tlog")" \
    "syscall list refused: .*writable by others"
expect_match world-writable-still-traced "$(cat "$TT_TMP/world-writable.alerts")" \
    "MKDIR .*tartan-set-probe"
chmod 0644 "$TT_TMP/narrow.set"
ln -s narrow.set "$TT_TMP/link.set"
planted symlink link.set
expect_match symlink-refused "$(cat "$TT_TMP/symlink.tlog")" "syscall list refused: .*symbolic link"
expect_match symlink-still-traced "$(cat "$TT_TMP/symlink.alerts")" "MKDIR .*tartan-set-probe"
# control: the operator's own file (root, 0644) does narrow the set, and the tracer says what
# the engine's rules then miss
planted control
expect_match control-narrowed "$(cat "$TT_TMP/control.tlog")" \
    "rules need syscalls .*narrow.set does not trace: .*mkdirat"
if grep -q "does not trace: .*openat" "$TT_TMP/control.tlog"; then
    fail control-opens-not-missing "the warning names opens, which the monitors defence traces"
else
    pass control-opens-not-missing
fi
if grep -q "MKDIR .*tartan-set-probe" "$TT_TMP/control.alerts"; then
    fail control-mkdir-unseen "the narrowed set still traced mkdir"
else
    pass control-mkdir-unseen
fi
# (the opens stay traced: the monitors defence checks each one's /proc file at its exit)
expect_match control-opens-traced "$(cat "$TT_TMP/control.alerts")" "READ /etc/hostname"
