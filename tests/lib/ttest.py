"""Python helpers for Tartan integration tests (same PASS/FAIL/SKIP protocol as tests/run.sh)."""
import os
import subprocess
import sys

ROOT = os.environ.get("TT_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TT_BIN") or os.path.join(ROOT, "build", "bin")
HELPERS = os.environ.get("TT_HELPERS") or os.path.join(ROOT, "build", "helpers")
VARIANT = os.environ.get("TT_VARIANT", "plain")
SHARED = os.environ.get("TT_SHARED") or os.path.join(ROOT, "..", "shared")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def passed(name):
    print(f"PASS {name}", flush=True)


def failed(name, why="failed"):
    print(f"FAIL {name}: {why}", flush=True)


def skipped(name, why):
    assert why, "a skip needs a reason"
    print(f"SKIP {name}: {why}", flush=True)


def check(name, cond, why="condition false"):
    if cond:
        passed(name)
    else:
        failed(name, why)
    return bool(cond)


def expect_eq(name, got, want):
    return check(name, got == want, f"got {got!r}, want {want!r}")


def upstream(name):
    """An upstream file the tests need (Falco's falco_rules.yaml, ...), from tests/lib/upstream.sh:
    (path, None), or (None, why and how to provide it) to put in a FAIL line. Tests never skip
    for a missing upstream file."""
    p = subprocess.run(["sh", os.path.join(ROOT, "tests", "lib", "upstream.sh"), name],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = p.stdout.strip()
    return (out, None) if p.returncode == 0 and out else (None, out or "tests/lib/upstream.sh failed")
