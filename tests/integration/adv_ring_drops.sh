#!/usr/bin/env bash
# Adversarial: a workload floods syscalls so that the ring overflows and an action hides among
# the lost events. Falco's syscall_event_drops alerts only above its ratio threshold and within
# its token bucket, so a burst of 4,265 drops among ~79,000 events (5.4%, under the default 0.1)
# raised nothing. Every drop a rule could have missed must now be in the alert stream: Falco's
# own alert when it fires, otherwise a Critical tamper alert (technique events_dropped) with the
# exact count. tests/adversarial/adv_ring_flood.c stops the engine, overflows the ring by
# exactly 4,265 records and lets it go.
#   under threshold   events_dropped with 4265, no Falco drop alert
#   Falco covers      threshold 0: Falco's alert (n_drops=4265) and no duplicate; a second
#                     burst inside Falco's rate limit: events_dropped with 4265
#   nobody attached   drops before any engine read the ring: reported by the engine that comes
# Negative control: no-self-tamper gives back the old behaviour: the first burst raises nothing.
# timeout: 240
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
. "$TT_ROOT/tests/lib/adv_ring.sh"
trap 'adv_cleanup; rm -rf "$TT_TMP"' EXIT
adv_config
F="$TT_HELPERS/adv_ring_flood"
FALCO_DROP='"rule":"Falco internal: syscall event drop"'

flood() { # NAME KEYNO SWITCHES BURSTS -> N_TAMPER, N_FALCO, PRODUCED, ALIVE
    local name=$1 key
    key=$(adv_key "$2")
    adv_engine "$name" "$key" TARTAN_TEST_SWITCHES="$3"
    wait_for 20 grep -q "waiting for the tracer" "$TT_TMP/$name.err"
    "$F" --key "$key" --size 8388608 --drops 4265 --bursts "$4" --stop "$ADV_ENGINE" --wait-consumer 30000 \
        --pause 2500 >"$TT_TMP/$name.flood" 2>&1
    N_TAMPER=$(adv_technique "$TT_TMP/$name.out" events_dropped)
    N_FALCO=$(adv_count "$TT_TMP/$name.out" "$FALCO_DROP")
    PRODUCED=$(sed -n 's/^burst=1 produced=\([0-9]*\).*/\1/p' "$TT_TMP/$name.flood")
    ALIVE=0
    kill -0 "$ADV_ENGINE" 2>/dev/null && ALIVE=1
    kill -TERM "$ADV_ENGINE"
    wait "$ADV_ENGINE"
}

flood under 1 "" 1
if [ "$N_TAMPER" -eq 1 ] && [ "$N_FALCO" -eq 0 ] && [ "$ALIVE" -eq 1 ] &&
    [ $((4265 * 10)) -lt "${PRODUCED:-0}" ] &&
    grep -q '4265 events were lost in the ring' "$TT_TMP/under.out" &&
    grep -q '"priority":"Critical"' "$TT_TMP/under.out" && adv_sanitizer_clean under; then
    pass drops_under_threshold_alerted_with_count
else
    fail drops_under_threshold_alerted_with_count "events_dropped $N_TAMPER, Falco drop alerts $N_FALCO, produced ${PRODUCED:-?}: $(cat "$TT_TMP/under.flood") $(tail -n 3 "$TT_TMP/under.err")"
fi

flood under_ctl 2 no-self-tamper 1
if [ "$N_TAMPER" -eq 0 ] && [ "$N_FALCO" -eq 0 ] && [ "$(wc -l <"$TT_TMP/under_ctl.out")" -eq 0 ]; then
    pass drops_under_threshold_control_raise_nothing
else
    fail drops_under_threshold_control_raise_nothing "events_dropped $N_TAMPER, Falco $N_FALCO (want 0, 0)"
fi

ADV_ENGINE_OPTS=(-o syscall_event_drops.threshold=0)
flood covered 3 "" 2
ADV_ENGINE_OPTS=()
falco_n=$(grep -F "$FALCO_DROP" "$TT_TMP/covered.out" | grep -o '"n_drops":"[0-9]*"' | head -n 1)
if [ "$N_FALCO" -eq 1 ] && [ "$falco_n" = '"n_drops":"4265"' ] && [ "$N_TAMPER" -eq 1 ] &&
    grep -q '4265 events were lost in the ring' "$TT_TMP/covered.out"; then
    pass drops_falco_alert_then_rate_limited_burst_alerted
else
    fail drops_falco_alert_then_rate_limited_burst_alerted "Falco drop alerts $N_FALCO ($falco_n), events_dropped $N_TAMPER (want 1 and 1)"
fi

# Nobody reads the ring while the burst happens; an engine attaches afterwards.
key=$(adv_key 4)
"$F" --key "$key" --drops 4265 --pause 0 --hold 3000 >"$TT_TMP/late.flood" 2>&1 &
ADV_PIDS+=($!)
sleep 1
adv_engine late "$key"
wait_for 20 grep -q '4265 events were lost' "$TT_TMP/late.out"
if grep -q 'while no engine was reading it' "$TT_TMP/late.out" &&
    [ "$(adv_technique "$TT_TMP/late.out" events_dropped)" -eq 1 ]; then
    pass drops_before_attach_reported_by_the_next_engine
else
    fail drops_before_attach_reported_by_the_next_engine "$(tail -n 3 "$TT_TMP/late.err")"
fi
kill -TERM "$ADV_ENGINE"
wait "$ADV_ENGINE"
