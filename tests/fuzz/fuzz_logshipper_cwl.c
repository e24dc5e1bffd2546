/* libFuzzer target: a CloudWatch Logs HTTP response. The input is header lines, a blank line,
 * then the body; the first two bytes pick the status. Each header line goes through
 * ls_http_parse_header (request id, x-amzn-ErrorType, x-amz-retry-after, status-line reset),
 * then ls_cwl_parse_response extracts the error code, message and rejectedLogEventsInfo and
 * classifies the outcome; the retry-after must keep the backoff bounded. Every line and the body
 * are copied to exact-size heap blocks so that any read past their end is caught by ASan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ls_cwl.h"
#include "ls_http.h"
#include "ls_ship.h"

static void check_str(const char *s, size_t cap)
{
    if (!memchr(s, '\0', cap))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const long statuses[] = {200, 400, 403, 404, 408, 413, 429, 500, 503, 100};
    long status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
    if (data[1] & 0x80)
        status = (long)(data[1] & 0x7f) * 5;
    const char *p = (const char *)data + 2;
    size_t n = size - 2;
    const char *sep = memmem(p, n, "\n\n", 2);
    size_t hlen = sep ? (size_t)(sep - p) : n;
    const char *body = sep ? sep + 2 : p + n;
    size_t blen = (size_t)(p + n - body);

    struct ls_http_resp r = {0};
    r.status = status;
    r.retry_after_ms = -1;
    size_t off = 0;
    while (off < hlen) {
        const char *e = memchr(p + off, '\n', hlen - off);
        size_t ll = e ? (size_t)(e - (p + off)) + 1 : hlen - off;
        char *line = malloc(ll ? ll : 1);
        if (!line)
            return 0;
        memcpy(line, p + off, ll);
        ls_http_parse_header(&r, line, ll);
        free(line);
        off += ll;
    }
    check_str(r.request_id, sizeof r.request_id);
    check_str(r.error_type, sizeof r.error_type);
    if (r.retry_after_ms < -1)
        abort();
    /* ls_http_do always hands over a NUL-terminated body (ls_buf). */
    if (ls_buf_add(&r.body, body, blen) < 0 || ls_buf_reserve(&r.body, 0) < 0) {
        ls_buf_free(&r.body);
        return 0;
    }
    struct ls_cwl_result res;
    ls_cwl_result_init(&res);
    ls_cwl_parse_response(&r, &res);
    check_str(res.code, sizeof res.code);
    check_str(res.message, sizeof res.message);
    check_str(res.request_id, sizeof res.request_id);
    if (res.outcome < LS_OK || res.outcome > LS_OTHER)
        abort();
    if (res.outcome == LS_OK && status >= 200 && status < 300 && !r.request_id[0])
        abort(); /* a 200 without a request id must never count as delivered */
    /* Whatever x-amz-retry-after says, the pause stays within the retry cap (+5 s). */
    int64_t d = ls_backoff_ms(data[1] & 15, 100, 20000, res.retry_after_ms, 0.5);
    if (d < 0 || d > 25000)
        abort();
    ls_buf_free(&r.body);

    /* The body parser on its own, on an exact-size (unterminated) copy. */
    char *b = malloc(blen ? blen : 1);
    if (b) {
        memcpy(b, body, blen);
        struct ls_cwl_result res2;
        ls_cwl_result_init(&res2);
        ls_cwl_parse_body(b, blen, &res2);
        check_str(res2.code, sizeof res2.code);
        free(b);
    }
    return 0;
}
