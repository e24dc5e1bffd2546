#!/usr/bin/env bash
# logshipper's command line: --version and --help exit 0 with their text on stdout; an unknown
# option is a usage error (exit non-zero, usage on stderr) and ships nothing.
. "$(dirname "$0")/../lib/tt.sh"
LS=$TT_BIN/logshipper

out=$("$LS" --version 2>/dev/null); rc=$?
expect_eq version-exit "$rc" 0
expect_match version-text "$out" '^logshipper [0-9]+\.[0-9]+\.[0-9]+ \(libcurl/[0-9.]+.*OpenSSL'

out=$("$LS" --help 2>/dev/null); rc=$?
expect_eq help-exit "$rc" 0
expect_match help-lists-version "$out" '--version'

err=$("$LS" --no-such-option </dev/null 2>&1 >/dev/null); rc=$?
if [ "$rc" -ne 0 ]; then pass bad-option-fails; else fail bad-option-fails "exit 0"; fi
expect_match bad-option-usage "$err" 'usage: logshipper'
