#!/usr/bin/env bash
# Adversarial: the engine stops consuming. The launcher runs the producer (en_feed, standing in
# for the tracer: 100 bash execs 100 ms apart, one alert each) in the foreground and the engine
# in the background, as in a Fargate task. Each way of stopping the engine must be noticed
# within seconds, raise a Critical tamper alert, restart the engine, and lose no event silently:
# every event alerts (distinct pids) or is counted dropped by the ring.
#   SIGSTOP        the launcher's watchdog sees the heartbeat stop, kills and restarts it
#   hung           (test switch hang-after=N) the same, the process still "running"
#   crash          (test switch crash-after=N) the launcher restarts it as any early exit
#   stop and go    SIGSTOP then SIGCONT with no launcher (a sidecar): the engine reports its
#                  own stall when it runs again; meanwhile `tracer dump --stats` shows the
#                  heartbeat's age grow (what a health check reads)
# Negative controls: the watchdog off (--launcher-stall-timeout=0) leaves a stopped engine
# stopped: 6 s later nothing noticed, nothing alerted since the stop; no-self-tamper silences
# the stall report.
# timeout: 400
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
. "$TT_ROOT/tests/lib/adv_ring.sh"
trap 'adv_cleanup; rm -rf "$TT_TMP"' EXIT
adv_config
COUNT=100

# run_task NAME KEYNO STALL FAULT: launcher + en_feed + engine. FAULT: stop (SIGSTOP the engine
# after 10 alerts), hang-after=N or crash-after=N (test switches, first start only), none.
# Sets LRC (launcher status), N_BASH, DROPPED, PRODUCED, N_RESTART, NOTICED_S.
run_task() {
    local name=$1 key fault=$4 engine t0 t1
    key=$(adv_key "$2")
    export ADV_MARK="$TT_TMP/$name.started" ADV_FAULT="" ADV_ENGINE_BIN="$TT_BIN/engine"
    case "$fault" in hang-* | crash-*) ADV_FAULT=$fault ;; esac
    # The fault switch is set for the first start only (a restarted engine must work).
    "$TT_BIN/launcher" --launcher-stall-timeout="$3" "$TT_HELPERS/en_feed" --ring "$key" \
        --count "$COUNT" --interval-ms 100 --wait-consumer 30000 --start-pid 1000 --hold 500 -- \
        /bin/sh -c 'if [ -e "$ADV_MARK" ]; then exec "$ADV_ENGINE_BIN" "$@"; fi
                    : >"$ADV_MARK"; TARTAN_TEST_SWITCHES="$ADV_FAULT" exec "$ADV_ENGINE_BIN" "$@"' \
        sh -c "$TT_TMP/falco.yaml" -r "$TT_TMP/bash.yaml" -r "$TT_ROOT/etc/tartan_rules.yaml" \
        -o "tartan.ring_key=$key" >"$TT_TMP/$name.out" 2>"$TT_TMP/$name.err" &
    local lp=$!
    ADV_PIDS+=("$lp")
    wait_for 30 adv_bash_at_least 10 "$TT_TMP/$name.out"
    t0=$(date +%s%N)
    if [ "$fault" = stop ]; then
        engine=$(pgrep -P "$lp" -f "$TT_BIN/engine" | head -n 1)
        kill -STOP "$engine"
    fi
    NOTICED_S=none
    if [ "$3" = 0 ]; then
        # The watchdog is off: 6 s later (the stall timeout of the other cases, its grace and
        # a restart) nothing has noticed and the events since the stop are not evaluated. (At
        # the end of the task the launcher's SIGCONT lets it drain; look before that.)
        sleep 6
        grep -qE "has not read the event ring|exited early" "$TT_TMP/$name.err" && NOTICED_S=yes
        N_BASH=$(adv_bash_pids "$TT_TMP/$name.out")
        N_RESTART=$(adv_technique "$TT_TMP/$name.out" engine_restarted)
        wait "$lp"
        LRC=$?
        return
    fi
    if wait_for 15 grep -qE "has not read the event ring|exited early" "$TT_TMP/$name.err"; then
        t1=$(date +%s%N)
        NOTICED_S=$(((t1 - t0) / 1000000000))
    fi
    wait "$lp"
    LRC=$?
    N_BASH=$(adv_bash_pids "$TT_TMP/$name.out")
    N_RESTART=$(adv_technique "$TT_TMP/$name.out" engine_restarted)
    PRODUCED=$(sed -n 's/.*produced=\([0-9]*\).*/\1/p' "$TT_TMP/$name.out" "$TT_TMP/$name.err" | head -n 1)
    DROPPED=$(sed -n 's/.*dropped=\([0-9]*\).*/\1/p' "$TT_TMP/$name.out" "$TT_TMP/$name.err" | head -n 1)
}

check_task() { # CASE NAME WANT_LOG
    local case=$1 name=$2
    if [ "$LRC" -eq 0 ] && [ "$N_RESTART" -ge 1 ] && [ "$NOTICED_S" != none ] &&
        [ "$NOTICED_S" -le 8 ] && [ "${PRODUCED:-0}" -eq "$COUNT" ] &&
        [ $((N_BASH + ${DROPPED:-0})) -ge "$COUNT" ] && grep -qE "$3" "$TT_TMP/$name.err" &&
        grep -q '"priority":"Critical"' "$TT_TMP/$name.out" && adv_sanitizer_clean "$name"; then
        pass "$case"
    else
        fail "$case" "launcher rc $LRC, restart alerts $N_RESTART, noticed after ${NOTICED_S}s, produced ${PRODUCED:-?}, alerted $N_BASH + dropped ${DROPPED:-?} (want $COUNT): $(grep -v '\] info' "$TT_TMP/$name.err" | tail -n 4)"
    fi
}

run_task stop 1 2 stop
check_task engine_sigstop_noticed_restarted_nothing_lost stop "has not read the event ring.*stopped by a signal"

run_task hang 2 2 hang-after=15
check_task engine_hung_noticed_restarted_nothing_lost hang "has not read the event ring.*hung"

run_task crash 3 2 crash-after=15
check_task engine_crash_restarted_nothing_lost crash "exited early.*signal 6"

run_task stop_ctl 4 0 stop
if [ "$NOTICED_S" = none ] && [ "$N_RESTART" -eq 0 ] && [ "$N_BASH" -lt 30 ]; then
    pass engine_sigstop_control_unnoticed_without_watchdog
else
    fail engine_sigstop_control_unnoticed_without_watchdog "noticed ${NOTICED_S}, restart alerts $N_RESTART, alerted $N_BASH 6 s after the stop (want < 30)"
fi

# ---- stop and go, no launcher: the engine reports its own stall -------------------------------
stop_and_go() { # NAME KEYNO SWITCHES
    local name=$1 key
    key=$(adv_key "$2")
    adv_engine "$name" "$key" TARTAN_TEST_SWITCHES="$3"
    adv_feed "$name" "$key" 40 100 --hold 300
    wait_for 20 adv_bash_at_least 5 "$TT_TMP/$name.out"
    AGE_RUNNING=$("$TT_BIN/tracer" dump --stats "$key" | sed -n 's/^consumer_heartbeat_age_ms=//p')
    kill -STOP "$ADV_ENGINE"
    sleep 6
    AGE_STOPPED=$("$TT_BIN/tracer" dump --stats "$key" | sed -n 's/^consumer_heartbeat_age_ms=//p')
    kill -CONT "$ADV_ENGINE"
    wait "$ADV_FEED"
    sleep 1
    N_STALL=$(adv_technique "$TT_TMP/$name.out" engine_stalled)
    N_BASH=$(adv_bash_pids "$TT_TMP/$name.out")
    kill -TERM "$ADV_ENGINE"
    wait "$ADV_ENGINE"
    ERC=$?
}
stop_and_go go 5 ""
if [ "$N_STALL" -eq 1 ] && [ "$N_BASH" -eq 40 ] && [ "$ERC" -eq 0 ] &&
    grep -q 'did not run for [6-9]' "$TT_TMP/go.out"; then
    pass engine_stop_and_go_reports_its_own_stall
else
    fail engine_stop_and_go_reports_its_own_stall "stall alerts $N_STALL, bash $N_BASH/40, rc $ERC"
fi
# What a health check (the Kubernetes sidecar's probe) reads: the heartbeat's age.
if [ -n "$AGE_RUNNING" ] && [ "$AGE_RUNNING" -ge 0 ] && [ "$AGE_RUNNING" -lt 1000 ] &&
    [ "${AGE_STOPPED:-0}" -ge 5500 ]; then
    pass engine_heartbeat_age_visible_to_a_health_check
else
    fail engine_heartbeat_age_visible_to_a_health_check "age running ${AGE_RUNNING:-?} ms (want < 1000), stopped ${AGE_STOPPED:-?} ms (want >= 5500)"
fi
stop_and_go go_ctl 6 no-self-tamper
expect_eq engine_stop_and_go_control_silent "$N_STALL" 0
