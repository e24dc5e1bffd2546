/* CloudWatch Logs client: signs and sends one JSON 1.1 request, classifies the answer. */
#include "ls_cwl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ls_awsjson.h"
#include "ls_endpoint.h"
#include "ls_sigv4.h"
#include "tt_time.h"

static const char *const throttle_codes[] = {
    "Throttling",
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
    "EC2ThrottledException",
};
static const char *const transient_codes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
    "ServiceUnavailableException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalError",
    "OperationAbortedException",
    "InvalidSequenceTokenException",
};
static const char *const auth_codes[] = {
    "ExpiredToken",         "ExpiredTokenException",       "RequestExpired",
    "InvalidClientTokenId", "UnrecognizedClientException", "InvalidSignatureException",
    "TokenRefreshRequired", "IncompleteSignature",         "SignatureDoesNotMatch",
};

static int in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(code, list[i]))
            return 1;
    return 0;
}
#define IN(code, list) in_list(code, list, sizeof list / sizeof list[0])

enum ls_outcome ls_cwl_classify(long status, const char *code)
{
    if (status >= 200 && status < 300)
        return LS_OK;
    if (code && *code) {
        if (!strcmp(code, "ResourceAlreadyExistsException"))
            return LS_EXISTS;
        if (!strcmp(code, "ResourceNotFoundException"))
            return LS_NOTFOUND;
        if (!strcmp(code, "DataAlreadyAcceptedException"))
            return LS_OK;
        if (IN(code, throttle_codes))
            return LS_THROTTLED;
        if (IN(code, transient_codes))
            return LS_TRANSIENT;
        if (IN(code, auth_codes))
            return LS_AUTH;
        if (!strncmp(code, "AccessDenied", 12))
            return LS_DENIED;
        if (!strcmp(code, "InvalidParameterException") || !strcmp(code, "SerializationException") ||
            !strcmp(code, "ValidationException"))
            return LS_INVALID;
    }
    if (status == 429)
        return LS_THROTTLED;
    if (status >= 500 || status == 408)
        return LS_TRANSIENT;
    if (status == 401 || status == 403)
        return LS_AUTH;
    return LS_OTHER;
}

/* "prefix#Code:detail" (x-amzn-ErrorType, __type) -> "Code". */
static void set_code(struct ls_cwl_result *res, const char *type)
{
    const char *h = strrchr(type, '#');
    snprintf(res->code, sizeof res->code, "%s", h ? h + 1 : type);
    char *colon = strchr(res->code, ':');
    if (colon)
        *colon = '\0';
}

void ls_cwl_parse_body(const char *body, size_t len, struct ls_cwl_result *res)
{
    if (!body || !len)
        return;
    json_t *j = json_loadb(body, len, 0, NULL);
    if (!j) {
        /* Query-protocol style XML errors (<Code>...</Code>), as some front ends send. */
        const char *a = memmem(body, len, "<Code>", 6);
        if (a && !res->code[0]) {
            a += 6;
            const char *b = memmem(a, len - (size_t)(a - body), "</Code>", 7);
            if (b && b - a < (long)sizeof res->code)
                snprintf(res->code, sizeof res->code, "%.*s", (int)(b - a), a);
        }
        return;
    }
    const char *type = json_string_value(json_object_get(j, "__type"));
    if (!type)
        type = json_string_value(json_object_get(j, "code"));
    if (type && !res->code[0])
        set_code(res, type);
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (!msg)
        msg = json_string_value(json_object_get(j, "Message"));
    if (msg)
        snprintf(res->message, sizeof res->message, "%s", msg);
    json_t *rej = json_object_get(j, "rejectedLogEventsInfo");
    if (json_is_object(rej)) {
        json_t *v;
        if ((v = json_object_get(rej, "tooNewLogEventStartIndex")) && json_is_integer(v))
            res->too_new_start = (long)json_integer_value(v);
        if ((v = json_object_get(rej, "tooOldLogEventEndIndex")) && json_is_integer(v))
            res->too_old_end = (long)json_integer_value(v);
        if ((v = json_object_get(rej, "expiredLogEventEndIndex")) && json_is_integer(v))
            res->expired_end = (long)json_integer_value(v);
    }
    json_decref(j);
}

void ls_cwl_result_init(struct ls_cwl_result *res)
{
    memset(res, 0, sizeof *res);
    res->too_new_start = res->too_old_end = res->expired_end = -1;
    res->retry_after_ms = -1;
}

void ls_cwl_parse_response(const struct ls_http_resp *r, struct ls_cwl_result *res)
{
    res->status = r->status;
    res->retry_after_ms = r->retry_after_ms;
    snprintf(res->request_id, sizeof res->request_id, "%s", r->request_id);
    if (r->error_type[0])
        set_code(res, r->error_type);
    ls_cwl_parse_body(r->body.p, r->body.len, res);
    res->outcome = ls_cwl_classify(r->status, res->code);
    if (res->outcome == LS_OK && r->status >= 200 && r->status < 300 && !r->request_id[0]) {
        /* A 200 without a request id did not come from the service (proxy, truncation). */
        res->outcome = LS_TRANSIENT;
        snprintf(res->code, sizeof res->code, "MissingRequestId");
        res->too_new_start = res->too_old_end = res->expired_end = -1;
    }
}

int ls_cwl_init(struct ls_cwl *c, const char *endpoint_url, const char *region,
                struct ls_cred_chain *creds, long timeout_ms)
{
    memset(c, 0, sizeof *c);
    int https;
    snprintf(c->url, sizeof c->url, "%s", endpoint_url);
    snprintf(c->region, sizeof c->region, "%s", region);
    if (ls_url_split(c->url, &https, NULL, 0, c->hostport, sizeof c->hostport, c->path,
                     sizeof c->path) < 0)
        return -1;
    c->creds = creds;
    if (ls_http_init(&c->http, timeout_ms < 5000 ? timeout_ms : 5000, timeout_ms) < 0)
        return -1;
    c->http.max_body = 1 << 20;
    return 0;
}

void ls_cwl_free(struct ls_cwl *c)
{
    ls_http_cleanup(&c->http);
    ls_buf_wipe(&c->scratch);
}

enum ls_outcome ls_cwl_call(struct ls_cwl *c, const char *op, const char *body, size_t len,
                            long timeout_ms, struct ls_cwl_result *res)
{
    ls_cwl_result_init(res);
    const struct ls_creds *cr;
    char err[256];
    if (ls_cred_chain_get(c->creds, 0, &cr, err, sizeof err) < 0) {
        snprintf(res->code, sizeof res->code, "NoCredentials");
        snprintf(res->message, sizeof res->message, "%s", err);
        res->outcome = LS_AUTH;
        return res->outcome;
    }
    char target[96];
    snprintf(target, sizeof target, "Logs_20140328.%s", op);
    struct ls_aws_target t = {.url = c->url,
                              .region = c->region,
                              .service = "logs",
                              .scratch = &c->scratch,
                              .target = target};
    struct ls_http_resp r = {0};
    if (ls_aws_json_call(&c->http, &t, cr, body, len, timeout_ms, &r, err, sizeof err) < 0) {
        if (!r.transport_error) {
            snprintf(res->code, sizeof res->code, "SigningFailed");
            res->outcome = LS_OTHER;
        } else {
            res->outcome = LS_TRANSIENT;
            res->timed_out = r.timed_out;
            snprintf(res->code, sizeof res->code, "%s",
                     r.timed_out ? "Timeout" : "ConnectionError");
            snprintf(res->message, sizeof res->message, "%s", r.error);
        }
        ls_http_resp_free(&r);
        return res->outcome;
    }
    ls_cwl_parse_response(&r, res);
    ls_http_resp_free(&r);
    return res->outcome;
}
