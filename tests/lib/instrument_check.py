"""Helpers for instrument's tests: run the program, and the checks every instrumented ECS task
definition or Kubernetes pod must pass (what was added, and that nothing else changed)."""
import copy
import json
import os
import subprocess

from ttest import BIN

PREFIX = "/vendor/falco"
LAUNCHER, TRACER, ENGINE, WAITFOREVER = (f"{PREFIX}/bin/{p}" for p in
                                         ("launcher", "tracer", "engine", "waitforever"))
OWNED_ENV = {"TARTAN_FALCO_YAML", "__CW_LOG_GROUP", "TARTAN_INSTRUMENTED", "TT_RING_KEY",
             "LOGSHIPPER_LOG_STREAM"}


def run(args, stdin=None, env=None, timeout=60):
    """instrument ARGS: (exit status, stdout, stderr)."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([os.path.join(BIN, "instrument")] + list(args), input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def key(d, camel, pascal):
    """A field of an ECS container or task in the API's or CloudFormation's spelling."""
    return camel[0].upper() + camel[1:] if pascal else camel


def original_argv(entry, command):
    """The workload's command line read back out of an instrumented one (None if it is not)."""
    if entry != [LAUNCHER] or not command or command[0] != TRACER or command[-2:] != ["--", ENGINE]:
        return None
    args = command[1:-2]
    if args and args[0] == "----":
        args = args[1:]
    return ["--" if a == "----" else a for a in args]


def ecs_problems(before, after, pascal=False, chosen=None, images=None, binaries="tartan-binaries",
                 sys_ptrace=False, stop_timeout=30):
    """What is wrong with an instrumented task definition (a list of strings; empty when right).

    before/after: the task definition objects (register shape or CloudFormation Properties), or
    container lists. chosen: names of the containers that must be instrumented (default: all).
    images: {image: (Entrypoint, Cmd)} for containers without entryPoint."""
    K = lambda c: key(None, c, pascal)  # noqa: E731
    bad = []
    bcs = before if isinstance(before, list) else before[K("containerDefinitions")]
    acs = after if isinstance(after, list) else after[K("containerDefinitions")]
    names_before = [c[K("name")] for c in bcs]
    names_after = [c[K("name")] for c in acs]
    if names_after[:len(names_before)] != names_before:
        bad.append(f"containers reordered or renamed: {names_before} -> {names_after}")
    extra = names_after[len(names_before):]
    chosen = set(names_before if chosen is None else chosen)
    if chosen and extra != [binaries]:
        bad.append(f"added containers {extra}, want [{binaries}]")
    if not chosen and extra:
        bad.append(f"added containers {extra} though none is chosen")
    for b, a in zip(bcs, acs):
        n = b[K("name")]
        if n not in chosen:
            if a != b:
                bad.append(f"{n}: not chosen, yet changed")
            continue
        want = b.get(K("entryPoint")) or None
        if want is None:
            ep, cmd = images.get(b[K("image")], (None, None)) if images else (None, None)
            want = (ep or []) + (b.get(K("command")) or cmd or [])
        else:
            want = want + (b.get(K("command")) or [])
        got = original_argv(a.get(K("entryPoint")), a.get(K("command")))
        if got != want:
            bad.append(f"{n}: argv {a.get(K('entryPoint'))} + {a.get(K('command'))}, want the "
                       f"original {want} under launcher/tracer")
        vf = a.get(K("volumesFrom"), [])
        if {K("sourceContainer"): binaries, K("readOnly"): True} not in vf:
            bad.append(f"{n}: volumesFrom {vf}")
        dep = a.get(K("dependsOn"), [])
        if {K("containerName"): binaries, K("condition"): "START"} not in dep:
            bad.append(f"{n}: dependsOn {dep}")
        env = {e[K("name")]: e.get(K("value")) for e in a.get(K("environment"), [])}
        secrets = {s[K("name")] for s in a.get(K("secrets"), [])}
        for v in ("__CW_LOG_GROUP", "TARTAN_INSTRUMENTED"):
            if v not in env:
                bad.append(f"{n}: no {v} in the environment")
        if "TARTAN_FALCO_YAML" not in env and not ({"TARTAN_FALCO_YAML", "TARTAN_FALCO_YAML_B64"} & secrets):
            bad.append(f"{n}: no TARTAN_FALCO_YAML")
        if secrets & set(env):
            bad.append(f"{n}: {secrets & set(env)} both in environment and secrets")
        caps = a.get(K("linuxParameters"), {}).get(K("capabilities"), {}).get(K("add"), [])
        if ("SYS_PTRACE" in caps) != sys_ptrace:
            bad.append(f"{n}: capabilities.add {caps} (sys_ptrace={sys_ptrace})")
        st = a.get(K("stopTimeout"))
        if not isinstance(st, int) or st < max(stop_timeout, b.get(K("stopTimeout")) or 0):
            bad.append(f"{n}: stopTimeout {st}")
        # nothing else: the container minus what instrument owns equals the original
        bad += [f"{n}: {w}" for w in leftover(b, a, pascal)]
    if chosen:
        bin_c = acs[-1]
        if bin_c.get(K("essential")) is not False or bin_c.get(K("command")) != [WAITFOREVER]:
            bad.append(f"binaries container {bin_c}")
    if not isinstance(before, list):
        rest_b = {k: v for k, v in before.items() if k != K("containerDefinitions")}
        rest_a = {k: v for k, v in after.items() if k != K("containerDefinitions")}
        if list(rest_b.items()) != list(rest_a.items()):
            diff = [k for k in set(rest_a) | set(rest_b) if rest_a.get(k) != rest_b.get(k)]
            bad.append(f"task-level fields changed: {diff}")
    return bad


def leftover(b, a, pascal):
    """Differences between a container before and after, once instrument's fields are removed."""
    K = lambda c: key(None, c, pascal)  # noqa: E731
    a = copy.deepcopy(a)
    b = copy.deepcopy(b)
    for f in ("entryPoint", "command", "stopTimeout"):
        a.pop(K(f), None)
        b.pop(K(f), None)
    for f, ref in (("volumesFrom", "sourceContainer"), ("dependsOn", "containerName")):
        if K(f) in a:
            a[K(f)] = [x for x in a[K(f)] if x.get(K(ref)) != "tartan-binaries"]
            if not a[K(f)] and K(f) not in b:
                del a[K(f)]
    owned = lambda e: e[K("name")] in OWNED_ENV or str(e[K("name")]).startswith("TARTAN_RULES_")  # noqa: E731
    if K("environment") in a:
        a[K("environment")] = [e for e in a[K("environment")] if not owned(e)]
        if K("environment") in b:
            b[K("environment")] = [e for e in b[K("environment")] if not owned(e)]
        elif not a[K("environment")]:
            del a[K("environment")]
    lp = a.get(K("linuxParameters"), {}).get(K("capabilities"), {})
    if "SYS_PTRACE" in lp.get(K("add"), []) and "SYS_PTRACE" not in b.get(
            K("linuxParameters"), {}).get(K("capabilities"), {}).get(K("add"), []):
        lp[K("add")].remove("SYS_PTRACE")
        if not lp[K("add")]:
            del lp[K("add")]
        if not lp:
            del a[K("linuxParameters")][K("capabilities")]
        if not a[K("linuxParameters")]:
            del a[K("linuxParameters")]
    out = []
    if list(a.keys()) != list(b.keys()):
        out.append(f"keys {list(b.keys())} became {list(a.keys())}")
    for k in b:
        if k in a and a[k] != b[k]:
            out.append(f"{k} changed: {json.dumps(b[k])[:120]} -> {json.dumps(a[k])[:120]}")
    return out


def botocore_errors(td):
    """RegisterTaskDefinition input validation by botocore's model ("" when valid)."""
    import botocore.session
    from botocore.validate import ParamValidator
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    r = ParamValidator().validate(td, shape)
    return r.generate_report() if r.has_errors() else ""


def cfn_to_api(props, resolve):
    """CloudFormation TaskDefinition Properties -> RegisterTaskDefinition input, guided by the
    botocore shape (names matched case-insensitively, numbers and strings converted as the shape
    says, maps left alone); resolve(intrinsic) gives a stand-in value for an intrinsic function."""
    import botocore.session
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape

    def conv(v, sh):
        if isinstance(v, dict) and len(v) == 1 and (next(iter(v)) == "Ref" or next(iter(v)).startswith("Fn::")):
            v = resolve(v)
        t = sh.type_name
        if t == "structure":
            out = {}
            for k, x in v.items():
                m = next((n for n in sh.members if n.lower() == k.lower()), None)
                out[m or k] = conv(x, sh.members[m]) if m else x
            return out
        if t == "list":
            return [conv(x, sh.member) for x in v]
        if t == "map":
            return {k: conv(x, sh.value) for k, x in v.items()}
        if t == "string":
            return str(v).lower() if isinstance(v, bool) else str(v)
        if t in ("integer", "long"):
            return int(v)
        if t == "boolean":
            return v if isinstance(v, bool) else str(v).lower() == "true"
        return v
    return conv(props, shape)


def cfn_yaml_load(text):
    """A CloudFormation YAML template as JSON-like data: "!X value" becomes {"Fn::X": value}
    ({"Ref": ...} and {"Condition": ...} for those two), as CloudFormation reads it."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader, suffix, node):
        name = suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix
        if isinstance(node, yaml.ScalarNode):
            v = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                v = v.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            v = loader.construct_sequence(node, deep=True)
        else:
            v = loader.construct_mapping(node, deep=True)
        return {name: v}
    Loader.add_multi_constructor("!", construct)
    return yaml.load(text, Loader=Loader)
