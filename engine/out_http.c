/* http output: each alert POSTed with libcurl to http_output.url (Content-Type
 * application/json with json_output, else text/plain), with Falco's options: user_agent,
 * insecure, ca_cert/ca_bundle/ca_path, mTLS client cert/key, echo, compress_uploads, keep_alive;
 * plus a request timeout and retries on connection errors. One handle is reused so that
 * connections are kept between alerts. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "outputs.h"
#include "tt_log.h"

struct http_priv {
    CURL *h;
    struct curl_slist *hdrs;
    int echo;
    long retries;
    long max_timeouts;
    long consecutive_timeouts;
    int err_logged;
    struct outputs_stats *st;
    char url[1024];
};

static size_t sink(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct http_priv *p = arg;
    size_t n = size * nmemb;
    if (p->echo && n) {
        fwrite(ptr, 1, n, stdout);
        fflush(stdout);
    }
    return n;
}

/* Progress callback: abandons the request in flight once outputs.c gave up on this channel
 * (shutdown deadline). libcurl calls it at least about once a second while waiting. */
static int progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow)
{
    const struct out_channel *c = arg;
    return c->abandon && __atomic_load_n(c->abandon, __ATOMIC_ACQUIRE) ? 1 : 0;
}

static int retryable(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
           rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING;
}

static int http_write(struct out_channel *c, const char *line, size_t len, int prio)
{
    struct http_priv *p = c->priv;
    curl_easy_setopt(p->h, CURLOPT_POSTFIELDS, line);
    curl_easy_setopt(p->h, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(p->h, CURLOPT_XFERINFODATA, c);
    CURLcode rc = CURLE_OK;
    for (long attempt = 0; attempt <= p->retries; attempt++) {
        if (attempt) {
            struct timespec ts = {0, (long)(100L * attempt) * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (c->abandon && __atomic_load_n(c->abandon, __ATOMIC_ACQUIRE))
            return -1;
        rc = curl_easy_perform(p->h);
        if (rc == CURLE_OK || !retryable(rc))
            break;
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        p->consecutive_timeouts++;
    } else {
        p->consecutive_timeouts = 0;
    }
    if (rc != CURLE_OK) {
        __atomic_fetch_add(&p->st->http_errors, 1, __ATOMIC_RELAXED);
        if (!p->err_logged ||
            (rc == CURLE_OPERATION_TIMEDOUT && p->consecutive_timeouts == p->max_timeouts))
            tt_error("http output: POST %s failed: %s", p->url, curl_easy_strerror(rc));
        p->err_logged = 1;
        return -1;
    }
    long code = 0;
    curl_easy_getinfo(p->h, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 400) {
        __atomic_fetch_add(&p->st->http_errors, 1, __ATOMIC_RELAXED);
        if (!p->err_logged)
            tt_error("http output: POST %s: HTTP status %ld", p->url, code);
        p->err_logged = 1;
        return -1;
    }
    if (p->err_logged)
        tt_info("http output: POST %s works again", p->url);
    p->err_logged = 0;
    return 0;
}

static void http_close(struct out_channel *c, int timeout_ms)
{
    struct http_priv *p = c->priv;
    curl_slist_free_all(p->hdrs);
    curl_easy_cleanup(p->h);
    free(p);
    c->priv = NULL;
}

int out_http_open(struct out_channel *c, const struct engine_config *cfg, struct outputs_stats *st,
                  char *err, size_t n)
{
    static int global_done;
    memset(c, 0, sizeof *c);
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, n, "http_output: libcurl initialisation failed");
            return -1;
        }
        global_done = 1;
    }
    struct http_priv *p = calloc(1, sizeof *p);
    if (!p || !(p->h = curl_easy_init())) {
        free(p);
        snprintf(err, n, "http_output: out of memory");
        return -1;
    }
    snprintf(p->url, sizeof p->url, "%s", cfg->http.url);
    p->echo = cfg->http.echo;
    p->retries = cfg->http.retries;
    p->max_timeouts = cfg->http.max_consecutive_timeouts;
    p->st = st;
    p->hdrs = curl_slist_append(NULL, cfg->json_output ? "Content-Type: application/json"
                                                       : "Content-Type: text/plain");
    if (!p->hdrs) {
        curl_easy_cleanup(p->h);
        free(p);
        snprintf(err, n, "http_output: out of memory");
        return -1;
    }
    CURL *h = p->h;
    curl_easy_setopt(h, CURLOPT_URL, cfg->http.url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, p->hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, cfg->http.user_agent);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, p);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, cfg->http.timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     cfg->http.timeout_ms < 2000 ? cfg->http.timeout_ms : 2000L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (cfg->http.insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->http.ca_cert[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->http.ca_cert);
    else if (cfg->http.ca_bundle[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->http.ca_bundle);
    else if (cfg->http.ca_path[0])
        /* the directory alone: libcurl's built-in bundle file (the static build's
         * /etc/ssl/certs/ca-certificates.crt) may not exist in the image, and a missing file
         * fails the handshake even when the directory holds the CA */
        curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
    if (cfg->http.ca_path[0])
        curl_easy_setopt(h, CURLOPT_CAPATH, cfg->http.ca_path);
    if (cfg->http.mtls) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, cfg->http.client_cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY, cfg->http.client_key);
    }
    if (cfg->http.compress_uploads)
        curl_easy_setopt(h, CURLOPT_TRANSFER_ENCODING, 1L);
    if (cfg->http.keep_alive)
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    else
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 0L);
    c->name = "http";
    c->slow = 1;
    c->priv = p;
    c->write = http_write;
    c->close = http_close;
    return 0;
}
