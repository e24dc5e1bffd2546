#!/usr/bin/env python3
# Engine runtime on the live ring: attach whether the engine or the producer starts first (and
# re-attach to a new ring), shutdown delivery (an alert raised 50 ms before the producer ends is
# delivered by stdout, file, program and http before the engine exits 0), drop alerts and log
# lines with a stalled engine (and the exit action), timeouts notification, -P pidfile.
# timeout: 300
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402


def start_engine(t, cfg, rules, key, extra=(), name="engine"):
    out = open(t.path(name + ".out"), "w")
    err = open(t.path(name + ".err"), "w")
    return t.spawn([rt.ENGINE, "-c", cfg, "-r", rules, "-o", f"tartan.ring_key={key}", *extra],
                   stdout=out, stderr=err, env=rt.env_clean())


def feed(t, key, *args):
    return t.spawn([rt.FEED, "--ring", str(key), *args], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)


def alerts(t, name="engine"):
    return rt.json_lines(t.read(name + ".out"))


def main():
    with rt.Tmp() as t:
        run(t)


def run(t):
    key = rt.unique_key()
    bash = t.write("bash.yaml", rt.BASH_RULE)
    cfg = t.write("falco.yaml", rt.BASE_CONFIG)

    # 1. engine first, producer later; then a second producer (re-attach after end of stream)
    e = start_engine(t, cfg, bash, key, ["-P", t.path("engine.pid")])
    ok = rt.wait_until(lambda: "waiting for the tracer" in t.read("engine.err"), 10)
    ttest.check("engine_waits_for_ring", ok, t.read("engine.err")[-300:])
    ttest.check("pidfile_written", rt.wait_until(
        lambda: t.read("engine.pid").strip() == str(e.pid), 5), t.read("engine.pid"))
    f = feed(t, key, "--count", "3", "--wait-consumer", "10000", "--hold", "200")
    f.wait(timeout=30)
    ttest.check("engine_first_gets_alerts", rt.wait_until(lambda: len(alerts(t)) == 3, 10),
                repr(alerts(t)))
    f = feed(t, key, "--count", "2", "--wait-consumer", "10000", "--start-pid", "500")
    f.wait(timeout=30)
    ttest.check("reattach_to_new_ring", rt.wait_until(lambda: len(alerts(t)) == 5, 10),
                t.read("engine.err")[-400:])
    rc = rt.stop(e)
    ttest.check("sigterm_exit_0", rc == 0, f"rc={rc} {t.read('engine.err')[-300:]}")
    ttest.check("pidfile_removed", not os.path.exists(t.path("engine.pid")), "still there")

    # 2. producer first, engine later
    f = feed(t, key, "--count", "2", "--wait-consumer", "10000", "--hold", "300")
    time.sleep(0.3)
    e = start_engine(t, cfg, bash, key, name="late")
    f.wait(timeout=30)
    ttest.check("producer_first_gets_alerts", rt.wait_until(lambda: len(alerts(t, "late")) == 2, 10),
                t.read("late.err")[-300:])
    rt.stop(e)

    # 3. shutdown: the last alert (50 ms before the end) reaches every output before exit
    port_file = t.path("peer.port")
    peer = t.spawn([sys.executable, os.path.join(rt.DATA, "http_peer.py"), port_file,
                    t.path("http.out")])
    ok = rt.wait_until(lambda: os.path.exists(port_file), 10)
    port = int(open(port_file).read()) if ok else 9
    prog_out = t.path("program.out")
    full = t.write("full.yaml", rt.BASE_CONFIG +
                   f"file_output: {{enabled: true, keep_alive: true, filename: {t.path('file.out')}}}\n"
                   f"program_output: {{enabled: true, keep_alive: true, program: \"dd status=none oflag=append conv=notrunc of={prog_out}\"}}\n"
                   f"http_output: {{enabled: true, url: \"http://127.0.0.1:{port}/shutdown\"}}\n")
    e = start_engine(t, full, bash, key, name="shut")
    rt.wait_until(lambda: "waiting for the tracer" in t.read("shut.err"), 10)
    f = feed(t, key, "--count", "1", "--wait-consumer", "10000", "--last-gap-ms", "50",
             "--args", "-c last-words")
    f.wait(timeout=30)
    rc = rt.stop(e)  # the launcher's SIGTERM right after the workload ended

    def has_last(text):
        return "last-words" in text

    outs = {
        "stdout": has_last(t.read("shut.out")),
        "file": has_last(t.read("file.out")),
        "program": has_last(open(prog_out).read() if os.path.exists(prog_out) else ""),
        "http": has_last(t.read("http.out")),
    }
    ttest.check("shutdown_delivers_to_every_output", all(outs.values()) and rc == 0,
                f"rc={rc} {outs} {t.read('shut.err')[-300:]}")
    peer.kill()

    # 4. drops with a stalled engine: alert + log line; then the exit action
    drops_cfg = t.write("drops.yaml", rt.BASE_CONFIG + "syscall_event_drops:\n"
                        "  actions: [log, alert]\n  threshold: 0.1\n  rate: 1\n  max_burst: 1\n")
    e = start_engine(t, drops_cfg, bash, key, name="drops")
    rt.wait_until(lambda: "waiting for the tracer" in t.read("drops.err"), 10)
    f = feed(t, key, "--count", "300", "--filler", "30", "--size", "65536", "--wait-consumer",
             "10000", "--hold", "4000")
    rt.wait_until(lambda: "attached" in t.read("drops.err"), 10)
    e.send_signal(signal.SIGSTOP)
    time.sleep(1.0)  # the producer floods a ring nobody reads
    e.send_signal(signal.SIGCONT)
    got = rt.wait_until(lambda: [a for a in alerts(t, "drops")
                                 if a.get("rule") == "Falco internal: syscall event drop"], 8)
    ok = bool(got) and got[0]["priority"] == "Debug" and got[0]["source"] == "internal" \
        and int(got[0]["output_fields"]["n_drops"]) > 0 \
        and "system calls dropped in last second" in got[0]["output"]
    ttest.check("drop_alert_after_stall", ok, repr(got)[:300] + t.read("drops.err")[-300:])
    ttest.check("drop_log_line", "system calls dropped in last second" in t.read("drops.err"),
                t.read("drops.err")[-300:])
    f.wait(timeout=30)
    rt.stop(e)

    # threshold 1: the drop ratio (drops / events produced) never exceeds it
    th_cfg = t.write("dropth.yaml", rt.BASE_CONFIG + "syscall_event_drops:\n"
                     "  actions: [log, alert]\n  threshold: 1\n  rate: 1\n  max_burst: 1\n")
    e = start_engine(t, th_cfg, bash, key, name="dropth")
    rt.wait_until(lambda: "waiting for the tracer" in t.read("dropth.err"), 10)
    f = feed(t, key, "--count", "300", "--filler", "30", "--size", "65536", "--wait-consumer",
             "10000", "--hold", "2500")
    rt.wait_until(lambda: "attached" in t.read("dropth.err"), 10)
    e.send_signal(signal.SIGSTOP)
    time.sleep(1.0)
    e.send_signal(signal.SIGCONT)
    fout, _ = f.communicate(timeout=30)
    rt.stop(e)
    n_alerts = len(alerts(t, "dropth"))
    dropped = int(fout.split("dropped=")[1].split()[0]) if "dropped=" in fout else 0
    ttest.check("drop_threshold_respected",
                dropped > 0 and 0 < n_alerts and not [a for a in alerts(t, "dropth") if a.get("source") == "internal"]
                and "system calls dropped" not in t.read("dropth.err"),
                f"{n_alerts} alerts, {dropped} dropped " + t.read("dropth.err")[-300:])

    exit_cfg = t.write("dropexit.yaml", rt.BASE_CONFIG + "syscall_event_drops:\n"
                       "  actions: [exit]\n  simulate_drops: true\n")
    e = start_engine(t, exit_cfg, bash, key, name="dropexit")
    f = feed(t, key, "--count", "5", "--interval-ms", "300", "--wait-consumer", "10000")
    try:
        rc = e.wait(timeout=15)
    except subprocess.TimeoutExpired:
        rc = None
    ttest.check("drop_exit_action", rc not in (0, None), f"rc={rc}")
    f.wait(timeout=30)

    # 5. timeouts notification (Falco's internal alert after consecutive empty reads)
    to_cfg = t.write("timeouts.yaml", rt.BASE_CONFIG + "syscall_event_timeouts:\n  max_consecutives: 5\n")
    e = start_engine(t, to_cfg, bash, key, name="timeouts")
    f = feed(t, key, "--count", "1", "--wait-consumer", "10000", "--hold", "2000")
    got = rt.wait_until(lambda: [a for a in alerts(t, "timeouts")
                                 if a.get("rule") == "Falco internal: timeouts notification"], 8)
    ttest.check("timeouts_notification", bool(got) and got[0]["priority"] == "Debug"
                and "5 consecutive timeouts without event" in got[0]["output"]
                and got[0]["output_fields"]["last_event_time"] != "none", repr(got)[:300])
    rt.stop(e)
    f.wait(timeout=30)


main()
