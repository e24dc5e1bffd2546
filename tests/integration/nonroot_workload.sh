#!/usr/bin/env bash
# A non-root workload under a tracer without capabilities (launcher + tracer + engine, all as
# uid $TT_NR_UID, every capability dropped), with Falco's stable rules (tests/lib/upstream.sh; without
# them its checks of them fail), etc/tartan_rules.yaml and a few rules of this test. The workload is
# tests/helpers/nr_workload.py.
#   - Reads that fail with EACCES: a failed open is an event with fd.name and evt.res=EACCES,
#     so rules that ask for failed opens fire (upstream's directory traversal rule, through
#     open_file_failed), and rules about opened files do not, as with Falco. Control: the same
#     read as root raises "Sensitive file opened for reading".
#   - Shells and connections are seen with the workload's uid (a loopback one is not an
#     Outbound connection alert).
#   - A setuid-root program and a file-capability program run without their privilege (the
#     kernel grants none under an unprivileged tracer, nor with no_new_privs) and are reported
#     with user.uid and proc.* as the kernel set them; fail-closed (no_new_privs) and fail-open
#     (no filter: the kernel's ptrace rule alone). Control: run natively they do get it.
#   - Tamper: an execute-only program (the kernel makes the process non-dumpable, closing its
#     memory to the tracer) is killed with an unreadable_exec report and a Critical "Tartan
#     tamper or evasion attempt" alert; prctl(PR_SET_DUMPABLE, 0) is denied (set_nondumpable,
#     alerted) and the process stays visible. Control: with the defence off
#     (TARTAN_TEST_UNREADABLE_OFF=1) both run and their opens reach the engine without a file
#     name: no rule on fd.name can see them.
# timeout: 180
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
tt_nonroot_dir nonroot-workload || exit 0
D=$TT_NR_DIR
# (copies: the engine runs as the test's uid, which may not reach the checkout)
cp "$TT_ROOT/etc/tartan_rules.yaml" "$D/"
upstream=
if tt_upstream falco-rules/falco_rules.yaml && cp "$TT_UPSTREAM" "$D/"; then
    upstream=$D/falco_rules.yaml
fi

for m in xo nodump end; do echo "marker $m" >"$D/marker-$m"; done
cat >"$D/rules.yaml" <<EOF
- rule: NR program run
  desc: the setuid and file-capability programs, as the engine sees them
  condition: evt.type = execve and evt.rawres = 0 and proc.name in (suid-id, fcap-grep)
  output: program run (uid=%user.uid exe=%proc.exepath name=%proc.name caps=%thread.cap_effective)
  priority: NOTICE
- rule: NR failed open of a sensitive file
  desc: upstream's open_file_failed, spelled out (also without the upstream rules)
  condition: >
    evt.type in (open, openat, openat2) and fd.typechar = 'f' and fd.num = -1 and
    evt.res startswith E and fd.name = /etc/shadow
  output: failed open (file=%fd.name res=%evt.res uid=%user.uid)
  priority: NOTICE
- rule: NR loopback connect
  desc: the workload's connection to this test's loopback listener (the default Outbound
    connection rule leaves loopback alone)
  condition: >
    evt.type = connect and fd.sip = 127.0.0.1 and (evt.rawres >= 0 or evt.res = EINPROGRESS)
  output: loopback connect (dst=%fd.sip:%fd.sport uid=%user.uid)
  priority: NOTICE
- rule: NR marker opened
  desc: the markers the workload opens
  condition: evt.type in (open, openat) and fd.name startswith $D/marker-
  output: marker (file=%fd.name proc=%proc.name)
  priority: NOTICE
EOF
tt_listen
port=$TT_LISTEN_PORT
trap 'kill $TT_LISTEN_PID 2>/dev/null; rm -rf "$TT_TMP"' EXIT
cp "$TT_ROOT/tests/helpers/nr_workload.py" "$D/"
chown -R "$TT_NR_UID:$TT_NR_UID" "$D"
# (owned by root; chown would clear the setuid bit and the file capability)
cp /usr/bin/id "$D/suid-id" && chmod 4755 "$D/suid-id"
cp /bin/grep "$D/fcap-grep"
have_setcap=0
command -v setcap >/dev/null && setcap cap_net_raw+ep "$D/fcap-grep" 2>/dev/null && have_setcap=1
cp /bin/cat "$D/xo-cat" && chmod 0111 "$D/xo-cat"
cd "$D" || exit 1

# traced NAME [ENV=V...] @ PREFIX... @ STEPS...: one run; alerts in NAME.json, workload output
# in NAME.out, launcher/tracer/engine messages in NAME.err.
n=0
traced() {
    local name=$1 envs=() prefix=()
    shift
    while [ "$1" != @ ]; do envs+=("$1"); shift; done
    shift
    while [ "$1" != @ ]; do prefix+=("$1"); shift; done
    shift
    n=$((n + 1))
    local rules="[$D/rules.yaml, $D/tartan_rules.yaml${upstream:+, $upstream}]"
    printf 'rules_files: %s\njson_output: true\nrule_matching: all\nstdout_output: {enabled: false}\nfile_output: {enabled: true, keep_alive: true, filename: %s}\nappend_output: [{extra_fields: [user.uid, proc.name, proc.exepath, fd.name, evt.res]}]\n' \
        "$rules" "$D/$name.json" >"$D/$name.yaml"
    chmod 644 "$D/$name.yaml"
    touch "$D/$name.json" && chown "$TT_NR_UID:$TT_NR_UID" "$D/$name.json"
    local key=$((0x4e570000 + ($$ + n) % 65536))
    "${prefix[@]}" env TT_RING_KEY=$key LAUNCHER_GRACE_PERIOD=5 "${envs[@]}" "$TT_BIN/launcher" \
        "$TT_BIN/tracer" "${tflags[@]}" python3 "$D/nr_workload.py" "$D" "$@" -- \
        "$TT_BIN/engine" -c "$D/$name.yaml" >"$D/$name.out" 2>"$D/$name.err"
    echo "$name: exit $?" >&2
    ipcrm -M "$key" 2>/dev/null
    cat "$D/$name.out" >&2
    grep -v '^\[engine\] info' "$D/$name.err" >&2
}
said() { sed -n "s/^nr: $2 //p" "$D/$1.out"; }
# alert NAME RULE [FIELD=VALUE]...: the output fields of the first alert of RULE matching them
alert() { tt_alert "$D/$1.json" "${@:2}"; }
has_alert() { [ -n "$(alert "$@")" ]; }
KEEP_BND=(setpriv "--reuid=$TT_NR_UID" "--regid=$TT_NR_UID" --clear-groups --inh-caps=-all --)

# ---- controls: natively the programs do get their privilege (else the checks prove nothing)
native_suid=$("${TT_NONROOT[@]}" "$D/suid-id")
native_fcap=$("${KEEP_BND[@]}" "$D/fcap-grep" CapEff /proc/self/status)
suid_ok=1 fcap_ok=$have_setcap
case "$native_suid" in *euid=0*) ;; *) suid_ok=0 ;; esac
case "$native_fcap" in *0000000000002000*) ;; *) fcap_ok=0 ;; esac

# ---- A: fail-closed (the filter, so no_new_privs), every capability dropped
tflags=()
traced A @ "${TT_NONROOT[@]}" @ traversal shadow shell "connect:$port" suid xo nodump marker
uid=$TT_NR_UID
expect_eq nonroot-shadow-eacces "$(said A shadow)" Permission_denied
if [ -n "$upstream" ]; then
    if has_alert A "Directory traversal monitored file read" fd.name=/etc/shadow evt.res=EACCES; then
        pass nonroot-failed-traversal-alerts
    else fail nonroot-failed-traversal-alerts "no upstream traversal alert for the EACCES open"; fi
    if has_alert A "Read sensitive file untrusted" fd.name=/etc/shadow; then
        fail nonroot-failed-read-no-open-alert "Read sensitive file untrusted fired for an open that failed"
    else pass nonroot-failed-read-no-open-alert; fi
else
    fail nonroot-failed-traversal-alerts "$TT_UPSTREAM"
    fail nonroot-failed-read-no-open-alert "$TT_UPSTREAM"
fi
if has_alert A "NR failed open of a sensitive file" fd.name=/etc/shadow evt.res=EACCES "user.uid=$uid"; then
    pass nonroot-failed-open-visible
else fail nonroot-failed-open-visible "no event for the failed open of /etc/shadow with evt.res=EACCES"; fi
if has_alert A "Sensitive file opened for reading" fd.name=/etc/shadow; then
    fail nonroot-failed-open-not-opened "'Sensitive file opened for reading' fired for an open that failed"
else pass nonroot-failed-open-not-opened; fi
if has_alert A "Shell spawned by the workload" "user.uid=$uid"; then pass nonroot-shell-alert
else fail nonroot-shell-alert "no 'Shell spawned by the workload' alert with user.uid=$uid"; fi
expect_eq nonroot-connect-done "$(said A connect)" connected
if has_alert A "NR loopback connect" fd.sip=127.0.0.1 "fd.sport=$port" "user.uid=$uid"; then
    pass nonroot-connect-alert
else fail nonroot-connect-alert "no connect event to 127.0.0.1:$port with the workload's uid"; fi
# ordinary (loopback) traffic: the default rule stays quiet
if has_alert A "Outbound connection" fd.sip=127.0.0.1; then
    fail nonroot-loopback-not-outbound "Outbound connection fired for a loopback connection"
else pass nonroot-loopback-not-outbound; fi
# unprivileged NAME RUN: the setuid-root id said the caller's uid and no effective uid
unprivileged() {
    local got
    got=$(said "$2" suid)
    case "$got" in
    "rc=0 out=uid=$uid("*euid=*) fail "$1" "it got an effective uid: $got" ;;
    "rc=0 out=uid=$uid("*) pass "$1" ;;
    *) fail "$1" "id said '$got'" ;;
    esac
}
if [ "$suid_ok" = 1 ]; then
    unprivileged nonroot-suid-runs-unprivileged A
    if has_alert A "NR program run" proc.name=suid-id "user.uid=$uid" "proc.exepath=$D/suid-id"; then
        pass nonroot-suid-reported
    else fail nonroot-suid-reported "no alert with user.uid=$uid proc.exepath=$D/suid-id: $(alert A 'NR program run')"; fi
else
    skip nonroot-suid-runs-unprivileged "the setuid bit has no effect under $TT_TMP here (nosuid?): natively '$native_suid'"
fi
expect_match nonroot-unreadable-exec-killed "$(said A xo)" '^rc=-9 '
expect_match nonroot-unreadable-exec-reported "$(cat "$D/A.err")" \
    "error: pid [0-9]+: unreadable_exec: exec of $D/xo-cat .*killed \\(fail-closed\\)"
if has_alert A "Tartan tamper or evasion attempt" evt.arg.technique=unreadable_exec \
    "evt.arg.target=$D/xo-cat" evt.arg.action=denied; then pass nonroot-unreadable-exec-alert
else fail nonroot-unreadable-exec-alert "no tamper alert with technique unreadable_exec: $(alert A 'Tartan tamper or evasion attempt')"; fi
if has_alert A "NR marker opened" "fd.name=$D/marker-xo"; then
    fail nonroot-unreadable-exec-stopped-before-running "the execute-only program opened its file"
else pass nonroot-unreadable-exec-stopped-before-running; fi
expect_eq nonroot-nodump-denied "$(said A nodump)" "prctl=-1:Operation_not_permitted"
if has_alert A "Tartan tamper or evasion attempt" evt.arg.technique=set_nondumpable evt.arg.action=denied; then
    pass nonroot-nodump-alert
else fail nonroot-nodump-alert "no tamper alert with technique set_nondumpable"; fi
if has_alert A "NR marker opened" "fd.name=$D/marker-nodump"; then pass nonroot-nodump-still-visible
else fail nonroot-nodump-still-visible "the open after prctl(PR_SET_DUMPABLE, 0) raised no alert"; fi
if has_alert A "NR marker opened" "fd.name=$D/marker-end"; then pass nonroot-run-complete
else fail nonroot-run-complete "the last marker's alert is missing: the checks above are void"; fi

# ---- B: fail-open (no filter, no no_new_privs: the kernel's rule for unprivileged tracers)
tflags=(--fail-open)
traced B @ "${KEEP_BND[@]}" @ suid fcap marker
[ "$suid_ok" != 1 ] || unprivileged nonroot-failopen-suid-unprivileged B
if [ "$fcap_ok" = 1 ]; then
    expect_eq nonroot-failopen-fcap-no-caps "$(said B fcap)" "rc=0 out=CapEff: 0000000000000000"
    if has_alert B "NR program run" proc.name=fcap-grep "user.uid=$uid" "proc.exepath=$D/fcap-grep"; then
        pass nonroot-fcap-reported
    else fail nonroot-fcap-reported "no alert for the file-capability program: $(alert B 'NR program run' proc.name=fcap-grep)"; fi
else
    skip nonroot-failopen-fcap-no-caps "no file capabilities here (setcap missing, or ignored): natively '$native_fcap'"
fi
if has_alert B "NR marker opened" "fd.name=$D/marker-end"; then pass nonroot-failopen-run-complete
else fail nonroot-failopen-run-complete "the last marker's alert is missing"; fi

# ---- C: control for the failed read: as root the same read succeeds and raises the alert
tflags=()
traced C @ @ shadow marker
expect_eq root-shadow-opened "$(said C shadow)" opened
if has_alert C "Sensitive file opened for reading" fd.name=/etc/shadow; then pass root-shadow-alert
else fail root-shadow-alert "the root read of /etc/shadow raised no alert: the absence above proves nothing"; fi

# ---- D: negative control: with the defence off, unreadable processes go unseen
tflags=()
traced D TARTAN_TEST_UNREADABLE_OFF=1 @ "${TT_NONROOT[@]}" @ xo marker nodump
expect_match control-unreadable-exec-runs "$(said D xo)" '^rc=0 out=marker xo'
expect_eq control-nodump-allowed "$(said D nodump)" prctl=0:ok
expect_eq control-nodump-open-done "$(said D nodump-open)" opened
for m in xo nodump; do
    if has_alert D "NR marker opened" "fd.name=$D/marker-$m"; then
        fail "control-$m-blind" "the open was seen with its name: the control does not show the evasion"
    else pass "control-$m-blind"; fi
done
if has_alert D "Tartan tamper or evasion attempt"; then
    fail control-no-tamper-alert "a tamper alert with the defence off: $(alert D 'Tartan tamper or evasion attempt')"
else pass control-no-tamper-alert; fi
if has_alert D "NR marker opened" "fd.name=$D/marker-end"; then pass control-run-complete
else fail control-run-complete "the last marker's alert is missing"; fi
