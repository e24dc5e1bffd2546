/* HTTP/1.x request head parser for the webserver (/healthz). Pure: bytes in, verdict out, so it
 * can be fuzzed (tests/fuzz/fuzz_engine_httpreq.c). Strict on purpose: the only request worth
 * answering is a GET of a short path, without a body. */
#ifndef ENGINE_HTTP_REQ_H
#define ENGINE_HTTP_REQ_H

#include <stddef.h>

#define HTTP_REQ_MAX 8192     /* request head bytes read at most */
#define HTTP_REQ_PATH_MAX 256 /* longest request target */
#define HTTP_REQ_MAX_HEADERS 64

enum http_req_status {
    HTTP_REQ_INCOMPLETE = 0, /* no end of head yet: read more (if under the limit) */
    HTTP_REQ_OK = 200,       /* a GET: path is set */
    HTTP_REQ_BAD = 400,
    HTTP_REQ_METHOD = 405, /* well-formed, but not GET */
    HTTP_REQ_URI_LONG = 414,
    HTTP_REQ_TOO_LARGE = 431, /* no end of head within HTTP_REQ_MAX bytes, or too many headers */
    HTTP_REQ_VERSION = 505,
};

struct http_req {
    char path[HTTP_REQ_PATH_MAX]; /* origin-form path without the query; NUL-terminated */
    size_t head_len;              /* bytes of the request head, final blank line included */
};

/* Parses buf[0..len). Returns an http_req_status; *out is filled for HTTP_REQ_OK. */
int http_req_parse(const char *buf, size_t len, struct http_req *out);

#endif
