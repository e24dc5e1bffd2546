#!/usr/bin/env python3
# Tracer: the expected events with correct arguments appear, per syscall family, checked through
# `tracer dump` of a capture file (tracer -w FILE). Workloads: tests/helpers/tr_work.c.
# timeout: 300
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ttest import BIN, HELPERS, check, expect_eq, failed, log, passed, skipped  # noqa: E402

TRACER = os.path.join(BIN, "tracer")
WORK = os.path.join(HELPERS, "tr_work")
TMP = tempfile.mkdtemp(prefix="tartan-tracer-events.")
# What differs between the architectures (aarch64 has the generic syscall table: no dup2 or
# vfork, which glibc makes with dup3 and clone; its compat ABI is AArch32, not i386).
ARCH = platform.machine()
AARCH64 = ARCH == "aarch64"
NR_KILL = {"x86_64": 62, "aarch64": 129}.get(ARCH)
AUDIT_ARCH_COMPAT = 0x40000028 if AARCH64 else 0x40000003  # AUDIT_ARCH_ARM, AUDIT_ARCH_I386
COMPAT32 = os.path.join(HELPERS, "adv_compat_aarch32")  # (arm64: a 32-bit arm program)


def run(args, extra=(), timeout=120, prog=WORK):
    """Runs PROG (tr_work) ARGS under the tracer; returns (rc, helper stdout dict, event lines)."""
    cap = os.path.join(TMP, "c.cap")
    if os.path.exists(cap):
        os.unlink(cap)
    cmd = [TRACER, "-w", cap, *extra, "--", prog, *args]
    p = subprocess.run(cmd, cwd=TMP, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    if p.stderr:
        log(p.stderr[-2000:])
    out = {}
    for line in p.stdout.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v.split()[0] if v else v
    d = subprocess.run([TRACER, "dump", cap], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if d.returncode != 0:
        log("dump failed:", d.stderr)
    lines = d.stdout.splitlines()
    return p.returncode, out, lines


def ev(lines, regex):
    r = re.compile(regex)
    return [ln for ln in lines if r.search(ln)]


def has(name, lines, regex):
    found = ev(lines, regex)
    return check(name, found, f"no event matches /{regex}/")


def tid_of(line):
    return int(line.split()[1].split("/")[0])


def main():
    # ---- files: paths relative to dirfd and cwd ----
    rc, out, L = run(["files", TMP])
    expect_eq("files_exit", rc, 0)
    d = out.get("dirfd", "?")
    has("files_openat_dirfd", L, rf" openat ret={out.get('fd')} dirfd={d} name=sub/a\.txt flags=0x241 mode=0x1a0")
    has("files_mkdirat", L, rf" mkdirat ret=0 dirfd={d} path=sub mode=0x1e8")
    has("files_renameat2", L, rf" renameat2 ret=0 olddir={d} oldpath=sub/a\.txt newdir={d} newpath=sub/b\.txt")
    has("files_symlinkat", L, rf" symlinkat ret=0 target=b\.txt linkdirfd={d} linkpath=sub/link")
    has("files_linkat", L, rf" linkat ret=0 olddir={d} oldpath=sub/b\.txt newdir={d} newpath=sub/hard")
    has("files_fchmodat", L, rf" fchmodat ret=0 dirfd={d} filename=sub/b\.txt mode=0x180")
    has("files_chdir", L, rf" chdir ret=0 path={re.escape(TMP)}( |$)")
    has("files_open_relative_to_cwd", L, rf" openat ret={out.get('fd2')} dirfd=-100 name=sub/b\.txt ")
    has("files_unlinkat_dir", L, rf" unlinkat ret=0 dirfd={d} name=sub flags=0x200")
    has("files_failed_open", L, r" openat ret=-2 dirfd=-100 name=does-not-exist ")
    # cwd of the process as seen at exec
    has("files_exec_cwd", L, rf" execve ret=0 .* cwd={re.escape(TMP)}")

    # ---- fds from pipe/dup ----
    rc, out, L = run(["fds"])
    expect_eq("fds_exit", rc, 0)
    p1 = out.get("pipe", "?,?").split(",")
    p2 = out.get("pipe2", "?,?").split(",")
    has("fds_pipe", L, rf" pipe2? ret=0 (flags=0x0 )?fd1={p1[0]} fd2={p1[1]}")
    has("fds_pipe2", L, rf" pipe2 ret=0 flags=0x80000 fd1={p2[0]} fd2={p2[1]}")
    has("fds_dup", L, rf" dup ret={out.get('dup')} oldfd={p1[0]}$")
    if AARCH64:  # glibc's dup2 is dup3(old, new, 0)
        has("fds_dup2", L, rf" dup3 ret={out.get('dup2')} oldfd={p1[1]} newfd=40 flags=0x0$")
    else:
        has("fds_dup2", L, rf" dup2 ret={out.get('dup2')} oldfd={p1[1]} newfd=40")
    has("fds_dup3", L, rf" dup3 ret={out.get('dup3')} oldfd={p2[0]} newfd=41 flags=0x80000")
    has("fds_fcntl_dupfd", L, rf" fcntl ret={out.get('fdupfd')} fd={p2[1]} cmd=0 arg=50")

    # ---- sockets: IPv4, IPv6, unix; fds from accept ----
    for fam, lo, fmt in (("net4", "127.0.0.1", "{}:{}"), ("net6", "::1", "[{}]:{}")):
        rc, out, L = run([fam])
        expect_eq(f"{fam}_exit", rc, 0)
        srv = re.escape(fmt.format(lo, out.get("port")))
        cli = re.escape(fmt.format(lo, out.get("client_port")))
        has(f"{fam}_bind", L, rf" bind ret=0 fd={out.get('listen_fd')} addr=")
        dom = 2 if fam == "net4" else 10
        # the socket's kind rides on connect: socket itself is reported at entry, without the fd
        has(f"{fam}_connect", L, rf" connect ret=0 fd={out.get('client_fd')} addr={srv} laddr={cli} domain={dom} type=1 peer={srv}$")
        has(f"{fam}_socket_at_entry", L, rf" socket ret=none domain={dom} type=\d+ proto=0$")
        has(f"{fam}_close_at_entry", L, rf" close ret=none fd={out.get('accept_fd')}$")
        has(f"{fam}_accept", L, rf" accept4? ret={out.get('accept_fd')} fd={out.get('listen_fd')} addr={cli} laddr={srv} domain={dom} type=1$")
        has(f"{fam}_bind_kind", L, rf" bind ret=0 fd={out.get('listen_fd')} addr=\S+ domain={dom} type=1$")
    rc, out, L = run(["unix", TMP])
    expect_eq("unix_exit", rc, 0)
    path = re.escape(out.get("path", "?"))
    has("unix_bind", L, rf" bind ret=0 fd=\d+ addr=unix:{path} domain=1 type=1$")
    has("unix_connect", L, rf" connect ret=0 fd={out.get('client_fd')} addr=unix:{path}")
    has("unix_accept", L, rf" accept4? ret={out.get('accept_fd')} fd=\d+ ")

    # ---- execve / execveat argv, invisible parent ----
    rc, out, L = run(["execveat"])
    expect_eq("execveat_exit", rc, 0)
    has("execve_argv", L, rf" execve ret=0 filename={re.escape(WORK)} exe={re.escape(WORK)} args=\[execveat\] ")
    has("execveat_argv", L, r" execveat ret=0 dirfd=\d+ filename=true flags=0x0 exe=true-via-execveat args=\[one two words\] trusted_exepath=/(usr/)?bin/true ")
    ex = ev(L, r" execve ret=0 ")
    ok = bool(ex) and re.search(rf" ptid={os.getpid()} ", ex[0])
    check("workload_parent_is_tracers_parent", ok, f"execve ptid is not {os.getpid()}: {ex[:1]}")
    rc, out, L = run(["execveat"], extra=["--ptid", "0"])
    ex = ev(L, r" execve ret=0 ")
    check("workload_parent_override", bool(ex) and " ptid=0 " in ex[0], str(ex[:1]))
    # snapshot first: procinfo for existing processes before the workload's exec; not the tracer
    first_exec = next((i for i, ln in enumerate(L) if " execve ret=" in ln), len(L))
    snap = [ln for ln in L[:first_exec] if " procinfo " in ln]
    check("snapshot_before_workload", any(f" {os.getpid()}/{os.getpid()} procinfo" in ln for ln in snap),
          "no procinfo for the test process before the workload's execve")
    check("snapshot_has_fds", any(" fdinfo " in ln for ln in L[:first_exec]), "no fdinfo events")
    # failed execve reported (with its argv)
    rc2 = subprocess.run([TRACER, "-w", os.path.join(TMP, "f.cap"), "--", "/bin/sh", "-c",
                          "exec /nonexistent/prog a b"], stdout=subprocess.PIPE, stderr=subprocess.PIPE).returncode
    F = subprocess.run([TRACER, "dump", os.path.join(TMP, "f.cap")], stdout=subprocess.PIPE, text=True).stdout.splitlines()
    expect_eq("failed_exec_status", rc2, 127)
    has("failed_execve_event", F, r" execve ret=-2 filename=/nonexistent/prog exe=/nonexistent/prog args=\[a b\]")

    # ---- threads (glibc pthread_create: clone3, which fails with ENOSYS, then clone) ----
    rc, out, L = run(["threads", "5"])
    th = ev(L, r" clone3? ret=\d+ child_tid=\d+ child_pid=\d+ clone_flags=0x[0-9a-f]+ is_thread=1")
    expect_eq("threads_reported_as_threads", len(th), 5)
    check("threads_fall_back_to_clone", all(" clone " in t for t in th), "a thread made by clone3")
    rc, out, L = run(["forks", "5"])
    pr = ev(L, r" clone ret=\d+ child_tid=(\d+) child_pid=\1 .* is_thread=0")
    expect_eq("forks_reported_as_processes", len(pr), 5)

    # ---- exec from a non-leader thread ----
    rc, out, L = run(["execthread"])
    expect_eq("execthread_exit", rc, 0)
    leader, ttid = out.get("leader"), out.get("thread_tid")
    ex = ev(L, rf"^\S+ {leader}/{leader} execve ret=0 filename=/bin/true exe=/bin/true args=\[from-thread\]")
    check("exec_from_thread_has_leader_tid", ex, "execve from the thread not reported under the leader's tid")
    gone = ev(L, rf"^\S+ {ttid}/{leader} procexit")
    check("exec_from_thread_old_tid_exits", gone, "no procexit for the exec'ing thread's old tid")
    later = [ln for ln in L[L.index(ex[0]) + 1:] if ln.split()[1].startswith(f"{ttid}/")] if ex else []
    check("exec_from_thread_no_stale_tid", not later, f"events with the old tid after exec: {later[:2]}")

    # ---- vfork, posix_spawn ----
    rc, out, L = run(["vfork"])
    c = out.get("child")
    # (aarch64 has no vfork syscall: glibc's vfork is clone(CLONE_VM | CLONE_VFORK | SIGCHLD))
    has("vfork_event", L, rf" {'clone' if AARCH64 else 'vfork'} ret={c} child_tid={c} child_pid={c} clone_flags=0x4111 is_thread=0")
    has("vfork_child_exec", L, rf"^\S+ {c}/{c} execve ret=0 .*args=\[vforked\]")
    rc, out, L = run(["spawn"])
    c = out.get("child")
    has("posix_spawn_event", L, rf" clone3? ret={c} child_tid={c} child_pid={c} .*is_thread=0")
    has("posix_spawn_child_exec", L, rf"^\S+ {c}/{c} execve ret=0 .*args=\[spawned\]")

    # ---- 1,000 processes and 1,000 threads; the child never appears before its clone event ----
    rc, out, L = run(["forks", "1000"], timeout=240)
    expect_eq("fork1000_exit", rc, 0)
    pr = ev(L, r" clone ret=\d+ .* is_thread=0")
    expect_eq("fork1000_clone_events", len(pr), 1000)
    ex = ev(L, r" procexit ")
    expect_eq("fork1000_procexit_events", len(ex), 1001)
    seen, bad = set(), []
    for ln in L:
        m = re.search(r" clone ret=(\d+) ", ln)
        if m:
            seen.add(int(m.group(1)))
        elif " procexit " in ln and tid_of(ln) != int(L[0].split()[1].split("/")[0]):
            if tid_of(ln) not in seen and " procinfo " not in ln:
                bad.append(ln)
    wl = ev(L, r" execve ret=0 ")
    main_tid = tid_of(wl[0]) if wl else -1
    bad = [b for b in bad if tid_of(b) != main_tid]
    check("fork1000_child_after_clone_event", not bad, f"child events before clone: {bad[:2]}")
    rc, out, L = run(["threads", "1000"], timeout=240)
    expect_eq("thread1000_exit", rc, 0)
    expect_eq("thread1000_clone_events", len(ev(L, r" is_thread=1")), 1000)

    # ---- the workload cannot signal the tracer, and loses the CAP_SYS_PTRACE given for it ----
    cap = os.path.join(TMP, "k.cap")
    p = subprocess.run([TRACER, "-w", cap, "--", "/bin/sh", "-c",
                        "kill -WINCH $PPID 2>/dev/null; echo kill_rc=$?; grep CapEff /proc/self/status"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    K = subprocess.run([TRACER, "dump", cap], stdout=subprocess.PIPE, text=True).stdout.splitlines()
    check("kill_tracer_denied", "kill_rc=1" in p.stdout, p.stdout)
    has("kill_tracer_tamper_event", K, rf" tamper ret=-1 nr={NR_KILL} .*reason=kill aimed at a monitor, pid \d+ \(tracer\): denied \(EPERM\) technique=signal_monitor target=pid \d+ \(tracer\) action=denied$")
    m = re.search(r"CapEff:\s+([0-9a-f]+)", p.stdout)
    mine = int(re.search(r"CapEff:\s+([0-9a-f]+)", open("/proc/self/status").read()).group(1), 16)
    if mine & (1 << 19):
        check("workload_without_cap_sys_ptrace", m and not int(m.group(1), 16) & (1 << 19), p.stdout)
    else:
        skipped("workload_without_cap_sys_ptrace", "the test itself has no CAP_SYS_PTRACE")

    # ---- CLONE_UNTRACED does not escape: clone's flag is cleared and the child followed;
    # clone3 (flags out of the filter's reach) fails with ENOSYS, with or without a filter;
    # with --allow clone3 (no filter) its flag is cleared in memory and the child followed ----
    rc, out, L = run(["untraced"])
    c = out.get("clone_child")
    has("untraced_clone_followed", L, rf" clone ret={c} child_tid={c} ")
    has("untraced_clone_child_events", L, rf"^\S+ {c}/{c} openat ret=-2 dirfd=-100 name=/nonexistent/untraced-clone ")
    expect_eq("untraced_clone_child_works", out.get("clone_exit"), "0")
    expect_eq("untraced_clone3_denied", out.get("clone3_child"), "-1")
    rc, out, L = run(["untraced"], extra=["--fail-open"])
    expect_eq("failopen_untraced_clone3_denied", out.get("clone3_child"), "-1")
    rc, out, L = run(["untraced"], extra=["--fail-open", "--allow", "clone3"])
    c3 = out.get("clone3_child")
    has("failopen_untraced_clone3_followed", L, rf"^\S+ {c3}/{c3} openat ret=-2 dirfd=-100 name=/nonexistent/untraced-clone3 ")
    expect_eq("failopen_untraced_clone3_works", out.get("clone3_exit"), "0")
    has("failopen_first_exec_decoded", L, rf" execve ret=0 filename={re.escape(WORK)} exe={re.escape(WORK)} args=\[untraced\]")

    # ---- 32-bit syscalls fail with ENOSYS (reported as tamper), or with --allow compat_abi are
    # reported, not failed: x86_64's int 0x80 from a 64-bit program; on arm64 a 32-bit arm
    # program, all of whose calls are compat ones (denied, it cannot even start). A real
    # SIGTRAP reaches the tracee ----
    compat = rf"arch={AUDIT_ARCH_COMPAT} "
    if not AARCH64:
        rc, out, L = run(["int80"])
        expect_eq("int80_denied", out.get("int80_getpid", "").split()[0] if out.get("int80_getpid") else "", "-38")
        has("int80_tamper", L, rf" tamper ret=-38 nr=20 {compat}.*technique=compat_abi ")
        rc, out, L = run(["int80"], extra=["--allow", "compat_abi"])
        expect_eq("int80_allowed_not_failed", rc, 0)
        has("int80_allowed_reported", L, rf" syscall ret=\d+ nr=20 {compat}")
    elif not os.path.exists(COMPAT32):
        skipped("aarch32_compat", f"{COMPAT32} not built (arm-linux-gnueabihf-gcc missing)")
    else:
        rc, out, L = run(["getpid"], prog=COMPAT32)
        check("aarch32_denied", rc != 0 and "compat_getpid" not in out, f"rc={rc} out={out}")
        has("aarch32_tamper", L, rf" tamper ret=-38 nr=\d+ {compat}.*technique=compat_abi .*action=denied$")
        rc, out, L = run(["getpid"], extra=["--allow", "compat_abi"], prog=COMPAT32)
        expect_eq("aarch32_allowed_not_failed", rc, 0)
        wl = ev(L, r" execve ret=0 .*adv_compat_aarch32")
        expect_eq("aarch32_allowed_getpid", out.get("compat_getpid"), str(tid_of(wl[0])) if wl else "?")
        has("aarch32_allowed_reported", L, rf" syscall ret=\d+ nr=20 {compat}")
        expect_eq("aarch32_allowed_observed_once",
                  len(ev(L, rf" tamper ret=0 nr=\d+ {compat}.*technique=compat_abi .*action=observed$")), 1)
    rc, out, L = run(["sigtrap"])
    expect_eq("sigtrap_delivered", out.get("sigtrap"), "delivered")

    # ---- the engine's syscall set: only those (plus state tracking) stop ----
    rc, out, L = run(["files", TMP], extra=["--syscalls", "execve,connect"])
    # (every open stays: the monitors defence checks each one's /proc file at its exit)
    check("syscall_set_excludes_files", not ev(L, r" (mkdirat|unlinkat) ret="),
          "file events present with --syscalls execve,connect")
    has("syscall_set_keeps_opens", L, r" openat ret=\d+ ")
    has("syscall_set_keeps_state", L, r" chdir ret=0 ")
    with open(os.path.join(TMP, "set.txt"), "w") as f:
        f.write("connect\nexecve\n")
    rc, out, L = run(["files", TMP], extra=["--syscalls-file", os.path.join(TMP, "set.txt")])
    check("syscall_file_excludes_files", not ev(L, r" (mkdirat|unlinkat) ret="),
          "file events present with --syscalls-file (connect, execve)")
    has("syscall_file_keeps_opens", L, r" openat ret=\d+ ")
    has("syscall_file_reported", L, r" tracerinfo ret=0 reason=start; syscall set from the engine's file args=\[[^]]*connect")
    rc, out, L = run(["files", TMP], extra=["--syscalls", "execve,connect",
                                            "--unsafe-disable-defence", "monitors"])
    check("syscall_set_excludes_opens_without_monitors", not ev(L, r" openat ret="),
          "open events present with --syscalls execve,connect and the monitors defence off")
    # socket.domain=D entries (the engine's, when its rules look at some domains only): other
    # socket calls do not stop at all; the reported set keeps the restriction
    with open(os.path.join(TMP, "set.txt"), "w") as f:
        f.write("socket.domain=17\nconnect\n")
    cap = os.path.join(TMP, "dom.cap")
    py = ("import socket\nsocket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()\n"
          "try:\n    socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()\n"
          "except OSError:\n    pass\n")
    subprocess.run([TRACER, "-q", "-w", cap, "--no-snapshot", "--syscalls-file",
                    os.path.join(TMP, "set.txt"), "--", sys.executable, "-c", py], timeout=60)
    D = subprocess.run([TRACER, "dump", cap], stdout=subprocess.PIPE, text=True, timeout=60).stdout.splitlines()
    socks = ev(D, r" socket ret=")
    check("socket_domain_only_packet", len(socks) == 1 and " domain=17 " in socks[0] + " ", str(socks))
    has("socket_domain_reported", D, r" tracerinfo ret=0 reason=start; syscall set from the engine's file args=\[[^]]*socket\.domain=17 ")
    os.environ["TR_EVENTS_MARK"] = "env-on-request"
    rc, out, L = run(["fds"], extra=["-E"])
    has("env_on_request", L, r" execve ret=0 .* env=\[.*TR_EVENTS_MARK=env-on-request")
    rc, out, L = run(["fds"])
    ex = ev(L, r" execve ret=0 ")
    check("env_not_by_default", ex and " env=" not in ex[0], "env present without -E")
    rc, out, L = run(["fds"], extra=["-a"])
    has("trace_all_generic", L, r" syscall ret=\d+ nr=\d+ ")

    # ---- --open-ino: dev (kernel encoding) and ino of the opened file; not by default ----
    target = os.path.join(TMP, "ino_target.txt")
    with open(target, "w") as f:
        f.write("x\n")
    sti = os.stat(target)
    want = f" dev={os.major(sti.st_dev) << 20 | os.minor(sti.st_dev)} ino={sti.st_ino}"
    for opt, name in ((["--open-ino"], "open_ino_reported"), ([], "open_ino_not_by_default")):
        cap = os.path.join(TMP, "ino.cap")
        subprocess.run([TRACER, "-q", "-w", cap, *opt, "--", "/bin/cat", target],
                       stdout=subprocess.DEVNULL, timeout=60)
        d = subprocess.run([TRACER, "dump", cap], stdout=subprocess.PIPE, text=True, timeout=60)
        opens = ev(d.stdout.splitlines(), r" open(at)? ret=\d+ .*name=" + re.escape(target))
        got = bool(opens) and (want + " " in opens[0] + " " if opt else " ino=" not in opens[0])
        check(name, got, f"want{want if opt else ' no ino'}: {opens[:1]}")

    # ---- sendto carries the first 80 bytes it sends (snaplen), read at entry ----
    cap = os.path.join(TMP, "send.cap")
    py = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
          "s.sendto(b'x' * 22, ('127.0.0.1', 9)); s.sendto(b'y' * 200, ('127.0.0.1', 9))")
    subprocess.run([TRACER, "-q", "-w", cap, "--", sys.executable, "-c", py], timeout=60)
    d = subprocess.run([TRACER, "dump", cap], stdout=subprocess.PIPE, text=True, timeout=60)
    sends = ev(d.stdout.splitlines(), r" sendto ret=")
    check("sendto_data_snapshot",
          len(sends) == 2 and " data=<22 bytes> " in sends[0] + " " and " size=22 " in sends[0]
          and " data=<80 bytes> " in sends[1] + " " and " size=200 " in sends[1], str(sends))
    check("sendto_socket_kind", len(sends) == 2 and all(s.endswith(" domain=2 type=2 proto=17") for s in sends),
          str(sends))


    # ---- comm comes from status' escaped Name: line; backslash and newline survive ----
    odd = [os.path.join(TMP, "a\\b"), os.path.join(TMP, "n\nl")]
    for o in odd:
        shutil.copy("/bin/true", o)
    cap = os.path.join(TMP, "comm.cap")
    subprocess.run([TRACER, "-q", "-w", cap, "--no-snapshot", "--", "/bin/sh", "-c",
                    '"$0"; "$1"', *odd], timeout=60)
    d = subprocess.run([TRACER, "dump", cap], stdout=subprocess.PIPE, text=True, timeout=60)
    comms = re.findall(r" execve ret=0 .* comm=(\S+)", d.stdout)
    check("comm_unescaped", comms[1:] == ["a\\x5cb", "n\\x0al"], str(comms))

    # ---- the exec description is read while the new program runs (docs/tracer.md), yet it
    # describes the program as exec'd: a static program (no loader) that renames itself or
    # drops its uid first thing is described with its exec-time name and uid, and one that
    # exits at once (exit_group is not traced) keeps its exe path. 20 rounds each: the new
    # program's startup is shorter than the /proc reads, so a lost guarantee shows. ----
    first = os.path.join(HELPERS, "tr_exec_first_static")
    real = re.escape(os.path.realpath(first))
    for what, need in (("rename", [("comm", "tr_exec_first_s")]), ("setuid", [("p_uid", "0")]),
                       ("exit", [("trusted_exepath", real), ("exe_ino", r"\d+")])):
        cap = os.path.join(TMP, f"first-{what}.cap")
        subprocess.run([TRACER, "-q", "-w", cap, "--no-snapshot", "--", "/bin/sh", "-c",
                        'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do '
                        '"$0" "$1"; done', first, what], timeout=120)
        d = subprocess.run([TRACER, "dump", cap], stdout=subprocess.PIPE, text=True, timeout=60)
        execs = [ln for ln in d.stdout.splitlines()
                 if re.search(rf" execve ret=0 filename={re.escape(first)} ", ln)]
        bad = [ln for ln in execs for f, w in need if not re.search(rf" {f}={w}( |$)", ln)]
        check(f"exec_desc_before_{what}", len(execs) == 20 and not bad,
              f"{len(execs)} execs, {len(bad)} lack one of {need}: {bad[:1]}")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        failed("tracer_events", f"exception: {e!r}")
        raise
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
