/* ECR authorization tokens. */
#include "in_ecr.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_awsjson.h"
#include "ls_creds.h"
#include "ls_endpoint.h"

int in_ecr_host(const char *host, char *account, size_t alen, char *region, size_t rlen)
{
    size_t i = 0;
    while (host[i] >= '0' && host[i] <= '9')
        i++;
    if (i != 12 || strncmp(host + i, ".dkr.ecr", 8))
        return 0;
    const char *p = host + i + 8;
    if (!strncmp(p, "-fips", 5))
        p += 5;
    if (*p++ != '.')
        return 0;
    size_t rl = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");
    if (!rl || rl >= rlen || i >= alen ||
        (strcmp(p + rl, ".amazonaws.com") && strcmp(p + rl, ".amazonaws.com.cn")))
        return 0;
    snprintf(account, alen, "%.*s", (int)i, host);
    snprintf(region, rlen, "%.*s", (int)rl, p);
    return 1;
}

char *in_ecr_parse_token(const char *body, size_t n, char *err, size_t errlen)
{
    json_t *j = json_loadb(body, n, 0, NULL);
    const char *t = json_string_value(json_object_get(
        json_array_get(json_object_get(j, "authorizationData"), 0), "authorizationToken"));
    char *r = NULL;
    size_t tl = t ? strlen(t) : 0;
    if (!tl || tl % 4 || tl > 16384) {
        snprintf(err, errlen, "GetAuthorizationToken answered without a usable authorizationToken");
    } else {
        unsigned char *d = malloc(tl);
        int dl = d ? EVP_DecodeBlock(d, (const unsigned char *)t, (int)tl) : -1;
        if (dl < 4 || memcmp(d, "AWS:", 4))
            snprintf(err, errlen, "the ECR authorization token is not base64 of AWS:password");
        else
            r = strdup(t);
        if (d) {
            explicit_bzero(d, tl);
            free(d);
        }
    }
    json_decref(j);
    return r;
}

char *in_ecr_basic(const char *account, const char *region, char *err, size_t errlen)
{
    struct ls_cred_chain ch;
    if (ls_cred_chain_init(&ch, region) < 0) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char *token = NULL;
    const struct ls_creds *cr;
    char url[512], cerr[256];
    struct ls_http_resp r = {0};
    struct ls_http h;
    if (ls_cred_chain_get(&ch, 0, &cr, cerr, sizeof cerr) < 0) {
        snprintf(err, errlen, "ECR %s: no AWS credentials for ecr:GetAuthorizationToken (%s)",
                 region, cerr);
        goto out_chain;
    }
    if (ls_endpoint_for_service("api.ecr", "ECR", region, url, sizeof url, NULL, 0) < 0) {
        snprintf(err, errlen, "ECR %s: no endpoint", region);
        goto out_chain;
    }
    if (ls_http_init(&h, 5000, 20000) < 0) {
        snprintf(err, errlen, "out of memory");
        goto out_chain;
    }
    h.max_body = 64 * 1024;
    char body[96];
    snprintf(body, sizeof body, "{\"registryIds\":[\"%s\"]}", account);
    struct ls_aws_target t = {.url = url,
                              .region = region,
                              .service = "ecr",
                              .target =
                                  "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"};
    if (ls_aws_json_call(&h, &t, cr, body, strlen(body), 0, &r, err, errlen) == 0) {
        if (r.status == 200) {
            token = in_ecr_parse_token(r.body.p, r.body.len, err, errlen);
        } else {
            json_t *j = json_loadb(r.body.p ? r.body.p : "", r.body.len, 0, NULL);
            const char *msg = json_string_value(json_object_get(j, "message"));
            if (!msg)
                msg = json_string_value(json_object_get(j, "Message"));
            snprintf(err, errlen, "ecr:GetAuthorizationToken for %s in %s: HTTP %ld %s%s%.200s",
                     account, region, r.status, r.error_type, msg ? ": " : "", msg ? msg : "");
            json_decref(j);
        }
    }
    if (r.body.p)
        explicit_bzero(r.body.p, r.body.len);
    ls_http_resp_free(&r);
    ls_http_cleanup(&h);
out_chain:
    ls_cred_chain_free(&ch);
    return token;
}
