/* tracer: a socket's peer as the kernel holds it (see sockpeer.h). */
#include "sockpeer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

/* One netlink socket, kept: a connect in progress is looked up with one dump request of the
 * SYN_SENT sockets of its family (usually a handful). */
static int diag_fd(void)
{
    static int fd = -1;
    if (fd < 0)
        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    return fd;
}

static int diag_lookup(int family, uint64_t cookie, struct sockaddr_storage *out, socklen_t *len)
{
    int fd = diag_fd();
    if (fd < 0)
        return -1;
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof req);
    req.nlh.nlmsg_len = sizeof req;
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.r.sdiag_family = (uint8_t)family;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = 1u << TCP_SYN_SENT;
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&nl, sizeof nl) < 0)
        return -1;
    static char buf[32768];
    int found = -1;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return found;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
                return found;
            if (found == 0 || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
                continue;
            const struct inet_diag_msg *m = NLMSG_DATA(h);
            uint64_t c = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32;
            if (c != cookie)
                continue;
            memset(out, 0, sizeof *out);
            if (family == AF_INET) {
                struct sockaddr_in *s = (struct sockaddr_in *)out;
                s->sin_family = AF_INET;
                s->sin_port = m->id.idiag_dport;
                memcpy(&s->sin_addr, m->id.idiag_dst, 4);
                *len = sizeof *s;
            } else {
                struct sockaddr_in6 *s = (struct sockaddr_in6 *)out;
                s->sin6_family = AF_INET6;
                s->sin6_port = m->id.idiag_dport;
                memcpy(&s->sin6_addr, m->id.idiag_dst, 16);
                *len = sizeof *s;
            }
            found = 0; /* keep reading to the end of the dump */
        }
    }
}

/* /proc/TID/net/<table> (tcp, tcp6, udp, udp6): the tracee's network namespace, as text; the
 * remote address on the line of inode ino. */
static int proc_lookup_in(pid_t tid, const char *table, int family, unsigned long ino,
                          struct sockaddr_storage *out, socklen_t *len)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/net/%s", (int)tid, table);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int found = -1;
    while (found && fgets(line, sizeof line, f)) {
        char rem[64];
        unsigned st;
        unsigned long inode;
        if (sscanf(line, " %*d: %*s %63s %x %*s %*s %*s %*s %*s %lu", rem, &st, &inode) != 3 ||
            inode != ino)
            continue;
        char *colon = strchr(rem, ':');
        if (!colon)
            break;
        unsigned port = (unsigned)strtoul(colon + 1, NULL, 16);
        *colon = '\0';
        memset(out, 0, sizeof *out);
        if (family == AF_INET && strlen(rem) == 8) {
            struct sockaddr_in *s = (struct sockaddr_in *)out;
            s->sin_family = AF_INET;
            s->sin_port = htons((uint16_t)port);
            s->sin_addr.s_addr = (uint32_t)strtoul(rem, NULL, 16); /* as the kernel stores it */
            *len = sizeof *s;
            found = 0;
        } else if (family == AF_INET6 && strlen(rem) == 32) {
            struct sockaddr_in6 *s = (struct sockaddr_in6 *)out;
            s->sin6_family = AF_INET6;
            s->sin6_port = htons((uint16_t)port);
            for (int w = 0; w < 4; w++) { /* four host-order words, as printed */
                char word[9];
                memcpy(word, rem + 8 * w, 8);
                word[8] = '\0';
                uint32_t v = (uint32_t)strtoul(word, NULL, 16);
                memcpy(s->sin6_addr.s6_addr + 4 * w, &v, 4);
            }
            *len = sizeof *s;
            found = 0;
        }
    }
    fclose(f);
    return found;
}

int tr_sock_peer(int cfd, pid_t tid, struct sockaddr_storage *out, socklen_t *len)
{
    *len = sizeof *out;
    if (getpeername(cfd, (struct sockaddr *)out, len) == 0)
        return 0;
    if (errno != ENOTCONN)
        return -1;
    /* a TCP connect in progress: the kernel knows where it goes, getpeername does not say */
    struct sockaddr_storage me;
    socklen_t ml = sizeof me;
    int type;
    socklen_t tl = sizeof type;
    if (getsockname(cfd, (struct sockaddr *)&me, &ml) != 0 ||
        (me.ss_family != AF_INET && me.ss_family != AF_INET6) ||
        getsockopt(cfd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM)
        return -1;
    uint64_t cookie = 0;
    socklen_t cl = sizeof cookie;
    if (getsockopt(cfd, SOL_SOCKET, SO_COOKIE, &cookie, &cl) == 0 &&
        diag_lookup(me.ss_family, cookie, out, len) == 0)
        return 0;
    struct stat sb;
    if (fstat(cfd, &sb) != 0)
        return -1;
    return proc_lookup_in(tid, me.ss_family == AF_INET ? "tcp" : "tcp6", me.ss_family,
                          (unsigned long)sb.st_ino, out, len);
}

int tr_sock_peer_inode(pid_t tid, uint64_t ino, struct sockaddr_storage *out, socklen_t *len)
{
    static const struct {
        const char *table;
        int family;
    } tables[] = {{"tcp", AF_INET}, {"tcp6", AF_INET6}, {"udp", AF_INET}, {"udp6", AF_INET6}};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (proc_lookup_in(tid, tables[i].table, tables[i].family, (unsigned long)ino, out, len) ==
            0) {
            /* an unconnected socket has no peer: 0.0.0.0:0 or [::]:0 */
            const struct sockaddr_in *a = (const void *)out;
            const struct sockaddr_in6 *a6 = (const void *)out;
            int zero = tables[i].family == AF_INET ? a->sin_port == 0 : a6->sin6_port == 0;
            return zero ? -1 : 0;
        }
    return -1;
}
