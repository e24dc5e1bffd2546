#!/usr/bin/env bash
# Runs the event-record fuzz target (tests/fuzz/fuzz_lib_event.c: tt_event_validate, parameter
# walk, tt_event_format on arbitrary bytes) for a short while, seeded with real records cut
# from a capture file. Built by `make fuzz` (part of `make test`).
# variants: plain
# timeout: 120
. "${TT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tt.sh"
F=$TT_ROOT/build-fuzz/fuzz/fuzz_lib_event
if [ ! -x "$F" ]; then
    skip fuzz_lib_event "build-fuzz/fuzz/fuzz_lib_event not built (make fuzz)"
    exit 0
fi
tt_tmpdir
mkdir -p "$TT_TMP/corpus"
"$TT_HELPERS/ring_produce" --capture "$TT_TMP/seed.cap" --count 40 --namelen 7 >/dev/null
python3 - "$TT_TMP/seed.cap" "$TT_TMP/corpus" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, n = 64, 0
while off + 32 <= len(data):
    (ln,) = struct.unpack_from("<I", data, off)
    open(f"{sys.argv[2]}/rec{n}", "wb").write(data[off:off + ln])
    off += ln
    n += 1
PY
"$F" -max_total_time="${TT_FUZZ_SECONDS:-20}" -max_len=8192 -timeout=10 "$TT_TMP/corpus" \
    >"$TT_TMP/fuzz.log" 2>&1
rc=$?
tail -n 5 "$TT_TMP/fuzz.log" >&2
if [ "$rc" -eq 0 ] && grep -q "^Done [0-9]* runs" "$TT_TMP/fuzz.log"; then
    pass fuzz_lib_event
else
    fail fuzz_lib_event "libFuzzer exited $rc: $(grep -m1 -E 'ERROR|SUMMARY|deadly' "$TT_TMP/fuzz.log")"
fi
