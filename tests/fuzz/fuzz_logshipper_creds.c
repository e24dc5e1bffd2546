/* libFuzzer target: credential responses from the container endpoint, IMDS and credential_process
 * (credentials JSON), plus the IMDSv2 token and role-name bodies, on arbitrary bytes copied to an
 * exact-size heap block (not NUL-terminated, as a response body may be read by length). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ls_creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    struct ls_creds *c = calloc(1, sizeof *c);
    if (!s || !c) {
        free(s);
        free(c);
        return 0;
    }
    memcpy(s, data, size);
    char err[256];
    if (ls_creds_parse_json(s, size, c, err, sizeof err) == 0 &&
        (!c->akid[0] || !c->secret[0] || !memchr(c->token, '\0', sizeof c->token)))
        abort();
    memset(c, 0, sizeof *c);
    (void)ls_cred_process_parse(s, size, c, err, sizeof err);

    char hdr[256], role[256];
    if (ls_imds_token_header(s, size, hdr, sizeof hdr) == 0 && strpbrk(hdr, "\r\n"))
        abort(); /* the token must never add a header line */
    if (ls_imds_role_name(s, size, role, sizeof role) == 0 &&
        (!role[0] || strpbrk(role, "/?#%\r\n ")))
        abort(); /* nor change the URL it is appended to */
    free(c);
    free(s);
    return 0;
}
