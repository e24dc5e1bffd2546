/* libFuzzer target: the webserver's request head parser (engine/http_req.c). Whatever arrives,
 * the verdict is one of the documented ones, nothing is read past the input, and an accepted
 * request names a short origin-form path of visible ASCII. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so ASan sees any read past the end */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct http_req r;
    int st = http_req_parse(buf, size, &r);
    switch (st) {
    case HTTP_REQ_OK: {
        size_t n = strlen(r.path);
        if (r.path[0] != '/' || n >= HTTP_REQ_PATH_MAX || r.head_len > size ||
            r.head_len > HTTP_REQ_MAX || strpbrk(r.path, "?# "))
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)r.path[i] <= 0x20 || (unsigned char)r.path[i] >= 0x7f)
                abort();
        break;
    }
    case HTTP_REQ_INCOMPLETE:
        if (size >= HTTP_REQ_MAX)
            abort();
        break;
    case HTTP_REQ_BAD:
    case HTTP_REQ_METHOD:
    case HTTP_REQ_URI_LONG:
    case HTTP_REQ_TOO_LARGE:
    case HTTP_REQ_VERSION:
        break;
    default:
        abort();
    }
    free(buf);
    return 0;
}
