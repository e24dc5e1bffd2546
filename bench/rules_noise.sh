#!/usr/bin/env bash
# Alert noise of the default rules (Falco's falco_rules.yaml + etc/tartan_rules.yaml), before and
# after "Outbound connection" stopped reporting private and AWS link-local destinations, on:
#   sample   docker/sample-workload.sh, 10 rounds (a shell, /etc/shadow, a write below /etc and a
#            connection to a loopback listener per round: the demo's workload)
#   service  one start of a service talking to AWS: 16 connections to loopback, VPC addresses,
#            VPC endpoints, the ECS/EC2 link-local endpoints and their IPv6 forms, and 7 to public
#            addresses (tests/helpers/net_connects, in a network namespace with a default route)
# "before" is the same rules with tartan_private_outbound_destinations emptied, which is the rule
# as it was (every connection reported). Alerts per rule, side by side; needs root.
set -u
: "${TT_ROOT:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TT_BIN:=$TT_ROOT/build/bin}"
: "${TT_HELPERS:=$TT_ROOT/build/helpers}"
rules=$(sh "$TT_ROOT/tests/lib/upstream.sh" falco-rules/falco_rules.yaml) || {
    echo "   rules_noise: skipped ($rules)"
    exit 0
}
if [ "$(id -u)" -ne 0 ] || [ ! -x "$TT_HELPERS/net_connects" ] || [ ! -x "$TT_BIN/engine" ]; then
    echo "   rules_noise: skipped (needs root and make all)"
    exit 0
fi
tmp=$(mktemp -d /tmp/tartan-bench-noise.XXXXXX)
listener=
trap '[ -z "$listener" ] || kill $listener 2>/dev/null; rm -rf "$tmp"' EXIT
printf 'json_output: true\nsyslog_output: {enabled: false}\nrule_matching: all\nwatch_config_files: false\n' >"$tmp/falco.yaml"
printf -- '- list: tartan_private_outbound_destinations\n  items: []\n  override: {items: replace}\n' >"$tmp/before.yaml"
: >"$tmp/after.yaml"
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64); print(s.getsockname()[1], flush=True)
while True:
    s.accept()[0].close()' >"$tmp/port" &
listener=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.05; done

traced() { # out tuning -- command...: the command under the tracer, alerts to out
    local out=$1 tuning=$2 key engine
    shift 3
    key=$(printf '0x5456%04x' $((RANDOM & 0xffff)))
    "$TT_BIN/engine" -c "$tmp/falco.yaml" -r "$rules" -r "$TT_ROOT/etc/tartan_rules.yaml" -r "$tuning" \
        -o "tartan.ring_key=$key" >"$out" 2>"$out.err" &
    engine=$!
    for _ in $(seq 200); do grep -q "waiting for the tracer" "$out.err" && break; sleep 0.05; done
    TT_RING_KEY=$key "$@" >/dev/null 2>&1
    sleep 0.5
    kill -TERM "$engine"
    wait "$engine"
}
sample() { # out tuning
    traced "$1" "$2" -- env SAMPLE_ROUNDS=10 SAMPLE_INTERVAL=0 SAMPLE_CONNECT="127.0.0.1:$(cat "$tmp/port")" \
        SAMPLE_ETC_FILE=/etc/tartan-noise-$$.conf "$TT_BIN/tracer" /bin/bash "$TT_ROOT/docker/sample-workload.sh"
}
service() { # out tuning
    traced "$1" "$2" -- unshare -n sh -c 'ip link set lo up && ip link add v0 type veth peer name v1 &&
        ip link set v0 up && ip link set v1 up && ip addr add 198.51.100.2/24 dev v0 &&
        ip -6 addr add 2001:db8::2/64 dev v0 nodad && ip route add default dev v0 &&
        ip -6 route add default dev v0 && exec "$@"' sh "$TT_BIN/tracer" "$TT_HELPERS/net_connects" \
        tcp 127.0.0.1 8080 tcp ::1 8080 tcp 10.0.1.25 443 tcp 172.31.7.9 5432 tcp 192.168.4.4 6379 \
        tcp 100.64.3.3 443 tcp 169.254.169.254 80 tcp 169.254.170.2 80 tcp 169.254.170.23 80 \
        udp 169.254.169.253 53 udp 10.0.0.2 53 tcp fd00:ec2::254 80 tcp fd00:ec2::23 80 \
        tcp6 ::ffff:169.254.170.2 80 tcp6 ::ffff:10.0.1.25 443 tcp 0.0.0.0 8080 \
        tcp 52.94.0.10 443 tcp 203.0.113.10 443 tcp 2600:1f18::1 443 tcp6 ::ffff:203.0.113.10 443 \
        tcp 64:ff9b::cb00:710b 443 udp 8.8.8.8 53 tcp 172.32.0.1 443
}
count() { python3 -c '
import collections, json, sys
c = collections.Counter(json.loads(l)["rule"] for l in open(sys.argv[1]) if l.startswith("{"))
for r, n in sorted(c.items()): print(f"{r}\t{n}")' "$1"; }

for w in sample service; do
    $w "$tmp/$w.before" "$tmp/before.yaml"
    $w "$tmp/$w.after" "$tmp/after.yaml"
    echo "   $w workload: alerts per rule                                before   after"
    join -t "$(printf '\t')" -a1 -a2 -e 0 -o 0,1.2,2.2 <(count "$tmp/$w.before" | sort) \
        <(count "$tmp/$w.after" | sort) | awk -F'\t' '{ printf "     %-55s %6s %7s\n", $1, $2, $3 }'
    printf '     %-55s %6s %7s\n' "total" "$(grep -c '^{' "$tmp/$w.before")" "$(grep -c '^{' "$tmp/$w.after")"
done
rm -f /etc/tartan-noise-$$.conf
