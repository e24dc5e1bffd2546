/* libFuzzer: SigV4 canonicalisation through the --sign request parser (request line, path,
 * query, headers, folded lines, body). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_signcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        struct ls_sign_opts o = {.region = "us-east-1",
                                 .service = "logs",
                                 .akid = "AKID",
                                 .secret = "SECRET",
                                 .token = "TOKEN",
                                 .date = "20150830T123600Z"};
        char err[128];
        (void)ls_sign_request_text(s, size, &o, out, err, sizeof err);
        fclose(out);
    }
    free(s);
    return 0;
}
