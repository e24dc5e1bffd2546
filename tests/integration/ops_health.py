#!/usr/bin/env python3
# `engine --health`, the container health check: each unhealthy condition is produced for real
# and must be reported (exit 1, one line naming it), and must clear when the cause goes away:
#   no status file, waiting for a tracer past tracer_wait_seconds, the tracer killed, drops
#   above max_drop_ratio in the window (negative control: the same burst under a higher limit is
#   healthy), the engine stopped (SIGSTOP) then stale, logshipper failing to deliver past
#   delivery_failure_seconds (and healthy again once CloudWatch answers), the program output
#   unable to run.
# Attacks on the probe itself (the workload can write the tmpfs file): a status file naming a
# dead pid, a live pid that is not the engine, a ring that does not exist, or written by another
# user, is refused; the genuine file passes (negative control).
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
import ls_fakecwl  # noqa: E402
import ls_moto  # noqa: E402

AK, SK = "AKIDHEALTH", "health-secret-0123456789"


def probe(cfg, env=None):
    p = subprocess.run([rt.ENGINE, "-c", cfg, "--health"], capture_output=True, text=True,
                       timeout=20, env=env or rt.env_clean())
    return p.returncode, p.stdout.strip(), p.stderr


def wait_probe(cfg, want_rc, needle, timeout=15):
    last = None
    deadline = time.time() + timeout
    while time.time() < deadline:
        last = probe(cfg)
        if last[0] == want_rc and needle in last[1]:
            return True, last
        time.sleep(0.25)
    return False, last


def memfd_exec(exe, *args):
    """A command that runs exe from an in-memory copy, as tt_spawn's nondumpable does."""
    code = ("import os, sys; fd = os.memfd_create('tartan-exec'); "
            "w = os.fdopen(os.dup(fd), 'wb'); w.write(open(sys.argv[1], 'rb').read()); "
            "w.close(); os.execve(fd, sys.argv[1:], os.environ)")
    return [sys.executable, "-c", code, exe, *args]


def config(t, name, key, extra=""):
    return t.write(f"{name}.yaml", rt.BASE_CONFIG +
                   f"tartan:\n  ring_key: {key}\n  health:\n"
                   f"    status_file: {t.path(name + '.status.json')}\n"
                   "    tracer_wait_seconds: 3\n    stall_seconds: 3\n"
                   "    drop_window_seconds: 3\n" + extra)


def start_engine(t, name, cfg, rules, env=None):
    e = t.spawn([rt.ENGINE, "-c", cfg, "-r", rules], stdout=open(t.path(name + ".out"), "w"),
                stderr=open(t.path(name + ".err"), "w"), env=env or rt.env_clean())
    rt.wait_until(lambda: os.path.exists(t.path(name + ".status.json")), 10)
    return e


def check_wait(name, cfg, rc, needle, timeout=15):
    ok, last = wait_probe(cfg, rc, needle, timeout)
    return ttest.check(name, ok, f"last probe: {last}")


def burst_while_stopped(t, e, key, feed):
    """With engine e stopped (SIGSTOP), a new producer overflows a small ring; then e goes on."""
    feed.kill()
    feed.wait()
    burst = t.spawn([rt.FEED, "--ring", str(key), "--size", "8192", "--count", "400",
                     "--filler", "3", "--hold", "600000"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    os.kill(e.pid, signal.SIGCONT)
    return burst


def ring_cases(t, rules):
    key = rt.unique_key() + 1
    cfg = config(t, "ring", key, "    max_drop_ratio: 0.05\n")
    rc, out, _ = probe(cfg)
    ttest.check("no_engine_is_unhealthy", rc == 1 and out.startswith("unhealthy: no engine status"),
                f"{rc} {out}")
    e = start_engine(t, "ring", cfg, rules)
    rc, out, err = probe(cfg)
    ttest.check("waiting_within_tracer_wait_is_healthy",
                rc == 0 and out.startswith("healthy:") and "waiting" in out and not err,
                f"{rc} {out} {err}")
    check_wait("no_tracer_after_tracer_wait", cfg, 1, "no tracer: waiting")

    feed = t.spawn([rt.FEED, "--ring", str(key), "--count", "5", "--wait-consumer", "10000",
                    "--hold", "600000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check_wait("consuming_is_healthy", cfg, 0, "consuming ring")
    feed.kill()
    feed.wait()
    check_wait("tracer_killed_is_unhealthy", cfg, 1, "tracer gone")

    # drops: the engine is stopped while a burst overflows a small ring
    feed = t.spawn([rt.FEED, "--ring", str(key), "--size", "8192", "--count", "1",
                    "--wait-consumer", "10000", "--hold", "600000"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check_wait("new_tracer_is_healthy", cfg, 0, "consuming ring")
    os.kill(e.pid, signal.SIGSTOP)
    ok, last = wait_probe(cfg, 1, "engine stopped", 5)
    ttest.check("engine_sigstop_is_unhealthy_at_once", ok, f"last probe: {last}")
    check_wait("engine_stopped_then_stale", cfg, 1, "engine stalled: its status is")
    burst = burst_while_stopped(t, e, key, feed)
    ok, last = wait_probe(cfg, 1, "drops:", 10)
    ttest.check("drops_above_the_limit_are_unhealthy", ok and "max_drop_ratio" in last[1],
                f"last probe: {last}")
    check_wait("drops_out_of_the_window_healthy_again", cfg, 0, "consuming ring")
    burst.kill()
    burst.wait()
    rt.stop(e)

    # negative control: the same kind of burst under a limit it does not exceed
    key2 = key + 1
    cfg2 = config(t, "ring2", key2, "    max_drop_ratio: 1.0\n")
    e2 = start_engine(t, "ring2", cfg2, rules)
    feed = t.spawn([rt.FEED, "--ring", str(key2), "--size", "8192", "--count", "1",
                    "--wait-consumer", "10000", "--hold", "600000"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check_wait("control_attached", cfg2, 0, "consuming ring")
    os.kill(e2.pid, signal.SIGSTOP)
    burst = burst_while_stopped(t, e2, key2, feed)
    time.sleep(2.5)
    st = json.load(open(t.path("ring2.status.json")))
    rc, out, _ = probe(cfg2)
    ttest.check("control_same_drops_under_the_limit_healthy",
                rc == 0 and st["window_drops"] > 0, f"{rc} {out} drops={st['window_drops']}")
    return e2, cfg2, key2  # the burst's producer stays alive for forged()


def forged(t, cfg, key):
    """The workload writes the status file: every lie it can tell must be caught."""
    path = t.path("ring2.status.json")
    genuine = json.load(open(path))
    rc, out, _ = probe(cfg)
    ttest.check("forged_control_genuine_file_passes", rc == 0, f"{rc} {out}")
    fake = t.path("forged.yaml")
    fpath = t.path("forged.status.json")
    with open(fake, "w") as f:
        f.write(open(cfg).read().replace(path, fpath))

    def lie(name, want, **changes):
        s = dict(genuine)
        s["wall_ms"] = int(time.time() * 1000)
        s.update(changes)
        with open(fpath, "w") as f:
            json.dump(s, f)
        rc, out, _ = probe(fake)
        ttest.check(name, rc == 1 and want in out, f"{rc} {out}")

    sleeper = t.spawn(["sleep", "600"])
    dead = subprocess.Popen(["true"])
    dead.wait()
    lie("forged_dead_pid_refused", "engine gone", pid=dead.pid)
    lie("forged_other_process_refused", "does not run this engine binary", pid=sleeper.pid)
    lie("forged_ring_that_does_not_exist_refused", "cannot be observed", ring_key=key + 7,
        ring_state=1)
    # a real engine (waiting on another ring) claimed as the consumer of this one
    other = t.spawn([rt.ENGINE, "-c", config(t, "other", key + 9), "-r", t.path("bash.yaml")],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=rt.env_clean())
    rt.wait_until(lambda: os.path.exists(t.path("other.status.json")), 10)
    lie("forged_ring_consumed_by_someone_else_refused", "not consumed by the engine",
        pid=other.pid, ring_state=1)
    rt.stop(other)
    # An engine the launcher started runs from an in-memory copy of its file (non-dumpable from
    # its exec): still this engine. Control: a copy of another program is refused.
    copy = t.spawn(memfd_exec(rt.ENGINE, "-c", config(t, "copy", key + 11), "-r",
                              t.path("bash.yaml")),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=rt.env_clean())
    rt.wait_until(lambda: os.path.exists(t.path("copy.status.json")), 10)
    rc, out, _ = probe(t.path("copy.yaml"))
    ttest.check("engine_from_memory_copy_healthy", rc == 0 and
                os.readlink(f"/proc/{copy.pid}/exe").startswith("/memfd:tartan-exec"),
                f"{rc} {out}")
    rt.stop(copy)
    sleeper_copy = t.spawn(memfd_exec("/bin/sleep", "600"))
    rt.wait_until(lambda: os.readlink(f"/proc/{sleeper_copy.pid}/exe").startswith("/memfd:"), 5)
    lie("forged_memory_copy_of_other_program_refused", "does not run this engine binary",
        pid=sleeper_copy.pid)
    os.symlink(path, fpath + ".lnk")
    with open(fake, "w") as f:
        f.write(open(cfg).read().replace(path, fpath + ".lnk"))
    rc, out, _ = probe(fake)
    ttest.check("forged_symlink_not_followed", rc == 1 and "no engine status" in out,
                f"{rc} {out}")
    if os.getuid() == 0:
        with open(fpath, "w") as f:
            s = dict(genuine)
            s["wall_ms"] = int(time.time() * 1000)
            json.dump(s, f)
        os.chown(fpath, 65534, 65534)
        with open(fake, "w") as f:
            f.write(open(cfg).read().replace(path, fpath))
        rc, out, _ = probe(fake)
        ttest.check("forged_by_another_user_refused", rc == 1 and "not written by the engine" in out,
                    f"{rc} {out}")
    else:
        ttest.skipped("forged_by_another_user_refused", "needs root to chown the forged file")


def delivery_cases(t, rules):
    key = rt.unique_key() + 3
    with ls_fakecwl.FakeCWL() as f:
        f.keys[AK] = (SK, None)
        cfg = config(t, "ship", key, "    delivery_failure_seconds: 2\n")
        with open(cfg, "a") as fh:
            fh.write("program_output:\n  enabled: true\n  keep_alive: true\n"
                     f"  program: {os.path.join(ttest.BIN, 'logshipper')} --flush-interval 100 "
                     "--retry-base-ms 50 --retry-cap-ms 300 --timeout 1000\n")
        env = ls_moto.shipper_env(t.path("home"), rt.env_clean({
            "AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK, "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": f.url, "__CW_LOG_GROUP": "g",
            "LOGSHIPPER_LOG_STREAM": "s"}))
        e = start_engine(t, "ship", cfg, rules, env)
        feed = t.spawn([rt.FEED, "--ring", str(key), "--count", "3", "--wait-consumer", "10000",
                        "--hold", "600000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        check_wait("delivering_is_healthy", cfg, 0, "logshipper 3 delivered")
        f.down = "503"
        feed.kill()
        feed.wait()
        feed = t.spawn([rt.FEED, "--ring", str(key), "--count", "3", "--start-pid", "500",
                        "--wait-consumer", "10000", "--hold", "600000"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        check_wait("cannot_deliver_is_unhealthy", cfg, 1,
                   "cannot deliver: logshipper has failed for")
        rc, out, _ = probe(cfg)
        ttest.check("cannot_deliver_names_the_error", "ServiceUnavailableException" in out, out)
        f.down = None
        check_wait("delivering_again_is_healthy", cfg, 0, "logshipper 6 delivered")
        feed.kill()
        rt.stop(e)

    key = rt.unique_key() + 4
    cfg = config(t, "noprog", key, "    delivery_failure_seconds: 2\n")
    with open(cfg, "a") as fh:
        fh.write("program_output: {enabled: true, keep_alive: true, program: /nonexistent/ship}\n")
    e = start_engine(t, "noprog", cfg, rules)
    check_wait("program_output_not_running_is_unhealthy", cfg, 1,
               "program output has not been running")
    rt.stop(e)


def main():
    with rt.Tmp() as t:
        rules = t.write("bash.yaml", rt.BASH_RULE)
        e2, cfg2, key2 = ring_cases(t, rules)
        forged(t, cfg2, key2)
        rt.stop(e2)
        delivery_cases(t, rules)


main()
