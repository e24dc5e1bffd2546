#!/usr/bin/env python3
"""logshipper end to end against moto_server on 127.0.0.1 with signature enforcement: 100,000
alert lines arrive exactly once and in order with long-term keys, with temporary credentials
(session token from moto's STS) and with web identity through moto's STS; a wrong secret is
rejected by moto (proving enforcement) and the shipper reports the loss."""
# timeout: 600
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from ttest import check, failed, log, skipped  # noqa: E402
import ls_moto  # noqa: E402

N = 100000


def expect_all(name, m, group, stream, n, rc, err, prefix):
    got = m.read_stream(group, stream)
    want = [json.loads(l)["output"] for l in ls_moto.alert_lines(n, prefix).decode().splitlines()]
    outs = []
    for g in got:
        try:
            outs.append(json.loads(g)["output"])
        except ValueError:
            outs.append(g)
    s = ls_moto.summary(err)
    ok = outs == want
    why = "exit %d, summary %s, got %d events (first mismatch at %s)" % (
        rc, s, len(outs), next((i for i, (a, b) in enumerate(zip(outs, want)) if a != b), "-"))
    check(name, ok and rc == 0 and s.get("delivered") == n and s.get("read") == n, why)


def main():
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError as e:
        skipped("logshipper_moto", f"moto/boto3 not installed ({e})")
        return
    home = tempfile.mkdtemp(prefix="ls-moto-")
    with ls_moto.Moto() as m:
        base = ["--region", "us-east-1", "--endpoint", m.url, "--flush-interval", "200"]

        # Enforcement: a wrong secret is refused by moto, and the shipper says it lost events.
        try:
            m.client("logs", secret="wrong" + m.secret[5:]).describe_log_groups()
            failed("moto_rejects_wrong_secret", "moto accepted a wrong secret")
        except Exception as e:  # botocore ClientError
            check("moto_rejects_wrong_secret", "Signature" in str(e) or "403" in str(e), str(e))
        env = ls_moto.shipper_env(home, {"AWS_ACCESS_KEY_ID": m.akid,
                                         "AWS_SECRET_ACCESS_KEY": "wrong" + m.secret[5:]})
        rc, err = ls_moto.run_shipper(base + ["-g", "g-bad", "-s", "s", "--deadline", "2"], env,
                                      ls_moto.alert_lines(10, "bad"))
        s = ls_moto.summary(err)
        check("shipper_wrong_secret_not_delivered",
              rc != 0 and s.get("delivered") == 0 and s.get("undelivered") == 10,
              f"rc {rc} summary {s}")
        check("shipper_never_prints_secret", m.secret not in err and m.secret[5:] not in err,
              "secret found in stderr")

        # Long-term keys from the environment; group created on demand.
        env = ls_moto.shipper_env(home, {"AWS_ACCESS_KEY_ID": m.akid,
                                         "AWS_SECRET_ACCESS_KEY": m.secret})
        rc, err = ls_moto.run_shipper(base + ["-g", "tartan/alerts", "-s", "static"], env,
                                      ls_moto.alert_lines(N, "static"))
        expect_all("static_keys_100k_exactly_once_in_order", m, "tartan/alerts", "static", N,
                   rc, err, "static")
        check("static_keys_secret_not_printed", m.secret not in err, "secret in stderr")

        # Temporary credentials: a session token from moto's STS (AssumeRole; moto's
        # GetSessionToken returns a fixed key its own authoriser does not know).
        iam = m.client("iam")
        user_arn = iam.get_user(UserName="shipper")["User"]["Arn"]
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow",
             "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/x"},
             "Action": "sts:AssumeRoleWithWebIdentity"}]})
        role = iam.create_role(RoleName="shipper-role", AssumeRolePolicyDocument=trust)["Role"]
        iam.attach_role_policy(RoleName="shipper-role", PolicyArn=m.policy_arn)
        tc = m.client("sts").assume_role(RoleArn=role["Arn"],
                                         RoleSessionName="tartan-test")["Credentials"]
        env = ls_moto.shipper_env(home, {"AWS_ACCESS_KEY_ID": tc["AccessKeyId"],
                                         "AWS_SECRET_ACCESS_KEY": tc["SecretAccessKey"],
                                         "AWS_SESSION_TOKEN": "x" + tc["SessionToken"][1:]})
        rc, err = ls_moto.run_shipper(base + ["-g", "tartan/alerts", "-s", "badtoken",
                                              "--deadline", "2"], env,
                                      ls_moto.alert_lines(10, "badtoken"))
        check("wrong_session_token_rejected", rc != 0 and ls_moto.summary(err).get("delivered") == 0,
              f"rc {rc} summary {ls_moto.summary(err)}")
        env["AWS_SESSION_TOKEN"] = tc["SessionToken"]
        rc, err = ls_moto.run_shipper(base + ["-g", "tartan/alerts", "-s", "session"], env,
                                      ls_moto.alert_lines(N, "session"))
        expect_all("session_token_100k_exactly_once_in_order", m, "tartan/alerts", "session", N,
                   rc, err, "session")
        check("session_token_not_printed", tc["SessionToken"] not in err, "token in stderr")

        # Web identity: AssumeRoleWithWebIdentity through moto's STS.
        # A profile with role_arn + source_profile: AssumeRole signed with the base profile's
        # keys (moto checks that signature and the role's trust policy).
        cfg = os.path.join(home, "config-assume")
        with open(cfg, "w") as f:
            f.write("[profile base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                    "[profile shipper]\nrole_arn = %s\nsource_profile = base\n"
                    "role_session_name = tartan-profile\n" % (m.akid, m.secret, role["Arn"]))
        env = ls_moto.shipper_env(home, {"AWS_CONFIG_FILE": cfg, "AWS_PROFILE": "shipper",
                                         "AWS_ENDPOINT_URL_STS": m.url})
        rc, err = ls_moto.run_shipper(base + ["-g", "tartan/alerts", "-s", "assumed"], env,
                                      ls_moto.alert_lines(2000, "assumed"))
        expect_all("profile_assume_role_source_profile", m, "tartan/alerts", "assumed", 2000,
                   rc, err, "assumed")

        # moto signs-checks every STS call, but AssumeRoleWithWebIdentity is unsigned by
        # design: allow exactly one unauthenticated request (the shipper's first, to STS).
        m.allow_unauthenticated(1)
        tokfile = os.path.join(home, "web-identity-token")
        with open(tokfile, "w") as f:
            f.write("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln\n")
        env = ls_moto.shipper_env(home, {"AWS_WEB_IDENTITY_TOKEN_FILE": tokfile,
                                         "AWS_ROLE_ARN": role["Arn"],
                                         "AWS_ROLE_SESSION_NAME": "tartan-test",
                                         "AWS_ENDPOINT_URL_STS": m.url})
        rc, err = ls_moto.run_shipper(base + ["-g", "tartan/alerts", "-s", "webid"], env,
                                      ls_moto.alert_lines(N, "webid"))
        expect_all("web_identity_100k_exactly_once_in_order", m, "tartan/alerts", "webid", N,
                   rc, err, "webid")

        # Retention and the region from AWS_REGION with AWS_ENDPOINT_URL_CLOUDWATCH_LOGS.
        env = ls_moto.shipper_env(home, {"AWS_ACCESS_KEY_ID": m.akid,
                                         "AWS_SECRET_ACCESS_KEY": m.secret,
                                         "AWS_REGION": "us-east-1",
                                         "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": m.url,
                                         "__CW_LOG_GROUP": "tartan/retained"})
        rc, err = ls_moto.run_shipper(["--retention-days", "7", "-s", "r"], env,
                                      ls_moto.alert_lines(5, "ret"))
        groups = m.client("logs").describe_log_groups(logGroupNamePrefix="tartan/retained")
        ret = [g.get("retentionInDays") for g in groups["logGroups"]]
        check("retention_and_env_group_endpoint", rc == 0 and ret == [7], f"rc {rc} retention {ret}")
        # LOGSHIPPER_RETENTION_DAYS (what a task definition sets) on a group logshipper creates
        rc, err = ls_moto.run_shipper(["-s", "r"], dict(env, __CW_LOG_GROUP="tartan/retained-env",
                                                        LOGSHIPPER_RETENTION_DAYS="14"),
                                      ls_moto.alert_lines(2, "ret"))
        groups = m.client("logs").describe_log_groups(logGroupNamePrefix="tartan/retained-env")
        ret = [g.get("retentionInDays") for g in groups["logGroups"]]
        check("retention_from_environment", rc == 0 and ret == [14], f"rc {rc} retention {ret}")
        # a group created beforehand keeps the retention its owner set
        m.client("logs").create_log_group(logGroupName="tartan/owned")
        m.client("logs").put_retention_policy(logGroupName="tartan/owned", retentionInDays=365)
        rc, err = ls_moto.run_shipper(["--retention-days", "7", "-s", "r"],
                                      dict(env, __CW_LOG_GROUP="tartan/owned"),
                                      ls_moto.alert_lines(2, "ret"))
        groups = m.client("logs").describe_log_groups(logGroupNamePrefix="tartan/owned")
        ret = [g.get("retentionInDays") for g in groups["logGroups"]]
        check("retention_of_existing_group_kept", rc == 0 and ret == [365], f"rc {rc} retention {ret}")
        # a retention CloudWatch does not accept is a usage error naming the accepted values
        rc, err = ls_moto.run_shipper(["--retention-days", "10", "-s", "r"], env, b"")
        check("retention_invalid_value", rc == 125 and "3653" in err, f"rc {rc}: {err[-300:]}")
        rc, err = ls_moto.run_shipper(["-s", "r"], dict(env, LOGSHIPPER_RETENTION_DAYS="forever"), b"")
        check("retention_invalid_env", rc == 125 and "LOGSHIPPER_RETENTION_DAYS" in err, f"rc {rc}: {err[-300:]}")
    import shutil
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
