#!/usr/bin/env bash
# The default rules can be left on for a service that talks to AWS: tracer + engine (upstream
# falco_rules.yaml and etc/tartan_rules.yaml) on a live workload that connects, in a network
# namespace with a default route (a veth pair), to what such a service connects to: loopback,
# VPC addresses (other tasks, VPC endpoints), the link-local AWS services (169.254.169.254,
# 169.254.170.2, 169.254.170.23, DNS 169.254.169.253 over UDP), their IPv6 forms (fd00:ec2::),
# IPv4-mapped addresses from a dual-stack socket. None of it may raise an alert, from any rule.
# Attacks (negative controls): public IPv4 and IPv6 addresses, a public address written as an
# IPv4-mapped IPv6 address and as NAT64 (64:ff9b::/96), UDP to a public resolver: each must
# raise "Outbound connection". Tuning from falco_rules.local.yaml: an allowlist entry silences
# one public network only; replacing tartan_private_outbound_destinations with [] reports
# everything again (the rule as it was before, which also gives the before/after noise count).
# timeout: 240
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir

if [ "$(id -u)" -ne 0 ]; then
    skip outbound-rule "needs root for a network namespace (unshare -n) with a veth pair"
    exit 0
fi
for need in "$TT_BIN/engine" "$TT_BIN/tracer" "$TT_HELPERS/net_connects"; do
    [ -x "$need" ] || { fail outbound-rule "$need not built (make all)"; exit 0; }
done
if ! tt_upstream falco-rules/falco_rules.yaml; then
    fail outbound-rule-upstream-rules "$TT_UPSTREAM"
    exit 0
fi
upstream=$TT_UPSTREAM
if ! unshare -n sh -c 'ip link add v0 type veth peer name v1' 2>"$TT_TMP/veth.err"; then
    fail outbound-rule-netns "cannot create a veth pair in a network namespace: $(cat "$TT_TMP/veth.err")"
    exit 0
fi

# proto addr port, ordinary AWS traffic of a service
ordinary=(tcp 127.0.0.1 8080  tcp ::1 8080  tcp 10.0.1.25 443  tcp 172.31.7.9 5432
    tcp 192.168.4.4 6379  tcp 100.64.3.3 443  tcp 169.254.169.254 80  tcp 169.254.170.2 80
    tcp 169.254.170.23 80  udp 169.254.169.253 53  udp 10.0.0.2 53  tcp fd00:ec2::254 80
    tcp fd00:ec2::23 80  tcp6 ::ffff:169.254.170.2 80  tcp6 ::ffff:10.0.1.25 443  tcp 0.0.0.0 8080)
# destinations outside the VPC
public=(tcp 52.94.0.10 443  tcp 203.0.113.10 443  tcp 2600:1f18::1 443
    tcp6 ::ffff:203.0.113.10 443  tcp 64:ff9b::cb00:710b 443  udp 8.8.8.8 53  tcp 172.32.0.1 443)
nordinary=$((${#ordinary[@]} / 3)) npublic=$((${#public[@]} / 3))

cat >"$TT_TMP/falco.yaml" <<'YAML'
json_output: true
syslog_output: {enabled: false}
rule_matching: all
watch_config_files: false
YAML
# run NAME [extra rules file]: one traced run, alerts in $TT_TMP/NAME.out
run() {
    local name=$1 key engine extra=()
    [ -z "${2:-}" ] || extra=(-r "$2")
    key=$(printf '0x5455%04x' $((RANDOM & 0xffff)))
    "$TT_BIN/engine" -c "$TT_TMP/falco.yaml" -r "$upstream" -r "$TT_ROOT/etc/tartan_rules.yaml" \
        "${extra[@]}" -o "tartan.ring_key=$key" >"$TT_TMP/$name.out" 2>"$TT_TMP/$name.err" &
    engine=$!
    wait_for 20 grep -q "waiting for the tracer" "$TT_TMP/$name.err"
    TT_RING_KEY=$key unshare -n sh -c '
        ip link set lo up && ip link add v0 type veth peer name v1 && ip link set v0 up &&
        ip link set v1 up && ip addr add 198.51.100.2/24 dev v0 &&
        ip -6 addr add 2001:db8::2/64 dev v0 nodad && ip route add default dev v0 &&
        ip -6 route add default dev v0 && exec "$@"' sh \
        "$TT_BIN/tracer" "$TT_HELPERS/net_connects" "${ordinary[@]}" "${public[@]}" \
        >"$TT_TMP/$name.wl" 2>"$TT_TMP/$name.tracer"
    wait_for 10 grep -q "$(echo "${public[@]: -3:2}" | tr ' ' '.' | sed 's/^tcp\.//')" "$TT_TMP/$name.out"
    sleep 0.3
    kill -TERM "$engine"
    wait "$engine"
    ipcrm -M "$key" 2>/dev/null
}
# outbound NAME: "addr port" of every Outbound connection alert; others NAME: any other alert
outbound() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["rule"] == "Outbound connection":
        print(a["output_fields"]["fd.sip"], a["output_fields"]["fd.sport"])' "$TT_TMP/$1.out" | sort
}
others() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["rule"] != "Outbound connection":
        print(a["rule"])' "$TT_TMP/$1.out" | sort | uniq -c
}
want_lines() { # proto addr port ... -> "addr port" lines
    while [ $# -ge 3 ]; do echo "$2 $3"; shift 3; done | sort
}

run default
connected=$(grep -cE ' (OK|EINPROGRESS)$' "$TT_TMP/default.wl")
expect_eq outbound-workload-connected "$connected" $((nordinary + npublic))
got=$(outbound default)
expect_eq outbound-ordinary-aws-traffic-quiet "$(comm -12 <(echo "$got") <(want_lines "${ordinary[@]}"))" ""
expect_eq outbound-public-destinations-reported "$got" "$(want_lines "${public[@]}")"
expect_eq outbound-no-other-rule-fires "$(others default)" ""

# tuning: an allowlist entry in falco_rules.local.yaml silences that network only
cat >"$TT_TMP/allow.yaml" <<'YAML'
- list: tartan_allowed_outbound_destinations
  items: [203.0.113.0/24, "::ffff:203.0.113.0/120"]
  override:
    items: append
YAML
run allow "$TT_TMP/allow.yaml"
expect_eq outbound-allowlist-silences-one-network "$(outbound allow)" \
    "$(want_lines "${public[@]}" | grep -v '203\.0\.113\.10')"

# tuning: report private destinations too (the rule as it was: every connection)
cat >"$TT_TMP/all.yaml" <<'YAML'
- list: tartan_private_outbound_destinations
  items: []
  override:
    items: replace
YAML
run all "$TT_TMP/all.yaml"
expect_eq outbound-report-everything-override "$(outbound all)" \
    "$(want_lines "${ordinary[@]}" "${public[@]}")"
echo "noise on a service's AWS traffic ($nordinary ordinary + $npublic public connections):" \
    "$(outbound all | wc -l) Outbound connection alerts before, $(outbound default | wc -l) after" >&2

if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$TT_TMP"/*.err "$TT_TMP"/*.tracer; then
    fail outbound-no-sanitizer-finding "$(grep -h -m1 -A5 -E 'Sanitizer|runtime error' "$TT_TMP"/*.err "$TT_TMP"/*.tracer)"
else
    pass outbound-no-sanitizer-finding
fi
