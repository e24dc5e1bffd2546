#!/usr/bin/env bash
# Time to load and compile the upstream Falco rules (engine -V: process start, YAML, merge,
# lists/macros, conditions, outputs, index) and the peak RSS of that process: the stable file
# alone, and the three upstream files together (stable, incubating, sandbox), side by side.
# Target: load < 50 ms, RSS < 16 MiB. Baseline: Falco 0.44 needs ~0.5-1 s and >100 MiB to
# start with the stable ruleset (driver and plugin init included).
set -u
: "${TT_ROOT:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TT_BIN:=$TT_ROOT/build/bin}"
# Falco's three rules files, found as the tests find them (../shared, build/upstream/, download).
R=$(sh "$TT_ROOT/tests/lib/upstream.sh" falco-rules) || echo "   $R" >&2
stable=(-V "$R/falco_rules.yaml")
all=(-V "$R/falco_rules.yaml" -V "$R/falco-incubating_rules.yaml" -V "$R/falco-sandbox_rules.yaml")
eng="$TT_BIN/engine"
if [ ! -x "$eng" ] || [ ! -f "$R/falco_rules.yaml" ] || [ ! -f "$R/falco-sandbox_rules.yaml" ]; then
    echo "   engine_load: skipped (need $eng and the three files in $R)"
    exit 0
fi
cfg=$(mktemp /tmp/tartan-bench.XXXXXX)
trap 'rm -f "$cfg" "$cfg.rss"' EXIT
echo "rules_files: []" >"$cfg"
runs=20
measure() { # -> "best_us mean_us rss_kib"
    local best=999999999 total=0 d t0 t1 rss="?"
    for _ in $(seq $runs); do
        t0=$(date +%s%N)
        "$eng" -c "$cfg" "$@" >/dev/null 2>&1
        t1=$(date +%s%N)
        d=$(((t1 - t0) / 1000))
        total=$((total + d))
        [ $d -lt $best ] && best=$d
    done
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -o "$cfg.rss" -f '%M' "$eng" -c "$cfg" "$@" >/dev/null 2>&1
        rss=$(tail -n 1 "$cfg.rss" 2>/dev/null)
    fi
    echo "$best $((total / runs)) ${rss:-?}"
}
read -r sb sm sr <<<"$(measure "${stable[@]}")"
read -r ab am ar <<<"$(measure "${all[@]}")"
ms() { printf '%d.%02d ms' $(($1 / 1000)) $((($1 % 1000) / 10)); }
printf '   %-34s %16s %16s %12s\n' "metric (engine -V)" "stable file" "all three files" "target"
printf '   %-34s %16s %16s %12s\n' "load+compile (best of $runs)" "$(ms "$sb")" "$(ms "$ab")" "< 50 ms"
printf '   %-34s %16s %16s %12s\n' "load+compile (mean)" "$(ms "$sm")" "$(ms "$am")" "< 50 ms"
printf '   %-34s %12s KiB %12s KiB %12s\n' "peak RSS" "$sr" "$ar" "< 16384 KiB"
