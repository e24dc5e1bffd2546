/* Region and endpoint resolution, URL splitting, ECS metadata parsing, container URI rules,
 * error classification, backoff bounds and the PutLogEvents body. */
#include "tt_test.h"

#include <stdlib.h>
#include <unistd.h>

#include "ls_creds.h"
#include "ls_cwl.h"
#include "ls_ecs.h"
#include "ls_endpoint.h"
#include "ls_ship.h"

static void clear_env(void)
{
    const char *vars[] = {"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
                          "AWS_ENDPOINT_URL",
                          "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                          "AWS_USE_FIPS_ENDPOINT",
                          "AWS_USE_DUALSTACK_ENDPOINT",
                          "AWS_REGION",
                          "AWS_DEFAULT_REGION",
                          "AWS_PROFILE",
                          "AWS_CONFIG_FILE",
                          "AWS_SHARED_CREDENTIALS_FILE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    ls_endpoint_set_variants(0, 0);
}

static const char *ep(const char *region)
{
    static char url[512];
    char host[256];
    if (ls_endpoint_for_service("logs", "CLOUDWATCH_LOGS", region, url, sizeof url, host,
                                sizeof host) < 0)
        return "(error)";
    return url;
}

TT_TEST(endpoint_standard_partitions)
{
    clear_env();
    TT_CHECK_STR(ep("us-east-1"), "https://logs.us-east-1.amazonaws.com/");
    TT_CHECK_STR(ep("eu-west-3"), "https://logs.eu-west-3.amazonaws.com/");
    TT_CHECK_STR(ep("cn-north-1"), "https://logs.cn-north-1.amazonaws.com.cn/");
    TT_CHECK_STR(ep("us-gov-west-1"), "https://logs.us-gov-west-1.amazonaws.com/");
}

TT_TEST(endpoint_fips_and_dualstack)
{
    clear_env();
    setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
    TT_CHECK_STR(ep("us-east-1"), "https://logs-fips.us-east-1.amazonaws.com/");
    TT_CHECK_STR(ep("us-gov-east-1"), "https://logs-fips.us-gov-east-1.amazonaws.com/");
    unsetenv("AWS_USE_FIPS_ENDPOINT");
    setenv("AWS_USE_DUALSTACK_ENDPOINT", "true", 1);
    TT_CHECK_STR(ep("us-west-2"), "https://logs.us-west-2.api.aws/");
    TT_CHECK_STR(ep("cn-northwest-1"), "https://logs.cn-northwest-1.api.amazonwebservices.com.cn/");
    unsetenv("AWS_USE_DUALSTACK_ENDPOINT");
    ls_endpoint_set_variants(1, 1);
    TT_CHECK_STR(ep("us-east-2"), "https://logs-fips.us-east-2.api.aws/");
    ls_endpoint_set_variants(0, 0);
}

TT_TEST(endpoint_configured_urls)
{
    clear_env();
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
    TT_CHECK_STR(ep("us-east-1"), "http://127.0.0.1:4566");
    setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "https://logs.example.test:8443/base", 1);
    TT_CHECK_STR(ep("us-east-1"), "https://logs.example.test:8443/base");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    TT_CHECK_STR(ep("us-east-1"), "https://logs.us-east-1.amazonaws.com/");
    clear_env();
}

TT_TEST(region_order)
{
    char r[64];
    clear_env();
    TT_CHECK(ls_region_resolve(NULL, NULL, r, sizeof r) == 0);
    TT_CHECK(ls_region_resolve(NULL, "ap-south-1", r, sizeof r) == 1);
    TT_CHECK_STR(r, "ap-south-1");
    char path[] = "/tmp/ls-unit-config-XXXXXX";
    int fd = mkstemp(path);
    TT_CHECK(fd >= 0);
    const char cfg[] = "[default]\nregion = eu-north-1\n[profile other]\nregion=sa-east-1\n";
    TT_CHECK(write(fd, cfg, sizeof cfg - 1) == (ssize_t)sizeof cfg - 1);
    close(fd);
    setenv("AWS_CONFIG_FILE", path, 1);
    TT_CHECK(ls_region_resolve(NULL, "ap-south-1", r, sizeof r) == 1);
    TT_CHECK_STR(r, "eu-north-1");
    setenv("AWS_PROFILE", "other", 1);
    TT_CHECK(ls_region_resolve(NULL, "ap-south-1", r, sizeof r) == 1);
    TT_CHECK_STR(r, "sa-east-1");
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    TT_CHECK(ls_region_resolve(NULL, NULL, r, sizeof r) == 1);
    TT_CHECK_STR(r, "us-west-1");
    setenv("AWS_REGION", "us-east-2", 1);
    TT_CHECK(ls_region_resolve(NULL, NULL, r, sizeof r) == 1);
    TT_CHECK_STR(r, "us-east-2");
    TT_CHECK(ls_region_resolve("ca-central-1", NULL, r, sizeof r) == 1);
    TT_CHECK_STR(r, "ca-central-1");
    unlink(path);
    clear_env();
}

TT_TEST(url_split)
{
    int https = -1;
    char host[64], hp[64], path[64];
    TT_CHECK(ls_url_split("https://h.example:8443/a/b?x=1", &https, host, sizeof host, hp,
                          sizeof hp, path, sizeof path) == 0);
    TT_CHECK(https == 1);
    TT_CHECK_STR(host, "h.example");
    TT_CHECK_STR(hp, "h.example:8443");
    TT_CHECK_STR(path, "/a/b");
    TT_CHECK(ls_url_split("http://[::1]:99", &https, host, sizeof host, hp, sizeof hp, path,
                          sizeof path) == 0);
    TT_CHECK(https == 0);
    TT_CHECK_STR(host, "[::1]");
    TT_CHECK_STR(path, "/");
    TT_CHECK(ls_url_split("ftp://x/", &https, NULL, 0, NULL, 0, NULL, 0) < 0);
    TT_CHECK(ls_url_split("http://user@x/", &https, NULL, 0, NULL, 0, NULL, 0) < 0);
}

TT_TEST(container_full_uri_hosts)
{
    TT_CHECK(ls_container_uri_allowed("http://127.0.0.1:8080/creds"));
    TT_CHECK(ls_container_uri_allowed("http://localhost/creds"));
    TT_CHECK(ls_container_uri_allowed("http://[::1]/creds"));
    TT_CHECK(ls_container_uri_allowed("http://169.254.170.2/v2/credentials"));
    TT_CHECK(ls_container_uri_allowed("http://169.254.170.23/v1/credentials"));
    TT_CHECK(ls_container_uri_allowed("http://[fd00:ec2::23]/v1/credentials"));
    TT_CHECK(ls_container_uri_allowed("https://creds.example.com/x"));
    TT_CHECK(!ls_container_uri_allowed("http://10.0.0.1/creds"));
    TT_CHECK(!ls_container_uri_allowed("http://evil.example.com/creds"));
    TT_CHECK(!ls_container_uri_allowed("http://169.254.169.254/creds"));
}

TT_TEST(ecs_metadata_parse)
{
    const char *j = "{\"DockerId\":\"abc\",\"Name\":\"app\",\"Labels\":{"
                    "\"com.amazonaws.ecs.task-arn\":\"arn:aws:ecs:eu-central-1:123456789012:"
                    "task/prod/0123456789abcdef0123456789abcdef\"}}";
    struct ls_ecs_info info;
    TT_CHECK(ls_ecs_parse(j, strlen(j), &info) == 0);
    TT_CHECK_STR(info.container, "app");
    TT_CHECK_STR(info.task_id, "0123456789abcdef0123456789abcdef");
    TT_CHECK_STR(info.region, "eu-central-1");
    TT_CHECK(ls_ecs_parse("[]", 2, &info) < 0);
}

TT_TEST(error_classification)
{
    TT_CHECK_INT(ls_cwl_classify(200, ""), LS_OK);
    TT_CHECK_INT(ls_cwl_classify(400, "ThrottlingException"), LS_THROTTLED);
    TT_CHECK_INT(ls_cwl_classify(400, "ResourceAlreadyExistsException"), LS_EXISTS);
    TT_CHECK_INT(ls_cwl_classify(400, "ResourceNotFoundException"), LS_NOTFOUND);
    TT_CHECK_INT(ls_cwl_classify(400, "InvalidParameterException"), LS_INVALID);
    TT_CHECK_INT(ls_cwl_classify(400, "ExpiredTokenException"), LS_AUTH);
    TT_CHECK_INT(ls_cwl_classify(400, "UnrecognizedClientException"), LS_AUTH);
    TT_CHECK_INT(ls_cwl_classify(400, "AccessDeniedException"), LS_DENIED);
    TT_CHECK_INT(ls_cwl_classify(503, "ServiceUnavailableException"), LS_TRANSIENT);
    TT_CHECK_INT(ls_cwl_classify(502, ""), LS_TRANSIENT);
    TT_CHECK_INT(ls_cwl_classify(429, ""), LS_THROTTLED);
    TT_CHECK_INT(ls_cwl_classify(400, "DataAlreadyAcceptedException"), LS_OK);
    TT_CHECK_INT(ls_cwl_classify(400, "SomethingElse"), LS_OTHER);
}

TT_TEST(error_body_parsing)
{
    struct ls_cwl_result r;
    memset(&r, 0, sizeof r);
    r.too_new_start = r.too_old_end = r.expired_end = -1;
    const char *b = "{\"nextSequenceToken\":\"1\",\"rejectedLogEventsInfo\":{"
                    "\"tooNewLogEventStartIndex\":5,\"expiredLogEventEndIndex\":2}}";
    ls_cwl_parse_body(b, strlen(b), &r);
    TT_CHECK_INT(r.too_new_start, 5);
    TT_CHECK_INT(r.expired_end, 2);
    TT_CHECK_INT(r.too_old_end, -1);
    memset(&r, 0, sizeof r);
    b = "{\"__type\":\"com.amazonaws.logs#ThrottlingException\",\"message\":\"Rate exceeded\"}";
    ls_cwl_parse_body(b, strlen(b), &r);
    TT_CHECK_STR(r.code, "ThrottlingException");
    TT_CHECK_STR(r.message, "Rate exceeded");
}

TT_TEST(backoff_full_jitter_capped)
{
    TT_CHECK_INT(ls_backoff_ms(0, 100, 20000, -1, 0.0), 0);
    TT_CHECK_INT(ls_backoff_ms(0, 100, 20000, -1, 0.999999), 99);
    TT_CHECK_INT(ls_backoff_ms(3, 100, 20000, -1, 0.5), 400);
    TT_CHECK_INT(ls_backoff_ms(20, 100, 20000, -1, 0.5), 10000);
    TT_CHECK_INT(ls_backoff_ms(30, 100, 20000, -1, 0.999999), 19999);
    /* x-amz-retry-after raises the delay, capped at cap + 5 s */
    TT_CHECK_INT(ls_backoff_ms(0, 100, 20000, 1500, 0.1), 1500);
    TT_CHECK_INT(ls_backoff_ms(0, 100, 1000, 60000, 0.1), 6000);
}

TT_TEST(put_body_json)
{
    struct ls_event *a = malloc(sizeof *a + 3), *b = malloc(sizeof *b + 4);
    TT_CHECK(a && b);
    memcpy(a->msg, "a\"b", 3);
    a->len = 3;
    a->notice = 0;
    a->ts = 1000;
    a->next = b;
    memcpy(b->msg, "x\ny\xc3", 3);
    b->len = 3;
    b->notice = 0;
    b->ts = 2000;
    b->next = NULL;
    struct ls_buf body = {0};
    TT_CHECK(ls_put_body(&body, "grp/x", "st\"r", a) == 0);
    TT_CHECK_STR(body.p, "{\"logGroupName\":\"grp/x\",\"logStreamName\":\"st\\\"r\",\"logEvents\":["
                         "{\"timestamp\":1000,\"message\":\"a\\\"b\"},"
                         "{\"timestamp\":2000,\"message\":\"x\\ny\"}]}");
    ls_buf_free(&body);
    free(a);
    free(b);
}

int main(void)
{
    return tt_run_all();
}
