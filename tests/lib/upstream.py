"""Upstream files the tests need (Falco's falco_rules.yaml, ...), for Python: a wrapper of
tests/lib/upstream.sh that scripts which are not test files (tests/evtgen/evtgen.py) can import
without ttest's bookkeeping. Test files use ttest.upstream, the same function."""
import os
import subprocess

_ROOT = os.environ.get("TT_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def upstream(name):
    """(path, None), or (None, why and how to provide it) to put in a FAIL line. Tests never skip
    for a missing upstream file."""
    p = subprocess.run(["sh", os.path.join(_ROOT, "tests", "lib", "upstream.sh"), name],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = p.stdout.strip()
    return (out, None) if p.returncode == 0 and out else (None, out or "tests/lib/upstream.sh failed")
