#!/usr/bin/env python3
# Engine runtime: the container the engine runs in, for processes whose cgroups name none
# ("0::/" under a cgroup namespace: cgroup v2, ECS Fargate, EKS). ECS task metadata (a loopback
# imitation of the v4 endpoint, Fargate-style DockerId) makes them the task's container, so rules
# guarded by `container.id != host` fire; without metadata they stay on "host"; the
# tartan.container_id / TARTAN_CONTAINER_ID override does the same without ECS (EKS).
# timeout: 120
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402

FARGATE_ID = "cd189a933e5849daa93386466019ab50-2495160603"
RULE = """- rule: Bash in a container
  desc: x
  condition: evt.type = execve and proc.name = bash and container.id != host
  output: bash in %container.name image=%container.image tag=%container.image.tag id=%container.id
  priority: WARNING
"""


def main():
    with rt.Tmp() as t:
        run(t)


def fields(alerts):
    return alerts[0].get("output_fields", {}) if alerts else {}


def run(t):
    rules = t.write("rules.yaml", RULE)
    cfg = t.write("falco.yaml", rt.BASE_CONFIG)
    cap = rt.feed_capture(t.path("ns.cap"), "--cgroup", "0::/", "--count", "2")

    # no metadata, no override: "0::/" is the host, the rule does not fire
    p = rt.run_engine(["-c", cfg, "-r", rules, "-e", cap])
    ttest.check("cgroupns_without_metadata_is_host", p.returncode == 0
                and not rt.json_lines(p.stdout), p.stdout[-300:] + p.stderr[-300:])

    # EKS-style override through -o
    p = rt.run_engine(["-c", cfg, "-r", rules, "-e", cap,
                       "-o", "tartan.container_id=0123456789abcdef",
                       "-o", "tartan.container_name=web",
                       "-o", "tartan.container_image=registry.local/shop/web:2.0"])
    of = fields(rt.json_lines(p.stdout))
    ttest.check("container_override_option", len(rt.json_lines(p.stdout)) == 2
                and of.get("container.id") == "0123456789ab" and of.get("container.name") == "web"
                and of.get("container.image") == "registry.local/shop/web:2.0"
                and of.get("container.image.tag") == "2.0", p.stdout[-400:] + p.stderr[-300:])

    # the same from the environment (Kubernetes downward API)
    p = rt.run_engine(["-c", cfg, "-r", rules, "-e", cap],
                      env=rt.env_clean({"TARTAN_CONTAINER_ID": "pod-7f3a2b1c9d8e-x",
                                        "TARTAN_CONTAINER_NAME": "sidecar"}))
    of = fields(rt.json_lines(p.stdout))
    ttest.check("container_override_env", of.get("container.id") == "pod-7f3a2b1c"
                and of.get("container.name") == "sidecar" and of.get("container.image") is None,
                p.stdout[-400:] + p.stderr[-300:])

    # a container named in the cgroups keeps its own id despite the override
    cap2 = rt.feed_capture(t.path("docker.cap"))
    p = rt.run_engine(["-c", cfg, "-r", rules, "-e", cap2, "-o", "tartan.container_id=abc"])
    ttest.check("override_only_for_cgroupless", fields(rt.json_lines(p.stdout)).get("container.id")
                == "2e153fc3dafb", p.stdout[-300:] + p.stderr[-300:])

    p = rt.run_engine(["-c", cfg, "-r", rules, "-e", cap, "-o", "tartan.container_id=host"])
    ttest.check("override_host_rejected", p.returncode == 1
                and "tartan.container_id" in p.stderr, p.stderr[-300:])

    # Fargate: ECS task metadata from the loopback v4 imitation, live ring
    pf = t.path("ecs.port")
    t.spawn([sys.executable, os.path.join(rt.DATA, "ecs_peer.py"), pf, FARGATE_ID])
    rt.wait_until(lambda: os.path.exists(pf), 10)
    port = open(pf).read().strip() if os.path.exists(pf) else "9"
    key = rt.unique_key() + 7
    env = rt.env_clean({"ECS_CONTAINER_METADATA_URI_V4": f"http://127.0.0.1:{port}/v4/abc"})
    f = t.spawn([rt.FEED, "--ring", str(key), "--wait-consumer", "10000", "--cgroup", "0::/",
                 "--count", "1", "--hold", "300"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    e = t.spawn([rt.ENGINE, "-c", cfg, "-r", rules, "-o", f"tartan.ring_key={key}"],
                stdout=open(t.path("ecs.out"), "w"), stderr=open(t.path("ecs.err"), "w"), env=env)
    got = rt.wait_until(lambda: rt.json_lines(t.read("ecs.out")), 10)
    rc = rt.stop(e)
    f.wait(timeout=30)
    of = fields(got)
    ttest.check("fargate_cgroupns_gets_task_container",
                of.get("container.id") == FARGATE_ID[:12] and of.get("container.name") == "workload"
                and of.get("container.image.tag") == "1.4.2"
                and of.get("ecs.task.family") == "tartan-sample" and rc == 0,
                repr(of) + t.read("ecs.err")[-300:])


main()
