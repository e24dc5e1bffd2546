#!/usr/bin/env python3
# Engine runtime, capture replay (-e): user names of a replayed capture never come from an
# unrelated live process that happens to have the capture's pid now (a chroot'ed process with
# its own /etc/passwd); a golden capture replays to the same user.name values twice, with and
# without such processes. Also `--list -N` (field names only, like Falco), `--list-events`,
# `--list OTHER_SOURCE`, and the main loop's
# housekeeping cost: with the default watch_config_files the engine must not make a read() on
# its inotify fd per event (strace -c counts the calls).
# timeout: 120
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402

RULE = """- rule: Bash in a container
  desc: x
  condition: evt.type = execve and proc.name = bash
  output: bash user=%user.name uid=%user.uid
  priority: WARNING
"""
ANY_RULE = """- rule: Any process
  desc: x
  condition: evt.type in (execve, execveat) and evt.dir = <
  output: p=%proc.name user=%user.name uid=%user.uid
  priority: WARNING
"""
UID = 4242


def main():
    with rt.Tmp() as t:
        run(t)


def chrooted_sleeper(t, root):
    """A live process whose / is root (so /proc/<pid>/root/etc/passwd is root's). None if this
    host does not allow chroot (not root)."""
    code = ("import os, sys, time\n"
            f"os.chroot({root!r}); os.chdir('/')\n"
            "sys.stdout.write('ok\\n'); sys.stdout.flush(); time.sleep(60)\n")
    p = t.spawn([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if p.stdout.readline().strip() != b"ok":
        p.wait()
        return None
    return p


def user_names(p):
    return [a.get("output_fields", {}).get("user.name") for a in rt.json_lines(p.stdout)]


def run(t):
    cfg = t.write("falco.yaml", rt.BASE_CONFIG)

    # --list -N: names only, one a line, the same set as --list
    p = rt.run_engine(["--list", "-N"])
    names = p.stdout.splitlines()
    full = rt.run_engine(["--list"]).stdout
    ttest.check("list_N_names_only", p.returncode == 0 and len(names) > 50
                and "proc.name" in names and "evt.time" in names
                and all(n and " " not in n and n in full for n in names), p.stdout[:300])
    pj = rt.run_engine(["--list", "-N", "--format", "json"])
    ttest.check("list_N_wins_over_format", pj.stdout.splitlines() == names, pj.stdout[:200])

    # --list-events lists and exits (it used to start the engine); other sources have no fields
    try:
        p = rt.run_engine(["--list-events", "-c", cfg], timeout=20)
        ttest.check("list_events", p.returncode == 0 and "[Syscall] execve" in p.stdout
                    and "[Syscall] openat" in p.stdout and "started" not in p.stderr,
                    p.stdout[:200] + p.stderr[-200:])
    except subprocess.TimeoutExpired:
        ttest.failed("list_events", "--list-events did not exit (the engine started?)")
    p = rt.run_engine(["--list", "k8s_audit"])
    ttest.check("list_other_source_empty", p.returncode == 0 and p.stdout == "", p.stdout[:200])

    # a live process with the capture's pid and its own /etc/passwd naming uid 4242
    root = t.path("root")
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc", "passwd"), "w") as f:
        f.write(f"root:x:0:0:root:/root:/bin/sh\nimpostor:x:{UID}:{UID}::/home/x:/bin/sh\n")
    with open(os.path.join(root, "etc", "group"), "w") as f:
        f.write(f"root:x:0:\nimpostors:x:{UID}:\n")
    sleeper = chrooted_sleeper(t, root)
    if sleeper is None:
        ttest.skipped("replay_user_not_from_live_process", "chroot not permitted here (not root)")
    else:
        # the capture's process is in a container, with the sleeper's pid
        cap = rt.feed_capture(t.path("user.cap"), "--uid", str(UID), "--start-pid",
                              str(sleeper.pid))
        rules = t.write("rules.yaml", RULE)
        p = rt.run_engine(["-c", cfg, "-r", rules, "-e", cap])
        got = user_names(p)
        ttest.check("replay_user_not_from_live_process", p.returncode == 0 and len(got) == 1
                    and got[0] != "impostor", repr(got) + p.stderr[-300:])
        # uid 0 is still root (the fallback every host has)
        cap0 = rt.feed_capture(t.path("root.cap"), "--uid", "0", "--start-pid", str(sleeper.pid))
        p = rt.run_engine(["-c", cfg, "-r", rules, "-e", cap0])
        ttest.expect_eq("replay_uid0_is_root", user_names(p), ["root"])

    # housekeeping is throttled: far fewer read() calls than events with a watched config
    strace = shutil.which("strace")
    if not strace:
        ttest.skipped("loop_no_read_per_event", "strace is not installed")
    else:
        nev = 40000
        big = rt.feed_capture(t.path("big.cap"), "--count", str(nev))
        wcfg = t.write("watch.yaml", rt.BASE_CONFIG.replace("watch_config_files: false",
                                                             "watch_config_files: true"))
        st = t.path("strace.txt")
        env = rt.env_clean()  # LeakSanitizer cannot run under ptrace (asan variant)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        p = subprocess.run([strace, "-f", "-c", "-e", "trace=read", "-o", st, rt.ENGINE,
                            "-c", wcfg, "-r", t.write("rules.yaml", RULE), "-e", big],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           timeout=120, env=env)
        calls = None
        for line in t.read("strace.txt").splitlines():
            f = line.split()
            if f and f[-1] == "read" and len(f) >= 5:
                calls = int(f[3])
        ttest.check("loop_no_read_per_event", p.returncode == 0 and calls is not None
                    and calls < nev // 10, f"read calls={calls} for {nev} events "
                    + p.stderr[-300:])

    # a golden capture replays to the same user names, whatever runs now
    gold = os.path.join(rt.DATA, "golden", "benign_ls.cap")
    if not os.path.exists(gold):
        ttest.skipped("golden_replay_user_stable", "no golden capture " + gold)
        return
    rules = t.write("any.yaml", ANY_RULE)
    first = rt.run_engine(["-c", cfg, "-r", rules, "-e", gold])
    second = rt.run_engine(["-c", cfg, "-r", rules, "-e", gold])
    a, b = user_names(first), user_names(second)
    ttest.check("golden_replay_user_stable", first.returncode == 0 and a and a == b,
                json.dumps([a, b])[:300] + first.stderr[-300:])


main()
