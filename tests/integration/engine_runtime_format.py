#!/usr/bin/env python3
# Engine runtime, capture-driven: Falco's JSON and text alert formats byte for byte (the
# deployment guide's sample alert), priority threshold, rule_matching, rule selection (rules:,
# -D, -t, -T), -p, append_output, static_fields, json_include_*, configuration from -c, -o and
# environment variables (inline and base64, config and rules), wrong types, --version,
# --dry-run, -V, -L, --support, -M, -u.
# timeout: 300
import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402

GUIDE = ('{"output":"2022-09-08T17:42:00.851005190+0000: Informational Bash ran inside a container '
         '(user=USER command=bash /vendor/falco/scripts/myscript.sh (id=2e153fc3dafb))",'
         '"priority":"Informational","rule":"Detect bash in a container","source":"syscall",'
         '"tags":[],"time":"2022-09-08T17:42:00.851005190Z", "output_fields": {"container.id":'
         '"2e153fc3dafb","container.name":null,"evt.time.iso8601":1662658920851005190,'
         '"proc.cmdline":"bash /vendor/falco/scripts/myscript.sh","user.name":"USER"}}')


def main():
    with rt.Tmp() as t:
        run(t)


def alerts_of(p):
    return rt.json_lines(p.stdout)


def run(t):
    env = rt.env_clean({"TZ": "UTC"})
    sample = rt.feed_capture(t.path("sample.cap"), "--args", "/vendor/falco/scripts/myscript.sh",
                             "--uid", "4242")
    three = rt.feed_capture(t.path("three.cap"), "--count", "3")
    bash = t.write("bash.yaml", rt.BASH_RULE)
    both = t.write("both.yaml", rt.BASH_RULE + rt.NOTICE_RULE)
    cfg = t.write("falco.yaml", rt.BASE_CONFIG +
                  "append_output:\n  - extra_fields: [container.name]\n")

    # 1. the guide's sample alert, byte for byte in today's key order (hostname first)
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample], env=env)
    line = p.stdout.strip()
    got = json.loads(line) if line.startswith("{") else {}
    user = got.get("output_fields", {}).get("user.name")
    guide = json.loads(GUIDE.replace("USER", user if isinstance(user, str) else ""))
    want = json.dumps(dict(sorted(dict(guide, hostname="tt-host").items())),
                      separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    ttest.expect_eq("json_sample_alert_bytes", line, want)
    ttest.check("json_sample_alert_matches_guide_document",
                {k: v for k, v in got.items() if k != "hostname"} == guide, repr(got))

    # 2. text output: local time without date, then ISO 8601
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample, "-o", "json_output=false",
                       "-o", "time_format_iso_8601=false"], env=env)
    ttest.expect_eq("text_line", p.stdout.strip(),
                    f"17:42:00.851005190: Informational Bash ran inside a container (user={user} "
                    "command=bash /vendor/falco/scripts/myscript.sh (id=2e153fc3dafb))")
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample, "-o", "json_output=false"], env=env)
    ttest.check("text_line_iso8601",
                p.stdout.startswith("2022-09-08T17:42:00.851005190+0000: Informational Bash ran"),
                p.stdout[:120])

    # missing values by kind, as libsinsp: <NA> in the text, null in JSON; an execve uses no fd
    # (every fd.* missing), is_open_* are false on other events, an unset proc.env[X] is "",
    # the time fields are the integer timestamp in JSON
    kinds = t.write("kinds.yaml", """- rule: Value kinds
  desc: x
  condition: evt.type = execve and proc.name = bash
  output: "s=%fd.name n=%fd.num ip=%fd.sip port=%fd.sport b=%evt.is_open_read env=[%proc.env[EG_UNSET]] k=%k8s.ns.name p=%container.privileged t=%evt.time"
  priority: WARNING
""")
    p = rt.run_engine(["-c", cfg, "-r", kinds, "-e", sample], env=env)
    a = alerts_of(p)
    of = a[0]["output_fields"] if a else {}
    ttest.check("missing_values_json_null",
                len(a) == 1 and all(of.get(k, "absent") is None for k in
                                    ("fd.name", "fd.num", "fd.sip", "fd.sport", "k8s.ns.name",
                                     "container.privileged"))
                and of.get("evt.is_open_read") is False and of.get("proc.env[EG_UNSET]") == ""
                and of.get("evt.time") == 1662658920851005190, repr(of))
    ttest.check("missing_values_text_na",
                len(a) == 1 and "s=<NA> n=<NA> ip=<NA> port=<NA> b=false env=[] k=<NA> p=<NA> t=" in
                a[0]["output"], a[0]["output"] if a else p.stderr[-300:])

    # 3. priority threshold and rule_matching
    def rules_hit(args, cap=three):
        p = rt.run_engine(["-c", cfg, "-r", both, "-e", cap] + args, env=env)
        return [a["rule"] for a in alerts_of(p)]

    ttest.expect_eq("rule_matching_first", rules_hit([]), ["Detect bash in a container"] * 3)
    ttest.expect_eq("rule_matching_all", rules_hit(["-o", "rule_matching=all"]),
                    ["Detect bash in a container", "Bash notice"] * 3)
    ttest.expect_eq("priority_threshold_notice",
                    rules_hit(["-o", "rule_matching=all", "-o", "priority=notice"]),
                    ["Bash notice"] * 3)
    ttest.expect_eq("priority_threshold_warning",
                    rules_hit(["-o", "rule_matching=all", "-o", "priority=warning"]), [])

    # 4. rule selection: falco.yaml rules:, -D, -T, -t
    sel = t.write("sel.yaml", rt.BASE_CONFIG + "rule_matching: all\nrules:\n"
                  "  - disable: {rule: 'Detect*'}\n")
    p = rt.run_engine(["-c", sel, "-r", both, "-e", three], env=env)
    ttest.expect_eq("rules_disable_wildcard", [a["rule"] for a in alerts_of(p)], ["Bash notice"] * 3)
    sel2 = t.write("sel2.yaml", rt.BASE_CONFIG + "rule_matching: all\nrules:\n"
                   "  - disable: {tag: alpha}\n")
    p = rt.run_engine(["-c", sel2, "-r", both, "-e", three], env=env)
    ttest.expect_eq("rules_disable_tag", [a["rule"] for a in alerts_of(p)],
                    ["Detect bash in a container"] * 3)
    ttest.expect_eq("cli_D_substring", rules_hit(["-o", "rule_matching=all", "-D", "notice"]),
                    ["Detect bash in a container"] * 3)
    ttest.expect_eq("cli_T_tag", rules_hit(["-o", "rule_matching=all", "-T", "zeta"]),
                    ["Detect bash in a container"] * 3)
    ttest.expect_eq("cli_t_tag", rules_hit(["-o", "rule_matching=all", "-t", "Beta"]),
                    ["Bash notice"] * 3)

    # 5. tags sorted and unique, message property, no output property
    p = rt.run_engine(["-c", cfg, "-r", both, "-e", sample, "-o", "rule_matching=all",
                       "-o", "json_include_message_property=true",
                       "-o", "json_include_output_property=false"], env=env)
    a = alerts_of(p)
    ttest.check("tags_sorted_unique", len(a) == 2 and a[1]["tags"] == ["Beta", "alpha", "zeta"],
                repr(a))
    ttest.check("json_include_message_and_not_output",
                len(a) == 2 and "output" not in a[0] and a[0].get("message", "").startswith(
                    "Bash ran inside a container (user="), repr(a[:1]))
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample,
                       "-o", "json_include_tags_property=false",
                       "-o", "json_include_output_fields_property=false"], env=env)
    a = alerts_of(p)
    ttest.check("json_include_tags_and_fields_off",
                len(a) == 1 and "tags" not in a[0] and "output_fields" not in a[0], repr(a))

    # 6. -p, append_output (extra_output matched by rule, extra_fields), static_fields
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample, "-p", "pid=%proc.pid"], env=env)
    a = alerts_of(p)
    ttest.check("cli_p_appends_to_output",
                len(a) == 1 and a[0]["output"].endswith("(id=2e153fc3dafb)) pid=100")
                and a[0]["output_fields"].get("proc.pid") == 100, repr(a))
    ap = t.write("append.yaml", rt.BASE_CONFIG + "rule_matching: all\nappend_output:\n"
                 "  - match: {rule: Bash notice}\n"
                 "    extra_output: \"exe=%proc.exepath\"\n"
                 "    extra_fields:\n      - proc.pid\n      - where: \"in %container.id\"\n"
                 "static_fields:\n  env: prod\n")
    p = rt.run_engine(["-c", ap, "-r", both, "-e", sample], env=env)
    a = alerts_of(p)
    ok = len(a) == 2
    if ok:
        ok = (not a[0]["output"].endswith("exe=/bin/bash")
              and a[1]["output"].endswith("pid=100) exe=/bin/bash")
              and a[1]["output_fields"].get("proc.exepath") == "/bin/bash"
              and a[1]["output_fields"].get("proc.pid") == 100
              and a[1]["output_fields"].get("where") == "in 2e153fc3dafb"
              and "where" not in a[0]["output_fields"]
              and a[0]["output_fields"].get("env") == "prod")
    ttest.check("append_output_and_static_fields", ok, repr(a))

    # 7. configuration and rules from environment variables
    yaml_env = rt.BASE_CONFIG + f"rules_files: [{bash}]\n"
    p = rt.run_engine(["-e", sample], env=rt.env_clean({"TARTAN_FALCO_YAML": yaml_env}))
    a = alerts_of(p)
    ttest.check("config_from_env_inline", len(a) == 1 and a[0]["rule"] == "Detect bash in a container",
                p.stderr[-300:])
    b64 = base64.b64encode(yaml_env.encode()).decode()
    p = rt.run_engine(["-e", sample], env=rt.env_clean({"TARTAN_FALCO_YAML_B64": b64}))
    ttest.check("config_from_env_base64", len(alerts_of(p)) == 1, p.stderr[-300:])
    p = rt.run_engine(["-e", sample], env=rt.env_clean({
        "TARTAN_FALCO_YAML": rt.BASE_CONFIG + "rule_matching: all\n",
        "TARTAN_RULES": rt.BASH_RULE,
        "TARTAN_RULES_B64_1": base64.b64encode(rt.NOTICE_RULE.encode()).decode()}))
    ttest.expect_eq("rules_from_env", [a["rule"] for a in alerts_of(p)],
                    ["Detect bash in a container", "Bash notice"])
    p = rt.run_engine(["-e", sample], env=rt.env_clean({"TARTAN_FALCO_YAML_B64": "@@@"}))
    ttest.check("config_env_bad_base64_fails", p.returncode != 0 and "TARTAN_FALCO_YAML_B64" in p.stderr,
                p.stderr[-300:])

    # 8. -o overrides with list indexes; -r replaces rules_files
    cfg_rules = t.write("withrules.yaml", rt.BASE_CONFIG + f"rules_files: [{both}]\n")
    p = rt.run_engine(["-c", cfg_rules, "-e", sample, "-o", f"rules_files[0]={bash}",
                       "-o", "rule_matching=all"], env=env)
    ttest.expect_eq("override_list_index", [a["rule"] for a in alerts_of(p)],
                    ["Detect bash in a container"])
    p = rt.run_engine(["-c", cfg_rules, "-e", sample, "-r", bash, "-o", "rule_matching=all"], env=env)
    ttest.expect_eq("cli_r_replaces_rules_files", [a["rule"] for a in alerts_of(p)],
                    ["Detect bash in a container"])

    # 9. wrong types and bad values: exit 1 with the key and file:line; unknown keys ignored
    bad = t.write("bad.yaml", "json_output: true\nbuffered_outputs: sometimes\n")
    p = rt.run_engine(["-c", bad, "-r", bash, "-e", sample], env=env)
    ttest.check("wrong_type_is_error",
                p.returncode == 1 and "'buffered_outputs'" in p.stderr and "bad.yaml:2" in p.stderr,
                p.stderr[-300:])
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample, "-o", "outputs_queue.capacity=x"], env=env)
    ttest.check("wrong_type_override_is_error",
                p.returncode == 1 and "outputs_queue.capacity" in p.stderr, p.stderr[-300:])
    unk = t.write("unknown.yaml", rt.BASE_CONFIG + "webserver: {enabled: true}\nfoo: [1, 2]\n")
    p = rt.run_engine(["-c", unk, "-r", bash, "-e", sample], env=env)
    ttest.check("unknown_keys_ignored", p.returncode == 0 and len(alerts_of(p)) == 1, p.stderr[-300:])
    p = rt.run_engine(["-c", t.path("missing.yaml"), "-r", bash, "-e", sample], env=env)
    ttest.check("missing_config_is_fatal", p.returncode == 1 and "missing.yaml" in p.stderr,
                p.stderr[-200:])

    # 10. file output through the engine
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", three, "-o", "stdout_output.enabled=false",
                       "-o", "file_output.enabled=true",
                       "-o", f"file_output.filename={t.path('events.txt')}"], env=env)
    ttest.check("file_output", p.stdout == "" and len(rt.json_lines(t.read("events.txt"))) == 3,
                p.stderr[-300:])

    # 10b. legacy outputs.rate / max_burst token bucket
    five = rt.feed_capture(t.path("five.cap"), "--count", "5")
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", five, "-o", "outputs.rate=0.001",
                       "-o", "outputs.max_burst=2"], env=env)
    ttest.expect_eq("outputs_rate_limits_alerts", len(alerts_of(p)), 2)

    # 10c. a program that never reads: the engine finishes anyway, drops are logged once, and
    # the exit status (3) and the summary say that the alerts did not all get through
    many = rt.feed_capture(t.path("many.cap"), "--count", "20000", "--ts-step-ms", "0")
    import time
    t0 = time.time()
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", many, "-o", "stdout_output.enabled=false",
                       "-o", "program_output.enabled=true", "-o", "program_output.keep_alive=true",
                       "-o", "program_output.program=sleep 60", "-o", "output_timeout=300",
                       "-o", "tartan.shutdown.program_output_deadline=1"],
                      env=env, timeout=90)
    took = time.time() - t0
    ttest.check("program_not_reading_never_blocks",
                p.returncode == 3 and took < 30 and p.stderr.count("is not reading its input") == 1
                and "20000 of 20000 alerts were not delivered to every output" in p.stderr,
                f"rc={p.returncode} took={took:.1f}s " + p.stderr[-300:])

    # 11. -M: stop after N seconds of event time
    ten = rt.feed_capture(t.path("ten.cap"), "--count", "10", "--ts-step-ms", "1000")
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", ten, "-M", "3"], env=env)
    ttest.expect_eq("cli_M_event_time", len(alerts_of(p)), 4)

    # 12. --version, --dry-run, -V, -L, --support, -u
    p = rt.run_engine(["-c", cfg, "--version", "-o", "json_output=false"], env=env)
    ttest.check("version_text", p.returncode == 0 and p.stdout.startswith("Falco version:")
                and "Engine:" in p.stdout and "Driver:" in p.stdout, p.stdout)
    p = rt.run_engine(["--version"], env=env)
    ttest.check("version_without_config", p.returncode == 0 and p.stdout.startswith("Falco version:"),
                p.stdout + p.stderr[-200:])
    p = rt.run_engine(["-c", cfg, "--version"], env=env)
    v = rt.json_lines(p.stdout)
    ttest.check("version_json", len(v) == 1 and "falco_version" in v[0] and "engine_version" in v[0],
                p.stdout)
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample, "--dry-run"], env=env)
    ttest.check("dry_run", p.returncode == 0 and p.stdout == "", p.stdout + p.stderr[-200:])
    broken = t.write("broken.yaml", "- rule: x\n  condition: evt.type = \n  output: o\n")
    p = rt.run_engine(["-c", cfg, "-r", broken, "--dry-run"], env=env)
    ttest.check("dry_run_bad_rules_fails", p.returncode != 0, p.stderr[-200:])
    p = rt.run_engine(["-c", cfg, "-o", "json_output=false", "-V", bash], env=env)
    ttest.check("validate_ok", p.returncode == 0 and "Ok" in p.stdout, p.stdout + p.stderr[-200:])
    p = rt.run_engine(["-c", cfg, "-o", "json_output=false", "-V", broken], env=env)
    ttest.check("validate_invalid", p.returncode != 0 and "Invalid" in p.stdout, p.stdout)
    p = rt.run_engine(["-c", cfg, "-o", "json_output=false", "-r", both, "-L"], env=env)
    ttest.check("describe_rules", p.returncode == 0 and "Detect bash in a container" in p.stdout
                and "Bash notice" in p.stdout, p.stdout[-300:])
    p = rt.run_engine(["-c", cfg, "-r", bash, "--support"], env=env)
    try:
        s = json.loads(p.stdout)
        ok = (s["config"]["json_output"] == "true" and s["rules_files"][0]["name"] == bash
              and "Detect bash" in s["rules_files"][0]["content"] and "cmdline" in s)
    except (ValueError, KeyError, IndexError) as e:
        ok = False
        s = str(e)
    ttest.check("support_json", ok, repr(s)[:300])
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample, "-u"], env=env)
    ttest.check("userspace_flag_accepted", p.returncode == 0 and len(alerts_of(p)) == 1,
                p.stderr[-200:])
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample, "-o", "log_stderr=false",
                       "-o", "log_syslog=false"], env=env)
    ttest.check("log_stderr_off", p.returncode == 0 and "[engine]" not in p.stderr
                and len(alerts_of(p)) == 1, p.stderr[-200:])
    p = rt.run_engine(["-c", cfg, "-r", bash, "-e", sample, "-o", "log_level=debug"], env=env)
    ttest.check("log_level_debug_and_logs_not_on_stdout", "debug:" in p.stderr
                and all(line.startswith("{") for line in p.stdout.splitlines()), p.stdout[-200:])
    upstream, why = ttest.upstream("falco-rules/falco_rules.yaml")
    if upstream is None:
        ttest.failed("default_config_with_upstream_rules", why)
    else:
        p = rt.run_engine(["-c", os.path.join(ttest.ROOT, "etc", "falco.yaml"), "--dry-run",
                           "-o", f"rules_files[0]={upstream}",
                           "-o", f"rules_files[1]={os.path.join(ttest.ROOT, 'etc', 'tartan_rules.yaml')}"],
                          env=env)
        ttest.check("default_config_with_upstream_rules", p.returncode == 0, p.stderr[-300:])
    p = rt.run_engine(["--bogus"], env=env)
    ttest.check("unknown_flag_is_usage_error", p.returncode == 125 and "Usage" in p.stderr, p.stderr)


main()
