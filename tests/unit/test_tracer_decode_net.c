/* Unit tests of tracer/decode.c on sockets: addresses of every family and length, data at its
 * cap, the socket's own address and kind, the peer read back from the connected socket, and the
 * arg_swap reports when an address argument was rewritten during the call. This process is the
 * tracee; its sockets talk over loopback only. */
#include "tracer_decode_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "fdcopy.h"

static struct sockaddr_in v4(const char *ip, unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static struct sockaddr_in6 v6(const char *ip, unsigned port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return a;
}

/* A listening TCP socket on the loopback of family af; its port in *port. */
static int listener(int af, unsigned *port)
{
    int s = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct sockaddr_storage ss = {0};
    socklen_t l;
    if (af == AF_INET) {
        struct sockaddr_in a = v4("127.0.0.1", 0);
        memcpy(&ss, &a, sizeof a);
        l = sizeof a;
    } else {
        struct sockaddr_in6 a = v6("::1", 0);
        memcpy(&ss, &a, sizeof a);
        l = sizeof a;
    }
    if (bind(s, (struct sockaddr *)&ss, l) != 0 || listen(s, 8) != 0 ||
        getsockname(s, (struct sockaddr *)&ss, &l) != 0) {
        close(s);
        return -1;
    }
    *port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return s;
}

/* A TCP socket connected to the listener (port) of family af. */
static int connected(int af, unsigned port)
{
    int s = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int rc;
    if (af == AF_INET) {
        struct sockaddr_in a = v4("127.0.0.1", port);
        rc = connect(s, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in6 a = v6("::1", port);
        rc = connect(s, (struct sockaddr *)&a, sizeof a);
    }
    if (rc != 0) {
        close(s);
        return -1;
    }
    return s;
}

static int same_bytes(const struct tt_event *ev, unsigned id, const void *want, size_t wl)
{
    uint32_t n = 0;
    const uint8_t *p = ev_param(ev, id, &n);
    return p && n == wl && memcmp(p, want, wl) == 0;
}

/* The arg_swap tamper record of the call nr, with its target; returns its reason. */
static const char *check_swap(const struct tt_event *ev, long nr, const char *target)
{
    TT_CHECK_INT(ev->type, TT_EV_TAMPER);
    TT_CHECK_STR(ev_str(ev, TT_P_TECHNIQUE), "arg_swap");
    TT_CHECK_STR(ev_str(ev, TT_P_ACTION), "observed");
    TT_CHECK_STR(ev_str(ev, TT_P_TARGET), target);
    TT_CHECK_INT(ev_i64(ev, TT_P_NR), nr);
    TT_CHECK(ev_u64(ev, TT_P_ARCH) == TR_AUDIT_ARCH);
    return ev_str(ev, TT_P_REASON);
}

static uint8_t payload_for_kept[4];

/* connect: the address as passed, the socket's local address and kind, its peer. With the
 * address argument naming what the socket is connected to, no report. */
TT_TEST(connect_describes_the_socket_and_its_peer)
{
    struct dec f;
    dec_init(&f, 1);
    for (int fam = 0; fam < 2; fam++) {
        int af = fam ? AF_INET6 : AF_INET;
        unsigned port;
        int ls = listener(af, &port);
        if (ls < 0 && af == AF_INET6)
            break; /* (no IPv6 loopback here: covered by the IPv4 half) */
        TT_REQUIRE(ls >= 0);
        int s = connected(af, port);
        TT_REQUIRE(s >= 0);
        struct sockaddr_storage local, peer;
        socklen_t ll = sizeof local, pl = sizeof peer;
        TT_REQUIRE(getsockname(s, (struct sockaddr *)&local, &ll) == 0);
        TT_REQUIRE(getpeername(s, (struct sockaddr *)&peer, &pl) == 0);
        uint64_t a[6] = {(uint64_t)s, U(&peer), pl};
        dec_call(&f, __NR_connect, a, 0);
        const struct tt_event *ev = dec_one(&f, TT_EV_CONNECT);
        TT_CHECK_INT(ev_i64(ev, TT_P_FD), s);
        TT_CHECK(same_bytes(ev, TT_P_ADDR, &peer, pl));
        TT_CHECK(same_bytes(ev, TT_P_LOCAL_ADDR, &local, ll));
        TT_CHECK(same_bytes(ev, TT_P_PEER, &peer, pl));
        TT_CHECK_INT(ev_i64(ev, TT_P_DOMAIN), af);
        TT_CHECK_INT(ev_i64(ev, TT_P_TYPE), SOCK_STREAM);
        TT_CHECK(!ev_has(ev, TT_P_PROTO)); /* (stream: TCP) */
        TT_CHECK(f.t->sockfd < 0);         /* the copy taken at entry is closed */
        /* in progress: the same */
        dec_call(&f, __NR_connect, a, -EINPROGRESS);
        ev = dec_one(&f, TT_EV_CONNECT);
        TT_CHECK(same_bytes(ev, TT_P_LOCAL_ADDR, &local, ll));
        TT_CHECK(same_bytes(ev, TT_P_PEER, &peer, pl));
        /* refused: the kind, no local address, no peer */
        dec_call(&f, __NR_connect, a, -ECONNREFUSED);
        ev = dec_one(&f, TT_EV_CONNECT);
        TT_CHECK(!ev_has(ev, TT_P_LOCAL_ADDR) && !ev_has(ev, TT_P_PEER));
        TT_CHECK_INT(ev_i64(ev, TT_P_DOMAIN), af);
        TT_CHECK_INT(ev->ret, -ECONNREFUSED);
        /* an unspecified address of the same port connects to the loopback: not a swap */
        if (af == AF_INET) {
            struct sockaddr_in any = v4("0.0.0.0", port);
            uint64_t b[6] = {(uint64_t)s, U(&any), sizeof any};
            dec_call(&f, __NR_connect, b, 0);
        } else {
            struct sockaddr_in6 any = v6("::", port);
            uint64_t b[6] = {(uint64_t)s, U(&any), sizeof any};
            dec_call(&f, __NR_connect, b, 0);
        }
        ev = dec_one(&f, TT_EV_CONNECT);
        TT_CHECK(same_bytes(ev, TT_P_PEER, &peer, pl));
        /* the other family's address, or one too short to say: no judgement */
        struct sockaddr_in6 other6 = v6("::2", port);
        struct sockaddr_in other4 = v4("127.0.0.9", port);
        uint64_t c[6] = {(uint64_t)s, af == AF_INET ? U(&other6) : U(&other4),
                         af == AF_INET ? sizeof other6 : sizeof other4};
        dec_call(&f, __NR_connect, c, 0);
        TT_CHECK_INT(dec_collect(&f), 1);
        struct sockaddr_storage cut;
        memcpy(&cut, &peer, sizeof cut);
        ((struct sockaddr_in *)&cut)->sin_port ^= 0x0101;
        const uint64_t short_lens[] = {1, 2, 8, af == AF_INET ? 15u : 27u};
        for (int i = 0; i < 4; i++) {
            uint64_t d[6] = {(uint64_t)s, U(&cut), short_lens[i]};
            dec_call(&f, __NR_connect, d, 0);
            TT_CHECKF(dec_collect(&f) == 1, "address of %llu bytes judged",
                      (unsigned long long)short_lens[i]);
        }
        close(s);
        close(ls);
    }
    dec_free(&f);
}

/* connect whose address argument names another endpoint than the socket's peer (rewritten by
 * another thread between the stop and the kernel's copy): the peer is reported, with an
 * arg_swap tamper naming both. */
TT_TEST(connect_to_another_endpoint_than_the_argument_is_reported)
{
    struct dec f;
    dec_init(&f, 1);
    unsigned port;
    int ls = listener(AF_INET, &port);
    TT_REQUIRE(ls >= 0);
    int s = connected(AF_INET, port);
    TT_REQUIRE(s >= 0);
    char want_target[64], reason[512];
    snprintf(want_target, sizeof want_target, "127.0.0.1:%u", port);
    struct sockaddr_in other_port = v4("127.0.0.1", port == 65535 ? 1 : port + 1);
    struct sockaddr_in other_ip = v4("127.0.0.2", port);
    struct sockaddr_in any_other_port = v4("0.0.0.0", port == 65535 ? 1 : port + 1);
    const struct sockaddr_in *said[] = {&other_port, &other_ip, &any_other_port};
    for (int i = 0; i < 3; i++) {
        uint64_t a[6] = {(uint64_t)s, U(said[i]), sizeof *said[i]};
        dec_call(&f, __NR_connect, a, 0);
        TT_REQUIRE_INT(dec_collect(&f), 2);
        const char *why = check_swap(f.ev[0], __NR_connect, want_target);
        char ip[32];
        inet_ntop(AF_INET, &said[i]->sin_addr, ip, sizeof ip);
        snprintf(reason, sizeof reason,
                 "connect: the socket is connected to 127.0.0.1:%u, the argument read at the "
                 "stop said %s:%u (rewritten meanwhile)",
                 port, ip, ntohs(said[i]->sin_port));
        TT_CHECK_STR(why, reason);
        TT_CHECK_INT(f.ev[0]->ret, 0);
        uint32_t n = 0;
        const uint8_t *raw = ev_param(f.ev[0], TT_P_RAWARGS, &n);
        TT_CHECK(raw && n == sizeof a && memcmp(raw, a, sizeof a) == 0);
        TT_CHECK_INT(f.ev[1]->type, TT_EV_CONNECT);
        TT_CHECK(same_bytes(f.ev[1], TT_P_ADDR, said[i], sizeof *said[i]));
    }
    /* without the defence: no peer, no report */
    f.o.unsafe_off = TR_DEF_BIT(TR_DEF_ARG_SWAP);
    uint64_t a[6] = {(uint64_t)s, U(&other_port), sizeof other_port};
    dec_call(&f, __NR_connect, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_CONNECT);
    TT_CHECK(!ev_has(ev, TT_P_PEER));
    close(s);
    close(ls);
    dec_free(&f);
}

TT_TEST(connect_over_ipv6_to_another_endpoint_is_reported)
{
    struct dec f;
    dec_init(&f, 1);
    unsigned port;
    int ls = listener(AF_INET6, &port);
    if (ls < 0) {
        dec_free(&f);
        TT_SKIP("no IPv6 loopback here");
    }
    int s = connected(AF_INET6, port);
    TT_REQUIRE(s >= 0);
    char want_target[64], reason[512];
    snprintf(want_target, sizeof want_target, "[::1]:%u", port);
    struct sockaddr_in6 other_ip = v6("::2", port);
    struct sockaddr_in6 other_port = v6("::1", port == 65535 ? 1 : port + 1);
    const struct sockaddr_in6 *said[] = {&other_ip, &other_port};
    const char *said_text[] = {"::2", "::1"};
    for (int i = 0; i < 2; i++) {
        uint64_t a[6] = {(uint64_t)s, U(said[i]), sizeof *said[i]};
        dec_call(&f, __NR_connect, a, 0);
        TT_REQUIRE_INT(dec_collect(&f), 2);
        const char *why = check_swap(f.ev[0], __NR_connect, want_target);
        snprintf(reason, sizeof reason,
                 "connect: the socket is connected to [::1]:%u, the argument read at the stop "
                 "said [%s]:%u (rewritten meanwhile)",
                 port, said_text[i], ntohs(said[i]->sin6_port));
        TT_CHECK_STR(why, reason);
    }
    /* the same endpoint, with a flow label and scope the kernel does not keep: no report */
    struct sockaddr_in6 same = v6("::1", port);
    same.sin6_flowinfo = htonl(0x12345);
    same.sin6_scope_id = 0x01010101;
    uint64_t a[6] = {(uint64_t)s, U(&same), sizeof same};
    dec_call(&f, __NR_connect, a, 0);
    TT_CHECK_INT(dec_collect(&f), 1);
    close(s);
    close(ls);
    dec_free(&f);
}

/* The socket is the one the fd named at the entry stop (the tracer's copy taken there), even
 * when another thread makes the number name another socket before the exit; the copy may land
 * on the tracer's fd 0. */
TT_TEST(the_socket_kept_at_the_entry_is_the_one_described)
{
    struct dec f;
    dec_init(&f, 1);
    unsigned port;
    int ls = listener(AF_INET, &port);
    TT_REQUIRE(ls >= 0);
    for (int at_zero = 0; at_zero < 2; at_zero++) {
        int s = connected(AF_INET, port);
        int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int other = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (other < 0)
            other = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        TT_REQUIRE(s >= 0 && u >= 0 && other >= 0);
        int saved = at_zero ? dec_fd0_take(-1) : -1;
        /* connect: the peer of the kept socket */
        struct sockaddr_in peer = v4("127.0.0.1", port);
        uint64_t a[6] = {(uint64_t)s, U(&peer), sizeof peer};
        int entered = tr_decode_entry(&f.st, f.t, __NR_connect, a, TR_AUDIT_ARCH, 0);
        int kept = f.t->sockfd;
        int moved = dup3(other, s, O_CLOEXEC) == s; /* (the number now names the other one) */
        tr_decode_exit(&f.st, f.t, 0);
        /* sendto: the kind of the kept socket (the connect's copy was closed: 0 is free again) */
        struct sockaddr_in to = v4("127.0.0.1", 9);
        uint64_t b[6] = {(uint64_t)u, U(payload_for_kept), 4, 0, U(&to), sizeof to};
        int entered2 = tr_decode_entry(&f.st, f.t, __NR_sendto, b, TR_AUDIT_ARCH, 0);
        int kept2 = f.t->sockfd;
        int moved2 = dup3(ls, u, O_CLOEXEC) == u;
        tr_decode_exit(&f.st, f.t, 4);
        if (at_zero)
            dec_fd0_restore(saved);
        TT_CHECK_INT(entered, 1);
        TT_CHECK_INT(entered2, 1);
        TT_CHECK(moved && moved2);
        TT_CHECKF(!at_zero || (kept == 0 && kept2 == 0), "copies at %d and %d, not 0", kept, kept2);
        TT_REQUIRE_INT(dec_collect(&f), 2);
        TT_CHECK_INT(f.ev[0]->type, TT_EV_CONNECT);
        TT_CHECK(same_bytes(f.ev[0], TT_P_PEER, &peer, sizeof peer));
        TT_CHECK_INT(ev_i64(f.ev[0], TT_P_DOMAIN), AF_INET);
        TT_CHECK_INT(ev_i64(f.ev[0], TT_P_TYPE), SOCK_STREAM);
        TT_CHECK_INT(f.ev[1]->type, TT_EV_SENDTO);
        TT_CHECK_INT(ev_i64(f.ev[1], TT_P_TYPE), SOCK_DGRAM);
        TT_CHECK_INT(ev_i64(f.ev[1], TT_P_PROTO), IPPROTO_UDP);
        TT_CHECK(f.t->sockfd < 0);
        close(s);
        close(u);
        close(other);
    }
    close(ls);
    dec_free(&f);
}

/* A socket with no peer after the call (reset at once): the address argument read again must
 * be the one read at the stop. */
TT_TEST(connect_without_a_peer_rechecks_the_argument)
{
    struct dec f;
    dec_init(&f, 1);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    TT_REQUIRE(s >= 0);
    struct sockaddr_in addr = v4("127.0.0.1", 9);
    uint64_t a[6] = {(uint64_t)s, U(&addr), sizeof addr};
    dec_call(&f, __NR_connect, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_CONNECT);
    TT_CHECK(!ev_has(ev, TT_P_PEER));
    TT_CHECK(same_bytes(ev, TT_P_ADDR, &addr, sizeof addr));
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_connect, a, TR_AUDIT_ARCH, 0), 1);
    addr = v4("10.1.2.3", 4444);
    tr_decode_exit(&f.st, f.t, 0);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    const char *why = check_swap(f.ev[0], __NR_connect, "127.0.0.1:9");
    TT_CHECK_STR(why, "connect: the address argument changed during the call (127.0.0.1:9 at the "
                      "stop, 10.1.2.3:4444 after); the socket has no peer to tell which was used");
    /* a failed connect is not rechecked */
    addr = v4("127.0.0.1", 9);
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_connect, a, TR_AUDIT_ARCH, 0), 1);
    addr = v4("10.1.2.3", 4444);
    tr_decode_exit(&f.st, f.t, -ECONNREFUSED);
    TT_CHECK_INT(dec_collect(&f), 1);
    close(s);
    dec_free(&f);
}

/* Without a copy of the fd (pidfd_getfd refused for the process), the socket is found by the
 * inode taken at the entry stop, in the thread's /proc/TID/net tables. */
TT_TEST(connect_peer_by_inode_without_a_copy_of_the_fd)
{
    pid_t gone = fork();
    TT_REQUIRE(gone >= 0);
    if (gone == 0)
        _exit(0);
    TT_REQUIRE(waitpid(gone, NULL, 0) == gone);
    struct dec f;
    dec_init_as(&f, 1, getpid(), gone); /* (a process pidfd_open cannot find) */
    unsigned port;
    int ls = listener(AF_INET, &port);
    TT_REQUIRE(ls >= 0);
    int s = connected(AF_INET, port);
    TT_REQUIRE(s >= 0);
    struct sockaddr_in peer = v4("127.0.0.1", port);
    uint64_t a[6] = {(uint64_t)s, U(&peer), sizeof peer};
    dec_call(&f, __NR_connect, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_CONNECT);
    TT_CHECK(same_bytes(ev, TT_P_PEER, &peer, sizeof peer));
    TT_CHECK(!ev_has(ev, TT_P_DOMAIN)); /* (no copy, and not refused with EPERM) */
    struct sockaddr_in other = v4("127.0.0.3", port);
    uint64_t b[6] = {(uint64_t)s, U(&other), sizeof other};
    dec_call(&f, __NR_connect, b, 0);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%u", port);
    check_swap(f.ev[0], __NR_connect, target);
    TT_CHECK(f.t->sockino == 0);
    close(s);
    close(ls);
    dec_free(&f);
}

/* bind: the address; the socket's kind (datagram sockets: their protocol), for a successful
 * call only. A socket at fd 0 is described like any other. */
TT_TEST(bind_describes_the_socket_kind)
{
    struct dec f;
    dec_init(&f, 1);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    TT_REQUIRE(s >= 0);
    struct sockaddr_in addr = v4("127.0.0.1", 0);
    TT_REQUIRE(bind(s, (struct sockaddr *)&addr, sizeof addr) == 0);
    uint64_t a[6] = {(uint64_t)s, U(&addr), sizeof addr};
    dec_call(&f, __NR_bind, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_BIND);
    TT_CHECK(same_bytes(ev, TT_P_ADDR, &addr, sizeof addr));
    TT_CHECK_INT(ev_i64(ev, TT_P_DOMAIN), AF_INET);
    TT_CHECK_INT(ev_i64(ev, TT_P_TYPE), SOCK_DGRAM);
    TT_CHECK_INT(ev_i64(ev, TT_P_PROTO), IPPROTO_UDP);
    TT_CHECK(!ev_has(ev, TT_P_LOCAL_ADDR));
    dec_call(&f, __NR_bind, a, -EADDRINUSE);
    ev = dec_one(&f, TT_EV_BIND);
    TT_CHECK(!ev_has(ev, TT_P_DOMAIN));
    /* addresses: NULL, empty, longer than any (cut to a sockaddr_storage) */
    uint64_t none[6] = {(uint64_t)s, 0, 16};
    dec_call(&f, __NR_bind, none, -EFAULT);
    ev = dec_one(&f, TT_EV_BIND);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    uint64_t empty[6] = {(uint64_t)s, U(&addr), 0};
    dec_call(&f, __NR_bind, empty, -EINVAL);
    ev = dec_one(&f, TT_EV_BIND);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    static struct sockaddr_storage big[2];
    memcpy(&big[0], &addr, sizeof addr);
    uint64_t huge[6] = {(uint64_t)s, U(big), sizeof big};
    dec_call(&f, __NR_bind, huge, -EINVAL);
    ev = dec_one(&f, TT_EV_BIND);
    TT_CHECK(same_bytes(ev, TT_P_ADDR, &big[0], sizeof big[0]));
    uint64_t bad[6] = {(uint64_t)s, 8, 16};
    dec_call(&f, __NR_bind, bad, -EFAULT);
    ev = dec_one(&f, TT_EV_BIND);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    /* the tracer's copy of the socket lands on fd 0 */
    int saved = dec_fd0_take(-1);
    dec_call(&f, __NR_bind, a, 0);
    dec_fd0_restore(saved);
    ev = dec_one(&f, TT_EV_BIND);
    TT_CHECK_INT(ev_i64(ev, TT_P_TYPE), SOCK_DGRAM);
    close(s);
    dec_free(&f);
}

/* accept: the new socket's local address and kind; the peer address the kernel wrote, of the
 * length it wrote. */
TT_TEST(accept_describes_the_new_socket)
{
    struct dec f;
    dec_init(&f, 1);
    unsigned port;
    int ls = listener(AF_INET, &port);
    TT_REQUIRE(ls >= 0);
    int c = connected(AF_INET, port);
    TT_REQUIRE(c >= 0);
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    int s = accept(ls, (struct sockaddr *)&from, &fl);
    TT_REQUIRE(s >= 0);
    struct sockaddr_storage local;
    socklen_t ll = sizeof local;
    TT_REQUIRE(getsockname(s, (struct sockaddr *)&local, &ll) == 0);
    uint64_t a[6] = {(uint64_t)ls, U(&from), U(&fl), 0};
    dec_call(&f, __NR_accept4, a, s);
    const struct tt_event *ev = dec_one(&f, TT_EV_ACCEPT4);
    TT_CHECK(same_bytes(ev, TT_P_ADDR, &from, fl));
    TT_CHECK(same_bytes(ev, TT_P_LOCAL_ADDR, &local, ll));
    TT_CHECK_INT(ev_i64(ev, TT_P_DOMAIN), AF_INET);
    TT_CHECK_INT(ev_i64(ev, TT_P_TYPE), SOCK_STREAM);
    TT_CHECK_INT(ev->ret, s);
    dec_call(&f, __NR_accept4, a, -EAGAIN);
    ev = dec_one(&f, TT_EV_ACCEPT4);
    TT_CHECK(!ev_has(ev, TT_P_ADDR) && !ev_has(ev, TT_P_LOCAL_ADDR));
    uint64_t noaddr[6] = {(uint64_t)ls, 0, 0, 0};
    dec_call(&f, __NR_accept4, noaddr, s);
    ev = dec_one(&f, TT_EV_ACCEPT4);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    TT_CHECK(ev_has(ev, TT_P_LOCAL_ADDR));
    close(s);
    close(c);
    close(ls);
    dec_free(&f);
}

static uint8_t payload[200];

/* sendto: the first 80 bytes of the data, its size, the address; recvfrom: the first 80 bytes
 * of what was received (the result's length), the source address the kernel wrote. */
TT_TEST(data_is_cut_at_the_snap_length)
{
    struct dec f;
    dec_init(&f, 1);
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 1);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    TT_REQUIRE(s >= 0);
    struct sockaddr_in to = v4("127.0.0.1", 9);
    const size_t lens[] = {0, 1, 79, 80, 81, 200};
    for (int i = 0; i < 6; i++) {
        uint64_t a[6] = {(uint64_t)s, U(payload), lens[i], 0, U(&to), sizeof to};
        dec_call(&f, __NR_sendto, a, (int64_t)lens[i]);
        const struct tt_event *ev = dec_one(&f, TT_EV_SENDTO);
        size_t want = lens[i] < 80 ? lens[i] : 80;
        TT_CHECKF(same_bytes(ev, TT_P_DATA, payload, want), "sendto of %zu bytes", lens[i]);
        TT_CHECK(ev_u64(ev, TT_P_SIZE) == lens[i]);
        TT_CHECK(same_bytes(ev, TT_P_ADDR, &to, sizeof to));
        TT_CHECK_INT(ev_i64(ev, TT_P_DOMAIN), AF_INET);
        TT_CHECK_INT(ev_i64(ev, TT_P_PROTO), IPPROTO_UDP);
    }
    uint64_t nodata[6] = {(uint64_t)s, 0, 10, 0, 0, 0};
    dec_call(&f, __NR_sendto, nodata, -EFAULT);
    const struct tt_event *ev = dec_one(&f, TT_EV_SENDTO);
    TT_CHECK(!ev_has(ev, TT_P_DATA) && !ev_has(ev, TT_P_ADDR));
    TT_CHECK(!ev_has(ev, TT_P_DOMAIN)); /* (failed) */
    /* recvfrom */
    struct sockaddr_in from = v4("127.0.0.5", 5353);
    socklen_t fl = sizeof from;
    const int64_t rets[] = {0, 1, 80, 81, 200};
    for (int i = 0; i < 5; i++) {
        uint64_t a[6] = {(uint64_t)s, U(payload), sizeof payload, 0, U(&from), U(&fl)};
        dec_call(&f, __NR_recvfrom, a, rets[i]);
        ev = dec_one(&f, TT_EV_RECVFROM);
        if (rets[i] == 0)
            TT_CHECK(!ev_has(ev, TT_P_DATA));
        else
            TT_CHECKF(same_bytes(ev, TT_P_DATA, payload, rets[i] < 80 ? (size_t)rets[i] : 80),
                      "recvfrom of %lld bytes", (long long)rets[i]);
        TT_CHECK(same_bytes(ev, TT_P_ADDR, &from, sizeof from));
        TT_CHECK(ev_u64(ev, TT_P_SIZE) == sizeof payload);
    }
    fl = 8;
    uint64_t r[6] = {(uint64_t)s, U(payload), sizeof payload, 0, U(&from), U(&fl)};
    dec_call(&f, __NR_recvfrom, r, 3);
    ev = dec_one(&f, TT_EV_RECVFROM);
    TT_CHECK(same_bytes(ev, TT_P_ADDR, &from, 8));
    dec_call(&f, __NR_recvfrom, r, -EAGAIN);
    ev = dec_one(&f, TT_EV_RECVFROM);
    TT_CHECK(!ev_has(ev, TT_P_ADDR) && !ev_has(ev, TT_P_DATA));
    uint64_t noaddr[6] = {(uint64_t)s, U(payload), sizeof payload, 0, 0, U(&fl)};
    dec_call(&f, __NR_recvfrom, noaddr, 3);
    ev = dec_one(&f, TT_EV_RECVFROM);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    uint64_t badlen[6] = {(uint64_t)s, U(payload), sizeof payload, 0, U(&from), 8};
    dec_call(&f, __NR_recvfrom, badlen, 3);
    ev = dec_one(&f, TT_EV_RECVFROM);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    close(s);
    dec_free(&f);
}

/* pidfd_getfd refused with EPERM, as Docker's and containerd's default seccomp profiles do
 * without CAP_SYS_PTRACE (for this process only: a filter of its own). */
static int refuse_pidfd_getfd(void)
{
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pidfd_getfd, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog fp = {(unsigned short)(sizeof prog / sizeof prog[0]), prog};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) == 0 ? 0 : -1;
}

/* In a child (the filter cannot be taken off again): sockets described from /proc. */
static void sockets_from_proc(void)
{
    struct dec f;
    dec_init(&f, 1);
    TT_REQUIRE(refuse_pidfd_getfd() == 0);
    errno = 0;
    TT_REQUIRE(tr_fd_copy(getpid(), 1) < 0 && errno == EPERM);
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    TT_REQUIRE(u >= 0);
    struct sockaddr_in addr = v4("127.0.0.1", 0);
    TT_REQUIRE(bind(u, (struct sockaddr *)&addr, sizeof addr) == 0);
    uint64_t a[6] = {(uint64_t)u, U(&addr), sizeof addr};
    dec_call(&f, __NR_bind, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_BIND);
    TT_CHECK_INT(ev_i64(ev, TT_P_DOMAIN), AF_INET);
    TT_CHECK_INT(ev_i64(ev, TT_P_TYPE), SOCK_DGRAM);
    TT_CHECK_INT(ev_i64(ev, TT_P_PROTO), IPPROTO_UDP);
    TT_CHECK(!ev_has(ev, TT_P_LOCAL_ADDR));
    unsigned port;
    int ls = listener(AF_INET, &port);
    TT_REQUIRE(ls >= 0);
    int s = connected(AF_INET, port);
    TT_REQUIRE(s >= 0);
    struct sockaddr_in local, peer = v4("127.0.0.1", port);
    socklen_t ll = sizeof local;
    TT_REQUIRE(getsockname(s, (struct sockaddr *)&local, &ll) == 0);
    uint64_t c[6] = {(uint64_t)s, U(&peer), sizeof peer};
    dec_call(&f, __NR_connect, c, 0);
    ev = dec_one(&f, TT_EV_CONNECT);
    TT_CHECK(same_bytes(ev, TT_P_LOCAL_ADDR, &local, sizeof local));
    TT_CHECK(same_bytes(ev, TT_P_PEER, &peer, sizeof peer)); /* (by the inode) */
    TT_CHECK_INT(ev_i64(ev, TT_P_DOMAIN), AF_INET);
    TT_CHECK_INT(ev_i64(ev, TT_P_TYPE), SOCK_STREAM);
    TT_CHECK(!ev_has(ev, TT_P_PROTO));
    dec_call(&f, __NR_connect, c, -ECONNREFUSED);
    ev = dec_one(&f, TT_EV_CONNECT);
    TT_CHECK(!ev_has(ev, TT_P_LOCAL_ADDR));
    TT_CHECK_INT(ev_i64(ev, TT_P_TYPE), SOCK_STREAM);
    /* not a socket: nothing */
    uint64_t b[6] = {2, U(&addr), sizeof addr};
    dec_call(&f, __NR_bind, b, 0);
    ev = dec_one(&f, TT_EV_BIND);
    TT_CHECK(!ev_has(ev, TT_P_DOMAIN));
    dec_free(&f);
}

TT_TEST(sockets_are_described_from_proc_when_pidfd_getfd_is_refused)
{
    int p[2];
    TT_REQUIRE(pipe(p) == 0);
    fflush(stdout);
    pid_t kid = fork();
    TT_REQUIRE(kid >= 0);
    if (kid == 0) {
        close(p[0]);
        if (setjmp(tt_require_jmp) == 0)
            sockets_from_proc();
        else
            tt_failed_current = 1;
        if (tt_failed_current && write(p[1], tt_fail_msg, strlen(tt_fail_msg)) < 0)
            _exit(2);
        _exit(tt_failed_current ? 1 : 0);
    }
    close(p[1]);
    char msg[1024] = "";
    ssize_t n = read(p[0], msg, sizeof msg - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(p[0]);
    int status = 0;
    TT_REQUIRE(waitpid(kid, &status, 0) == kid);
    TT_CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "in the child: %s", msg);
}

/* sendmsg and recvmsg: the address in the msghdr. */
TT_TEST(message_addresses)
{
    struct dec f;
    dec_init(&f, 1);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    TT_REQUIRE(s >= 0);
    struct sockaddr_in to = v4("127.0.0.1", 9);
    struct msghdr mh = {.msg_name = &to, .msg_namelen = sizeof to};
    uint64_t a[6] = {(uint64_t)s, U(&mh), 0};
    dec_call(&f, __NR_sendmsg, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_SENDMSG);
    TT_CHECK(same_bytes(ev, TT_P_ADDR, &to, sizeof to));
    TT_CHECK_INT(ev_i64(ev, TT_P_TYPE), SOCK_DGRAM);
    dec_call(&f, __NR_recvmsg, a, 4);
    ev = dec_one(&f, TT_EV_RECVMSG);
    TT_CHECK(same_bytes(ev, TT_P_ADDR, &to, sizeof to));
    dec_call(&f, __NR_recvmsg, a, -EAGAIN);
    ev = dec_one(&f, TT_EV_RECVMSG);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    struct msghdr unnamed = {0};
    uint64_t b[6] = {(uint64_t)s, U(&unnamed), 0};
    dec_call(&f, __NR_sendmsg, b, 0);
    ev = dec_one(&f, TT_EV_SENDMSG);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    dec_call(&f, __NR_recvmsg, b, 0);
    ev = dec_one(&f, TT_EV_RECVMSG);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    uint64_t bad[6] = {(uint64_t)s, 8, 0};
    dec_call(&f, __NR_sendmsg, bad, -EFAULT);
    ev = dec_one(&f, TT_EV_SENDMSG);
    TT_CHECK(!ev_has(ev, TT_P_ADDR));
    close(s);
    dec_free(&f);
}

/* An address changed between the entry and the exit of a sendto: reported, each address
 * written as text by family and length. */
struct swap_case {
    const char *name;
    struct sockaddr_storage at_stop, after;
    size_t len;
    const char *stop_text, *after_text;
};

static int send_swap(struct dec *f, const struct swap_case *c, int use_msg, char *why, size_t cap)
{
    static struct sockaddr_storage arg;
    static struct msghdr mh;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    memcpy(&arg, &c->at_stop, sizeof arg);
    mh.msg_name = &arg;
    mh.msg_namelen = (socklen_t)c->len;
    uint64_t a[6] = {(uint64_t)s, U(payload), 4, 0, U(&arg), c->len};
    if (use_msg) {
        a[1] = U(&mh);
        a[2] = 0;
    }
    long nr = use_msg ? __NR_sendmsg : __NR_sendto;
    TT_CHECK_INT(tr_decode_entry(&f->st, f->t, nr, a, TR_AUDIT_ARCH, 0), 1);
    memcpy(&arg, &c->after, sizeof arg);
    tr_decode_exit(&f->st, f->t, 4);
    close(s);
    int n = dec_collect(f);
    why[0] = '\0';
    if (n == 2) {
        TT_CHECK_STR(ev_str(f->ev[0], TT_P_TARGET), c->stop_text);
        TT_CHECK_STR(ev_str(f->ev[0], TT_P_TECHNIQUE), "arg_swap");
        TT_CHECK_INT(ev_i64(f->ev[0], TT_P_NR), nr);
        snprintf(why, cap, "%s", ev_str(f->ev[0], TT_P_REASON));
    }
    return n;
}

static void put(struct sockaddr_storage *ss, const void *sa, size_t len)
{
    memset(ss, 0, sizeof *ss);
    memcpy(ss, sa, len);
}

TT_TEST(send_address_swaps_are_reported_with_every_family_as_text)
{
    struct dec f;
    dec_init(&f, 1);
    static struct swap_case c[12];
    int n = 0;
    struct sockaddr_in a4 = v4("10.0.0.1", 53), b4 = v4("10.0.0.2", 53);
    struct sockaddr_in6 a6 = v6("fd00::1", 443), b6 = v6("fd00::1", 444);
    struct sockaddr_un u1 = {.sun_family = AF_UNIX, .sun_path = "/run/a.sock"};
    struct sockaddr_un u2 = {.sun_family = AF_UNIX, .sun_path = "/run/b.sock"};
    struct sockaddr_un abs = {.sun_family = AF_UNIX, .sun_path = "\0hidden"};
    c[n] = (struct swap_case){"inet", {0}, {0}, sizeof a4, "10.0.0.1:53", "10.0.0.2:53"};
    put(&c[n].at_stop, &a4, sizeof a4), put(&c[n++].after, &b4, sizeof b4);
    c[n] = (struct swap_case){"inet short", {0}, {0}, sizeof a4 - 1, "family 2", "family 2"};
    put(&c[n].at_stop, &a4, sizeof a4), put(&c[n++].after, &b4, sizeof b4);
    c[n] = (struct swap_case){"inet6", {0}, {0}, sizeof a6, "[fd00::1]:443", "[fd00::1]:444"};
    put(&c[n].at_stop, &a6, sizeof a6), put(&c[n++].after, &b6, sizeof b6);
    c[n] = (struct swap_case){"inet6 short", {0}, {0}, sizeof a6 - 1, "family 10", "family 10"};
    put(&c[n].at_stop, &a6, sizeof a6), put(&c[n++].after, &b6, sizeof b6);
    c[n] = (struct swap_case){"inet6 in 16", {0}, {0}, 16, "family 10", "family 10"};
    put(&c[n].at_stop, &a6, sizeof a6), put(&c[n++].after, &b6, sizeof b6);
    c[n] = (struct swap_case){"unix", {0}, {0}, 2 + 11, "unix:/run/a.sock", "unix:/run/b.sock"};
    put(&c[n].at_stop, &u1, sizeof u1), put(&c[n++].after, &u2, sizeof u2);
    c[n] = (struct swap_case){"unix cut", {0}, {0}, 2 + 5, "unix:/run/", "unix:/runX"};
    put(&c[n].at_stop, &u1, sizeof u1), put(&c[n].after, &u1, sizeof u1);
    ((struct sockaddr_un *)&c[n++].after)->sun_path[4] = 'X';
    c[n] = (struct swap_case){"unix abstract", {0}, {0}, 2 + 7, "unix:@", "unix:/run/a."};
    put(&c[n].at_stop, &abs, sizeof abs), put(&c[n++].after, &u1, sizeof u1);
    c[n] = (struct swap_case){"unix one byte", {0}, {0}, 3, "unix:/", "unix:-"};
    put(&c[n].at_stop, &u1, sizeof u1), put(&c[n++].after, &u1, sizeof u1);
    ((struct sockaddr_un *)&c[n - 1].after)->sun_path[0] = '-';
    c[n] = (struct swap_case){"unix family only", {0}, {0}, 2, "family 1", "family 2"};
    put(&c[n].at_stop, &u1, sizeof u1), put(&c[n++].after, &a4, sizeof a4);
    c[n] = (struct swap_case){"packet", {0}, {0}, 12, "family 17", "family 17"};
    ((struct sockaddr *)&c[n].at_stop)->sa_family = 17;
    ((struct sockaddr *)&c[n].after)->sa_family = 17;
    c[n++].after.__ss_padding[3] = 1;
    c[n] = (struct swap_case){"one byte", {0}, {0}, 1, "family 0", "family 0"};
    ((uint8_t *)&c[n].at_stop)[0] = 2;
    ((uint8_t *)&c[n++].after)[0] = 10;
    char why[600], want[600];
    for (int use_msg = 0; use_msg < 2; use_msg++)
        for (int i = 0; i < n; i++) {
            int got = send_swap(&f, &c[i], use_msg, why, sizeof why);
            TT_CHECKF(got == 2, "%s (%s): %d records", c[i].name, use_msg ? "sendmsg" : "sendto",
                      got);
            snprintf(want, sizeof want,
                     "%s: the destination argument changed during the call (%s at the stop, %s "
                     "after)",
                     use_msg ? "sendmsg" : "sendto", c[i].stop_text, c[i].after_text);
            TT_CHECKF(strcmp(why, want) == 0, "%s: reason \"%s\", want \"%s\"", c[i].name, why,
                      want);
        }
    /* unchanged: no report */
    struct swap_case same = {"same", {0}, {0}, sizeof a4, "", ""};
    put(&same.at_stop, &a4, sizeof a4), put(&same.after, &a4, sizeof a4);
    TT_CHECK_INT(send_swap(&f, &same, 0, why, sizeof why), 1);
    TT_CHECK_INT(send_swap(&f, &same, 1, why, sizeof why), 1);
    /* without the defence: no recheck */
    f.o.unsafe_off = TR_DEF_BIT(TR_DEF_ARG_SWAP);
    TT_CHECK_INT(send_swap(&f, &c[0], 0, why, sizeof why), 1);
    dec_free(&f);
}

/* The address argument unmapped after the stop: "(unreadable)"; the msghdr unmapped: no
 * recheck. */
TT_TEST(send_address_unreadable_after_the_call)
{
    struct dec f;
    dec_init(&f, 1);
    long pg = sysconf(_SC_PAGESIZE);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    TT_REQUIRE(s >= 0);
    struct sockaddr_in to = v4("10.9.8.7", 99);
    void *page = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TT_REQUIRE(page != MAP_FAILED);
    memcpy(page, &to, sizeof to);
    uint64_t a[6] = {(uint64_t)s, U(payload), 4, 0, U(page), sizeof to};
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_sendto, a, TR_AUDIT_ARCH, 0), 1);
    munmap(page, (size_t)pg);
    tr_decode_exit(&f.st, f.t, 4);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    check_swap(f.ev[0], __NR_sendto, "10.9.8.7:99");
    TT_CHECK_STR(ev_str(f.ev[0], TT_P_REASON),
                 "sendto: the destination argument changed during the call (10.9.8.7:99 at the "
                 "stop, (unreadable) after)");
    TT_CHECK_INT(f.ev[0]->ret, 4);
    /* sendmsg whose msghdr is gone at the exit */
    page = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TT_REQUIRE(page != MAP_FAILED);
    struct msghdr *mh = page;
    memset(mh, 0, sizeof *mh);
    mh->msg_name = &to;
    mh->msg_namelen = sizeof to;
    uint64_t b[6] = {(uint64_t)s, U(mh), 0};
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_sendmsg, b, TR_AUDIT_ARCH, 0), 1);
    munmap(page, (size_t)pg);
    tr_decode_exit(&f.st, f.t, 4);
    TT_CHECK_INT(dec_collect(&f), 1);
    close(s);
    dec_free(&f);
}

int main(void)
{
    return tt_run_all();
}
