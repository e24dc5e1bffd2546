/* Signed AWS JSON 1.1 calls. */
#include "ls_awsjson.h"

#include <stdio.h>
#include <string.h>

#include "ls_endpoint.h"
#include "ls_sigv4.h"
#include "tt_time.h"

int ls_aws_json_call(struct ls_http *h, const struct ls_aws_target *t, const struct ls_creds *cr,
                     const char *body, size_t len, long timeout_ms, struct ls_http_resp *r,
                     char *err, size_t errlen)
{
    int https;
    char hostport[300], path[1024];
    if (ls_url_split(t->url, &https, NULL, 0, hostport, sizeof hostport, path, sizeof path) < 0) {
        snprintf(err, errlen, "bad endpoint URL %s", t->url);
        return -1;
    }
    char amz_date[17];
    ls_amz_date((long long)(tt_wall_ms() / 1000), amz_date);
    static const char ctype[] = "application/x-amz-json-1.1";
    struct ls_sig_header sh[5] = {
        {"Host", 4, hostport, strlen(hostport)},
        {"X-Amz-Date", 10, amz_date, 16},
        {"X-Amz-Target", 12, t->target, strlen(t->target)},
        {"Content-Type", 12, ctype, sizeof ctype - 1},
        {"X-Amz-Security-Token", 20, cr->token, strlen(cr->token)},
    };
    struct ls_sig_request rq = {.method = "POST",
                                .path = path,
                                .path_len = strlen(path),
                                .headers = sh,
                                .nheaders = cr->token[0] ? 5 : 4,
                                .body = body,
                                .body_len = len};
    struct ls_sig_result sig = {0};
    if (ls_sigv4_sign(&rq, amz_date, t->region, t->service, cr->akid, cr->secret, &sig) < 0) {
        ls_sig_result_free(&sig);
        snprintf(err, errlen, "SigV4 signing failed");
        return -1;
    }
    char h_host[320], h_date[40], h_target[200], h_auth[400];
    snprintf(h_host, sizeof h_host, "Host: %s", hostport);
    snprintf(h_date, sizeof h_date, "X-Amz-Date: %s", amz_date);
    snprintf(h_target, sizeof h_target, "X-Amz-Target: %s", t->target);
    snprintf(h_auth, sizeof h_auth, "Authorization: %s", sig.authorization.p);
    ls_sig_result_free(&sig);
    struct ls_buf own = {0}, *tok = t->scratch ? t->scratch : &own;
    ls_buf_reset(tok);
    const char *hdrs[6] = {h_host, h_date, h_target, "Content-Type: application/x-amz-json-1.1",
                           h_auth, NULL};
    size_t nh = 5;
    if (cr->token[0]) {
        if (ls_buf_printf(tok, "X-Amz-Security-Token: %s", cr->token) < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        hdrs[nh++] = tok->p;
    }
    int rc = ls_http_do(h, "POST", t->url, hdrs, nh, body, len, timeout_ms, r);
    if (tok->p)
        explicit_bzero(tok->p, tok->len);
    ls_buf_free(&own);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", t->url, r->error);
    return rc;
}
