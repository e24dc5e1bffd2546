#!/usr/bin/env bash
# Alert throughput of the engine's output path: a capture where every event raises an alert
# (tests/helpers/en_feed), replayed with `engine -e` into each output channel in turn: file
# (JSON and text), program (a reader that discards), stdout to /dev/null; alerts/s and CPU s.
# Baseline: Falco's published alerting rates, ~2.8K alerts/s at 0.5 CPU and ~7K at 2 CPUs
# (falco.org performance blog, engine digest section i.2).
set -u
: "${TT_ROOT:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TT_BIN:=$TT_ROOT/build/bin}"
n=${ENGINE_OUTPUT_BENCH_ALERTS:-100000}
tmp=$(mktemp -d /tmp/tartan-bench-out.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
feed=${TT_HELPERS:-$TT_ROOT/build/helpers}/en_feed # (built by make; compiled here otherwise)
if [ ! -x "$feed" ]; then
    feed=$tmp/en_feed
    cc -std=c11 -D_GNU_SOURCE -O2 -pthread -o "$feed" "$TT_ROOT/tests/helpers/en_feed.c" 2>/dev/null || {
        echo "   engine_outputs: skipped (cannot build en_feed)"
        exit 0
    }
fi
[ -x "$TT_BIN/engine" ] || { echo "   engine_outputs: skipped (no engine binary)"; exit 0; }
"$feed" --capture "$tmp/a.cap" --count "$n" --ts-step-ms 0 || exit 0
cat >"$tmp/rules.yaml" <<'YAML'
- rule: Detect bash in a container
  desc: every event alerts
  condition: evt.type = execve and proc.name = bash
  output: Bash ran inside a container (user=%user.name command=%proc.cmdline (id=%container.id))
  priority: INFO
YAML
base="syslog_output: {enabled: false}
watch_config_files: false
log_level: warning
"
run() { # name yaml-extra
    printf '%s%s\n' "$base" "$2" >"$tmp/c.yaml"
    local TIMEFORMAT='%R %U %S' t real user sys
    t=$( { time "$TT_BIN/engine" -c "$tmp/c.yaml" -r "$tmp/rules.yaml" -e "$tmp/a.cap" \
        >/dev/null 2>"$tmp/err"; } 2>&1 )
    read -r real user sys <<<"$t"
    local got=$n
    [ -f "$tmp/out.txt" ] && got=$(wc -l <"$tmp/out.txt")
    awk -v name="$1" -v got="$got" -v r="$real" -v u="$user" -v s="$sys" 'BEGIN {
        cpu = u + s; if (cpu <= 0) cpu = 0.001; if (r <= 0) r = 0.001;
        printf "   %-26s %7d alerts  wall %5.2f s (%7.0f/s)  cpu %5.2f s (%7.0f alerts per cpu-s)   baseline: Falco ~2800-7000 alerts/s on 0.5-2 CPUs\n",
            name, got, r, got / r, cpu, got / cpu }'
    rm -f "$tmp/out.txt"
}
run "stdout json (/dev/null)" "json_output: true"
run "file json keep_alive" "json_output: true
stdout_output: {enabled: false}
file_output: {enabled: true, keep_alive: true, filename: $tmp/out.txt}"
run "file text keep_alive" "json_output: false
stdout_output: {enabled: false}
file_output: {enabled: true, keep_alive: true, filename: $tmp/out.txt}"
run "program json (cat)" "json_output: true
stdout_output: {enabled: false}
program_output: {enabled: true, keep_alive: true, program: \"dd status=none oflag=append conv=notrunc of=$tmp/out.txt\"}"
