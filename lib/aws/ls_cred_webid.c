/* Web identity (EKS IRSA): AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN -> STS
 * AssumeRoleWithWebIdentity, unsigned, Query API with an XML response. The token file is re-read
 * on every refresh (the kubelet rotates it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_buf.h"
#include "ls_creds.h"
#include "tt_io.h"
#include "ls_endpoint.h"
#include "ls_json.h"
#include "ls_sigv4.h"

int ls_sts_assume_role_web_identity(struct ls_http *h, const char *region, const char *role_arn,
                                    const char *session_name, const char *token_file,
                                    struct ls_creds *c, char *err, size_t errlen)
{
    struct ls_buf body = {0};
    char url[1024];
    int rc = -1;
    size_t tok_len = 0;
    char *tok = ls_read_token_file(token_file, TT_CAP_TOKEN_FILE, &tok_len);
    if (!tok || tok_len == 0) {
        snprintf(err, errlen, "cannot read web identity token file %s", token_file);
        goto done;
    }
    if (ls_endpoint_for_service("sts", "STS", region, url, sizeof url, NULL, 0) < 0) {
        snprintf(err, errlen, "no STS endpoint");
        goto done;
    }
    if (ls_buf_adds(&body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=") < 0 ||
        ls_uri_encode(&body, role_arn, strlen(role_arn), 0) < 0 ||
        ls_buf_adds(&body, "&RoleSessionName=") < 0 ||
        ls_uri_encode(&body, session_name, strlen(session_name), 0) < 0 ||
        ls_buf_adds(&body, "&WebIdentityToken=") < 0 || ls_uri_encode(&body, tok, tok_len, 0) < 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    const char *hdrs[] = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
                          "Accept: */*"};
    if (ls_sts_post(h, url, hdrs, 2, body.p, body.len, "AssumeRoleWithWebIdentity", c, err,
                    errlen) < 0)
        goto done;
    rc = 0;
done:
    if (tok) {
        explicit_bzero(tok, tok_len);
        free(tok);
    }
    ls_buf_wipe(&body);
    return rc;
}

int ls_cred_webid(struct ls_http *h, const char *region, struct ls_creds *c, char *err,
                  size_t errlen)
{
    const char *file = getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), *role = getenv("AWS_ROLE_ARN");
    const char *sess = getenv("AWS_ROLE_SESSION_NAME");
    if (!file || !*file || !role || !*role)
        return 0;
    return ls_sts_assume_role_web_identity(h, region, role, sess && *sess ? sess : "logshipper",
                                           file, c, err, errlen) == 0
               ? 1
               : -1;
}
