#!/usr/bin/env bash
# launcher and waitforever run in an image with no libc at all: a chroot holding only the two
# binaries. Also checks they are static (no ELF interpreter) and waitforever's size budget
# (< 100 KiB stripped). Plain variant only: the ASan build is dynamic by nature.
# variants: plain
# timeout: 60
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
R=$TT_TMP/root
mkdir -p "$R"
cp "$TT_BIN/launcher" "$TT_BIN/waitforever" "$R/"
expect_eq empty_root_contents "$(cd "$R" && find . | sort | tr '\n' ' ')" ". ./launcher ./waitforever "

size=$(stat -c %s "$TT_BIN/waitforever")
if [ "$size" -lt 102400 ]; then pass waitforever_under_100KiB; else fail waitforever_under_100KiB "$size bytes"; fi
echo "sizes: waitforever $size bytes, launcher $(stat -c %s "$TT_BIN/launcher") bytes" >&2
for b in launcher waitforever; do
    if ! command -v readelf >/dev/null; then
        skip "${b}_static" "readelf not installed"
    elif readelf -l "$TT_BIN/$b" | grep -q INTERP; then
        fail "${b}_static" "has an ELF interpreter (dynamically linked)"
    else
        pass "${b}_static"
    fi
done

out=$(chroot "$R" /waitforever --version 2>&1)
expect_match chroot_waitforever_version "$out" '^waitforever '
out=$(chroot "$R" /launcher --version 2>&1)
expect_match chroot_launcher_version "$out" '^launcher '
err=$(chroot "$R" /launcher /no-such-program 2>&1 </dev/null)
expect_eq chroot_not_found_127 "$?" 127
expect_match chroot_not_found_message "$err" '^\[launcher\] error: .*no-such-program'
# No PATH lookup possible in an empty root either: still one clear line.
err=$(chroot "$R" /launcher waitforever 2>&1 </dev/null)
expect_eq chroot_path_lookup_127 "$?" 127

# The image's real use: launcher runs waitforever in the foreground and in the background;
# SIGTERM to launcher reaches the foreground, then the background is stopped; exit 0.
chroot "$R" /launcher /waitforever -- /waitforever </dev/null 2>"$TT_TMP/err" &
cpid=$!
two_children() { [ "$(ps -o pid= --ppid "$1" | wc -l)" -eq 2 ]; }
if wait_for 10 two_children "$cpid"; then
    pass chroot_both_started
else
    fail chroot_both_started "launcher in the chroot did not start two children"
fi
sleep 0.1
t0=$(date +%s%N)
kill -TERM "$cpid"
wait "$cpid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq chroot_sigterm_exit_0 "$rc" 0
if [ "$ms" -lt 2000 ]; then pass chroot_stop_prompt; else fail chroot_stop_prompt "took ${ms} ms"; fi
expect_eq chroot_no_stderr "$(cat "$TT_TMP/err")" ""
