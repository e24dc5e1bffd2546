#!/usr/bin/env bash
# launcher: exit statuses (0, 3, 128+9, 127, 126, 125), one [launcher] stderr line for exec
# failures, PATH lookup, "----" escaping, --help/--version.
# timeout: 120
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
L=$TT_BIN/launcher

run() { # run CMD...: sets rc, out (stdout), err (stderr)
    "$@" >"$TT_TMP/out" 2>"$TT_TMP/err" </dev/null
    rc=$?
    out=$(cat "$TT_TMP/out")
    err=$(cat "$TT_TMP/err")
}

run "$L" true
expect_eq exit_0 "$rc" 0
run "$L" sh -c 'exit 3'
expect_eq exit_3 "$rc" 3
run "$L" sh -c 'kill -9 $$'
expect_eq exit_128_plus_9 "$rc" 137
run "$L" sh -c 'kill -TERM $$'
expect_eq exit_128_plus_15 "$rc" 143
# The exit status is the foreground's even when a background command fails.
run "$L" sh -c 'exit 4' -- sh -c 'exit 9'
expect_eq exit_fg_status_not_bg "$rc" 4

# Not found: 127 and exactly one stderr line, starting with [launcher].
run "$L" tt-no-such-command-xyz arg
expect_eq not_found_127 "$rc" 127
expect_eq not_found_one_line "$(printf '%s\n' "$err" | wc -l)" 1
expect_match not_found_message "$err" '^\[launcher\] error: .*tt-no-such-command-xyz.*not found'
run "$L" "$TT_TMP/missing"
expect_eq missing_path_127 "$rc" 127

# Not executable: 126, one line.
printf 'echo hi\n' >"$TT_TMP/noexec"
chmod 644 "$TT_TMP/noexec"
run "$L" "$TT_TMP/noexec"
expect_eq not_executable_126 "$rc" 126
expect_eq not_executable_one_line "$(printf '%s\n' "$err" | wc -l)" 1
expect_match not_executable_message "$err" '^\[launcher\] error: .*noexec.*cannot execute'
# Executable bit but no shebang and not ELF: exec fails with ENOEXEC -> 126.
printf 'garbage\n' >"$TT_TMP/badformat"
chmod 755 "$TT_TMP/badformat"
run "$L" "$TT_TMP/badformat"
expect_eq bad_format_126 "$rc" 126
expect_match bad_format_message "$err" '^\[launcher\] error: .*badformat.*[Ee]xec format'
run "$L" "$TT_TMP"
expect_eq directory_126 "$rc" 126
# A missing background command: nothing is started, 127.
run "$L" sh -c "touch $TT_TMP/fg-ran" -- tt-no-such-command-xyz
expect_eq bg_not_found_127 "$rc" 127
check bg_not_found_fg_not_started test ! -e "$TT_TMP/fg-ran"

# A foreground that waits (at most 5 s) until the launcher's stdout holds the text "$0".
WAIT_FOR_OUT='i=0; until grep -q "$0" '"$TT_TMP/out"' || [ $i -ge 250 ]; do i=$((i+1)); sleep 0.02; done'

# PATH lookup: a command in a private directory is found through PATH only.
mkdir "$TT_TMP/bin"
printf '#!/bin/sh\necho "found $*"\nexit 7\n' >"$TT_TMP/bin/tt-path-tool"
chmod 755 "$TT_TMP/bin/tt-path-tool"
run env PATH="$TT_TMP/bin:$PATH" "$L" tt-path-tool a b
expect_eq path_lookup_status "$rc" 7
expect_eq path_lookup_output "$out" "found a b"
# ... and for background commands too.
run env PATH="$TT_TMP/bin:$PATH" "$L" sh -c "$WAIT_FOR_OUT" "found bg" -- tt-path-tool bg
expect_eq path_lookup_bg "$out" "found bg"
# A non-executable file earlier in PATH is skipped, like execvp.
mkdir "$TT_TMP/bin0"
printf 'echo wrong\n' >"$TT_TMP/bin0/tt-path-tool"
run env PATH="$TT_TMP/bin0:$TT_TMP/bin:$PATH" "$L" tt-path-tool c
expect_eq path_lookup_skips_non_executable "$out" "found c"
# Only a non-executable candidate: 126.
run env PATH="$TT_TMP/bin0" "$L" tt-path-tool
expect_eq path_lookup_only_non_executable_126 "$rc" 126

# "----" stands for "--" inside commands; "--" separates them.
# (the foreground waits for the background's output: at its exit the background is stopped)
run "$L" sh -c 'i=0; until [ -s "$0" ] || [ $i -ge 250 ]; do i=$((i+1)); sleep 0.02; done; printf "fg:%s|" "$@"' "$TT_TMP/bgout" a ---- b \
    -- sh -c 'printf "bg:%s|" "$@" >"$0"' "$TT_TMP/bgout" c ---- d
expect_eq escape_fg "$out" "fg:a|fg:--|fg:b|"
expect_eq escape_bg "$(cat "$TT_TMP/bgout" 2>/dev/null)" "bg:c|bg:--|bg:d|"

# Launcher options only before FG; unknown ones are a usage error (125).
run "$L" --launcher-bogus true
expect_eq usage_unknown_option_125 "$rc" 125
expect_match usage_message "$err" '^\[launcher\] error: unknown option'
run "$L"
expect_eq usage_no_command_125 "$rc" 125
run "$L" sh -c 'echo "$1"' x --launcher-grace=1
expect_eq option_after_fg_is_argument "$out" "--launcher-grace=1"
run "$L" --help
expect_eq help_exit_0 "$rc" 0
expect_match help_text "$out" 'LAUNCHER_GRACE_PERIOD'
run "$L" --launcher-version
expect_match version_text "$out" '^launcher [0-9]'
