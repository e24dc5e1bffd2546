#!/usr/bin/env python3
"""`logshipper --sign` cross-checked against two independent signers: botocore's SigV4Auth on
generated requests (paths with dot segments and special characters, queries with repeated,
encoded and unicode parameters, messy header white space, bodies, session tokens), and
`curl --aws-sigv4` (the request curl sends to a loopback listener is re-signed by logshipper
with the same date and must get the same signature)."""
# timeout: 120
import os
import random
import shutil
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import BIN, check, skipped  # noqa: E402

AK, SK = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DATE = "20150830T123600Z"


def sign(raw, region="us-east-1", service="service", token=None):
    env = {"PATH": os.environ.get("PATH", ""), "AWS_ACCESS_KEY_ID": AK,
           "AWS_SECRET_ACCESS_KEY": SK}
    if token:
        env["AWS_SESSION_TOKEN"] = token
    p = subprocess.run([os.path.join(BIN, "logshipper"), "--sign", "--region", region,
                        "--service", service], input=raw, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    out = p.stdout.decode("utf-8", "replace")
    for line in out.splitlines():
        if line.startswith("Authorization: "):
            return line[len("Authorization: "):], out
    return None, out + p.stderr.decode()


def botocore_sig(method, path, query, headers, body, region, service, token=None):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    host = dict((k.lower(), v) for k, v in headers)["host"]
    url = "https://%s%s%s" % (host, path, ("?" + query) if query else "")
    req = AWSRequest(method=method, url=url, data=body)
    for k, v in headers:
        req.headers[k] = v
    if token:
        req.headers["X-Amz-Security-Token"] = token
    req.context["timestamp"] = DATE
    auth = SigV4Auth(Credentials(AK, SK, token), service, region)
    cr = auth.canonical_request(req)
    return auth.signature(auth.string_to_sign(req, cr), req), cr


SEGMENTS = ["a", "b c", "d~e", "f.g", "..", ".", "h%20i", "j+k", "l=m", "\u00e9", "n*o", "p@q"]
KEYS = ["a", "B", "c d", "x-y", "\u20ac", "k~", "z"]
VALS = ["1", "two words", "a+b", "%41", "=", "", "\u00fc", "~-._"]


def gen(rng):
    segs = [rng.choice(SEGMENTS) for _ in range(rng.randint(0, 4))]
    path = "/" + "/".join(segs) + (rng.choice(["", "/"]) if segs else "")
    path = path.replace(" ", "%20")
    import urllib.parse
    params = [(rng.choice(KEYS), rng.choice(VALS)) for _ in range(rng.randint(0, 4))]
    query = "&".join(urllib.parse.quote(k, safe="-_.~") + "=" +
                     urllib.parse.quote(v, safe="-_.~") for k, v in params)
    headers = [("Host", "example.amazonaws.com"), ("X-Amz-Date", DATE)]
    if rng.random() < 0.5:
        headers.append(("My-Header", "  value   with   spaces  "))
    if rng.random() < 0.5:
        headers.append(("Content-Type", "application/x-amz-json-1.1"))
    method = rng.choice(["GET", "POST", "PUT"])
    body = b"" if method == "GET" else rng.choice([b"", b"{}", b"Action=Test&x=1", b"\x00\xffbin"])
    return method, path, query, headers, body


def main():
    try:
        import botocore  # noqa: F401
    except ImportError:
        skipped("sign_matches_botocore", "botocore is not installed")
        return
    rng = random.Random(20150830)
    mismatches = []
    for i in range(300):
        method, path, query, headers, body = gen(rng)
        token = "session-token-%d" % i if i % 5 == 0 else None
        region, service = rng.choice([("us-east-1", "service"), ("eu-west-1", "logs"),
                                      ("cn-north-1", "iam")])
        target = path + ("?" + query if query else "")
        raw = ("%s %s HTTP/1.1\r\n" % (method, target)).encode() + b"".join(
            ("%s:%s\r\n" % (k, v)).encode() for k, v in headers) + b"\r\n" + body
        auth, out = sign(raw, region, service, token)
        want, cr = botocore_sig(method, path, query, headers, body, region, service, token)
        if not auth or not auth.endswith("Signature=" + want):
            mismatches.append((raw, cr, out))
    check("sign_matches_botocore_300_requests", not mismatches,
          "first mismatch: %r\nbotocore creq:\n%s\nours:\n%s" % (
              mismatches[0][0], mismatches[0][1], mismatches[0][2]) if mismatches else "")

    # curl --aws-sigv4 as a second oracle.
    curl = shutil.which("curl")
    if not curl or "aws-sigv4" not in subprocess.run([curl, "--help", "all"],
                                                     stdout=subprocess.PIPE).stdout.decode():
        skipped("sign_matches_curl_aws_sigv4", "curl without --aws-sigv4")
        return
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    captured = []

    def serve():
        for _ in range(3):
            c, _ = srv.accept()
            data = b""
            c.settimeout(5)
            while b"\r\n\r\n" not in data:
                data += c.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            n = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    n = int(line.split(b":")[1])
            while len(rest) < n:
                rest += c.recv(65536)
            captured.append(head + b"\r\n\r\n" + rest)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    cases = [
        ["-X", "POST", "-H", "X-Amz-Target: Logs_20140328.PutLogEvents", "-H",
         "Content-Type: application/x-amz-json-1.1", "--data-binary", '{"logGroupName":"g"}',
         f"http://127.0.0.1:{port}/"],
        # (curl 7.88 does not sort query parameters itself: give them sorted)
        [f"http://127.0.0.1:{port}/a/b?Action=List&Version=2"],
        ["-X", "PUT", "--data-binary", "payload", f"http://127.0.0.1:{port}/x-y/z~"],
    ]
    bad = []
    for args in cases:
        subprocess.run([curl, "-s", "-o", "/dev/null", "--aws-sigv4", "aws:amz:us-east-1:logs",
                        "--user", f"{AK}:{SK}"] + args,
                       timeout=30)
    t.join(10)
    srv.close()
    for raw in captured:
        head = raw.split(b"\r\n\r\n")[0].decode()
        theirs = [l for l in head.split("\r\n") if l.lower().startswith("authorization:")][0]
        # Re-sign exactly what curl signed: its SignedHeaders, from the request it sent.
        signed = theirs.split("SignedHeaders=")[1].split(",")[0].split(";")
        head_b, _, body = raw.partition(b"\r\n\r\n")
        hl = head_b.split(b"\r\n")
        keep = [hl[0]] + [l for l in hl[1:]
                          if l.split(b":")[0].strip().lower().decode() in signed]
        ours, out = sign(b"\r\n".join(keep) + b"\r\n\r\n" + body, "us-east-1", "logs")
        if not ours or ours.split("Signature=")[-1] != theirs.split("Signature=")[-1]:
            bad.append((theirs, ours, out))
    check("sign_matches_curl_aws_sigv4", len(captured) == 3 and not bad,
          f"captured {len(captured)}, mismatches {bad[:1]}")


if __name__ == "__main__":
    main()
