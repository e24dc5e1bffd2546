#!/usr/bin/env python3
# deploy/cloudwatch/*.json (for `aws logs put-metric-filter` / `aws cloudwatch put-metric-alarm`)
# and deploy/cloudwatch-alarms.yaml (CloudFormation) work as written:
#   - each file, placeholders filled, is a valid PutMetricFilter / PutMetricAlarm input for
#     botocore's service models, and moto accepts the calls
#   - the CloudFormation template declares the same filters and alarms, with the same values
#   - every alarm watches a metric some filter or the engine's EMF records produce
#   - each filter pattern matches the lines Tartan really writes for that condition (an engine
#     run for the alert lines, logshipper's own notice and messages) and none of the lines it
#     must ignore (an Informational alert, an EMF record, routine log lines): negative controls
# timeout: 120
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import cwl_filter  # noqa: E402
import en_runtime as rt  # noqa: E402

import botocore.session  # noqa: E402
import yaml  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402

DEPLOY = os.path.join(ttest.ROOT, "deploy")
VALUES = {"LOG_GROUP": "/aws/ecs/service/falco_alerts",
          "CONTAINER_LOG_GROUP": "/aws/ecs/service/tartan-sample", "CLUSTER_NAME": "prod",
          "TASK_FAMILY": "tartan-mounted-sample", "CONTAINER_NAME": "workload",
          "ALARM_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:tartan-alarms"}
CFN_PARAMS = {"AlertLogGroupName": VALUES["LOG_GROUP"],
              "ContainerLogGroupName": VALUES["CONTAINER_LOG_GROUP"],
              "ClusterName": VALUES["CLUSTER_NAME"], "TaskFamily": VALUES["TASK_FAMILY"],
              "ContainerName": VALUES["CONTAINER_NAME"], "AlarmTopicArn": VALUES["ALARM_TOPIC_ARN"]}

session = botocore.session.get_session()
logs_model = session.get_service_model("logs")
cw_model = session.get_service_model("cloudwatch")


def validate(model, op, params):
    shape = model.operation_model(op).input_shape
    r = ParamValidator().validate(params, shape)
    return r.generate_report() if r.has_errors() else ""


def load(path):
    text = open(path).read()
    for k, v in VALUES.items():
        text = text.replace("${" + k + "}", v)
    if "${" in text:
        raise ValueError(f"{path}: an unknown placeholder is left")
    return json.loads(text)


class Ref(str):
    pass


def cfn_load(path):
    class L(yaml.SafeLoader):
        pass
    L.add_constructor("!Ref", lambda l, n: Ref(l.construct_scalar(n)))
    return yaml.load(open(path), Loader=L)


def resolve(v):
    if isinstance(v, Ref):
        return CFN_PARAMS[str(v)]
    if isinstance(v, list):
        return [resolve(x) for x in v]
    if isinstance(v, dict):
        return {k: resolve(x) for k, x in v.items()}
    return v


def lower_first(d):
    if isinstance(d, list):
        return [lower_first(x) for x in d]
    if isinstance(d, dict):
        return {k[0].lower() + k[1:]: lower_first(v) for k, v in d.items()}
    return d


def real_lines(t):
    """Alert lines from a real engine run: Critical, Informational, and the drop alert."""
    rules = t.write("r.yaml", """- rule: Critical thing
  desc: c
  condition: evt.type = execve and proc.name = bash
  output: critical thing (cmd=%proc.cmdline)
  priority: CRITICAL
- rule: Info thing
  desc: i
  condition: evt.type = execve and proc.name = bash
  output: info thing (cmd=%proc.cmdline)
  priority: INFORMATIONAL
""")
    cap = rt.feed_capture(t.path("c.cap"), "--count", "1")
    cfg = t.write("c.yaml", rt.BASE_CONFIG + "rule_matching: all\n")
    p = rt.run_engine(["-c", cfg, "-r", rules, "-e", cap])
    lines = {a["rule"]: json.dumps(a) for a in rt.json_lines(p.stdout)}
    # the drop alert as the engine renders it (simulate_drops on a live ring)
    key = rt.unique_key() + 1
    dcfg = t.write("d.yaml", rt.BASE_CONFIG + f"tartan: {{ring_key: {key}, health: "
                   f"{{status_file: {t.path('d.st')}}}}}\n"
                   "syscall_event_drops: {simulate_drops: true, rate: 100, max_burst: 10}\n")
    e = t.spawn([rt.ENGINE, "-c", dcfg, "-r", rules], stdout=open(t.path("d.out"), "w"),
                stderr=subprocess.DEVNULL, env=rt.env_clean())
    subprocess.run([rt.FEED, "--ring", str(key), "--count", "1", "--wait-consumer", "10000",
                    "--hold", "1500"], stdout=subprocess.DEVNULL, timeout=30)
    rt.stop(e)
    for a in rt.json_lines(t.read("d.out")):
        if a["rule"] == "Falco internal: syscall event drop":
            lines["drop"] = json.dumps(a)
    return lines


def main():
    files = sorted(glob.glob(os.path.join(DEPLOY, "cloudwatch", "*.json")))
    filters = {os.path.basename(f): load(f) for f in files if f.endswith("-filter.json")}
    alarms = {os.path.basename(f): load(f) for f in files if f.endswith("-alarm.json")}
    ttest.check("files_present", len(filters) >= 4 and len(alarms) >= 5, str(files))
    for name, d in filters.items():
        why = validate(logs_model, "PutMetricFilter", d)
        ttest.check(f"botocore_put_metric_filter_{name[:-5]}", not why, why)
    for name, d in alarms.items():
        why = validate(cw_model, "PutMetricAlarm", d)
        ttest.check(f"botocore_put_metric_alarm_{name[:-5]}", not why, why)

    # moto accepts them as calls (the same client-side validation, then the service side)
    try:
        import boto3
        from moto import mock_aws
        with mock_aws():
            logs = boto3.client("logs", region_name="eu-west-1")
            cw = boto3.client("cloudwatch", region_name="eu-west-1")
            for g in (VALUES["LOG_GROUP"], VALUES["CONTAINER_LOG_GROUP"]):
                logs.create_log_group(logGroupName=g)
            for d in filters.values():
                logs.put_metric_filter(**d)
            for d in alarms.values():
                cw.put_metric_alarm(**d)
            nf = sum(len(logs.describe_metric_filters(logGroupName=g)["metricFilters"])
                     for g in (VALUES["LOG_GROUP"], VALUES["CONTAINER_LOG_GROUP"]))
            na = len(cw.describe_alarms()["MetricAlarms"])
        ttest.check("moto_accepts_the_calls", nf == len(filters) and na == len(alarms),
                    f"{nf} filters, {na} alarms")
    except ImportError as ex:
        ttest.skipped("moto_accepts_the_calls", f"moto not installed: {ex}")

    cfn = cfn_load(os.path.join(DEPLOY, "cloudwatch-alarms.yaml"))
    res = cfn["Resources"]
    cfn_filters = {r["Properties"]["FilterName"]: lower_first(resolve(r["Properties"]))
                   for r in res.values() if r["Type"] == "AWS::Logs::MetricFilter"}
    cfn_alarms = {r["Properties"]["AlarmName"]: resolve(r["Properties"])
                  for r in res.values() if r["Type"] == "AWS::CloudWatch::Alarm"}
    ttest.check("cfn_same_filters_as_cli",
                cfn_filters == {d["filterName"]: d for d in filters.values()},
                f"cfn {sorted(cfn_filters)} cli {sorted(d['filterName'] for d in filters.values())}")
    ttest.check("cfn_same_alarms_as_cli",
                cfn_alarms == {d["AlarmName"]: d for d in alarms.values()},
                str([k for k in cfn_alarms if cfn_alarms[k] != {d["AlarmName"]: d for d in
                                                                alarms.values()}.get(k)]))
    def walk(v):
        if isinstance(v, Ref):
            yield str(v)
        elif isinstance(v, dict):
            for x in v.values():
                yield from walk(x)
        elif isinstance(v, list):
            for x in v:
                yield from walk(x)
    refs = set(walk(res))
    ttest.check("cfn_parameters_declared", refs and set(cfn["Parameters"]) >= refs,
                f"{set(cfn['Parameters'])} vs {refs}")

    produced = {(m["metricNamespace"], m["metricName"]) for d in filters.values()
                for m in d["metricTransformations"]}
    emf = {("Tartan", n) for n in ("EventDrops", "AlertsNotDelivered", "Healthy", "Alerts",
                                   "CriticalAlerts", "Events")}
    orphan = [d["AlarmName"] for d in alarms.values()
              if (d["Namespace"], d["MetricName"]) not in produced | emf]
    ttest.check("every_alarm_watches_a_produced_metric", not orphan, str(orphan))
    emf_dims = [d["AlarmName"] for d in alarms.values() if d["Namespace"] == "Tartan" and
                [x["Name"] for x in d.get("Dimensions", [])] !=
                ["ClusterName", "TaskDefinitionFamily", "ContainerName"]]
    ttest.check("emf_alarms_use_the_engine_dimensions", not emf_dims, str(emf_dims))

    with rt.Tmp() as t:
        lines = real_lines(t)
    ttest.check("real_alert_lines", {"Critical thing", "Info thing", "drop"} <= set(lines),
                str(list(lines)))
    emf_record = json.dumps({"_aws": {"Timestamp": 1, "CloudWatchMetrics": []}, "Alerts": 1})
    cases = {
        "critical-alerts-filter.json": ([lines.get("Critical thing", ""),
                                         lines.get("Critical thing", "").replace(
                                             '"Critical"', '"Emergency"')],
                                        [lines.get("Info thing", ""), lines.get("drop", ""),
                                         emf_record, "Critical thing in plain text"]),
        "drop-alerts-filter.json": ([lines.get("drop", "")],
                                    [lines.get("Critical thing", ""), emf_record]),
        "lost-events-notices-filter.json": (
            ["logshipper: 12 log events were lost (queue full while CloudWatch Logs was "
             "unreachable)"],
            [lines.get("Info thing", ""), emf_record]),
        "delivery-failures-filter.json": (
            ["[logshipper] error: 45 of 60 events were not delivered (rejected 0, dropped 0, "
             "undelivered 45)",
             "[engine] error: 3 of 9 alerts were not delivered to every output (queue full 0, "
             "program output 3, http abandoned at exit 0); exit status 3",
             "[logshipper] warning: cannot deliver to CloudWatch Logs for 60 s (last error "
             "ThrottlingException); 12 events queued"],
            ["[logshipper] info: shipping to https://logs.eu-west-1.amazonaws.com, group g",
             "[engine] info: program output: 9 alerts written to 'logshipper', 9 delivered, "
             "none lost",
             "[engine] warning: health: unhealthy: cannot deliver: logshipper has failed for 130 s"]),
        "unhealthy-filter.json": (
            ["[engine] warning: health: unhealthy: no tracer: waiting 61 s for the event ring"],
            ["[engine] info: health: healthy again: engine pid 7 consuming ring 0x54415254"]),
    }
    for name, (hit, miss) in cases.items():
        pat = filters[name]["filterPattern"]
        bad_hit = [m for m in hit if not m or not cwl_filter.matches(pat, m)]
        bad_miss = [m for m in miss if m and cwl_filter.matches(pat, m)]
        ttest.check(f"pattern_{name[:-12]}_matches_what_tartan_writes", not bad_hit,
                    f"{pat} misses {bad_hit[:2]}")
        ttest.check(f"pattern_{name[:-12]}_ignores_the_rest", not bad_miss,
                    f"{pat} matches {bad_miss[:2]}")
    # the phrases the patterns rely on are the ones the programs print
    src = "".join(open(os.path.join(ttest.ROOT, p)).read() for p in (
        "engine/main.c", "engine/out_program.c", "engine/health_mon.c", "logshipper/main.c",
        "logshipper/ls_ship.c"))
    for phrase in ("were not delivered", "cannot deliver to CloudWatch Logs", "health: unhealthy",
                   "log events were lost"):
        ttest.check(f"phrase_in_source_{phrase.replace(' ', '_').replace(':', '')}",
                    phrase in src, phrase)


main()
