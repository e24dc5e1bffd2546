#!/usr/bin/env python3
# Engine runtime signals and metadata: SIGUSR1 reopens the file output, SIGHUP reloads good
# rules and keeps the old ones on bad rules (internal "hot restart failure" alert), a change to
# a watched rules file reloads without a signal, program output restarts through the engine,
# ECS metadata (container.name/image/repository/tag and ecs.* output fields) from a loopback
# imitation of the v4 endpoint.
# timeout: 300
import os
import subprocess
import sys
import time
import signal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402

CID = "2e153fc3dafb4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b"


def start(t, cfg, rules, key, name, env=None):
    return t.spawn([rt.ENGINE, "-c", cfg, "-r", rules, "-o", f"tartan.ring_key={key}"],
                   stdout=open(t.path(name + ".out"), "w"), stderr=open(t.path(name + ".err"), "w"),
                   env=env or rt.env_clean())


def feed(t, key, *args):
    return t.spawn([rt.FEED, "--ring", str(key), "--wait-consumer", "10000", *args],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rules_of(text):
    return [a.get("rule") for a in rt.json_lines(text)]


def main():
    with rt.Tmp() as t:
        run(t)


def run(t):
    key = rt.unique_key() + 1
    rules = t.write("rules.yaml", rt.BASH_RULE)
    events = t.path("events.txt")
    cfg = t.write("falco.yaml", rt.BASE_CONFIG +
                  f"file_output: {{enabled: true, keep_alive: true, filename: {events}}}\n")
    e = start(t, cfg, rules, key, "sig")
    f = feed(t, key, "--count", "150", "--interval-ms", "80")
    ttest.check("alerts_flow", rt.wait_until(lambda: len(rules_of(t.read("sig.out"))) >= 2, 10),
                t.read("sig.err")[-300:])

    # SIGUSR1: the file output is reopened (a rotated file is left alone)
    os.rename(events, events + ".1")
    e.send_signal(signal.SIGUSR1)
    ok = rt.wait_until(lambda: os.path.exists(events) and rules_of(open(events).read()), 10)
    n_rot = len(rules_of(open(events + ".1").read()))
    time.sleep(0.5)
    ttest.check("sigusr1_reopens_file", ok and len(rules_of(open(events + ".1").read())) == n_rot
                and "SIGUSR1 received" in t.read("sig.err"), t.read("sig.err")[-300:])

    # SIGHUP with good rules: the new rule set is used
    t.write("rules.yaml", rt.NOTICE_RULE)
    e.send_signal(signal.SIGHUP)
    ok = rt.wait_until(lambda: "Bash notice" in rules_of(t.read("sig.out")), 10)
    time.sleep(0.5)
    tail = rules_of(t.read("sig.out"))[-3:]
    ttest.check("sighup_reload_good_rules", ok and tail == ["Bash notice"] * 3,
                repr(tail) + t.read("sig.err")[-300:])

    # SIGHUP with bad rules: internal alert, old rules keep running
    t.write("rules.yaml", "- rule: broken\n  condition: evt.type = (\n  output: x\n  priority: INFO\n")
    e.send_signal(signal.SIGHUP)
    ok = rt.wait_until(lambda: "Falco internal: hot restart failure" in rules_of(t.read("sig.out")), 10)
    fails = [a for a in rt.json_lines(t.read("sig.out"))
             if a.get("rule") == "Falco internal: hot restart failure"]
    count_before = len(rules_of(t.read("sig.out")))
    time.sleep(0.6)
    after = rules_of(t.read("sig.out"))[count_before:]
    ttest.check("sighup_bad_rules_keep_old", ok and fails[0]["priority"] == "Critical"
                and after and all(r == "Bash notice" for r in after), repr(after) + repr(fails))
    rc = rt.stop(e)
    ttest.check("exit_0_after_reloads", rc == 0, f"rc={rc}")
    f.kill()
    f.wait()

    # watch_config_files: a rules file change reloads without a signal
    t.write("rules.yaml", rt.BASH_RULE)
    wcfg = t.write("watch.yaml", rt.BASE_CONFIG.replace("watch_config_files: false",
                                                         "watch_config_files: true"))
    e = start(t, wcfg, rules, key, "watch")
    f = feed(t, key, "--count", "120", "--interval-ms", "80")
    rt.wait_until(lambda: rules_of(t.read("watch.out")), 10)
    t.write("rules.yaml", rt.NOTICE_RULE)
    ok = rt.wait_until(lambda: "Bash notice" in rules_of(t.read("watch.out")), 10)
    ttest.check("watched_rules_file_reloads", ok, t.read("watch.err")[-300:])
    # a configuration change is picked up too (tags property switched off)
    with open(wcfg, "a") as fh:
        fh.write("json_include_tags_property: false\n")
    ok = rt.wait_until(lambda: any("tags" not in a for a in rt.json_lines(t.read("watch.out"))[-2:]), 10)
    ttest.check("watched_config_file_reloads", ok, t.read("watch.err")[-300:])
    rt.stop(e)
    f.kill()
    f.wait()

    # program output through the engine: a program that exits after each line is restarted
    prog_out = t.path("prog.out")
    pcfg = t.write("prog.yaml", rt.BASE_CONFIG + "stdout_output: {enabled: false}\n"
                   f"program_output: {{enabled: true, keep_alive: true, program: \"head -n 1 >> {prog_out}\"}}\n")
    e = start(t, pcfg, rules, key, "prog")
    f = feed(t, key, "--count", "6", "--interval-ms", "700")
    f.wait(timeout=30)
    time.sleep(0.5)
    rc = rt.stop(e)
    lines = rt.json_lines(open(prog_out).read()) if os.path.exists(prog_out) else []
    ttest.check("program_output_restarts", len(lines) >= 3 and rc == 0,
                f"{len(lines)} lines rc={rc} " + t.read("prog.err")[-300:])

    # ECS metadata from a loopback v4 endpoint
    pf = t.path("ecs.port")
    t.spawn([sys.executable, os.path.join(rt.DATA, "ecs_peer.py"), pf, CID])
    rt.wait_until(lambda: os.path.exists(pf), 10)
    port = open(pf).read().strip() if os.path.exists(pf) else "9"
    ecs_rules = t.write("ecs.yaml", """- rule: Bash with ECS metadata
  desc: x
  condition: evt.type = execve and proc.name = bash
  output: bash in %container.name image=%container.image repo=%container.image.repository tag=%container.image.tag id=%container.id digest=%container.image.digest mounts=%container.mounts sock=%container.mount.dest[/var/run/docker.sock] priv=%container.privileged
  priority: WARNING
""")
    env = rt.env_clean({"ECS_CONTAINER_METADATA_URI_V4": f"http://127.0.0.1:{port}/v4/abc"})
    # the producer starts at once: the engine attaches only once the metadata arrived (bounded)
    f = feed(t, key, "--count", "1", "--hold", "300")
    e = start(t, cfg, ecs_rules, key, "ecs", env=env)
    got = rt.wait_until(lambda: rt.json_lines(t.read("ecs.out")), 10)
    rt.stop(e)
    f.wait(timeout=30)
    a = got[0] if got else {}
    of = a.get("output_fields", {})
    ttest.check("ecs_container_fields",
                of.get("container.name") == "workload"
                and of.get("container.image") == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.4.2"
                and of.get("container.image.repository") == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web"
                and of.get("container.image.tag") == "1.4.2"
                and of.get("container.id") == "2e153fc3dafb"
                and of.get("container.image.digest") == "sha256:0123"
                and of.get("container.mounts") == "/var/lib/ecs/volumes/data:/data::false:,"
                "/var/run/docker.sock:/var/run/docker.sock::false:"
                and of.get("container.mount.dest[/var/run/docker.sock]") == "/var/run/docker.sock"
                and of.get("container.privileged", "absent") is None,  # unknown: runtime only
                repr(a)[:700] + t.read("ecs.err")[-300:])
    ttest.check("ecs_task_fields",
                of.get("ecs.cluster") == "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"
                and of.get("ecs.task.arn") == "arn:aws:ecs:eu-west-1:123456789012:task/prod/0a1b2c"
                and of.get("ecs.task.family") == "tartan-sample", repr(of))
    # an unreachable endpoint does not hold up start-up
    env = rt.env_clean({"ECS_CONTAINER_METADATA_URI_V4": "http://127.0.0.1:9/v4/none"})
    start_t = time.time()
    e = start(t, cfg, rules, key, "ecsdown", env=env)
    f = feed(t, key, "--count", "1", "--hold", "300")
    ok = rt.wait_until(lambda: rt.json_lines(t.read("ecsdown.out")), 10)
    ttest.check("ecs_unreachable_does_not_block", ok and time.time() - start_t < 5,
                t.read("ecsdown.err")[-300:])
    rt.stop(e)
    f.wait(timeout=30)


main()
