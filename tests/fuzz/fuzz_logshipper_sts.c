/* libFuzzer target: STS Query API responses (AssumeRole, AssumeRoleWithWebIdentity) and the XML
 * text scanner, on arbitrary bytes. The first byte picks the HTTP status; the rest is the body,
 * NUL-terminated as ls_http_do delivers it. Extracted credentials must fit their fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ls_creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    long status = (data[0] & 1) ? 200 : 400 + data[0];
    char *body = malloc(size);
    if (!body)
        return 0;
    memcpy(body, data + 1, size - 1);
    body[size - 1] = '\0';
    struct ls_creds *c = calloc(1, sizeof *c);
    if (!c) {
        free(body);
        return 0;
    }
    char err[256];
    const char *action = (data[0] & 2) ? "AssumeRole" : "AssumeRoleWithWebIdentity";
    if (ls_sts_parse_response(action, status, body, c, err, sizeof err) == 0) {
        if (!memchr(c->akid, '\0', sizeof c->akid) || !memchr(c->secret, '\0', sizeof c->secret) ||
            !memchr(c->token, '\0', sizeof c->token) || status != 200)
            abort();
    } else if (!memchr(err, '\0', sizeof err)) {
        abort();
    }
    char small[8];
    (void)ls_xml_text(body, "Code", small, sizeof small);
    (void)ls_xml_text(body, "A", small, 1);
    free(c);
    free(body);
    return 0;
}
