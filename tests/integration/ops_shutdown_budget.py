#!/usr/bin/env python3
# No alert lost at stop, through the whole chain launcher -> engine -> logshipper -> CloudWatch
# Logs (the fault-injecting stand-in tests/lib/ls_fakecwl.py). launcher runs a ring producer
# (en_feed) in the foreground and the engine in the background; the engine's program output is
# logshipper. Alerts are raised, then launcher gets SIGTERM while the peer answers slowly or
# fails:
#   within_budget   slow (0.3 s a request) and throttling (8 ThrottlingExceptions): every alert
#                   the engine raised arrives exactly once; the engine says none lost, exits 0
#   budget_runs_out the peer fails after 3 batches: what did not arrive is exactly what the
#                   engine reports lost (delivered + lost = raised), exit status 3, launcher logs
#                   it; logshipper was told the engine's deadline minus 2 s and kept it
#   negative control the same peer with a 2 s budget (what the engine gave before): alerts are
#                   lost, and the loss is reported
#   reload          a reload while CloudWatch is down: the old logshipper closes in the
#                   background, the engine keeps reading (alerts keep coming)
#   program_killed  logshipper asked for a longer deadline than the engine gives (warned at
#                   start): the engine stops it at its deadline and counts what logshipper had not
#                   confirmed, from its last status record
# timeout: 300
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402
import ls_fakecwl  # noqa: E402
import ls_moto  # noqa: E402

AK, SK = "AKIDSTOPBUDGET", "stop-budget-secret-0123456789"
LAUNCHER = os.path.join(ttest.BIN, "launcher")
SHIPPER = os.path.join(ttest.BIN, "logshipper")
RULE = "Detect bash in a container"
N = 60


def run(t, name, f, deadline, extra_args="", key_off=0):
    """Raise N alerts through launcher, SIGTERM it, return what each side said."""
    key = rt.unique_key() + key_off
    rules = t.write(f"{name}.rules.yaml", rt.BASH_RULE)
    prog = (f"{SHIPPER} --flush-interval 100 --retry-base-ms 50 --retry-cap-ms 400 "
            f"--timeout 3000 {extra_args}")
    cfg = t.write(f"{name}.yaml", rt.BASE_CONFIG +
                  "program_output:\n  enabled: true\n  keep_alive: true\n"
                  f"  program: {prog}\n"
                  f"tartan:\n  ring_key: {key}\n  shutdown:\n"
                  f"    program_output_deadline: {deadline}\n")
    env = ls_moto.shipper_env(t.path("home"), rt.env_clean({
        "AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK, "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": f.url, "__CW_LOG_GROUP": "g",
        "LOGSHIPPER_LOG_STREAM": name}))
    out, err = t.path(f"{name}.out"), t.path(f"{name}.err")
    cmd = [LAUNCHER, rt.FEED, "--ring", str(key), "--count", str(N), "--interval-ms", "20",
           "--wait-consumer", "20000", "--hold", "600000",
           "--", rt.ENGINE, "-c", cfg, "-r", rules]
    p = t.spawn(cmd, stdout=open(out, "w"), stderr=open(err, "w"), env=env)
    raised = lambda: [a for a in rt.json_lines(t.read(f"{name}.out")) if a.get("rule") == RULE]
    rt.wait_until(lambda: len(raised()) >= N, 30)
    time.sleep(0.3)  # logshipper has read them: they are in its queue or in flight
    t0 = time.time()
    rc = rt.stop(p, signal.SIGTERM, timeout=60)
    took = time.time() - t0
    alerts = [a["output"] for a in raised()]
    shipped = []
    for m in f.messages("g", name):
        try:
            import json
            j = json.loads(m)
        except ValueError:
            continue
        if j.get("rule") == RULE:
            shipped.append(j["output"])
    return rc, took, alerts, shipped, t.read(f"{name}.err")


def lost_reported(err):
    m = re.search(r"program output: (\d+) alerts were not delivered", err)
    return int(m.group(1)) if m else 0


def main():
    with rt.Tmp() as t:
        # 1. slow and throttling, within the budget: nothing lost
        with ls_fakecwl.FakeCWL() as f:
            f.keys[AK] = (SK, None)
            f.put_delay = 0.3
            f.script = ["throttle"] * 8
            rc, took, alerts, shipped, err = run(t, "within", f, deadline=12, key_off=1)
        ttest.check("within_budget_every_alert_raised", len(alerts) == N,
                    f"raised {len(alerts)} of {N}: " + err[-600:])
        ttest.check("within_budget_every_alert_delivered_once",
                    sorted(shipped) == sorted(alerts) and len(shipped) == N,
                    f"shipped {len(shipped)}, raised {len(alerts)}: " + err[-800:])
        ttest.check("within_budget_engine_says_none_lost",
                    f"{N} delivered, none lost" in err and "were not delivered" not in err,
                    err[-800:])
        ttest.check("within_budget_throttled_before_and_after_sigterm",
                    len([r for r in f.requests if r[3] == "throttle"]) == 8, str(f.requests[-10:]))
        ttest.check("within_budget_launcher_status_is_the_workload_s",
                    rc == 128 + signal.SIGTERM and "ended: exit code" not in err,
                    f"rc={rc} " + err[-400:])
        ttest.check("within_budget_fits_launcher_grace", took < 20, f"took {took:.1f}s")

        # negative control: the same slow, throttling peer with the old 2 s budget loses alerts
        # (so the check above can fail), and the loss is reported, not silent
        with ls_fakecwl.FakeCWL() as f:
            f.keys[AK] = (SK, None)
            f.put_delay = 0.3
            f.script = ["throttle"] * 8
            rc, took, alerts, shipped, err = run(t, "short", f, deadline=2, key_off=4)
        ttest.check("negative_control_short_budget_loses_and_says_so",
                    len(shipped) < N and len(shipped) + lost_reported(err) == N,
                    f"shipped {len(shipped)} lost {lost_reported(err)}: " + err[-600:])

        # 2. the peer fails after 3 batches: what is missing is exactly what is reported
        with ls_fakecwl.FakeCWL() as f:
            f.keys[AK] = (SK, None)
            f.script = ["ok"] * 3 + ["503"] * 100000
            rc, took, alerts, shipped, err = run(t, "runsout", f, deadline=4, key_off=2)
        lost = lost_reported(err)
        ttest.check("budget_runs_out_some_delivered", 0 < len(shipped) < N,
                    f"shipped {len(shipped)} of {N}: " + err[-600:])
        ttest.check("budget_runs_out_delivered_plus_lost_is_raised",
                    len(alerts) == N and len(shipped) + lost == N and set(shipped) <= set(alerts),
                    f"raised {len(alerts)} shipped {len(shipped)} lost {lost}: " + err[-800:])
        ttest.check("budget_runs_out_logshipper_kept_the_engine_deadline",
                    "deadline 2s" in err and "undelivered" in err and "terminating it" not in err,
                    err[-800:])
        ttest.check("budget_runs_out_engine_exit_3_logged_by_launcher",
                    re.search(r"\[launcher\] warning: background command 1 .* ended: exit code 3", err)
                    is not None, err[-600:])
        ttest.check("budget_runs_out_bounded", took < 4 + 2 + 2 + 3, f"took {took:.1f}s")

        # 3. logshipper would wait longer than the engine: stopped, counted from its last record
        with ls_fakecwl.FakeCWL() as f:
            f.keys[AK] = (SK, None)
            f.script = ["ok"] * 2 + ["503"] * 100000
            rc, took, alerts, shipped, err = run(t, "killed", f, deadline=3,
                                                 extra_args="--deadline 30", key_off=3)
        lost = lost_reported(err)
        ttest.check("program_killed_warned_at_start", "asks for a 30 s delivery deadline" in err,
                    err[:1200])
        ttest.check("program_killed_at_the_deadline", "terminating it" in err, err[-800:])
        ttest.check("program_killed_delivered_plus_lost_is_raised",
                    len(alerts) == N and 0 < len(shipped) and len(shipped) + lost == N,
                    f"raised {len(alerts)} shipped {len(shipped)} lost {lost}: " + err[-800:])

        reload_case(t)


def reload_case(t):
    """A reload replaces the outputs while CloudWatch is down: the old logshipper gets its whole
    deadline in the background, and the engine keeps reading the ring meanwhile."""
    key = rt.unique_key() + 6
    rules = t.write("reload.rules.yaml", rt.BASH_RULE)
    body = (rt.BASE_CONFIG + "program_output:\n  enabled: true\n  keep_alive: true\n"
            f"  program: {SHIPPER} --flush-interval 100 --retry-base-ms 50 --retry-cap-ms 400\n"
            f"tartan:\n  ring_key: {key}\n  health: {{status_file: {t.path('rl.st')}}}\n"
            "  shutdown:\n    program_output_deadline: 8\n")
    cfg = t.write("reload.yaml", body)
    with ls_fakecwl.FakeCWL() as f:
        f.keys[AK] = (SK, None)
        f.down = "503"
        env = ls_moto.shipper_env(t.path("home"), rt.env_clean({
            "AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK, "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": f.url, "__CW_LOG_GROUP": "g",
            "LOGSHIPPER_LOG_STREAM": "reload"}))
        e = t.spawn([rt.ENGINE, "-c", cfg, "-r", rules], stdout=open(t.path("rl.out"), "w"),
                    stderr=open(t.path("rl.err"), "w"), env=env)
        feed = t.spawn([rt.FEED, "--ring", str(key), "--count", "80", "--interval-ms", "100",
                        "--wait-consumer", "10000", "--hold", "600000"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        count = lambda: len([a for a in rt.json_lines(t.read("rl.out")) if a.get("rule") == RULE])
        rt.wait_until(lambda: count() >= 10, 20)
        with open(cfg, "w") as fh:
            fh.write(body.replace("output_timeout", "x") + "output_timeout: 2001\n")
        before = count()
        e.send_signal(signal.SIGHUP)
        time.sleep(2.0)
        during = count() - before
        ttest.check("reload_while_cloudwatch_down_does_not_stall_the_engine",
                    during >= 12 and "reload done" in t.read("rl.err"),
                    f"{during} alerts in the 2 s after the reload (20 expected): "
                    + t.read("rl.err")[-500:])
        feed.kill()
        rt.stop(e)


main()
