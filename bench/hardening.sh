#!/usr/bin/env bash
# What the build hardening costs (Makefile, "Hardening": FORTIFY, stack protector, stack-clash
# probes, CET/PAC, full RELRO, PIE/static-pie): the five programs built with it (build/) and
# without it (build-noharden/, made here with HARDEN=0), side by side:
#   - file sizes, as built and stripped (the images ship stripped binaries);
#   - the engine pipeline micro-benchmark (bench/engine_throughput.sh; CPU figures, the stable
#     ones on a shared machine) against each build's engine objects;
#   - the tracer micro-benchmark (bench/tracer_bench.sh; relative speed = native / traced time)
#     with each build's tracer, the same workload helper for both.
# Figures only, never pass/fail. BENCH_HARDEN_EVENTS (engine events, default 600000) and
# TRACER_BENCH_SCALE (default 4) shorten it.
set -u
ROOT=${TT_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
export TT_SHARED=${TT_SHARED:-$ROOT/../shared}
H=$ROOT/build
U=$ROOT/build-noharden
PROGS="launcher waitforever tracer engine logshipper instrument"
if [ ! -d "$H/bin" ]; then
    echo "   hardening: build first (make all)"
    exit 0
fi
if ! make -s -C "$ROOT" -j2 OUT=build-noharden HARDEN=0 $(for p in $PROGS; do printf 'build-noharden/bin/%s ' "$p"; done) >/dev/null; then
    echo "   hardening: the HARDEN=0 build failed"
    exit 0
fi
tmp=$(mktemp -d /tmp/tartan-bench-harden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

stripped() { cp "$1" "$tmp/s" && strip --strip-all "$tmp/s" 2>/dev/null && stat -c %s "$tmp/s"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%+.1f%%", (a - b) * 100 / b; else print "-" }'; }
echo "   sizes (bytes)         hardened   unhardened     cost   stripped: hardened unhardened     cost"
for p in $PROGS; do
    h=$(stat -c %s "$H/bin/$p"); u=$(stat -c %s "$U/bin/$p")
    hs=$(stripped "$H/bin/$p"); us=$(stripped "$U/bin/$p")
    printf '   %-18s %11s %12s %8s   %18s %10s %8s\n' "$p" "$h" "$u" "$(pct "$h" "$u")" "$hs" "$us" "$(pct "$hs" "$us")"
done
echo

first_number_after() { # text file
    awk -v m="$1" '{ i = index($0, m); if (i) { r = substr($0, i + length(m));
        if (match(r, /[0-9][0-9.]*/)) print substr(r, RSTART, RLENGTH); exit } }' "$2"
}
n=${BENCH_HARDEN_EVENTS:-600000}
echo "   engine pipeline ($n events, upstream rules)   hardened   unhardened"
for build in "$H" "$U"; do
    ENGINE_BENCH_EVENTS=$n TT_OBJ="$build/obj" TT_BIN="$build/bin" bash "$ROOT/bench/engine_throughput.sh" \
        >"$tmp/engine.$(basename "$build")" 2>&1
done
for metric in "pipeline events per CPU-second" "pipeline CPU ns/event" "evaluation only ns/event" \
    "engine -e events per CPU-second" "engine -e peak RSS"; do
    # the first number after the metric's name (the target and baseline columns follow)
    h=$(first_number_after "$metric" "$tmp/engine.build")
    u=$(first_number_after "$metric" "$tmp/engine.build-noharden")
    printf '   %-44s %10s %12s\n' "$metric" "${h:--}" "${u:--}"
done
echo

echo "   tracer relative speed (native/traced)          hardened   unhardened"
for build in "$H" "$U"; do
    TRACER_BENCH_SCALE=${TRACER_BENCH_SCALE:-4} TT_BIN="$build/bin" TT_HELPERS="$H/helpers" \
        bash "$ROOT/bench/tracer_bench.sh" >"$tmp/tracer.$(basename "$build")" 2>&1
done
# workload rows: "<count> <name...> native_s tartan_s strace_s tartan strace ..."
awk '/^[0-9]+ / && NF >= 6 { name = $1; for (i = 2; i <= NF && $i !~ /^[0-9.]+$/; i++) name = name " " $i; print name "\t" $(i + 3) }' \
    "$tmp/tracer.build" >"$tmp/th"
awk '/^[0-9]+ / && NF >= 6 { name = $1; for (i = 2; i <= NF && $i !~ /^[0-9.]+$/; i++) name = name " " $i; print name "\t" $(i + 3) }' \
    "$tmp/tracer.build-noharden" >"$tmp/tu"
join -t "$(printf '\t')" <(sort "$tmp/th") <(sort "$tmp/tu") | while IFS="$(printf '\t')" read -r name h u; do
    printf '   %-44s %10s %12s\n' "$name" "$h" "$u"
done
for build in build build-noharden; do
    rss=$(grep -m1 'tracer peak RSS' "$tmp/tracer.$build" | awk '{print $4}')
    printf '   tracer peak RSS KiB (%s)%*s %s\n' "$build" $((22 - ${#build})) "" "${rss:--}"
done
echo "   (tracer: best of \${TRACER_BENCH_RUNS:-1} per build, on whatever else the machine runs: on a"
echo "    shared machine differences of tens of percent between two runs are noise)"
