#!/usr/bin/env bash
# One exit-code vocabulary (docs/exit-codes.md, lib/tt_exit.h): a usage error is 125 in every
# program, each --help and docs page states the codes it uses, and the wrappers pass the
# workload's status through (N, 126, 127, 128+N).
# variants: plain asan
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
B=$TT_BIN
cd "$TT_TMP" || exit 1

# --- a usage error is 125 everywhere, with one line saying what was wrong
usage() { # name cmd...
    local name=$1 err rc; shift
    err=$("$@" 2>&1 >/dev/null </dev/null); rc=$?
    expect_eq "usage-$name-125" "$rc" 125
    if [ -n "$err" ]; then pass "usage-$name-says-why"; else fail "usage-$name-says-why" "nothing on stderr"; fi
}
usage launcher "$B/launcher" --launcher-no-such-option true
usage waitforever "$B/waitforever" extra-argument
usage tracer "$B/tracer" --no-such-option true
usage engine "$B/engine" --no-such-option
usage logshipper "$B/logshipper" --no-such-option
usage instrument "$B/instrument" --no-such-option
usage tracer-bad-value env TARTAN_GRACE=-5 "$B/tracer" -w "$TT_TMP/cap" true
usage logshipper-no-group env -u __CW_LOG_GROUP "$B/logshipper"

# --- --help: exit 0, and the codes are listed
for p in launcher waitforever tracer engine logshipper instrument; do
    out=$("$B/$p" --help 2>&1); rc=$?
    expect_eq "help-$p-exit-0" "$rc" 0
    expect_match "help-$p-lists-125" "$out" "Exit status:.*|125"
    expect_match "help-$p-names-the-table" "$(printf '%s' "$out" | tr '\n' ' ')" "125 [a-z ,()-]*usage|usage error.*125|125 launcher usage"
done

# --- the docs agree: every program's page has an Exit codes table with 125 as usage error
for p in launcher waitforever tracer engine logshipper instrument; do
    page="$TT_ROOT/docs/$p.md"
    table=$(sed -n '/^## Exit codes/,/^## /p' "$page")
    expect_match "docs-$p-usage-125" "$table" "^\| 125 \|.*[Uu]sage"
    if printf '%s' "$table" | grep -Eq '^\| 2 \|.*[Uu]sage'; then
        fail "docs-$p-no-old-usage-code" "an Exit codes row still gives 2 for a usage error"
    else
        pass "docs-$p-no-old-usage-code"
    fi
done
expect_match "docs-exit-codes-table" "$(cat "$TT_ROOT/docs/exit-codes.md")" "^\| 125 \| \*\*usage error\*\*"
# the header and the table say the same number
expect_match "tt_exit-h-usage" "$(cat "$TT_ROOT/lib/tt_exit.h")" "#define TT_EXIT_USAGE 125"

# --- pass-through in the wrappers (launcher; tracer writing a capture file, no engine needed)
printf '#!/bin/sh\nexit 0\n' >notexec.sh
chmod 0644 notexec.sh
wrap() { # name expected cmd...
    local name=$1 want=$2; shift 2
    "$@" >/dev/null 2>&1 </dev/null
    expect_eq "$name" "$?" "$want"
}
for w in launcher tracer; do
    pre=("$B/launcher")
    [ "$w" = tracer ] && pre=("$B/tracer" -q -w "$TT_TMP/cap.$w")
    wrap "$w-passes-status-through" 3 "${pre[@]}" sh -c 'exit 3'
    wrap "$w-killed-by-signal-128+N" 143 "${pre[@]}" sh -c 'kill -TERM $$'
    wrap "$w-not-found-127" 127 "${pre[@]}" /nonexistent/workload
    wrap "$w-cannot-execute-126" 126 "${pre[@]}" ./notexec.sh
done
