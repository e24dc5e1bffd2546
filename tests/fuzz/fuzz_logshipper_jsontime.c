/* libFuzzer: the top-level Falco "time" scanner and the RFC 3339 parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ls_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy so reads past the end are caught by ASan. */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    int64_t ms;
    (void)ls_json_alert_time(s, size, &ms);
    (void)ls_rfc3339_ms(s, size, &ms);
    struct ls_buf b = {0};
    (void)ls_json_escape(&b, s, size);
    ls_buf_free(&b);
    free(s);
    return 0;
}
