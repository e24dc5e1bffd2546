/* Unit tests for http_output against a loopback peer (tests/data/engine/http_peer.py):
 * content types, user agent, body; TLS with a test CA (made at test time by mkcerts.sh),
 * insecure, CA failure; mTLS with a client certificate; retries on connection errors; echo;
 * connection reuse between alerts and keep_alive (TCP keepalive on the idle connection). */
#include "tt_test.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "config.h"
#include "outputs.h"

static char dir[64];
static char root[512];
static int have_certs;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = strdup(s);
}

static void setup(struct engine_config *c, int json)
{
    config_defaults(c);
    char err[128];
    config_from_tree(c, cfg_node_new(CFG_MAP, "t", 1), err, sizeof err);
    c->stdout_enabled = 0;
    c->syslog_enabled = 0;
    c->http.enabled = 1;
    c->json_output = json;
    c->http.retries = 0;
    c->http.timeout_ms = 3000;
}

struct peer {
    pid_t pid;
    int port;
    char out[160];
};

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (void *)&a, &l))
        return -1;
    close(s);
    return ntohs(a.sin_port);
}

/* mode: 0 http, 1 https, 2 https requiring a client cert, 3 http answering after 10 s,
 * 4 http answering 500 */
static int peer_start(struct peer *p, int mode, int port, const char *name)
{
    char portfile[160], script[600], portarg[16];
    snprintf(portfile, sizeof portfile, "%s/%s.port", dir, name);
    snprintf(p->out, sizeof p->out, "%s/%s.out", dir, name);
    snprintf(script, sizeof script, "%s/tests/data/engine/http_peer.py", root);
    snprintf(portarg, sizeof portarg, "%d", port);
    unlink(portfile);
    unlink(p->out);
    char cert[160], key[160], ca[160];
    snprintf(cert, sizeof cert, "%s/server.crt", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    snprintf(ca, sizeof ca, "%s/ca.crt", dir);
    p->pid = fork();
    if (p->pid == 0) {
        if (mode == 0)
            execlp("python3", "python3", script, portfile, p->out, "--port", portarg, (char *)0);
        else if (mode == 3)
            execlp("python3", "python3", script, portfile, p->out, "--port", portarg, "--hang",
                   "10", (char *)0);
        else if (mode == 4)
            execlp("python3", "python3", script, portfile, p->out, "--port", portarg, "--status",
                   "500", (char *)0);
        else if (mode == 1)
            execlp("python3", "python3", script, portfile, p->out, "--port", portarg, "--cert",
                   cert, "--key", key, (char *)0);
        else
            execlp("python3", "python3", script, portfile, p->out, "--port", portarg, "--cert",
                   cert, "--key", key, "--ca", ca, "--require-client", (char *)0);
        _exit(127);
    }
    for (int i = 0; i < 800; i++) { /* 20 s: python3 starts slowly on an emulated machine */
        FILE *f = fopen(portfile, "r");
        if (f) {
            int ok = fscanf(f, "%d", &p->port) == 1;
            fclose(f);
            if (ok)
                return 0;
        }
        sleep_ms(25);
    }
    return -1;
}

static void peer_stop(struct peer *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        waitpid(p->pid, NULL, 0);
    }
    p->pid = 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

static void mk_alert(struct alert *a)
{
    memset(a, 0, sizeof *a);
    a->ts_ns = 1700000000123456789ULL;
    a->priority = PRI_NOTICE;
    a->rule = "Packet socket created in container";
    a->source = "syscall";
    a->message = "Network tool launched";
}

/* Emits one alert to url; returns the number of http errors. */
static uint64_t send_one(struct engine_config *c, const char *url)
{
    char err[256];
    set_str(&c->http.url, url);
    struct outputs *o = outputs_new(c, "host1", err, sizeof err);
    if (!o)
        return 99;
    struct alert a;
    mk_alert(&a);
    outputs_emit(o, &a);
    outputs_flush(o, 30000);
    struct outputs_stats st;
    outputs_get_stats(o, &st);
    outputs_free(o, 1000, NULL);
    return st.http_errors;
}

TT_TEST(http_json_post)
{
    struct peer p;
    TT_CHECK_INT(peer_start(&p, 0, 0, "plain"), 0);
    struct engine_config c;
    setup(&c, 1);
    set_str(&c.http.user_agent, "tartan-test/1");
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/alerts", p.port);
    TT_CHECK_INT(send_one(&c, url), 0);
    char *got = slurp(p.out);
    TT_CHECK(strstr(got, "\"path\": \"/alerts\"") != NULL);
    TT_CHECK(strstr(got, "\"content_type\": \"application/json\"") != NULL);
    TT_CHECK(strstr(got, "\"user_agent\": \"tartan-test/1\"") != NULL);
    TT_CHECK(strstr(got, "\\\"rule\\\":\\\"Packet socket created in container\\\"") != NULL);
    TT_CHECK(strstr(got, "\\\"hostname\\\":\\\"host1\\\"") != NULL);
    free(got);
    config_free(&c);
    peer_stop(&p);
}

TT_TEST(http_text_post_and_default_user_agent)
{
    struct peer p;
    TT_CHECK_INT(peer_start(&p, 0, 0, "text"), 0);
    struct engine_config c;
    setup(&c, 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", p.port);
    TT_CHECK_INT(send_one(&c, url), 0);
    char *got = slurp(p.out);
    TT_CHECK(strstr(got, "\"content_type\": \"text/plain\"") != NULL);
    TT_CHECK(strstr(got, "\"user_agent\": \"falcosecurity/falco\"") != NULL);
    TT_CHECK(strstr(got, ": Notice Network tool launched\"") != NULL);
    free(got);
    config_free(&c);
    peer_stop(&p);
}

TT_TEST(http_error_status_counts)
{
    struct engine_config c;
    setup(&c, 1);
    int port = free_port();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    TT_CHECK(send_one(&c, url) >= 1); /* nobody listens */
    config_free(&c);
}

TT_TEST(http_timeout_and_error_status)
{
    struct peer p;
    TT_CHECK_INT(peer_start(&p, 3, 0, "hang"), 0);
    struct engine_config c;
    setup(&c, 1);
    c.http.timeout_ms = 300;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", p.port);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    TT_CHECK(send_one(&c, url) >= 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    TT_CHECK(t1.tv_sec - t0.tv_sec < 5); /* bounded by the timeout, not the peer */
    peer_stop(&p);
    TT_CHECK_INT(peer_start(&p, 4, 0, "e500"), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", p.port);
    c.http.timeout_ms = 3000;
    TT_CHECK(send_one(&c, url) >= 1); /* delivered, but the status is an error */
    char *got = slurp(p.out);
    TT_CHECK(strstr(got, "Packet socket") != NULL);
    free(got);
    peer_stop(&p);
    config_free(&c);
}

TT_TEST(http_retries_connection_errors)
{
    int port = free_port();
    struct engine_config c;
    setup(&c, 1);
    /* Backoff 100, 200, ... ms: 20 retries wait 21 s in all, room for the peer's python3 to
     * start on a slow (emulated arm64) machine; the peer comes up after the first attempt. */
    c.http.retries = 20;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/late", port);
    set_str(&c.http.url, url);
    char err[256];
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    struct alert a;
    mk_alert(&a);
    outputs_emit(o, &a);
    sleep_ms(250);
    struct peer p;
    TT_CHECK_INT(peer_start(&p, 0, port, "late"), 0);
    outputs_flush(o, 30000);
    struct outputs_stats st;
    outputs_get_stats(o, &st);
    outputs_free(o, 1000, NULL);
    TT_CHECK_INT(st.http_errors, 0);
    char *got = slurp(p.out);
    TT_CHECK(strstr(got, "/late") != NULL);
    free(got);
    peer_stop(&p);
    config_free(&c);
}

TT_TEST(https_with_test_ca_insecure_and_failure)
{
    if (!have_certs) {
        TT_FAILF("test certificates could not be made (openssl)");
        return;
    }
    struct peer p;
    TT_CHECK_INT(peer_start(&p, 1, 0, "tls"), 0);
    char url[128], ca[160];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/tls", p.port);
    snprintf(ca, sizeof ca, "%s/ca.crt", dir);
    struct engine_config c;
    setup(&c, 1);
    set_str(&c.http.ca_path, "/nonexistent");
    /* no CA: verification fails */
    TT_CHECK(send_one(&c, url) >= 1);
    /* ca_cert */
    set_str(&c.http.ca_cert, ca);
    TT_CHECK_INT(send_one(&c, url), 0);
    /* ca_bundle */
    set_str(&c.http.ca_cert, "");
    set_str(&c.http.ca_bundle, ca);
    TT_CHECK_INT(send_one(&c, url), 0);
    /* ca_path: a hashed directory */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/cadir && cp %s %s/cadir/ && openssl rehash %s/cadir >/dev/null 2>&1", dir,
             ca, dir, dir);
    if (system(cmd) == 0) {
        char cadir[160];
        snprintf(cadir, sizeof cadir, "%s/cadir", dir);
        set_str(&c.http.ca_bundle, "");
        set_str(&c.http.ca_path, cadir);
        TT_CHECK_INT(send_one(&c, url), 0);
    }
    /* insecure */
    set_str(&c.http.ca_bundle, "");
    set_str(&c.http.ca_path, "/nonexistent");
    c.http.insecure = 1;
    TT_CHECK_INT(send_one(&c, url), 0);
    char *got = slurp(p.out);
    int n = 0;
    for (char *q = got; (q = strstr(q, "/tls")); q++)
        n++;
    TT_CHECK(n >= 3);
    free(got);
    config_free(&c);
    peer_stop(&p);
}

TT_TEST(https_mtls_client_certificate)
{
    if (!have_certs) {
        TT_FAILF("test certificates could not be made (openssl)");
        return;
    }
    struct peer p;
    TT_CHECK_INT(peer_start(&p, 2, 0, "mtls"), 0);
    char url[128], ca[160], cc[160], ck[160];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/mtls", p.port);
    snprintf(ca, sizeof ca, "%s/ca.crt", dir);
    snprintf(cc, sizeof cc, "%s/client.crt", dir);
    snprintf(ck, sizeof ck, "%s/client.key", dir);
    struct engine_config c;
    setup(&c, 1);
    set_str(&c.http.ca_cert, ca);
    /* without mtls the server refuses the handshake */
    TT_CHECK(send_one(&c, url) >= 1);
    c.http.mtls = 1;
    set_str(&c.http.client_cert, cc);
    set_str(&c.http.client_key, ck);
    TT_CHECK_INT(send_one(&c, url), 0);
    char *got = slurp(p.out);
    TT_CHECK(strstr(got, "\"client_cert\": \"tartan-client\"") != NULL);
    free(got);
    config_free(&c);
    peer_stop(&p);
}

TT_TEST(http_echo_prints_response)
{
    struct peer p;
    TT_CHECK_INT(peer_start(&p, 0, 0, "echo"), 0);
    char url[128], outp[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", p.port);
    snprintf(outp, sizeof outp, "%s/stdout.txt", dir);
    struct engine_config c;
    setup(&c, 1);
    c.http.echo = 1;
    fflush(stdout);
    int saved = dup(1);
    int fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    close(fd);
    uint64_t errs = send_one(&c, url);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    TT_CHECK_INT(errs, 0);
    char *got = slurp(outp);
    TT_CHECK(strstr(got, "peer-ok") != NULL);
    free(got);
    config_free(&c);
    peer_stop(&p);
}

/* The client port of each request the peer recorded (up to max). */
static int client_ports(const char *text, int *ports, int max)
{
    int n = 0;
    for (const char *q = text; n < max && (q = strstr(q, "\"client_port\": ")); q++)
        ports[n++] = atoi(q + strlen("\"client_port\": "));
    return n;
}

/* The "tr" timer of our TCP socket bound to local port lport (/proc/net/tcp): 2 means the
 * keepalive timer runs. -1 if the socket is not found. */
static int tcp_timer_of(int lport)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f)
        return -1;
    char line[512];
    int tr = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned lp = 0, st = 0;
        int t = 0;
        if (sscanf(line, " %*d: %*8x:%x %*8x:%*x %x %*x:%*x %x:", &lp, &st, &t) == 3 &&
            (int)lp == lport && st == 1 /* ESTABLISHED */)
            tr = t;
    }
    fclose(f);
    return tr;
}

/* Two alerts through one outputs instance; returns the keepalive timer state of the client
 * socket after the second (see tcp_timer_of), and whether both went over one connection. */
static int two_alerts(int keep_alive, int *same_conn)
{
    struct peer p;
    *same_conn = 0;
    if (peer_start(&p, 0, 0, keep_alive ? "ka1" : "ka0"))
        return -2;
    struct engine_config c;
    setup(&c, 1);
    c.http.keep_alive = keep_alive;
    char url[128], err[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ka", p.port);
    set_str(&c.http.url, url);
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    int tr = -3;
    if (o) {
        struct alert a;
        mk_alert(&a);
        outputs_emit(o, &a);
        outputs_flush(o, 10000);
        outputs_emit(o, &a);
        outputs_flush(o, 10000);
        char *got = slurp(p.out);
        int ports[4];
        int n = client_ports(got, ports, 4);
        free(got);
        *same_conn = n == 2 && ports[0] == ports[1];
        tr = n >= 1 ? tcp_timer_of(ports[n - 1]) : -4;
        outputs_free(o, 1000, NULL);
    }
    config_free(&c);
    peer_stop(&p);
    return tr;
}

TT_TEST(http_connection_reuse_and_keep_alive)
{
    int same = 0;
    /* keep_alive: the idle connection has TCP keepalive probes armed */
    TT_CHECK_INT(two_alerts(1, &same), 2);
    TT_CHECK(same);
    /* without keep_alive the connection is still reused (one handle), without probes */
    TT_CHECK_INT(two_alerts(0, &same), 0);
    TT_CHECK(same);
}

int main(void)
{
    const char *r = getenv("TT_ROOT");
    snprintf(root, sizeof root, "%s", r ? r : ".");
    snprintf(dir, sizeof dir, "/tmp/tt-http-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sh %s/tests/data/engine/mkcerts.sh %s", root, dir);
    have_certs = system(cmd) == 0;
    int rc = tt_run_all();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    return rc;
}
