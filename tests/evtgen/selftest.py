#!/usr/bin/env python3
"""Self-test of the event-generator suite runner (tests/evtgen/evtgen.py).

- Case expansion: the runner lists as many cases as an independent count of the specs gives
  (vector specs 1, matrix specs the product of their lists, no cases 1), labels unique.
- A deliberately broken rules file (a copy of the upstream rules plus overrides: one rule's
  condition replaced by one that never matches, another rule's priority changed) makes the
  runner report those cases as failures with the right reason, while an untouched rule in the
  same run still passes.
- A copy of a spec with a wrong expected output field value fails, naming the field.
- The spec files are never modified by a run.
Host cases only (fast); the full suite runs in evtgen_suite.sh.
"""
# variants: plain
# timeout: 300
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))  # tests/lib
import ttest  # noqa: E402
import yaml  # noqa: E402

RUNNER = os.path.join(ttest.ROOT, "tests", "evtgen", "evtgen.py")
SPECS, SPECS_WHY = ttest.upstream("falco-evtgen-suite")
RULES, RULES_WHY = ttest.upstream("falco-rules/falco_rules.yaml")


def run(*args):
    p = subprocess.run([sys.executable, RUNNER, "--no-container", *args], capture_output=True,
                       text=True, timeout=240)
    ttest.log(p.stderr[-3000:])
    res = {}
    for line in p.stdout.splitlines():
        m = re.match(r"^(PASS|FAIL|SKIP) (\S+?)(?:: (.*))?$", line)
        if m:
            res[m.group(2)] = (m.group(1), m.group(3) or "")
    return p.returncode, res, p.stdout


def digest(d):
    h = hashlib.sha256()
    for fn in sorted(os.listdir(d)):
        with open(os.path.join(d, fn), "rb") as f:
            h.update(fn.encode() + b"\0" + f.read())
    return h.hexdigest()


def independent_count():
    n = 0
    for fn in sorted(os.listdir(SPECS)):
        if not fn.endswith(".yaml"):
            continue
        with open(os.path.join(SPECS, fn)) as f:
            # bare %{ } values are not YAML; any placeholder text will do for counting
            doc = yaml.safe_load(re.sub(r":\s+%\{[^}]*\}\s*$", ": x", f.read(), flags=re.M))
        for t in doc["tests"]:
            if "cases" not in t:
                n += 1
                continue
            for spec in t["cases"]:
                if spec["strategy"] == "vector":
                    n += 1
                else:
                    k = 1
                    for v in spec["values"].values():
                        k *= len(v)
                    n += k
    return n


def unit_checks():
    sys.path.insert(0, os.path.dirname(RUNNER))
    import evtgen
    ttest.expect_eq("selftest-const-flags", evtgen.to_int("O_WRONLY|O_CREAT|O_TRUNC"),
                    os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    ttest.expect_eq("selftest-const-octal", (evtgen.to_int("0644"), evtgen.to_int(420)), (420, 420))
    ttest.expect_eq("selftest-const-socket", evtgen.to_int("AF_PACKET"), 17)
    ttest.expect_eq("selftest-binding-kept", evtgen.to_int("${ cs.client.fd }"), "${cs.client.fd}")
    ttest.expect_eq("selftest-split-args", evtgen.split_args("-c '/bin/sh -i' \"BEGIN RSA\" x"),
                    ["-c", "/bin/sh -i", "BEGIN RSA", "x"])
    filled = evtgen.fill({"a": "%{ item.x }", "b": ["%{item.y}", "keep %{ item.x } inside"],
                          "c": {"d": "%{ item.z }"}}, {"x": None, "y": {"k": 1}, "z": 5})
    ttest.expect_eq("selftest-template-fill", filled,
                    {"a": None, "b": [{"k": 1}, "keep %{ item.x } inside"], "c": {"d": 5}})
    ttest.expect_eq("selftest-matrix-vector",
                    evtgen.expand_cases([{"strategy": "matrix", "values": {"a": [1, 2], "b": [3, 4, 5]}},
                                         {"strategy": "vector", "values": {"a": 9, "b": 8}}]),
                    [{"a": 1, "b": 3}, {"a": 1, "b": 4}, {"a": 1, "b": 5}, {"a": 2, "b": 3},
                     {"a": 2, "b": 4}, {"a": 2, "b": 5}, {"a": 9, "b": 8}])
    c = evtgen.Case("f", {"name": "t", "rule": "R", "steps": [{"name": "op", "syscall": "openat2"}]}, 0, {})
    c.pids, c.notes = {1}, ["step op -1 38"]
    enosys = evtgen.check(c, [])
    c.notes = ["step op -1 2"]
    enoent = evtgen.check(c, [])
    ttest.check("selftest-enosys-skips", enosys[0] == "SKIP" and "openat2" in enosys[1] and enoent[0] == "FAIL",
                f"ENOSYS -> {enosys}, ENOENT -> {enoent}")
    ttest.expect_eq("selftest-runif", (evtgen.run_if(None), evtgen.run_if({"arch": {"op": "eq", "val": "sparc"}})
                                       is not None), (None, True))


def main():
    unit_checks()
    if os.geteuid() != 0:
        ttest.skipped("evtgen-selftest", "the runner needs root (users, /etc files, tracer)")
        return 0
    if SPECS is None or RULES is None:
        ttest.failed("evtgen-selftest-upstream", SPECS_WHY or RULES_WHY)
        return 0
    before = digest(SPECS)

    # 1. case expansion
    p = subprocess.run([sys.executable, RUNNER, "--list"], capture_output=True, text=True, timeout=60)
    labels = [line.split("\t")[2] for line in p.stdout.splitlines() if line.count("\t") >= 4]
    want = independent_count()
    ttest.check("selftest-case-count", len(labels) == want and want > 600,
                f"runner lists {len(labels)} cases, the specs have {want}")
    ttest.check("selftest-case-labels-unique", len(set(labels)) == len(labels),
                f"{len(labels) - len(set(labels))} duplicate labels")

    tmp = tempfile.mkdtemp(prefix="tt-evtgen-selftest-")
    try:
        # 2. broken rules file
        broken = os.path.join(tmp, "broken_rules.yaml")
        shutil.copyfile(RULES, broken)
        with open(broken, "a") as f:
            f.write("""
# tt selftest: never matches
- rule: Clear Log Activities
  condition: evt.type = open and proc.name = tt_selftest_never_matches
  override:
    condition: replace

# tt selftest: wrong priority
- rule: Read sensitive file untrusted
  priority: ERROR
  override:
    priority: replace
""")
        sel = ["--only", "clear_log_activities_openat#", "--only", "read_sensitive_file_untrusted_openat#",
               "--only", "create_symlink_over_sensitive_files#1("]
        rc, res, out = run("--rules", broken, *sel)
        clear = {k: v for k, v in res.items() if "clear_log_activities_openat#" in k}
        sens = {k: v for k, v in res.items() if "read_sensitive_file_untrusted_openat#" in k}
        sym = {k: v for k, v in res.items() if "create_symlink_over_sensitive_files#1(" in k}
        ttest.check("selftest-broken-condition-fails",
                    len(clear) == 13 and all(v[0] == "FAIL" and "did not fire" in v[1] for v in clear.values()),
                    f"clear log cases: {sorted(set(v[0] + ' ' + v[1][:60] for v in clear.values()))}")
        ttest.check("selftest-wrong-priority-fails",
                    len(sens) == 6 and all(v[0] == "FAIL" and "priority" in v[1] for v in sens.values()),
                    f"sensitive read cases: {sorted(set(v[0] + ' ' + v[1][:80] for v in sens.values()))}")
        ttest.check("selftest-untouched-rule-passes",
                    len(sym) == 1 and all(v[0] == "PASS" for v in sym.values()), f"symlink case: {sym}")
        ttest.check("selftest-broken-exit-status", rc != 0, f"runner exited {rc} despite failures")
        ttest.check("selftest-table-and-totals",
                    re.search(r"^evtgen totals: 20 cases, 1 passed, 19 failed, 0 skipped$", out, re.M) is not None
                    and re.search(r"^RULE\s+CASE\s+RESULT\s+REASON$", out, re.M) is not None,
                    "no table header or totals line 20/1/19/0")

        # 3. the same selection with the real rules passes (negative control of the above)
        rc, res, out = run("--rules", RULES, *sel)
        ttest.check("selftest-upstream-rules-pass",
                    rc == 0 and len(res) == 20 and all(v[0] == "PASS" for v in res.values()),
                    f"exit {rc}, {sum(v[0] == 'PASS' for v in res.values())}/{len(res)} passed: "
                    f"{[k + ' ' + v[1][:100] for k, v in res.items() if v[0] != 'PASS'][:3]}")

        # 3b. container cases can fail too (when Docker and the images are there)
        have = subprocess.run(["docker", "image", "inspect", "debian:bookworm-slim",
                               os.environ.get("TT_IMAGE_PREFIX", "tartan") + "-binaries"],
                              capture_output=True).returncode == 0 if shutil.which("docker") else False
        if have:
            broken2 = os.path.join(tmp, "broken_packet.yaml")
            shutil.copyfile(RULES, broken2)
            with open(broken2, "a") as f:
                f.write("\n- rule: Packet socket created in container\n"
                        "  condition: evt.type = socket and proc.name = tt_selftest_never_matches\n"
                        "  override:\n    condition: replace\n")
            p = subprocess.run([sys.executable, RUNNER, "--rules", broken2, "--only", "packet_socket",
                                "--only", "netcat_remote_code_execution_in_container#0("],
                               capture_output=True, text=True, timeout=240)
            ttest.log(p.stderr[-2000:])
            lines = [ln for ln in p.stdout.splitlines() if ln.startswith(("PASS ", "FAIL ", "SKIP "))]
            ok = (len(lines) == 2 and any(ln.startswith("FAIL evtgen.packet_socket") and "did not fire" in ln
                                          for ln in lines)
                  and any(ln.startswith("PASS evtgen.netcat") for ln in lines))
            ttest.check("selftest-container-broken-rule-fails", ok, f"{lines}")
        else:
            ttest.skipped("selftest-container-broken-rule-fails",
                          "Docker or the base/binaries images are not available (evtgen_suite.sh builds them)")

        # 4. a spec copy with a wrong expected output field value
        specs2 = os.path.join(tmp, "specs")
        os.mkdir(specs2)
        with open(os.path.join(SPECS, "remove_bulk_data_from_disk.yaml")) as f:
            text = f.read()
        text2 = text.replace('proc.name: "%{ item.procname }"', "proc.name: tt_wrong_name")
        with open(os.path.join(specs2, "remove_bulk_data_from_disk.yaml"), "w") as f:
            f.write(text2)
        rc, res, out = run("--specs", specs2)
        ttest.check("selftest-wrong-field-fails",
                    text2 != text and len(res) == 3 and
                    all(v[0] == "FAIL" and "proc.name=" in v[1] and "tt_wrong_name" in v[1] for v in res.values()),
                    f"{res}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ttest.check("selftest-specs-untouched", digest(SPECS) == before, "a spec file changed during the runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
