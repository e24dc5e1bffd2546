#!/usr/bin/env bash
# logshipper's command line: --version and --help exit 0 with their text on stdout; an unknown
# option is a usage error (exit non-zero, usage on stderr) and ships nothing; LOGSHIPPER_DEADLINE
# is the default of --deadline.
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

# LOGSHIPPER_DEADLINE (the engine passes its stop budget this way) is the default of --deadline;
# a value that is not a number of seconds is a usage error naming the variable.
err=$(LOGSHIPPER_DEADLINE=soon "$LS" -g g --region us-east-1 </dev/null 2>&1); rc=$?
expect_eq deadline-env-bad-exit "$rc" 125
expect_match deadline-env-bad-says "$err" 'LOGSHIPPER_DEADLINE=soon: not a number of seconds'
err=$(LOGSHIPPER_DEADLINE=3 AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
    "$LS" -g g --region us-east-1 --endpoint http://127.0.0.1:9 </dev/null 2>&1)
expect_match deadline-env-used "$err" 'delivering what was read \(deadline 3s\)'
err=$(LOGSHIPPER_DEADLINE=3 AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
    "$LS" -g g --region us-east-1 --endpoint http://127.0.0.1:9 --deadline 1 </dev/null 2>&1)
expect_match deadline-flag-wins "$err" 'delivering what was read \(deadline 1s\)'
