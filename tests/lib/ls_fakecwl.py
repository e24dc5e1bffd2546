"""A fault-injecting CloudWatch Logs stand-in for logshipper tests (loopback only).

Speaks AWS JSON 1.1 (CreateLogGroup, CreateLogStream, PutRetentionPolicy, PutLogEvents), checks
every SigV4 signature with botocore's signer when credentials are registered, validates batches
as CloudWatch does (chronological order, <= 10,000 events, <= 1,048,576 bytes with 26 per event,
24 h span, non-empty messages), and plays a script of faults for PutLogEvents requests.
It also serves STS AssumeRoleWithWebIdentity, ECS container credentials and IMDSv2, so one
server can stand in for every endpoint a test needs.
"""
import json
import select
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def sigv4_expected(method, url, headers, body, akid, secret, region, service, token=None):
    """The Authorization header botocore would compute for this request."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    signed = [h.lower() for h in headers.get("authorization", "").split("SignedHeaders=")[1]
              .split(",")[0].split(";")] if "SignedHeaders=" in headers.get("authorization", "") else []
    req = AWSRequest(method=method, url=url, data=body,
                     headers={k: v for k, v in headers.items() if k.lower() in signed})
    req.context["timestamp"] = headers.get("x-amz-date")
    auth = SigV4Auth(Credentials(akid, secret, token), service, region)
    # Sign exactly the headers the client signed.
    auth._modify_request_before_signing = lambda r: None  # noqa: SLF001
    sts = auth.string_to_sign(req, auth.canonical_request(req))
    return auth.signature(sts, req)


class FakeCWL:
    def __init__(self, region="us-east-1", tls=None):
        """tls: (certfile, keyfile) to serve HTTPS instead of HTTP."""
        self.region = region
        self.lock = threading.Lock()
        self.groups = {}          # group -> {stream -> [(ts, message)]}
        self.archive = {}         # (group, stream) -> events of a deleted incarnation
        self.retention = {}
        self.script = []          # faults for the next PutLogEvents requests
        self.down = None          # None, or a fault applied to every request ("503", "reset")
        self.requests = []        # (time, op, access key id, status)
        self.violations = []      # batch rule breaks seen
        self.invalid_bodies = []  # bodies answered with InvalidParameterException
        self.keys = {}            # akid -> (secret, token or None); empty = do not check
        self.bad_signatures = 0
        self.poison = None        # messages containing this are InvalidParameterException
        self.expired_keys = set() # akids answered with ExpiredTokenException
        self.creds_served = []    # credentials handed out by the container/IMDS/STS endpoints
        self.creds_ttl = 3600
        self.cred_requests = []   # (path, headers) of credential endpoint requests
        self.container_token = None
        self.web_identity_tokens = []
        self.event_limit = 1048576 - 26
        self.deny_create_group = False
        self.put_delay = 0.0      # seconds every PutLogEvents takes
        self.connections = 0      # TCP connections accepted
        srv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                with srv.lock:
                    srv.connections += 1
                # headers and body are written separately: do not let Nagle hold the body back
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                srv._cred_endpoint(self, "GET")

            def do_PUT(self):
                srv._cred_endpoint(self, "PUT")

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n) if n else b""
                if self.headers.get("X-Amz-Target", "").startswith("Logs_20140328."):
                    srv._logs(self, body)
                else:
                    srv._sts(self, body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        if tls:
            import ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    # ---------------------------------------------------------------- helpers
    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()

    def messages(self, group, stream):
        """Messages of a stream, including those of earlier incarnations deleted by a fault."""
        with self.lock:
            evs = self.archive.get((group, stream), []) + \
                list(self.groups.get(group, {}).get(stream, []))
        return [m for _, m in evs]

    def events(self, group, stream):
        with self.lock:
            return list(self.groups.get(group, {}).get(stream, []))

    def ops(self, op=None):
        with self.lock:
            return [r for r in self.requests if op is None or r[1] == op]

    def new_creds(self, prefix="ASIA"):
        akid = prefix + uuid.uuid4().hex[:16].upper()
        secret = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        token = "tok-" + uuid.uuid4().hex
        exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + self.creds_ttl))
        with self.lock:
            self.keys[akid] = (secret, token)
            self.creds_served.append(akid)
        return {"AccessKeyId": akid, "SecretAccessKey": secret, "Token": token,
                "SessionToken": token, "Expiration": exp}

    @staticmethod
    def _send(h, status, body=b"", headers=None, request_id=True):
        h.send_response(status)
        if request_id:
            h.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _error(self, h, status, code, msg="", headers=None):
        self._send(h, status, json.dumps({"__type": "com.amazonaws.logs#" + code,
                                          "message": msg}).encode(),
                   dict({"Content-Type": "application/x-amz-json-1.1"}, **(headers or {})))

    @staticmethod
    def _reset(h):
        s = h.connection
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    @staticmethod
    def _client_gone(h):
        try:
            r, _, _ = select.select([h.connection], [], [], 0)
            return bool(r) and h.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _check_sig(self, h, body, service):
        auth = h.headers.get("Authorization", "")
        if not self.keys:
            return auth.split("Credential=")[1].split("/")[0] if "Credential=" in auth else ""
        try:
            akid = auth.split("Credential=")[1].split("/")[0]
            region = auth.split("Credential=")[1].split("/")[2]
        except IndexError:
            return None
        with self.lock:
            k = self.keys.get(akid)
        if not k:
            return None
        secret, token = k
        if token and h.headers.get("X-Amz-Security-Token") != token:
            return None
        hdrs = {k.lower(): v for k, v in h.headers.items()}
        url = f"http://{h.headers.get('Host')}{h.path}"
        want = sigv4_expected("POST", url, hdrs, body, akid, secret, region, service, token)
        got = auth.split("Signature=")[1] if "Signature=" in auth else ""
        return akid if want == got else None

    # ---------------------------------------------------------------- CloudWatch Logs
    def _logs(self, h, body):
        op = h.headers["X-Amz-Target"].split(".", 1)[1]
        akid = self._check_sig(h, body, "logs")
        down = self.down
        if down:
            with self.lock:
                self.requests.append((time.time(), op, akid, down))
            if down == "reset":
                return self._reset(h)
            return self._error(h, 503, "ServiceUnavailableException", "down")
        if akid is None:
            with self.lock:
                self.bad_signatures += 1
                self.requests.append((time.time(), op, akid, 403))
            return self._error(h, 400, "InvalidSignatureException", "signature mismatch")
        if akid in self.expired_keys:
            with self.lock:
                self.requests.append((time.time(), op, akid, "expired"))
            return self._error(h, 400, "ExpiredTokenException", "expired")
        try:
            req = json.loads(body)
        except ValueError:
            return self._error(h, 400, "SerializationException", "bad json")
        g, st = req.get("logGroupName"), req.get("logStreamName")
        fault = None
        if op == "PutLogEvents":
            with self.lock:
                fault = self.script.pop(0) if self.script else None
        with self.lock:
            self.requests.append((time.time(), op, akid, fault or "ok"))
        if op == "CreateLogGroup":
            if self.deny_create_group:
                return self._error(h, 400, "AccessDeniedException",
                                   "not authorized to perform: logs:CreateLogGroup")
            with self.lock:
                if g in self.groups:
                    return self._error(h, 400, "ResourceAlreadyExistsException", "exists")
                self.groups[g] = {}
            return self._send(h, 200, b"{}")
        if op == "PutRetentionPolicy":
            with self.lock:
                self.retention[g] = req.get("retentionInDays")
            return self._send(h, 200, b"{}")
        if op == "CreateLogStream":
            with self.lock:
                if g not in self.groups:
                    return self._error(h, 400, "ResourceNotFoundException", "no group")
                if st in self.groups[g]:
                    return self._error(h, 400, "ResourceAlreadyExistsException", "exists")
                self.groups[g][st] = []
            return self._send(h, 200, b"{}")
        if op != "PutLogEvents":
            return self._error(h, 400, "UnknownOperationException", op)
        return self._put(h, g, st, req, body, fault)

    def _put(self, h, g, st, req, body, fault):
        f = fault or "ok"
        name, _, arg = f.partition(":")
        if self.put_delay:
            time.sleep(self.put_delay)
        if name == "throttle":
            return self._error(h, 400, "ThrottlingException", "Rate exceeded")
        if name == "retry_after":
            return self._error(h, 400, "ThrottlingException", "Rate exceeded",
                               {"x-amz-retry-after": arg})
        if name in ("500", "502", "503", "504"):
            return self._error(h, int(name), "ServiceUnavailableException"
                               if name == "503" else "InternalFailure", "boom")
        if name == "reset":
            return self._reset(h)
        if name == "expired":
            return self._error(h, 400, "ExpiredTokenException", "The security token expired")
        if name == "delete_stream":
            with self.lock:
                gone = self.groups.get(g, {}).pop(st, None)
                self.archive.setdefault((g, st), []).extend(gone or [])
        if name == "slow":
            time.sleep(float(arg))
            if self._client_gone(h):
                return  # the client gave up: the request is not applied
        evs = req.get("logEvents", [])
        with self.lock:
            if g not in self.groups or st not in self.groups[g]:
                return self._error(h, 400, "ResourceNotFoundException",
                                   "The specified log stream does not exist.")
        why = self._validate(evs)
        if self.poison and any(self.poison in e["message"] for e in evs):
            why = why or "poison"
        if why:
            with self.lock:
                self.invalid_bodies.append(body)
                if why != "poison":
                    self.violations.append(why)
            return self._error(h, 400, "InvalidParameterException", why)
        rejected = {}
        keep = evs
        if name == "too_new":
            k = int(arg)
            rejected["tooNewLogEventStartIndex"] = k
            keep = evs[:k]
        elif name == "too_old":
            k = int(arg)
            rejected["tooOldLogEventEndIndex"] = k
            keep = evs[k:]
        if name == "norequestid":
            return self._send(h, 200, b"{}", request_id=False)
        with self.lock:
            self.groups[g][st].extend((e["timestamp"], e["message"]) for e in keep)
        out = {"nextSequenceToken": "0"}
        if rejected:
            out["rejectedLogEventsInfo"] = rejected
        return self._send(h, 200, json.dumps(out).encode(),
                          {"Content-Type": "application/x-amz-json-1.1"})

    def _validate(self, evs):
        if not evs:
            return "empty batch"
        if len(evs) > 10000:
            return "more than 10000 events"
        size = sum(len(e["message"].encode()) + 26 for e in evs)
        if size > 1048576:
            return f"batch of {size} bytes"
        ts = [e["timestamp"] for e in evs]
        if ts != sorted(ts):
            return "events not in chronological order"
        if ts[-1] - ts[0] > 24 * 3600 * 1000:
            return "batch spans more than 24 hours"
        for e in evs:
            n = len(e["message"].encode())
            if n == 0:
                return "empty message"
            if n > self.event_limit:
                return f"event of {n} bytes"
        return None

    # ---------------------------------------------------------------- credential endpoints
    def _cred_endpoint(self, h, method):
        path = urlsplit(h.path).path
        with self.lock:
            self.cred_requests.append((method, path, dict(h.headers)))
        if path == "/latest/api/token" and method == "PUT":
            if "X-aws-ec2-metadata-token-ttl-seconds" not in h.headers:
                return self._send(h, 400, b"")
            return self._send(h, 200, b"imds-session-token", request_id=False)
        if path.startswith("/latest/meta-data/iam/security-credentials/"):
            if h.headers.get("X-aws-ec2-metadata-token") != "imds-session-token":
                return self._send(h, 401, b"", request_id=False)
            role = path.rsplit("/", 1)[1]
            if not role:
                return self._send(h, 200, b"test-role\n", request_id=False)
            c = self.new_creds()
            c["Code"] = "Success"
            return self._send(h, 200, json.dumps(c).encode(), request_id=False)
        if path == "/v4/meta":
            meta = {"DockerId": "d0", "Name": "workload", "Labels": {
                "com.amazonaws.ecs.task-arn":
                    "arn:aws:ecs:ap-southeast-2:123456789012:task/prod/feedc0de1234"}}
            return self._send(h, 200, json.dumps(meta).encode(), request_id=False)
        if path.startswith("/creds"):
            if self.container_token is not None and \
                    h.headers.get("Authorization") != self.container_token:
                return self._send(h, 401, b"{}", request_id=False)
            c = self.new_creds()
            c.pop("SessionToken")
            return self._send(h, 200, json.dumps(c).encode(), request_id=False)
        return self._send(h, 404, b"", request_id=False)

    def _sts(self, h, body):
        q = parse_qs(body.decode())
        if q.get("Action", [""])[0] != "AssumeRoleWithWebIdentity":
            return self._send(h, 400, b"<ErrorResponse><Error><Code>InvalidAction</Code>"
                                      b"</Error></ErrorResponse>")
        with self.lock:
            self.web_identity_tokens.append((q.get("WebIdentityToken", [""])[0],
                                             q.get("RoleArn", [""])[0],
                                             q.get("RoleSessionName", [""])[0]))
        c = self.new_creds()
        xml = ("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
               f"<AccessKeyId>{c['AccessKeyId']}</AccessKeyId>"
               f"<SecretAccessKey>{c['SecretAccessKey']}</SecretAccessKey>"
               f"<SessionToken>{c['SessionToken']}</SessionToken>"
               f"<Expiration>{c['Expiration']}</Expiration>"
               "</Credentials></AssumeRoleWithWebIdentityResult>"
               "</AssumeRoleWithWebIdentityResponse>")
        return self._send(h, 200, xml.encode(), {"Content-Type": "text/xml"})
