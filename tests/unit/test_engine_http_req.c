/* The webserver's request parser (engine/http_req.c): a GET of a short path is the only thing
 * answered; every other request gets its precise refusal, and nothing is read past the limit. */
#include <string.h>

#include "http_req.h"
#include "tt_test.h"

static int parse(const char *s, struct http_req *r)
{
    return http_req_parse(s, strlen(s), r);
}

TT_TEST(get_of_a_path_with_headers)
{
    struct http_req r;
    const char *req = "GET /healthz HTTP/1.1\r\nHost: 10.0.1.2:8765\r\nUser-Agent: kube-probe/1.29"
                      "\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    TT_CHECK_INT(parse(req, &r), HTTP_REQ_OK);
    TT_CHECK_STR(r.path, "/healthz");
    TT_CHECK_INT(r.head_len, strlen(req));
    TT_CHECK_INT(parse("GET /healthz?verbose=1 HTTP/1.0\n\n", &r), HTTP_REQ_OK); /* bare LF */
    TT_CHECK_STR(r.path, "/healthz");
    TT_CHECK_INT(parse("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &r), HTTP_REQ_OK);
    TT_CHECK_STR(r.path, "/");
}

TT_TEST(incomplete_until_the_blank_line)
{
    struct http_req r;
    TT_CHECK_INT(parse("", &r), HTTP_REQ_INCOMPLETE);
    TT_CHECK_INT(parse("GET /healthz HTTP/1.1\r\n", &r), HTTP_REQ_INCOMPLETE);
    TT_CHECK_INT(parse("GET /healthz HTTP/1.1\r\nHost: x\r\n\r", &r), HTTP_REQ_INCOMPLETE);
}

TT_TEST(refusals)
{
    struct http_req r;
    TT_CHECK_INT(parse("POST /healthz HTTP/1.1\r\n\r\n", &r), HTTP_REQ_METHOD);
    TT_CHECK_INT(parse("HEAD /healthz HTTP/1.1\r\n\r\n", &r), HTTP_REQ_METHOD);
    TT_CHECK_INT(parse("get /healthz HTTP/1.1\r\n\r\n", &r), HTTP_REQ_METHOD); /* case matters */
    TT_CHECK_INT(parse("GET /healthz HTTP/2.0\r\n\r\n", &r), HTTP_REQ_VERSION);
    TT_CHECK_INT(parse("GET /healthz HTTP/1.2\r\n\r\n", &r), HTTP_REQ_VERSION);
    static const char *const bad[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET  /healthz HTTP/1.1\r\n\r\n",        /* empty target */
        "GET http://x/healthz HTTP/1.1\r\n\r\n", /* absolute form */
        "GET * HTTP/1.1\r\n\r\n",                /* asterisk form */
        "GET /a b HTTP/1.1\r\n\r\n",             /* a space in the target */
        "GET /a\x01 HTTP/1.1\r\n\r\n",           /* a control character */
        "GET /\xc3\xa9 HTTP/1.1\r\n\r\n",        /* raw non-ASCII */
        "GET /healthz HTTP/1.1 extra\r\n\r\n",
        "G(T /healthz HTTP/1.1\r\n\r\n", /* not a token */
        "GET /healthz HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n: empty name\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nX: a\rb\r\n\r\n", /* bare CR in a value */
        "GET /healthz HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        "GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (parse(bad[i], &r) != HTTP_REQ_BAD)
            TT_FAILF("not refused as bad: %s", bad[i]);
}

TT_TEST(limits)
{
    struct http_req r;
    char buf[HTTP_REQ_MAX + 64];
    /* a path of HTTP_REQ_PATH_MAX characters */
    int n = snprintf(buf, sizeof buf, "GET /");
    memset(buf + n, 'a', HTTP_REQ_PATH_MAX);
    n += HTTP_REQ_PATH_MAX;
    n += snprintf(buf + n, sizeof buf - (size_t)n, " HTTP/1.1\r\n\r\n");
    TT_CHECK_INT(http_req_parse(buf, (size_t)n, &r), HTTP_REQ_URI_LONG);
    /* no end of head within the limit */
    memset(buf, 'a', sizeof buf);
    memcpy(buf, "GET / HTTP/1.1\r\nX: ", 19);
    TT_CHECK_INT(http_req_parse(buf, HTTP_REQ_MAX - 1, &r), HTTP_REQ_INCOMPLETE);
    TT_CHECK_INT(http_req_parse(buf, HTTP_REQ_MAX, &r), HTTP_REQ_TOO_LARGE);
    /* an end of head past the limit does not count */
    memcpy(buf + HTTP_REQ_MAX + 2, "\r\n\r\n", 4);
    TT_CHECK_INT(http_req_parse(buf, HTTP_REQ_MAX + 6, &r), HTTP_REQ_TOO_LARGE);
    /* too many header lines */
    n = snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\n");
    for (int i = 0; i <= HTTP_REQ_MAX_HEADERS; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "X%d: y\r\n", i);
    n += snprintf(buf + n, sizeof buf - (size_t)n, "\r\n");
    TT_CHECK_INT(http_req_parse(buf, (size_t)n, &r), HTTP_REQ_TOO_LARGE);
}

int main(void)
{
    return tt_run_all();
}
