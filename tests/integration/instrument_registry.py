#!/usr/bin/env python3
"""instrument reads ENTRYPOINT/CMD from a real registry: Debian's docker-registry on 127.0.0.1
with token authentication (a Bearer challenge answered through the test's token service), holding
images pushed by this test (a multi-platform OCI index, a single manifest). Anonymous pulls of a
public repository, credentials from a docker config.json for a private one, the platform from
runtimePlatform, digests pinned; ECR's flow: ecr:GetAuthorizationToken signed with SigV4 against
moto, its AWS:<token> credentials accepted by the token service.

Attacks, each with its negative control: a registry serving a config blob that does not match its
digest; a redirect to another host must not carry the registry's credentials (the registry itself
did get them); --offline sends nothing; a wrong AWS secret is refused by moto."""
# timeout: 300
import base64
import hashlib
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import check, failed, log, skipped  # noqa: E402
import instrument_check as ic  # noqa: E402

USERS = {"tester": "s3cret", "AWS": "123456789012-auth-token"}
ECR_HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
AMD = {"Entrypoint": ["/amd64/entry"], "Cmd": ["serve"]}
ARM = {"Entrypoint": ["/arm64/entry"], "Cmd": ["serve", "--arm"]}


def taskdef(image, arch=None, command=None):
    c = {"name": "app", "image": image}
    if command:
        c["command"] = command
    td = {"family": "reg", "taskRoleArn": "arn:aws:iam::123456789012:role/r", "containerDefinitions": [c]}
    if arch:
        td["runtimePlatform"] = {"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"}
    return json.dumps(td).encode()


def argv_of(out):
    c = json.loads(out)["containerDefinitions"][0]
    return ic.original_argv(c.get("entryPoint"), c.get("command")), c["image"]


def run(args, td, env=None):
    return ic.run(["--binaries-image", "tartan-binaries:1"] + args + ["-"], stdin=td, env=env)


def isolated_env(tmp):
    """No credentials from the machine running the test: HOME and DOCKER_CONFIG point at tmp."""
    home = os.path.join(tmp, "home")
    os.makedirs(home, exist_ok=True)
    return {"HOME": home, "DOCKER_CONFIG": os.path.join(home, ".docker"), "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"}


def registry_cases(reg, tmp, env):
    host = reg.host
    idx = reg.push("sample", "1", {"linux/amd64": AMD, "linux/arm64": ARM}, "tester", "s3cret")
    reg.push("public/tool", "2", {"linux/amd64": {"Cmd": ["/tool", "--serve"]}}, "tester", "s3cret", index=False)

    n0 = len(reg.tokens.requests)
    rc, out, err = run([], taskdef(f"{host}/public/tool:2"), env)
    ok = rc == 0 and argv_of(out)[0] == ["/tool", "--serve"]
    anon = [r for r in reg.tokens.requests[n0:] if r[0] is None and r[2]]
    check("registry-public-anonymous", ok and anon, f"exit {rc}: {err[:300]} token requests {reg.tokens.requests[n0:]}")

    rc, out, err = run([], taskdef(f"{host}/sample:1"), env)
    check("registry-private-needs-credentials", rc == 1 and "anonymous" in err and "--registry-auth" in err
          and "container app" in err and out == "", f"exit {rc}: {err[:300]}")

    cfg = os.path.join(tmp, "auth.json")
    with open(cfg, "w") as f:
        json.dump({"auths": {host: {"auth": base64.b64encode(b"tester:s3cret").decode()}}}, f)
    rc, out, err = run(["--registry-auth", cfg], taskdef(f"{host}/sample:1"), env)
    check("registry-index-amd64", rc == 0 and argv_of(out)[0] == ["/amd64/entry", "serve"], f"exit {rc}: {err[:300]}")
    rc, out, err = run(["--registry-auth", cfg], taskdef(f"{host}/sample:1", arch="ARM64"), env)
    check("registry-index-arm64", rc == 0 and argv_of(out)[0] == ["/arm64/entry", "serve", "--arm"], f"exit {rc}: {err[:300]}")
    rc, out, err = run(["--registry-auth", cfg], taskdef(f"{host}/sample:1", command=["work"]), env)
    check("registry-command-keeps-entrypoint", rc == 0 and argv_of(out)[0] == ["/amd64/entry", "work"], f"exit {rc}: {err[:300]}")
    rc, out, err = run(["--registry-auth", cfg, "--platform", "linux/s390x"], taskdef(f"{host}/sample:1"), env)
    check("registry-platform-missing", rc == 1 and "linux/amd64" in err and "linux/arm64" in err, f"exit {rc}: {err[:300]}")

    # credentials in DOCKER_CONFIG (the default place), written by "docker login"
    dc = env["DOCKER_CONFIG"]
    os.makedirs(dc, exist_ok=True)
    with open(os.path.join(dc, "config.json"), "w") as f:
        json.dump({"auths": {host: {"username": "tester", "password": "s3cret"}}}, f)
    rc, out, err = run([], taskdef(f"{host}/sample:1"), env)
    check("registry-docker-config-default", rc == 0, f"exit {rc}: {err[:300]}")
    with open(os.path.join(dc, "config.json"), "w") as f:
        json.dump({"credsStore": "desktop"}, f)
    rc, out, err = run([], taskdef(f"{host}/sample:1"), env)
    check("registry-creds-store-warned", rc == 1 and "credential helper" in err, f"exit {rc}: {err[:300]}")
    os.unlink(os.path.join(dc, "config.json"))

    pin = ["--registry-auth", cfg, "--pin-digests", "--binaries-image", f"{host}/public/tool:2"]
    rc, out, err = run(pin, taskdef(f"{host}/sample:1"), env)
    if check("registry-pin-digest", rc == 0 and argv_of(out)[1] == f"{host}/sample@{idx}" and
             json.loads(out)["containerDefinitions"][1]["image"].startswith(f"{host}/public/tool@sha256:"),
             f"exit {rc}: {err[:300]} {out[:300]}"):
        rc2, out2, err2 = run(pin, out.encode(), env)
        check("registry-pin-idempotent", rc2 == 0 and out2 == out, f"exit {rc2}: {err2[:300]}")
    n0 = len(reg.tokens.requests)
    rc, out, err = run(["--registry-auth", cfg, "--offline"], taskdef(f"{host}/sample:1"), env)
    check("registry-offline-asks-nothing", rc == 1 and "--offline" in err and len(reg.tokens.requests) == n0,
          f"exit {rc}, {len(reg.tokens.requests) - n0} token requests: {err[:200]}")
    return idx


def ecr_cases(reg, tmp, env):
    import ls_moto
    try:
        m = ls_moto.Moto(region="eu-west-1")
    except Exception as e:  # noqa: BLE001
        skipped("registry-ecr", f"moto_server unavailable: {e}")
        return
    try:
        reg.push("sample", "1", {"linux/amd64": AMD, "linux/arm64": ARM}, "tester", "s3cret")
        e = dict(env, AWS_ENDPOINT_URL_ECR=m.url, AWS_ACCESS_KEY_ID=m.akid, AWS_SECRET_ACCESS_KEY=m.secret)
        url = ["--registry-url", f"{ECR_HOST}=http://{reg.host}"]
        n0 = len(reg.tokens.requests)
        rc, out, err = run(url, taskdef(f"{ECR_HOST}/sample:1"), e)
        aws = [r for r in reg.tokens.requests[n0:] if r[0] == "AWS" and r[2]]
        check("registry-ecr-token-flow", rc == 0 and argv_of(out)[0] == ["/amd64/entry", "serve"] and aws,
              f"exit {rc}: {err[:300]}; token requests {reg.tokens.requests[n0:]}")
        rc, out, err = run(url, taskdef(f"{ECR_HOST}/sample:1"), dict(e, AWS_SECRET_ACCESS_KEY="wrong" + m.secret))
        check("registry-ecr-wrong-secret-refused", rc == 1 and "GetAuthorizationToken" in err and "HTTP 403" in err,
              f"exit {rc}: {err[:300]}")
    finally:
        m.stop()


def attack_cases(tmp, env):
    from registry_fixture import FakeRegistry
    good_cfg = json.dumps({"config": {"Cmd": ["/good"]}}).encode()
    evil_cfg = json.dumps({"config": {"Cmd": ["/evil"]}}).encode()
    cd = "sha256:" + hashlib.sha256(good_cfg).hexdigest()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(good_cfg)},
                           "layers": []}).encode()
    mt = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
    for label, blob, want_rc in (("control", good_cfg, 0), ("tampered-config", evil_cfg, 1)):
        fake = FakeRegistry({"/v2/x/manifests/1": (200, mt, manifest), f"/v2/x/blobs/{cd}": (200, {}, blob)})
        try:
            rc, out, err = run([], taskdef(f"127.0.0.1:{fake.port}/x:1"), env)
            if label == "control":
                check("registry-attack-control", rc == 0 and argv_of(out)[0] == ["/good"], f"exit {rc}: {err[:300]}")
            else:
                check("registry-attack-tampered-config-refused", rc == 1 and "does not match its digest" in err,
                      f"exit {rc}: {err[:300]}")
        finally:
            fake.stop()
    # a blob redirected to another host: the registry's credentials stay with the registry
    other = FakeRegistry({f"/blob/{cd}": (200, {}, good_cfg)})
    challenge = (401, {"WWW-Authenticate": 'Basic realm="fake"'}, b"")
    fake = FakeRegistry({"/v2/x/manifests/1": [challenge, (200, mt, manifest)],
                         f"/v2/x/blobs/{cd}": (307, {"Location": f"http://localhost:{other.port}/blob/{cd}"}, b"")})
    cfg = os.path.join(tmp, "fake-auth.json")
    with open(cfg, "w") as f:
        json.dump({"auths": {f"127.0.0.1:{fake.port}": {"auth": base64.b64encode(b"u:p").decode()}}}, f)
    try:
        rc, out, err = run(["--registry-auth", cfg], taskdef(f"127.0.0.1:{fake.port}/x:1"), env)
        reg_auth = [h.get("Authorization") for p, h in fake.seen if h.get("Authorization")]
        other_auth = [h.get("Authorization") for p, h in other.seen if h.get("Authorization")]
        check("registry-redirect-followed", rc == 0 and argv_of(out)[0] == ["/good"] and other.seen,
              f"exit {rc}: {err[:300]}")
        check("registry-redirect-credentials-control", bool(reg_auth), f"the registry saw no credentials: {fake.seen}")
        check("registry-redirect-no-credentials-elsewhere", not other_auth, f"the other host got {other_auth}")
    finally:
        fake.stop()
        other.stop()


def main():
    try:
        import registry_fixture
    except ImportError as e:
        skipped("instrument_registry", f"{e}")
        return
    import shutil
    if not shutil.which("docker-registry"):
        skipped("instrument_registry", "docker-registry is not installed (tests/install-deps.sh installs it)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = isolated_env(tmp)
        try:
            reg = registry_fixture.Registry(tmp, USERS)
        except Exception as e:  # noqa: BLE001
            failed("registry-start", str(e)[:300])
            return
        try:
            registry_cases(reg, tmp, env)
            ecr_cases(reg, tmp, env)
        finally:
            reg.stop()
        attack_cases(tmp, env)


if __name__ == "__main__":
    main()
