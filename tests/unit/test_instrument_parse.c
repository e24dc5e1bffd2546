/* instrument's small parsers and builders: image references, WWW-Authenticate challenges,
 * manifest lists, docker config.json credentials, ECR hosts, command lines built and read back,
 * and the YAML round trip of a CloudFormation template's tags and styles. */
#include "tt_test.h"

#include <stdlib.h>
#include <string.h>

#include "in_argv.h"
#include "in_doc.h"
#include "in_dockercfg.h"
#include "in_ecr.h"
#include "in_imageref.h"
#include "in_regparse.h"

#define D64 "6db391d1c0cfb30588ba0bf72ea999404f2764febf0f1f196acd5867ac7efa7e"

TT_TEST(imageref_docker_hub)
{
    struct in_imageref r;
    char err[256];
    TT_CHECK_INT(in_imageref_parse("nginx", &r, err, sizeof err), 0);
    TT_CHECK_STR(r.host, "registry-1.docker.io");
    TT_CHECK_STR(r.repo, "library/nginx");
    TT_CHECK_STR(in_imageref_ref(&r), "latest");
    TT_CHECK_INT(in_imageref_parse("docker.io/grafana/agent:v0.40", &r, err, sizeof err), 0);
    TT_CHECK_STR(r.repo, "grafana/agent");
    TT_CHECK_STR(r.tag, "v0.40");
}

TT_TEST(imageref_registry_port_digest)
{
    struct in_imageref r;
    char err[256];
    TT_CHECK_INT(in_imageref_parse("127.0.0.1:5000/team/app:1.2@sha256:" D64, &r, err, sizeof err),
                 0);
    TT_CHECK_STR(r.host, "127.0.0.1:5000");
    TT_CHECK_STR(r.repo, "team/app");
    TT_CHECK_STR(in_imageref_ref(&r), "sha256:" D64); /* the digest wins over the tag */
    TT_CHECK_INT(in_imageref_parse("localhost/app", &r, err, sizeof err), 0);
    TT_CHECK_STR(r.host, "localhost");
}

TT_TEST(imageref_refuses_what_escapes_the_path)
{
    struct in_imageref r;
    char err[256];
    const char *bad[] = {"app/../../v2/x", "App",  "app:",   "app:a/b",      "app@sha256:12", "a b",
                         "app?x=1",        "/app", "app//x", "host:1/app%2f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        TT_CHECKF(in_imageref_parse(bad[i], &r, err, sizeof err) != 0, "accepted %s", bad[i]);
}

TT_TEST(imageref_pin)
{
    char out[256];
    TT_CHECK_INT(in_imageref_pin("127.0.0.1:5000/app:1", "sha256:" D64, out, sizeof out), 0);
    TT_CHECK_STR(out, "127.0.0.1:5000/app@sha256:" D64);
    TT_CHECK_INT(in_imageref_pin("app@sha256:" D64, "sha256:" D64, out, sizeof out), 0);
    TT_CHECK_STR(out, "app@sha256:" D64);
}

TT_TEST(challenge_bearer_and_basic)
{
    struct in_challenge c;
    TT_CHECK_INT(in_reg_parse_challenge("Bearer realm=\"https://auth.docker.io/token\","
                                        "service=\"registry.docker.io\",scope=\"repository:"
                                        "library/nginx:pull\"",
                                        &c),
                 0);
    TT_CHECK_STR(c.realm, "https://auth.docker.io/token");
    TT_CHECK_STR(c.service, "registry.docker.io");
    TT_CHECK_STR(c.scope, "repository:library/nginx:pull");
    TT_CHECK_INT(in_reg_parse_challenge("Basic realm=\"https://1.dkr.ecr\",service=ecr", &c), 0);
    TT_CHECK_STR(c.scheme, "Basic");
    TT_CHECK_STR(c.service, "ecr");
    /* a realm that is not an http(s) URL, a header line break, an unknown scheme */
    TT_CHECK(in_reg_parse_challenge("Bearer realm=\"file:///etc/passwd\"", &c) < 0);
    TT_CHECK(in_reg_parse_challenge("Bearer realm=\"https://a\\\r\nX: y\"", &c) < 0);
    TT_CHECK(in_reg_parse_challenge("Negotiate abc", &c) < 0);
}

TT_TEST(index_platform_choice)
{
    const char *idx =
        "{\"manifests\":[{\"digest\":\"sha256:" D64 "\",\"platform\":{\"architecture\":\"amd64\","
        "\"os\":\"linux\"}},{\"digest\":\"sha256:1111111111111111111111111111111111111111111111111"
        "111111111111111\",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":"
        "\"v8\"}},{\"digest\":\"../../"
        "x\",\"platform\":{\"architecture\":\"s390x\",\"os\":\"linux\"}}]}";
    char d[80], err[512];
    TT_CHECK_INT(
        in_reg_pick_platform(idx, strlen(idx), "linux/amd64", d, sizeof d, err, sizeof err), 0);
    TT_CHECK_STR(d, "sha256:" D64);
    TT_CHECK_INT(
        in_reg_pick_platform(idx, strlen(idx), "linux/arm64", d, sizeof d, err, sizeof err), 0);
    TT_CHECK(!strncmp(d, "sha256:1111", 11));
    /* a digest that is not one never comes out */
    TT_CHECK(in_reg_pick_platform(idx, strlen(idx), "linux/s390x", d, sizeof d, err, sizeof err) <
             0);
    TT_CHECK(in_reg_pick_platform(idx, strlen(idx), "windows/amd64", d, sizeof d, err, sizeof err) <
             0);
    TT_CHECK(strstr(err, "linux/arm64/v8") != NULL);
}

TT_TEST(config_entrypoint_cmd)
{
    const char *cfg = "{\"config\":{\"Entrypoint\":[\"/e\"],\"Cmd\":null}}";
    json_t *ep, *cmd;
    char err[256];
    TT_CHECK_INT(in_reg_parse_config(cfg, strlen(cfg), &ep, &cmd, err, sizeof err), 0);
    TT_CHECK_INT(json_array_size(ep), 1);
    TT_CHECK(cmd == NULL);
    json_decref(ep);
    const char *bad = "{\"config\":{\"Cmd\":[\"a\", 1]}}";
    TT_CHECK(in_reg_parse_config(bad, strlen(bad), &ep, &cmd, err, sizeof err) < 0);
}

TT_TEST(dockercfg_entries)
{
    const char *cfg = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpwYXNz\"},"
                      "\"r.example.com:5000\":{\"username\":\"u\",\"password\":\"p\"}},"
                      "\"credHelpers\":{\"ecr.example\":\"ecr-login\"}}";
    struct in_regcred c;
    char err[256];
    TT_CHECK_INT(
        in_dockercfg_find(cfg, strlen(cfg), "registry-1.docker.io", 1, &c, err, sizeof err), 1);
    TT_CHECK_STR(c.basic, "dXNlcjpwYXNz");
    in_regcred_free(&c);
    TT_CHECK_INT(in_dockercfg_find(cfg, strlen(cfg), "r.example.com:5000", 0, &c, err, sizeof err),
                 1);
    TT_CHECK_STR(c.basic, "dTpw"); /* base64("u:p") */
    in_regcred_free(&c);
    TT_CHECK_INT(in_dockercfg_find(cfg, strlen(cfg), "ecr.example", 0, &c, err, sizeof err), 2);
    TT_CHECK_INT(in_dockercfg_find(cfg, strlen(cfg), "other", 0, &c, err, sizeof err), 0);
}

TT_TEST(ecr_hosts)
{
    char a[16], r[64];
    TT_CHECK_INT(
        in_ecr_host("123456789012.dkr.ecr.eu-west-1.amazonaws.com", a, sizeof a, r, sizeof r), 1);
    TT_CHECK_STR(a, "123456789012");
    TT_CHECK_STR(r, "eu-west-1");
    TT_CHECK_INT(
        in_ecr_host("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", a, sizeof a, r, sizeof r),
        1);
    TT_CHECK_INT(
        in_ecr_host("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", a, sizeof a, r, sizeof r),
        1);
    TT_CHECK_INT(in_ecr_host("123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example", a,
                             sizeof a, r, sizeof r),
                 0);
    TT_CHECK_INT(
        in_ecr_host("12345678901.dkr.ecr.eu-west-1.amazonaws.com", a, sizeof a, r, sizeof r), 0);
}

static json_t *arr(const char *json)
{
    return json_loads(json, 0, NULL);
}

TT_TEST(argv_build_and_recover)
{
    json_t *argv = arr("[\"-x\", \"--\", \"a b\", {\"Ref\": \"P\"}]"), *orig = NULL;
    json_t *ep = arr("[\"/vendor/falco/bin/launcher\"]");
    char err[256];
    json_t *cmd = in_argv_ecs_command("/vendor/falco", argv, err, sizeof err);
    TT_REQUIRE(cmd != NULL);
    char *s = json_dumps(cmd, JSON_COMPACT);
    TT_CHECK_STR(s,
                 "[\"/vendor/falco/bin/tracer\",\"----\",\"-x\",\"----\",\"a b\",{\"Ref\":\"P\"},"
                 "\"--\",\"/vendor/falco/bin/engine\"]");
    free(s);
    TT_CHECK_INT(in_argv_ecs_recover("/vendor/falco", ep, cmd, &orig), 1);
    TT_CHECK(json_equal(orig, argv));
    json_t *bad = arr("[\"run\", \"----\"]");
    TT_CHECK(in_argv_ecs_command("/vendor/falco", bad, err, sizeof err) == NULL);
    /* a command line that only looks instrumented is not taken apart */
    json_t *other = arr("[\"/vendor/falco/bin/tracer\", \"a\", \"--\", \"b\", \"--\", "
                        "\"/vendor/falco/bin/engine\"]");
    json_t *o2 = NULL;
    TT_CHECK_INT(in_argv_ecs_recover("/vendor/falco", ep, other, &o2), 0);
    json_decref(argv);
    json_decref(ep);
    json_decref(cmd);
    json_decref(orig);
    json_decref(bad);
    json_decref(other);
}

TT_TEST(yaml_round_trip_keeps_tags_and_styles)
{
    const char *in = "# header\n"
                     "Resources:\n"
                     "  T:\n"
                     "    Type: AWS::ECS::TaskDefinition\n"
                     "    Properties:\n"
                     "      Family: !Sub \"${AWS::StackName}-x\"\n"
                     "      Role: !GetAtt Role.Arn\n"
                     "      Cpu: '256'\n"
                     "      Version: 1.10\n"
                     "      List: [a, !Ref B, 3]\n"
                     "      Text: |\n"
                     "        line one\n"
                     "        line two\n";
    struct in_doc d;
    char err[256], *out = NULL;
    size_t n = 0;
    TT_CHECK_INT(in_doc_load(&d, in, strlen(in), "t", err, sizeof err), 0);
    json_t *p = json_object_get(json_object_get(json_object_get(d.roots[0], "Resources"), "T"),
                                "Properties");
    TT_CHECK_STR(json_string_value(json_object_get(json_object_get(p, "Role"), "Fn::GetAtt")),
                 "Role.Arn");
    TT_CHECK(json_is_real(json_object_get(p, "Version")));
    TT_CHECK_INT(in_doc_dump(&d, 0, &out, &n, err, sizeof err), 0);
    TT_CHECK_STR(out, in);
    free(out);
    in_doc_free(&d);
}

/* A YAML document whose first content is a flow mapping that is not JSON (after a byte order
 * mark and a comment, which are not written back) is written so that it reads back as YAML,
 * with the same data (a fuzzer-found case: it was written as "{ae: null}" and read back as
 * broken JSON). */
TT_TEST(yaml_flow_mapping_first_reads_back_as_yaml)
{
    static const char in[] = "\xEF\xBB\xBF#\n   {ae}\n";
    struct in_doc d, e;
    char err[256], *out = NULL;
    size_t n = 0;
    TT_REQUIRE_INT(in_doc_load(&d, in, strlen(in), "t", err, sizeof err), 0);
    TT_REQUIRE_INT(in_doc_dump(&d, 0, &out, &n, err, sizeof err), 0);
    TT_CHECK_INT(in_doc_load(&e, out, n, "again", err, sizeof err), 0);
    TT_CHECK_INT(e.format, IN_YAML);
    TT_CHECK(e.nroots == 1 && json_equal(d.roots[0], e.roots[0]));
    free(out);
    in_doc_free(&e);
    in_doc_free(&d);
}

TT_TEST(yaml_new_strings_quoted_when_needed)
{
    TT_CHECK(in_yaml_needs_quotes("yes", 3));
    TT_CHECK(in_yaml_needs_quotes("0x1f", 4));
    TT_CHECK(in_yaml_needs_quotes("1:20", 4));
    TT_CHECK(in_yaml_needs_quotes("", 0));
    TT_CHECK(!in_yaml_needs_quotes("--", 2));
    TT_CHECK(!in_yaml_needs_quotes("/vendor/falco/bin/tracer", 24));
}

int main(void)
{
    return tt_run_all();
}
