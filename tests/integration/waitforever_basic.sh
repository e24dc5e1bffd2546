#!/usr/bin/env bash
# waitforever: --version/--help; SIGTERM and SIGINT make it exit 0 within 100 ms; no CPU and
# no wake-ups while idle; reaps children (and orphans) when it is PID 1.
# timeout: 120
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
W=$TT_BIN/waitforever

out=$("$W" --version)
expect_eq version_status "$?" 0
expect_match version_text "$out" '^waitforever [0-9]+\.[0-9]+'
out=$("$W" --help)
expect_eq help_status "$?" 0
expect_match help_text "$out" 'SIGTERM'
"$W" --bogus 2>/dev/null
expect_eq bad_argument_status "$?" 125

# Latency and idle CPU, measured from python for precise timing. waitforever is "ready" when it
# sleeps in sigtimedwait (wchan), or has SIGTERM blocked; if wchan is not available, after 2 s.
python3 - "$W" <<'PY'
import os, signal, subprocess, sys, time
W = sys.argv[1]

def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)

def wchan(pid):
    try:
        with open(f"/proc/{pid}/wchan") as f:
            return f.read()
    except OSError:
        return ""

def ready(pid):
    t0 = time.monotonic()
    while time.monotonic() < t0 + 10:
        st = status(pid)
        if st["State"].startswith("S"):
            if "sigtimedwait" in wchan(pid) or int(st["SigBlk"], 16) & (1 << (signal.SIGTERM - 1)):
                return True
            if time.monotonic() > t0 + 2:
                return True
        time.sleep(0.01)
    return False

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime

for sig in (signal.SIGTERM, signal.SIGINT):
    name = sig.name.lower()
    p = subprocess.Popen([W], stdin=subprocess.DEVNULL)
    if not ready(p.pid):
        print(f"FAIL {name}_exit: waitforever never became ready")
        p.kill(); p.wait(); continue
    if sig == signal.SIGTERM:
        c0, v0 = cpu_ticks(p.pid), status(p.pid)["voluntary_ctxt_switches"]
        time.sleep(1.0)
        c1, v1 = cpu_ticks(p.pid), status(p.pid)["voluntary_ctxt_switches"]
        print(("PASS idle_no_cpu" if c1 == c0 else f"FAIL idle_no_cpu: used {c1 - c0} ticks in 1 s"))
        print(("PASS idle_no_wakeups" if v1 == v0 else f"FAIL idle_no_wakeups: {v0} -> {v1} context switches in 1 s"))
    t0 = time.monotonic()
    p.send_signal(sig)
    rc = p.wait()
    ms = (time.monotonic() - t0) * 1000
    print(f"PASS {name}_exit_0" if rc == 0 else f"FAIL {name}_exit_0: status {rc}")
    print(f"PASS {name}_within_100ms" if ms < 100 else f"FAIL {name}_within_100ms: took {ms:.1f} ms")
    print(f"{name}: exited in {ms:.2f} ms", file=sys.stderr)
PY

# As PID 1 of a fresh PID namespace: a direct child and 300 orphans are reaped.
if ! unshare --fork --pid --mount-proc true 2>/dev/null; then
    skip pid1_reaps "cannot create a PID namespace here"
    exit 0
fi
H=$TT_HELPERS/lw_orphans
unshare --fork --pid --mount-proc bash -c "sleep 0.2 & (sleep 0.5; exec $H 300 10000) >$TT_TMP/orphans & exec $W" \
    </dev/null &
upid=$!
wfpid=
wait_for 10 test -s "$TT_TMP/orphans"
expect_eq pid1_orphans_reaped "$(cat "$TT_TMP/orphans")" "orphans=300 reparented=300 zombies=0 alive=0"
wfpid=$(ps -o pid= --ppid "$upid" | awk 'NR==1{print $1}')
zombies() { ps -o stat= --ppid "$wfpid" | grep -c '^Z'; }
# lw_orphans and the first sleep were waitforever's own children: no zombie may remain.
wait_for 5 sh -c "[ \$(ps -o stat= --ppid $wfpid | grep -c '^Z') -eq 0 ]"
expect_eq pid1_children_reaped "$(zombies)" 0
expect_eq pid1_no_children_left "$(ps -o pid= --ppid "$wfpid" | wc -l)" 0
check pid1_still_running kill -0 "$wfpid"
t0=$(date +%s%N)
kill -TERM "$wfpid"
wait "$upid"
rc=$?
expect_eq pid1_sigterm_exit_0 "$rc" 0
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -lt 1000 ]; then pass pid1_sigterm_prompt; else fail pid1_sigterm_prompt "took ${ms} ms"; fi
