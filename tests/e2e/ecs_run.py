#!/usr/bin/env python3
"""Run an ECS task definition's containers with docker, the way ECS on Fargate would.

  ecs_run.py check TASKDEF              PASS/FAIL lines: the mounted pattern's shape
  ecs_run.py run TASKDEF PREFIX [K=V]... start the containers (dependsOn order), print
                                        "<ecs name> <docker name> <stopTimeout>" lines

`run` substitutes ${VAR} placeholders from the K=V arguments, maps volumesFrom, entryPoint,
command, environment, user, linuxParameters.capabilities and dependsOn (START) onto docker
run (with USER=U among the K=V arguments, "user": "U" is set on the essential container, as a
task definition for a non-root image would have it), and
adds the environment variables in $ECS_RUN_EXTRA_ENV (NAME=VALUE lines) to every container: in
the tests, the task role's credentials and the CloudWatch endpoint (moto on 127.0.0.1), which
ECS would provide through the task role. Containers use --network host (awsvpc gives the
containers of one task one network namespace).
"""
import json
import os
import re
import subprocess
import sys


def load(path, subst):
    with open(path) as f:
        text = f.read()
    for k, v in subst.items():
        text = text.replace("${" + k + "}", json.dumps(v)[1:-1])
    return json.loads(text)


def check(td):
    def report(name, ok, why):
        print(f"PASS ecs-taskdef-{name}" if ok else f"FAIL ecs-taskdef-{name}: {why}", flush=True)

    cs = {c["name"]: c for c in td.get("containerDefinitions", [])}
    donors = [c for c in cs.values() if not c.get("essential", True)]
    report("binaries-not-essential", len(donors) == 1, f"non-essential containers: {[c['name'] for c in donors]}")
    if not donors:
        return
    donor = donors[0]
    report("binaries-waitforever", (donor.get("command") or ["/vendor/falco/bin/waitforever"])[0]
           == "/vendor/falco/bin/waitforever", f"command {donor.get('command')}")
    wls = [c for c in cs.values() if c.get("essential", True)]
    report("one-workload", len(wls) == 1, f"essential containers: {[c['name'] for c in wls]}")
    if not wls:
        return
    wl = wls[0]
    vf = wl.get("volumesFrom", [])
    report("volumes-from-read-only", vf == [{"sourceContainer": donor["name"], "readOnly": True}], f"volumesFrom {vf}")
    dep = wl.get("dependsOn", [])
    report("depends-on-start", {"containerName": donor["name"], "condition": "START"} in dep, f"dependsOn {dep}")
    caps = wl.get("linuxParameters", {}).get("capabilities", {}).get("add", [])
    report("capabilities", set(caps) <= {"SYS_PTRACE"},
           f"capabilities.add {caps}: Fargate allows SYS_PTRACE only (and the tracer needs none)")
    argv = (wl.get("entryPoint") or []) + (wl.get("command") or [])
    ok = (argv[:2] == ["/vendor/falco/bin/launcher", "/vendor/falco/bin/tracer"] and "--" in argv
          and "/vendor/falco/bin/engine" in argv[argv.index("--") + 1:])
    report("entrypoint-launcher", ok, f"entryPoint+command {argv}")
    hc = wl.get("healthCheck", {}).get("command", [])
    report("healthcheck-exec-form", hc[:2] == ["CMD", "/vendor/falco/bin/engine"] and "--health" in hc,
           f"healthCheck.command {hc} (CMD form: scratch images have no shell)")
    env = {e["name"]: e["value"] for e in wl.get("environment", [])}
    report("cw-log-group", bool(env.get("__CW_LOG_GROUP")), "no __CW_LOG_GROUP in the environment")
    report("config-in-environment", "TARTAN_FALCO_YAML" in env or "TARTAN_FALCO_YAML_B64" in env,
           "falco.yaml is not passed through the environment")
    allowed = {"SYS_PTRACE"}
    for c in cs.values():
        extra = set(c.get("linuxParameters", {}).get("capabilities", {}).get("add", [])) - allowed
        if extra or c.get("privileged"):
            report("fargate-compatible", False, f"{c['name']} asks for {extra or 'privileged'}")
            return
    report("fargate-compatible", td.get("requiresCompatibilities") == ["FARGATE"] and
           td.get("networkMode") == "awsvpc", "not FARGATE/awsvpc")
    # Both Fargate architectures: the binaries image is multi-platform (docs/arm64.md)
    arch = td.get("runtimePlatform", {}).get("cpuArchitecture")
    report("cpu-architecture", arch in ("${CPU_ARCHITECTURE}", "X86_64", "ARM64"),
           f"runtimePlatform.cpuArchitecture {arch!r}: X86_64 or ARM64")


def run(td, prefix, user=None):
    extra = [l for l in os.environ.get("ECS_RUN_EXTRA_ENV", "").splitlines() if "=" in l]
    cs = td["containerDefinitions"]
    if user:
        for c in cs:
            if c.get("essential", True):
                c["user"] = user
    started = {}
    order = []
    while len(order) < len(cs):
        progress = False
        for c in cs:
            if c["name"] in started:
                continue
            if all(d["containerName"] in started for d in c.get("dependsOn", [])):
                started[c["name"]] = f"{prefix}-{c['name']}"
                order.append(c)
                progress = True
        if not progress:
            sys.exit("dependsOn cycle")
    for c in order:
        name = started[c["name"]]
        argv = ["docker", "run", "-d", "--name", name, "--network", "host"]
        argv += os.environ.get("TT_DOCKER_DNS_FLAGS", "").split()  # tests/lib/docker.sh
        for v in c.get("volumesFrom", []):
            argv += ["--volumes-from", started[v["sourceContainer"]] + (":ro" if v.get("readOnly") else "")]
        if c.get("user"):
            argv += ["--user", c["user"]]
        for cap in c.get("linuxParameters", {}).get("capabilities", {}).get("add", []):
            argv += ["--cap-add", cap]
        if c.get("linuxParameters", {}).get("initProcessEnabled"):
            argv += ["--init"]
        for e in c.get("environment", []):
            argv += ["-e", f"{e['name']}={e['value']}"]
        for e in extra:
            argv += ["-e", e]
        ep = c.get("entryPoint") or []
        cmd = c.get("command") or []
        if ep:
            argv += ["--entrypoint", ep[0]]
        argv += [c["image"]] + ep[1:] + cmd
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.exit(f"docker run for {c['name']} failed: {r.stderr.strip()}")
        # dependsOn START: the dependency has started before the next container is created.
        print(f"{c['name']} {name} {c.get('stopTimeout', 30)}", flush=True)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("check", "run"):
        sys.exit(__doc__)
    subst = dict(a.split("=", 1) for a in sys.argv[4:] if re.match(r"^[A-Z_]+=", a))
    td = load(sys.argv[2], subst)
    if sys.argv[1] == "check":
        check(td)
    else:
        run(td, sys.argv[3], subst.get("USER"))


if __name__ == "__main__":
    main()
