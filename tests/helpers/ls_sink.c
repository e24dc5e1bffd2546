/* ls_sink: a minimal CloudWatch Logs sink for the logshipper benchmark. Listens on 127.0.0.1
 * (port written to the file named by argv[1]), serves keep-alive HTTP/1.1 connections one after
 * another, answers every request 200 with an x-amzn-RequestId, counts the events of PutLogEvents
 * bodies, and prints the count on SIGTERM. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static unsigned long long events;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static size_t count_events(const char *p, size_t n)
{
    static const char pat[] = "{\"timestamp\":";
    size_t c = 0;
    const char *end = p + n;
    while ((p = memmem(p, (size_t)(end - p), pat, sizeof pat - 1))) {
        c++;
        p += sizeof pat - 1;
    }
    return c;
}

static void serve(int fd)
{
    size_t cap = 8 << 20, len = 0;
    char *buf = malloc(cap);
    unsigned long long id = 0;
    if (!buf)
        return;
    while (!stop) {
        char *hend = len ? memmem(buf, len, "\r\n\r\n", 4) : NULL;
        if (hend) {
            size_t hlen = (size_t)(hend - buf) + 4, clen = 0;
            for (char *l = buf; l < hend; l = strstr(l, "\r\n") + 2) {
                if (!strncasecmp(l, "Content-Length:", 15))
                    clen = strtoul(l + 15, NULL, 10);
                if (!strstr(l, "\r\n"))
                    break;
            }
            if (hlen + clen > cap) {
                char *nb = realloc(buf, hlen + clen);
                if (!nb)
                    break;
                buf = nb;
                cap = hlen + clen;
            }
            if (len >= hlen + clen) {
                if (memmem(buf, hlen, "PutLogEvents", 12))
                    events += count_events(buf + hlen, clen);
                char resp[200];
                int n = snprintf(resp, sizeof resp,
                                 "HTTP/1.1 200 OK\r\nx-amzn-RequestId: sink-%llu\r\n"
                                 "Content-Type: application/x-amz-json-1.1\r\n"
                                 "Content-Length: 2\r\n\r\n{}",
                                 ++id);
                if (write(fd, resp, (size_t)n) != n)
                    break;
                memmove(buf, buf + hlen + clen, len - hlen - clen);
                len -= hlen + clen;
                continue;
            }
        }
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    free(buf);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ls_sink PORTFILE\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) < 0) {
        perror("ls_sink");
        return 1;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f)
        return 1;
    fprintf(f, "%d\n", ntohs(a.sin_port));
    fclose(f);
    while (!stop) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        serve(c);
        close(c);
    }
    printf("%llu\n", events);
    return 0;
}
