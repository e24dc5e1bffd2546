/* Container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (ECS task role, served at
 * 169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS Pod Identity and others; only https,
 * loopback or the ECS/EKS link-local hosts are accepted) with an Authorization token from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read every time) or AWS_CONTAINER_AUTHORIZATION_TOKEN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ls_buf.h"
#include "ls_creds.h"
#include "tt_io.h"
#include "ls_endpoint.h"

int ls_container_uri_allowed(const char *uri)
{
    char host[256];
    int https = 0;
    if (ls_url_split(uri, &https, host, sizeof host, NULL, 0, NULL, 0) < 0)
        return 0;
    if (https)
        return 1;
    return !strncmp(host, "127.", 4) || !strcmp(host, "[::1]") || !strcasecmp(host, "localhost") ||
           !strcmp(host, "169.254.170.2") || !strcmp(host, "169.254.170.23") ||
           !strcasecmp(host, "[fd00:ec2::23]");
}

int ls_cred_container(struct ls_http *h, struct ls_creds *c, char *err, size_t errlen)
{
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    char url[2048];
    if (rel && *rel) {
        /* LOGSHIPPER_CONTAINER_CREDENTIALS_HOST exists for tests (a loopback stand-in). */
        const char *host = getenv("LOGSHIPPER_CONTAINER_CREDENTIALS_HOST");
        snprintf(url, sizeof url, "http://%s%s", host && *host ? host : "169.254.170.2", rel);
    } else if (full && *full) {
        if (!ls_container_uri_allowed(full)) {
            snprintf(err, errlen,
                     "AWS_CONTAINER_CREDENTIALS_FULL_URI host is not allowed "
                     "(https, loopback, 169.254.170.2/23 only)");
            return -1;
        }
        snprintf(url, sizeof url, "%s", full);
    } else {
        return 0;
    }
    char tok[8192] = "", hdr[8300];
    const char *tf = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *te = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (tf && *tf) {
        size_t n = 0;
        char *t = ls_read_token_file(tf, TT_CAP_TOKEN_FILE, &n);
        if (t && n < sizeof tok)
            memcpy(tok, t, n + 1);
        if (t) {
            explicit_bzero(t, n);
            free(t);
        }
        if (!t || n >= sizeof tok) {
            snprintf(err, errlen, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
            return -1;
        }
    } else if (te && *te) {
        snprintf(tok, sizeof tok, "%s", te);
    }
    if (strpbrk(tok, "\r\n")) {
        snprintf(err, errlen, "container authorization token contains a line break");
        return -1;
    }
    const char *hdrs[2] = {"Accept: application/json", hdr};
    size_t nh = 1;
    if (tok[0]) {
        snprintf(hdr, sizeof hdr, "Authorization: %s", tok);
        nh = 2;
    }
    struct ls_http_resp r = {0};
    int rc = -1;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (ls_http_do(h, "GET", url, hdrs, nh, NULL, 0, 0, &r) < 0) {
            snprintf(err, errlen, "container credentials: %s", r.error);
            continue;
        }
        if (r.status != 200) {
            snprintf(err, errlen, "container credentials: HTTP %ld", r.status);
            if (r.status < 500)
                break;
            continue;
        }
        rc = ls_creds_parse_json(r.body.p, r.body.len, c, err, errlen) == 0 ? 1 : -1;
        break;
    }
    explicit_bzero(tok, sizeof tok);
    explicit_bzero(hdr, sizeof hdr);
    if (r.body.p)
        explicit_bzero(r.body.p, r.body.len);
    ls_http_resp_free(&r);
    return rc;
}
