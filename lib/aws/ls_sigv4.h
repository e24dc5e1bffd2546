/* AWS Signature Version 4 (header signing) on OpenSSL's SHA-256 and HMAC. */
#ifndef LS_SIGV4_H
#define LS_SIGV4_H
#include <stddef.h>

#include "ls_buf.h"

struct ls_sig_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

struct ls_sig_request {
    const char *method;
    const char *path; /* as sent on the wire, without the query */
    size_t path_len;
    const char *query; /* without '?', may be NULL */
    size_t query_len;
    const struct ls_sig_header *headers; /* every header here is signed */
    size_t nheaders;
    const void *body;
    size_t body_len;
};

struct ls_sig_result {
    struct ls_buf creq;          /* canonical request */
    struct ls_buf sts;           /* string to sign */
    struct ls_buf authorization; /* value of the Authorization header */
    char signature[65];
};

/* Canonical request; signed_headers receives "host;x-amz-date". 0 or -1 (ENOMEM). */
int ls_sigv4_canonical(const struct ls_sig_request *rq, struct ls_buf *creq,
                       struct ls_buf *signed_headers);
/* Sign rq (which must already carry host, x-amz-date and, for temporary credentials,
 * x-amz-security-token). amz_date is "YYYYMMDDTHHMMSSZ". 0 or -1. */
int ls_sigv4_sign(const struct ls_sig_request *rq, const char *amz_date, const char *region,
                  const char *service, const char *akid, const char *secret,
                  struct ls_sig_result *out);
void ls_sig_result_free(struct ls_sig_result *r);

/* Lowercase hex SHA-256 of data into out[65]. 0, or -1 (out of memory in OpenSSL: out is then
 * all zeros, which must not be signed or sent). */
int ls_sha256_hex(const void *data, size_t n, char out[65]);
/* Percent-encode for SigV4: unreserved characters stay, plus '/' when keep_slash. */
int ls_uri_encode(struct ls_buf *b, const char *s, size_t n, int keep_slash);
/* "YYYYMMDDTHHMMSSZ" for t (seconds since the epoch, UTC); "" past the year 9999. */
void ls_amz_date(long long t, char out[17]);

#endif
