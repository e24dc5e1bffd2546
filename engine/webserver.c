/* The webserver thread: non-blocking sockets (and TLS) multiplexed with poll(). */
#include "webserver.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "http_req.h"
#include "tt_log.h"
#include "tt_time.h"

#define OUT_MAX 1024

enum phase { PH_HANDSHAKE, PH_READ, PH_WRITE };

struct conn {
    int fd;
    SSL *ssl;
    int phase;
    int want_write; /* TLS asked for POLLOUT to make progress */
    int64_t deadline, opened;
    char in[HTTP_REQ_MAX];
    size_t inlen;
    char out[OUT_MAX];
    size_t outlen, outoff;
};

struct webserver {
    int lfd, wake[2], port;
    SSL_CTX *ctx;
    char healthz[256];
    long stall_ms;
    web_verdict_fn verdict;
    void *arg;
    pthread_t thr;
    struct conn *conns[WEB_MAX_CONNS];
    size_t nconns;
};

static void conn_close(struct conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl); /* close_notify, not waited for */
        SSL_free(c->ssl);
    }
    close(c->fd);
    free(c);
}

static void respond(struct webserver *w, struct conn *c, int status, const char *body)
{
    const char *reason = status == 200   ? "OK"
                         : status == 400 ? "Bad Request"
                         : status == 404 ? "Not Found"
                         : status == 405 ? "Method Not Allowed"
                         : status == 414 ? "URI Too Long"
                         : status == 431 ? "Request Header Fields Too Large"
                         : status == 503 ? "Service Unavailable"
                                         : "HTTP Version Not Supported";
    int n = snprintf(c->out, sizeof c->out,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n%s",
                     status, reason, strlen(body), status == 405 ? "Allow: GET\r\n" : "", body);
    c->outlen = n > 0 && (size_t)n < sizeof c->out ? (size_t)n : 0;
    c->outoff = 0;
    c->phase = PH_WRITE;
    (void)w;
}

/* The answer to a parsed request (status from http_req_parse). */
static void answer(struct webserver *w, struct conn *c, int st, const struct http_req *r)
{
    if (st != HTTP_REQ_OK) {
        respond(w, c, st,
                st == HTTP_REQ_METHOD ? "{\"error\":\"only GET is served\"}"
                                      : "{\"error\":\"bad request\"}");
        return;
    }
    if (strcmp(r->path, w->healthz) != 0) {
        respond(w, c, 404, "{\"error\":\"not found\"}");
        return;
    }
    char text[512], body[800];
    int64_t age = 0;
    int v = w->verdict(w->arg, text, sizeof text, &age);
    if (v == 1 && age <= w->stall_ms) {
        respond(w, c, 200, "{\"status\":\"ok\"}");
        return;
    }
    if (v == -1)
        snprintf(text, sizeof text, "starting");
    else if (age > w->stall_ms)
        snprintf(text, sizeof text, "engine stalled: its last health verdict is %lld s old",
                 (long long)(age / 1000));
    /* the reason is our own text; keep it valid JSON all the same */
    for (char *p = text; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '\'';
    snprintf(body, sizeof body, "{\"status\":\"unhealthy\",\"reason\":\"%s\"}", text);
    respond(w, c, 503, body);
}

/* After a TLS call that did not complete: 1 to keep the connection (TLS must read or write
 * first: want_write says which to poll for), 0 to close it. */
static int tls_wait(struct conn *c, int r)
{
    int e = SSL_get_error(c->ssl, r);
    c->want_write = e == SSL_ERROR_WANT_WRITE;
    ERR_clear_error();
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Progress on one connection. 1 to keep it, 0 when done (or failed). */
static int service(struct webserver *w, struct conn *c)
{
    c->want_write = 0;
    if (c->phase == PH_HANDSHAKE) {
        int r = SSL_accept(c->ssl);
        if (r <= 0)
            return tls_wait(c, r);
        c->phase = PH_READ;
    }
    if (c->phase == PH_READ) {
        for (;;) {
            if (c->inlen >= sizeof c->in) {
                answer(w, c, HTTP_REQ_TOO_LARGE, NULL);
                break;
            }
            ssize_t n;
            if (c->ssl) {
                int r = SSL_read(c->ssl, c->in + c->inlen, (int)(sizeof c->in - c->inlen));
                if (r <= 0)
                    return tls_wait(c, r);
                n = r;
            } else {
                n = read(c->fd, c->in + c->inlen, sizeof c->in - c->inlen);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                    return 1;
                if (n <= 0)
                    return 0;
            }
            c->inlen += (size_t)n;
            struct http_req r;
            int st = http_req_parse(c->in, c->inlen, &r);
            if (st != HTTP_REQ_INCOMPLETE) {
                answer(w, c, st, &r);
                break;
            }
        }
    }
    if (c->phase == PH_WRITE) {
        while (c->outoff < c->outlen) {
            ssize_t n;
            if (c->ssl) {
                int r = SSL_write(c->ssl, c->out + c->outoff, (int)(c->outlen - c->outoff));
                if (r <= 0)
                    return tls_wait(c, r);
                n = r;
            } else {
                n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                    return 1;
                if (n <= 0)
                    return 0;
            }
            c->outoff += (size_t)n;
        }
        return 0; /* answered: Connection: close */
    }
    return 1;
}

static void drop_conn(struct webserver *w, size_t i)
{
    conn_close(w->conns[i]);
    w->conns[i] = w->conns[--w->nconns];
}

static void accept_all(struct webserver *w)
{
    for (;;) {
        int fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (w->nconns == WEB_MAX_CONNS) { /* full: the oldest goes, the newcomer is served */
            size_t old = 0;
            for (size_t i = 1; i < w->nconns; i++)
                if (w->conns[i]->opened < w->conns[old]->opened)
                    old = i;
            drop_conn(w, old);
        }
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->opened = tt_mono_ms();
        c->deadline = c->opened + WEB_CONN_TIMEOUT_MS;
        c->phase = PH_READ;
        if (w->ctx) {
            c->ssl = SSL_new(w->ctx);
            if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
                conn_close(c);
                continue;
            }
            c->phase = PH_HANDSHAKE;
        }
        w->conns[w->nconns++] = c;
        if (!service(w, c))
            drop_conn(w, w->nconns - 1);
    }
}

static void *web_thread(void *arg)
{
    struct webserver *w = arg;
    struct pollfd pf[WEB_MAX_CONNS + 2];
    for (;;) {
        int64_t now = tt_mono_ms();
        for (size_t i = 0; i < w->nconns;) {
            if (now >= w->conns[i]->deadline)
                drop_conn(w, i);
            else
                i++;
        }
        pf[0] = (struct pollfd){.fd = w->wake[0], .events = POLLIN};
        pf[1] = (struct pollfd){.fd = w->lfd, .events = POLLIN};
        int timeout = 1000;
        for (size_t i = 0; i < w->nconns; i++) {
            struct conn *c = w->conns[i];
            int out = c->phase == PH_WRITE ? !c->ssl || c->want_write : c->want_write;
            pf[i + 2] = (struct pollfd){.fd = c->fd, .events = out ? POLLOUT : POLLIN};
            int64_t left = c->deadline - now;
            if (left < timeout)
                timeout = left > 0 ? (int)left : 0;
        }
        int n = poll(pf, w->nconns + 2, timeout);
        if (n < 0 && errno != EINTR)
            break;
        if (pf[0].revents)
            break; /* stop */
        size_t before = w->nconns;
        for (size_t i = before; i-- > 0;) {
            /* walk backwards: drop_conn moves the last one into slot i */
            if (pf[i + 2].revents && !service(w, w->conns[i]))
                drop_conn(w, i);
        }
        if (pf[1].revents & POLLIN)
            accept_all(w);
    }
    while (w->nconns)
        drop_conn(w, w->nconns - 1);
    return NULL;
}

static SSL_CTX *tls_context(const char *pem, char *err, size_t n)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(err, n, "webserver: cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* Falco's ssl_certificate holds the private key and the certificate chain, PEM */
    if (SSL_CTX_use_certificate_chain_file(ctx, pem) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, pem, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        char why[256];
        ERR_error_string_n(ERR_get_error(), why, sizeof why);
        ERR_clear_error();
        snprintf(err, n,
                 "webserver: cannot use webserver.ssl_certificate %s (a PEM file with the private "
                 "key and the certificate chain): %s",
                 pem, why);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int listen_on(const char *addr, long port, int *bound, char *err, size_t n)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char ps[16];
    snprintf(ps, sizeof ps, "%ld", port);
    int g = getaddrinfo(addr[0] ? addr : NULL, ps, &hints, &ai);
    if (g != 0) {
        snprintf(err, n, "webserver: webserver.listen_address '%s' is not an IP address: %s", addr,
                 gai_strerror(g));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
        snprintf(err, n,
                 "webserver: cannot listen on %s port %ld: %s (webserver.listen_port; the "
                 "workload may use that port)",
                 addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    *bound = (int)port;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        *bound = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                          : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

struct webserver *webserver_start(const struct engine_config *cfg, web_verdict_fn verdict,
                                  void *arg, char *err, size_t n)
{
    const struct ops_config *o = &cfg->ops;
    struct webserver *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    w->lfd = w->wake[0] = w->wake[1] = -1;
    snprintf(w->healthz, sizeof w->healthz, "%s", o->web.healthz);
    w->stall_ms = o->health.stall_s * 1000;
    w->verdict = verdict;
    w->arg = arg;
    if (o->web.ssl_enabled && !(w->ctx = tls_context(o->web.ssl_certificate, err, n)))
        goto fail;
    w->lfd = listen_on(o->web.listen_address, o->web.listen_port, &w->port, err, n);
    if (w->lfd < 0)
        goto fail;
    if (pipe2(w->wake, O_CLOEXEC) != 0 || pthread_create(&w->thr, NULL, web_thread, w) != 0) {
        snprintf(err, n, "webserver: cannot start its thread: %s", strerror(errno));
        goto fail;
    }
    if (o->web.prometheus)
        tt_warn("webserver.prometheus_metrics_enabled: /metrics is not served; use metrics "
                "(output_rule, output_file) or tartan.cloudwatch_metrics");
    tt_info("webserver: listening on %s port %d (%s), health at %s", o->web.listen_address, w->port,
            w->ctx ? "https" : "http", w->healthz);
    return w;
fail:
    if (w->lfd >= 0)
        close(w->lfd);
    if (w->wake[0] >= 0) {
        close(w->wake[0]);
        close(w->wake[1]);
    }
    SSL_CTX_free(w->ctx);
    free(w);
    return NULL;
}

void webserver_stop(struct webserver *w)
{
    if (!w)
        return;
    if (write(w->wake[1], "x", 1) == 1)
        pthread_join(w->thr, NULL);
    close(w->wake[0]);
    close(w->wake[1]);
    close(w->lfd);
    SSL_CTX_free(w->ctx);
    free(w);
}
