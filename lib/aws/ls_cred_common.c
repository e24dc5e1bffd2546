/* Helpers every credential provider shares: the credentials JSON of container endpoints, IMDS
 * and credential_process, and token files (web identity, container authorization). The
 * providers (ls_cred_*.c) and the chain (ls_creds.c) depend on this file, never the other way. */
#include "ls_creds.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ls_json.h"
#include "tt_io.h"

int ls_creds_parse_json(const char *s, size_t n, struct ls_creds *c, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(s, n, 0, &je);
    if (!j || !json_is_object(j)) {
        snprintf(err, errlen, "credentials response is not a JSON object");
        json_decref(j);
        return -1;
    }
    const char *ak = json_string_value(json_object_get(j, "AccessKeyId"));
    const char *sk = json_string_value(json_object_get(j, "SecretAccessKey"));
    const char *tk = json_string_value(json_object_get(j, "Token"));
    if (!tk)
        tk = json_string_value(json_object_get(j, "SessionToken"));
    const char *ex = json_string_value(json_object_get(j, "Expiration"));
    int rc = -1;
    if (!ak || !sk || !*ak || !*sk) {
        snprintf(err, errlen, "credentials response lacks AccessKeyId/SecretAccessKey");
        goto done;
    }
    if (strlen(ak) >= sizeof c->akid || strlen(sk) >= sizeof c->secret ||
        (tk && strlen(tk) >= sizeof c->token)) {
        snprintf(err, errlen, "credentials too long");
        goto done;
    }
    snprintf(c->akid, sizeof c->akid, "%s", ak);
    snprintf(c->secret, sizeof c->secret, "%s", sk);
    snprintf(c->token, sizeof c->token, "%s", tk ? tk : "");
    c->expires_ms = 0;
    if (ex && !ls_rfc3339_ms(ex, strlen(ex), &c->expires_ms)) {
        snprintf(err, errlen, "unreadable Expiration");
        goto done;
    }
    rc = 0;
done:
    json_decref(j);
    return rc;
}

char *ls_read_token_file(const char *path, size_t max, size_t *len)
{
    char *t = tt_read_file(path, max, len);
    if (!t)
        return NULL;
    while (*len && (t[*len - 1] == '\n' || t[*len - 1] == '\r' || t[*len - 1] == ' '))
        t[--*len] = '\0';
    return t;
}
