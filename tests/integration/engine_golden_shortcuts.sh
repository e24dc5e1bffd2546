#!/usr/bin/env bash
# The golden scenarios (tests/data/engine/golden/record.sh) recorded twice in the same run, in
# containers: once with the stops the engine asks for (its list for the rules the replay loads:
# NAME.entry and execve.success shortcuts, user notifications, the default) and once with every
# traced call stopped at entry and exit by ptrace (the same list without its shortcuts,
# --stops ptrace). Each pair of captures, replayed like engine_golden.py (all the rules files,
# then the stable rules alone), must raise the same alerts with the same output fields, apart
# from the values that differ between any two runs (times, ephemeral ports, pids and tids, also
# in /proc paths, container ids and hostnames). Negative control: sensitive_read recorded with a planted list that skips the
# exit stop of openat (the path a rule reads comes from it) must be told apart.
# variants: plain
# timeout: 300
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
if [ "$(id -u)" -ne 0 ]; then
    skip golden-shortcuts "needs root to run Docker"
    exit 0
fi
trap 'tt_docker_stop_started; rm -rf "$TT_TMP"' EXIT
if ! tt_docker_ready || ! tt_docker_base; then
    skip golden-shortcuts "no Docker daemon or no $TT_BASE_IMAGE image (see $TT_CACHE)"
    exit 0
fi
tt_upstream falco-rules || { fail golden-shortcuts "$TT_UPSTREAM"; exit 0; }
UP=$TT_UPSTREAM
G=$TT_ROOT/tests/data/engine/golden
stable=(-r "$UP/falco_rules.yaml" -r "$TT_ROOT/etc/tartan_rules.yaml" -r "$G/probe_rules.yaml")
ns=(-r "$UP/falco_rules.yaml" -r "$UP/falco-incubating_rules.yaml" -r "$UP/falco-sandbox_rules.yaml"
    -r "$TT_ROOT/tests/data/evtgen/enable_sandbox_disabled.yaml" -r "$TT_ROOT/etc/tartan_rules.yaml")
printf 'json_output: false\n' >"$TT_TMP/falco.yaml"

engine_list() { # OUT RULES...: the list the engine publishes for these rules
    local out=$1 p i
    shift
    TT_RING_KEY=$((0x47530000 + ($$ + RANDOM) % 65536)) TARTAN_SYSCALLS_FILE=$out \
        "$TT_BIN/engine" -c "$TT_TMP/falco.yaml" "$@" >/dev/null 2>"$out.log" &
    p=$!
    for i in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
    [ -s "$out" ]
}
mkdir -p "$TT_TMP/on" "$TT_TMP/off" "$TT_TMP/planted"
if ! engine_list "$TT_TMP/on/stable.set" "${stable[@]}" || ! engine_list "$TT_TMP/on/ns.set" "${ns[@]}"; then
    fail golden-shortcuts "the engine wrote no syscall list: $(tail -n 3 "$TT_TMP/on/stable.set.log")"
    exit 0
fi
shortcuts=$(cat "$TT_TMP/on/stable.set" "$TT_TMP/on/ns.set" | grep -cE '\.(entry|success)$')
if [ "$shortcuts" -gt 0 ]; then pass golden-shortcuts-in-lists; else
    fail golden-shortcuts-in-lists "the engine's lists hold no shortcut entry"
fi
for f in stable ns; do
    grep -vE '\.(entry|success)$' "$TT_TMP/on/$f.set" >"$TT_TMP/off/$f.set"
    # the control: opens reported from their entry alone (the exit stop gives fd.name)
    sed 's/^openat$/openat.entry/' "$TT_TMP/off/$f.set" >"$TT_TMP/planted/$f.set"
done

rec() { # VARIANT [TRACER ARGS] [SCENARIOS...]
    local v=$1 args=$2
    shift 2
    GOLDEN_OUT=$TT_TMP/caps-$v GOLDEN_SETS=$TT_TMP/$v GOLDEN_TRACER_ARGS=$args GOLDEN_NAME=tartan-golden-sc-$v \
        bash "$G/record.sh" -i "$TT_BASE_IMAGE" "$@" >"$TT_TMP/rec-$v.log" 2>&1
}
mkdir -p "$TT_TMP/caps-on" "$TT_TMP/caps-off" "$TT_TMP/caps-planted"
if ! rec on "" || ! rec off "--stops ptrace" || ! rec planted "--stops ptrace" sensitive_read; then
    fail golden-shortcuts "recording failed: $(tail -n 3 "$TT_TMP"/rec-*.log | tr '\n' ' ')"
    exit 0
fi

# Replays a pair and prints one PASS/FAIL per capture and rules selection.
TT_TMP=$TT_TMP python3 - "$TT_ROOT" <<'EOF'
import importlib.util, json, os, re, sys
root, tmp = sys.argv[1], os.environ["TT_TMP"]
spec = importlib.util.spec_from_file_location("golden", os.path.join(root, "tests/integration/engine_golden.py"))
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)
# what differs between any two runs of a scenario
VOLATILE = {"evt.time", "container.id", "container.start_ts", "fd.lport", "fd.sport", "fd.cport",
            "fd.name", "proc.pid", "proc.ppid", "proc.vpid", "thread.tid", "proc.exe_ino.ctime",
            "proc.exe_ino.mtime", "proc.exe_ino.ctime_duration_proc_start"}
def alerts(cap, files):
    cfg = os.path.join(tmp, "falco-json.yaml")
    with open(cfg, "w") as f:
        f.write("json_output: true\nstdout_output:\n  enabled: true\n")
    out = []
    for a in g.replay(cfg, cap, files):
        fields = a["output_fields"]
        keep = {k: v for k, v in fields.items() if k not in VOLATILE}
        if isinstance(keep.get("proc.env"), str):  # the container's hostname is its id
            keep["proc.env"] = re.sub(r"HOSTNAME=[0-9a-f]+", "HOSTNAME=id", keep["proc.env"])
        # fd.name of a connection holds an ephemeral port; a file's path is compared
        name = fields.get("fd.name")
        if not isinstance(name, str) or "->" not in name:
            keep["fd.name"] = re.sub(r"^/proc/[0-9]+/", "/proc/PID/", name) if name else name
        out.append((a["rule"], a["priority"], keep))
    return out
def differs(a, b):
    if [x[0] for x in a] != [x[0] for x in b]:
        return f"rules {[x[0] for x in a]} against {[x[0] for x in b]}"
    for x, y in zip(a, b):
        if x != y:
            k = sorted(set(x[2]) | set(y[2]))
            d = [f"{f}={x[2].get(f)!r}/{y[2].get(f)!r}" for f in k if x[2].get(f) != y[2].get(f)]
            return f"{x[0]}: {', '.join(d) or 'priority'} (shortcuts/ptrace)"
    return None
names = json.load(open(os.path.join(g.GOLDEN, "expected.json")))
fails = 0
for name in sorted(names):
    if name.startswith("arm64_"):  # recorded on arm64 only (record-arm64.sh)
        continue
    files = [g.UPSTREAM] + (g.NONSTABLE if name.startswith("ns_") else []) + [g.TARTAN]
    files += [g.PROBES] if name.startswith("probe_") else []
    on, off = (os.path.join(tmp, f"caps-{v}", name + ".cap") for v in ("on", "off"))
    for label, fl in (("", files), ("_upstream_only", [g.UPSTREAM])):
        try:
            a, b = alerts(on, fl), alerts(off, fl)
            why = differs(a, b)
            if not g.ttest.check(f"golden_shortcuts_{name}{label}", why is None, why or ""):
                fails += 1
        except Exception as e:
            g.ttest.failed(f"golden_shortcuts_{name}{label}", str(e))
            fails += 1
# the control: the planted list loses fd.name (or the alert) of the sensitive read
files = [g.UPSTREAM, g.TARTAN]
a = alerts(os.path.join(tmp, "caps-planted", "sensitive_read.cap"), files)
b = alerts(os.path.join(tmp, "caps-off", "sensitive_read.cap"), files)
why = differs(a, b)
g.ttest.log(f"control: {why}")
g.ttest.check("golden_shortcuts_control_detects_lost_exit_stop", why is not None and len(b) > 0,
              "a capture without openat's exit stop raised the same alerts")
sys.exit(1 if fails else 0)
EOF
