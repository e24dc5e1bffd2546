/* HTTP response parsing split out of the I/O paths: response header lines, CloudWatch Logs
 * results, STS XML, credential_process output, and the IMDSv2 token and role-name bodies
 * (including the fuzzer findings: a role name of NUL bytes, a token with a line break). */
#include "tt_test.h"

#include <stdlib.h>
#include <string.h>

#include "ls_creds.h"
#include "ls_cwl.h"
#include "ls_http.h"

static void hdr(struct ls_http_resp *r, const char *line)
{
    /* exact-size copy, no terminating NUL, as libcurl hands it over */
    size_t n = strlen(line);
    char *p = malloc(n ? n : 1);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    memcpy(p, line, n);
    ls_http_parse_header(r, p, n);
    free(p);
}

TT_TEST(header_lines)
{
    struct ls_http_resp r = {.retry_after_ms = -1};
    hdr(&r, "HTTP/1.1 400 Bad Request\r\n");
    hdr(&r, "X-Amzn-RequestId:   req-1 \r\n");
    hdr(&r, "x-amzn-ErrorType: ThrottlingException:http://internal/\r\n");
    hdr(&r, "x-amz-retry-after: 1500\r\n");
    TT_CHECK_STR(r.request_id, "req-1");
    TT_CHECK_STR(r.error_type, "ThrottlingException:http://internal/");
    TT_CHECK_INT(r.retry_after_ms, 1500);
    hdr(&r, "x-amz-retry-after: -3\r\n");
    TT_CHECK_INT(r.retry_after_ms, 1500);
    hdr(&r, "x-amz-request-id:");
    TT_CHECK_STR(r.request_id, "req-1"); /* name only, no value byte: not taken */
    hdr(&r, "x-amz-request-id:x");
    TT_CHECK_STR(r.request_id, "x");
    hdr(&r, "HTTP/1.1 200 OK\r\n"); /* a second response forgets the first one's headers */
    TT_CHECK_STR(r.request_id, "");
    TT_CHECK_STR(r.error_type, "");
    TT_CHECK_INT(r.retry_after_ms, -1);
}

static void resp(struct ls_http_resp *r, long status, const char *rid, const char *etype,
                 const char *body)
{
    memset(r, 0, sizeof *r);
    r->status = status;
    r->retry_after_ms = -1;
    snprintf(r->request_id, sizeof r->request_id, "%s", rid);
    snprintf(r->error_type, sizeof r->error_type, "%s", etype);
    TT_CHECK(ls_buf_adds(&r->body, body) == 0);
}

TT_TEST(cwl_response)
{
    struct ls_http_resp r;
    struct ls_cwl_result res;
    resp(&r, 400, "id", "",
         "{\"__type\":\"com.amazonaws.logs#InvalidParameterException\",\"message\":\"m\"}");
    ls_cwl_result_init(&res);
    ls_cwl_parse_response(&r, &res);
    TT_CHECK_STR(res.code, "InvalidParameterException");
    TT_CHECK_STR(res.message, "m");
    TT_CHECK_INT(res.outcome, LS_INVALID);
    ls_http_resp_free(&r);

    resp(&r, 400, "id", "ThrottlingException:http://x/", "<Code>Other</Code>");
    ls_cwl_result_init(&res);
    ls_cwl_parse_response(&r, &res);
    TT_CHECK_STR(res.code, "ThrottlingException"); /* the header wins over the body */
    TT_CHECK_INT(res.outcome, LS_THROTTLED);
    ls_http_resp_free(&r);

    resp(&r, 200, "id", "",
         "{\"rejectedLogEventsInfo\":{\"tooNewLogEventStartIndex\":4,\"expiredLogEventEndIndex\":1}"
         "}");
    ls_cwl_result_init(&res);
    ls_cwl_parse_response(&r, &res);
    TT_CHECK_INT(res.outcome, LS_OK);
    TT_CHECK_INT(res.too_new_start, 4);
    TT_CHECK_INT(res.too_old_end, -1);
    TT_CHECK_INT(res.expired_end, 1);
    ls_http_resp_free(&r);

    resp(&r, 200, "", "", "{\"rejectedLogEventsInfo\":{\"tooNewLogEventStartIndex\":4}}");
    ls_cwl_result_init(&res);
    ls_cwl_parse_response(&r, &res);
    TT_CHECK_INT(res.outcome, LS_TRANSIENT);
    TT_CHECK_STR(res.code, "MissingRequestId");
    TT_CHECK_INT(res.too_new_start, -1);
    ls_http_resp_free(&r);
}

TT_TEST(sts_response)
{
    struct ls_creds c = {0};
    char err[256];
    const char *ok = "<R><Credentials><AccessKeyId>AK</AccessKeyId><SecretAccessKey>SK"
                     "</SecretAccessKey><SessionToken>TK</SessionToken><Expiration>"
                     "2026-01-01T00:00:00Z</Expiration></Credentials></R>";
    TT_CHECK(ls_sts_parse_response("AssumeRole", 200, ok, &c, err, sizeof err) == 0);
    TT_CHECK_STR(c.akid, "AK");
    TT_CHECK_STR(c.secret, "SK");
    TT_CHECK_STR(c.token, "TK");
    TT_CHECK_INT(c.expires_ms, 1767225600000LL);
    TT_CHECK(ls_sts_parse_response("AssumeRole", 403, "<Code>AccessDenied</Code>", &c, err,
                                   sizeof err) < 0);
    TT_CHECK_STR(err, "STS AssumeRole: HTTP 403 AccessDenied");
    TT_CHECK(ls_sts_parse_response("AssumeRoleWithWebIdentity", 200, "<AccessKeyId>A</AccessKeyId>",
                                   &c, err, sizeof err) < 0);
    TT_CHECK(ls_sts_parse_response("AssumeRole", 500, NULL, &c, err, sizeof err) < 0);
}

TT_TEST(credential_process_output)
{
    struct ls_creds c = {0};
    char err[256];
    const char *v1 = "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}";
    TT_CHECK(ls_cred_process_parse(v1, strlen(v1), &c, err, sizeof err) == 0);
    TT_CHECK_STR(c.akid, "A");
    const char *v2 = "{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}";
    TT_CHECK(ls_cred_process_parse(v2, strlen(v2), &c, err, sizeof err) < 0);
    TT_CHECK(ls_cred_process_parse("", 0, &c, err, sizeof err) < 0);
}

TT_TEST(imds_token)
{
    char h[256];
    TT_CHECK(ls_imds_token_header("AQAEtok==", 9, h, sizeof h) == 0);
    TT_CHECK_STR(h, "X-aws-ec2-metadata-token: AQAEtok==");
    /* regression: a token with a line break used to become a second header line */
    TT_CHECK(ls_imds_token_header("tok\r\nX-Evil: 1", 15, h, sizeof h) < 0);
    TT_CHECK(ls_imds_token_header("tok\0x", 5, h, sizeof h) < 0);
    TT_CHECK(ls_imds_token_header("", 0, h, sizeof h) < 0);
    char big[201];
    memset(big, 'a', sizeof big);
    TT_CHECK(ls_imds_token_header(big, sizeof big, h, sizeof h) < 0);
    TT_CHECK(ls_imds_token_header(big, 200, h, 30) < 0); /* does not fit: refused, not cut */
}

TT_TEST(imds_role_name)
{
    char role[64];
    TT_CHECK(ls_imds_role_name("my-role@x.y\nother\n", 18, role, sizeof role) == 0);
    TT_CHECK_STR(role, "my-role@x.y");
    TT_CHECK(ls_imds_role_name("r", 1, role, sizeof role) == 0); /* unterminated body */
    TT_CHECK_STR(role, "r");
    /* regression (fuzz_logshipper_creds): NUL bytes passed the character check */
    TT_CHECK(ls_imds_role_name("\0\0F\n", 4, role, sizeof role) < 0);
    TT_CHECK(ls_imds_role_name("../admin", 8, role, sizeof role) < 0);
    TT_CHECK(ls_imds_role_name("..", 2, role, sizeof role) < 0);
    TT_CHECK(ls_imds_role_name("a?b", 3, role, sizeof role) < 0);
    TT_CHECK(ls_imds_role_name("\nrole", 5, role, sizeof role) < 0);
    TT_CHECK(ls_imds_role_name("", 0, role, sizeof role) < 0);
}

int main(void)
{
    return tt_run_all();
}
