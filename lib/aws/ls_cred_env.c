/* The environment provider: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
 * AWS_CREDENTIAL_EXPIRATION, as the SDKs read them. */
#include "ls_creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_json.h"

int ls_cred_env(struct ls_creds *c, char *err, size_t errlen)
{
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    const char *tk = getenv("AWS_SESSION_TOKEN"), *ex = getenv("AWS_CREDENTIAL_EXPIRATION");
    if (!ak || !*ak)
        return 0;
    if (!sk || !*sk) {
        snprintf(err, errlen, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
        return -1;
    }
    if (strlen(ak) >= sizeof c->akid || strlen(sk) >= sizeof c->secret ||
        (tk && strlen(tk) >= sizeof c->token)) {
        snprintf(err, errlen, "credentials in the environment are too long");
        return -1;
    }
    snprintf(c->akid, sizeof c->akid, "%s", ak);
    snprintf(c->secret, sizeof c->secret, "%s", sk);
    snprintf(c->token, sizeof c->token, "%s", tk ? tk : "");
    c->expires_ms = 0;
    if (ex && *ex && !ls_rfc3339_ms(ex, strlen(ex), &c->expires_ms))
        c->expires_ms = 0;
    return 1;
}
