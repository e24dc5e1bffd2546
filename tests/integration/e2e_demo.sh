#!/usr/bin/env bash
# `make demo` (tests/demo.sh): the sample workload traced on the host with the engine; the
# alerts of Tartan's default rules for what it did come out on stdout, and the workload's own
# output goes to stderr; the exit status is the workload's.
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir

if [ "$(id -u)" -ne 0 ]; then
    skip "demo" "the demo's /etc actions need root"
    exit 0
fi
DEMO_ROUNDS=2 bash "$TT_ROOT/tests/demo.sh" >"$TT_TMP/out" 2>"$TT_TMP/err"
rc=$?
cat "$TT_TMP/err" >&2
expect_eq "demo-exit-status" "$rc" 0
out=$(cat "$TT_TMP/out")
n_shadow=$(grep -c 'Sensitive file opened for reading (.*file=/etc/shadow' "$TT_TMP/out")
expect_eq "demo-shadow-alerts" "$n_shadow" 2
n_etc=$(grep -c 'File below /etc opened for writing (.*file=/etc/tartan-demo-' "$TT_TMP/out")
expect_eq "demo-etc-alerts" "$n_etc" 2
# The workload's loopback connection is ordinary traffic: made, and not reported.
n_conn=$(grep -c 'Outbound network connection (.*dstip=127.0.0.1' "$TT_TMP/out")
n_made=$(grep -c '^sample: connected to 127.0.0.1:' "$TT_TMP/err")
expect_eq "demo-loopback-connect-not-reported" "$n_made $n_conn" "2 0"
if grep -q '^sample: ' "$TT_TMP/out"; then
    fail "demo-workload-output-on-stderr" "workload lines on stdout"
else
    expect_match "demo-workload-output-on-stderr" "$(cat "$TT_TMP/err")" '^sample: done after 2 rounds'
fi
leftover=$(ls /etc/tartan-demo-* 2>/dev/null)
expect_eq "demo-leaves-nothing-in-etc" "$leftover" ""
