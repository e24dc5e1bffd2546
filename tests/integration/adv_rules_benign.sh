#!/usr/bin/env bash
# The tamper and evasion rules of etc/tartan_rules.yaml (tamper, /dev/shm by exe path, fileless,
# masquerade) stay quiet on the workloads the other tests run, with the upstream rules loaded
# too:
#   sample workloads  docker/sample-workload.sh (bash, with dpkg), its busybox flavour and the
#                     musl program (the e2e images' workloads), under the tracer: none fires
#   event-generator   the suite's host cases (tests/evtgen, whose expectations must all still
#                     pass with Tartan's rules added): tamper and /dev/shm never fire; the
#                     fileless rule only for the suite's memfd case; the masquerade rule only
#                     for the suite's stand-ins, copies of its test program run under the name
#                     sshd or dockerd (what the rule is for)
# variants: plain
# timeout: 300
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
if ! tt_upstream falco-rules/falco_rules.yaml; then
    fail adv-rules-benign-upstream-rules "$TT_UPSTREAM"
    exit 0
fi
upstream=$TT_UPSTREAM
if [ ! -x "$TT_BIN/tracer" ]; then
    skip adv-rules-benign "needs $TT_BIN/tracer"
    exit 0
fi
NEW='"rule":"(Tartan tamper or evasion attempt|Executable run from shared memory|Fileless execution \(memfd or O_TMPFILE\)|Process masquerading as a trusted program)"'
key=$(printf '0x7b8%03x%02x' $(($$ & 0xfff)) 1)
cat >"$TT_TMP/falco.yaml" <<'YAML'
json_output: true
syslog_output: {enabled: false}
rule_matching: all
watch_config_files: false
YAML
export TARTAN_SYSCALLS_FILE="$TT_TMP/syscalls"
"$TT_BIN/engine" -c "$TT_TMP/falco.yaml" -r "$upstream" -r "$TT_ROOT/etc/tartan_rules.yaml" \
    -o "tartan.ring_key=$key" >"$TT_TMP/out" 2>"$TT_TMP/err" &
engine=$!
trap 'kill -9 $engine 2>/dev/null; ipcrm -M $key 2>/dev/null; rm -rf "$TT_TMP"' EXIT
wait_for 30 grep -q "waiting for the tracer" "$TT_TMP/err"
sample() { # NAME COMMAND...
    local name=$1
    shift
    SAMPLE_ROUNDS=2 SAMPLE_INTERVAL=0 SAMPLE_PACKAGES=1 SAMPLE_ETC_FILE="$TT_TMP/etc-$name" \
        TT_RING_KEY=$key "$TT_BIN/tracer" "$@" >"$TT_TMP/$name.log" 2>&1
}
sample bash bash "$TT_ROOT/docker/sample-workload.sh"
rc_bash=$?
if [ -x /bin/busybox ]; then
    sample busybox /bin/busybox sh "$TT_ROOT/docker/sample-workload-busybox.sh"
    rc_bb=$?
else
    rc_bb=skip
fi
if command -v musl-gcc >/dev/null &&
    musl-gcc -O2 -o "$TT_TMP/sample-musl" "$TT_ROOT/docker/sample-workload-musl.c" 2>"$TT_TMP/cc.err"; then
    sample musl "$TT_TMP/sample-musl"
    rc_musl=$?
else
    rc_musl=skip
fi
sleep 1
kill -TERM $engine
wait $engine
n_alerts=$(grep -c '"rule"' "$TT_TMP/out")
n_new=$(grep -cE "$NEW" "$TT_TMP/out")
if [ "$rc_bash" -eq 0 ] && [ "$n_alerts" -gt 4 ] && [ "$n_new" -eq 0 ]; then
    pass benign_sample_workload_raises_no_tamper_or_evasion_alert
else
    fail benign_sample_workload_raises_no_tamper_or_evasion_alert "tracer rc $rc_bash, $n_alerts alerts, of which $n_new from the new rules: $(grep -E "$NEW" "$TT_TMP/out" | head -c 400)"
fi
[ "$rc_bb" = skip ] && skip benign_busybox_sample_ran "no /bin/busybox here"
[ "$rc_bb" = skip ] || expect_eq benign_busybox_sample_ran "$rc_bb" 0
[ "$rc_musl" = skip ] && skip benign_musl_sample_ran "no musl-gcc here"
[ "$rc_musl" = skip ] || expect_eq benign_musl_sample_ran "$rc_musl" 0

# ---- the event-generator suite's host cases -------------------------------------------------
if ! tt_upstream falco-evtgen-suite; then
    fail benign_evtgen_suite "$TT_UPSTREAM"
    exit 0
fi
cat "$upstream" "$TT_ROOT/etc/tartan_rules.yaml" >"$TT_TMP/combined.yaml"
python3 "$TT_ROOT/tests/evtgen/evtgen.py" --rules "$TT_TMP/combined.yaml" --host-only --keep \
    --prefix benign-evtgen. >"$TT_TMP/evtgen.out" 2>"$TT_TMP/evtgen.err"
work=$(sed -n 's/^work directory kept: //p' "$TT_TMP/evtgen.err" | tail -n 1)
totals=$(grep '^evtgen totals' "$TT_TMP/evtgen.out")
if grep -q '^FAIL' "$TT_TMP/evtgen.out" || [ -z "$totals" ]; then
    fail benign_evtgen_expectations_hold_with_tartan_rules "$totals $(grep -m3 '^FAIL' "$TT_TMP/evtgen.out")"
else # (the totals: in the arm64 stage this is the run of the suite's host cases)
    pass "benign_evtgen_expectations_hold_with_tartan_rules (${totals#evtgen totals: })"
fi
verdict=$(python3 - "$work" <<'PY'
import glob, json, sys
trusted = {"sshd", "sshd-session", "runc", "crun", "containerd", "dockerd", "kubelet",
           "kube-proxy", "systemd", "sudo", "falco", "logshipper"}
seen, wrong = {}, []
for path in glob.glob(sys.argv[1] + "/*/alerts.json"):
    for line in open(path, errors="replace"):
        try:
            a = json.loads(line)
        except ValueError:
            continue
        rule, f = a.get("rule"), a.get("output_fields", {})
        exe = f.get("proc.exepath") or ""
        if rule == "Fileless execution (memfd or O_TMPFILE)":
            ok = exe.startswith("/memfd:eg_")
        elif rule == "Process masquerading as a trusted program":
            ok = exe.endswith("/.eg-exe") and (f.get("proc.name") in trusted or
                                              (f.get("proc.exe") or "").rsplit("/", 1)[-1] in trusted)
        elif rule in ("Tartan tamper or evasion attempt", "Executable run from shared memory"):
            ok = False
        else:
            continue
        seen[rule] = seen.get(rule, 0) + 1
        if not ok:
            wrong.append(a.get("output", "")[:300])
print("ok" if not wrong else "wrong", seen, wrong[:3])
PY
)
rm -rf "$work"
case "$verdict" in
ok*) pass "benign_evtgen_new_rules_fire_only_on_the_suite_stand_ins (${verdict#ok })" ;;
*) fail benign_evtgen_new_rules_fire_only_on_the_suite_stand_ins "$verdict" ;;
esac
