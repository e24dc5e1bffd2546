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

# tt_upstream NAME: an upstream file the tests need (Falco's falco_rules.yaml, ...), from
# tests/lib/upstream.sh: 0 with its path in $TT_UPSTREAM, or 1 with why and how to provide it in
# $TT_UPSTREAM (put that in the FAIL line). Tests never skip for a missing upstream file.
#   tt_upstream falco-rules/falco_rules.yaml || { fail my-test "$TT_UPSTREAM"; exit 0; }
tt_upstream() {
    TT_UPSTREAM=$(sh "$TT_ROOT/tests/lib/upstream.sh" "$1")
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

# The non-root uid (and gid) tests run programs as, and the prefix that runs a command as that
# uid with every capability gone (no effective, inheritable, ambient or bounding capability),
# as `docker run --user UID:UID --cap-drop ALL` would. Needs root and setpriv (util-linux).
: "${TT_NR_UID:=1000}"
TT_NONROOT=(setpriv "--reuid=$TT_NR_UID" "--regid=$TT_NR_UID" --clear-groups --inh-caps=-all
    --bounding-set=-all --)

# tt_nonroot_dir NAME: skips the test (returns 1) unless it runs as root with setpriv; else makes
# TT_NR_DIR=$TT_TMP/nr, which uid $TT_NR_UID may reach (needs tt_tmpdir).
tt_nonroot_dir() {
    if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
        skip "$1" "needs root and setpriv to run programs as another uid"
        return 1
    fi
    TT_NR_DIR=$TT_TMP/nr
    mkdir -p "$TT_NR_DIR"
    chmod 755 "$TT_TMP"
    tt_nonroot_reach "$TT_NR_DIR"
}

# tt_nonroot_reach DIR: when uid $TT_NR_UID cannot run the build where it is (a checkout below
# a directory closed to other users, such as /root), copies the programs and helpers into DIR
# and points TT_BIN and TT_HELPERS at the copies.
tt_nonroot_reach() {
    "${TT_NONROOT[@]}" test -x "$TT_BIN/tracer" -a -x "$TT_HELPERS/tr_work" && return 0
    echo "uid $TT_NR_UID cannot reach $TT_BIN: using copies in $1" >&2
    mkdir -p "$1/build"
    cp -a "$TT_BIN" "$1/build/bin" && cp -a "$TT_HELPERS" "$1/build/helpers"
    chmod -R a+rX "$1/build"
    TT_BIN=$1/build/bin TT_HELPERS=$1/build/helpers
}

# tt_alert FILE RULE [FIELD=VALUE]...: the output fields (JSON) of the first alert of RULE in the
# engine's JSON alert file FILE whose output fields have those values (a field without a value
# reads None); nothing when there is none.
tt_alert() {
    python3 - "$@" <<'EOF'
import json, sys
path, rule, want = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
for line in open(path):
    try:
        a = json.loads(line)
    except ValueError:
        continue
    f = a.get("output_fields", {})
    if a.get("rule") == rule and all(str(f.get(k)) == v for k, v in want.items()):
        print(json.dumps(f, sort_keys=True))
        break
EOF
}

# tt_listen: a TCP listener on 127.0.0.1 that accepts and closes, in the background, until the
# test exits: sets TT_LISTEN_PORT and TT_LISTEN_PID, returns once it accepts.
tt_listen() {
    TT_LISTEN_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, _ = s.accept(); c.close()' "$TT_LISTEN_PORT" &
    TT_LISTEN_PID=$!
    wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$TT_LISTEN_PORT"
}
