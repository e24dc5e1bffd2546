#!/usr/bin/env bash
# launcher benchmarks: start-up overhead (launcher true vs true) and signal-forwarding latency
# (SIGUSR1 to launcher -> workload handler, vs SIGUSR1 sent to the workload directly).
set -u
L=${TT_BIN:-build/bin}/launcher
python3 - "$L" <<'PY'
import os, signal, statistics, subprocess, sys, time
L = sys.argv[1]
N = 200

def runs(cmd):
    t = []
    for _ in range(N):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=False)
        t.append((time.perf_counter() - t0) * 1000)
    return t

def fmt(t):
    t = sorted(t)
    return f"median {statistics.median(t):7.3f} ms  p99 {t[int(len(t) * 0.99) - 1]:7.3f} ms"

print(f"start+exit, {N} runs")
print(f"  /bin/true directly        {fmt(runs(['/bin/true']))}")
print(f"  launcher /bin/true        {fmt(runs([L, '/bin/true']))}")

WORKLOAD = ("import os, signal, sys\n"
            "signal.signal(signal.SIGUSR1, lambda s, f: os.write(1, b'x'))\n"
            "os.write(1, b'r')\n"
            "while True: signal.pause()\n")

def latency(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.read(p.stdout.fileno(), 1)  # ready
    t = []
    for _ in range(N):
        t0 = time.perf_counter()
        os.kill(p.pid, signal.SIGUSR1)
        os.read(p.stdout.fileno(), 1)
        t.append((time.perf_counter() - t0) * 1000)
    p.send_signal(signal.SIGTERM)
    p.wait()
    return t

print(f"SIGUSR1 round trip to a python workload, {N} signals")
print(f"  direct to the workload    {fmt(latency(['python3', '-c', WORKLOAD]))}")
print(f"  through launcher          {fmt(latency([L, 'python3', '-c', WORKLOAD]))}")
PY
