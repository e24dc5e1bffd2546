/* STS Query API (AssumeRole, AssumeRoleWithWebIdentity): what both calls share. The POST and the
 * response handling (ls_sts_post), and the response parsing itself, which does no I/O: the XML
 * text scanner and the credentials / error extraction. */
#include <stdio.h>
#include <string.h>

#include "ls_creds.h"
#include "ls_json.h"

int ls_xml_text(const char *xml, const char *tag, char *out, size_t outlen)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = strstr(xml, open);
    if (!a)
        return 0;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b || (size_t)(b - a) >= outlen)
        return 0;
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
    return 1;
}

int ls_sts_parse_response(const char *action, long status, const char *body, struct ls_creds *c,
                          char *err, size_t errlen)
{
    const char *x = body ? body : "";
    if (status != 200) {
        char code[128] = "";
        ls_xml_text(x, "Code", code, sizeof code);
        snprintf(err, errlen, "STS %s: HTTP %ld %s", action, status, code);
        return -1;
    }
    char ex[64];
    if (!ls_xml_text(x, "AccessKeyId", c->akid, sizeof c->akid) ||
        !ls_xml_text(x, "SecretAccessKey", c->secret, sizeof c->secret) ||
        !ls_xml_text(x, "SessionToken", c->token, sizeof c->token)) {
        snprintf(err, errlen, "STS %s response lacks credentials", action);
        return -1;
    }
    c->expires_ms = 0;
    if (ls_xml_text(x, "Expiration", ex, sizeof ex))
        ls_rfc3339_ms(ex, strlen(ex), &c->expires_ms);
    return 0;
}

int ls_sts_post(struct ls_http *h, const char *url, const char *const *headers, size_t nheaders,
                const char *body, size_t body_len, const char *action, struct ls_creds *c,
                char *err, size_t errlen)
{
    struct ls_http_resp r = {0};
    int rc = -1;
    if (ls_http_do(h, "POST", url, headers, nheaders, body, body_len, 0, &r) < 0)
        snprintf(err, errlen, "STS: %s", r.error);
    else
        rc = ls_sts_parse_response(action, r.status, r.body.p, c, err, errlen);
    if (r.body.p)
        explicit_bzero(r.body.p, r.body.len);
    ls_http_resp_free(&r);
    return rc;
}
