# Shell helpers for the adversarial ring tests (tests/integration/adv_ring_*.sh): an engine with
# a bash rule and Tartan's rules on a test ring, en_feed as the producer, and alert counting.
# Source after tt.sh and tt_tmpdir; each test run uses its own ring keys.
: "${ADV_KEY_BASE:=$(printf '0x7a%04x' $(($$ & 0xffff)))}"
ADV_PIDS=()

adv_key() { printf '%s%02x' "$ADV_KEY_BASE" "$1"; }

adv_cleanup() {
    local p i
    for p in "${ADV_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    for i in $(seq 1 32); do ipcrm -M "$(adv_key "$i")" 2>/dev/null; done
}

# adv_config: falco.yaml and a rule alerting on each exec the producer writes, in $TT_TMP.
adv_config() {
    cat >"$TT_TMP/falco.yaml" <<'YAML'
json_output: true
time_format_iso_8601: true
syslog_output: {enabled: false}
watch_config_files: false
rule_matching: all
YAML
    cat >"$TT_TMP/bash.yaml" <<'YAML'
- rule: Adversarial test bash exec
  desc: every exec the test producer writes (Tartan's own bash rule has no pid in its output)
  condition: evt.type = execve and proc.name = bash
  output: Bash ran inside a container (command=%proc.cmdline pid=%proc.pid)
  priority: INFORMATIONAL
YAML
}

# adv_engine NAME KEY [ENV=VALUE...]: starts an engine on ring KEY, alerts in $TT_TMP/NAME.out,
# logs in NAME.err; sets ADV_ENGINE to its pid and waits until it waits for (or has) a ring.
# ADV_ENGINE_OPTS (an array) adds engine options.
ADV_ENGINE_OPTS=()
adv_engine() {
    local name=$1 key=$2
    shift 2
    env "$@" "$TT_BIN/engine" -c "$TT_TMP/falco.yaml" -r "$TT_TMP/bash.yaml" \
        -r "$TT_ROOT/etc/tartan_rules.yaml" -o "tartan.ring_key=$key" "${ADV_ENGINE_OPTS[@]}" \
        >"$TT_TMP/$name.out" 2>"$TT_TMP/$name.err" &
    ADV_ENGINE=$!
    ADV_PIDS+=("$ADV_ENGINE")
    wait_for 30 grep -qE "waiting for the tracer|attached to the event ring" "$TT_TMP/$name.err"
}

# adv_feed NAME KEY COUNT INTERVAL_MS [en_feed options...]: the producer, in the background
# (ADV_FEED), bash execs with pids 1000.. (one alert each), waiting for a consumer first.
adv_feed() {
    local name=$1 key=$2 count=$3 interval=$4
    shift 4
    "$TT_HELPERS/en_feed" --ring "$key" --count "$count" --interval-ms "$interval" \
        --wait-consumer 30000 --start-pid 1000 "$@" >"$TT_TMP/$name.feed" 2>&1 &
    ADV_FEED=$!
    ADV_PIDS+=("$ADV_FEED")
}

# adv_count FILE TEXT: lines of FILE containing TEXT (fixed string).
adv_count() { grep -cF -- "$2" "$1" 2>/dev/null || true; }

# adv_technique FILE TECHNIQUE: Tartan tamper alerts with that technique in FILE.
adv_technique() { adv_count "$1" "\"evt.arg.technique\":\"$2\""; }

# adv_bash_pids FILE...: distinct pids the bash rule alerted on.
adv_bash_pids() { cat "$@" 2>/dev/null | grep -F '"rule":"Adversarial test bash exec"' |
    grep -o '"proc.pid":[0-9]*' | sort -u | wc -l; }

# adv_bash_at_least N FILE...: at least N distinct pids alerted (for wait_for).
adv_bash_at_least() { local n=$1; shift; [ "$(adv_bash_pids "$@")" -ge "$n" ]; }

# adv_sanitizer_clean NAME: no sanitizer report in NAME.err.
adv_sanitizer_clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$TT_TMP/$1.err"; }

# adv_unread KEY OP N: the ring's unread records (published, not marked read) compare so to N,
# e.g. adv_unread KEY -ge 2 (for wait_for: re-reads the ring at each poll).
adv_unread() { local n; n=$("$TT_HELPERS/adv_ring_write" "$1" unread) && [ "$n" "$2" "$3" ]; }
