/* How the logshipper reads CloudWatch Logs answers: every error code it knows in each class
 * (throttled, transient, credentials, denied, invalid), the code before the HTTP status, status
 * classes at their boundaries, the code taken from "prefix#Code:detail", a JSON "code" or an
 * XML <Code>, the rejected-events indices, a 2xx without a request id, and the outcome of a
 * call that gets no HTTP answer at all (connection refused, timeout) on loopback. */
#include "tt_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ls_creds.h"
#include "ls_cwl.h"
#include "ls_http.h"
#include "tt_heap.h"

#define C(status, code, want) TT_CHECK_INT(ls_cwl_classify(status, code), want)

TT_TEST(every_known_code_in_its_class)
{
    static const char *const throttled[] = {"Throttling",
                                            "ThrottlingException",
                                            "ThrottledException",
                                            "RequestThrottledException",
                                            "TooManyRequestsException",
                                            "ProvisionedThroughputExceededException",
                                            "TransactionInProgressException",
                                            "RequestLimitExceeded",
                                            "BandwidthLimitExceeded",
                                            "LimitExceededException",
                                            "RequestThrottled",
                                            "SlowDown",
                                            "EC2ThrottledException"};
    static const char *const transient[] = {"RequestTimeout",
                                            "RequestTimeoutException",
                                            "PriorRequestNotComplete",
                                            "ServiceUnavailableException",
                                            "ServiceUnavailable",
                                            "InternalFailure",
                                            "InternalError",
                                            "OperationAbortedException",
                                            "InvalidSequenceTokenException"};
    static const char *const auth[] = {
        "ExpiredToken",         "ExpiredTokenException",       "RequestExpired",
        "InvalidClientTokenId", "UnrecognizedClientException", "InvalidSignatureException",
        "TokenRefreshRequired", "IncompleteSignature",         "SignatureDoesNotMatch"};
    for (size_t i = 0; i < sizeof throttled / sizeof throttled[0]; i++)
        if (ls_cwl_classify(400, throttled[i]) != LS_THROTTLED)
            TT_FAILF("%s not throttled", throttled[i]);
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
        if (ls_cwl_classify(400, transient[i]) != LS_TRANSIENT)
            TT_FAILF("%s not transient", transient[i]);
    for (size_t i = 0; i < sizeof auth / sizeof auth[0]; i++)
        if (ls_cwl_classify(400, auth[i]) != LS_AUTH)
            TT_FAILF("%s not a credentials problem", auth[i]);
    C(400, "ResourceAlreadyExistsException", LS_EXISTS);
    C(400, "ResourceNotFoundException", LS_NOTFOUND);
    C(400, "DataAlreadyAcceptedException", LS_OK);
    C(400, "AccessDenied", LS_DENIED);
    C(400, "AccessDeniedException", LS_DENIED);
    C(400, "AccessDenie", LS_OTHER);
    C(400, "InvalidParameterException", LS_INVALID);
    C(400, "SerializationException", LS_INVALID);
    C(400, "ValidationException", LS_INVALID);
    /* near misses are not matched: exact names only */
    C(400, "Throttlingx", LS_OTHER);
    C(400, "throttlingexception", LS_OTHER);
    C(400, "InternalErrorX", LS_OTHER);
    C(400, "ExpiredTokens", LS_OTHER);
    C(400, "InvalidParameterExceptio", LS_OTHER);
    C(400, "ResourceNotFound", LS_OTHER);
}

TT_TEST(code_first_then_status)
{
    /* a known code decides whatever the status */
    C(500, "InvalidParameterException", LS_INVALID);
    C(403, "ThrottlingException", LS_THROTTLED);
    C(429, "AccessDeniedException", LS_DENIED);
    C(500, "ResourceAlreadyExistsException", LS_EXISTS);
    /* but a 2xx is success whatever the body says */
    C(200, "ThrottlingException", LS_OK);
    /* unknown or no code: the status */
    C(200, NULL, LS_OK);
    C(201, "", LS_OK);
    C(299, "Whatever", LS_OK);
    C(199, NULL, LS_OTHER);
    C(300, NULL, LS_OTHER);
    C(429, "Whatever", LS_THROTTLED);
    C(428, NULL, LS_OTHER);
    C(430, NULL, LS_OTHER);
    C(408, "", LS_TRANSIENT);
    C(407, NULL, LS_OTHER);
    C(409, NULL, LS_OTHER);
    C(500, NULL, LS_TRANSIENT);
    C(503, "Whatever", LS_TRANSIENT);
    C(499, NULL, LS_OTHER);
    C(401, NULL, LS_AUTH);
    C(403, "", LS_AUTH);
    C(402, NULL, LS_OTHER);
    C(404, NULL, LS_OTHER);
    C(400, NULL, LS_OTHER);
    C(0, NULL, LS_OTHER);
}

static void body(const char *b, struct ls_cwl_result *res)
{
    ls_cwl_result_init(res);
    ls_cwl_parse_body(b, b ? strlen(b) : 0, res);
}

TT_TEST(codes_messages_and_rejected_events_from_the_body)
{
    struct ls_cwl_result r;
    body("{\"__type\":\"com.amazonaws.logs.v20140328#ThrottlingException:http://x/y\","
         "\"message\":\"slow down\"}",
         &r);
    TT_CHECK_STR(r.code, "ThrottlingException");
    TT_CHECK_STR(r.message, "slow down");
    body("{\"__type\":\"a#b#Deep:x:y\"}", &r);
    TT_CHECK_STR(r.code, "Deep");
    body("{\"__type\":\"NoHash\"}", &r);
    TT_CHECK_STR(r.code, "NoHash");
    body("{\"code\":\"FromCode\",\"Message\":\"capital\"}", &r);
    TT_CHECK_STR(r.code, "FromCode");
    TT_CHECK_STR(r.message, "capital");
    body("{\"__type\":\"T\",\"code\":\"C\",\"message\":\"m\",\"Message\":\"M\"}", &r);
    TT_CHECK_STR(r.code, "T");
    TT_CHECK_STR(r.message, "m");
    body("{\"__type\":5,\"message\":7}", &r); /* not strings */
    TT_CHECK_STR(r.code, "");
    TT_CHECK_STR(r.message, "");
    /* a code already known (from the header) is kept */
    ls_cwl_result_init(&r);
    snprintf(r.code, sizeof r.code, "Header");
    ls_cwl_parse_body("{\"__type\":\"Body\"}", 17, &r);
    TT_CHECK_STR(r.code, "Header");
    ls_cwl_parse_body("<Error><Code>Xml</Code></Error>", 31, &r);
    TT_CHECK_STR(r.code, "Header");
    /* XML errors */
    body("<Error><Code>RequestExpired</Code><Message>m</Message></Error>", &r);
    TT_CHECK_STR(r.code, "RequestExpired");
    body("<Code></Code>", &r);
    TT_CHECK_STR(r.code, "");
    body("<Code>unterminated", &r);
    TT_CHECK_STR(r.code, "");
    body("<Code>cut</Code", &r);
    TT_CHECK_STR(r.code, "");
    char longcode[300];
    snprintf(longcode, sizeof longcode, "<Code>%0127d</Code>", 0); /* 127: fits */
    body(longcode, &r);
    TT_CHECK_INT(strlen(r.code), 127);
    snprintf(longcode, sizeof longcode, "<Code>%0128d</Code>", 0); /* 128: does not */
    body(longcode, &r);
    TT_CHECK_STR(r.code, "");
    body("not json, no code", &r);
    TT_CHECK_STR(r.code, "");
    body(NULL, &r);
    TT_CHECK_STR(r.code, "");
    ls_cwl_result_init(&r);
    ls_cwl_parse_body("{\"__type\":\"X\"}", 0, &r); /* length 0: nothing read */
    TT_CHECK_STR(r.code, "");
    /* rejected events */
    body("{\"rejectedLogEventsInfo\":{\"tooNewLogEventStartIndex\":4,\"tooOldLogEventEndIndex\":2,"
         "\"expiredLogEventEndIndex\":1}}",
         &r);
    TT_CHECK_INT(r.too_new_start, 4);
    TT_CHECK_INT(r.too_old_end, 2);
    TT_CHECK_INT(r.expired_end, 1);
    body(
        "{\"rejectedLogEventsInfo\":{\"tooNewLogEventStartIndex\":\"4\",\"tooOldLogEventEndIndex\":"
        "2.5}}",
        &r);
    TT_CHECK_INT(r.too_new_start, -1);
    TT_CHECK_INT(r.too_old_end, -1);
    TT_CHECK_INT(r.expired_end, -1);
    body("{\"rejectedLogEventsInfo\":{\"expiredLogEventEndIndex\":\"3\"}}", &r);
    TT_CHECK_INT(r.expired_end, -1);
    body("{\"rejectedLogEventsInfo\":[1,2]}", &r);
    TT_CHECK_INT(r.too_new_start, -1);
    body("{\"rejectedLogEventsInfo\":{\"tooNewLogEventStartIndex\":0}}", &r);
    TT_CHECK_INT(r.too_new_start, 0);
    TT_CHECK_INT(r.retry_after_ms, -1);
    TT_CHECK_INT(r.status, 0);
    TT_CHECK_INT(r.outcome, LS_OK);
}

static void response(long status, const char *rid, const char *etype, const char *b,
                     long retry_after, struct ls_cwl_result *res)
{
    struct ls_http_resp r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.retry_after_ms = retry_after;
    snprintf(r.request_id, sizeof r.request_id, "%s", rid);
    snprintf(r.error_type, sizeof r.error_type, "%s", etype);
    TT_CHECK(ls_buf_adds(&r.body, b) == 0);
    ls_cwl_result_init(res);
    ls_cwl_parse_response(&r, res);
    ls_http_resp_free(&r);
}

TT_TEST(responses_as_a_whole)
{
    struct ls_cwl_result r;
    response(200, "rid-1", "", "{\"nextSequenceToken\":\"1\"}", -1, &r);
    TT_CHECK_INT(r.outcome, LS_OK);
    TT_CHECK_INT(r.status, 200);
    TT_CHECK_STR(r.request_id, "rid-1");
    TT_CHECK_STR(r.code, "");
    /* a 2xx without a request id did not come from the service */
    response(200, "", "", "{\"rejectedLogEventsInfo\":{\"tooNewLogEventStartIndex\":3}}", -1, &r);
    TT_CHECK_INT(r.outcome, LS_TRANSIENT);
    TT_CHECK_STR(r.code, "MissingRequestId");
    TT_CHECK_INT(r.too_new_start, -1);
    TT_CHECK_INT(r.too_old_end, -1);
    TT_CHECK_INT(r.expired_end, -1);
    response(204, "", "", "", -1, &r);
    TT_CHECK_INT(r.outcome, LS_TRANSIENT);
    response(299, "", "", "", -1, &r);
    TT_CHECK_INT(r.outcome, LS_TRANSIENT);
    response(300, "", "", "{\"__type\":\"DataAlreadyAcceptedException\"}", -1, &r);
    TT_CHECK_INT(r.outcome, LS_OK); /* not a 2xx: no request id needed */
    /* an error needs no request id; the header's type wins, retry-after is kept */
    response(400, "", "com.amazonaws#ThrottlingException:x", "{\"__type\":\"Other\"}", 1500, &r);
    TT_CHECK_INT(r.outcome, LS_THROTTLED);
    TT_CHECK_STR(r.code, "ThrottlingException");
    TT_CHECK_INT(r.retry_after_ms, 1500);
    /* DataAlreadyAccepted: success even on a 400, the request id present */
    response(400, "rid-2", "", "{\"__type\":\"DataAlreadyAcceptedException\"}", -1, &r);
    TT_CHECK_INT(r.outcome, LS_OK);
    TT_CHECK_STR(r.code, "DataAlreadyAcceptedException");
    response(400, "", "", "{\"__type\":\"DataAlreadyAcceptedException\"}", -1, &r);
    TT_CHECK_INT(r.outcome, LS_OK); /* not a 2xx: the request id is not required */
    response(503, "rid-3", "", "<html>busy</html>", -1, &r);
    TT_CHECK_INT(r.outcome, LS_TRANSIENT);
    TT_CHECK_STR(r.code, "");
}

/* A call through the whole client to a loopback port: no HTTP answer ever arrives. */
static enum ls_outcome call_to(int port, long timeout_ms, struct ls_cwl_result *res)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    unsetenv("AWS_SESSION_TOKEN");
    struct ls_cred_chain ch;
    TT_CHECK(ls_cred_chain_init(&ch, "eu-west-1") == 0);
    struct ls_cwl c;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    TT_CHECK(ls_cwl_init(&c, url, "eu-west-1", &ch, timeout_ms) == 0);
    enum ls_outcome o = ls_cwl_call(&c, "PutLogEvents", "{}", 2, timeout_ms, res);
    ls_cwl_free(&c);
    ls_cred_chain_free(&ch);
    return o;
}

TT_TEST(no_answer_is_transient_and_says_why)
{
    /* a port nobody listens on: refused */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    TT_CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    int port = ntohs(a.sin_port);
    close(s); /* bound then closed: nothing listens there now */
    struct ls_cwl_result r;
    TT_CHECK_INT(call_to(port, 2000, &r), LS_TRANSIENT);
    TT_CHECK_STR(r.code, "ConnectionError");
    TT_CHECK_INT(r.timed_out, 0);
    TT_CHECK(r.message[0] != '\0');
    /* a listener that never answers: the request times out */
    s = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = 0;
    TT_CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 4) == 0);
    al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    TT_CHECK_INT(call_to(ntohs(a.sin_port), 300, &r), LS_TRANSIENT);
    TT_CHECK_STR(r.code, "Timeout");
    TT_CHECK_INT(r.timed_out, 1);
    close(s);
}

/* ---- a one-request HTTP server on loopback ---- */

struct responder {
    int fd, port;
    const char *reply;
    char request[8192];
    pthread_t t;
};

static void *respond(void *arg)
{
    struct responder *r = arg;
    int c = accept(r->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    size_t n = 0;
    for (;;) { /* the headers, then Content-Length bytes */
        ssize_t k = read(c, r->request + n, sizeof r->request - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        r->request[n] = '\0';
        char *end = strstr(r->request, "\r\n\r\n");
        if (!end)
            continue;
        char *cl = strcasestr(r->request, "content-length:");
        size_t want = cl ? (size_t)atol(cl + 15) : 0;
        if (n - (size_t)(end + 4 - r->request) >= want)
            break;
    }
    if (write(c, r->reply, strlen(r->reply)) < 0) {
        /* the test sees the missing answer */
    }
    close(c);
    return NULL;
}

static void serve(struct responder *r, const char *reply)
{
    r->reply = reply;
    r->request[0] = '\0';
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    TT_CHECK(bind(r->fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(r->fd, 2) == 0);
    getsockname(r->fd, (struct sockaddr *)&a, &al);
    r->port = ntohs(a.sin_port);
    pthread_create(&r->t, NULL, respond, r);
}

static void served(struct responder *r)
{
    pthread_join(r->t, NULL);
    close(r->fd);
}

TT_TEST(answers_through_the_whole_client)
{
    struct responder r;
    struct ls_cwl_result res;
    serve(&r, "HTTP/1.1 200 OK\r\nx-amzn-RequestId: req-42\r\nContent-Length: 2\r\n"
              "Connection: close\r\n\r\n{}");
    TT_CHECK_INT(call_to(r.port, 5000, &res), LS_OK);
    served(&r);
    TT_CHECK_STR(res.request_id, "req-42");
    TT_CHECK_INT(res.status, 200);
    TT_CHECK(strstr(r.request, "X-Amz-Target: Logs_20140328.PutLogEvents") != NULL);
    TT_CHECK(strstr(r.request, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") != NULL);
    static const char err_body[] =
        "{\"__type\":\"com.amazonaws.logs#ResourceNotFoundException\",\"message\":\"no group\"}";
    char reply[512];
    snprintf(reply, sizeof reply,
             "HTTP/1.1 400 Bad Request\r\nx-amzn-RequestId: req-43\r\nContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n%s",
             sizeof err_body - 1, err_body);
    serve(&r, reply);
    TT_CHECK_INT(call_to(r.port, 5000, &res), LS_NOTFOUND);
    served(&r);
    TT_CHECK_STR(res.code, "ResourceNotFoundException");
    TT_CHECK_STR(res.message, "no group");
    serve(&r, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    TT_CHECK_INT(call_to(r.port, 5000, &res), LS_TRANSIENT); /* no request id */
    served(&r);
    TT_CHECK_STR(res.code, "MissingRequestId");
    /* an answer cut short: a transport error, whatever arrived is not taken */
    serve(&r, "HTTP/1.1 200 OK\r\nx-amzn-RequestId: r\r\nContent-Length: 100\r\n\r\n{\"__type\":");
    TT_CHECK_INT(call_to(r.port, 5000, &res), LS_TRANSIENT);
    served(&r);
    TT_CHECK_STR(res.code, "ConnectionError");
    TT_CHECK_STR(res.request_id, "");
}

TT_TEST(credentials_taken_once_and_their_absence_reported)
{
    /* no credentials anywhere: nothing is sent, the outcome says why */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    struct ls_cred_chain ch;
    TT_CHECK(ls_cred_chain_init(&ch, "eu-west-1") == 0);
    struct ls_cwl c;
    TT_CHECK(ls_cwl_init(&c, "http://127.0.0.1:9/", "eu-west-1", &ch, 1000) == 0);
    struct ls_cwl_result res;
    TT_CHECK_INT(ls_cwl_call(&c, "PutLogEvents", "{}", 2, 1000, &res), LS_AUTH);
    TT_CHECK_STR(res.code, "NoCredentials");
    TT_CHECK(strstr(res.message, "no credentials found") != NULL);
    /* credentials that do not expire are read once, not on every call */
    setenv("AWS_ACCESS_KEY_ID", "AKIDFIRST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret-one", 1);
    ls_cwl_call(&c, "PutLogEvents", "{}", 2, 1000, &res);
    TT_CHECK_STR(ch.cur.akid, "AKIDFIRST");
    setenv("AWS_ACCESS_KEY_ID", "AKIDSECOND", 1);
    ls_cwl_call(&c, "PutLogEvents", "{}", 2, 1000, &res);
    TT_CHECK_STR(ch.cur.akid, "AKIDFIRST");
    ls_cwl_free(&c);
    ls_cred_chain_free(&ch);
    unsetenv("AWS_EC2_METADATA_DISABLED");
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

TT_TEST(client_limits)
{
    struct ls_cred_chain ch;
    TT_CHECK(ls_cred_chain_init(&ch, "eu-west-1") == 0);
    struct ls_cwl c;
    memset(&c, 0xa5, sizeof c); /* init sets every member */
    TT_CHECK(ls_cwl_init(&c, "https://logs.eu-west-1.amazonaws.com", "eu-west-1", &ch, 30000) == 0);
    TT_CHECK_INT(c.http.connect_timeout_ms, 5000); /* connecting never takes the whole budget */
    TT_CHECK_INT(c.http.timeout_ms, 30000);
    TT_CHECK_INT(c.http.max_body, 1 << 20);
    TT_CHECK_STR(c.hostport, "logs.eu-west-1.amazonaws.com");
    TT_CHECK_STR(c.region, "eu-west-1");
    ls_cwl_free(&c);
    TT_CHECK(ls_cwl_init(&c, "http://127.0.0.1:4566", "us-east-1", &ch, 3000) == 0);
    TT_CHECK_INT(c.http.connect_timeout_ms, 3000);
    TT_CHECK_STR(c.hostport, "127.0.0.1:4566");
    ls_cwl_free(&c);
    TT_CHECK(ls_cwl_init(&c, "http://127.0.0.1:4566", "us-east-1", &ch, 5000) == 0);
    TT_CHECK_INT(c.http.connect_timeout_ms, 5000);
    ls_cwl_free(&c);
    TT_CHECK(ls_cwl_init(&c, "ftp://x", "us-east-1", &ch, 5000) < 0);
    ls_cred_chain_free(&ch);
}

#if TT_HEAP_AVAILABLE
TT_TEST(failed_allocations_are_never_success)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    struct ls_cred_chain ch;
    TT_CHECK(ls_cred_chain_init(&ch, "eu-west-1") == 0);
    int signing = 0;
    for (unsigned long k = 1; k < 2000 && !tt_failed_current; k++) {
        struct ls_cwl c;
        tt_heap_fail_at(k);
        int rc = ls_cwl_init(&c, "http://127.0.0.1:9/", "eu-west-1", &ch, 1000);
        int failed = tt_heap_failed();
        struct ls_cwl_result res;
        enum ls_outcome o = LS_TRANSIENT;
        if (rc == 0) {
            if (!c.http.curl)
                TT_FAILF("allocation %lu failing: init succeeded without a client", k);
            o = ls_cwl_call(&c, "PutLogEvents", "{\"a\":1}", 7, 1000, &res);
            failed = tt_heap_failed();
            if (o == LS_OK)
                TT_FAILF("allocation %lu failing: a call with no server succeeded", k);
            if (!strcmp(res.code, "SigningFailed")) {
                signing = 1;
                TT_CHECK_INT(o, LS_OTHER);
            }
            ls_cwl_free(&c);
        } else if (!failed) {
            TT_FAILF("init failed without an allocation failure");
        }
        tt_heap_fail_at(0);
        if (!failed)
            break;
    }
    TT_CHECK(signing); /* some failure was in the signing */
    ls_cred_chain_free(&ch);
}
#endif

int main(void)
{
    return tt_run_all();
}
