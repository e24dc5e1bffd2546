"""Shared helpers for the engine runtime integration tests (tests/integration/engine_runtime_*).

Runs build/bin/engine (or $TT_BIN's) against captures and rings made by the en_feed helper."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import ttest

ENGINE = os.path.join(ttest.BIN, "engine")
FEED = os.path.join(ttest.HELPERS, "en_feed")
DATA = os.path.join(ttest.ROOT, "tests", "data", "engine")

BASH_RULE = """- rule: Detect bash in a container
  desc: bash started in a container
  condition: evt.type = execve and proc.name = bash and container.id != host
  output: Bash ran inside a container (user=%user.name command=%proc.cmdline (id=%container.id))
  priority: INFORMATIONAL
"""

NOTICE_RULE = """- rule: Bash notice
  desc: a second rule on the same events, more severe
  condition: evt.type = execve and proc.name = bash
  output: Notice bash (cmd=%proc.cmdline pid=%proc.pid)
  priority: NOTICE
  tags: [zeta, alpha, Beta, alpha]
"""

BASE_CONFIG = """json_output: true
time_format_iso_8601: true
syslog_output: {enabled: false}
watch_config_files: false
"""


class Tmp:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tt-engine-rt-")
        self.procs = []

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def read(self, name):
        try:
            with open(self.path(name)) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def spawn(self, cmd, **kw):
        p = subprocess.Popen(cmd, **kw)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.kill()
                except OSError:
                    pass
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        # Rings keyed from unique_key() (+ small offsets) that a killed or never-attached side
        # left behind (a producer keeps unread events for a consumer still to come).
        for k in range(unique_key(), unique_key() + 16):
            subprocess.run(["ipcrm", "-M", str(k)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            # the health status file of an engine that was killed (a clean exit removes it)
            try:
                os.unlink("/dev/shm/tartan-engine-%08x.json" % k)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


def env_clean(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TARTAN_") and k not in ("FALCO_HOSTNAME", "ECS_CONTAINER_METADATA_URI_V4")}
    env["FALCO_HOSTNAME"] = "tt-host"
    if extra:
        env.update(extra)
    return env


def feed_capture(path, *args):
    subprocess.run([FEED, "--capture", path, *args], check=True, timeout=60)
    return path


def run_engine(args, env=None, timeout=60, stdin=subprocess.DEVNULL):
    return subprocess.run([ENGINE, *args], capture_output=True, text=True, timeout=timeout,
                          env=env if env is not None else env_clean(), stdin=stdin)


def json_lines(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def wait_until(fn, timeout=10.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


def unique_key():
    """A ring key unlikely to collide with other tests running at the same time."""
    return 0x54540000 + (os.getpid() & 0xffff)


def stop(p, sig=signal.SIGTERM, timeout=20):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None
