#!/usr/bin/env python3
"""logshipper against a fault-injecting CloudWatch Logs stand-in (tests/lib/ls_fakecwl.py):
throttling, 500/503, connection resets, slow responses, 200 without a request id,
rejectedLogEventsInfo, a stream deleted mid-run, InvalidParameterException, x-amz-retry-after,
outages with queue bounds, the disk spool and SIGTERM during an outage. Every case checks that
each line arrived exactly once, in order."""
# timeout: 300
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import check as _check, log  # noqa: E402

T0 = time.time()


def check(name, cond, why="condition false"):
    log(f"== {name} at {time.time() - T0:.1f}s")
    return _check(name, cond, why)
import ls_fakecwl  # noqa: E402
import ls_moto  # noqa: E402
from ls_moto import alert_lines, summary  # noqa: E402

HOME = tempfile.mkdtemp(prefix="ls-faults-")
AK, SK = "AKIDFAULTS", "faults-secret-key-0123456789"
FAST = ["--region", "us-east-1", "--flush-interval", "100", "--retry-base-ms", "20",
        "--retry-cap-ms", "300", "--timeout", "2000"]


def env(extra=None):
    return ls_moto.shipper_env(HOME, dict({"AWS_ACCESS_KEY_ID": AK,
                                           "AWS_SECRET_ACCESS_KEY": SK}, **(extra or {})))


def server():
    f = ls_fakecwl.FakeCWL()
    f.keys[AK] = (SK, None)
    return f


def outputs(msgs):
    import json
    out = []
    for m in msgs:
        try:
            out.append(json.loads(m)["output"])
        except ValueError:
            out.append(m)
    return out


def want(n, prefix, start=0):
    return ["%s %d" % (prefix, i) for i in range(start, start + n)]


def scenario(name, script, n=300, args=(), prefix=None):
    """Run the shipper with a fault script; check exactly-once, in order, retries counted."""
    t0 = time.time()
    prefix = prefix or name
    with server() as f:
        f.script = list(script)
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s"]
                                      + list(args), env(), alert_lines(n, prefix))
        got = outputs(f.messages("g", "s"))
        s = summary(err)
        ok = got == want(n, prefix) and rc == 0 and s.get("delivered") == n
        check(f"{name}_exactly_once_in_order", ok and not f.violations,
              f"rc {rc} summary {s} got {len(got)} violations {f.violations[:3]}")
        log(f"== {name}: {time.time() - t0:.1f}s")
        return f, s, err


def main():
    f, s, _ = scenario("throttling", ["throttle"] * 4)
    check("throttling_retried", s.get("retries", 0) >= 4, f"summary {s}")
    f, s, _ = scenario("http_500_503", ["500", "503", "502", "504"])
    check("http_5xx_retried", s.get("retries", 0) >= 4, f"summary {s}")
    f, s, _ = scenario("connection_reset", ["reset", "reset", "reset"])
    # (libcurl itself retries once when a reused connection dies before any reply)
    check("connection_reset_retried", s.get("retries", 0) >= 1 and
          len(f.ops("PutLogEvents")) >= 4, f"summary {s} puts {len(f.ops('PutLogEvents'))}")
    f, s, _ = scenario("slow_within_timeout", ["slow:0.8"])
    check("slow_within_timeout_no_retry", s.get("retries") == 0, f"summary {s}")
    f, s, _ = scenario("slow_beyond_timeout", ["slow:1.5"], args=["--timeout", "500"])
    check("slow_beyond_timeout_retried", s.get("retries", 0) >= 1, f"summary {s}")
    f, s, _ = scenario("no_request_id", ["norequestid", "norequestid"])
    check("no_request_id_retried", s.get("retries", 0) >= 2, f"summary {s}")
    f, s, _ = scenario("stream_deleted", ["delete_stream"], n=300)
    check("stream_deleted_recreated", len(f.ops("CreateLogStream")) >= 2,
          f"CreateLogStream calls {len(f.ops('CreateLogStream'))}")
    f, s, err = scenario("expired_token", ["expired"])
    check("expired_token_refreshes_then_retries", "refreshing credentials" in err, "no refresh")

    # One kept-alive connection for many requests; an existing stream is fine
    # (ResourceAlreadyExistsException is success).
    with server() as f:
        f.groups["g"] = {"s": []}
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s"], env(),
                                      alert_lines(30000, "keep"))
        check("connection_reused", rc == 0 and len(f.ops("PutLogEvents")) >= 3 and
              f.connections == 1, f"rc {rc} puts {len(f.ops('PutLogEvents'))} "
              f"connections {f.connections}")
        check("existing_stream_is_success", rc == 0 and len(f.messages("g", "s")) == 30000 and
              len(f.ops("CreateLogStream")) == 1 and not f.ops("CreateLogGroup"), f"rc {rc}")

    # CreateLogGroup denied: harmless when the group exists (never even called), reported and
    # retried when it does not, and not called at all with --no-create-group.
    with server() as f:
        f.deny_create_group = True
        f.groups["existing"] = {}
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "existing", "-s", "s"],
                                      env(), alert_lines(5, "deny"))
        check("create_group_denied_group_exists", rc == 0 and
              len(f.messages("existing", "s")) == 5 and not f.ops("CreateLogGroup"),
              f"rc {rc} ops {[r[1] for r in f.ops()]}")
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "missing", "-s", "s",
                                              "--deadline", "1"], env(), alert_lines(5, "deny"))
        check("create_group_denied_group_missing", rc != 0 and
              "creating it was denied" in err and summary(err).get("undelivered") == 5,
              f"rc {rc} {err[-300:]}")
        n = len(f.ops("CreateLogGroup"))
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "missing2", "-s", "s",
                                              "--deadline", "1", "--no-create-group"], env(),
                                      alert_lines(5, "deny"))
        check("no_create_group_flag", rc != 0 and len(f.ops("CreateLogGroup")) == n and
              "does not exist" in err, f"rc {rc}")

    # Flush interval: a partial batch goes out after the interval, also after idle periods.
    with server() as f:
        p = ls_moto.start_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s",
                                          "--flush-interval", "300"], env())
        seen = []
        for i in range(2):
            time.sleep(1.2)  # idle first
            t0 = time.time()
            p.stdin.write(alert_lines(1, "flush", i))
            p.stdin.flush()
            while time.time() - t0 < 5 and len(f.messages("g", "s")) <= i:
                time.sleep(0.02)
            seen.append(time.time() - t0)
        p.stdin.close()
        p.wait(10)
        check("flush_interval_without_eof", p.returncode == 0 and max(seen) < 1.0 and
              min(seen) >= 0.25, f"delays {seen}")

    # x-amz-retry-after: the next attempt waits at least that long.
    with server() as f:
        f.script = ["retry_after:700"]
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s"], env(),
                                      alert_lines(10, "ra"))
        puts = f.ops("PutLogEvents")
        gap = puts[1][0] - puts[0][0] if len(puts) >= 2 else 0
        check("retry_after_honoured", rc == 0 and gap >= 0.65, f"rc {rc} gap {gap:.3f}s")

    # rejectedLogEventsInfo: counted as rejected, never as delivered; exit status non-zero.
    with server() as f:
        f.script = ["too_new:7"]
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s"], env(),
                                      alert_lines(10, "rej"))
        s = summary(err)
        check("rejected_events_reported", rc != 0 and s.get("rejected") == 3 and
              s.get("delivered") == 7 and "rejected 3 of 10" in err, f"rc {rc} summary {s}")
    with server() as f:
        f.script = ["too_old:4"]
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s"], env(),
                                      alert_lines(10, "old"))
        s = summary(err)
        check("too_old_events_reported", rc != 0 and s.get("rejected") == 4 and
              outputs(f.messages("g", "s")) == want(6, "old", 4), f"rc {rc} summary {s}")

    # InvalidParameterException: never the same request twice; the bad event is isolated.
    with server() as f:
        f.poison = "alert-poison 37"
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s"], env(),
                                      alert_lines(100, "alert-poison"))
        s = summary(err)
        got = outputs(f.messages("g", "s"))
        w = [x for x in want(100, "alert-poison") if x != "alert-poison 37"]
        check("invalid_parameter_not_retried_unchanged",
              len(f.invalid_bodies) == len(set(f.invalid_bodies)) and len(f.invalid_bodies) > 1,
              f"{len(f.invalid_bodies)} refused bodies, {len(set(f.invalid_bodies))} distinct")
        check("invalid_parameter_isolates_bad_event",
              got == w and s.get("rejected") == 1 and rc != 0, f"rc {rc} summary {s} got {len(got)}")

    # Batching limits: 25,000 events and 1 MiB events respect CloudWatch's batch rules.
    with server() as f:
        big = b"".join(b"big-%d " % i + b"x" * 600000 + b"\n" for i in range(5))
        data = alert_lines(25000, "many") + big
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s"], env(),
                                      data)
        got = f.messages("g", "s")
        check("batch_limits_respected", rc == 0 and len(got) == 25005 and not f.violations and
              len(f.ops("PutLogEvents")) >= 6, f"rc {rc} got {len(got)} {f.violations[:2]}")

    # SIGTERM while back-pressure holds lines already read: none of them is dropped.
    with server() as f:
        f.put_delay = 0.2
        p = ls_moto.start_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s",
                                          "--queue-bytes", "20000", "--deadline", "30"], env())
        import threading
        data = alert_lines(3000, "bp")
        def feed():
            try:
                p.stdin.write(data)
                p.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass  # the shipper stopped reading at SIGTERM
        w = threading.Thread(target=feed, daemon=True)
        w.start()
        time.sleep(1.0)
        p.send_signal(signal.SIGTERM)
        try:
            _, err = p.communicate(timeout=40)
        except (subprocess.TimeoutExpired, ValueError, BrokenPipeError):
            ls_moto.kill_proc(p)
            _, err = p.communicate()
        err = err.decode()
        s = summary(err)
        got = outputs(f.messages("g", "s"))
        check("sigterm_under_backpressure_drops_nothing",
              p.returncode == 0 and s.get("dropped") == 0 and 0 < s.get("read", 0) < 3000 and
              got == want(s["read"], "bp"), f"rc {p.returncode} summary {s} got {len(got)}")

    # Outage: SIGTERM while the service is down; it comes back before the deadline.
    with server() as f:
        f.down = "503"
        p = ls_moto.start_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s",
                                          "--deadline", "8"], env())
        p.stdin.write(alert_lines(2000, "outage"))
        p.stdin.flush()
        time.sleep(1.0)
        t0 = time.time()
        p.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        f.down = None
        try:
            _, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            ls_moto.kill_proc(p)
            _, err = p.communicate()
        took = time.time() - t0
        err = err.decode()
        log(err[-2000:])
        got = outputs(f.messages("g", "s"))
        check("sigterm_during_outage_delivers_within_deadline",
              p.returncode == 0 and got == want(2000, "outage") and took < 8.5,
              f"rc {p.returncode} got {len(got)} took {took:.1f}s summary {summary(err)}")

    # A request hanging when the deadline comes is abandoned: the deadline holds.
    with server() as f:
        f.script = ["slow:20"]
        t0 = time.time()
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s",
                                              "--deadline", "2", "--timeout", "30000"], env(),
                                      alert_lines(10, "hang"))
        took = time.time() - t0
        check("deadline_cuts_hanging_request", rc != 0 and took < 4 and
              summary(err).get("undelivered") == 10, f"rc {rc} took {took:.1f}s")

    # Outage that outlasts the deadline: exit non-zero, undelivered counted.
    with server() as f:
        f.down = "reset"
        rc, err = ls_moto.run_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s",
                                              "--deadline", "1"], env(), alert_lines(50, "lost"))
        s = summary(err)
        check("undeliverable_exit_nonzero", rc != 0 and s.get("undelivered") == 50,
              f"rc {rc} summary {s}")

    # Queue bound during an outage: oldest dropped, counted, and a notice shipped on resume.
    with server() as f:
        f.down = "503"
        p = ls_moto.start_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s",
                                          "--queue-bytes", "60000"], env())
        p.stdin.write(alert_lines(2000, "bound"))
        p.stdin.flush()
        time.sleep(1.5)
        f.down = None
        _, err = p.communicate(timeout=30)
        err = err.decode()
        s = summary(err)
        got = outputs(f.messages("g", "s"))
        notices = [m for m in got if "log events were lost" in m]
        kept = [m for m in got if m.startswith("bound ")]
        nums = [int(m.split()[1]) for m in kept]
        # The batch in flight when the outage began is kept; the rest kept are the newest.
        ok = (p.returncode != 0 and s.get("dropped", 0) > 0 and
              s["dropped"] + len(kept) == 2000 and nums == sorted(set(nums)) and
              nums[-1] == 1999 and len(notices) == 1 and str(s["dropped"]) in notices[0])
        check("queue_bound_drops_oldest_and_reports", ok,
              f"rc {p.returncode} summary {s} kept {len(kept)} notices {notices}")

    # Disk spool: the same outage with a spool loses nothing and leaves no files behind.
    spool = tempfile.mkdtemp(prefix="ls-spool-")
    with server() as f:
        f.down = "503"
        p = ls_moto.start_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s",
                                          "--queue-bytes", "60000", "--spool-dir", spool],
                                  env())
        p.stdin.write(alert_lines(20000, "spool"))
        p.stdin.flush()
        time.sleep(1.5)
        on_disk = sum(os.path.getsize(os.path.join(spool, x)) for x in os.listdir(spool))
        f.down = None
        _, err = p.communicate(timeout=60)
        err = err.decode()
        s = summary(err)
        got = outputs(f.messages("g", "s"))
        check("spool_outage_nothing_lost", p.returncode == 0 and got == want(20000, "spool")
              and on_disk > 1000000, f"rc {p.returncode} summary {s} got {len(got)} disk {on_disk}")
        check("spool_emptied", os.listdir(spool) == [], f"left {os.listdir(spool)}")

    # Spool bound exceeded: the oldest are dropped and reported.
    with server() as f:
        f.down = "503"
        p = ls_moto.start_shipper(FAST + ["--endpoint", f.url, "-g", "g", "-s", "s",
                                          "--queue-bytes", "60000", "--spool-dir", spool,
                                          "--spool-bytes", "300000"], env())
        p.stdin.write(alert_lines(5000, "sb"))
        p.stdin.flush()
        time.sleep(1.5)
        f.down = None
        _, err = p.communicate(timeout=60)
        s = summary(err.decode())
        got = outputs(f.messages("g", "s"))
        kept = [m for m in got if m.startswith("sb ")]
        nums = [int(m.split()[1]) for m in kept]
        check("spool_bound_drops_oldest", p.returncode != 0 and s.get("dropped", 0) > 0 and
              len(kept) + s["dropped"] == 5000 and nums == sorted(set(nums)) and
              nums[-1] == 4999 and any("were lost" in m for m in got),
              f"summary {s} kept {len(kept)}")
    shutil.rmtree(spool, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
