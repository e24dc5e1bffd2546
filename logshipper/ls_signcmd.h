/* `logshipper --sign`: sign an HTTP request read on stdin and show every SigV4 step. */
#ifndef LS_SIGNCMD_H
#define LS_SIGNCMD_H
#include <stddef.h>
#include <stdio.h>

#include "ls_sigv4.h"

struct ls_sign_opts {
    const char *region, *service, *date; /* date "YYYYMMDDTHHMMSSZ" or NULL (request or now) */
    const char *akid, *secret, *token;
};

/* Parse raw request text, sign it, print canonical request, string to sign and signed request to
 * out. 0 on success, -1 with a message in err (size errlen) otherwise. */
int ls_sign_request_text(const char *text, size_t n, const struct ls_sign_opts *o, FILE *out,
                         char *err, size_t errlen);

#endif
