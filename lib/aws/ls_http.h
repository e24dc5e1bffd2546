/* HTTP(S) requests through one reusable libcurl easy handle (connection reuse, timeouts, TLS
 * verification always on, CA bundle selection). */
#ifndef LS_HTTP_H
#define LS_HTTP_H
#include <stddef.h>
#include <stdint.h>

#include "ls_buf.h"

struct ls_http {
    void *curl; /* CURL * */
    long connect_timeout_ms, timeout_ms;
    size_t max_body; /* responses larger than this fail */
    /* When set and non-zero: a monotonic time (ms) at which a request in progress is abandoned
     * (the shutdown deadline). Read atomically. */
    const int64_t *abort_at_ms;
};

struct ls_http_resp {
    long status;
    struct ls_buf body;
    char request_id[128]; /* x-amzn-RequestId / x-amz-request-id, "" if absent */
    char error_type[128]; /* x-amzn-ErrorType, "" if absent */
    long retry_after_ms;  /* x-amz-retry-after (ms), -1 if absent */
    int transport_error;  /* no HTTP response: connection, TLS, timeout... */
    int timed_out;
    char error[256];       /* curl's message when transport_error */
    int keep_headers;      /* set by the caller: collect the header lines below */
    struct ls_buf headers; /* the final response's header lines, as received */
};

/* Global libcurl initialisation, once per process before any thread starts. */
int ls_http_global_init(void);
void ls_http_global_cleanup(void);

int ls_http_init(struct ls_http *h, long connect_timeout_ms, long timeout_ms);
void ls_http_cleanup(struct ls_http *h);
/* One request. headers are full "Name: value" lines. timeout_ms overrides h->timeout_ms when > 0.
 * Returns 0 when a response arrived (any status), -1 on transport failure (see r->error). */
int ls_http_do(struct ls_http *h, const char *method, const char *url, const char *const *headers,
               size_t nheaders, const void *body, size_t body_len, long timeout_ms,
               struct ls_http_resp *r);
void ls_http_resp_free(struct ls_http_resp *r);
/* One raw header line of n bytes (not NUL-terminated, CRLF included or not) into r: request id,
 * error type, x-amz-retry-after; a status line ("HTTP/...") forgets the earlier ones. */
void ls_http_parse_header(struct ls_http_resp *r, const char *line, size_t n);

/* Value of the first response header called name (case-insensitive), trimmed, into out: 1 found
 * (truncated to outlen - 1 bytes), 0 not. */
int ls_http_header(const struct ls_http_resp *r, const char *name, char *out, size_t outlen);

#endif
