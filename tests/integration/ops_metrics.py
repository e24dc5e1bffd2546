#!/usr/bin/env python3
# Metrics, the way they are deployed: launcher runs the real tracer and workload, the engine in
# the background, logshipper as its program output to a CloudWatch Logs stand-in
# (tests/lib/ls_fakecwl.py), ECS task metadata from a stand-in (tests/data/engine/ecs_peer.py).
#   - the snapshot is the internal alert "Falco internal: metrics snapshot" with Falco's names;
#     each per-rule counter equals the alerts of that rule written before it
#   - CPU and memory of every Tartan process: engine (falco.*), tracer, logshipper, launcher
#   - the CloudWatch records reach the log stream through logshipper, are valid Embedded Metric
#     Format (units from botocore's StandardUnit), carry the ECS dimensions, turn into
#     PutMetricData datums botocore accepts, and their counters sum to the run's totals (the last
#     record is written at stop)
# Then, with the ring fed directly: output_file lines, include_empty_values, the switches
# (kernel_event_counters_enabled, resource_utilization_enabled, convert_memory_to_mb), and
# configuration errors naming the key.
# timeout: 240
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402
import emf  # noqa: E402
import ls_fakecwl  # noqa: E402
import ls_moto  # noqa: E402

AK, SK = "AKIDMETRICS", "metrics-secret-0123456789"
LAUNCHER = os.path.join(ttest.BIN, "launcher")
TRACER = os.path.join(ttest.BIN, "tracer")
SHIPPER = os.path.join(ttest.BIN, "logshipper")
SNAP = "Falco internal: metrics snapshot"
RULES = rt.NOTICE_RULE + """
- rule: Never fires
  desc: for include_empty_values
  condition: evt.type = execve and proc.name = no-such-program-here
  output: never (%proc.name)
  priority: WARNING
"""


def deployed(t):
    key = rt.unique_key() + 1
    rules = t.write("rules.yaml", RULES)
    pf = t.path("ecs.port")
    t.spawn([sys.executable, os.path.join(rt.DATA, "ecs_peer.py"), pf, "cd189a933e58" + "0" * 52])
    rt.wait_until(lambda: os.path.exists(pf), 10)
    uri = f"http://127.0.0.1:{open(pf).read().strip()}/v4/x"
    with ls_fakecwl.FakeCWL() as f:
        f.keys[AK] = (SK, None)
        cfg = t.write("falco.yaml", rt.BASE_CONFIG +
                      "metrics: {enabled: true, interval: 1s, output_rule: true}\n"
                      "program_output:\n  enabled: true\n  keep_alive: true\n"
                      f"  program: {SHIPPER} --flush-interval 200\n"
                      "tartan:\n"
                      f"  health: {{status_file: {t.path('st.json')}}}\n"
                      "  cloudwatch_metrics: {enabled: true, interval: 1s}\n")
        env = ls_moto.shipper_env(t.path("home"), rt.env_clean({
            "AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK, "AWS_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": f.url, "__CW_LOG_GROUP": "g",
            "LOGSHIPPER_LOG_STREAM": "s", "TT_RING_KEY": str(key),
            "ECS_CONTAINER_METADATA_URI_V4": uri}))
        work = "for i in 1 2 3 4 5 6; do bash -c true; sleep 0.5; done"
        p = subprocess.run([LAUNCHER, TRACER, "/bin/sh", "-c", work,
                            "--", rt.ENGINE, "-c", cfg, "-r", rules],
                           capture_output=True, text=True, timeout=120, env=env)
        msgs = [json.loads(m) for m in f.messages("g", "s") if m.startswith("{")]
    lines = rt.json_lines(p.stdout)
    snaps = [a for a in lines if a.get("rule") == SNAP]
    ttest.check("snapshots_raised", len(snaps) >= 2 and p.returncode == 0,
                f"rc={p.returncode} {len(snaps)} snapshots " + p.stderr[-800:])
    if not snaps:
        return
    last = snaps[-1]
    fl = last["output_fields"]
    ttest.check("snapshot_is_falco_shaped",
                last["output"] == "Falco metrics snapshot" and last["priority"] == "Informational"
                and last["source"] == "internal" and fl["evt.source"] == "syscall"
                and fl["scap.engine_name"] == "tartan_ptrace"
                and all(k in fl for k in ("falco.num_evts", "falco.num_evts_prev",
                                          "falco.evts_rate_sec", "scap.n_evts", "scap.n_drops",
                                          "scap.n_drops_perc", "falco.duration_sec",
                                          "falco.host_num_cpus", "falco.rules.matches_total")),
                json.dumps(last)[:1500])
    ok = True
    seen = 0
    for a in lines:
        if a.get("rule") == "Bash notice":
            seen += 1
        elif a.get("rule") == SNAP:
            ok &= a["output_fields"].get("falco.rules.Bash_notice", 0) == seen
    ttest.check("rule_counters_equal_alerts_before_each_snapshot", ok and seen >= 6,
                f"{seen} alerts")
    # (the last snapshot may come after the workload and its tracer have ended: any snapshot)
    for proc in ("falco.", "tartan.tracer.", "tartan.logshipper.", "tartan.launcher."):
        seen_in = [s["output_fields"] for s in snaps
                   if f"{proc}cpu_usage_perc" in s["output_fields"]
                   and s["output_fields"].get(f"{proc}memory_rss_mb", 0) > 0]
        ttest.check(f"resources_of_{proc.strip('.').replace('.', '_')}", seen_in,
                    ", ".join(f"{k}={v}" for k, v in fl.items() if "memory" in k or "cpu" in k))
    ttest.check("logshipper_counters_in_snapshot",
                fl.get("tartan.logshipper.delivered", 0) > 0, json.dumps(fl)[:800])

    recs = [m for m in msgs if "_aws" in m]
    probs = [e for r in recs for e in emf.check(r)]
    ttest.check("emf_records_shipped_and_valid", len(recs) >= 2 and not probs,
                f"{len(recs)} records, problems {probs[:5]}")
    if not recs:
        return
    dims = recs[-1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    ttest.check("emf_ecs_dimensions",
                dims == [["ClusterName", "TaskDefinitionFamily", "ContainerName"]]
                and recs[-1]["ClusterName"] == "prod"
                and recs[-1]["TaskDefinitionFamily"] == "tartan-sample"
                and recs[-1]["ContainerName"] == "workload" and recs[-1]["TaskId"] == "0a1b2c",
                json.dumps(recs[-1])[:600])
    bad = [emf.validate_datums(ns, items) for r in recs for ns, items in emf.datums(r)]
    ttest.check("emf_datums_accepted_by_botocore", not any(bad), str([b for b in bad if b][:2]))
    alerts = [m for m in msgs if m.get("rule") == "Bash notice"]
    total = sum(r["Alerts"] for r in recs)
    events = sum(r["Events"] for r in recs)
    ttest.check("emf_alert_counts_sum_to_the_run", total == len(alerts) == seen,
                f"EMF sum {total}, shipped {len(alerts)}, raised {seen}")
    import re
    m = re.search(r"\[engine\] info: events (\d+), alerts", p.stderr)
    ttest.check("emf_event_counts_sum_to_the_run", m and events == int(m.group(1)),
                f"EMF {events}, engine {m.group(1) if m else '?'}")
    names = {m["Name"] for r in recs for m in r["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    want = {"Events", "EventDrops", "DropPercent", "Alerts", "CriticalAlerts",
            "AlertsNotDelivered", "DeliveryRetries", "RingUsedPercent", "EngineCpuPercent",
            "EngineMemoryMB", "TracerCpuPercent", "LogshipperMemoryMB", "Healthy"}
    ttest.check("emf_metric_set", want <= names, f"missing {want - names}")


def direct(t):
    key = rt.unique_key() + 2
    rules = t.write("rules2.yaml", RULES)

    def run(name, metrics, count=4):
        out = t.path(name + ".jsonl")
        cfg = t.write(name + ".yaml", rt.BASE_CONFIG +
                      f"metrics: {{enabled: true, interval: 1s, output_rule: false, "
                      f"output_file: {out}, {metrics}}}\n"
                      f"tartan:\n  ring_key: {key}\n"
                      f"  health: {{status_file: {t.path(name + '.st')}}}\n")
        e = t.spawn([rt.ENGINE, "-c", cfg, "-r", rules], stdout=open(t.path(name + ".out"), "w"),
                    stderr=open(t.path(name + ".err"), "w"), env=rt.env_clean())
        subprocess.run([rt.FEED, "--ring", str(key), "--count", str(count), "--wait-consumer",
                        "10000", "--hold", "2600"], stdout=subprocess.DEVNULL, timeout=30)
        rt.stop(e)
        return [json.loads(x) for x in open(out).read().splitlines()] if os.path.exists(out) else []

    recs = run("file", "include_empty_values: false")
    ttest.check("output_file_samples_numbered",
                len(recs) >= 2 and [r["sample"] for r in recs] == list(range(1, len(recs) + 1))
                and set(recs[0]) == {"sample", "output_fields"}, str(recs)[:400])
    ttest.check("output_rule_false_no_alert", SNAP not in t.read("file.out"), "")
    fl = recs[-1]["output_fields"] if recs else {}
    ttest.check("without_include_empty_only_matched_rules",
                fl.get("falco.rules.Bash_notice") == 4 and "falco.rules.Never_fires" not in fl,
                json.dumps(fl)[:600])
    recs = run("empty", "include_empty_values: true")
    fl = recs[-1]["output_fields"] if recs else {}
    ttest.check("include_empty_lists_every_enabled_rule",
                fl.get("falco.rules.Never_fires") == 0 and fl.get("falco.rules.Bash_notice") == 4,
                json.dumps(fl)[:600])
    recs = run("off", "kernel_event_counters_enabled: false, resource_utilization_enabled: false,"
               " state_counters_enabled: false, rules_counters_enabled: false")
    fl = recs[-1]["output_fields"] if recs else {}
    ttest.check("switches_leave_their_groups_out",
                fl and "scap.n_evts" not in fl and "falco.cpu_usage_perc" not in fl
                and "scap.n_threads" not in fl and "falco.rules.matches_total" not in fl
                and "falco.num_evts" in fl, json.dumps(fl)[:600])
    recs = run("kb", "convert_memory_to_mb: false, libbpf_stats_enabled: true, "
               "kernel_event_counters_per_cpu_enabled: true, plugins_metrics_enabled: true")
    fl = recs[-1]["output_fields"] if recs else {}
    ttest.check("memory_in_kb_when_not_converted",
                isinstance(fl.get("falco.memory_rss_kb"), int) and "falco.memory_rss_mb" not in fl,
                json.dumps(fl)[:600])

    for name, yaml_text, want in (
            ("interval", "metrics: {enabled: true, interval: 0s}\n", "'metrics.interval'"),
            ("unit", "metrics: {enabled: true, interval: 15 minutes}\n", "'metrics.interval'"),
            ("outputs", "tartan: {cloudwatch_metrics: {outputs: [kafka]}}\n", "unknown output"),
            ("ns", "tartan: {cloudwatch_metrics: {namespace: AWS/Tartan}}\n", "namespace"),
            ("dims", "tartan: {cloudwatch_metrics: {dimensions: [a]}}\n", "dimensions")):
        cfg = t.write(f"bad_{name}.yaml", rt.BASE_CONFIG + yaml_text)
        p = rt.run_engine(["-c", cfg, "-r", rules, "--dry-run"])
        ttest.check(f"config_error_{name}", p.returncode == 1 and want in p.stderr and
                    f"bad_{name}.yaml:" in p.stderr, p.stderr[-300:])
    cfg = t.write("good.yaml", rt.BASE_CONFIG + "metrics: {enabled: true, interval: 1h30m}\n")
    p = rt.run_engine(["-c", cfg, "-r", rules, "--dry-run"])
    ttest.check("interval_combined_units_accepted", p.returncode == 0, p.stderr[-300:])


def main():
    with rt.Tmp() as t:
        deployed(t)
        direct(t)


main()
