#!/usr/bin/env bash
# Engine throughput over a large synthetic capture (tests/helpers/gen_capture: 1.2M events, web
# server + app + shell mix, a few alerts) with the upstream Falco ruleset:
#  - pipeline only (bench/engine_throughput.c linked with the engine objects): events/s,
#    ns/event, evaluation-only ns/event (capture reading subtracted), peak RSS;
#  - the engine binary end to end (engine -e CAPTURE, outputs to /dev/null): wall and CPU time,
#    peak RSS.
# Figures per CPU-second are the stable ones on a loaded machine; wall-clock figures are shown
# too. Targets: >= 1M events/s per core, RSS < 16 MiB. Baseline: Falco needs about 1 CPU for 250K
# syscalls/s and hundreds of MiB (falco.org performance blog, see the engine digest section i.2).
set -u
: "${TT_ROOT:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TT_BIN:=$TT_ROOT/build/bin}"
: "${TT_SHARED:=$TT_ROOT/../shared}"
OBJ=${TT_OBJ:-$TT_ROOT/build/obj}
rules="$TT_SHARED/falco-rules/falco_rules.yaml"
n=${ENGINE_BENCH_EVENTS:-1200000}
tmp=$(mktemp -d /tmp/tartan-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ ! -f "$rules" ] || [ ! -d "$OBJ/engine" ] || [ ! -f "$OBJ/libtartan.a" ]; then
    echo "   engine_throughput: skipped (need make all and $rules)"
    exit 0
fi
cc -std=c11 -D_GNU_SOURCE -O2 -o "$tmp/gen_capture" "$TT_ROOT/tests/helpers/gen_capture.c" || exit 0
objs=$(ls "$OBJ"/engine/*.o | grep -v '/main\.o$')
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wformat=2 -Werror -I"$TT_ROOT/lib" -I"$TT_ROOT/engine" -o "$tmp/engine_throughput" \
    "$TT_ROOT/bench/engine_throughput.c" $objs "$OBJ/libtartan.a" -lyaml -ljansson -lcurl -lm \
    -lpthread || exit 0
"$tmp/gen_capture" "$tmp/big.cap" "$n" 7 >/dev/null || exit 0
size=$(stat -c %s "$tmp/big.cap")
best=""
for _ in 1 2 3; do
    line=$("$tmp/engine_throughput" "$tmp/big.cap" "$rules") || exit 0
    eps=$(sed -n 's/.* ev_per_s=\([0-9]*\).*/\1/p' <<<"$line")
    if [ -z "$best" ] || [ "$eps" -gt "$(sed -n 's/.* ev_per_s=\([0-9]*\).*/\1/p' <<<"$best")" ]; then
        best=$line
    fi
done
get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $best"; }
printf '   %-44s %14s %18s %18s\n' "metric (${n} events, $((size / 1048576)) MiB capture)" "tartan" "target" "falco baseline"
printf '   %-44s %14s %18s %18s\n' "pipeline events per CPU-second (read+eval)" "$(get cpu_ev_per_s)" ">= 1000000" "~250000"
printf '   %-44s %14s %18s %18s\n' "pipeline CPU ns/event (read+eval)" "$(get cpu_ns_per_ev)" "<= 1000" "~4000"
printf '   %-44s %14s %18s %18s\n' "pipeline events/s (wall clock, best of 3)" "$(get ev_per_s)" ">= 1000000" "~250000"
printf '   %-44s %14s %18s %18s\n' "pipeline ns/event (wall clock)" "$(get ns_per_ev)" "" ""
printf '   %-44s %14s %18s %18s\n' "evaluation only ns/event (wall clock)" "$(get eval_ns_per_ev)" "" ""
printf '   %-44s %14s %18s %18s\n' "rules load+compile (ms)" "$(get load_ms)" "< 50" ""
printf '   %-44s %14s %18s %18s\n' "peak RSS pipeline bench (KiB)" "$(get rss_kib)" "< 16384" "> 100000"
printf '   %-44s %14s %18s %18s\n' "state tables at end (KiB)" "$(get state_kib)" "" ""
printf '   %-44s %14s %18s %18s\n' "alerts raised" "$(get alerts)" "" ""
if [ -x "$TT_BIN/engine" ] && [ -x /usr/bin/time ]; then
    printf 'json_output: true\nstdout_output:\n  enabled: true\nwatch_config_files: false\n' >"$tmp/f.yaml"
    /usr/bin/time -o "$tmp/time" -f '%e %U %S %M' "$TT_BIN/engine" -c "$tmp/f.yaml" -r "$rules" \
        -e "$tmp/big.cap" >/dev/null 2>&1
    read -r wall usr sys rss <"$tmp/time"
    eps=$(awk -v n="$n" -v w="$wall" 'BEGIN { if (w > 0) printf "%d", n / w; else print "?" }')
    cpu=$(awk -v n="$n" -v u="$usr" -v s="$sys" 'BEGIN { t = u + s; if (t > 0) printf "%d", n / t; else print "?" }')
    printf '   %-44s %14s %18s %18s\n' "engine -e end to end events/s (wall)" "$eps" ">= 1000000" "~250000"
    printf '   %-44s %14s %18s %18s\n' "engine -e events per CPU-second" "$cpu" ">= 1000000" "~250000"
    printf '   %-44s %14s %18s %18s\n' "engine -e peak RSS (KiB)" "$rss" "< 16384" "> 100000"
fi
