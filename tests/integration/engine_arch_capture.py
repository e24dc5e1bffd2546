#!/usr/bin/env python3
# The engine evaluates an arm64 capture exactly as an x86_64 one. Two synthetic captures of the
# same workload (a bash process reading /etc/shadow, then two syscalls Tartan does not decode,
# reported as generic `syscall` events with their raw numbers: mprotect and getpid, 10 and 39 on
# x86_64, 226 and 172 on aarch64) are written byte by byte as docs/event-format.md describes, one
# with an x86_64 stream header and one with an aarch64 header, and replayed with `engine -e`:
# the same rules fire with the same output fields; only the raw number (evt.arg.nr) differs.
# Negative control: the same number 226 made under x86_64 is timer_delete, so the mprotect rule
# must not fire for it (the name comes from the event's architecture, not from the host's).
# Also: `tracer dump --header` names each capture's architecture (a header written before the
# field existed reads as x86_64), and `engine --list-events` says which syscalls aarch64 lacks.
# timeout: 300
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402

ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
NR = {"x86_64": {"mprotect": 10, "getpid": 39, "timer_delete": 226},
      "aarch64": {"mprotect": 226, "getpid": 172}}
KINDS = {"I64": 1, "U64": 2, "STR": 3, "BYTES": 4, "SOCKADDR": 5, "STRLIST": 6}


def def_table(name, macro):
    """Names -> numbers from lib/tt_events.def or lib/tt_params.def (positions, from 1)."""
    out, n = {}, 0
    with open(os.path.join(ttest.ROOT, "lib", name)) as f:
        for line in f:
            m = re.match(rf"{macro}\((\w+),\s*\"?([\w.]+)\"?,\s*(\w+)", line)
            if m:
                n += 1
                out[m.group(2)] = (n, m.group(3))
    return out


EVENTS = def_table("tt_events.def", "TT_EVENT")
PARAMS = def_table("tt_params.def", "TT_PARAM")


def record(evname, tid, ret, params, ts):
    body = b""
    for pname, value in params:
        pid, kind = PARAMS[pname]
        if kind == "I64":
            data = struct.pack("<q", value)
        elif kind == "U64":
            data = struct.pack("<Q", value)
        elif kind == "STRLIST":
            data = b"".join(s.encode() + b"\0" for s in value)
        elif isinstance(value, bytes):
            data = value
        else:
            data = value.encode()
        body += struct.pack("<HHI", pid, KINDS[kind], len(data)) + data
    length = 32 + len(body)
    pad = (-length) % 8
    return struct.pack("<IHHQqii", length + pad, EVENTS[evname][0], len(params), ts, ret, tid,
                       tid) + body + b"\0" * pad


def capture(path, header_arch, calls):
    """calls: (arch, name-or-number) of the generic syscall events, in order."""
    hdr = struct.pack("<8sIIQIII28s", b"TARTANEV", 1, 64, 1700000000 * 10**9, 4242, 0,
                      header_arch, b"")
    ts = 1700000000 * 10**9
    recs = [record("procinfo", 100, 0, [
        ("exe", "bash"), ("args", ["-c", "cat /etc/shadow"]), ("trusted_exepath", "/usr/bin/bash"),
        ("cwd", "/root"), ("comm", "bash"), ("ptid", 1), ("p_uid", 0), ("p_euid", 0),
        ("p_gid", 0), ("p_egid", 0), ("clone_ts", ts - 10**9)], ts)]
    recs.append(record("openat", 100, 3, [("dirfd", -100), ("name", "/etc/shadow"),
                                          ("flags", 0), ("mode", 0)], ts + 1000))
    for i, (arch, nr) in enumerate(calls):
        recs.append(record("syscall", 100, 0, [("nr", nr), ("arch", ARCH[arch]),
                                               ("rawargs", b"\0" * 48)], ts + 2000 + i))
    with open(path, "wb") as f:
        f.write(hdr + b"".join(recs))


RULES = """- rule: Shadow read
  desc: a decoded event, the same on every architecture
  condition: evt.type = openat and fd.name = /etc/shadow
  output: shadow read (proc=%proc.name file=%fd.name type=%evt.type syscall=%syscall.type)
  priority: WARNING
- rule: Generic mprotect
  desc: a syscall Tartan does not decode, named from its number and its architecture
  condition: evt.type = syscall and syscall.type = mprotect
  output: mprotect (proc=%proc.name syscall=%syscall.type type=%evt.type nr=%evt.arg.nr)
  priority: NOTICE
- rule: Generic getpid
  desc: another one
  condition: syscall.type = getpid
  output: getpid (proc=%proc.name syscall=%syscall.type)
  priority: INFORMATIONAL
"""


def replay(t, cap):
    cfg = t.write("falco.yaml", rt.BASE_CONFIG + "stdout_output: {enabled: true}\n")
    rules = t.write("rules.yaml", RULES)
    p = rt.run_engine(["-c", cfg, "-r", rules, "-o", "rule_matching=all", "-e", cap], timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"engine exited {p.returncode}: {p.stderr[-300:]}")
    return [(a["rule"], {k: v for k, v in a["output_fields"].items() if k != "evt.time"})
            for a in rt.json_lines(p.stdout)]


def main():
    with rt.Tmp() as t:
        x86 = t.path("x86_64.cap")
        a64 = t.path("aarch64.cap")
        capture(x86, ARCH["x86_64"], [("x86_64", NR["x86_64"]["mprotect"]),
                                      ("x86_64", NR["x86_64"]["getpid"])])
        capture(a64, ARCH["aarch64"], [("aarch64", NR["aarch64"]["mprotect"]),
                                       ("aarch64", NR["aarch64"]["getpid"])])
        got_x86, got_a64 = replay(t, x86), replay(t, a64)
        want_rules = ["Shadow read", "Generic mprotect", "Generic getpid"]
        ttest.expect_eq("x86_64_capture_rules", [r for r, _ in got_x86], want_rules)
        ttest.expect_eq("aarch64_capture_rules", [r for r, _ in got_a64], want_rules)
        strip = [(r, {k: v for k, v in f.items() if k != "evt.arg.nr"}) for r, f in got_a64]
        ttest.expect_eq("aarch64_same_alerts_as_x86_64", strip,
                        [(r, {k: v for k, v in f.items() if k != "evt.arg.nr"}) for r, f in got_x86])
        nrs = [f.get("evt.arg.nr") for r, f in got_a64 + got_x86 if r == "Generic mprotect"]
        ttest.expect_eq("raw_numbers_kept", [str(n) for n in nrs], ["226", "10"])
        shadow = dict(got_a64).get("Shadow read", {})
        ttest.expect_eq("decoded_event_syscall_type", shadow.get("syscall.type"), "openat")

        # negative control: 226 under x86_64 is timer_delete, not mprotect
        ctl = t.path("control.cap")
        capture(ctl, ARCH["aarch64"], [("x86_64", NR["x86_64"]["timer_delete"])])
        ttest.expect_eq("number_named_by_its_arch_not_the_header", [r for r, _ in replay(t, ctl)],
                        ["Shadow read"])

        # the header's architecture, and a header from before the field (0: x86_64)
        legacy = t.path("legacy.cap")
        with open(x86, "rb") as f:
            data = bytearray(f.read())
        data[32:36] = b"\0\0\0\0"
        with open(legacy, "wb") as f:
            f.write(data)
        tracer = os.path.join(ttest.BIN, "tracer")
        for name, path, want in (("header_arch_aarch64", a64, "arch=aarch64"),
                                 ("header_arch_x86_64", x86, "arch=x86_64"),
                                 ("header_arch_legacy_is_x86_64", legacy, "arch=x86_64")):
            p = subprocess.run([tracer, "dump", "--header", "-n", "1", path], capture_output=True,
                               text=True, timeout=60)
            first = p.stdout.splitlines()[0] if p.stdout else p.stderr[-200:]
            ttest.check(name, p.returncode == 0 and first.startswith("# stream ") and
                        first.endswith(" " + want), first)
        ttest.expect_eq("legacy_capture_same_alerts", replay(t, legacy), got_x86)

    p = rt.run_engine(["--list-events"], timeout=60)
    lines = p.stdout.splitlines()
    ttest.check("list_events_marks_missing_on_aarch64",
                "[Syscall] open (not on aarch64)" in lines and "[Syscall] openat" in lines
                and "[Syscall] fork (not on aarch64)" in lines and "[Syscall] clone" in lines
                and "[Syscall] syscall" in lines, "\n".join(lines[:12]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
