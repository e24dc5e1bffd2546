#!/usr/bin/env python3
"""CloudWatch Logs stand-in for Tartan's end-to-end tests: moto_server on 127.0.0.1.

  moto.py start DIR      start moto_server on a free loopback port with signature checking on
                         (INITIAL_NO_AUTH_ACTION_COUNT), create two IAM users through moto:
                         "tartan-task" with the policy in deploy/iam-policy.json (what the
                         logshipper signs with) and "tartan-reader" (what the test reads with);
                         prints shell assignments: MOTO_PID MOTO_PORT MOTO_URL AWS_REGION
                         TASK_KEY_ID TASK_SECRET READER_KEY_ID READER_SECRET
  moto.py events GROUP   print every event of every stream in GROUP as JSON lines
                         {"stream":..., "timestamp":..., "message":...} (reader credentials
                         from READER_KEY_ID/READER_SECRET, endpoint from MOTO_URL)
  moto.py stop PID       stop the server started by `start`

Diagnostics go to stderr; the server's log is DIR/moto.log.
"""
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request

REGION = "eu-west-1"
ROOT = os.environ.get("TT_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def log(*args):
    print("[moto.py]", *args, file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(service, url, key_id, secret):
    import boto3

    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


def task_policy():
    """deploy/iam-policy.json's actions, for moto.

    moto checks the actions of an IAM user's policy but evaluates every request against the
    resource "*", so the policy's log-group ARNs are replaced by "*" here. What this proves is
    that the action list of the shipped policy is enough for the logshipper, nothing more.
    """
    with open(os.path.join(ROOT, "deploy", "iam-policy.json")) as f:
        doc = json.load(f)
    for st in doc["Statement"]:
        st["Resource"] = "*"
    return json.dumps(doc)


READER_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["logs:*"], "Resource": "*"}],
    }
)


def start(workdir):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    # create_user, put_user_policy, create_access_key for two users; then signatures are checked.
    env["INITIAL_NO_AUTH_ACTION_COUNT"] = "6"
    env.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    logf = open(os.path.join(workdir, "moto.log"), "w")
    proc = subprocess.Popen(
        ["moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=logf,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except Exception:
            if proc.poll() is not None or time.time() > deadline:
                log("moto_server did not start; see", logf.name)
                sys.exit(1)
            time.sleep(0.1)
    # The moto-api probe above is not an AWS action, so the no-auth budget is intact.
    iam = client("iam", url, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    keys = {}
    for user, policy in (("tartan-task", task_policy()), ("tartan-reader", READER_POLICY)):
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName=user + "-policy", PolicyDocument=policy)
        k = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = (k["AccessKeyId"], k["SecretAccessKey"])
    out = {
        "MOTO_PID": proc.pid,
        "MOTO_PORT": port,
        "MOTO_URL": url,
        "AWS_REGION": REGION,
        "TASK_KEY_ID": keys["tartan-task"][0],
        "TASK_SECRET": keys["tartan-task"][1],
        "READER_KEY_ID": keys["tartan-reader"][0],
        "READER_SECRET": keys["tartan-reader"][1],
    }
    for k, v in out.items():
        print(f"{k}={shlex.quote(str(v))}")


def events(group):
    logs = client("logs", os.environ["MOTO_URL"], os.environ["READER_KEY_ID"], os.environ["READER_SECRET"])
    try:
        streams = []
        kw = {"logGroupName": group}
        while True:
            r = logs.describe_log_streams(**kw)
            streams += [s["logStreamName"] for s in r.get("logStreams", [])]
            if not r.get("nextToken"):
                break
            kw["nextToken"] = r["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        log("log group", group, "does not exist")
        return
    for stream in streams:
        kw = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
        last = None
        while True:
            r = logs.get_log_events(**kw)
            for e in r["events"]:
                print(json.dumps({"stream": stream, "timestamp": e["timestamp"], "message": e["message"]}))
            tok = r.get("nextForwardToken")
            if not r["events"] or tok == last:
                break
            last = tok
            kw["nextToken"] = tok


def stop(pid):
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmd, arg = sys.argv[1], sys.argv[2]
    if cmd == "start":
        start(arg)
    elif cmd == "events":
        events(arg)
    elif cmd == "stop":
        stop(int(arg))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
