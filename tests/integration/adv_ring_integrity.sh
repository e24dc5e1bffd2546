#!/usr/bin/env bash
# Adversarial: a workload that got hold of the event ring writes into it (as a second
# read-write mapping, tests/adversarial/adv_ring_write.c) while the engine reads a live stream
# of bash execs (one alert each). Each attack must be observed (a Critical "Tartan tamper or
# evasion attempt" alert naming the technique), must not blind the engine (every event it did
# not lose still alerts, and what it lost is counted), and the engine must stay alive. Each has
# a negative control with the defence switched off (TARTAN_TEST_SWITCHES) showing the attack
# then succeeds silently, so the check can fail.
#   forged end        the end-of-stream flag and the producer's lock word, mid-stream
#   corrupt record    an unread record's type overwritten
#   gap               while the engine is dead, the published read position moved past records
#   unexpected end    the producer killed: the stream ends without being closed
# timeout: 300
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
. "$TT_ROOT/tests/lib/adv_ring.sh"
trap 'adv_cleanup; rm -rf "$TT_TMP"' EXIT
adv_config
W="$TT_HELPERS/adv_ring_write"

alive() { kill -0 "$1" 2>/dev/null; }
stop_engine() { kill -TERM "$1" 2>/dev/null; wait "$1"; }

# ---- forged end: the flag is set after 10 of 40 events; the producer writes on ------------
# The producer stays 5 s after its last record in the check: a consumer that fell behind (the
# emulated arm64 guest under load) sees no record after the flag, and reports the forged flag
# only after the 2 s grace with the producer still there.
forged_end() { # NAME KEYNO SWITCHES HOLD_MS -> sets N_BASH, N_TAMPER, ALIVE
    local name=$1 key
    key=$(adv_key "$2")
    adv_engine "$name" "$key" TARTAN_TEST_SWITCHES="$3"
    adv_feed "$name" "$key" 40 50 --hold "$4"
    wait_for 20 adv_bash_at_least 10 "$TT_TMP/$name.out"
    "$W" "$key" forge-end
    wait "$ADV_FEED"
    sleep 1
    N_BASH=$(adv_bash_pids "$TT_TMP/$name.out")
    N_TAMPER=$(adv_technique "$TT_TMP/$name.out" ring_forged_end)
    ALIVE=0
    alive "$ADV_ENGINE" && ALIVE=1
    stop_engine "$ADV_ENGINE"
}
forged_end forged 1 "" 5000
if [ "$N_BASH" -eq 40 ] && [ "$N_TAMPER" -eq 1 ] && [ "$ALIVE" -eq 1 ] &&
    grep -q '"priority":"Critical"' "$TT_TMP/forged.out" && adv_sanitizer_clean forged; then
    pass ring_forged_end_observed_and_stream_read_on
else
    fail ring_forged_end_observed_and_stream_read_on "bash alerts $N_BASH/40, tamper $N_TAMPER, alive $ALIVE: $(tail -n 5 "$TT_TMP/forged.err")"
fi
forged_end forged_ctl 2 trust-ring-end 300
if [ "$N_BASH" -lt 40 ] && [ "$N_TAMPER" -eq 0 ] &&
    grep -q "the tracer closed the event ring" "$TT_TMP/forged_ctl.err"; then
    pass ring_forged_end_control_blinds_without_the_check
else
    fail ring_forged_end_control_blinds_without_the_check "bash alerts $N_BASH (want < 40), tamper $N_TAMPER (want 0)"
fi

# ---- corrupt record: the engine is held, the attacker breaks the first unread record -------
corrupt() { # NAME KEYNO SWITCHES
    local name=$1 key
    key=$(adv_key "$2")
    adv_engine "$name" "$key" TARTAN_TEST_SWITCHES="$3"
    adv_feed "$name" "$key" 30 60 --hold 300
    wait_for 20 adv_bash_at_least 5 "$TT_TMP/$name.out"
    # Hold the producer until the engine has caught up (and published how far it read), then
    # hold the engine and let records queue.
    kill -STOP "$ADV_FEED"
    wait_for 20 adv_unread "$key" -eq 0
    kill -STOP "$ADV_ENGINE"
    kill -CONT "$ADV_FEED"
    wait_for 20 adv_unread "$key" -ge 1
    "$W" "$key" corrupt
    CORRUPT_RC=$?
    kill -CONT "$ADV_ENGINE"
    wait "$ADV_FEED"
    sleep 1
    N_BASH=$(adv_bash_pids "$TT_TMP/$name.out")
    N_TAMPER=$(adv_technique "$TT_TMP/$name.out" ring_corrupt)
    SKIPPED=$(grep -o 'corrupt record; skipped [0-9]*' "$TT_TMP/$name.err" | grep -o '[0-9]*$' | head -n 1)
    ALIVE=0
    alive "$ADV_ENGINE" && ALIVE=1
    stop_engine "$ADV_ENGINE"
}
corrupt corrupt 3 ""
if [ "$CORRUPT_RC" -eq 0 ] && [ "$N_TAMPER" -eq 1 ] && [ -n "$SKIPPED" ] &&
    [ $((N_BASH + SKIPPED)) -eq 30 ] && [ "$ALIVE" -eq 1 ] && adv_sanitizer_clean corrupt; then
    pass ring_corrupt_record_observed_and_counted
else
    fail ring_corrupt_record_observed_and_counted "write rc $CORRUPT_RC, tamper $N_TAMPER, bash $N_BASH + skipped ${SKIPPED:-?} (want 30), alive $ALIVE"
fi
corrupt corrupt_ctl 4 no-self-tamper
if [ "$CORRUPT_RC" -eq 0 ] && [ "$N_TAMPER" -eq 0 ] && [ "$N_BASH" -lt 30 ]; then
    pass ring_corrupt_control_silent_without_the_alert
else
    fail ring_corrupt_control_silent_without_the_alert "tamper $N_TAMPER (want 0), bash $N_BASH"
fi

# ---- gap: the engine dies, the attacker marks 2 unread records as read, a new engine starts --
gap() { # NAME KEYNO SWITCHES
    local name=$1 key e1
    key=$(adv_key "$2")
    adv_engine "${name}1" "$key"
    e1=$ADV_ENGINE
    adv_feed "$name" "$key" 30 60 --hold 300
    wait_for 20 adv_bash_at_least 5 "$TT_TMP/${name}1.out"
    kill -STOP "$ADV_FEED" # the engine catches up and publishes how far it read
    wait_for 20 adv_unread "$key" -eq 0
    kill -KILL "$e1"
    wait "$e1" 2>/dev/null
    kill -CONT "$ADV_FEED"
    wait_for 20 adv_unread "$key" -ge 2
    "$W" "$key" skip 2
    SKIP_RC=$?
    adv_engine "${name}2" "$key" TARTAN_TEST_SWITCHES="$3"
    wait "$ADV_FEED"
    sleep 1
    N_BASH=$(adv_bash_pids "$TT_TMP/${name}1.out" "$TT_TMP/${name}2.out")
    N_TAMPER=$(adv_technique "$TT_TMP/${name}2.out" ring_gap)
    N_RESTART=$(adv_technique "$TT_TMP/${name}2.out" engine_restarted)
    ALIVE=0
    alive "$ADV_ENGINE" && ALIVE=1
    stop_engine "$ADV_ENGINE"
}
gap gap 5 ""
if [ "$SKIP_RC" -eq 0 ] && [ "$N_TAMPER" -eq 1 ] && [ "$N_RESTART" -eq 1 ] &&
    [ "$N_BASH" -eq 28 ] && grep -q '2 records the producer wrote never reached' "$TT_TMP/gap2.out" &&
    [ "$ALIVE" -eq 1 ] && adv_sanitizer_clean gap2; then
    pass ring_gap_observed_with_its_size
else
    fail ring_gap_observed_with_its_size "skip rc $SKIP_RC, gap alerts $N_TAMPER, restart alerts $N_RESTART, bash $N_BASH (want 28), alive $ALIVE"
fi
gap gap_ctl 6 trust-ring-end
if [ "$SKIP_RC" -eq 0 ] && [ "$N_TAMPER" -eq 0 ] && [ "$N_BASH" -eq 28 ]; then
    pass ring_gap_control_silent_without_the_check
else
    fail ring_gap_control_silent_without_the_check "gap alerts $N_TAMPER (want 0), bash $N_BASH (want 28)"
fi

# ---- unexpected end: the producer is killed mid-stream ---------------------------------------
unexpected_end() { # NAME KEYNO SWITCHES
    local name=$1 key
    key=$(adv_key "$2")
    adv_engine "$name" "$key" TARTAN_TEST_SWITCHES="$3"
    adv_feed "$name" "$key" 100 50
    wait_for 20 adv_bash_at_least 5 "$TT_TMP/$name.out"
    kill -KILL "$ADV_FEED"
    wait_for 10 grep -q "waiting for a new one" "$TT_TMP/$name.err"
    sleep 0.3
    N_TAMPER=$(adv_technique "$TT_TMP/$name.out" ring_unexpected_end)
    ALIVE=0
    alive "$ADV_ENGINE" && ALIVE=1
    stop_engine "$ADV_ENGINE"
}
unexpected_end unexpected 7 ""
if [ "$N_TAMPER" -eq 1 ] && [ "$ALIVE" -eq 1 ] && adv_sanitizer_clean unexpected &&
    grep -q 'gone without closing the stream' "$TT_TMP/unexpected.out"; then
    pass ring_unexpected_end_observed
else
    fail ring_unexpected_end_observed "tamper $N_TAMPER, alive $ALIVE: $(tail -n 3 "$TT_TMP/unexpected.err")"
fi
unexpected_end unexpected_ctl 8 no-self-tamper
expect_eq ring_unexpected_end_control_silent_without_the_alert "$N_TAMPER" 0
