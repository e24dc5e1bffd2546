# Helpers for the adversarial tests (tests/integration/adv_*.sh): run a program of
# tests/adversarial/ under the tracer into a capture file, then check what it could do and what
# the tamper events say, through `tracer dump` and through the engine with a one-rule file.
# Source after tt.sh and tt_tmpdir.
ADV=$TT_HELPERS
T=$TT_BIN/tracer
E=$TT_BIN/engine

cat >"$TT_TMP/tamper_rule.yaml" <<'YAML'
- rule: Tamper seen
  desc: every tamper event the tracer sends
  condition: evt.type = tamper
  output: "tamper technique=%evt.arg.technique target=%evt.arg.target action=%evt.arg.action proc=%proc.name pid=%proc.pid"
  priority: CRITICAL
YAML
printf 'json_output: true\nsyslog_output: {enabled: false}\nwatch_config_files: false\n' \
    >"$TT_TMP/falco.yaml"

# traced NAME [tracer options] -- CMD...: runs CMD under the tracer into $TT_TMP/NAME.cap; its
# output in $TT_TMP/NAME.out, the tracer's stderr in NAME.err, the exit status in $rc.
traced() {
    local name=$1
    shift
    "$T" -q --no-snapshot -w "$TT_TMP/$name.cap" "$@" >"$TT_TMP/$name.out" 2>"$TT_TMP/$name.err"
    rc=$?
    "$T" dump "$TT_TMP/$name.cap" >"$TT_TMP/$name.dump" 2>&1
    return 0
}

# out NAME: the program's output
out() { cat "$TT_TMP/$1.out"; }

# tampers NAME: the tamper events of the capture
tampers() { grep ' tamper ' "$TT_TMP/$1.dump"; }

# alerts NAME: the engine's alerts for the capture (one JSON object a line)
alerts() {
    if [ ! -s "$TT_TMP/$1.alerts" ]; then
        "$E" -c "$TT_TMP/falco.yaml" -r "$TT_TMP/tamper_rule.yaml" -e "$TT_TMP/$1.cap" \
            >"$TT_TMP/$1.alerts" 2>"$TT_TMP/$1.engine.err"
        echo "engine-rc=$?" >>"$TT_TMP/$1.engine.err"
    fi
    grep '^{' "$TT_TMP/$1.alerts"
}

# expect_tamper CASE NAME TECHNIQUE ACTION TARGET_ERE PROC: a tamper event with these fields in
# the dump, and the engine's alert for it naming the process; the tracer exited normally.
expect_tamper() {
    local case=$1 name=$2 tech=$3 action=$4 target=$5 proc=$6 line alert
    line=$(tampers "$name" | grep -m1 "technique=$tech ")
    if [ -z "$line" ]; then
        fail "$case-tamper-event" "no tamper event technique=$tech: $(tampers "$name" | head -c 400)"
    elif ! printf '%s' "$line" | grep -Eq "target=$target action=$action\$"; then
        fail "$case-tamper-event" "want target~$target action=$action: $line"
    else
        pass "$case-tamper-event"
    fi
    alert=$(alerts "$name" | grep -m1 "\"evt.arg.technique\":\"$tech\"")
    if [ -z "$alert" ]; then
        fail "$case-engine-alert" "no alert: $(head -c 300 "$TT_TMP/$name.alerts") $(tail -n 3 "$TT_TMP/$name.engine.err")"
    elif ! printf '%s' "$alert" | grep -q "\"evt.arg.action\":\"$action\"" ||
        ! printf '%s' "$alert" | grep -q "\"proc.name\":\"$proc\"" ||
        ! printf '%s' "$alert" | grep -Eq "\"evt.arg.target\":\"$target\""; then
        fail "$case-engine-alert" "fields: $alert"
    elif ! grep -q '^engine-rc=0$' "$TT_TMP/$name.engine.err"; then
        fail "$case-engine-alert" "engine: $(tail -n 3 "$TT_TMP/$name.engine.err")"
    else
        pass "$case-engine-alert"
    fi
}

# expect_no_tamper CASE NAME TECHNIQUE: the negative control reports nothing (the defence was
# off), so the evasion went unseen
expect_no_tamper() {
    expect_eq "$1-control-unseen" "$(tampers "$2" | grep -c "technique=$3 ")" 0
}

# control_recorded CASE NAME DEFENCE: the tracerinfo event says the defence was off
control_recorded() {
    expect_match "$1-control-recorded" "$(grep -m1 ' tracerinfo ' "$TT_TMP/$2.dump")" \
        "defences off: [a-z_,]*$3"
}
