#!/usr/bin/env bash
# Tracer benchmark (make bench): syscall-heavy workloads (tests/helpers/tr_bench.c) run natively,
# under the tracer (ring, a consumer attached, the syscall set the upstream rules need) with its
# defences against a hostile workload (docs/security.md) and with all of them switched off
# (--unsafe-disable-defence), and under `strace -f --seccomp-bpf` with the same syscall set.
# Every round runs each mode once, back to back (native, tartan, tartan with the defences off,
# tartan with every stop a ptrace stop, strace); prints the median time of each mode, relative
# speed (native time / traced time; 1.0 = no slowdown: the median of each round's own ratio, with
# its range over the rounds, how noisy it is) beside pdig's and strace's published figures and
# the targets, the tracer's peak RSS, and what the defence that reads results back from the
# kernel (arg_swap: the opened fd's path, the socket's peer) costs on the workloads it touches.
# The engine (upstream rules) is attached and tells the tracer its set through the ring, as in
# a deployment. Figures only: never pass/fail.
#
# Environment: TRACER_BENCH_SCALE (divide the counts, default 1), TRACER_BENCH_RUNS (rounds,
# default 3), TRACER_BENCH_PINNED=1 (everything on CPU 0 with taskset), TRACER_BENCH_SYSCALLS
# (the set when no engine is built; default: what the upstream Falco rules use).
set -u
ROOT=${TT_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${TT_BIN:-$ROOT/build/bin}
HELPERS=${TT_HELPERS:-$ROOT/build/helpers}
T=$BIN/tracer
B=$HELPERS/tr_bench
SCALE=${TRACER_BENCH_SCALE:-1}
RUNS=${TRACER_BENCH_RUNS:-3}
RULES=${TRACER_BENCH_SYSCALLS:-open,openat,openat2,creat,execve,execveat,connect,sendto,sendmsg,socket,dup,dup2,dup3,symlink,symlinkat,link,linkat,init_module,finit_module,ptrace}
PIN=()
[ "${TRACER_BENCH_PINNED:-0}" = 1 ] && command -v taskset >/dev/null && PIN=(taskset -c 0)
if [ ! -x "$T" ] || [ ! -x "$B" ]; then
    echo "tracer_bench: build first (make all)"; exit 0
fi
TMP=$(mktemp -d /tmp/tracer-bench.XXXXXX)
KEY=$((0x74620000 + $$ % 65536))
cleanup() { ipcrm -M "$KEY" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

HAVE_STRACE=0
if command -v strace >/dev/null && strace -f --seccomp-bpf -qq -o /dev/null /bin/true 2>/dev/null; then
    HAVE_STRACE=1
fi

best() { # best time of RUNS runs of: CMD... (prints seconds)
    local b="" t i
    for ((i = 0; i < RUNS; i++)); do
        t=$("$@" | awk '{print $3}')
        [ -z "$t" ] && continue
        if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
    done
    echo "${b:-nan}"
}
once() { local t; t=$("$@" | awk '{print $3}'); echo "${t:-nan}"; }
median() { sort -g | awk '{v[NR]=$1} END { if (!NR) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else printf "%.6f\n", (v[NR/2]+v[NR/2+1])/2 }'; }

# The consumer: the engine evaluating the upstream rules when it is built (it tells the tracer
# the syscalls its rules need through TARTAN_SYSCALLS_FILE and re-attaches to each new ring),
# else `tracer dump` (formats every event) with the rules' syscall list.
ENGINE=$BIN/engine
RULESFILE=${TRACER_BENCH_RULES:-$(sh "$ROOT/tests/lib/upstream.sh" falco-rules/falco_rules.yaml)}
EP=""
CONSUMER="tracer dump"
if [ -x "$ENGINE" ] && [ -f "$RULESFILE" ]; then
    printf 'json_output: false\nstdout_output:\n  enabled: true\n' >"$TMP/falco.yaml"
    TT_RING_KEY=$KEY TARTAN_SYSCALLS_FILE="$TMP/engine.set" "$ENGINE" -c "$TMP/falco.yaml" \
        -r "$RULESFILE" >"$TMP/alerts.txt" 2>"$TMP/engine.log" &
    EP=$!
    for _ in $(seq 100); do [ -s "$TMP/engine.set" ] && break; sleep 0.1; done
    if [ -s "$TMP/engine.set" ] && kill -0 "$EP" 2>/dev/null; then
        CONSUMER="engine + $(basename "$RULESFILE")"
        RULES=$(tr '\n' ',' <"$TMP/engine.set")
    else
        kill "$EP" 2>/dev/null; EP=""
    fi
fi
cleanup() { [ -n "$EP" ] && kill "$EP" 2>/dev/null; ipcrm -M "$KEY" 2>/dev/null; rm -rf "$TMP"; }

DEFENCES=io_uring,seccomp_listener,clone3,compat_abi,monitors,pgrp,nondumpable,ring,arg_swap,unreadable_exec,open_by_handle
OFF=() # tracer options of the run (traced_with)
traced() { # workload n: one traced run with the consumer attached; prints the loop time
    local dp=""
    if [ -z "$EP" ]; then
        "$T" dump --ring "$KEY" --wait 20000 >/dev/null 2>&1 &
        dp=$!
    fi
    local set=(--syscalls "$RULES")
    [ -n "$EP" ] && set=() # (the attached engine's request, through the ring)
    "${PIN[@]}" "$T" -v --ring-key "$KEY" --no-snapshot "${set[@]}" "${OFF[@]}" -- \
        "$B" "$1" "$2" 2>>"$TMP/tracer.log"
    [ -n "$dp" ] && wait "$dp" 2>/dev/null
}
traced_off() { # the same with defences switched off: traced_off LIST workload n
    OFF=(--unsafe-disable-defence "$1")
    traced "$2" "$3" 2>/dev/null
    OFF=()
}
traced_ptrace() { # the same with every stop a ptrace stop (no user notifications)
    OFF=(--stops ptrace)
    traced "$1" "$2" 2>/dev/null
    OFF=()
}

# The effective set (rules + state tracking), read back from the tracer's tracerinfo event.
"$T" -w "$TMP/set.cap" --no-snapshot --syscalls "$RULES" -- /bin/true
SET=$("$T" dump "$TMP/set.cap" | sed -n 's/.* tracerinfo .*args=\[\([^]]*\)\].*/\1/p' | tr ' ' ',')
# strace cannot select socket calls by domain: it traces every socket call (socket.domain=D -> socket)
STRACE_SET=$(echo "$SET" | tr ',' '\n' | sed 's/^socket\.domain=[0-9]*$/socket/' | awk '!seen[$0]++' | paste -sd, -)
native() { "${PIN[@]}" "$B" "$1" "$2"; }
straced() { "${PIN[@]}" strace -f --seccomp-bpf -qq -o /dev/null -e trace="$STRACE_SET" "$B" "$1" "$2"; }

rel() { awk -v n="$1" -v t="$2" 'BEGIN{ if (t+0 > 0 && n != "nan" && t != "nan") printf "%.3f", n/t; else printf "n/a" }'; }

echo "tracer benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg): relative speed = native time / traced time (1.000 = no slowdown), median of $RUNS interleaved rounds [range]"
echo "consumer: $CONSUMER; scheduling: ${PIN[*]:-default}; traced syscall set: $(echo "$STRACE_SET" | tr ',' ' ' | wc -w) syscalls ($(echo "$SET" | tr ',' '\n' | grep '^socket\.domain=' | paste -sd' ' - || true))"
# pdig(d/p): pdig built from upstream on a 2-vCPU microVM of Fargate's kind, default scheduling /
# pinned; strace(pub): strace on that machine. target: the larger of three times that strace
# figure and a multiple of pdig's default one (x2 files, open+close, connect; x1.5 threads; x1
# fork, exec). 3x_strace: three times this run's strace figure (docs/tracer.md, Performance).
echo "tartan: all defences on (the default); no_def: all switched off (--unsafe-disable-defence); ptrace: --stops ptrace (no seccomp user notifications)"
printf '%-22s %9s %9s %9s %9s %9s  %18s %8s %8s %8s  %11s %11s %8s %10s\n' workload native_s tartan_s \
    no_def_s ptrace_s strace_s tartan no_def ptrace strace "pdig(d/p)" "strace(pub)" target 3x_strace
while read -r w n label pdig spub target three; do
    n=$((n / SCALE)); [ "$n" -lt 1 ] && n=1
    : >"$TMP/r.$w"
    for ((i = 0; i < RUNS; i++)); do
        a=$(once native "$w" "$n"); b=$(once traced "$w" "$n"); c=$(once traced_off "$DEFENCES" "$w" "$n")
        d=$(once traced_ptrace "$w" "$n"); e=nan
        [ "$HAVE_STRACE" = 1 ] && e=$(once straced "$w" "$n")
        echo "$a $b $c $d $e" >>"$TMP/r.$w"
    done
    col() { awk -v c="$1" '$c != "nan" {print $c}' "$TMP/r.$w" | median; }
    # each round's own ratio native/mode: median, and [min-max] for tartan
    rr() { awk -v c="$1" '$1+0 > 0 && $c+0 > 0 {print $1/$c}' "$TMP/r.$w" | sort -g |
        awk -v range="$2" '{v[NR]=$1} END { if (!NR) { print "n/a"; exit }
            m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2
            if (range) printf "%.3f [%.2f-%.2f]\n", m, v[1], v[NR]; else printf "%.3f\n", m }'; }
    tn=$(col 1) ts=$(col 5)
    x3=-
    [ "$three" = 1 ] && x3=$(awk -v r="$(rr 5 0)" 'BEGIN{ if (r == "n/a") print "n/a"; else printf "%.3f", 3 * r }')
    printf '%-22s %9s %9s %9s %9s %9s  %18s %8s %8s %8s  %11s %11s %8s %10s\n' "$n $label" "$tn" "$(col 2)" \
        "$(col 3)" "$(col 4)" "$ts" "$(rr 2 1)" "$(rr 3 0)" "$(rr 4 0)" "$(rr 5 0)" "$pdig" "$spub" \
        "$target" "$x3"
done <<'EOF'
files 20000 file-c/w/c/d 0.120/0.367 0.085 0.255 1
openclose 50000 open+close 0.008/0.042 0.009 0.027 1
fork 2000 fork+wait 0.657/0.694 0.470 0.657 0
exec 500 fork+exec+wait 0.723/0.787 0.665 0.723 0
threads 5000 thread+join 0.317/0.390 0.078 0.476 1
connect 5000 connect+accept 0.091/0.297 0.086 0.258 1
malloc 1000000 malloc/free - - - 0
EOF
echo
echo "cost of reading results back from the kernel (arg_swap), interleaved, best of $((RUNS > 3 ? RUNS : 3)):"
printf '%-22s %9s %9s %8s\n' workload on_s off_s cost
for wl in "openclose 50000" "connect 5000" "exec 500"; do
    set -- $wl
    n=$(($2 / SCALE)); [ "$n" -lt 1 ] && n=1
    on="" off=""
    for ((i = 0; i < (RUNS > 3 ? RUNS : 3); i++)); do
        a=$(traced "$1" "$n" | awk '{print $3}')
        b=$(traced_off arg_swap "$1" "$n" | awk '{print $3}')
        on=$(awk -v x="$a" -v y="$on" 'BEGIN{ print (y == "" || x + 0 < y + 0) ? x : y }')
        off=$(awk -v x="$b" -v y="$off" 'BEGIN{ print (y == "" || x + 0 < y + 0) ? x : y }')
    done
    printf '%-22s %9s %9s %7s%%\n' "$n $1" "$on" "$off" \
        "$(awk -v a="$on" -v b="$off" 'BEGIN{ if (b + 0 > 0) printf "%+.1f", 100 * (a - b) / b; else printf "n/a" }')"
done
rss=$(sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p' "$TMP/tracer.log" | sort -n | tail -1)
shm=$(sed -n 's/.*(of which ring \([0-9-]*\) KiB).*/\1/p' "$TMP/tracer.log" | sort -n | tail -1)
echo "tracer peak RSS: ${rss:-?} KiB, of which up to ${shm:-?} KiB are touched pages of the shared ring (target < 4096 KiB)"
[ "$HAVE_STRACE" = 1 ] || echo "(strace with --seccomp-bpf not available: its column is empty)"
