#!/usr/bin/env python3
"""deploy/ files for instrument work as written: the macro's template deploys as a stack in moto's
CloudFormation (with the package in moto's S3), its Lambda function's properties pass botocore's
CreateFunction validation, every INSTRUMENT_* variable it sets and every query key of the
Terraform module is an option instrument accepts, and every IAM action they grant is an operation
of the service's model (a typo would make a policy that silently allows nothing)."""
# timeout: 120
import json
import os
import re
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import BIN, ROOT, check, failed, skipped  # noqa: E402
import instrument_check as ic  # noqa: E402

DEPLOY = os.path.join(ROOT, "deploy")


def options_accepted(name, keys):
    """instrument --terraform refuses a query key that is not an option."""
    q = {k: "x" for k in keys}
    q.update({"container_definitions": json.dumps([{"name": "a", "image": "i", "entryPoint": ["run"]}]),
              "binaries_image": "b:1"})
    for k in ("retention_days",):
        if k in q:
            q[k] = "90"
    for k in ("log_group",):
        if k in q:
            q[k] = "/x"
    rc, out, err = ic.run(["--terraform"], stdin=json.dumps(q).encode())
    check(name, rc == 0, f"exit {rc}: {err[:300]}")


def actions_exist(name, actions):
    import botocore.session
    s = botocore.session.get_session()
    prefixes = {"logs": "logs", "ecr": "ecr", "sts": "sts"}
    bad = []
    for a in actions:
        svc, op = a.split(":", 1)
        model = s.get_service_model(prefixes.get(svc, svc))
        if op not in model.operation_names:
            bad.append(a)
    check(name, not bad, f"not operations: {bad}")


def macro_template():
    with open(os.path.join(DEPLOY, "instrument-macro.yaml")) as f:
        text = f.read()
    t = ic.cfn_yaml_load(text)
    res = t["Resources"]
    fn = res["Function"]["Properties"]
    env = fn["Environment"]["Variables"]
    keys = [k[len("INSTRUMENT_"):].lower() for k in env]
    check("macro-env-prefix", all(k.startswith("INSTRUMENT_") for k in env), f"variables {list(env)}")
    options_accepted("macro-env-are-options", keys)
    import botocore.session
    from botocore.validate import ParamValidator
    shape = botocore.session.get_session().get_service_model("lambda").operation_model("CreateFunction").input_shape
    stand_in = {k: (v if not isinstance(v, dict) else "stand-in") for k, v in fn.items()}
    stand_in["Architectures"] = ["x86_64"]
    stand_in["Code"] = {"S3Bucket": "code-bucket", "S3Key": "instrument-macro.zip"}
    stand_in["Environment"] = {"Variables": {k: "v" for k in env}}
    r = ParamValidator().validate(stand_in, shape)
    check("macro-function-shape", not r.has_errors(), r.generate_report()[:400])
    check("macro-function-runtime", fn["Runtime"].startswith("provided.") and fn["Handler"] == "bootstrap",
          f"{fn['Runtime']} {fn['Handler']}")
    mac = res["Macro"]
    check("macro-resource", mac["Type"] == "AWS::CloudFormation::Macro" and
          mac["Properties"]["FunctionName"] == {"Fn::GetAtt": ["Function", "Arn"]}, f"{mac}")
    acts = []
    for p in res["FunctionRole"]["Properties"]["Policies"]:
        for st in p["PolicyDocument"]["Statement"]:
            acts += st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
    check("macro-role-ecr-token", "ecr:GetAuthorizationToken" in acts, f"actions {acts}")
    actions_exist("macro-role-actions-exist", acts)
    with open(os.path.join(DEPLOY, "iam-policy.json")) as f:
        pol = json.load(f)
    actions_exist("task-policy-actions-exist", [a for st in pol["Statement"] for a in st["Action"]])
    return text


def macro_stack(text):
    try:
        import ls_moto
        m = ls_moto.Moto(region="eu-west-1")
    except Exception as e:  # noqa: BLE001
        skipped("macro-stack", f"moto_server unavailable: {e}")
        return
    try:
        with tempfile.TemporaryDirectory() as tmp:
            z = os.path.join(tmp, "instrument-macro.zip")
            with zipfile.ZipFile(z, "w") as zf:  # any executable named bootstrap will do for moto
                i = zipfile.ZipInfo("bootstrap")
                i.external_attr = 0o100755 << 16
                zf.writestr(i, open(os.path.join(BIN, "instrument"), "rb").read()[:4096])
            s3 = m.client("s3")
            s3.create_bucket(Bucket="code", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
            s3.put_object(Bucket="code", Key="instrument-macro.zip", Body=open(z, "rb").read())
        cf = m.client("cloudformation")
        cf.create_stack(StackName="tartan-macro", TemplateBody=text, Capabilities=["CAPABILITY_IAM"],
                        Parameters=[{"ParameterKey": "CodeBucket", "ParameterValue": "code"},
                                    {"ParameterKey": "BinariesImage", "ParameterValue": "tartan-binaries:1"}])
        st = cf.describe_stacks(StackName="tartan-macro")["Stacks"][0]
        kinds = {r["ResourceType"] for r in cf.list_stack_resources(StackName="tartan-macro")["StackResourceSummaries"]}
        check("macro-stack-moto", st["StackStatus"] == "CREATE_COMPLETE" and "AWS::Lambda::Function" in kinds,
              f"{st['StackStatus']} {st.get('StackStatusReason')} {kinds}")
    except Exception as e:  # noqa: BLE001
        failed("macro-stack-moto", str(e)[:300])
    finally:
        m.stop()


def terraform():
    with open(os.path.join(DEPLOY, "terraform", "tartan-instrument", "main.tf")) as f:
        tf = f.read()
    q = re.search(r"query = merge\(var\.options, \{(.*?)\}\)", tf, re.S)
    keys = re.findall(r"^\s*(\w+)\s*=", q.group(1), re.M) if q else []
    check("terraform-query-parsed", "container_definitions" in keys, f"keys {keys}")
    options_accepted("terraform-query-are-options", [k for k in keys if k != "container_definitions"])
    check("terraform-program", 'program = [var.instrument, "--terraform"]' in tf, "program line")
    with open(os.path.join(DEPLOY, "terraform", "example.tf")) as f:
        ex = f.read()
    block = re.search(r'module "tartan" \{(.*?)\n\}', ex, re.S).group(1)
    inputs = set(re.findall(r"^  (\w+)\s*=", block, re.M)) - {"source"}
    variables = set(re.findall(r'variable "(\w+)"', tf))
    check("terraform-example-inputs", inputs <= variables, f"{inputs - variables} are not variables")


def main():
    if not os.path.exists(os.path.join(BIN, "instrument")):
        skipped("instrument_deploy", "instrument is not built")
        return
    text = macro_template()
    terraform()
    macro_stack(text)


if __name__ == "__main__":
    main()
