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

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; non-zero on timeout.
wait_for() {
    local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
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
