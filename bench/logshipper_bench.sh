#!/usr/bin/env bash
# logshipper throughput and memory: ship N Falco-style alert lines (default 1,000,000) from a
# file to a local CloudWatch Logs sink (bench/logshipper_sink.py on 127.0.0.1) and report lines/s
# and peak RSS next to the targets (200,000 lines/s on one core, RSS < 32 MiB). A second run
# pushes a few 5 MiB lines through to show RSS does not grow with line length.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${TT_BIN:-$ROOT/build/bin}
N=${LOGSHIPPER_BENCH_LINES:-1000000}
TMP=$(mktemp -d /tmp/ls-bench.XXXXXX)
SINK_PID=
cleanup() {
    [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

[ -x "$BIN/logshipper" ] || { echo "logshipper not built ($BIN)"; exit 0; }
# The C sink (tests/helpers/ls_sink.c) when built, else the Python one.
SINK="${TT_HELPERS:-$ROOT/build/helpers}/ls_sink"
if [ -x "$SINK" ]; then
    "$SINK" "$TMP/port" >"$TMP/sink.out" 2>/dev/null &
else
    SINK="bench/logshipper_sink.py"
    python3 "$ROOT/bench/logshipper_sink.py" "$TMP/port" >"$TMP/sink.out" 2>/dev/null &
fi
SINK_PID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
PORT=$(cat "$TMP/port")

python3 - "$N" >"$TMP/alerts" <<'PY'
import sys, time
n = int(sys.argv[1])
t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
out = sys.stdout
for i in range(n):
    out.write('{"hostname":"ip-10-0-1-23","output":"12:00:00.000000000: Warning Sensitive file '
              'opened for reading by non-trusted program (user=root command=cat /etc/shadow '
              'file=/etc/shadow container_id=host) %d","priority":"Warning","rule":"Read '
              'sensitive file untrusted","source":"syscall","tags":["filesystem","mitre_'
              'credential_access"],"time":"%s.%09dZ","output_fields":{"proc.cmdline":"cat '
              '/etc/shadow","user.name":"root"}}\n' % (i, t, i % 1000000000))
PY
BYTES=$(stat -c %s "$TMP/alerts")

run() { # label file extra-args...
    local label=$1 file=$2; shift 2
    local start end
    start=$(date +%s.%N)
    env -i PATH="$PATH" HOME="$TMP" AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench \
        AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
        /usr/bin/time -f "%M %U %S" -o "$TMP/time" \
        "$BIN/logshipper" --endpoint "http://127.0.0.1:$PORT" -g bench -s "$label" "$@" \
        <"$file" 2>"$TMP/err" >/dev/null
    local rc=$?
    end=$(date +%s.%N)
    read -r rss usr sys <"$TMP/time"
    echo "$label $rc $start $end $rss $usr $sys"
}

if [ ! -x /usr/bin/time ]; then
    echo "logshipper bench: /usr/bin/time missing (apt-get install time); skipping"
    exit 0
fi
read -r _ rc start end rss usr sys < <(run alerts "$TMP/alerts")
python3 - "$N" "$BYTES" "$rc" "$start" "$end" "$rss" "$usr" "$sys" "$(basename "$SINK")" <<'PY'
import sys
n, size, rc = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
start, end, rss, usr, sysc = map(float, sys.argv[4:9])
wall = end - start
print(f"logshipper: {n} alert lines ({size / 1e6:.0f} MB) to a local sink, exit {rc}")
print(f"  (sink: {sys.argv[9]})")
print(f"  {'':24}{'measured':>14}{'target':>14}")
print(f"  {'lines/s (wall)':24}{n / wall:>14,.0f}{200000:>14,}")
print(f"  {'lines/s per CPU second':24}{n / max(usr + sysc, 1e-9):>14,.0f}{200000:>14,}")
print(f"  {'peak RSS (MiB)':24}{rss / 1024:>14.1f}{'< 32':>14}")
print(f"  {'CPU user+sys (s)':24}{usr + sysc:>14.2f}")
PY
grep summary "$TMP/err" | sed 's/^/  /'

# Long lines: 20 lines of 5 MiB each; RSS must stay bounded.
python3 -c "
import sys
for i in range(20):
    sys.stdout.write('x' * (5 << 20) + '\n')" >"$TMP/long"
read -r _ rc start end rss usr sys < <(run long "$TMP/long")
printf '  %-24s%14.1f%14s   (20 lines of 5 MiB, exit %s)\n' "peak RSS long lines (MiB)" \
    "$(echo "$rss / 1024" | bc -l)" "< 32" "$rc"
