/* EC2 instance metadata, IMDSv2 only: PUT a session token, then read the role name and its
 * credentials. Disabled by AWS_EC2_METADATA_DISABLED=true; endpoint from
 * AWS_EC2_METADATA_SERVICE_ENDPOINT (or ..._ENDPOINT_MODE=IPv6). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ls_creds.h"

int ls_imds_token_header(const char *body, size_t len, char *out, size_t outlen)
{
    if (len == 0 || len > 200)
        return -1;
    /* The token goes into a header line: a control character (CR, LF, NUL) or a space would
     * end it early or add a header of the server's choosing. */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)body[i] <= ' ' || (unsigned char)body[i] >= 0x7f)
            return -1;
    int n = snprintf(out, outlen, "X-aws-ec2-metadata-token: %.*s", (int)len, body);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int ls_imds_role_name(const char *body, size_t len, char *out, size_t outlen)
{
    /* The first line; IAM role names are [A-Za-z0-9+=,.@_-]{1,64}. Anything else (a slash, '?',
     * "..") would change the URL it is appended to. */
    size_t rl = 0;
    while (rl < len && body[rl] != '\r' && body[rl] != '\n')
        rl++;
    if (rl == 0 || rl >= outlen)
        return -1;
    for (size_t i = 0; i < rl; i++) {
        unsigned char ch = (unsigned char)body[i];
        if (!isalnum(ch) && (!ch || !strchr("+=,.@_-", ch)))
            return -1;
    }
    if ((rl == 1 && body[0] == '.') || (rl == 2 && body[0] == '.' && body[1] == '.'))
        return -1;
    memcpy(out, body, rl);
    out[rl] = '\0';
    return 0;
}

int ls_cred_imds(struct ls_http *h, struct ls_creds *c, char *err, size_t errlen)
{
    const char *dis = getenv("AWS_EC2_METADATA_DISABLED");
    if (dis && !strcasecmp(dis, "true"))
        return 0;
    char base[512];
    const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    if (ep && *ep)
        snprintf(base, sizeof base, "%s", ep);
    else if (mode && !strcasecmp(mode, "IPv6"))
        snprintf(base, sizeof base, "http://[fd00:ec2::254]");
    else
        snprintf(base, sizeof base, "http://169.254.169.254");
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        base[--bl] = '\0';

    char url[1024], tokhdr[256], role[256];
    struct ls_http_resp r = {0};
    int rc = -1;
    snprintf(url, sizeof url, "%s/latest/api/token", base);
    const char *put_h[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600"};
    if (ls_http_do(h, "PUT", url, put_h, 1, "", 0, 0, &r) < 0) {
        rc = 0; /* nothing answers: not on EC2 */
        snprintf(err, errlen, "IMDS: %s", r.error);
        goto done;
    }
    if (r.status != 200) {
        snprintf(err, errlen, "IMDS token: HTTP %ld", r.status);
        goto done;
    }
    if (ls_imds_token_header(r.body.p, r.body.len, tokhdr, sizeof tokhdr) < 0) {
        snprintf(err, errlen, "IMDS token unusable");
        goto done;
    }
    const char *get_h[] = {tokhdr};
    snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/", base);
    if (ls_http_do(h, "GET", url, get_h, 1, NULL, 0, 0, &r) < 0 || r.status != 200 ||
        r.body.len == 0) {
        snprintf(err, errlen, "IMDS role name: %s", r.transport_error ? r.error : "no role");
        goto done;
    }
    if (ls_imds_role_name(r.body.p, r.body.len, role, sizeof role) < 0) {
        snprintf(err, errlen, "IMDS role name unreadable");
        goto done;
    }
    snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/%s", base, role);
    if (ls_http_do(h, "GET", url, get_h, 1, NULL, 0, 0, &r) < 0 || r.status != 200) {
        snprintf(err, errlen, "IMDS credentials: %s", r.transport_error ? r.error : "HTTP error");
        goto done;
    }
    rc = ls_creds_parse_json(r.body.p, r.body.len, c, err, errlen) == 0 ? 1 : -1;
done:
    explicit_bzero(tokhdr, sizeof tokhdr);
    if (r.body.p)
        explicit_bzero(r.body.p, r.body.len);
    ls_http_resp_free(&r);
    return rc;
}
