#!/usr/bin/env python3
# Engine syslog output and log_syslog: the engine runs in a private mount namespace whose /dev
# holds a test /dev/log socket; alerts arrive with the LOG_USER facility and the rule's
# priority as syslog level, operational logs with log_syslog, nothing with both off.
# timeout: 120
import os
import shutil
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402


def collect(sock, out):
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            return
        if not data:
            return
        out.append(data.decode("utf-8", "replace"))


def run_in_ns(t, args):
    dev = t.path("dev")
    inner = (f"mount --bind /dev/null {dev}/null && mount --bind {dev} /dev && "
             f"exec {rt.ENGINE} " + " ".join(f"'{a}'" for a in args))
    return subprocess.run(["unshare", "-m", "sh", "-c", inner], capture_output=True, text=True,
                          timeout=60, env=rt.env_clean())


def main():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        ttest.skipped("syslog_output", "needs root and unshare for a private /dev/log")
        return
    with rt.Tmp() as t:
        run(t)


def run(t):
    dev = t.path("dev")
    os.mkdir(dev)
    open(os.path.join(dev, "null"), "w").close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(os.path.join(dev, "log"))
    msgs = []
    th = threading.Thread(target=collect, args=(sock, msgs), daemon=True)
    th.start()
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            f"mount --bind /dev/null {dev}/null && mount --bind {dev} /dev && true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        ttest.skipped("syslog_output", "cannot bind-mount a private /dev: " + probe.stderr.strip()[:200])
        return
    cap = rt.feed_capture(t.path("s.cap"), "--count", "2")
    rules = t.write("r.yaml", rt.BASH_RULE + rt.NOTICE_RULE)
    cfg = t.write("c.yaml", rt.BASE_CONFIG.replace("syslog_output: {enabled: false}",
                                                   "syslog_output: {enabled: true}")
                  + "rule_matching: all\nstdout_output: {enabled: false}\nlog_syslog: true\n")
    p = run_in_ns(t, ["-c", cfg, "-r", rules, "-e", cap])
    rt.wait_until(lambda: len(msgs) >= 4, 5)
    alerts = [m for m in msgs if '"rule":' in m]
    info = [m for m in alerts if m.startswith("<14>") and "Detect bash in a container" in m]
    notice = [m for m in alerts if m.startswith("<13>") and "Bash notice" in m]
    ttest.check("syslog_alerts_user_facility_and_level", p.returncode == 0 and len(info) == 2
                and len(notice) == 2, repr(msgs)[:500] + p.stderr[-200:])
    logs = [m for m in msgs if "loaded 2 rules" in m]
    ttest.check("log_syslog_lines", len(logs) == 1 and logs[0].startswith("<14>"), repr(msgs)[:400])
    ttest.check("stdout_disabled_is_empty", p.stdout == "", p.stdout[:200])
    n = len(msgs)
    cfg2 = t.write("c2.yaml", rt.BASE_CONFIG + "log_syslog: false\n")
    p = run_in_ns(t, ["-c", cfg2, "-r", rules, "-e", cap])
    import time
    time.sleep(0.3)
    ttest.check("syslog_off_sends_nothing", p.returncode == 0 and len(msgs) == n
                and len(rt.json_lines(p.stdout)) == 2, repr(msgs[n:])[:300])
    sock.close()


main()
