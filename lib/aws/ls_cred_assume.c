/* STS AssumeRole (Query API, signed with SigV4 by the source profile's credentials), for
 * profiles with role_arn + source_profile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_buf.h"
#include "ls_creds.h"
#include "ls_endpoint.h"
#include "ls_json.h"
#include "ls_sigv4.h"
#include "tt_time.h"

static int add_param(struct ls_buf *b, const char *name, const char *value)
{
    return ls_buf_printf(b, "&%s=", name) < 0 || ls_uri_encode(b, value, strlen(value), 0) < 0 ? -1
                                                                                               : 0;
}

int ls_sts_assume_role(struct ls_http *h, const char *region, const struct ls_creds *src,
                       const char *role_arn, const char *session_name, const char *external_id,
                       int duration_s, struct ls_creds *c, char *err, size_t errlen)
{
    char url[1024], hostport[300], path[512];
    int https;
    const char *sign_region = region && *region ? region : "us-east-1";
    if (ls_endpoint_for_service("sts", "STS", sign_region, url, sizeof url, NULL, 0) < 0 ||
        ls_url_split(url, &https, NULL, 0, hostport, sizeof hostport, path, sizeof path) < 0) {
        snprintf(err, errlen, "no STS endpoint");
        return -1;
    }
    struct ls_buf body = {0}, tok = {0};
    struct ls_sig_result sig = {0};
    int rc = -1;
    if (ls_buf_adds(&body, "Action=AssumeRole&Version=2011-06-15") < 0 ||
        add_param(&body, "RoleArn", role_arn) < 0 ||
        add_param(&body, "RoleSessionName", session_name) < 0 ||
        (external_id && *external_id && add_param(&body, "ExternalId", external_id) < 0) ||
        (duration_s > 0 && ls_buf_printf(&body, "&DurationSeconds=%d", duration_s) < 0)) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    char amz_date[17];
    ls_amz_date((long long)(tt_wall_ms() / 1000), amz_date);
    static const char ctype[] = "application/x-www-form-urlencoded; charset=utf-8";
    struct ls_sig_header sh[4] = {
        {"Host", 4, hostport, strlen(hostport)},
        {"X-Amz-Date", 10, amz_date, 16},
        {"Content-Type", 12, ctype, sizeof ctype - 1},
        {"X-Amz-Security-Token", 20, src->token, strlen(src->token)},
    };
    struct ls_sig_request rq = {.method = "POST",
                                .path = path,
                                .path_len = strlen(path),
                                .headers = sh,
                                .nheaders = src->token[0] ? 4 : 3,
                                .body = body.p,
                                .body_len = body.len};
    if (ls_sigv4_sign(&rq, amz_date, sign_region, "sts", src->akid, src->secret, &sig) < 0) {
        snprintf(err, errlen, "signing failed");
        goto done;
    }
    char h_host[320], h_date[40], h_auth[400];
    snprintf(h_host, sizeof h_host, "Host: %s", hostport);
    snprintf(h_date, sizeof h_date, "X-Amz-Date: %s", amz_date);
    snprintf(h_auth, sizeof h_auth, "Authorization: %s", sig.authorization.p);
    const char *hdrs[5] = {h_host, h_date,
                           "Content-Type: application/x-www-form-urlencoded; "
                           "charset=utf-8",
                           h_auth, NULL};
    size_t nh = 4;
    if (src->token[0]) {
        if (ls_buf_printf(&tok, "X-Amz-Security-Token: %s", src->token) < 0)
            goto done;
        hdrs[nh++] = tok.p;
    }
    if (ls_sts_post(h, url, hdrs, nh, body.p, body.len, "AssumeRole", c, err, errlen) < 0)
        goto done;
    rc = 0;
done:
    ls_sig_result_free(&sig);
    ls_buf_wipe(&tok);
    ls_buf_free(&body);
    return rc;
}
