/* --sign mode: parse "METHOD target HTTP/1.1", headers (with folded continuation lines), a blank
 * line and a body; add X-Amz-Date / X-Amz-Security-Token when missing; sign; print. */
#include "ls_signcmd.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_HEADERS 128

struct hline {
    char *name;
    struct ls_buf value;
};

static const char *line_end(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (e > p && e[-1] == '\r')
        e--;
    return e;
}

int ls_sign_request_text(const char *text, size_t n, const struct ls_sign_opts *o, FILE *out,
                         char *err, size_t errlen)
{
    const char *p = text, *end = text + n, *next;
    struct hline h[MAX_HEADERS];
    size_t nh = 0;
    int rc = -1;
    char *method = NULL, *target = NULL, *proto = NULL;
    struct ls_sig_result res = {0};
    memset(h, 0, sizeof h);

    const char *le = line_end(p, end, &next);
    const char *sp1 = memchr(p, ' ', (size_t)(le - p));
    if (!sp1) {
        snprintf(err, errlen, "request line must be 'METHOD target HTTP/1.1'");
        goto done;
    }
    const char *sp2 = NULL;
    for (const char *q = le; q > sp1 + 1; q--)
        if (q[-1] == ' ') {
            sp2 = q - 1;
            break;
        }
    if (!sp2 || sp2 == sp1 || le - sp2 < 6 || memcmp(sp2 + 1, "HTTP/", 5) != 0) {
        /* No protocol: the target runs to the end of the line. */
        sp2 = le;
    }
    method = strndup(p, (size_t)(sp1 - p));
    target = strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    proto = sp2 < le ? strndup(sp2 + 1, (size_t)(le - sp2 - 1)) : strdup("HTTP/1.1");
    if (!method || !target || !proto) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    p = next;
    while (p < end) {
        le = line_end(p, end, &next);
        if (le == p) { /* blank line: body follows */
            p = next;
            break;
        }
        if ((*p == ' ' || *p == '\t') && nh > 0) { /* folded continuation */
            while (p < le && (*p == ' ' || *p == '\t'))
                p++;
            if (ls_buf_addc(&h[nh - 1].value, ',') < 0 ||
                ls_buf_add(&h[nh - 1].value, p, (size_t)(le - p)) < 0)
                goto oom;
        } else {
            const char *colon = memchr(p, ':', (size_t)(le - p));
            if (!colon) {
                snprintf(err, errlen, "header line without ':'");
                goto done;
            }
            if (nh == MAX_HEADERS) {
                snprintf(err, errlen, "too many headers");
                goto done;
            }
            h[nh].name = strndup(p, (size_t)(colon - p));
            if (!h[nh].name || ls_buf_add(&h[nh].value, colon + 1, (size_t)(le - colon - 1)) < 0)
                goto oom;
            nh++;
        }
        p = next;
    }
    const char *body = p < end ? p : "";
    size_t body_len = p < end ? (size_t)(end - p) : 0;

    /* X-Amz-Date: option, else the request's, else now. */
    int have_date = -1, have_token = 0, have_host = 0;
    for (size_t i = 0; i < nh; i++) {
        if (!strcasecmp(h[i].name, "x-amz-date"))
            have_date = (int)i;
        if (!strcasecmp(h[i].name, "x-amz-security-token"))
            have_token = 1;
        if (!strcasecmp(h[i].name, "host"))
            have_host = 1;
    }
    if (!have_host) {
        snprintf(err, errlen, "the request has no Host header");
        goto done;
    }
    char amz_date[32];
    if (o->date) {
        snprintf(amz_date, sizeof amz_date, "%s", o->date);
    } else if (have_date >= 0) {
        const struct ls_buf *v = &h[have_date].value;
        size_t i = 0;
        while (i < v->len && (v->p[i] == ' ' || v->p[i] == '\t'))
            i++;
        snprintf(amz_date, sizeof amz_date, "%.*s", (int)(v->len - i), v->p + i);
    } else {
        ls_amz_date((long long)time(NULL), amz_date);
    }
    if (have_date < 0 && nh < MAX_HEADERS) {
        h[nh].name = strdup("X-Amz-Date");
        if (!h[nh].name || ls_buf_adds(&h[nh].value, amz_date) < 0)
            goto oom;
        nh++;
    }
    if (o->token && *o->token && !have_token && nh < MAX_HEADERS) {
        h[nh].name = strdup("X-Amz-Security-Token");
        if (!h[nh].name || ls_buf_adds(&h[nh].value, o->token) < 0)
            goto oom;
        nh++;
    }

    struct ls_sig_header sh[MAX_HEADERS];
    for (size_t i = 0; i < nh; i++) {
        sh[i].name = h[i].name;
        sh[i].name_len = strlen(h[i].name);
        sh[i].value = h[i].value.p ? h[i].value.p : "";
        sh[i].value_len = h[i].value.len;
    }
    char *q = strchr(target, '?');
    struct ls_sig_request rq = {
        .method = method,
        .path = target,
        .path_len = q ? (size_t)(q - target) : strlen(target),
        .query = q ? q + 1 : NULL,
        .query_len = q ? strlen(q + 1) : 0,
        .headers = sh,
        .nheaders = nh,
        .body = body,
        .body_len = body_len,
    };
    if (ls_sigv4_sign(&rq, amz_date, o->region, o->service, o->akid, o->secret, &res) < 0)
        goto oom;
    fprintf(out, "----- canonical request -----\n%s\n", res.creq.p);
    fprintf(out, "----- string to sign -----\n%s\n", res.sts.p);
    fprintf(out, "----- signed request -----\n%s %s %s\n", method, target, proto);
    for (size_t i = 0; i < nh; i++)
        fprintf(out, "%s:%s\n", h[i].name, h[i].value.p ? h[i].value.p : "");
    fprintf(out, "Authorization: %s\n\n", res.authorization.p);
    fwrite(body, 1, body_len, out);
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    for (size_t i = 0; i < nh; i++) {
        free(h[i].name);
        ls_buf_free(&h[i].value);
    }
    free(method);
    free(target);
    free(proto);
    ls_sig_result_free(&res);
    return rc;
}
