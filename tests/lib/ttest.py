"""Python helpers for Tartan integration tests (same PASS/FAIL/SKIP protocol as tests/run.sh).

Report every result through passed/failed/skipped (or check/expect_eq/require): they are counted,
and a file that reports none ends with a FAIL line ("ran no checks") instead of passing quietly.
require() is the fatal check: on failure the file reports FAIL and exits at once."""
import atexit
import os
import sys

ROOT = os.environ.get("TT_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TT_BIN") or os.path.join(ROOT, "build", "bin")
HELPERS = os.environ.get("TT_HELPERS") or os.path.join(ROOT, "build", "helpers")
VARIANT = os.environ.get("TT_VARIANT", "plain")
SHARED = os.environ.get("TT_SHARED") or os.path.join(ROOT, "..", "shared")


_results = {"n": 0, "pid": os.getpid()}  # forked children report nothing themselves


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def passed(name):
    _results["n"] += 1
    print(f"PASS {name}", flush=True)


def failed(name, why="failed"):
    _results["n"] += 1
    print(f"FAIL {name}: {why}", flush=True)


def skipped(name, why):
    assert why, "a skip needs a reason"
    _results["n"] += 1
    print(f"SKIP {name}: {why}", flush=True)


def require(name, cond, why="condition false"):
    """A check the rest of the file depends on: PASS, or FAIL and exit(1) at once."""
    if cond:
        passed(name)
        return
    failed(name, f"{why}; the remaining checks of this file did not run")
    sys.stdout.flush()
    os._exit(1)


@atexit.register
def _no_checks_is_a_failure():
    if _results["n"] == 0 and os.getpid() == _results["pid"]:
        print(f"FAIL {os.path.basename(sys.argv[0] or 'test')}: ran no checks", flush=True)
        os._exit(1)


def check(name, cond, why="condition false"):
    if cond:
        passed(name)
    else:
        failed(name, why)
    return bool(cond)


def expect_eq(name, got, want):
    return check(name, got == want, f"got {got!r}, want {want!r}")


from upstream import upstream  # noqa: E402,F401 (tests/lib/upstream.py)
