#!/usr/bin/env python3
"""logshipper input handling end to end: oversize lines truncated with a marker (never dropped),
a 5 MiB line, a settable event limit, invalid UTF-8 replaced, empty lines skipped, timestamps
from Falco's "time" field or the read time, kept in order and within CloudWatch's window."""
# timeout: 120
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import check  # noqa: E402
import ls_fakecwl  # noqa: E402
import ls_moto  # noqa: E402
from ls_moto import summary  # noqa: E402

HOME = tempfile.mkdtemp(prefix="ls-input-")
LIMIT = 1048576 - 26


def ship(data, args=()):
    f = ls_fakecwl.FakeCWL()
    f.keys["AKIDIN"] = ("in-secret", None)
    env = ls_moto.shipper_env(HOME, {"AWS_ACCESS_KEY_ID": "AKIDIN",
                                     "AWS_SECRET_ACCESS_KEY": "in-secret",
                                     "AWS_REGION": "us-east-1"})
    rc, err = ls_moto.run_shipper(["--endpoint", f.url, "-g", "g", "-s", "s",
                                   "--flush-interval", "100"] + list(args), env, data)
    evs = f.events("g", "s")
    viol = list(f.violations)
    f.stop()
    return rc, err, evs, viol


def main():
    marker = "...[logshipper: line of %d bytes truncated]"
    # 2 MiB and 5 MiB lines between normal ones.
    two, five = 2 * 1024 * 1024, 5 * 1024 * 1024
    data = b"before\n" + b"a" * two + b"\n" + b"middle\n" + b"b" * five + b"\nafter\n"
    rc, err, evs, viol = ship(data)
    msgs = [m for _, m in evs]
    ok = (rc == 0 and len(msgs) == 5 and msgs[0] == "before" and msgs[2] == "middle"
          and msgs[4] == "after" and not viol)
    check("oversize_lines_kept_in_order", ok, f"rc {rc} n {len(msgs)} viol {viol}")
    if len(msgs) == 5:
        for name, m, total, ch in (("oversize_2mib_truncated", msgs[1], two, "a"),
                                   ("line_5mib_truncated", msgs[3], five, "b")):
            b = m.encode()
            check(name, len(b) <= LIMIT and len(b) > LIMIT - 100 and
                  m.endswith(marker % total) and m.startswith(ch * 1000),
                  f"{len(b)} bytes, ends {m[-60:]!r}")
    s = summary(err)
    check("truncation_counted", s.get("truncated") == 2 and s.get("delivered") == 5, f"{s}")

    # A closed stdin reads as end of input (the fd is not reused for something else).
    import subprocess
    env = ls_moto.shipper_env(HOME, {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
                                     "AWS_REGION": "us-east-1"})
    try:
        p = subprocess.run(["bash", "-c", 'exec "$0" --endpoint http://127.0.0.1:9 -g g -s s <&-',
                            os.path.join(ls_moto.BIN, "logshipper")], env=env, timeout=20,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        check("closed_stdin_is_end_of_input", p.returncode == 0 and
              b"read 0," in p.stderr, p.stderr.decode()[-300:])
    except subprocess.TimeoutExpired:
        check("closed_stdin_is_end_of_input", False, "hung")

    # Settable limit.
    rc, err, evs, viol = ship(b"x" * 5000 + b"\nshort\n", ["--event-limit", "1000"])
    msgs = [m for _, m in evs]
    check("event_limit_settable", rc == 0 and len(msgs) == 2 and len(msgs[0].encode()) <= 1000
          and msgs[0].endswith(marker % 5000) and msgs[1] == "short", f"{[len(m) for m in msgs]}")

    # Invalid UTF-8 replaced, valid multi-byte text kept; a line of only invalid bytes near the
    # limit still fits after repair (each bad byte becomes 3 bytes).
    bad = "caf\u00e9 \u20ac".encode() + b" \xff\xfe \xc0\xaf \xed\xa0\x80 ok"
    rc, err, evs, viol = ship(bad + b"\n" + b"\xff" * 600 + b"\n", ["--event-limit", "1000"])
    msgs = [m for _, m in evs]
    check("invalid_utf8_replaced", rc == 0 and len(msgs) == 2 and
          msgs[0] == "caf\u00e9 \u20ac \ufffd\ufffd \ufffd\ufffd \ufffd\ufffd\ufffd ok",
          f"{msgs[:1]!r}")
    check("invalid_utf8_growth_within_limit", len(msgs) == 2 and
          len(msgs[1].encode()) <= 1000 and msgs[1].startswith("\ufffd" * 100), "")

    # Empty lines (also CRLF ones) are skipped; CR stripped.
    rc, err, evs, viol = ship(b"\n\none\r\n\r\n\ntwo\n\n")
    msgs = [m for _, m in evs]
    s = summary(err)
    check("empty_lines_skipped", rc == 0 and msgs == ["one", "two"] and s.get("read") == 2,
          f"{msgs} {s}")

    # Timestamps: the alert's "time" (not output_fields'), read time for other lines; order kept.
    now = time.time()
    t1 = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 3600)) + ".250000000Z"
    t2 = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 7200)) + ".000000000Z"
    old = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 30 * 86400)) + ".0Z"
    lines = [
        json.dumps({"output": "a", "output_fields": {"time": t2}, "time": t1}),
        "plain text line",
        json.dumps({"output": "earlier alert", "time": t2}),
        json.dumps({"output": "too old", "time": old}),
    ]
    rc, err, evs, viol = ship(("\n".join(lines) + "\n").encode())
    ts = [t for t, _ in evs]
    exp1 = int((int(now - 3600)) * 1000 + 250)
    check("timestamp_from_alert_time", rc == 0 and len(ts) == 4 and ts[0] == exp1, f"{ts} {exp1}")
    check("timestamp_read_time_for_plain_lines", len(ts) == 4 and
          abs(ts[1] - now * 1000) < 60000, f"{ts}")
    check("timestamps_non_decreasing", ts == sorted(ts) and not viol, f"{ts}")
    check("too_old_timestamp_replaced", len(ts) == 4 and abs(ts[3] - now * 1000) < 60000, f"{ts}")

    # Alerts spanning more than 24 hours go in separate batches; a time 3 hours ahead is
    # replaced by the read time.
    def iso(t):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".0Z"
    lines = [json.dumps({"output": "d%d" % i, "time": iso(now - (3 - i) * 86400 + 3600 * i)})
             for i in range(4)] + [json.dumps({"output": "future", "time": iso(now + 3 * 3600)})]
    rc, err, evs, viol = ship(("\n".join(lines) + "\n").encode())
    ts = [t for t, _ in evs]
    check("batches_never_span_24h", rc == 0 and len(evs) == 5 and not viol, f"rc {rc} {viol}")
    check("too_new_timestamp_replaced", len(ts) == 5 and abs(ts[4] - now * 1000) < 60000,
          f"{ts}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
