#!/usr/bin/env bash
# Real-application benchmark (make bench): servers and a script run natively, under Tartan
# (tracer + the engine evaluating the upstream Falco rules and Tartan's rules; the engine tells
# the tracer the syscall set and stops they need through the ring, as in a deployment) and under
# `strace -f --seccomp-bpf` with the same set, alternating native / tartan / strace in every
# round. Prints the median throughput (requests/s, TPS, commands/s) and p99 latency per mode,
# the ratio to native (median of each round's own ratio, with the range over the rounds: how
# noisy the figure is) and for Tartan the stops per request (ptrace stops and seccomp user
# notifications) and the tracer's CPU time per stop. Figures only: never pass/fail.
#
#   nginx-static   nginx 1 worker, a 5 KiB static file, wrk 1 thread / 8 keep-alive connections
#   nginx-cached   the same with open_file_cache on
#   python-api     a JSON API in Python (bench/apps/api_server.py), no file I/O per request
#   pgbench        PostgreSQL, pgbench TPC-B-like, 4 clients (fsync off: CPU-bound)
#   shell          a bash script running many short commands (bench/apps/shell_workload.sh);
#                  p99: one round of 6 commands
#
# Environment: APPS_BENCH_SECONDS (load per run, default 8), APPS_BENCH_ROUNDS (default 3; the
# median is printed), APPS_BENCH_ONLY (space-separated workload names), APPS_BENCH_MODES
# (default "native tartan strace"; also tartan-ptrace: every stop a ptrace stop, --stops ptrace),
# APPS_BENCH_PINNED=1 (servers and monitors on CPU 0, the load generator on CPU 1). Missing packages
# (nginx-light, wrk, postgresql, postgresql-client, strace) are installed with apt-get when
# running as root.
set -u
ROOT=${TT_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${TT_BIN:-$ROOT/build/bin}
T=$BIN/tracer
ENGINE=$BIN/engine
SECS=${APPS_BENCH_SECONDS:-8}
ROUNDS=${APPS_BENCH_ROUNDS:-3}
ONLY=${APPS_BENCH_ONLY:-nginx-static nginx-cached python-api pgbench shell}
MODES=${APPS_BENCH_MODES:-native tartan strace}
SRV_PIN=() LOAD_PIN=()
if [ "${APPS_BENCH_PINNED:-0}" = 1 ] && command -v taskset >/dev/null; then
    SRV_PIN=(taskset -c 0) LOAD_PIN=(taskset -c 1)
fi
if [ ! -x "$T" ] || [ ! -x "$ENGINE" ]; then
    echo "apps_bench: build first (make all)"; exit 0
fi

missing=""
command -v nginx >/dev/null || missing="$missing nginx-light"
command -v wrk >/dev/null || missing="$missing wrk"
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$missing postgresql"
command -v pgbench >/dev/null || missing="$missing postgresql-client"
command -v strace >/dev/null || missing="$missing strace"
if [ -n "$missing" ] && [ "$(id -u)" = 0 ]; then
    echo "apps_bench: installing$missing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 $missing >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1; }
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

TMP=$(mktemp -d /tmp/apps-bench.XXXXXX)
chmod 755 "$TMP"
KEY=$((0x74610000 + $$ % 65536))
EP="" SERVER_PID="" SERVER_MODE=""
cleanup() {
    [ -n "$SERVER_PID" ] && stop_server
    [ -n "$EP" ] && kill "$EP" 2>/dev/null && wait "$EP" 2>/dev/null
    ipcrm -M "$KEY" 2>/dev/null
    if [ "${APPS_BENCH_KEEP:-0}" = 1 ]; then echo "apps_bench: logs kept in $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---------------------------------------------------------------- the consumer
RULES=()
for f in "${TT_SHARED:-$ROOT/../shared}/falco-rules/falco_rules.yaml" "$ROOT/etc/tartan_rules.yaml"; do
    [ -f "$f" ] && RULES+=(-r "$f")
done
printf 'json_output: false\nstdout_output:\n  enabled: true\n' >"$TMP/falco.yaml"
TT_RING_KEY=$KEY TARTAN_SYSCALLS_FILE="$TMP/engine.set" "$ENGINE" -c "$TMP/falco.yaml" "${RULES[@]}" \
    >"$TMP/alerts.txt" 2>"$TMP/engine.log" &
EP=$!
for _ in $(seq 100); do [ -s "$TMP/engine.set" ] && break; sleep 0.1; done
if [ ! -s "$TMP/engine.set" ]; then
    echo "apps_bench: the engine did not start:"; tail -n 5 "$TMP/engine.log"; exit 0
fi
"$T" -w "$TMP/set.cap" --no-snapshot --syscalls-file "$TMP/engine.set" -- /bin/true 2>/dev/null
SET=$("$T" dump "$TMP/set.cap" | sed -n 's/.* tracerinfo .*args=\[\([^]]*\)\].*/\1/p' | tail -n 1 | tr ' ' ',')
STRACE_SET=$(echo "$SET" | tr ',' '\n' | sed 's/^socket\.domain=[0-9]*$/socket/' | awk 'NF && !seen[$0]++' | paste -sd, -)
HAVE_STRACE=0
strace -f --seccomp-bpf -qq -o /dev/null /bin/true 2>/dev/null && HAVE_STRACE=1

# ---------------------------------------------------------------- running a server under a mode
# start_server MODE LOG CMD...: starts CMD in the background under MODE; SERVER_PID is the
# wrapper (tracer, strace) or the server itself.
start_server() {
    local mode=$1 log=$2; shift 2
    case "$mode" in
    native) "${SRV_PIN[@]}" "$@" >>"$log" 2>&1 & ;;
    tartan | tartan-ptrace) "${SRV_PIN[@]}" "$T" -v --ring-key "$KEY" --no-snapshot \
        --stops "$([ "$mode" = tartan ] && echo auto || echo ptrace)" --wait-engine 10000 -- \
        "$@" >>"$log" 2>&1 & ;;
    strace) "${SRV_PIN[@]}" strace -f --seccomp-bpf -qq -o /dev/null -e trace="$STRACE_SET" -- "$@" >>"$log" 2>&1 & ;;
    esac
    SERVER_PID=$! SERVER_MODE=$mode
}
# The server process itself: the wrapper's child in the traced modes.
server_main() {
    local c=""
    [ "$SERVER_MODE" = native ] || c=$(pgrep -P "$SERVER_PID" | head -n 1)
    echo "${c:-$SERVER_PID}"
}
stop_server() {
    local main i
    main=$(server_main)
    kill -TERM "$main" 2>/dev/null
    for i in $(seq 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" "$main" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
}
wait_port() { # PORT: until it accepts, 20 s at most
    local i
    for i in $(seq 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# "stops notifications cpu_us" of the tracer's -v summary (the server's tracer: the last one)
stops_of() {
    sed -n 's/.* \([0-9][0-9]*\) stops, .*CPU \([0-9.]*\) s .*; \([0-9]*\) of the stops.*/\1 \3 \2/p' \
        "$1" | tail -n 1 | awk '{ printf "%s %s %.0f", $1, $2, $3 * 1e6 }'
}
traced_mode() { [ "$1" = tartan ] || [ "$1" = tartan-ptrace ]; }
stats_of() { if traced_mode "$1"; then s=$(stops_of "$2"); echo "${s:-- - -}"; else echo "- - -"; fi; }

# ---------------------------------------------------------------- workloads
# Each run_<workload> MODE prints "throughput p99_ms requests stops notifications tracer_cpu_us"
# (the last three: tartan only, else -).
NGX_PORT=$(free_port)
mkdir -p "$TMP/www"
head -c 5120 /dev/urandom | base64 -w 100 | head -c 5120 >"$TMP/www/file.html"
chmod -R a+rX "$TMP/www"
nginx_conf() { # FILE CACHE(0/1)
    cat >"$1" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log stderr error;
events { worker_connections 256; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    $([ "$2" = 1 ] && echo 'open_file_cache max=1000 inactive=120s; open_file_cache_valid 120s;')
    server {
        listen 127.0.0.1:$NGX_PORT;
        root $TMP/www;
    }
}
EOF
}
nginx_conf "$TMP/nginx-static.conf" 0
nginx_conf "$TMP/nginx-cached.conf" 1

wrk_run() { # URL LOG: prints "req/s p99_ms requests"
    "${LOAD_PIN[@]}" wrk -t1 -c8 -d"${SECS}s" --latency "$1" >"$2" 2>&1
    awk '/Requests\/sec:/ {rps=$2}
         /requests in/ {n=$1}
         $1 == "99%" { v=$2; u=v; gsub(/[0-9.]/, "", u); gsub(/[a-z]/, "", v);
                       ms = (u == "us") ? v/1000 : (u == "s") ? v*1000 : v; p99=ms }
         END { printf "%s %.3f %s\n", rps ? rps : "nan", p99, n ? n : 0 }' "$2"
}

run_nginx() { # MODE static|cached
    local mode=$1 kind=$2 log="$TMP/$1-nginx-$2.log" r
    : >"$log"
    start_server "$mode" "$log" nginx -c "$TMP/nginx-$kind.conf" -p "$TMP"
    wait_port "$NGX_PORT" || { stop_server; echo "nan nan 0 - - -"; return; }
    r=$(wrk_run "http://127.0.0.1:$NGX_PORT/file.html" "$TMP/$mode-wrk-$kind.txt")
    stop_server
    echo "$r $(stats_of "$mode" "$log")"
}

API_PORT=$(free_port)
run_api() {
    local mode=$1 log="$TMP/$1-api.log" r
    : >"$log"
    start_server "$mode" "$log" python3 "$ROOT/bench/apps/api_server.py" "$API_PORT"
    wait_port "$API_PORT" || { stop_server; echo "nan nan 0 - - -"; return; }
    r=$(wrk_run "http://127.0.0.1:$API_PORT/items/42" "$TMP/$mode-wrk-api.txt")
    stop_server
    echo "$r $(stats_of "$mode" "$log")"
}

PG_PORT=$(free_port)
PGDATA="$TMP/pgdata"
PG_READY=0
pg_setup() {
    [ -n "$PGBIN" ] && command -v pgbench >/dev/null && id postgres >/dev/null 2>&1 || return 1
    install -d -o postgres -g postgres "$PGDATA" "$TMP/pgsock"
    setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/initdb" -D "$PGDATA" -U postgres \
        --auth=trust >"$TMP/initdb.log" 2>&1 || return 1
    pg_start native "$TMP/pg-init.log" && pg_wait || { stop_server; return 1; }
    pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 4 -q postgres >"$TMP/pgbench-init.log" 2>&1
    local rc=$?
    stop_server
    return $rc
}
pg_start() { # MODE LOG
    start_server "$1" "$2" setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/postgres" \
        -D "$PGDATA" -p "$PG_PORT" -k "$TMP/pgsock" -c listen_addresses=127.0.0.1 -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB -c max_connections=20
}
pg_wait() {
    local i
    for i in $(seq 200); do
        pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
run_pgbench() {
    local mode=$1 log="$TMP/$1-pg.log" out="$TMP/$1-pgbench.txt" tps p99 n
    : >"$log"
    pg_start "$mode" "$log"
    pg_wait || { stop_server; echo "nan nan 0 - - -"; return; }
    rm -f "$TMP"/pgb.*
    (cd "$TMP" && "${LOAD_PIN[@]}" pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 4 -j 2 -T "$SECS" \
        -l --log-prefix=pgb postgres >"$out" 2>&1)
    stop_server
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | head -n 1)
    n=$(cat "$TMP"/pgb.* 2>/dev/null | wc -l)
    p99=$(cat "$TMP"/pgb.* 2>/dev/null | awk '{print $3}' | sort -n |
        awk '{v[NR]=$1} END { k = int(NR*0.99); if (k < 1) k = 1; if (NR) printf "%.3f", v[k]/1000; else print "nan" }')
    echo "${tps:-nan} ${p99:-nan} $n $(stats_of "$mode" "$log")"
}

run_shell() {
    local mode=$1 log="$TMP/$1-shell.log" n=200 s e out
    : >"$log"
    s=$(date +%s%N)
    case "$mode" in
    native) out=$("${SRV_PIN[@]}" bash "$ROOT/bench/apps/shell_workload.sh" "$n" 2>>"$log") ;;
    tartan | tartan-ptrace) out=$("${SRV_PIN[@]}" "$T" -v --ring-key "$KEY" --no-snapshot \
        --stops "$([ "$mode" = tartan ] && echo auto || echo ptrace)" --wait-engine 10000 -- \
        bash "$ROOT/bench/apps/shell_workload.sh" "$n" 2>>"$log") ;;
    strace) out=$("${SRV_PIN[@]}" strace -f --seccomp-bpf -qq -o /dev/null -e trace="$STRACE_SET" \
        -- bash "$ROOT/bench/apps/shell_workload.sh" "$n" 2>>"$log") ;;
    esac
    e=$(date +%s%N)
    set -- $out
    awk -v c="${1:-0}" -v p99="${2:-nan}" -v ns=$((e - s)) -v st="$(stats_of "$mode" "$log")" \
        'BEGIN { if (c > 0) printf "%.1f %s %d %s\n", c / (ns / 1e9), p99, c, st; else print "nan nan 0 - - -" }'
}

run_workload() { # NAME MODE
    case "$1" in
    nginx-static) run_nginx "$2" static ;;
    nginx-cached) run_nginx "$2" cached ;;
    python-api) run_api "$2" ;;
    pgbench) run_pgbench "$2" ;;
    shell) run_shell "$2" ;;
    esac
}

median() { sort -g | awk '{v[NR]=$1} END { if (!NR) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2 }'; }

echo "real-application benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'): $ROUNDS alternating rounds of ${SECS} s each"
echo "machine: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg) at the start; consumer: engine + $(for f in "${RULES[@]}"; do [ "$f" = -r ] || basename "$f"; done | paste -sd' ' -); traced set: $(echo "$STRACE_SET" | tr ',' ' ' | wc -w) syscalls; scheduling: ${SRV_PIN[*]:-default}"
[ "$HAVE_STRACE" = 1 ] || MODES=$(echo "$MODES" | sed 's/strace//')
RATIO_MODES=$(echo "$MODES" | tr ' ' '\n' | grep -v '^native$' | grep . | paste -sd' ' -)
printf '%-13s %-7s %10s' workload metric native
for m in $RATIO_MODES; do printf ' %10s' "$m"; done
for m in $RATIO_MODES; do printf ' %20s' "$m/native"; done
printf ' %8s' p99_nat
for m in $RATIO_MODES; do printf ' %8s' "p99_${m#tartan-}"; done
printf '  %-22s %8s  %s\n' "stops/req (notif)" "us/stop" "target"
# what each workload needs that is not part of Tartan: "" when all there, else why it is skipped
lacks() {
    local need=() p out=""
    case "$1" in
    nginx-static | nginx-cached) need=(nginx wrk) ;;
    python-api) need=(python3 wrk) ;;
    pgbench) need=(pgbench) ;;
    shell) need=(bash) ;;
    esac
    for p in "${need[@]}"; do command -v "$p" >/dev/null || out="$out $p"; done
    [ "$1" = pgbench ] && [ -z "$PGBIN" ] && out="$out postgres (package postgresql)"
    [ -n "$out" ] && echo "not installed:$out ($([ "$(id -u)" = 0 ] && echo 'apt-get install did not provide it' ||
        echo 'run as root to install them with apt-get'))"
}
[ "$HAVE_STRACE" = 1 ] || echo "strace: column skipped: strace -f --seccomp-bpf does not run here (apt-get install strace)"
for w in $ONLY; do
    why=$(lacks "$w")
    if [ -n "$why" ]; then
        echo "$w: skipped: $why"; continue
    fi
    if [ "$w" = pgbench ] && [ "$PG_READY" = 0 ]; then
        if pg_setup; then PG_READY=1; else
            echo "pgbench: skipped: PostgreSQL could not be set up ($(tail -n 1 "$TMP/initdb.log" 2>/dev/null))"; continue
        fi
    fi
    for m in $MODES; do : >"$TMP/res-$w-$m"; done
    for ((r = 0; r < ROUNDS; r++)); do
        for m in $MODES; do
            run_workload "$w" "$m" >>"$TMP/res-$w-$m"
        done
    done
    med() { awk -v c="$2" '{print $c}' "$TMP/res-$w-$1" 2>/dev/null | grep -v '^nan$' | grep -v '^-$' | median; }
    # each round's own ratio (the modes of a round ran back to back): median [min-max]
    ratios() {
        paste -d' ' "$TMP/res-$w-$1" "$TMP/res-$w-native" | awk '$1+0 > 0 && $7+0 > 0 {print $1/$7}' |
            sort -g | awk '{v[NR]=$1} END { if (!NR) { print "n/a"; exit }
                med = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2
                printf "%.3f [%.2f-%.2f]\n", med, v[1], v[NR] }'
    }
    case "$w" in
    nginx-static) metric=req/s target=0.35 ;;
    nginx-cached | python-api) metric=req/s target=0.90 ;;
    pgbench) metric=tps target=0.90 ;;
    shell) metric=cmds/s target=strace ;;
    esac
    printf '%-13s %-7s %10s' "$w" "$metric" "$(med native 1)"
    for m in $RATIO_MODES; do printf ' %10s' "$(med "$m" 1)"; done
    for m in $RATIO_MODES; do printf ' %20s' "$(ratios "$m")"; done
    printf ' %8s' "$(med native 2)"
    for m in $RATIO_MODES; do printf ' %8s' "$(med "$m" 2)"; done
    # stops per request and the tracer's CPU per stop, over the tartan runs
    spr=$(awk '$4 != "-" && $3 > 0 {s += $4; q += $5; c += $6; n += $3}
        END { if (n && s) printf "%.2f (%.2f) %.1f", s/n, q/n, c/s; else print "- - -" }' "$TMP/res-$w-tartan" 2>/dev/null)
    set -- $spr
    tgt=$target
    if [ "$target" = strace ]; then
        tgt="strace's: $(ratios strace | cut -d' ' -f1)"
    fi
    met=$(ratios tartan | cut -d' ' -f1)
    verdict=$(awk -v r="$met" -v t="${tgt##* }" 'BEGIN { if (r+0 <= 0 || t+0 <= 0) print ""; else if (r >= t) print "met"; else printf "missed by %.0f%%", 100 * (t - r) / t }')
    printf '  %-22s %8s  %s %s\n' "${1:--} ${2:-(-)}" "${3:--}" "$tgt" "$verdict"
done
echo "(ratios: traced throughput / native throughput, 1.000 = no slowdown; p99 in ms; stops/req: stops per request or command under Tartan, (of which seccomp user notifications); us/stop: the tracer's CPU time per stop, its spinning included)"
alerts=$(grep -c . "$TMP/alerts.txt" 2>/dev/null)
echo "alerts raised by the engine during the run: ${alerts:-0}"
