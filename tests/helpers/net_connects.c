/* Test helper: connects to each destination once, without waiting, as a service's client
 * libraries do (non-blocking TCP connect, UDP connect), and prints one line per destination:
 * "PROTO ADDR PORT OK|EINPROGRESS|<errno name>".
 *
 *   net_connects tcp|udp|tcp6 ADDR PORT [tcp|udp|tcp6 ADDR PORT]...
 *
 * ADDR is IPv4 or IPv6 (AF_INET6 for IPv6 and for tcp6, which connects an AF_INET6 socket to an
 * IPv4-mapped address as dual-stack clients such as Java do: pass ::ffff:a.b.c.d). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4 || (argc - 1) % 3 != 0) {
        fprintf(stderr, "usage: net_connects tcp|udp|tcp6 ADDR PORT...\n");
        return 2;
    }
    for (int i = 1; i + 2 < argc; i += 3) {
        const char *proto = argv[i], *addr = argv[i + 1];
        int port = atoi(argv[i + 2]);
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        socklen_t len;
        int fam;
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        if (strchr(addr, ':')) {
            fam = AF_INET6;
            a6->sin6_family = AF_INET6;
            a6->sin6_port = htons((uint16_t)port);
            if (inet_pton(AF_INET6, addr, &a6->sin6_addr) != 1) {
                printf("%s %s %d BADADDR\n", proto, addr, port);
                continue;
            }
            len = sizeof *a6;
        } else {
            fam = AF_INET;
            a4->sin_family = AF_INET;
            a4->sin_port = htons((uint16_t)port);
            if (inet_pton(AF_INET, addr, &a4->sin_addr) != 1) {
                printf("%s %s %d BADADDR\n", proto, addr, port);
                continue;
            }
            len = sizeof *a4;
        }
        int type = !strcmp(proto, "udp") ? SOCK_DGRAM : SOCK_STREAM;
        int s = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s < 0) {
            printf("%s %s %d socket:%s\n", proto, addr, port, strerror(errno));
            continue;
        }
        int rc = connect(s, (struct sockaddr *)&ss, len);
        int e = errno;
        printf("%s %s %d %s\n", proto, addr, port,
               rc == 0            ? "OK"
               : e == EINPROGRESS ? "EINPROGRESS"
                                  : strerror(e));
        close(s);
    }
    return 0;
}
