/* Delivery status record formatting (the writer side of tt_shipstatus.h). */
#include "tt_shipstatus.h"

#include <stdio.h>

int tt_ship_status_code_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

int tt_ship_status_format(const struct tt_ship_status *s, char *buf, size_t n)
{
    char code[sizeof s->last_error];
    size_t k = 0;
    for (const char *p = s->last_error; *p && k + 1 < sizeof code; p++)
        if (tt_ship_status_code_char(*p))
            code[k++] = *p;
    code[k] = '\0';
    int len = snprintf(
        buf, n,
        "{\"v\":1,\"read\":%llu,\"delivered\":%llu,\"rejected\":%llu,\"dropped\":%llu,"
        "\"undelivered\":%llu,\"retries\":%llu,\"batches\":%llu,\"queued\":%llu,"
        "\"failing_ms\":%lld,\"last_ok_ms\":%lld,\"last_error\":\"%s\",\"final\":%s}\n",
        (unsigned long long)s->read, (unsigned long long)s->delivered,
        (unsigned long long)s->rejected, (unsigned long long)s->dropped,
        (unsigned long long)s->undelivered, (unsigned long long)s->retries,
        (unsigned long long)s->batches, (unsigned long long)s->queued, (long long)s->failing_ms,
        (long long)s->last_ok_ms, code, s->final ? "true" : "false");
    return len < 0 || (size_t)len >= n ? -1 : len;
}
