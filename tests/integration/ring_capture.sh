#!/usr/bin/env bash
# Capture files through the dump command: round trip (file and stdin), a truncated file and a
# corrupt record are reported with the file name and the record's offset (exit 1, events
# before it printed), a foreign or other-version file is refused (exit 3).
# timeout: 60
. "${TT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tt.sh"
H=$TT_HELPERS
T=$TT_BIN/tracer
tt_tmpdir
F=$TT_TMP/events.cap

"$H/ring_produce" --capture "$F" --count 1000 --namelen 5 >/dev/null
$T dump "$F" >"$TT_TMP/d1.out" 2>"$TT_TMP/d1.err"
rc=$?
$T dump - <"$F" >"$TT_TMP/d1b.out" 2>/dev/null
rcb=$?
n=$(wc -l <"$TT_TMP/d1.out")
first=$(head -n 1 "$TT_TMP/d1.out")
if [ "$rc" -eq 0 ] && [ "$n" -eq 1000 ] && [ "$rcb" -eq 0 ] && cmp -s "$TT_TMP/d1.out" "$TT_TMP/d1b.out" &&
    [ "$first" = "1700000000.000000000 1000/1000 openat ret=0 dirfd=-100 name=/tmp/ring-test/0xxxxx flags=0x241 fd=0" ] &&
    [ "$(stat -c %a "$F")" = 600 ]; then
    pass capture_round_trip
else
    fail capture_round_trip "rc=$rc stdin rc=$rcb lines=$n first='$first' $(cat "$TT_TMP/d1.err")"
fi

# The last record (seq 999, name "/tmp/ring-test/999xxxxx" = 23 bytes) is 32 (header) +
# 16 (dirfd) + 8+23 (name) + 16 (flags) + 16 (fd) = 111 bytes, padded to 112.
size=$(stat -c %s "$F")
last_off=$((size - 112))
cp "$F" "$TT_TMP/trunc.cap"
truncate -s $((size - 5)) "$TT_TMP/trunc.cap"
$T dump "$TT_TMP/trunc.cap" >"$TT_TMP/d2.out" 2>"$TT_TMP/d2.err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TT_TMP/d2.out")" -eq 999 ] &&
    grep -q "$TT_TMP/trunc.cap: truncated record at offset $last_off " "$TT_TMP/d2.err"; then
    pass truncated_capture_names_file_and_offset
else
    fail truncated_capture_names_file_and_offset "rc=$rc lines=$(wc -l <"$TT_TMP/d2.out") want offset $last_off: $(cat "$TT_TMP/d2.err")"
fi

# Corrupt the type of record 10 (records 0..9 have 1-digit names: 32+16+8+21+16+16 = 109 -> 112).
off=$((64 + 10 * 112))
cp "$F" "$TT_TMP/bad.cap"
printf '\xff\xff' | dd of="$TT_TMP/bad.cap" bs=1 seek=$((off + 4)) conv=notrunc status=none
$T dump "$TT_TMP/bad.cap" >"$TT_TMP/d3.out" 2>"$TT_TMP/d3.err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TT_TMP/d3.out")" -eq 10 ] &&
    grep -q "$TT_TMP/bad.cap: corrupt record at offset $off " "$TT_TMP/d3.err"; then
    pass corrupt_capture_names_file_and_offset
else
    fail corrupt_capture_names_file_and_offset "rc=$rc lines=$(wc -l <"$TT_TMP/d3.out") want offset $off: $(cat "$TT_TMP/d3.err")"
fi

# Not a capture file; a capture of another format version.
head -c 4096 /dev/urandom >"$TT_TMP/random.cap"
$T dump "$TT_TMP/random.cap" >/dev/null 2>"$TT_TMP/d4.err"
rc=$?
cp "$F" "$TT_TMP/v2.cap"
printf '\x02' | dd of="$TT_TMP/v2.cap" bs=1 seek=8 conv=notrunc status=none
$T dump "$TT_TMP/v2.cap" >/dev/null 2>"$TT_TMP/d5.err"
rc2=$?
if [ "$rc" -eq 3 ] && grep -q "random.cap: not a Tartan event stream (bad magic)" "$TT_TMP/d4.err" &&
    [ "$rc2" -eq 3 ] && grep -q "v2.cap: event stream format version 2, this program reads version 1" "$TT_TMP/d5.err"; then
    pass foreign_and_other_version_capture_refused
else
    fail foreign_and_other_version_capture_refused "rc=$rc $(cat "$TT_TMP/d4.err") rc2=$rc2 $(cat "$TT_TMP/d5.err")"
fi

$T dump "$TT_TMP/missing.cap" >/dev/null 2>"$TT_TMP/d6.err"
rc=$?
$T dump --bogus >/dev/null 2>&1
urc=$?
if [ "$rc" -eq 3 ] && grep -q "missing.cap: cannot open" "$TT_TMP/d6.err" && [ "$urc" -eq 2 ]; then
    pass dump_exit_codes
else
    fail dump_exit_codes "missing rc=$rc usage rc=$urc"
fi
