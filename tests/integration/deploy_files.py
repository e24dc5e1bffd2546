#!/usr/bin/env python3
"""deploy/ works as written, checked without an AWS account:

- every ECS task definition, placeholders filled as docs/deploy.md does, is valid input for
  RegisterTaskDefinition (botocore's service model), registers in moto's ECS and reads back
  unchanged; it is far below the 64 KiB task definition limit; every awslogs log configuration
  creates its group (awslogs-create-group), which the execution role policy allows;
- its TARTAN_FALCO_YAML loads in the engine (--dry-run) without a warning, with every rule
  file present; logshipper's retention is a value CloudWatch accepts;
- deploy/iam-policy.json allows exactly the CloudWatch Logs calls logshipper makes (read from
  its source), each an operation of botocore's CloudWatch Logs model, on the alert group only
  (least privilege: a call added to the code without the policy, or a permission the code does
  not use, fails here);
- the falcosidekick example points the engine's http_output at falcosidekick inside the task.
"""
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ttest  # noqa: E402

DEPLOY = os.path.join(ttest.ROOT, "deploy")
PLACEHOLDERS = {"AWS_REGION": "eu-west-1", "AWS_ACCOUNT_ID": "123456789012", "CPU_ARCHITECTURE": "ARM64",
                "LOG_GROUP": "/aws/ecs/service/falco_alerts",
                "BINARIES_IMAGE": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/tartan-binaries:1",
                "WORKLOAD_IMAGE": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-workload:1",
                "SLACK_WEBHOOK_SECRET_ARN":
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tartan/slack-AbCdEf"}
RETENTIONS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
              2557, 2922, 3288, 3653}


def fill(path):
    """The file with its ${VAR} placeholders replaced (envsubst), as JSON; leftovers fail."""
    with open(path) as f:
        text = f.read()
    for k, v in PLACEHOLDERS.items():
        text = text.replace("${" + k + "}", v)
    left = re.findall(r"\$\{[A-Za-z_]+\}", text)
    return json.loads(text), left


CALL_RE = re.compile(r'\b(?:simple_call|ls_cwl_call)\s*\([^,]+,\s*"([A-Za-z]+)"')


def code_calls():
    """CloudWatch Logs operations logshipper calls: the op names given to its signed-call helpers."""
    ops = set()
    for path in glob.glob(os.path.join(ttest.ROOT, "logshipper", "*.c")):
        with open(path) as f:
            ops |= set(CALL_RE.findall(f.read()))
    return ops


def check_task_definition(path, ecs_model, validator, moto_ecs):
    name = os.path.basename(path).replace(".json", "")
    td, left = fill(path)
    ttest.check(f"{name}-placeholders-documented", not left, f"unknown placeholders {left}")
    shape = ecs_model.operation_model("RegisterTaskDefinition").input_shape
    report = validator.validate(td, shape)
    ttest.check(f"{name}-registertaskdefinition-shape", not report.has_errors(),
                report.generate_report()[:600])
    size = len(json.dumps(td, separators=(",", ":")).encode())
    ttest.log(f"{name}: {size} bytes of the 65536 a task definition may have")
    ttest.check(f"{name}-size-under-limit", size < 16 * 1024, f"{size} bytes")
    try:
        arn = moto_ecs.register_task_definition(**td)["taskDefinition"]["taskDefinitionArn"]
        back = moto_ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        diff = [(c["name"], k) for i, c in enumerate(td["containerDefinitions"])
                for k in ("name", "image", "essential", "entryPoint", "command", "environment",
                          "volumesFrom", "dependsOn", "logConfiguration", "secrets",
                          "linuxParameters", "stopTimeout")
                if k in c and back["containerDefinitions"][i].get(k) != c[k]]
        same = not diff
        ttest.check(f"{name}-registers-in-moto", same and back["family"] == td["family"],
                    f"read back differently: {diff}")
    except Exception as e:  # noqa: BLE001 (any refusal is the finding)
        ttest.failed(f"{name}-registers-in-moto", str(e)[:400])
    awslogs = [c for c in td["containerDefinitions"]
               if c.get("logConfiguration", {}).get("logDriver") == "awslogs"]
    ttest.check(f"{name}-awslogs-creates-group",
                awslogs and all(c["logConfiguration"]["options"].get("awslogs-create-group") == "true"
                                for c in awslogs),
                "a container's awslogs group is never created (awslogs-create-group)")
    return td, {c["logConfiguration"]["options"]["awslogs-group"] for c in awslogs}


def check_engine_config(name, td):
    """The task's falco.yaml loads without a warning (rule files from this repository and the
    pinned upstream file, as the image has them)."""
    wl = [c for c in td["containerDefinitions"] if c.get("essential", True)][0]
    env = {e["name"]: e["value"] for e in wl.get("environment", [])}
    ret = env.get("LOGSHIPPER_RETENTION_DAYS")
    ttest.check(f"{name}-alert-retention", ret is not None and int(ret) in RETENTIONS,
                f"LOGSHIPPER_RETENTION_DAYS={ret!r}: the alert group would never expire")
    upstream, why = ttest.upstream("falco-rules/falco_rules.yaml")
    if upstream is None:
        ttest.failed(f"{name}-engine-config-loads", why)
        return env
    yaml_text = env.get("TARTAN_FALCO_YAML", "")
    yaml_text = yaml_text.replace("/vendor/falco/etc/falco_rules.yaml", upstream)
    yaml_text = yaml_text.replace("/vendor/falco/etc/", os.path.join(ttest.ROOT, "etc") + "/")
    p = subprocess.run([os.path.join(ttest.BIN, "engine"), "--dry-run"],
                       env=dict(os.environ, TARTAN_FALCO_YAML=yaml_text, TARTAN_RULES_LOCAL=env.get(
                           "TARTAN_RULES_LOCAL", "")),
                       capture_output=True, text=True, timeout=60)
    ttest.check(f"{name}-engine-config-loads", p.returncode == 0 and "warning" not in p.stderr,
                p.stderr[-500:])
    return env


def main():
    try:
        import botocore.session
        import botocore.validate
        from moto import mock_aws
        import boto3
    except ImportError as e:
        ttest.failed("deploy-python-deps", f"{e} (make deps installs boto3 and moto)")
        return 0
    session = botocore.session.get_session()
    ecs_model = session.get_service_model("ecs")
    logs_model = session.get_service_model("logs")
    validator = botocore.validate.ParamValidator()
    groups = set()
    with mock_aws():
        moto_ecs = boto3.client("ecs", region_name="eu-west-1")
        for path in sorted(glob.glob(os.path.join(DEPLOY, "ecs-task-definition*.json"))):
            td, g = check_task_definition(path, ecs_model, validator, moto_ecs)
            groups |= g
            name = os.path.basename(path).replace(".json", "")
            env = check_engine_config(name, td)
            if "falcosidekick" in name:
                cs = {c["name"]: c for c in td["containerDefinitions"]}
                sk = cs.get("falcosidekick", {})
                skenv = {e["name"]: e["value"] for e in sk.get("environment", [])}
                cfg = env.get("TARTAN_FALCO_YAML", "")
                ttest.check("falcosidekick-http-output-in-task",
                            "url: http://127.0.0.1:2801/" in cfg and "json_output: true" in cfg
                            and "json_include_output_property: true" in cfg
                            and skenv.get("LISTENADDRESS") == "127.0.0.1"
                            and sk.get("essential") is False,
                            "the engine must POST JSON alerts to falcosidekick on 127.0.0.1:2801, "
                            "which listens only inside the task and is not essential")

    # The task role: exactly the calls logshipper makes, on the alert group only.
    policy, left = fill(os.path.join(DEPLOY, "iam-policy.json"))
    calls = {"logs:" + op for op in code_calls()}
    allowed = {a for st in policy["Statement"] if st["Effect"] == "Allow"
               for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    ttest.check("iam-code-calls-found", {"logs:PutLogEvents", "logs:CreateLogStream"} <= calls,
                f"the grep of logshipper/*.c found {sorted(calls)}")
    ttest.check("iam-policy-allows-every-call", calls <= allowed, f"missing {sorted(calls - allowed)}")
    ttest.check("iam-policy-least-privilege", allowed <= calls, f"unused {sorted(allowed - calls)}")
    # negative controls: a new call in the code is found, and would be missing from the policy
    new = {"logs:" + op for op in CALL_RE.findall('o = simple_call(s, "DeleteLogStream", &r);')}
    ttest.check("iam-check-catches-new-call", new == {"logs:DeleteLogStream"} and not new <= allowed,
                f"{new}")
    ops = set(logs_model.operation_names)
    ttest.check("iam-actions-are-cloudwatch-logs-operations",
                {a.split(":", 1)[1] for a in calls} <= ops, f"{sorted(calls)}")
    want = f"arn:aws:logs:eu-west-1:123456789012:log-group:{PLACEHOLDERS['LOG_GROUP']}:*"
    res = {r for st in policy["Statement"]
           for r in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])}
    ttest.check("iam-policy-scoped-to-alert-group", res == {want} and not left, f"resources {res}")

    # The execution role creates the awslogs groups the task definitions name.
    ex, left = fill(os.path.join(DEPLOY, "iam-execution-policy.json"))
    ex_res = {r for st in ex["Statement"] if "logs:CreateLogGroup" in st["Action"]
              for r in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])}
    need = {f"arn:aws:logs:eu-west-1:123456789012:log-group:{g}:*" for g in groups}
    ttest.check("iam-execution-policy-creates-awslogs-groups", need == ex_res and not left,
                f"need {sorted(need)}, policy has {sorted(ex_res)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
