#!/usr/bin/env bash
# Engine main-loop overhead: `engine -e CAPTURE` (1.2M synthetic events, upstream ruleset) with
# the default configuration (watch_config_files: true, so an inotify watch is open) against the
# same run with watch_config_files: false (no housekeeping I/O at all). CPU seconds (user+sys,
# best of 3) and read() calls (strace -c, when strace exists). Before the housekeeping
# throttle the watched run made one failed read() per event (1.2M calls, about 2.3x the CPU).
set -u
: "${TT_ROOT:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TT_BIN:=$TT_ROOT/build/bin}"
# Falco's falco_rules.yaml, found as the tests find it (../shared, build/upstream/, download).
rules=$(sh "$TT_ROOT/tests/lib/upstream.sh" falco-rules/falco_rules.yaml) || echo "   $rules" >&2
n=${ENGINE_BENCH_EVENTS:-1200000}
if [ ! -f "$rules" ] || [ ! -x "$TT_BIN/engine" ] || [ ! -x /usr/bin/time ]; then
    echo "   engine_runtime_loop: skipped (need make all, /usr/bin/time and $rules)"
    exit 0
fi
tmp=$(mktemp -d /tmp/tartan-bench-loop.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gen=${TT_HELPERS:-$TT_ROOT/build/helpers}/gen_capture # (built by make; compiled here otherwise)
if [ ! -x "$gen" ]; then
    gen=$tmp/gen_capture
    cc -std=c11 -D_GNU_SOURCE -O2 -o "$gen" "$TT_ROOT/tests/helpers/gen_capture.c" || exit 0
fi
"$gen" "$tmp/big.cap" "$n" 7 >/dev/null || exit 0
printf 'json_output: true\nwatch_config_files: true\n' >"$tmp/watch.yaml"
printf 'json_output: true\nwatch_config_files: false\n' >"$tmp/nowatch.yaml"
cpu_best() { # config -> best user+sys seconds of 3 runs
    local best=""
    for _ in 1 2 3; do
        /usr/bin/time -o "$tmp/time" -f '%U %S' "$TT_BIN/engine" -c "$1" -r "$rules" \
            -e "$tmp/big.cap" >/dev/null 2>&1
        local t
        t=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/time")
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
    done
    echo "$best"
}
reads() {
    if ! command -v strace >/dev/null; then echo "?"; return; fi
    strace -f -c -e trace=read -o "$tmp/st" "$TT_BIN/engine" -c "$1" -r "$rules" \
        -e "$tmp/big.cap" >/dev/null 2>&1
    awk '$NF == "read" { print $4 }' "$tmp/st"
}
w=$(cpu_best "$tmp/watch.yaml")
nw=$(cpu_best "$tmp/nowatch.yaml")
printf '   %-48s %16s %22s\n' "engine -e, $n events" "watch (default)" "baseline: no watch"
printf '   %-48s %16s %22s\n' "CPU seconds (user+sys, best of 3)" "$w" "$nw"
printf '   %-48s %16s %22s\n' "events per CPU-second" \
    "$(awk -v n="$n" -v t="$w" 'BEGIN { if (t > 0) printf "%d", n / t; else print "?" }')" \
    "$(awk -v n="$n" -v t="$nw" 'BEGIN { if (t > 0) printf "%d", n / t; else print "?" }')"
printf '   %-48s %16s %22s\n' "read() calls" "$(reads "$tmp/watch.yaml")" "$(reads "$tmp/nowatch.yaml")"
