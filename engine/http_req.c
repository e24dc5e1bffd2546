/* HTTP/1.x request head parser (RFC 9112 request line and header fields, no body). */
#include "http_req.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 tchar */
static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the head: index just past "\r\n\r\n" (or a bare "\n\n"), 0 if not there yet. */
static size_t head_end(const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (b[i] != '\n')
            continue;
        if (i + 1 < len && b[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* One line [p, end) without its "\r\n" / "\n": sets *eol to the start of the next. */
static const char *line_end(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
        nl = end;
    *next = nl < end ? nl + 1 : end;
    return nl > p && nl[-1] == '\r' ? nl - 1 : nl;
}

static int parse_request_line(const char *p, const char *e, struct http_req *out)
{
    const char *sp1 = memchr(p, ' ', (size_t)(e - p));
    if (!sp1 || sp1 == p)
        return HTTP_REQ_BAD;
    for (const char *q = p; q < sp1; q++)
        if (!is_tchar((unsigned char)*q))
            return HTTP_REQ_BAD;
    const char *t = sp1 + 1;
    const char *sp2 = memchr(t, ' ', (size_t)(e - t));
    if (!sp2 || sp2 == t)
        return HTTP_REQ_BAD;
    const char *v = sp2 + 1;
    if (e - v != 8 || memcmp(v, "HTTP/1.", 7) != 0)
        return e - v == 8 && !memcmp(v, "HTTP/", 5) ? HTTP_REQ_VERSION : HTTP_REQ_BAD;
    if (v[7] != '0' && v[7] != '1')
        return HTTP_REQ_VERSION;
    /* origin-form only, visible ASCII; the query is not part of the path */
    if (*t != '/')
        return HTTP_REQ_BAD;
    const char *q = t;
    while (q < sp2 && *q != '?' && *q != '#')
        q++;
    for (const char *c = t; c < sp2; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
            return HTTP_REQ_BAD;
    if ((size_t)(q - t) >= HTTP_REQ_PATH_MAX)
        return HTTP_REQ_URI_LONG;
    memcpy(out->path, t, (size_t)(q - t));
    out->path[q - t] = '\0';
    return sp1 - p == 3 && !memcmp(p, "GET", 3) ? HTTP_REQ_OK : HTTP_REQ_METHOD;
}

static int parse_header(const char *p, const char *e)
{
    if (p == e)
        return HTTP_REQ_BAD;
    if (*p == ' ' || *p == '\t') /* obsolete line folding */
        return HTTP_REQ_BAD;
    const char *colon = memchr(p, ':', (size_t)(e - p));
    if (!colon || colon == p)
        return HTTP_REQ_BAD;
    for (const char *q = p; q < colon; q++)
        if (!is_tchar((unsigned char)*q))
            return HTTP_REQ_BAD;
    for (const char *q = colon + 1; q < e; q++)
        if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
            return HTTP_REQ_BAD;
    size_t nl = (size_t)(colon - p);
    const char *v = colon + 1;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    /* a GET with a body is refused rather than half-read */
    if (nl == 17 && !strncasecmp(p, "transfer-encoding", nl))
        return HTTP_REQ_BAD;
    if (nl == 14 && !strncasecmp(p, "content-length", nl))
        for (const char *q = v; q < e; q++)
            if (*q != '0' && *q != ' ' && *q != '\t')
                return HTTP_REQ_BAD;
    return HTTP_REQ_OK;
}

int http_req_parse(const char *buf, size_t len, struct http_req *out)
{
    size_t end = head_end(buf, len > HTTP_REQ_MAX ? HTTP_REQ_MAX : len);
    if (!end)
        return len >= HTTP_REQ_MAX ? HTTP_REQ_TOO_LARGE : HTTP_REQ_INCOMPLETE;
    struct http_req r;
    memset(&r, 0, sizeof r);
    r.head_len = end;
    const char *p = buf, *stop = buf + end, *next;
    const char *e = line_end(p, stop, &next);
    int rc = parse_request_line(p, e, &r);
    if (rc != HTTP_REQ_OK && rc != HTTP_REQ_METHOD)
        return rc;
    int nheaders = 0;
    for (p = next; p < stop; p = next) {
        e = line_end(p, stop, &next);
        if (e == p) /* the blank line */
            break;
        if (++nheaders > HTTP_REQ_MAX_HEADERS)
            return HTTP_REQ_TOO_LARGE;
        int hr = parse_header(p, e);
        if (hr != HTTP_REQ_OK)
            return hr;
    }
    if (rc == HTTP_REQ_OK)
        *out = r;
    return rc;
}
