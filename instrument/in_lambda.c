/* Lambda custom runtime loop and the macro's request/response shape. */
#include "in_lambda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "in_err.h"
#include "in_opts.h"
#include "in_run.h"
#include "ls_http.h"
#include "tt_exit.h"

static json_t *failure(const char *request_id, json_t *fragment, const char *msg)
{
    return json_pack("{s:s, s:s, s:O?, s:s}", "requestId", request_id ? request_id : "", "status",
                     "failure", "fragment", fragment, "errorMessage", msg);
}

/* One macro request to its answer (a new reference). No I/O besides registry lookups. */
static json_t *in_macro_answer(json_t *event)
{
    const char *rid = json_string_value(json_object_get(event, "requestId"));
    json_t *fragment = json_object_get(event, "fragment");
    if (!rid || !fragment)
        return failure(rid, fragment, "not a CloudFormation macro request (requestId, fragment)");
    struct in_opts o;
    in_opts_init(&o);
    struct in_errs errs = {0};
    char err[512];
    json_t *answer = NULL, *work = NULL, *params = NULL;
    if (in_opts_from_env(&o, err, sizeof err) < 0) {
        in_errf(&errs, "the function's INSTRUMENT_* configuration: %s", err);
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(event, "params"), k, v)
    {
        int r = in_opts_set(&o, k, v, err, sizeof err);
        if (r <= 0)
            in_errf(&errs, "Transform parameter %s: %s", k,
                    r < 0 ? err : "not an option of instrument (docs/instrument.md)");
    }
    if (!errs.n && in_opts_check(&o, err, sizeof err) < 0)
        in_errf(&errs, "%s", err);
    if (errs.n)
        goto out;
    /* parameter values and pseudo parameters, to find images given as Ref / Fn::Sub */
    params = json_object();
    json_object_foreach(json_object_get(event, "templateParameterValues"), k, v)
    {
        if (json_is_string(v)) /* lists (CommaDelimitedList...) cannot name an image */
            json_object_set(params, k, v);
    }
    const char *region = json_string_value(json_object_get(event, "region"));
    const char *account = json_string_value(json_object_get(event, "accountId"));
    if (region)
        json_object_set_new(params, "AWS::Region", json_string(region));
    if (account)
        json_object_set_new(params, "AWS::AccountId", json_string(account));
    if (region && !strncmp(region, "cn-", 3)) {
        json_object_set_new(params, "AWS::Partition", json_string("aws-cn"));
        json_object_set_new(params, "AWS::URLSuffix", json_string("amazonaws.com.cn"));
    }
    work = json_deep_copy(fragment);
    if (!work || in_run_json(&o, &work, params, &errs) < 0)
        goto out;
    answer = json_pack("{s:s, s:s, s:O}", "requestId", rid, "status", "success", "fragment", work);
out:
    if (!answer) {
        char *msg = in_errs_join(&errs);
        answer = failure(rid, fragment, msg && *msg ? msg : "out of memory");
        free(msg);
    }
    json_decref(work);
    json_decref(params);
    in_errs_free(&errs);
    in_opts_free(&o);
    return answer;
}

static int post(struct ls_http *h, const char *url, json_t *body, const char *extra_header)
{
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s)
        return -1;
    const char *hdrs[2] = {"Content-Type: application/json", extra_header};
    struct ls_http_resp r = {0};
    int rc = ls_http_do(h, "POST", url, hdrs, extra_header ? 2 : 1, s, strlen(s), 10000, &r);
    if (rc == 0 && (r.status < 200 || r.status > 299)) {
        fprintf(stderr, "instrument: runtime API %s: HTTP %ld\n", url, r.status);
        rc = -1;
    } else if (rc < 0) {
        fprintf(stderr, "instrument: runtime API %s: %s\n", url, r.error);
    }
    ls_http_resp_free(&r);
    free(s);
    return rc;
}

int in_lambda_serve(void)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api || !*api || strpbrk(api, "/ ")) {
        fprintf(stderr, "instrument: --lambda: AWS_LAMBDA_RUNTIME_API is not set (host:port)\n");
        return TT_EXIT_USAGE;
    }
    struct ls_http h;
    if (ls_http_init(&h, 2000, 0) < 0) /* the next-invocation request waits as long as it takes */
        return 1;
    h.max_body = 64u << 20;
    char base[512], url[1024];
    snprintf(base, sizeof base, "http://%s/2018-06-01/runtime", api);
    /* A configuration error shows up at once, as the init error Lambda reports. */
    struct in_opts o;
    in_opts_init(&o);
    char err[512];
    if (in_opts_from_env(&o, err, sizeof err) < 0 || in_opts_check(&o, err, sizeof err) < 0) {
        json_t *e = json_pack("{s:s, s:s}", "errorMessage", err, "errorType", "Configuration");
        snprintf(url, sizeof url, "%s/init/error", base);
        post(&h, url, e, "Lambda-Runtime-Function-Error-Type: Runtime.ConfigurationError");
        json_decref(e);
        in_opts_free(&o);
        ls_http_cleanup(&h);
        return 1;
    }
    in_opts_free(&o);
    for (;;) {
        struct ls_http_resp r = {.keep_headers = 1};
        snprintf(url, sizeof url, "%s/invocation/next", base);
        if (ls_http_do(&h, "GET", url, NULL, 0, NULL, 0, 0, &r) < 0 || r.status != 200) {
            fprintf(stderr, "instrument: runtime API %s: %s\n", url,
                    r.transport_error ? r.error : "unexpected status");
            ls_http_resp_free(&r);
            break;
        }
        char rid[256] = "";
        ls_http_header(&r, "Lambda-Runtime-Aws-Request-Id", rid, sizeof rid);
        char trace[512];
        if (ls_http_header(&r, "Lambda-Runtime-Trace-Id", trace, sizeof trace))
            setenv("_X_AMZN_TRACE_ID", trace, 1);
        json_error_t je;
        json_t *ev = json_loadb(r.body.p ? r.body.p : "", r.body.len, 0, &je);
        ls_http_resp_free(&r);
        if (!rid[0] || strpbrk(rid, "/?# ")) {
            fprintf(stderr, "instrument: runtime API: an invocation without a usable request id\n");
            json_decref(ev);
            continue;
        }
        if (!json_is_object(ev)) {
            json_t *e = json_pack("{s:s, s:s}", "errorMessage",
                                  "the event is not a JSON object (a CloudFormation macro request)",
                                  "errorType", "InvalidEvent");
            snprintf(url, sizeof url, "%s/invocation/%s/error", base, rid);
            post(&h, url, e, "Lambda-Runtime-Function-Error-Type: Unhandled");
            json_decref(e);
            json_decref(ev);
            continue;
        }
        json_t *ans = in_macro_answer(ev);
        const char *st = json_string_value(json_object_get(ans, "status"));
        const char *mrid = json_string_value(json_object_get(ev, "requestId"));
        const char *msg = json_string_value(json_object_get(ans, "errorMessage"));
        fprintf(stderr, "instrument: macro request %s: %s%s%s\n", mrid ? mrid : "?", st ? st : "?",
                msg ? ": " : "", msg ? msg : "");
        snprintf(url, sizeof url, "%s/invocation/%s/response", base, rid);
        post(&h, url, ans, NULL);
        json_decref(ans);
        json_decref(ev);
    }
    ls_http_cleanup(&h);
    return 1;
}
