# Shell helpers for Tartan integration tests. Source it:  . "$TT_ROOT/tests/lib/tt.sh"
# Results go to stdout as PASS/FAIL/SKIP lines (see tests/run.sh); diagnostics to stderr.
: "${TT_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${TT_BIN:=$TT_ROOT/build/bin}"
: "${TT_HELPERS:=$TT_ROOT/build/helpers}"
: "${TT_VARIANT:=plain}"
: "${TT_SHARED:=$TT_ROOT/../shared}"
export TT_ROOT TT_BIN TT_HELPERS TT_VARIANT TT_SHARED

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: ${2:-failed}"; }
skip() { echo "SKIP $1: ${2:?skip needs a reason}"; }

# check NAME CMD...: PASS if CMD succeeds, else FAIL with its status.
check() {
    local name=$1; shift
    if "$@" >&2; then pass "$name"; else fail "$name" "command failed ($?): $*"; fi
}

# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# expect_match NAME TEXT REGEX (extended)
expect_match() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then pass "$1"; else fail "$1" "'$(printf '%s' "$2" | head -c 300)' does not match /$3/"; fi
}

# require NAME CMD...: like check, but fatal: when CMD fails the file reports FAIL NAME and
# ends (exit 1), for a step the rest of the file depends on (a daemon that must be up, a file
# the next checks read).
require() {
    local name=$1; shift
    if "$@" >&2; then
        pass "$name"
    else
        fail "$name" "required step failed ($?): $*; the remaining checks of this file did not run"
        exit 1
    fi
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; non-zero on timeout.
# CMD runs again at every poll, but its arguments were expanded once, when wait_for was called:
# `wait_for 5 test "$(pidof x)" = 3` would compare the same two strings forever. So `test`/`[`
# is accepted only with a file operator (test -s FILE, test A -nt B), which reads live state;
# anything else is refused (status 2). Poll a value with a function that reads it:
#   traced() { [ "$(tracer_of "$1")" = "$2" ]; };  wait_for 15 traced "$pid" "$tp"
wait_for() {
    local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
    if [ "$1" = test ] || [ "$1" = "[" ]; then
        local a=("${@:2}")
        [ "$1" = "[" ] && a=("${a[@]:0:${#a[@]}-1}")
        [ "${a[0]}" = "!" ] && a=("${a[@]:1}")
        if ! { [ ${#a[@]} -eq 2 ] && [[ "${a[0]}" =~ ^-[bcdefgGhkLOprsSuwx]$ ]]; } &&
            ! { [ ${#a[@]} -eq 3 ] && [[ "${a[1]}" =~ ^-(nt|ot|ef)$ ]]; }; then
            echo "wait_for: '$*' compares values fixed when wait_for was called; poll a function that re-reads them (tests/lib/tt.sh)" >&2
            return 2
        fi
    fi
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# A fresh temporary directory removed at exit.
tt_tmpdir() {
    TT_TMP=$(mktemp -d /tmp/tartan-test.XXXXXX)
    trap 'rm -rf "$TT_TMP"' EXIT
}

# tt_fuzz NAME SECONDS CORPUS_DIR: runs the libFuzzer target build-fuzz/fuzz/NAME (from `make fuzz`)
# for SECONDS on CORPUS_DIR (needs tt_tmpdir); PASS when it finishes clean, FAIL on any crash, leak
# or sanitizer report, SKIP when it is not built.
tt_fuzz() {
    local name=$1 secs=$2 corpus=$3 bin="$TT_ROOT/build-fuzz/fuzz/$1" log="$TT_TMP/$1.log" rc
    if [ ! -x "$bin" ]; then
        skip "$name" "not built ($bin); run make fuzz"
        return 0
    fi
    (cd "$TT_TMP" && "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$TT_TMP/crash-$name-" "$corpus" >"$log" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && grep -q "^Done" "$log"; then
        pass "$name ($(grep '^Done' "$log"))"
    else
        tail -n 30 "$log" >&2
        fail "$name" "fuzzer exited $rc: $(grep -m1 -E 'ERROR|SUMMARY' "$log")"
    fi
}
