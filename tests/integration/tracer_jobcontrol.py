#!/usr/bin/env python3
# tracer: the workload runs in a process group of its own (so kill(0) and kill(-pgid) from it
# never reach the monitors: docs/security.md), and on a terminal job control still works as
# without Tartan: the workload's group is the terminal's foreground one (it reads the terminal,
# ^C reaches it), ^Z stops the job as the shell sees it, fg continues it.
# timeout: 60
import os
import pty
import select
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tempfile  # noqa: E402

from ttest import BIN, check  # noqa: E402

TRACER = os.path.join(BIN, "tracer")


def session():
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
    return pid, fd


def read(fd, seconds, until=None):
    out, end = b"", time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                break
            if until and until.encode() in out:
                break
    return out.decode(errors="replace")


def main():
    tmp = tempfile.mkdtemp(prefix="tartan-test.")
    pid, fd = session()
    read(fd, 1.0)
    # (markers computed by the shell: the terminal echoes the command line itself)
    script = ("read x; echo G$((1+1))T=$x; echo P$((1+1))G=$(ps -o pgid= -p $$ | tr -d \\ )/$(ps -o pgid= -p $PPID | tr -d \\ ); "
              "sleep 1; echo D$((1+1))NE")
    os.write(fd, f"{TRACER} -q -w {tmp}/jc.cap -- sh -c '{script}'\n".encode())
    time.sleep(1.0)
    os.write(fd, b"hello\n")
    out = read(fd, 3, until="P2G=")
    out += read(fd, 0.5)
    check("jobcontrol_workload_reads_terminal", "G2T=hello" in out, out)
    pg = out.split("P2G=")[-1].split()[0] if "P2G=" in out else ""
    a, _, b = pg.partition("/")
    check("jobcontrol_own_process_group", a and b and a != b, f"workload/tracer groups: {pg!r}")
    os.write(fd, b"\x1a")
    out = read(fd, 3, until="Stopped")
    check("jobcontrol_ctrl_z_stops_job", "Stopped" in out, out)
    os.write(fd, b"fg\n")
    out = read(fd, 5, until="D2NE")
    check("jobcontrol_fg_continues", "D2NE" in out, out)
    os.write(fd, b"echo R$((1+1))C=$?\n")
    out = read(fd, 2, until="R2C=")
    check("jobcontrol_exit_status", "R2C=0" in out, out)
    # ^C reaches the workload (the foreground group), the tracer reports it
    os.write(fd, f"{TRACER} -q -w {tmp}/jc2.cap -- sleep 30; echo R$((1+1))C=$?\n".encode())
    time.sleep(1.0)
    os.write(fd, b"\x03")
    out = read(fd, 5, until="R2C=")
    out += read(fd, 0.3)
    check("jobcontrol_ctrl_c_ends_workload", "R2C=130" in out, out)
    os.write(fd, b"exit\n")
    read(fd, 0.5)
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except OSError:
        pass
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
