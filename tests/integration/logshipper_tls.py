#!/usr/bin/env python3
"""logshipper over HTTPS to a loopback stand-in with a test CA: verification is always on; the CA
comes from AWS_CA_BUNDLE, SSL_CERT_FILE, or ../etc/ca-certificates.crt beside the binary when the
system has no bundle (checked in a private mount namespace where the system bundles are hidden)."""
# timeout: 120
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import BIN, check, skipped  # noqa: E402
import ls_fakecwl  # noqa: E402
import ls_moto  # noqa: E402
from ls_moto import alert_lines, summary  # noqa: E402

TMP = tempfile.mkdtemp(prefix="ls-tls-")


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=TMP)


def make_pki():
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=Tartan test CA")
    with open(os.path.join(TMP, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
            "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf")
    return (os.path.join(TMP, "srv.pem"), os.path.join(TMP, "srv.key")), os.path.join(TMP, "ca.pem")


def run(f, extra, binary=None, wrap=None):
    env = ls_moto.shipper_env(TMP, dict({"AWS_ACCESS_KEY_ID": "AKIDTLS",
                                         "AWS_SECRET_ACCESS_KEY": "tls-secret",
                                         "AWS_REGION": "us-east-1"}, **extra))
    for k in ("SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE"):
        env.pop(k, None)
    env.update(extra)
    cmd = [binary or os.path.join(BIN, "logshipper"), "--endpoint", f.url, "-g", "g", "-s", "s",
           "--deadline", "2", "--retry-base-ms", "20", "--retry-cap-ms", "200"]
    if wrap:
        cmd = wrap + cmd
    p = subprocess.run(cmd, input=alert_lines(5, "tls"), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def main():
    try:
        tls, ca = make_pki()
    except (OSError, subprocess.CalledProcessError) as e:
        skipped("logshipper_tls", f"openssl cannot make a test CA: {e}")
        return
    with ls_fakecwl.FakeCWL(tls=tls) as f:
        f.keys["AKIDTLS"] = ("tls-secret", None)
        rc, err = run(f, {"AWS_CA_BUNDLE": ca})
        check("https_with_aws_ca_bundle", rc == 0 and len(f.messages("g", "s")) == 5, err[-300:])
        f.groups.clear()
        rc, err = run(f, {"SSL_CERT_FILE": ca})
        check("https_with_ssl_cert_file", rc == 0 and len(f.messages("g", "s")) == 5, err[-300:])
        f.groups.clear()
        rc, err = run(f, {})
        check("https_unknown_ca_refused", rc != 0 and summary(err).get("delivered") == 0 and
              ("certificate" in err.lower() or "SSL" in err) and not f.groups, err[-300:])

        # Bundle beside the binary, with the system bundles hidden in a private mount namespace.
        if os.geteuid() != 0 or not shutil.which("unshare"):
            skipped("https_bundle_beside_binary", "needs root and unshare for a mount namespace")
            return
        os.makedirs(os.path.join(TMP, "vendor", "bin"))
        os.makedirs(os.path.join(TMP, "vendor", "etc"))
        exe = os.path.join(TMP, "vendor", "bin", "logshipper")
        shutil.copy(os.path.join(BIN, "logshipper"), exe)
        shutil.copy(ca, os.path.join(TMP, "vendor", "etc", "ca-certificates.crt"))
        empty = os.path.join(TMP, "empty")
        os.makedirs(empty)
        hide = " ".join(f"mount --bind {empty} {d};" for d in ("/etc/ssl", "/etc/pki")
                        if os.path.isdir(d))
        script = f'{hide} exec "$@"'
        probe = subprocess.run(["unshare", "-m", "sh", "-c", f"{hide} true"],
                               stderr=subprocess.PIPE)
        if probe.returncode != 0:
            skipped("https_bundle_beside_binary", "cannot create a mount namespace here: " +
                    probe.stderr.decode()[:100])
            return
        f.groups.clear()
        rc, err = run(f, {}, binary=exe, wrap=["unshare", "-m", "sh", "-c", script, "sh"])
        check("https_bundle_beside_binary", rc == 0 and len(f.messages("g", "s")) == 5, err[-300:])
        # run from an in-memory copy, as the engine starts it (non-dumpable from its exec):
        # /proc/self/exe is the copy, the bundle is found beside the file argv[0] names
        f.groups.clear()
        memfd = [sys.executable, "-c",
                 "import os, sys; fd = os.memfd_create('tartan-exec'); "
                 "w = os.fdopen(os.dup(fd), 'wb'); w.write(open(sys.argv[1], 'rb').read()); "
                 "w.close(); os.execve(fd, sys.argv[1:], os.environ)"]
        rc, err = run(f, {}, binary=exe, wrap=["unshare", "-m", "sh", "-c", script, "sh"] + memfd)
        check("https_bundle_beside_binary_from_memory_copy",
              rc == 0 and len(f.messages("g", "s")) == 5, err[-300:])


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
