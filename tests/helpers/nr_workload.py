#!/usr/bin/env python3
"""The traced workload of tests/integration/nonroot_workload.sh: runs the steps named on its
command line, in order, as whatever user it was started as, and prints one line per step:
"nr: STEP RESULT". Steps (DIR is the first argument):

  traversal   a child python opens /tmp/../../etc/shadow (upstream's directory traversal rule)
  shadow      open /etc/shadow for reading
  shell       run /bin/sh -c true
  connect:P   TCP connect to 127.0.0.1:P
  suid        run DIR/suid-id (a setuid-root copy of id): prints what id says
  fcap        run DIR/fcap-grep CapEff /proc/self/status (a file-capability copy of grep)
  xo          run DIR/xo-cat DIR/marker-xo (an execute-only copy of cat): prints its status
  nodump      prctl(PR_SET_DUMPABLE, 0), then open DIR/marker-nodump
  marker      open DIR/marker-end (the last event: the engine has seen everything before it)

The steps' processes are children of this python process, not of a shell (upstream's traversal
rule ignores children of shells).
"""
import ctypes
import os
import socket
import subprocess
import sys


def say(step, result):
    print(f"nr: {step} {result}", flush=True)


def try_open(step, path):
    try:
        with open(path) as f:
            f.read(1)
        say(step, "opened")
    except OSError as e:
        say(step, os.strerror(e.errno).replace(" ", "_"))


def run(step, argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    out = " ".join(p.stdout.split()) or "-"
    say(step, f"rc={p.returncode} out={out}")


def main():
    d = sys.argv[1]
    for step in sys.argv[2:]:
        if step == "traversal":
            # from a child: the workload's own parent is the test's shell, which upstream's
            # rule excludes
            code = ("import os\ntry:\n open('/tmp/../../etc/shadow')\n print('opened')\n"
                    "except OSError as e:\n print(os.strerror(e.errno).replace(' ', '_'))")
            p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            say(step, p.stdout.strip() or f"rc={p.returncode}")
        elif step == "shadow":
            try_open(step, "/etc/shadow")
        elif step == "shell":
            run(step, ["/bin/sh", "-c", "true"])
        elif step.startswith("connect:"):
            s = socket.socket()
            try:
                s.connect(("127.0.0.1", int(step.split(":")[1])))
                say("connect", "connected")
            except OSError as e:
                say("connect", os.strerror(e.errno).replace(" ", "_"))
            finally:
                s.close()
        elif step == "suid":
            run(step, [f"{d}/suid-id"])
        elif step == "fcap":
            run(step, [f"{d}/fcap-grep", "CapEff", "/proc/self/status"])
        elif step == "xo":
            run(step, [f"{d}/xo-cat", f"{d}/marker-xo"])
        elif step == "nodump":
            libc = ctypes.CDLL(None, use_errno=True)
            rc = libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
            say(step, f"prctl={rc}:{os.strerror(ctypes.get_errno()).replace(' ', '_') if rc else 'ok'}")
            try_open("nodump-open", f"{d}/marker-nodump")
        elif step == "marker":
            try_open(step, f"{d}/marker-end")
        else:
            say(step, "unknown-step")


if __name__ == "__main__":
    main()
