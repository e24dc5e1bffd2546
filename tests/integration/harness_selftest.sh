#!/usr/bin/env bash
# The test harness itself: a failed TT_REQUIRE ends its test with FAIL and the file goes on (a
# dereference after it never runs), a C test or file with no check fails, wait_for refuses to
# poll values fixed at call time and re-reads a function's value, and require / a file with no
# result in the shell and Python helpers fail. The inner harness output is captured, never
# printed as this file's own results.
# variants: plain asan
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
san=()
[ "$TT_VARIANT" = asan ] && san=(-fsanitize=address,undefined -fno-omit-frame-pointer)

# --- C: tests/unit/tt_test.h
cat >"$TT_TMP/h.c" <<'EOF'
#include "tt_test.h"
struct thing { int n; };
static struct thing *find(int ok) { static struct thing t = {3}; return ok ? &t : NULL; }
TT_TEST(a_require_stops_before_the_dereference)
{
    struct thing *t = find(0);
    TT_REQUIRE(t != NULL);
    TT_CHECK_INT(t->n, 3); /* would crash the file */
}
TT_TEST(b_runs_after_a_failed_require) { TT_CHECK_INT(find(1)->n, 3); }
TT_TEST(c_no_checks) { (void)find(1); }
TT_TEST(d_require_int) { TT_REQUIRE_INT(find(1)->n, 4); TT_CHECK(0); }
int main(void) { return tt_run_all(); }
EOF
printf '#include "tt_test.h"\nint main(void) { return tt_run_all(); }\n' >"$TT_TMP/none.c"
if cc -std=c11 -I"$TT_ROOT/tests/unit" "${san[@]}" -o "$TT_TMP/h" "$TT_TMP/h.c" 2>"$TT_TMP/cc.log" &&
    cc -std=c11 -I"$TT_ROOT/tests/unit" -o "$TT_TMP/none" "$TT_TMP/none.c" 2>>"$TT_TMP/cc.log"; then
    out=$("$TT_TMP/h" 2>&1); rc=$?
    echo "$out" >&2
    expect_match "c-require-reports-fail" "$out" "^FAIL a_require_stops_before_the_dereference: .*required check failed: t != NULL"
    expect_match "c-next-test-runs" "$out" "PASS b_runs_after_a_failed_require"
    expect_match "c-no-checks-fails" "$out" "FAIL c_no_checks: ran no checks"
    expect_match "c-require-int" "$out" "FAIL d_require_int: .*= 3, want 4 \(required\)"
    expect_eq "c-file-status" "$rc" 1
    out=$("$TT_TMP/none" 2>&1); rc=$?
    expect_match "c-file-without-tests-fails" "$out:$rc" "^FAIL .*no tests registered:1$"
else
    fail "c-harness-builds" "$(head -c 300 "$TT_TMP/cc.log")"
fi

# --- shell: wait_for and require
wait_for 1 test "$(echo a)" = a 2>"$TT_TMP/wf.err"
expect_eq "wait_for-refuses-fixed-test" "$?" 2
expect_match "wait_for-says-why" "$(cat "$TT_TMP/wf.err")" "compares values fixed"
echo 0 >"$TT_TMP/v"
(sleep 0.3; echo 1 >"$TT_TMP/v") &
value_is() { [ "$(cat "$TT_TMP/v")" = "$1" ]; }
if wait_for 5 value_is 1; then pass "wait_for-rereads-a-function"; else fail "wait_for-rereads-a-function" "never saw the new value"; fi
wait
if wait_for 5 test -s "$TT_TMP/v"; then pass "wait_for-accepts-file-tests"; else fail "wait_for-accepts-file-tests" "test -s refused or false"; fi
out=$(bash -c ". '$TT_ROOT/tests/lib/tt.sh'; require inner false; echo after" 2>/dev/null); rc=$?
expect_match "sh-require-ends-the-file" "$out:$rc" "^FAIL inner: required step failed.*:1$"

# --- Python: tests/lib/ttest.py
py() { PYTHONPATH="$TT_ROOT/tests/lib" python3 -c "$1" 2>/dev/null; }
out=$(py 'import ttest'); rc=$?
expect_match "py-no-checks-fails" "$out:$rc" "^FAIL .*ran no checks:1$"
out=$(py 'import ttest; ttest.passed("x")'); rc=$?
expect_eq "py-one-check-passes" "$out:$rc" "PASS x:0"
out=$(py 'import ttest; ttest.require("r", False, "down"); print("after")'); rc=$?
expect_match "py-require-ends-the-file" "$out:$rc" "^FAIL r: down; the remaining.*:1$"
