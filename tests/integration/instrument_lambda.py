#!/usr/bin/env python3
"""The CloudFormation macro path: instrument as a Lambda custom runtime against a small local
runtime-API server (GET .../invocation/next, POST .../response, .../error, .../init/error).

Macro requests as CloudFormation sends them (fragment, params, templateParameterValues, region,
accountId): a template is answered with status success and the instrumented fragment (images given
by !Sub over pseudo parameters and parameter values resolved from the request), a bad fragment and
an unknown Transform parameter with status failure and an errorMessage naming the problem; an
event that is not a macro request goes to .../error; a bad INSTRUMENT_* setting to .../init/error.
The binary started under the name bootstrap (as Lambda runs it) serves without --lambda.

  instrument_lambda.py                 the build's instrument
  instrument_lambda.py --docker IMAGE  the static bootstrap of Dockerfile.instrument, run alone in
                                       its scratch image (as in Lambda: nothing else on the disk)"""
# timeout: 120
import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import BIN, ROOT, check, failed, skipped  # noqa: E402
import instrument_check as ic  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data", "instrument")


class RuntimeAPI:
    def __init__(self):
        self.events = queue.Queue()
        self.results = {}  # request id -> (kind, body)
        self.init_errors = []
        self.lock = threading.Lock()
        self.waiting = 0  # handlers blocked waiting for an event
        api = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != "/2018-06-01/runtime/invocation/next":
                    return self.reply(404)
                with api.lock:
                    api.waiting += 1
                ev = api.events.get()
                with api.lock:
                    api.waiting -= 1
                if ev is None:  # the runtime that asked is gone (see release)
                    return self.reply(410)
                rid, body = ev
                self.reply(200, body, {"Lambda-Runtime-Aws-Request-Id": rid,
                                       "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30000),
                                       "Lambda-Runtime-Trace-Id": "Root=1-test"})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = self.path.split("/")
                if self.path == "/2018-06-01/runtime/init/error":
                    api.init_errors.append((json.loads(body), self.headers.get("Lambda-Runtime-Function-Error-Type")))
                elif len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
                    api.results[parts[4]] = (parts[5], json.loads(body))
                else:
                    return self.reply(404)
                self.reply(202, b'{"status":"OK"}')

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait(self, rid, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if rid in self.results:
                return self.results[rid]
            time.sleep(0.02)
        return None

    def release(self):
        """After a runtime was stopped: its request for the next invocation is still waiting in a
        handler thread, which would swallow the next event. Hand it a None first."""
        time.sleep(0.2)  # a request already on its way reaches its handler
        with self.lock:
            n = self.waiting
        for _ in range(n):
            self.events.put(None)
        end = time.time() + 5
        while not self.events.empty() and time.time() < end:
            time.sleep(0.01)

    def stop(self):
        self.httpd.shutdown()


DOCKER_IMAGE = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--docker" else None


def start(argv, api, extra_env):
    env = {"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.port}", "HOME": "/nonexistent",
           "INSTRUMENT_IMAGE_CONFIG": os.path.join(DATA, "images.json"), "INSTRUMENT_OFFLINE": "true"}
    env.update(extra_env)
    if DOCKER_IMAGE:  # the image's entry point is /bootstrap: no --lambda, as Lambda runs it
        name = f"tartan-instrument-macro-test-{os.getpid()}-{len(api.results)}"
        env["INSTRUMENT_IMAGE_CONFIG"] = "/data/images.json"
        cmd = ["docker", "run", "--rm", "--name", name, "--network", "host", "-v", f"{DATA}:/data:ro"]
        for k, v in env.items():
            cmd += ["-e", f"{k}={v}"]
        p = subprocess.Popen(cmd + [DOCKER_IMAGE], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.container = name
        return p
    return subprocess.Popen(argv, env=dict(os.environ, **env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def stop(p):
    if getattr(p, "container", None) and p.poll() is None:
        subprocess.run(["docker", "rm", "-f", p.container], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.stderr.read().decode()


def macro_event(rid, fragment, params, values=None):
    return (rid, json.dumps({"accountId": "123456789012", "region": "eu-west-1", "requestId": f"req-{rid}",
                             "transformId": "123456789012::Tartan", "fragment": fragment, "params": params,
                             "templateParameterValues": values or {}}).encode())


def main():
    exe = os.path.join(BIN, "instrument")
    if not os.path.exists(exe) and not DOCKER_IMAGE:
        skipped("instrument_lambda", "instrument is not built")
        return
    with open(os.path.join(DATA, "cfn-service.yaml")) as f:
        yaml_tmpl = ic.cfn_yaml_load(f.read())
    with open(os.path.join(DATA, "cfn-service.json")) as f:
        json_tmpl = json.load(f)
    api = RuntimeAPI()
    p = start([exe, "--lambda"], api, {"INSTRUMENT_BINARIES_IMAGE": "tartan-binaries:1"})
    try:
        api.events.put(macro_event("a1", yaml_tmpl, {"RetentionDays": "30"},
                                   {"Env": "prod", "ImageTag": "2.4.1", "ExternalRoleArn": "arn:aws:iam::1:role/x"}))
        got = api.wait("a1")
        ok = False
        why = f"{got}"[:400]
        if got and got[0] == "response" and got[1].get("status") == "success" and got[1].get("requestId") == "req-a1":
            res = got[1]["fragment"]["Resources"]
            c = res["OrdersTask"]["Properties"]["ContainerDefinitions"][0]
            argv = ic.original_argv(c.get("EntryPoint"), c.get("Command"))
            ok = (argv and argv[:3] == ["/usr/bin/tini", "--", "/app/entry.sh"]
                  and res["TartanAlertsLogGroup"]["Properties"]["RetentionInDays"] == 30
                  and res["LegacyTask"] == yaml_tmpl["Resources"]["LegacyTask"])
            why = f"argv {argv}, log group {res.get('TartanAlertsLogGroup')}"
        check("lambda-macro-success", ok, why)

        api.events.put(macro_event("a2", {"Resources": {"T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
            "TaskRoleArn": "r", "ContainerDefinitions": [{"Name": "c", "Image": "example.com/unknown:1"}]}}}}, {}))
        got = api.wait("a2")
        check("lambda-macro-failure", got and got[0] == "response" and got[1].get("status") == "failure"
              and "resource T, container c" in got[1].get("errorMessage", ""), f"{got}"[:400])

        api.events.put(macro_event("a3", json_tmpl, {"BinariesImag": "x"}))
        got = api.wait("a3")
        check("lambda-macro-unknown-parameter", got and got[1].get("status") == "failure"
              and "BinariesImag" in got[1].get("errorMessage", ""), f"{got}"[:400])

        api.events.put(macro_event("a4", json_tmpl, {}, {"Image": "busybox:1.36"}))
        got = api.wait("a4")
        ok = got and got[1].get("status") == "success"
        if ok:
            c = got[1]["fragment"]["Resources"]["Task"]["Properties"]["ContainerDefinitions"][0]
            ok = ic.original_argv(c.get("EntryPoint"), c.get("Command")) == ["sh"]
        check("lambda-macro-json-template", ok, f"{got}"[:400])

        api.events.put(("a5", b"[1, 2, 3]"))
        got = api.wait("a5")
        check("lambda-invalid-event-error", got and got[0] == "error" and "errorMessage" in got[1], f"{got}"[:300])
    finally:
        err = stop(p)
        api.release()
        if p.returncode not in (0, 1, 137, -signal.SIGTERM, 128 + signal.SIGTERM):
            failed("lambda-runtime-exit", f"status {p.returncode}: {err[-300:]}")

    # Lambda runs the function's bootstrap: the same binary under that name serves by itself.
    with tempfile.TemporaryDirectory() as tmp:
        boot = os.path.join(tmp, "bootstrap")
        shutil.copy(exe, boot)
        p = start([boot], api, {"INSTRUMENT_BINARIES_IMAGE": "tartan-binaries:1"})
        try:
            api.events.put(macro_event("b1", json_tmpl, {}))
            got = api.wait("b1")
            check("lambda-bootstrap-name", got and got[1].get("status") == "success", f"{got}"[:300])
        finally:
            stop(p)
            api.release()
        p = start([boot], api, {"INSTRUMENT_RETENTION_DAYS": "8"})
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            pass
        err = stop(p)
        ok = p.returncode == 1 and api.init_errors and "3653" in api.init_errors[0][0].get("errorMessage", "")
        check("lambda-init-error", ok, f"status {p.returncode}, init errors {api.init_errors}: {err[-200:]}")
    api.stop()


if __name__ == "__main__":
    main()
