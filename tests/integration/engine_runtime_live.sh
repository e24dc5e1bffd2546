#!/usr/bin/env bash
# Engine with the upstream ruleset (plus Tartan's) on a live traced workload, in both variants
# (under ASan + UBSan in the asan one): the engine writes TARTAN_SYSCALLS_FILE for the tracer,
# alerts come out, SIGTERM ends it with status 0 and no sanitizer finding.
# timeout: 180
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir

if ! tt_upstream falco-rules/falco_rules.yaml; then
    fail live-upstream-rules "$TT_UPSTREAM"
    exit 0
fi
upstream=$TT_UPSTREAM
if [ ! -x "$TT_BIN/tracer" ]; then
    skip live-upstream-rules "no tracer binary in $TT_BIN"
    exit 0
fi
key=$(printf '0x5454%04x' $(($$ & 0xffff)))
cat >"$TT_TMP/falco.yaml" <<'YAML'
json_output: true
syslog_output: {enabled: false}
rule_matching: all
watch_config_files: false
YAML
export TARTAN_SYSCALLS_FILE="$TT_TMP/syscalls.txt"
"$TT_BIN/engine" -c "$TT_TMP/falco.yaml" -r "$upstream" -r "$TT_ROOT/etc/tartan_rules.yaml" \
    -o "tartan.ring_key=$key" >"$TT_TMP/out" 2>"$TT_TMP/err" &
engine=$!
trap 'kill -9 $engine 2>/dev/null; ipcrm -M $key 2>/dev/null; rm -rf "$TT_TMP"' EXIT
wait_for 20 grep -q "waiting for the tracer" "$TT_TMP/err"
if grep -qx execve "$TT_TMP/syscalls.txt" 2>/dev/null && grep -qx openat "$TT_TMP/syscalls.txt"; then
    pass live-syscalls-file-written
else
    fail live-syscalls-file-written "$(tr '\n' ' ' <"$TT_TMP/syscalls.txt" 2>&1)"
fi
TT_RING_KEY=$key "$TT_BIN/tracer" sh -c 'cat /etc/shadow >/dev/null; ls / >/dev/null; sleep 0.05' \
    >"$TT_TMP/tracer.out" 2>"$TT_TMP/tracer.err"
trc=$?
expect_eq live-tracer-exit "$trc" 0
wait_for 15 grep -q '/etc/shadow' "$TT_TMP/out"
kill -TERM $engine
wait $engine
rc=$?
expect_eq live-engine-exit-0 "$rc" 0
if grep -q '"rule":"Read sensitive file untrusted"' "$TT_TMP/out"; then
    pass live-upstream-rule-fires
else
    fail live-upstream-rule-fires "$(head -c 400 "$TT_TMP/out") $(tail -n 5 "$TT_TMP/err")"
fi
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$TT_TMP/err"; then
    fail live-no-sanitizer-finding "$(grep -m1 -A5 -E 'Sanitizer|runtime error' "$TT_TMP/err")"
else
    pass live-no-sanitizer-finding
fi
if grep -v '^{' "$TT_TMP/out" | grep -q .; then
    fail live-stdout-only-alerts "$(grep -v '^{' "$TT_TMP/out" | head -n 3)"
else
    pass live-stdout-only-alerts
fi
