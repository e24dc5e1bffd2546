#!/usr/bin/env python3
"""Run deploy/k8s-sidecar.yaml's pod with docker, the way a kubelet would (for the tests).

  k8s_run.py check MANIFEST                 PASS/FAIL lines: the sidecar pattern's shape
  k8s_run.py run MANIFEST PREFIX DIR [K=V]  write the ConfigMap into DIR, start the pod's
                                            containers; print "<k8s name> <docker name>" lines

The pod is the manifest's Pod, or the pod template of its first Deployment, StatefulSet,
DaemonSet, ReplicaSet, Job or CronJob (one replica). An image volume (`image: {reference}`,
Kubernetes' ImageVolume) mounted at the image's own VOLUME path (/vendor/falco for the binaries
image) becomes a created-but-not-started donor container and --volumes-from; it is printed as
"volume:<name> <docker name>" so that the caller removes it too.

`run` substitutes ${VAR} placeholders from the K=V arguments. The first container (workload,
or the native sidecar if it comes first) gets --ipc shareable, the others --ipc container:<it>:
a pod's containers share the IPC namespace (and the network: --network host here, to reach
moto on 127.0.0.1), not the PID or mount namespaces.
Native sidecars (initContainers with restartPolicy: Always) start first, as in Kubernetes.
securityContext (the pod's, overridden by the container's): runAsUser/runAsGroup become
--user UID:GID plus, as containerd does, --group-add for the groups the image's /etc/group lists
the user in; runAsNonRoot refuses to start a container that would run as uid 0, as the kubelet
does; capabilities drop/add, allowPrivilegeEscalation: false (no_new_privs) and
seccompProfile (RuntimeDefault: the runtime's default profile) map onto their docker flags.
$K8S_RUN_EXTRA_ENV (NAME=VALUE lines) is added to every container: in the tests, the
credentials and endpoint that IRSA and AWS would provide.
"""
import io
import os
import tarfile
import uuid
import subprocess
import sys

import yaml


WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")


def load(path, subst):
    with open(path) as f:
        text = f.read()
    for k, v in subst.items():
        text = text.replace("${" + k + "}", v)
    docs = {}
    for d in yaml.safe_load_all(text):
        if not d:
            continue
        kind = d["kind"]
        if "Pod" not in docs and (kind in WORKLOADS or kind == "CronJob"):
            t = d["spec"]["jobTemplate"]["spec"]["template"] if kind == "CronJob" else d["spec"]["template"]
            meta = dict(t.get("metadata") or {}, name=d["metadata"]["name"])
            docs["Pod"] = {"kind": "Pod", "metadata": meta, "spec": t["spec"]}
            continue
        docs.setdefault(kind, d)
    return docs


def report(name, ok, why):
    print(f"PASS k8s-{name}" if ok else f"FAIL k8s-{name}: {why}", flush=True)


def check(docs):
    for kind in ("ServiceAccount", "ConfigMap", "Pod"):
        report(f"has-{kind.lower()}", kind in docs, f"no {kind} in the manifest")
    if not all(k in docs for k in ("ServiceAccount", "ConfigMap", "Pod")):
        return
    sa, cm, pod = docs["ServiceAccount"], docs["ConfigMap"], docs["Pod"]["spec"]
    report("irsa-annotation", "eks.amazonaws.com/role-arn" in (sa["metadata"].get("annotations") or {}),
           "service account has no eks.amazonaws.com/role-arn annotation")
    report("pod-uses-service-account", pod.get("serviceAccountName") == sa["metadata"]["name"],
           f"serviceAccountName {pod.get('serviceAccountName')}")
    data = cm.get("data", {})
    try:
        conf = yaml.safe_load(data.get("falco.yaml", ""))
        rules = yaml.safe_load(data.get("falco_rules.local.yaml", ""))
        ok = isinstance(conf, dict) and isinstance(rules, list)
    except yaml.YAMLError as e:
        ok, conf = False, str(e)
    report("configmap-parses", ok, f"falco.yaml / falco_rules.local.yaml do not parse: {conf}")
    if ok:
        po = conf.get("program_output", {})
        report("config-program-output", po.get("enabled") and po.get("program", "").startswith(
            "/vendor/falco/bin/logshipper"), f"program_output {po}")
        report("config-local-rules", "/data/falco_rules.local.yaml" in conf.get("rules_files", []),
               f"rules_files {conf.get('rules_files')}")
    sidecars = [c for c in pod.get("initContainers", []) if c.get("restartPolicy") == "Always"]
    engine = [c for c in sidecars + pod.get("containers", []) if "/vendor/falco/bin/engine" in
              (c.get("command") or []) or "ENGINE" in c.get("image", "").upper()]
    report("engine-native-sidecar", len(engine) == 1 and engine[0] in sidecars,
           "the engine is not a native sidecar (initContainer with restartPolicy: Always)")
    if engine:
        mounts = {m["mountPath"]: m["name"] for m in engine[0].get("volumeMounts", [])}
        vols = {v["name"]: v for v in pod.get("volumes", [])}
        cmvol = vols.get(mounts.get("/data"), {}).get("configMap", {}).get("name")
        report("engine-config-from-configmap", cmvol == cm["metadata"]["name"], f"/data is {cmvol}")
        probes = [engine[0].get(k, {}).get("exec", {}).get("command", [])
                  for k in ("startupProbe", "livenessProbe")]
        report("engine-exec-probes", all(p[:1] == ["/vendor/falco/bin/engine"] and "--health" in p
                                         for p in probes), f"startupProbe/livenessProbe {probes}")
    wl = [c for c in pod.get("containers", []) if (c.get("command") or [""])[0] == "/vendor/falco/bin/tracer"]
    report("workload-under-tracer", len(wl) == 1, "no container whose command is the tracer")
    every = pod.get("initContainers", []) + pod.get("containers", [])
    added = {c["name"]: sc(pod, c).get("capabilities", {}).get("add") for c in every}
    report("no-added-capability", not any(added.values()),
           f"capabilities.add {added} (EKS on Fargate refuses SYS_PTRACE; the tracer needs none)")
    dropped = [c["name"] for c in every if "ALL" in sc(pod, c).get("capabilities", {}).get("drop", [])]
    report("drops-all-capabilities", len(dropped) == len(every), f"only {dropped} drop ALL")
    users = {c["name"]: sc(pod, c).get("runAsUser") for c in every}
    report("runs-as-non-root", all(sc(pod, c).get("runAsNonRoot") for c in every) and
           all(u not in (None, 0) for u in users.values()), f"runAsNonRoot/runAsUser {users}")
    report("engine-and-workload-same-uid", len(set(users.values())) == 1,
           f"runAsUser {users}: the engine can read the ring only as the uid that owns it")
    escal = [c["name"] for c in every if sc(pod, c).get("allowPrivilegeEscalation") is not False]
    report("no-privilege-escalation", not escal, f"{escal} allow privilege escalation")
    seccomp = {c["name"]: sc(pod, c).get("seccompProfile", {}).get("type") for c in every}
    report("seccomp-runtime-default", set(seccomp.values()) == {"RuntimeDefault"}, f"seccompProfile {seccomp}")
    bad = [k for k in ("hostIPC", "hostPID", "hostNetwork", "shareProcessNamespace") if pod.get(k)]
    priv = [c["name"] for c in pod.get("containers", []) + pod.get("initContainers", [])
            if c.get("securityContext", {}).get("privileged")]
    report("no-host-namespaces-no-privileged", not bad and not priv, f"{bad} {priv}")


def sc(pod, c):
    """A container's effective securityContext: the pod's, overridden field by field."""
    merged = dict(pod.get("securityContext") or {})
    merged.update(c.get("securityContext") or {})
    return merged


def image_groups(image, uid):
    """The groups the image's /etc/group lists the user of uid in (containerd adds them)."""
    cid = subprocess.run(["docker", "create", image], capture_output=True, text=True).stdout.strip()
    files = {}
    try:
        for f in ("passwd", "group"):
            r = subprocess.run(["docker", "cp", f"{cid}:/etc/{f}", "-"], capture_output=True)
            if r.returncode == 0 and r.stdout:
                with tarfile.open(fileobj=io.BytesIO(r.stdout)) as t:
                    files[f] = t.extractfile(t.getmembers()[0]).read().decode(errors="replace")
    finally:
        subprocess.run(["docker", "rm", cid], capture_output=True)
    names = [l.split(":")[0] for l in files.get("passwd", "").splitlines() if l.count(":") >= 3
             and l.split(":")[2] == str(uid)]
    return [l.split(":")[2] for l in files.get("group", "").splitlines() if l.count(":") >= 3 and
            names and names[0] in l.split(":")[3].split(",")]


def security_flags(pod, c):
    s = sc(pod, c)
    argv = []
    uid, gid = s.get("runAsUser"), s.get("runAsGroup")
    if s.get("runAsNonRoot") and not uid:
        sys.exit(f"container {c['name']}: runAsNonRoot and no non-zero runAsUser: the kubelet "
                 f"would not start it (CreateContainerConfigError)")
    if uid is not None:
        argv += ["--user", f"{uid}:{gid}" if gid is not None else str(uid)]
        if gid is not None:
            for g in image_groups(c["image"], uid):
                argv += ["--group-add", g]
    for cap in s.get("capabilities", {}).get("drop", []):
        argv += ["--cap-drop", cap]
    for cap in s.get("capabilities", {}).get("add", []):
        argv += ["--cap-add", cap]
    if s.get("allowPrivilegeEscalation") is False:
        argv += ["--security-opt", "no-new-privileges"]
    if (s.get("seccompProfile") or {}).get("type") == "Unconfined":
        argv += ["--security-opt", "seccomp=unconfined"]
    if s.get("readOnlyRootFilesystem"):
        argv += ["--read-only"]
    return argv


def run(docs, prefix, datadir):
    extra = [l for l in os.environ.get("K8S_RUN_EXTRA_ENV", "").splitlines() if "=" in l]
    os.makedirs(datadir, exist_ok=True)
    cm = docs.get("ConfigMap", {"metadata": {"name": None}})
    for k, v in cm.get("data", {}).items():
        with open(os.path.join(datadir, k), "w") as f:
            f.write(v)
    pod = docs["Pod"]["spec"]
    meta = docs["Pod"]["metadata"]
    pod_uid = str(uuid.uuid4())
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    order = [c for c in pod.get("initContainers", []) if c.get("restartPolicy") == "Always"]
    order += pod.get("containers", [])
    first = None
    for c in order:
        name = f"{prefix}-{c['name']}"
        argv = ["docker", "run", "-d", "--name", name]
        if first is None:
            argv += ["--ipc", "shareable"]
            first = name
        else:
            argv += ["--ipc", f"container:{first}"]
        argv += ["--network", "host"]
        argv += os.environ.get("TT_DOCKER_DNS_FLAGS", "").split()  # tests/lib/docker.sh
        for m in c.get("volumeMounts", []):
            v = vols.get(m["name"], {})
            if cm["metadata"]["name"] and v.get("configMap", {}).get("name") == cm["metadata"]["name"]:
                argv += ["-v", f"{datadir}:{m['mountPath']}" + (":ro" if m.get("readOnly") else "")]
            elif "image" in v:
                donor = f"{prefix}-vol-{m['name']}"
                r = subprocess.run(["docker", "inspect", "-f", "{{.Id}}", donor], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
                if r.returncode != 0:
                    r = subprocess.run(["docker", "create", "--name", donor, v["image"]["reference"]],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    if r.returncode != 0:
                        sys.exit(f"image volume {m['name']}: {r.stderr.strip()}")
                    print(f"volume:{m['name']} {donor}", flush=True)
                argv += ["--volumes-from", donor + (":ro" if m.get("readOnly") else "")]
        argv += security_flags(pod, c)
        for e in c.get("env", []):
            if "value" in e:
                argv += ["-e", f"{e['name']}={e['value']}"]
                continue
            # valueFrom: the downward API fields a kubelet would fill in.
            path = e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
            known = {"metadata.uid": pod_uid, "metadata.name": meta["name"],
                     "metadata.namespace": meta.get("namespace", "default")}
            if path not in known:
                sys.exit(f"env {e['name']}: unsupported valueFrom {e.get('valueFrom')}")
            argv += ["-e", f"{e['name']}={known[path]}"]
        for e in extra:
            argv += ["-e", e]
        cmd = c.get("command") or []
        if cmd:
            argv += ["--entrypoint", cmd[0]]
        argv += [c["image"]] + cmd[1:] + (c.get("args") or [])
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.exit(f"docker run for {c['name']} failed: {r.stderr.strip()}")
        print(f"{c['name']} {name}", flush=True)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("check", "run"):
        sys.exit(__doc__)
    subst = dict(a.split("=", 1) for a in sys.argv[3:] if "=" in a and a.split("=", 1)[0].isupper())
    docs = load(sys.argv[2], subst)
    if sys.argv[1] == "check":
        check(docs)
    else:
        run(docs, sys.argv[3], sys.argv[4])


if __name__ == "__main__":
    main()
