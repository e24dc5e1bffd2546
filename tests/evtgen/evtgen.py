#!/usr/bin/env python3
"""Tartan's runner for Falco's event-generator suite (declarative specs, one file per rule family).

For every test and every case of every spec in the suite directory (never edited or filtered),
it builds the process chain, resources and syscall steps with the eg_proc helper, under the
tracer, with the engine evaluating the given rules file on the live ring (launcher, tracer,
engine: the user's path), and checks that the test's rule fired with the expected source,
priority and output fields. Cases whose context asks for a container run inside one container
started from the local base image with the Tartan binaries mounted (mounted pattern).

  evtgen.py [--specs DIR] [--rules FILE] [--only SUBSTR] [--no-container] [--prefix NAME]
            [--container-only] [--as-user UID]

--as-user UID runs the container cases as that uid with every capability dropped (docker run
--user UID --cap-drop ALL, as EKS on Fargate runs a non-root pod): cases that cannot run so
are skipped with the reason (a process that must be root, a rule that needs a capability,
a path the uid may not write); a process the spec runs as another non-root user runs as UID.

Prints PASS/FAIL/SKIP lines (tests/run.sh protocol), a table (rule, case, result, reason) and
totals. Exit status 0 when no case failed. See docs/evtgen.md.
"""
import argparse
import copy
import errno
import fcntl
import itertools
import json
import os
import platform
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))  # tests/lib
from upstream import upstream  # noqa: E402 (not ttest: this runner reports for itself)

ROOT = os.environ.get("TT_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TT_BIN") or os.path.join(ROOT, "build", "bin")
HELPERS = os.environ.get("TT_HELPERS") or os.path.join(ROOT, "build", "helpers")

MAX_LANES = 16
STRING_ARGS = {"pathname", "target", "linkPath", "oldPath", "newPath", "address", "destAddr", "buf",
               "buffer", "bufferHex"}
EXTRA_CONSTS = {"AT_FDCWD": -100, "AT_SYMLINK_FOLLOW": 0x400, "AT_EMPTY_PATH": 0x1000,
                "AT_REMOVEDIR": 0x200, "CLONE_NEWUTS": 0x04000000, "CLONE_NEWNET": 0x40000000,
                "CLONE_NEWUSER": 0x10000000, "CLONE_NEWNS": 0x00020000, "BPF_PROG_LOAD": 5,
                "UFFD_USER_MODE_ONLY": 1, "RENAME_NOREPLACE": 1}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- loading and templates

TEMPLATE_RE = re.compile(r"^\s*%\{\s*(\S+?)\.(\S+)\s*\}\s*$")
# A template reference written as a bare YAML value (`runIf: %{ item.runIf }`) is not valid
# YAML ('%' cannot start a plain scalar); the Go loader accepts it, so read it as a string.
BARE_TEMPLATE_RE = re.compile(r"^(\s*(?:-\s+)?[\w.]+:\s+)(%\{[^}\n]*\})\s*$", re.M)


def load_spec(path):
    with open(path) as f:
        text = f.read()
    return yaml.safe_load(BARE_TEMPLATE_RE.sub(r'\1"\2"', text))


def fill(node, values):
    """Substitute %{ item.KEY } strings (whole-string references) with the case's values."""
    if isinstance(node, dict):
        return {k: fill(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [fill(v, values) for v in node]
    if isinstance(node, str):
        m = TEMPLATE_RE.match(node)
        if m and m.group(1) == "item":
            if m.group(2) not in values:
                raise ValueError(f"template parameter {node} has no value")
            return copy.deepcopy(values[m.group(2)])
    return node


def expand_cases(specs):
    """Case value sets of a test: vector specs one each, matrix specs the cartesian product."""
    out = []
    for spec in specs:
        vals = spec.get("values") or {}
        if spec.get("strategy") == "vector":
            out.append(dict(vals))
        elif spec.get("strategy") == "matrix":
            keys = list(vals)
            for combo in itertools.product(*(vals[k] for k in keys)):
                out.append(dict(zip(keys, combo)))
        else:
            raise ValueError(f"unknown case strategy {spec.get('strategy')!r}")
    return out


class Case:
    def __init__(self, file, test, index, values):
        self.file = file
        self.index = index
        self.values = values
        self.test = test
        self.base = test.get("name", "?")
        self.rule = test.get("rule", "")
        self.id = f"{self.base}#{index}" if values is not None else self.base
        self.skip = None
        self.result = None
        self.reason = ""
        self.pids = set()
        self.notes = []
        self.seq = 0

    @property
    def label(self):
        if not self.values:
            return self.id
        parts = []
        for k, v in self.values.items():
            if isinstance(v, (dict, list)) or v is None:
                v = json.dumps(v)
            parts.append(f"{k}={v}")
        return f"{self.id}({','.join(parts)})"

    @property
    def runname(self):
        """The name on PASS/FAIL/SKIP lines: no spaces or colons (the protocol's separator)."""
        return "evtgen." + re.sub(r"[\s:]+", "_", self.label)

    @property
    def container(self):
        ctx = self.test.get("context") or {}
        return ctx.get("container") is not None

    @property
    def entrypoint(self):
        """Tartan extension context.container.entrypoint: true: the case is the container's
        start, the exec of its main process (eg_proc --batch, the command the tracer runs),
        whose pid counts as one of the case's."""
        return bool(((self.test.get("context") or {}).get("container") or {}).get("entrypoint"))


def load_cases(spec_dir):
    cases = []
    for fn in sorted(os.listdir(spec_dir)):
        if not fn.endswith((".yaml", ".yml")):
            continue
        doc = load_spec(os.path.join(spec_dir, fn))
        for raw in (doc or {}).get("tests") or []:
            tmpl = {k: v for k, v in raw.items() if k != "cases"}
            if "cases" not in raw:
                cases.append(Case(fn, tmpl, 0, None))
                continue
            for i, vals in enumerate(expand_cases(raw["cases"] or [])):
                c = Case(fn, fill(tmpl, vals), i, vals)
                cases.append(c)
    return cases


def machine_arch():
    m = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(m, m)


def run_if(cond):
    """None when the case runs here, else the reason it does not (the runIf arch condition)."""
    if not cond:
        return None
    arch = (cond or {}).get("arch")
    if arch:
        op, val, here = arch.get("op", "eq"), arch.get("val"), machine_arch()
        ok = (here == val) if op == "eq" else (here != val) if op == "ne" else None
        if ok is None:
            return f"runIf arch op {op!r} not understood"
        if not ok:
            return f"runIf arch {op} {val}: this machine is {here}"
    return None


# ---------------------------------------------------------------- plans for eg_proc

def enc(s):
    s = str(s)
    return "".join(c if (c.isprintable() and c not in " %\n\t") else "".join(f"%{b:02X}" for b in c.encode())
                   for c in s)


def to_int(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    s = str(v).strip()
    if re.match(r"^\$\{\s*[\w.]+\s*\}$", s):
        return "${" + s[2:-1].strip() + "}"
    total = 0
    for tok in s.split("|"):
        tok = tok.strip()
        if re.match(r"^-?0[0-7]+$", tok):
            total |= int(tok, 8)
        elif re.match(r"^-?(0x[0-9a-fA-F]+|\d+)$", tok):
            total |= int(tok, 0)
        elif tok in EXTRA_CONSTS:
            total |= EXTRA_CONSTS[tok]
        elif hasattr(os, tok) and isinstance(getattr(os, tok), int):
            total |= getattr(os, tok)
        elif hasattr(socket, tok):
            total |= int(getattr(socket, tok))
        elif hasattr(signal, tok):
            total |= int(getattr(signal, tok))
        else:
            raise ValueError(f"unknown constant {tok!r}")
    return total


def flat_args(args, prefix=""):
    out = []
    for k, v in (args or {}).items():
        key = prefix + k
        if isinstance(v, dict):
            out += flat_args(v, key + ".")
        elif k in STRING_ARGS:
            b = re.match(r"^\$\{\s*([\w.]+)\s*\}$", str(v))
            out.append((key, "${" + b.group(1) + "}" if b else str(v)))
        else:
            out.append((key, str(to_int(v))))
    return out


def split_args(s):
    """Space-separated arguments; a single- or double-quoted group is one argument."""
    if not s:
        return []
    return [m.group(1) or m.group(2) or m.group(3)
            for m in re.finditer(r'"([^"]+)"|\'([^\']+)\'|(\S+)', str(s))]


def chain_of(test):
    ctx = test.get("context") or {}
    procs = ctx.get("processes") or [{}]
    return [p or {} for p in procs]


def write_plan(case, path, casedir, outpath, as_user=None):
    """The eg_proc plan of a case. casedir/outpath are paths as the case will see them. With
    as_user, no process switches user (the run has no capability to)."""
    lines = [f"out {enc(outpath)}"]
    for i, p in enumerate(chain_of(case.test)):
        unknown = set(p) - {"name", "exe", "exePath", "args", "env", "user", "capabilities", "tty"}
        if unknown:
            raise ValueError(f"process property {', '.join(sorted(unknown))} not supported by this runner")
        if "capabilities" in p and (p["capabilities"] not in ("", None) or not p.get("user")):
            raise ValueError("process capabilities: only \"\" (none, with a non-root user) is supported")
        name = p.get("name")
        exepath = p.get("exePath") or f"{casedir}/p{i}/" + (".eg-exe" if name else "event-generator")
        arg0 = p.get("exe") or name or os.path.basename(exepath)
        user = p.get("user") if as_user is None else None
        lines.append(f"proc {i} {enc(exepath)} {enc(name) if name else '-'} {enc(arg0)} "
                     f"{enc(user) if user else '-'}")
        for a in split_args(p.get("args")):
            lines.append(f"arg {i} {enc(a)}")
        for k, v in (p.get("env") or {}).items():
            lines.append(f"env {i} {enc(f'{k}={v}')}")
        if "capabilities" in p and as_user is None:  # "": none (a non-root user, no capability)
            lines.append(f"opt {i} nocaps")
        if p.get("tty"):  # Tartan extension: a session of its own with a pty as its terminal
            lines.append(f"opt {i} tty")
    for key in ("before", "after"):
        if case.test.get(key):
            lines.append(f"{key} {enc(case.test[key])}")
    for r in case.test.get("resources") or []:
        t, name = r.get("type"), r.get("name")
        if t == "fd" and r.get("subtype") == "file":
            lines.append(f"res file {enc(name)} {enc(r['filePath'])}")
        elif t == "fd" and r.get("subtype") == "directory":
            lines.append(f"res dir {enc(name)} {enc(r['dirPath'])}")
        elif t == "clientServer":
            lines.append(f"res cs {enc(name)} {enc(r['l4Proto'])} {enc(r.get('address') or '-')}")
        elif t == "process":
            arg0 = r.get("exe") or r.get("procName") or name
            lines.append(f"res proc {enc(name)} {1 if r.get('fileLess') else 0} {enc(arg0)}")
        else:
            raise ValueError(f"resource type {t}/{r.get('subtype')} not supported by this runner")
    for s in case.test.get("steps") or []:
        if s.get("type") != "syscall":
            raise ValueError(f"step type {s.get('type')!r} not supported by this runner")
        kv = " ".join(enc(f"{k}={v}") for k, v in flat_args(s.get("args")))
        lines.append(f"step {enc(s['name'])} {enc(s['syscall'])} {kv}".rstrip())
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def users_of(case):
    return {p["user"] for p in chain_of(case.test) if p.get("user")}


def conflict_keys(case):
    """Paths and addresses a case creates: cases sharing one run one after the other."""
    keys = set()
    for r in case.test.get("resources") or []:
        for k in ("filePath", "dirPath"):
            if r.get(k) and (r.get("subtype") == {"filePath": "file", "dirPath": "directory"}[k]):
                p = os.path.normpath(r[k])
                keys.add(p)
                keys.add(os.path.dirname(p))
        if r.get("type") == "clientServer":
            keys.add(f"net:{r.get('l4Proto')}:{r.get('address')}")
    for s in case.test.get("steps") or []:
        a = s.get("args") or {}
        sc = s.get("syscall")
        flags = a.get("flags", (a.get("how") or {}).get("flags", 0))
        creat = isinstance(to_int(flags), int) and to_int(flags) & os.O_CREAT
        if sc in ("open", "openat", "openat2") and creat and a.get("pathname"):
            keys.add(os.path.normpath(a["pathname"]))
        if sc in ("creat", "mkdir", "mkdirat") and a.get("pathname"):
            keys.add(os.path.normpath(a["pathname"]))
        for k in ("newPath", "linkPath"):
            if a.get(k):
                keys.add(os.path.normpath(a[k]))
    for p in chain_of(case.test):
        if p.get("exePath"):
            keys.add(os.path.normpath(p["exePath"]))
    return keys


def cost(case):
    m = re.search(r"\bsleep\s+(\d+(\.\d+)?)", str(case.test.get("before") or ""))
    return (float(m.group(1)) if m else 0.0) + 0.05


def assign_lanes(cases):
    """Union cases that share a conflict key, then pack the groups into at most MAX_LANES lanes
    (longest first, each into the least loaded lane)."""
    parent = list(range(len(cases)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    owner = {}
    for i, c in enumerate(cases):
        for k in conflict_keys(c):
            if k in owner:
                parent[find(i)] = find(owner[k])
            else:
                owner[k] = i
    groups = {}
    for i in range(len(cases)):
        groups.setdefault(find(i), []).append(i)
    order = sorted(groups.values(), key=lambda g: -sum(cost(cases[i]) for i in g))
    load = [0.0] * MAX_LANES
    lane_of = {}
    for g in order:
        lane = min(range(MAX_LANES), key=lambda k: load[k])
        load[lane] += sum(cost(cases[i]) for i in g)
        for i in g:
            lane_of[i] = lane
    return lane_of


# ---------------------------------------------------------------- engine configuration

def engine_config(path, alerts_path, rules, fields):
    """rules: the rules files as the engine sees them, loaded in this order."""
    fields = sorted(set(fields) | {"proc.pid", "proc.ppid", "proc.name", "proc.exepath", "container.id",
                                   "user.name", "evt.type"})
    cfg = {
        "rules_files": list(rules),
        "json_output": True,
        "json_include_output_property": True,
        "json_include_tags_property": False,
        "rule_matching": "all",
        "priority": "debug",
        "buffered_outputs": False,
        "watch_config_files": False,
        "stdout_output": {"enabled": False},
        "syslog_output": {"enabled": False},
        "file_output": {"enabled": True, "keep_alive": True, "filename": alerts_path},
        "append_output": [{"extra_fields": fields}],
    }
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)


def expected_fields(cases):
    out = set()
    for c in cases:
        out |= set(((c.test.get("expectedOutcome") or {}).get("outputFields") or {}).keys())
    return out


# ---------------------------------------------------------------- runs

class Run:
    """One traced run: a batch of cases executed by one eg_proc --batch under one tracer."""

    def __init__(self, work, name, cases, rules, inside, as_user=None):
        self.as_user = as_user
        self.work = work
        self.name = name
        self.cases = cases
        self.rules = list(rules)
        self.inside = inside  # path of `work` as the processes see it
        self.dir = os.path.join(work, name)
        os.makedirs(os.path.join(self.dir, "plans"), exist_ok=True)
        os.makedirs(os.path.join(self.dir, "out"), exist_ok=True)
        os.chmod(self.dir, 0o777)
        os.chmod(os.path.join(self.dir, "out"), 0o777)
        self.alerts = os.path.join(self.dir, "alerts.json")
        self.seen_dir = os.path.join(inside, name)

    def prepare(self, case_root):
        good = []
        for c in self.cases:
            i = len(good)
            try:
                write_plan(c, os.path.join(self.dir, "plans", f"c{i}.plan"), f"{case_root}/c{i}",
                           f"{self.seen_dir}/out/c{i}.out", self.as_user)
                good.append(c)
            except (ValueError, KeyError, TypeError) as e:
                c.result, c.reason = "FAIL", f"cannot run this case: {e}"
        self.cases = good
        lanes = assign_lanes(self.cases)
        batch = []
        for i, c in enumerate(self.cases):
            c.seq = i
            batch.append(f"case L{lanes[i]} {self.seen_dir}/plans/c{i}.plan")
        with open(os.path.join(self.dir, "batch"), "w") as f:
            f.write("\n".join(batch) + "\n")
        seen = [f"{self.seen_dir}/rules{i}.yaml" for i in range(len(self.rules))]
        engine_config(os.path.join(self.dir, "falco.yaml"), f"{self.seen_dir}/alerts.json", seen,
                      expected_fields(self.cases))
        for i, r in enumerate(self.rules):
            shutil.copyfile(r, os.path.join(self.dir, f"rules{i}.yaml"))

    def collect(self):
        main = set()
        try:
            with open(os.path.join(self.dir, "out", "main.out")) as f:
                main = {int(w[2]) for w in (line.split() for line in f) if len(w) == 3}
        except (FileNotFoundError, ValueError):
            pass
        for i, c in enumerate(self.cases):
            if c.entrypoint:
                c.pids |= main
                if not main:
                    c.notes.append("the batch's main process left no pid (EG_MAIN_OUT)")
            try:
                with open(os.path.join(self.dir, "out", f"c{i}.out")) as f:
                    for line in f:
                        w = line.split()
                        if len(w) == 3 and w[0] == "pid":
                            c.pids.add(int(w[2]))
                        elif w and w[0] in ("err", "step", "exit", "done"):
                            c.notes.append(line.strip())
            except FileNotFoundError:
                c.notes.append("no results (the case never started)")
        alerts = []
        try:
            with open(self.alerts) as f:
                for line in f:
                    line = line.strip()
                    if line.startswith("{"):
                        try:
                            alerts.append(json.loads(line))
                        except ValueError:
                            pass
        except FileNotFoundError:
            pass
        return alerts


def ring_key():
    return 0x45470000 + (os.getpid() & 0xffff)


# TARTAN_SYSCALLS_FILE for the traced runs (--syscalls-file): the engine writes the set its
# enabled rules need (and `proc.env` when they read environments), the tracer reads it.
SYSCALLS_FILE = None
# TARTAN_SYSCALLS for the traced runs (--tracer-syscalls): an operator's list that overrides
# the engine's request (the negative controls narrow the set with it).
TRACER_SYSCALLS = None


def run_host(run, timeout):
    key = ring_key()
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("TARTAN_"):
            del env[k]
    if SYSCALLS_FILE:
        env["TARTAN_SYSCALLS_FILE"] = os.path.join(run.dir, "syscalls")
    if TRACER_SYSCALLS:
        env["TARTAN_SYSCALLS"] = TRACER_SYSCALLS
    env["TT_RING_KEY"] = str(key)
    env["LAUNCHER_GRACE_PERIOD"] = "20"
    cmd = [os.path.join(BIN, "launcher"),
           os.path.join(BIN, "tracer"), "--ring-key", str(key), "--wait-engine", "30000",
           os.path.join(HELPERS, "eg_proc"), "--batch", os.path.join(run.dir, "batch"),
           "--", os.path.join(BIN, "engine"), "-c", os.path.join(run.dir, "falco.yaml")]
    log("host run:", " ".join(shlex.quote(c) for c in cmd))
    with open(os.path.join(run.dir, "launcher.log"), "w") as lf:
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                               env=env, timeout=timeout, cwd=run.dir)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    log(f"host run ended: {rc}")
    return rc


def docker_ok():
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def privileged_probe(image):
    """None when `docker run --privileged` works here, else the exact error."""
    p = subprocess.run(["docker", "run", "--rm", "--privileged", "--network", "none", "--entrypoint",
                        "/bin/true", image], capture_output=True, text=True, timeout=120)
    if p.returncode == 0:
        return None
    err = " ".join(p.stderr.split())
    m = re.search(r"(unable to apply caps[^:]*: [^:]*)", err)
    return m.group(1) if m else err[-200:]


def host_caps():
    """--cap-add ALL minus what this machine itself lacks (docker refuses to grant it)."""
    with open("/proc/self/status") as f:
        bnd = int(re.search(r"^CapBnd:\s*([0-9a-f]+)", f.read(), re.M).group(1), 16)
    names = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
             "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
             "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
             "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
             "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
             "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
             "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]
    missing = [n for i, n in enumerate(names) if not bnd & (1 << i)]
    return ["--cap-add", "ALL"] + sum((["--cap-drop", n] for n in missing), []), missing


def run_container(run, image, binaries, timeout, cname, spec):
    """The batch inside one container: the mounted pattern (binaries container's volume via
    --volumes-from, launcher as the entrypoint, tracer in front of eg_proc, engine behind).
    spec is the test's context.container: image (a tag given to the base image), name, env, and
    (Tartan's extensions) seccomp: unconfined, hosts: {name: address} (/etc/hosts).
    run.as_user: as that uid with no capability, else as root with every one the host has."""
    caps, _ = host_caps()
    if run.as_user is not None:
        caps = ["--user", str(run.as_user), "--cap-drop", "ALL"]
    if spec.get("image") and spec["image"] != image:
        subprocess.run(["docker", "tag", image, spec["image"]], check=True, capture_output=True)
        image = spec["image"]
    envs = sum((["-e", f"{k}={v}"] for k, v in (spec.get("env") or {}).items()), [])
    if spec.get("seccomp") == "unconfined":  # Tartan extension: no runtime seccomp profile
        envs += ["--security-opt", "seccomp=unconfined"]
    for h, ip in (spec.get("hosts") or {}).items():  # Tartan extension: /etc/hosts entries
        envs += ["--add-host", f"{h}:{ip}"]
    subprocess.run(["docker", "rm", "-f", cname], capture_output=True)
    users = sorted(set().union(*(users_of(c) for c in run.cases)) - {"root"}) if run.as_user is None else []
    mk = "".join(f"id -u {shlex.quote(u)} >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin "
                 f"{shlex.quote(u)}; " for u in users)
    inner = (f"{mk}exec /vendor/falco/bin/launcher /vendor/falco/bin/tracer --wait-engine 30000 "
             f"/eg/eg_proc --batch {run.seen_dir}/batch -- /vendor/falco/bin/engine "
             f"-c {run.seen_dir}/falco.yaml")
    if SYSCALLS_FILE:
        envs += ["-e", f"TARTAN_SYSCALLS_FILE={run.seen_dir}/syscalls"]
    if TRACER_SYSCALLS:
        envs += ["-e", f"TARTAN_SYSCALLS={TRACER_SYSCALLS}"]
    if any(c.entrypoint for c in run.cases):
        envs += ["-e", f"EG_MAIN_OUT={run.seen_dir}/out/main.out"]
    cmd = ["docker", "run", "--rm", "--name", cname, "--network", "none",
           "--sysctl", "net.ipv6.conf.all.disable_ipv6=0", "--volumes-from", f"{binaries}:ro",
           "-v", f"{run.work}:/eg", "-e", "LAUNCHER_GRACE_PERIOD=20", *envs, *caps,
           "--entrypoint", "/bin/sh", image, "-c", inner]
    log("container run:", " ".join(shlex.quote(c) for c in cmd))
    with open(os.path.join(run.dir, "launcher.log"), "w") as lf:
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                               timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            subprocess.run(["docker", "rm", "-f", cname], capture_output=True)
            rc = "timeout"
    log(f"container run ended: {rc}")
    return rc


# ---------------------------------------------------------------- non-root runs

CAP_RE = re.compile(r"thread\.cap_effective\s+contains\s+(CAP_\w+)")


def nonroot_skip(case, rules, uid):
    """Why a container case cannot run as uid (no capability), or None."""
    if "root" in users_of(case):
        return (f"the case runs a process as root; as uid {uid} with no capability nothing can "
                f"switch to root (CAP_SETUID)")
    caps = sorted(set(CAP_RE.findall(rule_condition(rules, case.rule))))
    if caps:
        return (f"the rule's condition tests thread.cap_effective for {', '.join(caps)}, which a "
                f"uid {uid} process without capabilities never holds")
    if "container.privileged" in rule_condition(rules, case.rule):
        return f"the rule needs container.privileged=true; a non-root container is not privileged"
    return None


def unwritable_dirs(image, uid, dirs):
    """The directories of dirs that uid may not write in image (one container)."""
    if not dirs:
        return set()
    p = subprocess.run(["docker", "run", "--rm", "--network", "none", "--user", str(uid),
                        "--cap-drop", "ALL", "--entrypoint", "/bin/sh", image, "-c",
                        'for d; do [ -w "$d" ] || echo "$d"; done', "sh", *sorted(dirs)],
                       capture_output=True, text=True, timeout=120)
    return set(p.stdout.split())


def created_dirs(case):
    """Directories a case creates files in (its resources, created paths and links)."""
    return {os.path.dirname(k) for k in conflict_keys(case) if k.startswith("/")}


# ---------------------------------------------------------------- checking

def as_text(v):
    if v is None:
        return "<NA>"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def check(case, alerts):
    exp = case.test.get("expectedOutcome") or {}
    mine = [a for a in alerts if (a.get("output_fields") or {}).get("proc.pid") in case.pids]
    same_rule = [a for a in mine if a.get("rule") == case.rule]
    steps = {s.get("syscall") for s in case.test.get("steps") or []}
    problems = []
    for a in same_rule:
        bad = []
        # Stricter than the spec: with steps, the alert must come from a step's own syscall,
        # so that setting up a resource (e.g. opening /etc/shadow) cannot make a case pass.
        etype = (a.get("output_fields") or {}).get("evt.type")
        if steps and etype not in steps:
            bad.append(f"fired on {etype}, not on the step's {'/'.join(sorted(steps))}")
        if exp.get("source") and a.get("source") != exp["source"]:
            bad.append(f"source {a.get('source')!r} (want {exp['source']!r})")
        if exp.get("priority") and str(a.get("priority", "")).lower() != str(exp["priority"]).lower():
            bad.append(f"priority {a.get('priority')!r} (want {exp['priority']!r})")
        if exp.get("hostname") and a.get("hostname") != exp["hostname"]:
            bad.append(f"hostname {a.get('hostname')!r} (want {exp['hostname']!r})")
        of = a.get("output_fields") or {}
        for k, want in (exp.get("outputFields") or {}).items():
            got = as_text(of[k]) if k in of else "(absent)"
            if got != as_text(want):
                bad.append(f"{k}={got} (want {as_text(want)})")
        if not bad:
            return "PASS", ""
        problems.append("; ".join(bad))
    if problems:
        return "FAIL", f"rule fired but {problems[0]}"
    # A step the kernel does not implement (ENOSYS) is a machine limit, not a detection miss.
    sc_of = {st.get("name"): st.get("syscall") for st in case.test.get("steps") or []}
    for n in case.notes:
        w = n.split()
        if len(w) == 4 and w[0] == "step" and w[3] == str(errno.ENOSYS):
            return "SKIP", f"this kernel does not implement {sc_of.get(w[1], w[1])} (ENOSYS)"
    notes = "; ".join(n for n in case.notes if not n.startswith(("done 0", "exit 0")))
    others = sorted({a.get("rule") for a in mine})
    why = "rule did not fire for this case's processes"
    if not case.pids:
        why = "the case's processes never ran"
    if others:
        why += f" (other rules fired: {', '.join(others)[:200]})"
    if notes:
        why += f" [{notes[:300]}]"
    return "FAIL", why


# ---------------------------------------------------------------- main

# Host users the cases need are shared by every runner on the machine (the test lanes run the
# plain and the ASan suites at once): a registry under a lock counts who uses each user made
# here, and the last runner to leave removes it.
USERS_REGISTRY = "/run/tartan-evtgen-users.json"


def _with_users_registry(update):
    with open(USERS_REGISTRY, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        try:
            reg = json.loads(f.read() or "{}")
        except ValueError:
            reg = {}
        for u in list(reg):  # holders that died without releasing
            reg[u] = [p for p in reg[u] if os.path.exists(f"/proc/{p}")]
        out = update(reg)
        f.seek(0)
        f.truncate()
        f.write(json.dumps(reg))
        return out


def acquire_users(users):
    """Makes the host users that do not exist yet and registers this runner as a holder of
    every user the registry knows; returns [(user, error)] for users that could not be made."""
    me = os.getpid()

    def update(reg):
        errs = []
        for u in users:
            try:
                pwd.getpwnam(u)
                if u in reg and me not in reg[u]:
                    reg[u].append(me)
                continue
            except KeyError:
                pass
            r = subprocess.run(["useradd", "-M", "-r", "-s", "/usr/sbin/nologin", u],
                               capture_output=True, text=True)
            if r.returncode == 0:
                reg[u] = [me]
            else:
                errs.append((u, r.stderr.strip()))
        return errs
    return _with_users_registry(update)


def release_users():
    """Drops this runner from the registry; removes the users no live runner holds."""
    me = os.getpid()

    def update(reg):
        for u in list(reg):
            if me in reg[u]:
                reg[u].remove(me)
            if not reg[u]:
                subprocess.run(["userdel", u], capture_output=True)
                del reg[u]
    _with_users_registry(update)


class Ctx:
    """What one invocation creates and removes at the end (work directory, users, containers)."""

    def __init__(self, o):
        self.o = o
        self.work = tempfile.mkdtemp(prefix="tt-evtgen-")
        os.chmod(self.work, 0o755)
        self.users_held = False
        self.cname = f"tt-evtgen-{os.getpid()}"
        self.binaries = f"tt-evtgen-bin-{os.getpid()}"
        self.leftovers = {}
        self.run_problems = []
        self.containers = []
        self.binaries_ready = False
        self.priv_err = "not probed"

    def cleanup(self):
        if shutil.which("docker"):
            subprocess.run(["docker", "rm", "-f", *self.containers, self.binaries], capture_output=True)
        if self.users_held:
            release_users()
        for p in self.leftovers:
            try:
                if os.path.islink(p) or os.path.isfile(p):
                    os.unlink(p)
            except OSError:
                pass
        if self.o.keep:
            log(f"work directory kept: {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def run_pass(ctx, cases, rules, tag):
    """Runs the cases (the host batch, then one container per distinct context.container) with
    the engine loading `rules`; returns [(case, alerts of its run)]. Cases that cannot run here
    get c.skip. tag names the runs ("" for the main pass)."""
    o, work = ctx.o, ctx.work
    out = []
    host = [c for c in cases if not c.skip and not c.container]
    cont = [c for c in cases if not c.skip and c.container]

    # Paths a case's steps may leave behind (links, created files): removed at the end
    # when they did not exist before.
    for c in host:
        for st in c.test.get("steps") or []:
            a = st.get("args") or {}
            for k in ("pathname", "newPath", "linkPath"):
                if a.get(k) and not os.path.lexists(a[k]):
                    ctx.leftovers[a[k]] = True

    if host:
        ctx.users_held = True
        for u, err in acquire_users(sorted(set().union(*(users_of(c) for c in host)))):
            log(f"useradd {u}: {err}")
        run = Run(work, f"{tag}host", host, rules, work)
        run.prepare(f"{work}/{tag}host/cases")
        os.makedirs(f"{work}/{tag}host/cases", exist_ok=True)
        os.chmod(f"{work}/{tag}host/cases", 0o755)
        shutil.copy(os.path.join(HELPERS, "eg_proc"), os.path.join(work, "eg_proc"))
        t0 = time.time()
        rc = run_host(run, o.timeout)
        log(f"{tag}host batch: {len(host)} cases in {time.time() - t0:.1f}s (launcher status {rc})")
        alerts = run.collect()
        log(f"{tag}host batch: {len(alerts)} alerts")
        ctx.run_problems.append(run_problem(f"{tag}host", run, rc))
        out += [(c, alerts) for c in run.cases]

    if cont:
        why = None
        if o.container_skip:
            why = o.container_skip
        elif o.no_container:
            why = "container cases not requested (--no-container)"
        elif not docker_ok():
            why = "no Docker daemon answers (docker info failed)"
        image = os.environ.get("TT_BASE_IMAGE", "debian:bookworm-slim")
        bin_image = os.environ.get("TT_IMAGE_PREFIX", "tartan") + "-binaries"
        if not why:
            for im in (image, bin_image):
                if subprocess.run(["docker", "image", "inspect", im], capture_output=True).returncode:
                    why = f"image {im} is missing (tests/lib/docker.sh builds it)"
        if not why and ctx.priv_err == "not probed":
            ctx.priv_err = privileged_probe(image)
        if why:
            for c in cont:
                c.skip = why
            return out
        runnable = []
        if o.as_user is not None:
            dirs = set().union(*(created_dirs(c) for c in cont))
            closed = unwritable_dirs(image, o.as_user, dirs)
            for c in cont:
                bad = sorted(created_dirs(c) & closed)
                c.skip = nonroot_skip(c, rules, o.as_user) or (
                    f"the case creates files in {', '.join(bad)}, which uid {o.as_user} may "
                    f"not write in {image}" if bad else None)
        for c in cont:
            if c.skip:
                continue
            if "container.privileged" in rule_condition(rules, c.rule) and ctx.priv_err:
                c.skip = (f"the rule needs container.privileged=true and docker run "
                          f"--privileged fails here ({ctx.priv_err}; the host lacks "
                          f"{', '.join('CAP_' + n for n in host_caps()[1]) or 'a capability'}); "
                          f"note: Tartan's engine takes container.privileged only from ECS "
                          f"task metadata (Fargate has no privileged containers)")
            else:
                runnable.append(c)
        # One container per distinct context.container (image tag, name, env).
        groups = {}
        for c in runnable:
            spec = (c.test.get("context") or {}).get("container") or {}
            groups.setdefault(json.dumps(spec, sort_keys=True), []).append(c)
        if runnable and not ctx.binaries_ready:
            subprocess.run(["docker", "rm", "-f", ctx.binaries], capture_output=True)
            subprocess.run(["docker", "create", "--name", ctx.binaries, bin_image], check=True,
                           capture_output=True)
            shutil.copy(os.path.join(HELPERS, "eg_proc"), os.path.join(work, "eg_proc"))
            ctx.binaries_ready = True
        for gi, (key, group) in enumerate(sorted(groups.items())):
            spec = json.loads(key)
            name = spec.get("name") or f"{ctx.cname}-{tag}{gi}"
            ctx.containers.append(name)
            run = Run(work, f"{tag}container{gi}", group, rules, "/eg", o.as_user)
            if o.exe_on_volume:
                # the case executables on the mounted work directory, not in the container's
                # overlay: copies the runner makes are not "new binaries" of the container
                os.makedirs(os.path.join(run.dir, "cases"), exist_ok=True)
                os.chmod(os.path.join(run.dir, "cases"), 0o777)
                run.prepare(f"{run.seen_dir}/cases")
            else:
                run.prepare("/tmp/tt-evtgen")
            t0 = time.time()
            rc = run_container(run, image, ctx.binaries, o.timeout, name, spec)
            log(f"{tag}container batch {gi}: {len(run.cases)} cases in {time.time() - t0:.1f}s "
                f"(status {rc})")
            alerts = run.collect()
            log(f"{tag}container batch {gi}: {len(alerts)} alerts")
            ctx.run_problems.append(run_problem(f"{tag}container{gi}", run, rc))
            out += [(c, alerts) for c in run.cases]
    return out


def check_none(case, alerts, rules):
    """The negative pass: with only `rules` (the stable file) loaded, the case's processes must
    raise nothing, except the rules the test lists under negativeAllowed (a behaviour that is,
    by design, also a stable rule's: the spec says why)."""
    if not case.pids:
        return "FAIL", "the case's processes never ran"
    allowed = set(case.test.get("negativeAllowed") or [])
    got = sorted({a.get("rule") for a in alerts
                  if (a.get("output_fields") or {}).get("proc.pid") in case.pids})
    extra = [r for r in got if r not in allowed]
    if extra:
        return "FAIL", f"raised with only {', '.join(os.path.basename(r) for r in rules)}: {', '.join(extra)}"
    missing = sorted(allowed - set(got))
    if missing:
        return "FAIL", f"negativeAllowed rules did not fire (stale spec?): {', '.join(missing)}"
    return "PASS", ""


def main(argv=None):
    global SYSCALLS_FILE, TRACER_SYSCALLS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--specs", help="spec directory (default: the pinned suite, tests/lib/upstream.sh)")
    ap.add_argument("--rules", action="append", default=None,
                    help="rules file the engine loads (repeatable, in order; default: the pinned "
                         "falco_rules.yaml, tests/lib/upstream.sh)")
    ap.add_argument("--negative-rules", action="append", default=[],
                    help="run every case a second time with only these rules files loaded: the "
                         "case's processes must raise nothing (repeatable)")
    ap.add_argument("--exe-on-volume", action="store_true",
                    help="container cases: the process executables live on the mounted work "
                         "directory (not the overlay), so they are not new container binaries")
    ap.add_argument("--syscalls-file", action="store_true",
                    help="give the traced runs TARTAN_SYSCALLS_FILE (the engine's syscall set)")
    ap.add_argument("--tracer-syscalls",
                    help="give the traced runs TARTAN_SYSCALLS=LIST (overrides the engine's request)")
    ap.add_argument("--only", action="append", default=[],
                    help="run only cases whose label contains this (repeatable: any of them)")
    ap.add_argument("--one-per-test", action="store_true", help="only the first case of each test")
    ap.add_argument("--no-container", action="store_true", help="skip container cases (with a reason)")
    ap.add_argument("--host-only", action="store_true", help="select only the host cases")
    ap.add_argument("--container-skip", default="", help="skip container cases with this reason")
    ap.add_argument("--prefix", default="", help="prefix of the PASS/FAIL/SKIP names")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--list", action="store_true", help="list the selected cases and exit")
    ap.add_argument("--timeout", type=int, default=240, help="seconds per traced run")
    ap.add_argument("--container-only", action="store_true", help="select only the container cases")
    ap.add_argument("--as-user", type=int, help="run the container cases as this uid, no capability")
    o = ap.parse_args(argv)
    for attr, name in (("specs", "falco-evtgen-suite"), ("rules", "falco-rules/falco_rules.yaml")):
        if getattr(o, attr) is None:
            path, why = upstream(name)
            if path is None:
                print(f"FAIL {o.prefix}evtgen-setup: {why}", flush=True)
                return 1
            setattr(o, attr, [path] if attr == "rules" else path)
    rules = o.rules
    SYSCALLS_FILE = o.syscalls_file
    TRACER_SYSCALLS = o.tracer_syscalls

    cases = load_cases(o.specs)
    selected = [c for c in cases if not o.only or any(x in c.label for x in o.only)]
    if o.one_per_test:
        selected = [c for c in selected if c.index == 0]
    if o.host_only:
        selected = [c for c in selected if not c.container]
    if o.container_only or o.as_user is not None:
        selected = [c for c in selected if c.container]
    for c in cases:
        if c not in selected:
            continue
        c.skip = run_if(c.test.get("runIf"))
    log(f"{len(cases)} cases in {o.specs}, {len(selected)} selected")
    if o.list:
        for c in selected:
            print(f"{c.file}\t{c.rule}\t{c.label}\t{'container' if c.container else 'host'}"
                  f"\t{c.skip or ''}")
        return 0

    if os.geteuid() != 0:
        for c in selected:
            c.skip = c.skip or "needs root (users, /etc files, network namespace, tracer)"
    for p in ("launcher", "tracer", "engine"):
        if not os.access(os.path.join(BIN, p), os.X_OK):
            print(f"FAIL {o.prefix}evtgen-setup: {BIN}/{p} missing")
            return 1
    helper = os.path.join(HELPERS, "eg_proc")
    if not os.access(helper, os.X_OK):
        print(f"FAIL {o.prefix}evtgen-setup: {helper} missing")
        return 1

    ctx = Ctx(o)
    negatives = []
    try:
        for c, alerts in run_pass(ctx, selected, rules, ""):
            c.result, c.reason = check(c, alerts)
        if o.negative_rules:
            for c in selected:
                if c.skip or c.result == "SKIP":
                    continue
                n = copy.copy(c)
                n.pids, n.notes, n.result, n.reason = set(), [], None, ""
                negatives.append(n)
            for c, alerts in run_pass(ctx, negatives, o.negative_rules, "neg-"):
                c.result, c.reason = check_none(c, alerts, o.negative_rules)
    finally:
        ctx.cleanup()

    rc = report(selected, o.prefix)
    if negatives:
        rc |= report(negatives, o.prefix + "negative.", "evtgen negative")
    for name, why in (p for p in ctx.run_problems if p):
        print(f"FAIL {o.prefix}evtgen-run-{name}: {why}", flush=True)
        rc = 1
    return rc


SANITIZER_RE = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:|AddressSanitizer")


def run_problem(name, run, rc):
    """A traced run that did not end cleanly (status, sanitizer report): (name, reason) or None."""
    try:
        with open(os.path.join(run.dir, "launcher.log"), errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    if text:
        log(f"---- {name} run output (last 40 lines)")
        log("\n".join(text.splitlines()[-40:]))
    m = SANITIZER_RE.search(text)
    if m:
        line = next((ln for ln in text.splitlines() if SANITIZER_RE.search(ln)), m.group(0))
        return name, f"sanitizer report: {line.strip()[:200]}"
    if rc != 0:
        return name, f"launcher/tracer run ended with status {rc}"
    return None


_conditions = {}


def rule_condition(rules_paths, rule):
    """The rule's condition as the last of the files that define it writes it."""
    if isinstance(rules_paths, str):
        rules_paths = [rules_paths]
    cond = ""
    for path in rules_paths:
        if path not in _conditions:
            conds = {}
            with open(path) as f:
                for item in yaml.safe_load(f) or []:
                    if isinstance(item, dict) and "rule" in item and "condition" in item:
                        conds[item["rule"]] = str(item.get("condition", ""))
            _conditions[path] = conds
        cond = _conditions[path].get(rule, cond)
    return cond


def report(cases, prefix, title="evtgen"):
    npass = nfail = nskip = 0
    rows = []
    for c in cases:
        if c.skip:
            res, why = "SKIP", c.skip
        elif c.result == "SKIP":
            res, why = "SKIP", c.reason
            c.skip = why
        else:
            res, why = c.result or "FAIL", c.reason if c.result else "not run"
        rows.append((c.rule, c.label, res, why))
        name = prefix + c.runname
        if res == "PASS":
            npass += 1
            print(f"PASS {name}", flush=True)
        elif res == "SKIP":
            nskip += 1
            print(f"SKIP {name}: {why}", flush=True)
        else:
            nfail += 1
            print(f"FAIL {name}: {why}", flush=True)
    w1 = max([len(r[0]) for r in rows] + [4])
    w2 = min(max([len(r[1]) for r in rows] + [4]), 90)
    print(f"{'RULE':<{w1}}  {'CASE':<{w2}}  RESULT  REASON")
    for r in rows:
        print(f"{r[0]:<{w1}}  {r[1]:<{w2}}  {r[2]:<6}  {r[3]}")
    print(f"{title} totals: {len(cases)} cases, {npass} passed, {nfail} failed, {nskip} skipped")
    reasons = {}
    for c in cases:
        if c.skip:
            reasons.setdefault(c.skip, []).append(c.id)
    for why, ids in reasons.items():
        print(f"  skipped ({len(ids)}): {why}")
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
