#!/usr/bin/env python3
"""Check the alerts one run of the sample workload produced; print PASS/FAIL lines.

  check_alerts.py --name NAME --alerts FILE --workload-log FILE [options]

--alerts holds one JSON object a line: a Falco JSON alert, or a CloudWatch event as printed by
`moto.py events` (its "message" is the alert); other lines (workload output mixed into docker
logs) are ignored. --workload-log is the workload's own output ("sample: ..." lines).

Checks, each one PASS/FAIL line named NAME-<check>:
  alerts-json      every alert has Falco's JSON keys (output priority rule source tags time
                   output_fields) with the right types
  bash             "Detect bash in a container" for the sample's `bash -c ... tartan-shell TAG`
                   (--flavour bash only)
  shadow           "Sensitive file opened for reading" with fd.name /etc/shadow
  etc-write        "Write below etc" with fd.name = --etc-file
  loopback-connect-not-reported   (--port) the workload connected to 127.0.0.1:--port and no
                   "Outbound connection" alert names loopback (ordinary traffic is not reported)
  container-id     output_fields container.id is the first 12 characters of --container-id
  container-name   (--container-name) output_fields container.name is that name
  rule-<slug>      (--expect-rule NAME, repeatable) at least one alert of rule NAME
  final            (--final) the alert raised by the SIGTERM trap (tartan-final TAG) is there
  exactly-once     (--exact) as many shadow (and bash) alerts as the workload log says it did
                   those actions: nothing lost, nothing duplicated
"""
import argparse
import json
import re
import sys


def alerts_from(path):
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if "message" in obj and "rule" not in obj:
                try:
                    obj = json.loads(obj["message"])
                except (ValueError, TypeError):
                    continue
            if isinstance(obj, dict) and "rule" in obj:
                out.append(obj)
    return out


def report(name, ok, why=""):
    if ok:
        print(f"PASS {name}", flush=True)
    else:
        print(f"FAIL {name}: {why}", flush=True)
    return ok


def field(a, key):
    return (a.get("output_fields") or {}).get(key)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--alerts", required=True)
    ap.add_argument("--workload-log", required=True)
    ap.add_argument("--flavour", choices=["bash", "busybox", "musl"], default="bash")
    ap.add_argument("--tag", default="sample")
    ap.add_argument("--etc-file", default="/etc/tartan-sample.conf")
    ap.add_argument("--port", type=int)
    ap.add_argument("--container-id")
    ap.add_argument("--container-name")
    ap.add_argument("--final", action="store_true")
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--expect-rule", action="append", default=[])
    a = ap.parse_args()
    n = a.name

    alerts = alerts_from(a.alerts)
    with open(a.workload_log, errors="replace") as f:
        wlog = f.read()
    print(f"[check_alerts] {len(alerts)} alerts; rules: "
          f"{sorted(set(x.get('rule') for x in alerts))}", file=sys.stderr)

    types = {"output": str, "priority": str, "rule": str, "source": str, "tags": list,
             "time": str, "output_fields": dict}
    bad = [x for x in alerts if any(not isinstance(x.get(k), t) for k, t in types.items())]
    if not alerts:
        report(f"{n}-alerts-json", False, "no alerts at all")
    else:
        report(f"{n}-alerts-json", not bad, f"{len(bad)} malformed, e.g. {json.dumps(bad[:1])[:300]}")

    def rule(name):
        return [x for x in alerts if x.get("rule") == name]

    tag_re = re.compile(r"\btartan-shell " + re.escape(a.tag) + r"\b")
    bash = [x for x in rule("Detect bash in a container") if tag_re.search(str(field(x, "proc.cmdline")))]
    if a.flavour == "bash":
        report(f"{n}-bash", bash and all(x["priority"] == "Informational" and
                                          "Bash ran inside a container" in x["output"] for x in bash),
               f"no 'Detect bash in a container' alert with proc.cmdline ~ 'tartan-shell {a.tag}'"
               if not bash else f"wrong priority/output: {json.dumps(bash[:1])[:300]}")

    final_re = re.compile(r"\btartan-final[- ]" + re.escape(a.tag) + r"\b")
    shadow_all = [x for x in rule("Sensitive file opened for reading") if field(x, "fd.name") == "/etc/shadow"]
    shadow = [x for x in shadow_all if not final_re.search(str(field(x, "proc.cmdline")))]
    report(f"{n}-shadow", shadow and all(x["priority"] == "Warning" for x in shadow),
           "no 'Sensitive file opened for reading' alert with fd.name=/etc/shadow" if not shadow
           else f"wrong priority: {[x['priority'] for x in shadow][:3]}")

    etc = [x for x in rule("Write below etc") if field(x, "fd.name") == a.etc_file]
    report(f"{n}-etc-write", etc and all(x["priority"] == "Error" for x in etc),
           f"no 'Write below etc' alert with fd.name={a.etc_file}" if not etc
           else f"wrong priority: {[x['priority'] for x in etc][:3]}")

    if a.port:
        # The workload connects to a loopback listener: ordinary local traffic, which the
        # default "Outbound connection" rule does not report (only destinations outside the VPC).
        made = len(re.findall(r"^sample: connected to 127\.0\.0\.1:" + re.escape(str(a.port)) + r" ",
                              wlog, re.M))
        conn = [x for x in rule("Outbound connection") if field(x, "fd.sip") == "127.0.0.1"]
        report(f"{n}-loopback-connect-not-reported", made > 0 and not conn,
               "the workload made no connection to 127.0.0.1:%s" % a.port if not made
               else f"{len(conn)} 'Outbound connection' alerts for loopback, e.g. {json.dumps(conn[:1])[:300]}")

    if a.container_id:
        want = a.container_id[:12]
        mine = shadow + etc + bash
        got = sorted(set(str(field(x, "container.id")) for x in mine))
        report(f"{n}-container-id", mine and got == [want], f"container.id {got}, want {want}")

    if a.container_name:
        mine = shadow + etc + bash
        got = sorted(set(str(field(x, "container.name")) for x in mine))
        report(f"{n}-container-name", mine and got == [a.container_name],
               f"container.name {got}, want {a.container_name}")

    for want in a.expect_rule:
        slug = re.sub(r"[^a-z0-9]+", "-", want.lower()).strip("-")
        report(f"{n}-rule-{slug}", bool(rule(want)), f"no alert of rule '{want}'")

    if a.final:
        fin = [x for x in alerts if final_re.search(str(field(x, "proc.cmdline")))]
        report(f"{n}-final", bool(fin),
               "the alert raised by the workload's SIGTERM trap (tartan-final) was not delivered")

    if a.exact:
        did_shadow = len(re.findall(r"^sample: read /etc/shadow \d+$", wlog, re.M))
        why = f"workload read /etc/shadow {did_shadow} times, {len(shadow)} alerts"
        ok = did_shadow > 0 and len(shadow) == did_shadow
        if a.flavour == "bash":
            did_bash = len(re.findall(r"^sample: spawned a shell \d+$", wlog, re.M))
            why += f"; spawned bash {did_bash} times, {len(bash)} alerts"
            ok = ok and len(bash) == did_bash
        report(f"{n}-exactly-once", ok, why)


if __name__ == "__main__":
    main()
