/* libcurl wrapper. */
#include "ls_http.h"

#include "tt_spawn.h"
#include "tt_time.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static char noproxy[1024];

int ls_http_global_init(void)
{
    const char *np = getenv("NO_PROXY");
    if (!np || !*np)
        np = getenv("no_proxy");
    snprintf(noproxy, sizeof noproxy,
             "169.254.169.254,169.254.170.2,169.254.170.23,fd00:ec2::254,fd00:ec2::23,"
             "localhost,127.0.0.1,::1%s%.900s",
             np && *np ? "," : "", np && *np ? np : "");
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void ls_http_global_cleanup(void)
{
    curl_global_cleanup();
}

static const char *const system_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Alpine */
    "/etc/pki/tls/certs/ca-bundle.crt",   /* Fedora, RHEL, Amazon Linux */
    "/etc/ssl/ca-bundle.pem",             /* openSUSE */
    "/etc/ssl/cert.pem",                  /* Alpine, macOS */
};

/* The file this program was started from, into exe[cap]: /proc/self/exe, or, for a program
 * run from an in-memory copy (tt_spawn's nondumpable: "/memfd:..."), argv[0] as it was found
 * (a path, or a name looked up in PATH). 0 or -1. */
static int own_exe(char *exe, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", exe, cap - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    if (strncmp(exe, "/memfd:", 7) != 0)
        return 0;
    char argv0[PATH_MAX];
    FILE *f = fopen("/proc/self/cmdline", "r");
    if (!f)
        return -1;
    size_t got = fread(argv0, 1, sizeof argv0 - 1, f);
    fclose(f);
    argv0[got] = '\0'; /* (cmdline's first string ends at its NUL) */
    return argv0[0] && tt_spawn_resolve(argv0, getenv("PATH"), exe, cap) == 0 ? 0 : -1;
}

/* The CA bundle to use, or NULL for libcurl's built-in default: AWS_CA_BUNDLE, SSL_CERT_FILE,
 * then the system bundle, then ../etc/ca-certificates.crt next to the executable. */
static const char *ls_ca_bundle(void)
{
    static char beside[PATH_MAX];
    const char *e = getenv("AWS_CA_BUNDLE");
    if (e && *e)
        return e;
    e = getenv("SSL_CERT_FILE");
    if (e && *e)
        return e;
    for (size_t i = 0; i < sizeof system_bundles / sizeof system_bundles[0]; i++)
        if (access(system_bundles[i], R_OK) == 0)
            return system_bundles[i];
    char exe[PATH_MAX];
    if (own_exe(exe, sizeof exe) == 0) {
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char rel[] = "/../etc/ca-certificates.crt";
            size_t el = strlen(exe);
            if (el + sizeof rel <= sizeof beside) {
                memcpy(beside, exe, el);
                memcpy(beside + el, rel, sizeof rel);
                if (access(beside, R_OK) == 0)
                    return beside;
            }
        }
    }
    return NULL;
}

int ls_http_init(struct ls_http *h, long connect_timeout_ms, long timeout_ms)
{
    memset(h, 0, sizeof *h);
    h->curl = curl_easy_init();
    if (!h->curl)
        return -1;
    h->connect_timeout_ms = connect_timeout_ms;
    h->timeout_ms = timeout_ms;
    h->max_body = 8u << 20;
    return 0;
}

void ls_http_cleanup(struct ls_http *h)
{
    if (h->curl)
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
}

struct sink {
    struct ls_http_resp *r;
    size_t max;
    int overflow;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;
    if (s->r->body.len + n > s->max || ls_buf_add(&s->r->body, p, n) < 0) {
        s->overflow = 1;
        return 0;
    }
    return n;
}

static void header_value(const char *p, size_t n, size_t namelen, char *out, size_t outlen)
{
    const char *v = p + namelen;
    size_t vl = n - namelen;
    while (vl && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    snprintf(out, outlen, "%.*s", (int)vl, v);
}

void ls_http_parse_header(struct ls_http_resp *r, const char *p, size_t n)
{
    if (n > 16 && !strncasecmp(p, "x-amzn-requestid:", 17))
        header_value(p, n, 17, r->request_id, sizeof r->request_id);
    else if (n > 17 && !strncasecmp(p, "x-amz-request-id:", 17))
        header_value(p, n, 17, r->request_id, sizeof r->request_id);
    else if (n > 17 && !strncasecmp(p, "x-amzn-errortype:", 17))
        header_value(p, n, 17, r->error_type, sizeof r->error_type);
    else if (n > 18 && !strncasecmp(p, "x-amz-retry-after:", 18)) {
        char v[32];
        header_value(p, n, 18, v, sizeof v);
        char *end;
        long ms = strtol(v, &end, 10);
        if (end != v && ms >= 0)
            r->retry_after_ms = ms;
    } else if (n > 5 && !strncasecmp(p, "HTTP/", 5)) {
        /* a new response (after 100 Continue or a redirect): forget earlier headers */
        r->request_id[0] = r->error_type[0] = '\0';
        r->retry_after_ms = -1;
        ls_buf_reset(&r->headers);
        return;
    }
    /* Kept for ls_http_header; a header block larger than 64 KiB keeps its beginning. */
    if (r->keep_headers && r->headers.len + n <= 64 * 1024)
        (void)ls_buf_add(&r->headers, p, n);
}

int ls_http_header(const struct ls_http_resp *r, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    const char *p = r->headers.p, *end = p ? p + r->headers.len : NULL;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
        if (n > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            header_value(p, n, nl + 1, out, outlen);
            return 1;
        }
        p += n;
    }
    return 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;
    ls_http_parse_header(s->r, p, n);
    return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    const int64_t *at = ud;
    int64_t v = __atomic_load_n(at, __ATOMIC_RELAXED);
    return v && tt_mono_ms() >= v; /* non-zero aborts the transfer */
}

int ls_http_do(struct ls_http *h, const char *method, const char *url, const char *const *headers,
               size_t nheaders, const void *body, size_t body_len, long timeout_ms,
               struct ls_http_resp *r)
{
    CURL *c = h->curl;
    struct curl_slist *hl = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct sink s = {.r = r, .max = h->max_body};
    ls_buf_reset(&r->body);
    ls_buf_reset(&r->headers);
    r->status = 0;
    r->request_id[0] = r->error_type[0] = r->error[0] = '\0';
    r->retry_after_ms = -1;
    r->transport_error = r->timed_out = 0;

    for (size_t i = 0; i < nheaders; i++) {
        struct curl_slist *n = curl_slist_append(hl, headers[i]);
        if (!n)
            goto oom;
        hl = n;
    }
    /* No "Expect: 100-continue" round trip for large bodies; no default Accept. */
    struct curl_slist *n1 = curl_slist_append(hl, "Expect:");
    if (!n1)
        goto oom;
    hl = n1;

    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    /* Proxies (HTTPS_PROXY...) apply to AWS endpoints, never to the link-local credential and
     * metadata services or loopback. */
    curl_easy_setopt(c, CURLOPT_NOPROXY, noproxy);
    const char *ca = ls_ca_bundle();
    if (ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (h->abort_at_ms) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)h->abort_at_ms);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    if (!strcmp(method, "GET")) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (body || !strcmp(method, "POST") || !strcmp(method, "PUT")) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        }
    }
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(hl);
    if (rc != CURLE_OK) {
        r->transport_error = 1;
        r->timed_out = rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_ABORTED_BY_CALLBACK;
        if (s.overflow)
            snprintf(r->error, sizeof r->error, "response body too large");
        else
            snprintf(r->error, sizeof r->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (!r->body.p && ls_buf_reserve(&r->body, 0) < 0)
        goto oom_nolist;
    return 0;
oom:
    curl_slist_free_all(hl);
oom_nolist:
    r->transport_error = 1;
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
}

void ls_http_resp_free(struct ls_http_resp *r)
{
    ls_buf_free(&r->body);
    ls_buf_free(&r->headers);
}
