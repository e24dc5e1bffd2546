#!/usr/bin/env python3
"""instrument on the corpus in tests/data/instrument: ECS task definitions (register and
describe shapes, single and multi-container, with and without entryPoint/command, secrets, an
existing log configuration, FireLens and X-Ray sidecars, opt-out tags and labels, EC2 with a
shared IPC namespace), Terraform container lists, CloudFormation templates (YAML with !Sub, !Ref,
!GetAtt, !Join, !If, !FindInMap; JSON) and Kubernetes workloads.

Every output: what was added is right and nothing else changed (key order included), a second
run changes nothing, the ECS ones pass botocore's RegisterTaskDefinition input validation and are
registered in moto's ECS, the templates are deployed as stacks in moto's CloudFormation (their
input too, as a control). Then the refusals: each names the resource and container, exits 1 and
writes nothing."""
# timeout: 300
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import ROOT, check, failed, log, passed, skipped  # noqa: E402
import instrument_check as ic  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data", "instrument")
IMAGES = os.path.join(DATA, "images.json")
BASE = ["--binaries-image", "tartan-binaries:1", "--engine-image", "tartan-engine:1",
        "--image-config", IMAGES, "--offline"]


def images():
    with open(IMAGES) as f:
        raw = json.load(f)
    out = {}
    for k, v in raw.items():
        c = v.get("config", v)
        out[k] = (c.get("Entrypoint"), c.get("Cmd"))
    return out


def load(path):
    with open(path) as f:
        return json.load(f)


def instrument(name, path, extra=(), want_rc=0):
    rc, out, err = ic.run(BASE + list(extra) + [path])
    if rc != want_rc:
        failed(name, f"exit {rc}, want {want_rc}: {err.strip()[:400]}")
        return None, err
    return out, err


def idempotent(name, out, extra=(), suffix=".json"):
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False) as f:
        f.write(out)
    try:
        rc, again, err = ic.run(BASE + list(extra) + [f.name])
    finally:
        os.unlink(f.name)
    check(f"{name}-idempotent", rc == 0 and again == out,
          f"exit {rc}; second run differs: {err.strip()[:200]}")


def ecs_case(name, file, chosen=None, extra=(), registered=None, expect=None):
    path = os.path.join(DATA, file)
    before = load(path)
    out, err = instrument(name, path, extra)
    if out is None:
        return None
    after = json.loads(out)
    if "taskDefinition" in before:  # describe output: unwrapped
        td = before["taskDefinition"]
        ro = {"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
              "registeredAt", "registeredBy"}
        check(f"{name}-describe-unwrapped", not (ro & set(after)) and after.get("tags") == before["tags"],
              f"keys {list(after)}")
        before = {k: v for k, v in td.items() if k not in ro}
        before["tags"] = td.get("tags", load(path)["tags"])
        after_cmp = dict(after)
    else:
        after_cmp = after
    bad = ic.ecs_problems(before, after_cmp, chosen=chosen, images=images(),
                          sys_ptrace="--sys-ptrace" in extra)
    check(f"{name}-instrumented", not bad, "; ".join(bad)[:800])
    if not isinstance(after, list):
        errs = ic.botocore_errors(after)
        check(f"{name}-botocore-shape", not errs, errs[:500])
        if registered is not None:
            registered.append((name, after))
    if expect:
        expect(after)
    idempotent(name, out, extra)
    return after


def register_in_moto(m, registered):
    ecs = m.client("ecs")
    for name, td in registered:
        try:
            r = ecs.register_task_definition(**td)["taskDefinition"]
            got = {c["name"]: (c.get("entryPoint"), c.get("command")) for c in r["containerDefinitions"]}
            want = {c["name"]: (c.get("entryPoint"), c.get("command")) for c in td["containerDefinitions"]}
            check(f"{name}-moto-register", got == want, f"moto kept {got}, sent {want}")
        except Exception as e:  # noqa: BLE001
            failed(f"{name}-moto-register", str(e)[:400])


def cfn_cases(m):
    params = ["--parameter", "AWS::AccountId=123456789012", "--parameter", "AWS::Region=eu-west-1"]
    stand_in = {"Ref": "x", "Fn::GetAtt": "arn:aws:iam::123456789012:role/x"}

    def resolve(v):
        k = next(iter(v))
        return stand_in.get(k, "stand-in")

    for file in ("cfn-service.yaml", "cfn-service.json"):
        name = "cfn-" + file.split(".")[1]
        path = os.path.join(DATA, file)
        with open(path) as f:
            text = f.read()
        out, err = instrument(name, path, params)
        if out is None:
            continue
        before = ic.cfn_yaml_load(text) if file.endswith("yaml") else json.loads(text)
        after = ic.cfn_yaml_load(out) if file.endswith("yaml") else json.loads(out)
        res_b, res_a = before["Resources"], after["Resources"]
        for rid, r in res_b.items():
            if r["Type"] != "AWS::ECS::TaskDefinition":
                check(f"{name}-{rid}-untouched", res_a[rid] == r, f"{rid} changed")
                continue
            ignored = any(t.get("Key") in ("kilt-ignore", "tartan-ignore")
                          for t in r["Properties"].get("Tags", []))
            if ignored:
                check(f"{name}-{rid}-opted-out", res_a[rid] == r, "changed despite kilt-ignore")
                continue
            # images named by expressions: their stand-in entries, as instrument resolved them
            imgs = images()
            resolved = {"yaml": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:2.4.1",
                        "json": "busybox:1.36"}[file.split(".")[1]]
            for c in r["Properties"]["ContainerDefinitions"]:
                if isinstance(c["Image"], dict):
                    imgs[json.dumps(c["Image"])] = imgs[resolved]
            bcs = [dict(c, Image=json.dumps(c["Image"])) if isinstance(c["Image"], dict) else c
                   for c in r["Properties"]["ContainerDefinitions"]]
            acs = [dict(c, Image=json.dumps(c["Image"])) if isinstance(c.get("Image"), dict) else c
                   for c in res_a[rid]["Properties"]["ContainerDefinitions"]]
            bad = ic.ecs_problems(bcs, acs, pascal=True, images=imgs)
            check(f"{name}-{rid}-instrumented", not bad, "; ".join(bad)[:800])
            errs = ic.botocore_errors(ic.cfn_to_api(res_a[rid]["Properties"], resolve))
            check(f"{name}-{rid}-botocore-shape", not errs, errs[:500])
        lg = res_a.get("TartanAlertsLogGroup", {})
        check(f"{name}-log-group-retention", lg.get("Type") == "AWS::Logs::LogGroup" and
              lg.get("Properties", {}).get("RetentionInDays") == 90 and lg.get("DeletionPolicy") == "Retain",
              f"TartanAlertsLogGroup {lg}")
        pol = res_a.get("TartanAlertsPolicy", {}).get("Properties", {})
        check(f"{name}-policy-on-template-role", pol.get("Roles") == [{"Ref": "TaskRole" if "yaml" in file else "Role"}],
              f"TartanAlertsPolicy {pol}")
        idempotent(name, out, params, suffix="." + file.split(".")[1])
        if m is None:
            continue
        cf = m.client("cloudformation")
        for label, body in (("input", text), ("output", out)):
            stack = f"{name}-{label}"
            try:
                cf.create_stack(StackName=stack, TemplateBody=body, Capabilities=["CAPABILITY_IAM"])
                st = cf.describe_stacks(StackName=stack)["Stacks"][0]
                ok = st["StackStatus"] == "CREATE_COMPLETE"
                why = f"{st['StackStatus']} {st.get('StackStatusReason')}"
                if ok and label == "output":
                    ecs = m.client("ecs")
                    phys = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in
                            cf.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
                    td = ecs.describe_task_definition(
                        taskDefinition=phys["OrdersTask" if "yaml" in file else "Task"])["taskDefinition"]
                    c0 = td["containerDefinitions"][0]
                    env = {e["name"]: e["value"] for e in c0.get("environment", [])}
                    ok = c0.get("entryPoint") == [ic.LAUNCHER] and env.get("__CW_LOG_GROUP") == phys["TartanAlertsLogGroup"]
                    why = f"deployed container {c0.get('entryPoint')} {env.get('__CW_LOG_GROUP')}"
                check(f"{name}-moto-stack-{label}", ok, why)
            except Exception as e:  # noqa: BLE001
                failed(f"{name}-moto-stack-{label}", str(e)[:400])


def k8s_case():
    import yaml
    path = os.path.join(DATA, "k8s-workloads.yaml")
    out, err = instrument("k8s", path)
    if out is None:
        return
    with open(path) as f:
        before = list(yaml.safe_load_all(f))
    after = list(yaml.safe_load_all(out))
    check("k8s-documents-kept", [d["kind"] for d in after] == [d["kind"] for d in before],
          f"kinds {[d['kind'] for d in after]}")

    def pod(d):
        s = d["spec"]
        if d["kind"] == "Pod":
            return s
        if d["kind"] == "CronJob":
            return s["jobTemplate"]["spec"]["template"]["spec"]
        return s["template"]["spec"]

    imgs = images()
    for b, a in zip(before, after):
        n = f"k8s-{b['kind'].lower()}"
        if b["kind"] in ("ConfigMap", "Service") or b["kind"] == "CronJob":
            check(f"{n}-untouched", a == b, "changed")
            continue
        pb, pa = pod(b), pod(a)
        bad = []
        for cb, ca in zip(pb["containers"], pa["containers"]):
            if cb["name"] == "metrics":
                if ca != cb:
                    bad.append("metrics changed despite tartan-ignore-containers")
                continue
            cmd = ca.get("command", [])
            if cb.get("command"):
                want_cmd, want_args = cb["command"], cb.get("args")
            else:
                ep, cmdi = imgs[cb["image"]]
                want_cmd, want_args = ep or [], cb.get("args") or cmdi
            if cmd != [ic.TRACER] + want_cmd or ca.get("args") != want_args:
                bad.append(f"{cb['name']}: command {cmd} args {ca.get('args')}")
            key = {e["name"]: e.get("value") for e in ca.get("env", [])}.get("TT_RING_KEY")
            side = [s for s in pa.get("initContainers", []) if s["name"] == f"tartan-engine-{cb['name']}"]
            senv = {e["name"]: e.get("value") for e in side[0].get("env", [])} if side else {}
            if not side or side[0].get("restartPolicy") != "Always" or senv.get("TT_RING_KEY") != key or not key:
                bad.append(f"{cb['name']}: sidecar {side} ring key {key}")
            extra = set(ca) - set(cb) - {"command", "args", "env", "volumeMounts"}
            if extra:
                bad.append(f"{cb['name']}: unexpected fields {extra}")
            if {"name": "tartan-binaries", "mountPath": "/vendor/falco", "readOnly": True} not in ca.get("volumeMounts", []):
                bad.append(f"{cb['name']}: binaries not mounted: {ca.get('volumeMounts')}")
        vol = {"name": "tartan-binaries", "image": {"reference": "tartan-binaries:1", "pullPolicy": "IfNotPresent"}}
        if vol not in pa.get("volumes", []):
            bad.append(f"no image volume: {pa.get('volumes')}")
        g = pa.get("terminationGracePeriodSeconds")
        if g != max(30, pb.get("terminationGracePeriodSeconds") or 0):
            bad.append(f"terminationGracePeriodSeconds {g}")
        check(f"{n}-instrumented", not bad, "; ".join(bad)[:600])
    idempotent("k8s", out, suffix=".yaml")


def errors(tmp):
    """Each refusal: exit 1, nothing on stdout, the resource and container named."""
    def refuse(name, args, stdin=None, must=()):
        rc, out, err = ic.run(args, stdin=stdin)
        ok = rc == 1 and out == "" and all(s in err for s in must)
        check(f"refuse-{name}", ok, f"exit {rc}, stdout {len(out)} bytes, stderr {err.strip()[:300]}")

    refuse("unknown-shape", BASE + ["-"], stdin=b'{"hello": "world"}', must=("not an ECS task definition",))
    refuse("not-json-or-yaml", BASE + ["-"], stdin=b'{"a": [1, 2}', must=("<stdin>:1:",))
    refuse("command-unknown-offline", ["--binaries-image", "b:1", "--offline", "-"],
           stdin=json.dumps({"family": "f", "taskRoleArn": "r", "containerDefinitions": [
               {"name": "app", "image": "example.com/unknown:1"}]}).encode(),
           must=("task definition f, container app", "--offline", "example.com/unknown:1"))
    refuse("no-command-anywhere", BASE + ["-"],
           stdin=json.dumps({"family": "f", "taskRoleArn": "r", "containerDefinitions": [
               {"name": "app", "image": "scratch-data:1"}]}).encode(),
           must=("task definition f, container app", "no command"))
    # instrumented by another layout
    out, _ = instrument("refuse-prepare", os.path.join(DATA, "ecs-single.json"))
    if out:
        other = out.replace('"TARTAN_INSTRUMENTED",\n          "value": "v1"',
                            '"TARTAN_INSTRUMENTED",\n          "value": "v0"')
        check("refuse-other-version-prepared", other != out, "could not plant the v0 mark")
        refuse("other-version", BASE + ["-"], stdin=other.encode(),
               must=("task definition payments-api, container api", "another version"))
    big = os.path.join(tmp, "big_rules.yaml")
    with open(big, "w") as f:
        f.write("# padding\n" + "- list: pad\n  items: [" + ", ".join(["x" * 60] * 1200) + "]\n")
    refuse("over-64KiB", BASE + ["--rules", big, os.path.join(DATA, "ecs-multi.json")],
           must=("task definition storefront, container", "65536"))
    refuse("dashdash-argument", BASE + ["-"],
           stdin=json.dumps({"family": "f", "taskRoleArn": "r", "containerDefinitions": [
               {"name": "app", "image": "i", "entryPoint": ["run", "----"]}]}).encode(),
           must=("container app", "----"))
    refuse("no-task-role", BASE + ["-"],
           stdin=json.dumps({"family": "f", "containerDefinitions": [
               {"name": "app", "image": "i", "entryPoint": ["run"]}]}).encode(),
           must=("task definition f", "taskRoleArn", "--allow-no-task-role"))
    rc, out, err = ic.run(BASE + ["--allow-no-task-role", "-"], stdin=json.dumps({
        "family": "f", "containerDefinitions": [{"name": "app", "image": "i", "entryPoint": ["run"]}]}).encode())
    check("allow-no-task-role", rc == 0 and json.loads(out)["containerDefinitions"][0]["entryPoint"] == [ic.LAUNCHER],
          f"exit {rc}: {err[:200]}")
    refuse("ipc-host", BASE + ["-"], stdin=json.dumps({"family": "f", "taskRoleArn": "r", "ipcMode": "host",
           "containerDefinitions": [{"name": "app", "image": "i", "entryPoint": ["run"]}]}).encode(),
           must=("task definition f", "ipcMode"))
    refuse("windows", BASE + ["-"], stdin=json.dumps({"family": "f", "taskRoleArn": "r",
           "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"},
           "containerDefinitions": [{"name": "app", "image": "i", "entryPoint": ["run"]}]}).encode(),
           must=("Linux only",))
    refuse("cfn-image-expression-unresolved", BASE + [os.path.join(DATA, "cfn-service.yaml")],
           must=("resource OrdersTask, container orders", "AWS::AccountId", "--parameter"))
    refuse("name-taken", BASE + ["-"], stdin=json.dumps({"family": "f", "taskRoleArn": "r", "containerDefinitions": [
           {"name": "tartan-binaries", "image": "i", "entryPoint": ["run"]}]}).encode(),
           must=("already named tartan-binaries", "--binaries-name"))
    refuse("k8s-no-engine-image", ["--offline", "-"], stdin=b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
           b"spec:\n  containers: [{name: c, image: i, command: [x]}]\n", must=("Pod p", "--engine-image"))
    refuse("yaml-duplicate-key", BASE + ["-"], stdin=b"Resources:\n  A: {}\n  A: {}\n", must=("<stdin>:3:", "duplicate key"))
    refuse("yaml-billion-laughs", BASE + ["-"], stdin=billion_laughs(), must=("aliases",))
    rc, out, err = ic.run(["--no-such-option"])
    check("usage-exit-125", rc == 125 and "unknown option" in err, f"exit {rc}: {err[:200]}")
    rc, out, err = ic.run(["--retention-days", "8", "-"], stdin=b"{}")
    check("usage-bad-retention", rc == 125 and "3653" in err, f"exit {rc}: {err[:200]}")


def billion_laughs():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    return ("\n".join(lines) + "\n").encode()


def options(tmp):
    """--sys-ptrace, --pin-digests, --include/--exclude, --rules, --log-group, Terraform."""
    ecs_case("opt-sys-ptrace", "ecs-single.json", extra=["--sys-ptrace"])
    rc, out, err = ic.run(BASE + ["--pin-digests", os.path.join(DATA, "ecs-firelens-xray.json")])
    check("opt-pin-digests-needs-digest", rc == 1 and "no digest known" in err, f"exit {rc}: {err[:300]}")
    rc, out, err = ic.run(BASE + ["--pin-digests", "--include", "web", os.path.join(DATA, "ecs-multi.json")])
    if check("opt-pin-digests", rc == 0, f"exit {rc}: {err[:300]}"):
        cs = {c["name"]: c for c in json.loads(out)["containerDefinitions"]}
        check("opt-pin-digests-image", cs["web"]["image"] ==
              "public.ecr.aws/nginx/nginx@sha256:6db391d1c0cfb30588ba0bf72ea999404f2764febf0f1f196acd5867ac7efa7e"
              and cs["app"]["image"].endswith(":2.4.1"), f"images {[c['image'] for c in cs.values()]}")
    ecs_case("opt-include", "ecs-multi.json", chosen=["app"], extra=["--include", "app"])
    ecs_case("opt-exclude", "ecs-multi.json", chosen=["web", "init-db"], extra=["--exclude", "app"])
    rules = os.path.join(tmp, "prod-rules.yaml")
    with open(rules, "w") as f:
        f.write("- rule: x\n  desc: x\n  condition: evt.type = open\n  output: x\n  priority: INFO\n")

    def has_rules(after):
        envs = [{e["name"]: e["value"] for e in c.get("environment", [])} for c in after["containerDefinitions"][:1]]
        check("opt-rules-env", envs[0].get("TARTAN_RULES_PROD_RULES", "").startswith("- rule: x"),
              f"environment {list(envs[0])}")
    ecs_case("opt-rules", "ecs-multi.json", extra=["--rules", rules], expect=has_rules)

    local = os.path.join(tmp, "local.yaml")
    with open(local, "w") as f:
        f.write("- list: empty\n  items: []\n")

    def secret_kept(after):
        c = after["containerDefinitions"][0]
        env = [e["name"] for e in c["environment"]]
        check("secrets-win", "TARTAN_RULES_LOCAL" not in env, f"environment {env}")
    ecs_case("opt-rules-secret", "ecs-single.json", extra=["--rules", local], expect=secret_kept)

    def group(after):
        env = {e["name"]: e["value"] for e in after["containerDefinitions"][0]["environment"]}
        check("opt-log-group", env["__CW_LOG_GROUP"] == "/my/alerts" and "--retention-days 30" in env["TARTAN_FALCO_YAML"]
              and "--region eu-central-1" in env["TARTAN_FALCO_YAML"], f"environment {env}")
    ecs_case("opt-log-group", "ecs-multi.json", extra=["--log-group", "/my/alerts", "--retention-days", "30",
                                                       "--region", "eu-central-1"], expect=group)
    # Terraform's external program protocol
    with open(os.path.join(DATA, "tf-containers.json")) as f:
        defs = f.read()
    q = json.dumps({"container_definitions": defs, "binaries_image": "tartan-binaries:1",
                    "log_group": "/tf/alerts", "image_config": IMAGES, "offline": "true"})
    rc, out, err = ic.run(["--terraform"], stdin=q.encode())
    ok = False
    if rc == 0:
        res = json.loads(out)
        ok = list(res) == ["container_definitions"] and isinstance(res["container_definitions"], str)
        if ok:
            after = json.loads(res["container_definitions"])
            bad = ic.ecs_problems(json.loads(defs), after, images=images())
            ok = not bad
            err = "; ".join(bad)
    check("terraform-protocol", ok, f"exit {rc}: {err[:400]}")
    rc, out, err = ic.run(["--terraform"], stdin=json.dumps({"container_definitions": defs,
                                                             "binaries_imgae": "x"}).encode())
    check("terraform-unknown-key", rc == 1 and "binaries_imgae" in err and out == "", f"exit {rc}: {err[:200]}")


def main():
    if not os.path.exists(os.path.join(ic.BIN, "instrument")):
        skipped("instrument_corpus", "instrument is not built")
        return
    registered = []
    ecs_case("ecs-single", "ecs-single.json", registered=registered)
    ecs_case("ecs-multi", "ecs-multi.json", registered=registered)
    ecs_case("ecs-firelens-xray", "ecs-firelens-xray.json", registered=registered)
    ecs_case("ecs-describe", "ecs-describe.json", registered=registered)
    ecs_case("ecs-optout", "ecs-optout.json", chosen=["main"], registered=registered)

    def ring_keys(after):
        cs = after["containerDefinitions"]
        keys = [{e["name"]: e["value"] for e in c["environment"]}.get("TT_RING_KEY") for c in cs[:2]]
        check("ecs-ipc-task-ring-keys", all(keys) and keys[0] != keys[1], f"keys {keys}")
        check("ecs-ec2-binaries-memory", cs[-1].get("memory") == 32, f"{cs[-1]}")
    ecs_case("ecs-ec2-ipc", "ecs-ec2-ipc.json", registered=registered, expect=ring_keys)
    rc, out, err = ic.run(BASE + [os.path.join(DATA, "ecs-ignored.json")])
    check("ecs-tartan-ignore", rc == 0 and json.loads(out) == load(os.path.join(DATA, "ecs-ignored.json"))
          and "nothing instrumented" in err, f"exit {rc}: {err[:200]}")
    with tempfile.TemporaryDirectory() as tmp:
        options(tmp)
        errors(tmp)
    k8s_case()
    try:
        import ls_moto
        m = ls_moto.Moto(region="eu-west-1")
    except Exception as e:  # noqa: BLE001
        skipped("instrument-moto", f"moto_server unavailable: {e}")
        cfn_cases(None)
        return
    try:
        register_in_moto(m, registered)
        cfn_cases(m)
    finally:
        m.stop()


if __name__ == "__main__":
    main()
