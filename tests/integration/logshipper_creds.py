#!/usr/bin/env python3
"""logshipper's credential chain against loopback stand-ins: environment, shared credentials and
config files (AWS_PROFILE), credential_process, container credentials (relative and full URI,
token and token file), IMDSv2, web identity through STS; refresh before expiry and on an
expired-token error; region from ECS task metadata and the stream name derived from it.
Every request's SigV4 signature is checked by the stand-in with botocore's signer, and no
secret may appear in the shipper's output."""
# timeout: 300
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import check  # noqa: E402
import ls_fakecwl  # noqa: E402
import ls_moto  # noqa: E402
from ls_moto import alert_lines, summary  # noqa: E402

HOME = tempfile.mkdtemp(prefix="ls-creds-")
ARGS = ["--flush-interval", "100", "--retry-base-ms", "20", "--retry-cap-ms", "200",
        "--timeout", "2000", "-g", "g", "-s", "s"]


def run(f, extra_env, n=20, args=(), deadline="5"):
    env = ls_moto.shipper_env(HOME, extra_env)
    env.setdefault("AWS_REGION", "us-east-1")
    rc, err = ls_moto.run_shipper(ARGS + ["--endpoint", f.url, "--deadline", deadline]
                                  + list(args), env, alert_lines(n, "c"))
    return rc, err


def secrets_of(f):
    with f.lock:
        return [v[0] for v in f.keys.values()] + [v[1] for v in f.keys.values() if v[1]]


def delivered(name, f, rc, err, n=20, akids=None):
    s = summary(err)
    used = {r[2] for r in f.ops("PutLogEvents")}
    ok = rc == 0 and s.get("delivered") == n and len(f.messages("g", "s")) == n and \
        f.bad_signatures == 0
    if akids is not None:
        ok = ok and used <= set(akids) and used
    leaked = [x for x in secrets_of(f) if x and x in err]
    check(name, ok and not leaked,
          f"rc {rc} summary {s} bad sigs {f.bad_signatures} keys {used} leaked {len(leaked)}")


def write(path, text, mode=0o600):
    with open(path, "w") as fh:
        fh.write(text)
    os.chmod(path, mode)
    return path


def main():
    # Environment variables win over a profile.
    with ls_fakecwl.FakeCWL() as f:
        f.keys["AKIDENV"] = ("env-secret-123", None)
        f.keys["AKIDPROFILE"] = ("profile-secret-123", None)
        creds = write(os.path.join(HOME, "credentials"),
                      "[default]\naws_access_key_id = AKIDPROFILE\n"
                      "aws_secret_access_key = profile-secret-123\n")
        rc, err = run(f, {"AWS_ACCESS_KEY_ID": "AKIDENV",
                          "AWS_SECRET_ACCESS_KEY": "env-secret-123",
                          "AWS_SHARED_CREDENTIALS_FILE": creds})
        delivered("env_provider_first", f, rc, err, akids=["AKIDENV"])

    # Shared credentials file with AWS_PROFILE.
    with ls_fakecwl.FakeCWL() as f:
        f.keys["AKIDP1"] = ("p1-secret", "p1-token")
        creds = write(os.path.join(HOME, "credentials"),
                      "[default]\naws_access_key_id = WRONG\naws_secret_access_key = wrong\n"
                      "[p1]\naws_access_key_id=AKIDP1\naws_secret_access_key= p1-secret \n"
                      "aws_session_token = p1-token\n")
        rc, err = run(f, {"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_PROFILE": "p1"})
        delivered("profile_credentials_file", f, rc, err, akids=["AKIDP1"])

    # Config file "[profile name]" section, region from the profile.
    with ls_fakecwl.FakeCWL() as f:
        f.keys["AKIDCFG"] = ("cfg-secret", None)
        cfg = write(os.path.join(HOME, "config"),
                    "[profile p2]\nregion = eu-west-2\naws_access_key_id = AKIDCFG\n"
                    "aws_secret_access_key = cfg-secret\n")
        env = {"AWS_CONFIG_FILE": cfg, "AWS_PROFILE": "p2"}
        rc, err = ls_moto.run_shipper(ARGS + ["--endpoint", f.url], ls_moto.shipper_env(HOME, env),
                                      alert_lines(20, "c"))
        delivered("profile_config_file", f, rc, err, akids=["AKIDCFG"])
        check("region_from_profile", "region eu-west-2" in err, err[-300:])

    # credential_process.
    with ls_fakecwl.FakeCWL() as f:
        c = f.new_creds()
        script = write(os.path.join(HOME, "cred-proc.sh"),
                       "#!/bin/sh\necho 'diagnostic on stderr' >&2\n"
                       "cat <<EOF\n{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                       "\"SecretAccessKey\": \"%s\", \"SessionToken\": \"%s\", "
                       "\"Expiration\": \"%s\"}\nEOF\n"
                       % (c["AccessKeyId"], c["SecretAccessKey"], c["Token"], c["Expiration"]),
                       0o700)
        cfg = write(os.path.join(HOME, "config"),
                    "[default]\ncredential_process = %s --flag\n" % script)
        rc, err = run(f, {"AWS_CONFIG_FILE": cfg})
        delivered("credential_process", f, rc, err, akids=[c["AccessKeyId"]])
        write(script, "#!/bin/sh\nexit 3\n", 0o700)
        rc, err = run(f, {"AWS_CONFIG_FILE": cfg}, deadline="1")
        check("credential_process_failure_reported",
              rc != 0 and "credential_process exited with status 3" in err, err[-300:])

    # Container credentials: relative URI (ECS), full URI with token, token file wins.
    with ls_fakecwl.FakeCWL() as f:
        rc, err = run(f, {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/creds/task-role",
                          "LOGSHIPPER_CONTAINER_CREDENTIALS_HOST": f"127.0.0.1:{f.port}"})
        delivered("container_relative_uri", f, rc, err, akids=f.creds_served)
    with ls_fakecwl.FakeCWL() as f:  # a dead proxy in the environment is not used for them
        rc, err = run(f, {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/creds/task-role",
                          "LOGSHIPPER_CONTAINER_CREDENTIALS_HOST": f"127.0.0.1:{f.port}",
                          "HTTP_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"})
        delivered("credential_services_bypass_proxy", f, rc, err, akids=f.creds_served)
    with ls_fakecwl.FakeCWL() as f:
        f.container_token = "pod-identity-token"
        rc, err = run(f, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f.url + "/creds/pod",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN": "pod-identity-token"})
        delivered("container_full_uri_token", f, rc, err, akids=f.creds_served)
        tokfile = write(os.path.join(HOME, "pod-token"), "pod-identity-token\n")
        f.groups.clear()
        rc, err = run(f, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f.url + "/creds/pod",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN": "stale-token",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokfile})
        delivered("container_token_file_wins", f, rc, err, akids=f.creds_served)
        rc, err = run(f, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f.url + "/creds/pod",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong-token"}, deadline="1")
        check("container_wrong_token_fails", rc != 0 and "HTTP 401" in err, err[-300:])
        check("container_token_not_printed", "pod-identity-token" not in err, "token printed")

    # IMDSv2 through the endpoint override; disabled by AWS_EC2_METADATA_DISABLED.
    with ls_fakecwl.FakeCWL() as f:
        env = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": f.url}
        rc, err = run(f, dict(env, AWS_EC2_METADATA_DISABLED="false"))
        delivered("imdsv2", f, rc, err, akids=f.creds_served)
        reqs = [(m, p) for m, p, _ in f.cred_requests]
        check("imdsv2_token_first", reqs[:2] == [("PUT", "/latest/api/token"),
                                                 ("GET", "/latest/meta-data/iam/security-credentials/")],
              f"requests {reqs[:3]}")
        n = len(f.cred_requests)
        rc, err = run(f, dict(env, AWS_EC2_METADATA_DISABLED="true"), deadline="1")
        check("imds_disabled", rc != 0 and len(f.cred_requests) == n and
              "no credentials found" in err, f"rc {rc} requests {len(f.cred_requests) - n}")

    # Container variables set: IMDS is never consulted, even when it is reachable.
    with ls_fakecwl.FakeCWL() as f:
        rc, err = run(f, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f.url + "/creds/pod",
                          "AWS_EC2_METADATA_SERVICE_ENDPOINT": f.url,
                          "AWS_EC2_METADATA_DISABLED": "false"})
        paths = [p for _, p, _ in f.cred_requests]
        check("imds_skipped_with_container_credentials",
              rc == 0 and paths and all(p.startswith("/creds") for p in paths), f"{paths}")

    # Web identity through STS; the token file is re-read on every refresh.
    with ls_fakecwl.FakeCWL() as f:
        tok = write(os.path.join(HOME, "web-token"), "jwt-token-one\n")
        rc, err = run(f, {"AWS_WEB_IDENTITY_TOKEN_FILE": tok,
                          "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/shipper",
                          "AWS_ROLE_SESSION_NAME": "tartan", "AWS_ENDPOINT_URL_STS": f.url})
        delivered("web_identity", f, rc, err, akids=f.creds_served)
        check("web_identity_request", f.web_identity_tokens[:1] ==
              [("jwt-token-one", "arn:aws:iam::123456789012:role/shipper", "tartan")],
              f"{f.web_identity_tokens}")

    # Refresh before expiry: credentials live 4 s, refreshed 2 s early, while lines keep coming.
    with ls_fakecwl.FakeCWL() as f:
        f.creds_ttl = 4
        tok = write(os.path.join(HOME, "web-token"), "jwt-token-one\n")
        env = ls_moto.shipper_env(HOME, {"AWS_WEB_IDENTITY_TOKEN_FILE": tok,
                                         "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/shipper",
                                         "AWS_ENDPOINT_URL_STS": f.url, "AWS_REGION": "us-east-1",
                                         "LOGSHIPPER_CREDENTIAL_REFRESH_WINDOW": "2"})
        p = ls_moto.start_shipper(ARGS + ["--endpoint", f.url], env)
        for i in range(14):
            if i == 7:
                write(tok, "jwt-token-two\n")
            p.stdin.write(alert_lines(1, "c", i))
            p.stdin.flush()
            time.sleep(0.5)
        _, err = p.communicate(timeout=30)
        err = err.decode()
        used = []
        for r in f.ops("PutLogEvents"):
            if r[2] not in used:
                used.append(r[2])
        s = summary(err)
        toks = [t[0] for t in f.web_identity_tokens]
        check("refresh_before_expiry", p.returncode == 0 and s.get("delivered") == 14 and
              len(used) >= 2 and not any(r[3] == "expired" for r in f.ops()) and
              f.bad_signatures == 0, f"rc {p.returncode} summary {s} keys used {len(used)}")
        check("web_identity_token_file_reread", "jwt-token-two" in toks, f"tokens {toks}")

    # Expired-token error: refresh once, retry, nothing lost or duplicated.
    with ls_fakecwl.FakeCWL() as f:
        env = ls_moto.shipper_env(HOME, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f.url + "/creds/x",
                                         "AWS_REGION": "us-east-1"})
        p = ls_moto.start_shipper(ARGS + ["--endpoint", f.url], env)
        p.stdin.write(alert_lines(5, "c"))
        p.stdin.flush()
        end = time.time() + 5
        while time.time() < end and len(f.messages("g", "s")) < 5:
            time.sleep(0.05)
        f.expired_keys.update(f.creds_served)  # the service now says the token expired
        p.stdin.write(alert_lines(5, "c", 5))
        _, err = p.communicate(timeout=30)
        err = err.decode()
        got = [m for m in f.messages("g", "s")]
        check("expired_token_error_refreshes", p.returncode == 0 and len(got) == 10 and
              len(set(got)) == 10 and len(f.creds_served) >= 2 and
              "ExpiredTokenException: refreshing credentials" in err,
              f"rc {p.returncode} got {len(got)} creds {len(f.creds_served)}")

    # ECS task metadata: region from the task ARN, stream "<container>/<task id>".
    with ls_fakecwl.FakeCWL() as f:
        f.keys["AKIDECS"] = ("ecs-secret", None)
        env = ls_moto.shipper_env(HOME, {"AWS_ACCESS_KEY_ID": "AKIDECS",
                                         "AWS_SECRET_ACCESS_KEY": "ecs-secret",
                                         "ECS_CONTAINER_METADATA_URI_V4": f.url + "/v4/meta"})
        rc, err = ls_moto.run_shipper(["--endpoint", f.url, "-g", "g", "--flush-interval", "100"],
                                      env, alert_lines(3, "ecs"))
        check("ecs_metadata_stream_and_region",
              rc == 0 and len(f.messages("g", "workload/feedc0de1234")) == 3 and
              "region ap-southeast-2" in err and f.bad_signatures == 0, err[-400:])

    # Stream name without ECS: host name and start time, stable and readable.
    with ls_fakecwl.FakeCWL() as f:
        f.keys["AKIDH"] = ("h-secret", None)
        env = ls_moto.shipper_env(HOME, {"AWS_ACCESS_KEY_ID": "AKIDH",
                                         "AWS_SECRET_ACCESS_KEY": "h-secret",
                                         "AWS_REGION": "us-east-1"})
        rc, err = ls_moto.run_shipper(["--endpoint", f.url, "-g", "g"], env, alert_lines(2, "h"))
        import socket
        streams = list(f.groups.get("g", {}))
        check("default_stream_host_and_time", rc == 0 and len(streams) == 1 and
              streams[0].startswith(socket.gethostname() + "/") and ":" not in streams[0],
              f"streams {streams}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
