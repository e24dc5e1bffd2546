#!/usr/bin/env bash
# tracer: a clone/clone3 that fails (no child, so no ptrace event) is reported with its -errno
# when the traced set names the clone family (-s ... clone, or -a), with and without the seccomp
# filter (fail-open); a successful fork is still reported exactly once (from its ptrace event,
# not again at the syscall exit). With the default set clones cost no syscall stop: only
# successful ones are reported. clone3 itself fails with ENOSYS unless allowed (--allow clone3:
# docs/security.md), so its failures are checked with it allowed.
# timeout: 60
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
T=$TT_BIN/tracer
W=$TT_HELPERS/tr_work

run() { # name tracer-options...
    local n=$1
    shift
    "$T" -q -w "$TT_TMP/$n.cap" "$@" -- "$W" badclone >"$TT_TMP/$n.out" 2>"$TT_TMP/$n.err"
    "$T" dump "$TT_TMP/$n.cap" >"$TT_TMP/$n.dump" 2>&1
}
check_failed() { # name
    local d=$TT_TMP/$1.dump pid
    expect_match "$1_workload" "$(cat "$TT_TMP/$1.out")" 'clone=-1 errno=22'
    expect_match "$1_clone_failed" "$(grep ' clone ret=-22 ' "$d")" 'clone_flags=(2048|0x800)\b'
    expect_match "$1_clone3_failed" "$(grep ' clone3 ret=-22 ' "$d")" ' clone3 ret=-22 '
    pid=$(sed -n 's/^fork=//p' "$TT_TMP/$1.out")
    expect_eq "$1_fork_reported_once" "$(grep -cE " (clone|fork) ret=$pid " "$d")" 1
}

run filter --allow clone3 -s openat,clone,clone3,fork,vfork
check_failed filter
run failopen --allow clone3 --fail-open -s openat,clone,clone3,fork,vfork
check_failed failopen
run all --allow clone3 -a
check_failed all
run denied -s openat,clone,clone3,fork,vfork
expect_match clone3_denied_by_default "$(cat "$TT_TMP/denied.out")" 'clone3=-1 errno=38'
expect_eq clone3_denied_no_event "$(grep -c ' clone3 ret=' "$TT_TMP/denied.dump")" 0

run default
pid=$(sed -n 's/^fork=//p' "$TT_TMP/default.out")
expect_eq default_fork_reported "$(grep -cE " (clone|fork) ret=$pid " "$TT_TMP/default.dump")" 1
expect_eq default_no_clone_stop "$(grep -cE ' clone3? ret=-' "$TT_TMP/default.dump")" 0
