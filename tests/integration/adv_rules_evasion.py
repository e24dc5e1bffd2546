#!/usr/bin/env python3
# Adversarial: evasions that rules matching names miss, on a live traced workload
# (tests/adversarial/adv_exec_evasion.c under the tracer, the engine with the upstream rules and
# etc/tartan_rules.yaml). Tartan's rules match the object, the executable the kernel runs:
#   /dev/shm       run through a symlink named nginx, and from an fd (execveat) as "worker"
#   fileless       a memfd and an O_TMPFILE file, run from their fd
#   masquerade     argv[0] "sshd", a symlink named sshd (comm "sshd"), prctl(PR_SET_NAME,
#                  "sshd"), a file named sshd outside the system directories
# Each must alert with the right rule and fields; /bin/true run plainly must not; the tracer
# and the engine stay alive. Negative control: the same run with the upstream rules alone
# raises nothing for any of them but the memfd case (upstream has a memfd rule), so the checks
# can fail.
# timeout: 180
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import ttest  # noqa: E402
import en_runtime as rt  # noqa: E402

TECHNIQUES = ["shm-symlink", "shm-fd", "memfd", "tmpfile", "argv0-sshd", "link-sshd",
              "prctl-sshd", "named-sshd", "benign"]
SHM = "Executable run from shared memory"
FILELESS = "Fileless execution (memfd or O_TMPFILE)"
MASQ = "Process masquerading as a trusted program"
TARTAN_NEW = (SHM, FILELESS, MASQ, "Tartan tamper or evasion attempt")
UPSTREAM, UPSTREAM_WHY = ttest.upstream("falco-rules/falco_rules.yaml")
TARTAN = os.path.join(ttest.ROOT, "etc", "tartan_rules.yaml")
CONFIG = "json_output: true\nsyslog_output: {enabled: false}\nrule_matching: all\n" \
         "watch_config_files: false\n"


def traced_run(tmp, name, rules, key):
    """Engine with rules on ring key, the evasion program under the tracer. Returns
    (alerts, tracer status, engine status, engine stderr)."""
    cfg = os.path.join(tmp, "falco.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    scratch = os.path.join(tmp, name + ".d")
    os.makedirs(scratch, exist_ok=True)
    env = rt.env_clean({"TARTAN_SYSCALLS_FILE": os.path.join(tmp, name + ".syscalls")})
    out, err = open(os.path.join(tmp, name + ".out"), "w"), open(os.path.join(tmp, name + ".err"), "w")
    args = [os.path.join(ttest.BIN, "engine"), "-c", cfg, "-o", f"tartan.ring_key={key}"]
    for r in rules:
        args += ["-r", r]
    engine = subprocess.Popen(args, stdout=out, stderr=err, env=env)
    errpath = os.path.join(tmp, name + ".err")
    rt.wait_until(lambda: "waiting for the tracer" in open(errpath).read(), 30)
    tenv = dict(env, TT_RING_KEY=str(key))
    tr = subprocess.run([os.path.join(ttest.BIN, "tracer"),
                         os.path.join(ttest.HELPERS, "adv_exec_evasion"), scratch, *TECHNIQUES],
                        env=tenv, capture_output=True, text=True, timeout=120)
    ttest.log(tr.stderr[-2000:])
    time.sleep(1.0)
    alive = engine.poll() is None
    erc = rt.stop(engine)
    out.close()
    err.close()
    shutil.rmtree(scratch, ignore_errors=True)
    with open(os.path.join(tmp, name + ".out")) as f:
        alerts = rt.json_lines(f.read())
    return alerts, tr.returncode, erc if alive else "died", open(errpath).read()


def technique_of(a):
    f = a.get("output_fields", {})
    if f.get("evt.type") == "prctl": # the program itself: its command line lists them all
        return "prctl-sshd"
    cmd = f.get("proc.cmdline") or ""
    for t in TECHNIQUES:
        if cmd.endswith(" " + t):
            return t
    return None


def find(alerts, rule, tech):
    return [a for a in alerts if a.get("rule") == rule and technique_of(a) == tech]


def main():
    if not os.access(os.path.join(ttest.BIN, "tracer"), os.X_OK):
        ttest.skipped("adv-rules-evasion", f"no tracer in {ttest.BIN}")
        return
    mounts = open("/proc/self/mounts").read().splitlines()
    shm_noexec = any(m.split()[1] == "/dev/shm" and "noexec" in m.split()[3] for m in mounts)
    have_upstream = UPSTREAM is not None
    tmp = tempfile.mkdtemp(prefix="tt-adv-rules-")
    key = 0x7b000000 + (os.getpid() & 0xffff) * 4
    try:
        rules = ([UPSTREAM] if have_upstream else []) + [TARTAN]
        alerts, trc, erc, elog = traced_run(tmp, "tartan", rules, key)
        ttest.expect_eq("evasion_workload_ran_every_technique", trc, 0)
        ttest.expect_eq("evasion_engine_alive_and_exit_0", erc, 0)
        ttest.check("evasion_no_sanitizer_finding",
                    not any(s in elog for s in ("AddressSanitizer", "LeakSanitizer", "runtime error:")),
                    elog[-400:])

        def expect(name, rule, tech, field_checks):
            got = find(alerts, rule, tech)
            bad = [a["output_fields"] for a in got
                   if not all(chk(a["output_fields"]) for chk in field_checks)]
            ttest.check(name, got and not bad,
                        f"{len(got)} '{rule}' alerts for {tech}; fields {bad or ''}; all rules: "
                        f"{sorted(set((a.get('rule'), technique_of(a)) for a in alerts))}"[:900])

        def exe(prefix):
            return lambda f: (f.get("proc.exepath") or "").startswith(prefix)

        if shm_noexec:
            ttest.skipped("evasion_shm_symlink_found_by_exe_path", "/dev/shm is mounted noexec here")
            ttest.skipped("evasion_shm_fd_found_by_exe_path", "/dev/shm is mounted noexec here")
        else:
            expect("evasion_shm_symlink_found_by_exe_path", SHM, "shm-symlink",
                   [exe("/dev/shm/tartan-adv-"), lambda f: f.get("proc.exe") == "nginx"])
            expect("evasion_shm_fd_found_by_exe_path", SHM, "shm-fd",
                   [exe("/dev/shm/tartan-adv-"), lambda f: f.get("proc.exe") == "worker"])
        expect("evasion_memfd_fileless", FILELESS, "memfd", [exe("/memfd:payload")])
        expect("evasion_tmpfile_fileless", FILELESS, "tmpfile",
               [exe(tmp), lambda f: "/#" in f.get("proc.exepath", "")])
        expect("evasion_argv0_sshd_masquerade", MASQ, "argv0-sshd",
               [lambda f: f.get("proc.exe") == "sshd", lambda f: f["proc.exepath"].endswith("/evil")])
        expect("evasion_symlink_comm_sshd_masquerade", MASQ, "link-sshd",
               [lambda f: f.get("proc.name") == "sshd", lambda f: f["proc.exepath"].endswith("/evil")])
        expect("evasion_prctl_name_sshd_masquerade", MASQ, "prctl-sshd",
               [lambda f: f.get("proc.name") == "sshd", lambda f: f.get("evt.type") == "prctl"])
        expect("evasion_sshd_outside_system_dirs_masquerade", MASQ, "named-sshd",
               [lambda f: f["proc.exepath"].endswith("/sshd")])
        benign = [a for a in alerts if technique_of(a) == "benign" and a.get("rule") in TARTAN_NEW]
        ttest.check("evasion_plain_true_raises_nothing", not benign, repr(benign)[:400])

        if not have_upstream:
            ttest.failed("evasion_control_upstream_rules_miss_them", UPSTREAM_WHY)
            return
        up, trc, erc, _ = traced_run(tmp, "upstream", [UPSTREAM], key + 1)
        caught = sorted(set(technique_of(a) for a in up if technique_of(a)))
        ttest.check("evasion_control_upstream_rules_miss_them",
                    trc == 0 and erc == 0 and caught == ["memfd"],
                    f"upstream rules alerted on {caught} (want only memfd), tracer {trc}, "
                    f"engine {erc}")
    finally:
        for k in (key, key + 1):
            subprocess.run(["ipcrm", "-M", str(k)], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
