#!/usr/bin/env bash
# Time to load and compile the upstream Falco ruleset (engine -V: process start, YAML, merge,
# lists/macros, conditions, outputs, index) and the peak RSS of that process.
# Target: load < 50 ms, RSS < 16 MiB. Baseline: Falco 0.44 needs ~0.5-1 s and >100 MiB to
# start with the same ruleset (driver and plugin init included).
set -u
: "${TT_ROOT:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TT_BIN:=$TT_ROOT/build/bin}"
# Falco's falco_rules.yaml, found as the tests find it (../shared, build/upstream/, download).
rules=$(sh "$TT_ROOT/tests/lib/upstream.sh" falco-rules/falco_rules.yaml) || echo "   $rules" >&2
eng="$TT_BIN/engine"
if [ ! -x "$eng" ] || [ ! -f "$rules" ]; then
    echo "   engine_load: skipped (need $eng and $rules)"
    exit 0
fi
cfg=$(mktemp /tmp/tartan-bench.XXXXXX)
trap 'rm -f "$cfg"' EXIT
echo "rules_files: []" >"$cfg"
runs=20 best=999999999 total=0
for _ in $(seq $runs); do
    t0=$(date +%s%N)
    "$eng" -c "$cfg" -V "$rules" >/dev/null 2>&1
    t1=$(date +%s%N)
    d=$(( (t1 - t0) / 1000 ))
    total=$((total + d))
    [ $d -lt $best ] && best=$d
done
rss="?"
if [ -x /usr/bin/time ]; then
    /usr/bin/time -o "$cfg.rss" -f '%M' "$eng" -c "$cfg" -V "$rules" >/dev/null 2>&1
    rss=$(tail -n 1 "$cfg.rss" 2>/dev/null)
    rm -f "$cfg.rss"
fi
printf '   %-40s %12s %12s\n' "metric" "tartan" "target"
printf '   %-40s %9d.%02d ms %12s\n' "load+compile upstream ruleset (best)" $((best / 1000)) $(((best % 1000) / 10)) "< 50 ms"
printf '   %-40s %9d.%02d ms %12s\n' "load+compile upstream ruleset (mean)" $((total / runs / 1000)) $(((total / runs % 1000) / 10)) "< 50 ms"
printf '   %-40s %9s KiB %12s\n' "peak RSS (engine -V)" "${rss:-?}" "< 16384 KiB"
