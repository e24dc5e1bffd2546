"""A real container registry for the tests: Debian's docker-registry (distribution 2.8) on
127.0.0.1 with token authentication, a token service of the test's own (RS256 tokens signed with
a throw-away key whose certificate the registry trusts), and an image pusher speaking the Registry
HTTP API v2 (blob uploads, image manifests, OCI indexes).

Token policy: repositories under public/ are readable anonymously; everything else needs one of
the users given (Basic credentials to the token service), as Docker Hub and ECR behave."""
import base64
import datetime
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from ls_moto import free_port, wait_port

SERVICE = "tartan-test-registry"
ISSUER = "tartan-test-issuer"


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Keys:
    def __init__(self, tmp):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tartan test token signer")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=1))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.cert_path = os.path.join(tmp, "token-cert.pem")
        with open(self.cert_path, "wb") as f:
            f.write(self.cert.public_bytes(serialization.Encoding.PEM))
        self.der = self.cert.public_bytes(serialization.Encoding.DER)

    def sign(self, claims):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self.der).decode()]}
        msg = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
        sig = self.key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
        return msg.decode() + "." + b64url(sig)


class TokenService:
    """GET /token?service=...&scope=repository:NAME:ACTIONS (Basic credentials optional)."""

    def __init__(self, keys, users):
        self.keys, self.users = keys, dict(users)
        self.requests = []  # (authorization user or None, scopes, granted)
        svc = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                u = urllib.parse.urlparse(self.path)
                q = urllib.parse.parse_qs(u.query)
                user = None
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    try:
                        user, pw = base64.b64decode(auth[6:]).decode().split(":", 1)
                    except Exception:  # noqa: BLE001
                        user, pw = None, None
                    if svc.users.get(user) != pw:
                        svc.requests.append((user, q.get("scope", []), False))
                        self.send_response(401)
                        self.end_headers()
                        self.wfile.write(b'{"details":"incorrect username or password"}')
                        return
                access = []
                for scope in q.get("scope", []):
                    typ, name, actions = scope.split(":", 2) if scope.count(":") >= 2 else ("", "", "")
                    if typ != "repository":
                        continue
                    if user or name.startswith("public/"):
                        acts = actions.split(",") if user else [a for a in actions.split(",") if a == "pull"]
                        access.append({"type": "repository", "name": name, "actions": acts})
                svc.requests.append((user, q.get("scope", []), bool(access)))
                now = int(time.time())
                tok = svc.keys.sign({"iss": ISSUER, "sub": user or "", "aud": SERVICE, "exp": now + 300,
                                     "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access})
                body = json.dumps({"token": tok, "access_token": tok, "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.port = free_port()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.realm = f"http://127.0.0.1:{self.port}/token"

    def stop(self):
        self.httpd.shutdown()


class Registry:
    def __init__(self, tmp, users):
        if not shutil.which("docker-registry"):
            raise RuntimeError("docker-registry is not installed (Debian package docker-registry)")
        self.keys = Keys(tmp)
        self.tokens = TokenService(self.keys, users)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        cfg = os.path.join(tmp, "registry.yml")
        with open(cfg, "w") as f:
            f.write(f"""version: 0.1
log: {{level: warn}}
storage:
  filesystem: {{rootdirectory: {tmp}/registry-data}}
  delete: {{enabled: true}}
http:
  addr: 127.0.0.1:{self.port}
auth:
  token:
    realm: {self.tokens.realm}
    service: {SERVICE}
    issuer: {ISSUER}
    rootcertbundle: {self.keys.cert_path}
""")
        self.log = open(os.path.join(tmp, "registry.log"), "w")
        self.proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=self.log,
                                     stderr=self.log, start_new_session=True)
        if not wait_port(self.port):
            self.stop()
            raise RuntimeError(f"docker-registry did not start (see {tmp}/registry.log)")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.tokens.stop()
        self.log.close()

    # --- pushing -----------------------------------------------------------------------------

    def _token(self, repo, user, pw):
        q = urllib.parse.urlencode({"service": SERVICE, "scope": f"repository:{repo}:pull,push"})
        req = urllib.request.Request(f"{self.tokens.realm}?{q}")
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode())
        with urllib.request.urlopen(req) as r:
            return json.load(r)["token"]

    def _req(self, method, url, token, data=None, ctype=None):
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", "Bearer " + token)
        if ctype:
            req.add_header("Content-Type", ctype)
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()

    def _blob(self, repo, token, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        base = f"http://{self.host}"
        _, h, _ = self._req("POST", f"{base}/v2/{repo}/blobs/uploads/", token, data=b"")
        loc = h["Location"]
        if loc.startswith("/"):
            loc = base + loc
        sep = "&" if "?" in loc else "?"
        self._req("PUT", f"{loc}{sep}digest={digest}", token, data=data, ctype="application/octet-stream")
        return digest, len(data)

    def push(self, repo, tag, platforms, user, pw, index=True):
        """platforms: {"linux/amd64": {"Entrypoint": [...], "Cmd": [...]}}. Returns the digest of
        what the tag points to (the index, or the single manifest)."""
        token = self._token(repo, user, pw)
        manifests = []
        for plat, cfg in platforms.items():
            os_, arch = plat.split("/")[:2]
            layer = f"layer of {repo} {plat}".encode()
            ld, ll = self._blob(repo, token, layer)
            config = json.dumps({"architecture": arch, "os": os_, "config": cfg,
                                 "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}},
                                sort_keys=True).encode()
            cd, cl = self._blob(repo, token, config)
            m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cl},
                            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ll}]}).encode()
            md = "sha256:" + hashlib.sha256(m).hexdigest()
            ref = tag if not index else md
            self._req("PUT", f"http://{self.host}/v2/{repo}/manifests/{ref}", token, data=m,
                      ctype="application/vnd.oci.image.manifest.v1+json")
            manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
                              "size": len(m), "platform": {"architecture": arch, "os": os_}})
            if not index:
                return md
        idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                          "manifests": manifests}).encode()
        self._req("PUT", f"http://{self.host}/v2/{repo}/manifests/{tag}", token, data=idx,
                  ctype="application/vnd.oci.image.index.v1+json")
        return "sha256:" + hashlib.sha256(idx).hexdigest()


class FakeRegistry:
    """A hostile registry for attack tests: serves one image whose pieces the test can corrupt,
    and records every request's headers. routes: {path: (status, headers, body)}, or a list of
    those answered in turn (the last one repeats)."""

    def __init__(self, routes, host="127.0.0.1"):
        self.routes, self.seen = routes, []
        fake = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                fake.seen.append((self.path, dict(self.headers)))
                r = fake.routes.get(self.path.split("?")[0], (404, {}, b'{"errors":[{"code":"NOT_FOUND"}]}'))
                if isinstance(r, list):
                    r = r.pop(0) if len(r) > 1 else r[0]
                st, hd, body = r
                self.send_response(st)
                for k, v in hd.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.port = free_port()
        self.httpd = http.server.ThreadingHTTPServer((host, self.port), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
