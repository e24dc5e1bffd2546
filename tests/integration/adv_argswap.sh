#!/usr/bin/env bash
# Adversarial: argument swapping (the "Phantom" attacks). A second thread of the workload
# watches the traced thread's state in /proc and rewrites the syscall's argument while it
# leaves the tracer's stop, so the tracer reads one path or address and the kernel another.
# Thousands of opens and connects, hundreds of execs: the events must say what the kernel opened
# or connected to, or the arguments it copied (the opened fd's path, the socket's peer, the new
# program's /proc/PID/cmdline: docs/security.md), with zero mismatches, in the dump
# and in the engine's fd.name / fd.sport; the negative control (--unsafe-disable-defence
# arg_swap: events from the argument as read at the stop) shows mismatches, so the attack is
# real on this machine.
# timeout: 720
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
. "$TT_ROOT/tests/lib/adv.sh"
if [ ! -x "$ADV/adv_flip" ]; then
    skip adv-argswap "adversarial programs not built ($ADV)"
    exit 0
fi
N_OPEN=${TT_FLIP_OPENS:-3000}
N_CONN=${TT_FLIP_CONNECTS:-2000}
d=$TT_TMP/f
mkdir -p "$d"
echo benign >"$d/AAAA"
echo secret >"$d/BBBB"
pa=$((20000 + $$ % 20000))
pb=$((pa + 1))

# mismatches NAME FIELD_ON KIND: compares, in order, what the kernel did (the program's
# opened=/connected= letters) with the victim thread's events (its tid is the pid); prints
# "<mismatches> <events> <B done>"
mismatches() {
    local name=$1 mode=$2 seq
    seq=$(sed -n 's/^\(opened\|connected\|executed\)=//p' "$TT_TMP/$name.out")
    awk -v seq="$seq" -v mode="$mode" -v pa=":$pa" -v pb=":$pb" '
        function letter(v) {
            # (an argument the kernel copied while the other thread rewrote it is neither:
            # echo printed it as such, E)
            if (mode == "exec") return v ~ /BBBB/ ? "B" : v ~ /AAAA/ ? "A" : "E"
            # (the word last, after 128 KiB: the stop sees its first 3 letters, as the program)
            if (mode == "execlast") {
                w = substr(v, 1, 3)
                return w == "BBB" ? "B" : w == "AAA" ? "A" : "E"
            }
            if (mode == "open") return v ~ /BBBB$/ ? "B" : v ~ /AAAA$/ ? "A" : "?"
            return v ~ (pb "$") ? "B" : v ~ (pa "$") ? "A" : "?"
        }
        {
            split($2, id, "/")
            if (id[1] != id[2]) next
            if (mode ~ /^exec/ && ($3 != "execve" || $0 !~ / filename=\/bin\/echo /)) next
            if (mode == "open" && $3 != "openat") next
            # (a name read while the other thread rewrites it may be torn, e.g. AABB: still
            # one of the opens the program made)
            if (mode == "open" && $0 !~ /name=[^ ]*\/[AB][AB][AB][AB] /) next
            if (mode == "connect" && $3 != "connect") next
            v = ""
            for (i = 4; i <= NF; i++) {
                split($i, kv, "=")
                if (mode == "open" && (kv[1] == "fdname" || (kv[1] == "name" && v == ""))) v = kv[2]
                if (mode == "connect" && (kv[1] == "peer" || (kv[1] == "addr" && v == ""))) v = kv[2]
                if (mode == "exec" && kv[1] == "args") v = kv[2]
                if (mode == "execlast" && $i ~ /^[AB][AB][AB][AB]?\]$/) v = $i
            }
            n++
            if (letter(v) != substr(seq, n, 1)) bad++
        }
        END { b = gsub(/B/, "B", seq); print bad + 0, n + 0, b }' "$TT_TMP/$name.dump"
}

# engine_count NAME CONDITION: alerts of a one-rule file on the capture
engine_count() {
    cat >"$TT_TMP/r.yaml" <<YAML
- rule: Swapped
  desc: t
  condition: $2
  output: "hit %fd.name"
  priority: WARNING
YAML
    "$E" -c "$TT_TMP/falco.yaml" -r "$TT_TMP/r.yaml" -e "$TT_TMP/$1.cap" 2>"$TT_TMP/$1.e.err" |
        grep -c '"rule":"Swapped"'
}

# control NAME MODE DELAYS... -- PROGRAM-ARGS...: the negative control (events from the
# arguments as read at the stop); the flipper's timing depends on the machine and its load (with
# the other test lanes busy, one run may show no mismatch at any delay), so it tries the delays
# in turn, up to three rounds, until the attack shows. Sets bad0, n0, b0.
control() {
    local name=$1 mode=$2 delays=() round
    shift 2
    while [ "$1" != -- ]; do delays+=("$1"); shift; done
    shift
    for round in 1 2 3; do
        for delay in "${delays[@]}"; do
            ADV_FLIP_DELAY=$delay traced "$name" --unsafe-disable-defence arg_swap -- \
                "$ADV/adv_flip" "$@"
            read -r bad0 n0 b0 <<<"$(mismatches "$name" "$mode")"
            echo "$mode, defence off, round $round, delay $delay (tracer rc $rc):" \
                "$bad0 mismatches in $n0 events, $b0 B" >&2
            [ "$bad0" -gt 0 ] && return
        done
    done
}

# ---- opens ----
traced open -- "$ADV/adv_flip" open "$d/AAAA" "$d/BBBB" "$N_OPEN"
expect_eq open-tracer-exit "$rc" 0
read -r bad n b <<<"$(mismatches open open)"
echo "opens: $bad mismatches in $n events, $b opened BBBB" >&2
expect_eq open-events "$n" "$N_OPEN"
check open-attack-happened test "$b" -gt 0
expect_eq open-zero-mismatches "$bad" 0
expect_eq open-engine-fd-name "$(engine_count open "evt.type = openat and fd.name = \"$d/BBBB\"")" "$b"
swapped=$(grep -c ' tamper .*technique=arg_swap ' "$TT_TMP/open.dump")
echo "opens: $swapped arg_swap tamper events" >&2
control open0 open 3000 1000 8000 20000 60000 -- open "$d/AAAA" "$d/BBBB" "$N_OPEN"
check open-control-mismatches test "$bad0" -gt 0
control_recorded open open0 arg_swap

# ---- connects ----
traced conn -- "$ADV/adv_flip" connect "$pa" "$pb" "$N_CONN"
expect_eq connect-tracer-exit "$rc" 0
read -r bad n b <<<"$(mismatches conn connect)"
echo "connects: $bad mismatches in $n events, $b connected to $pb" >&2
expect_eq connect-events "$n" "$N_CONN"
check connect-attack-happened test "$b" -gt 0
expect_eq connect-zero-mismatches "$bad" 0
expect_eq connect-engine-fd-sport "$(engine_count conn "evt.type = connect and fd.sport = $pb")" "$b"
# every connect whose socket went elsewhere than the argument said at the stop is a tamper event
swaps=$(awk '$3 == "connect" && / peer=/ { a = $0; sub(/.* addr=/, "", a); sub(/ .*/, "", a)
        p = $0; sub(/.* peer=/, "", p); sub(/ .*/, "", p); if (a != p) n++ } END { print n + 0 }' \
    "$TT_TMP/conn.dump")
reported=$(grep -c ' tamper .*reason=connect: the socket is connected to .*technique=arg_swap .*action=observed$' \
    "$TT_TMP/conn.dump")
echo "connects: $swaps swapped under the tracer's eyes, $reported reported" >&2
if [ "$swaps" -gt 0 ]; then
    expect_eq connect-swap-reported "$reported" "$swaps"
else
    skip connect-swap-reported "the flipper never won between the tracer's read and the kernel's in this run"
fi
control conn0 connect 8000 3000 20000 60000 -- connect "$pa" "$pb" "$N_CONN"
check connect-control-mismatches test "$bad0" -gt 0
control_recorded connect conn0 arg_swap

# ---- execs (argv toggled from the exec's stop on; the event's arguments are the new program's
# /proc/PID/cmdline, what the kernel copied) ----
# exec_case NAME COUNT PAD FIRST REASON_ERE: COUNT execs of /bin/echo WORD and PAD bytes of
# further arguments (before the word when FIRST is 1), the defence on: zero mismatches, and
# arg_swap reports whose reason matches REASON_ERE; then the control with the defence off.
exec_case() {
    local name=$1 count=$2 pad=$3 first=$4 reason=$5 try reported mode=exec
    [ "$first" = 1 ] && mode=execlast
    export ADV_FLIP_PAD=$pad ADV_FLIP_PAD_FIRST=$first
    traced "$name" -- "$ADV/adv_flip" exec AAAA BBBB "$count"
    expect_eq "$name-tracer-exit" "$rc" 0
    read -r bad n b <<<"$(mismatches "$name" "$mode")"
    echo "$name: $bad mismatches in $n events, $b ran with BBBB" >&2
    expect_eq "$name-events" "$n" "$count"
    check "$name-attack-happened" test "$b" -gt 0
    expect_eq "$name-zero-mismatches" "$bad" 0
    reported=$(grep -cE " tamper .*reason=$reason.*technique=arg_swap " "$TT_TMP/$name.dump")
    echo "$name: $reported arg_swap tamper events" >&2
    check "$name-swap-reported" test "$reported" -gt 0
    for try in 1 2 3; do
        traced "${name}0" --unsafe-disable-defence arg_swap -- "$ADV/adv_flip" exec AAAA BBBB "$count"
        read -r bad0 n0 b0 <<<"$(mismatches "${name}0" "$mode")"
        echo "$name, defence off, try $try: $bad0 mismatches in $n0 events, $b0 B" >&2
        [ "$bad0" -gt 0 ] && break
    done
    check "$name-control-mismatches" test "$bad0" -gt 0
    control_recorded "$name" "${name}0" arg_swap
    unset ADV_FLIP_PAD ADV_FLIP_PAD_FIRST
}
exec_case exec "${TT_FLIP_EXECS:-300}" 0 0 'execve: the program runs with '
# a command line longer than the stop reads whole (128 KiB): its first arguments are still
# compared with the kernel's copy
exec_case execlong "${TT_FLIP_LONG_EXECS:-100}" 140000 0 \
    'execve: the program runs with argv\[0\] echo and over 1[0-9]* bytes '
# the word after 131,068 bytes of arguments: the stop's read ends inside it (3 letters, then the
# stop's own NUL), and those letters are compared too
exec_case execcut "${TT_FLIP_CUT_EXECS:-200}" 131066 1 \
    'execve: the program runs with argv\[0\] echo and 131073 bytes of arguments; the ones read at the stop said echo and over 131072 bytes'

# ---- benign long command lines are no tamper: more arguments than the stop reads (4096), and
# more bytes (128 KiB) ----
traced manyargs -- /bin/sh -c '/bin/true $(seq 5000); x=$(head -c 75000 /dev/zero | tr "\0" x); /bin/echo "$x" "$x" >/dev/null'
expect_eq manyargs-tracer-exit "$rc" 0
expect_eq manyargs-execs "$(grep -cE ' execve .*filename=/bin/(true|echo) ' "$TT_TMP/manyargs.dump")" 2
expect_eq manyargs-no-tamper "$(grep -c ' tamper ' "$TT_TMP/manyargs.dump")" 0
true
