"""Helpers for the logshipper tests: a moto_server on 127.0.0.1 with signature enforcement, an IAM
user/key created through moto, reading a stream back with boto3, and running the shipper."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from ttest import BIN, log


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


class Moto:
    """moto_server with INITIAL_NO_AUTH_ACTION_COUNT: the first 4 calls (unauthenticated) create
    an IAM user with an allow-all policy and an access key; everything after must be signed."""

    def __init__(self, region="us-east-1"):
        import boto3  # noqa: F401  (fail early if missing)
        self.region = region
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logf = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="4")
        for k in list(env):
            if k.startswith("AWS_"):
                del env[k]
        exe = shutil.which("moto_server")
        cmd = [exe] if exe else ["python3", "-m", "moto.server"]
        self.proc = subprocess.Popen(cmd + ["-H", "127.0.0.1", "-p", str(self.port)], env=env,
                                     stdout=self.logf, stderr=self.logf, start_new_session=True)
        if not wait_port(self.port):
            self.stop()
            raise RuntimeError("moto_server did not start")
        iam = self.client("iam", "unauth", "unauth")
        iam.create_user(UserName="shipper")
        pol = iam.create_policy(PolicyName="allow-all", PolicyDocument=ALLOW_ALL)
        iam.attach_user_policy(UserName="shipper", PolicyArn=pol["Policy"]["Arn"])
        key = iam.create_access_key(UserName="shipper")["AccessKey"]
        self.akid, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        self.policy_arn = pol["Policy"]["Arn"]

    def client(self, service, akid=None, secret=None, token=None):
        import boto3
        from botocore.config import Config
        return boto3.client(service, endpoint_url=self.url, region_name=self.region,
                            aws_access_key_id=akid or self.akid,
                            aws_secret_access_key=secret or self.secret,
                            aws_session_token=token,
                            config=Config(retries={"max_attempts": 2}))

    def read_stream(self, group, stream):
        """All messages of a stream, oldest first, following nextForwardToken."""
        logs = self.client("logs")
        out, token = [], None
        while True:
            kw = dict(logGroupName=group, logStreamName=stream, startFromHead=True, limit=10000)
            if token:
                kw["nextToken"] = token
            r = logs.get_log_events(**kw)
            out.extend(e["message"] for e in r["events"])
            if not r["events"] or r.get("nextForwardToken") == token:
                break
            token = r["nextForwardToken"]
        return out

    def allow_unauthenticated(self, n):
        """Let the next n requests through without a signature (moto's reset-auth)."""
        import urllib.request
        req = urllib.request.Request(self.url + "/moto-api/reset-auth", data=str(n).encode(),
                                     method="POST", headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(req, timeout=10).read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        try:
            os.unlink(self.logf.name)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def shipper_env(home, extra=None):
    """A clean environment: no inherited AWS_* variables, a private HOME, IMDS disabled."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in (
        "__CW_LOG_GROUP", "LOGSHIPPER_LOG_STREAM", "__CW_LOG_STREAM",
        "ECS_CONTAINER_METADATA_URI_V4")}
    env["HOME"] = home
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_CONFIG_FILE"] = os.path.join(home, "no-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(home, "no-credentials")
    if extra:
        env.update(extra)
    return env


def run_shipper(args, env, data, timeout=120):
    """Run logshipper with data on stdin; returns (rc, stderr text)."""
    p = subprocess.run([os.path.join(BIN, "logshipper")] + args, input=data, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    err = p.stderr.decode("utf-8", "replace")
    log(err[-3000:])
    return p.returncode, err


def start_shipper(args, env, stdin=subprocess.PIPE):
    return subprocess.Popen([os.path.join(BIN, "logshipper")] + args, stdin=stdin, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def summary(err):
    """The numbers of the summary line as a dict."""
    for line in err.splitlines():
        if "summary:" in line:
            out = {}
            for part in line.split("summary:", 1)[1].split(","):
                k, v = part.split()
                out[k] = int(v)
            return out
    return {}


def alert_lines(n, prefix="alert", start=0):
    """n Falco-style JSON alerts, one per line, numbered."""
    t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    return "".join(
        '{"hostname":"h","output":"%s %d","priority":"Warning","rule":"Test rule",'
        '"source":"syscall","tags":["t"],"time":"%s.%09dZ"}\n' % (prefix, i, t, i)
        for i in range(start, start + n)).encode()


def kill_proc(p):
    if p and p.poll() is None:
        p.send_signal(signal.SIGKILL)
        p.wait()
