/* Socket state: non-blocking connect completed by getsockopt(SO_ERROR), UDP sendto tuples and
 * fd.name_changed, accepted server sockets (local/remote ports), IPv6 names, unix sockets; plus
 * credential, session and name changes (setuid, setsid, prctl). */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "fields_dns.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <unistd.h>

static struct eval_ctx ctx;
static struct tev e;

static const char *F(const char *name, const char *arg)
{
    return tev_text(&ctx, name, arg);
}

static struct engine_state *world(void)
{
    struct engine_state *st = state_new();
    tev_apply(st, &ctx, tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0));
    tev_apply(st, &ctx, tev_procinfo(&e, 100, 1, "app", "/usr/bin/app", "", "/", 0));
    return st;
}

static void begin(struct engine_state *st, const struct tt_event *ev)
{
    state_begin_event(st, ev, 9, &ctx);
}

/* The socket kind the tracer adds to connect, bind, accept and addressed sends (proto < 0:
 * left out, as for stream sockets). */
static void kind(int dom, int type, int proto)
{
    tt_evb_i64(&e.b, TT_P_DOMAIN, dom);
    tt_evb_i64(&e.b, TT_P_TYPE, type);
    if (proto >= 0)
        tt_evb_i64(&e.b, TT_P_PROTO, proto);
}

static void sock(struct engine_state *st, int64_t fd, int dom, int type)
{
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    kind(dom, type, 0);
    tev_apply(st, &ctx, tev_end(&e, fd));
}

TT_TEST(nonblocking_connect_then_so_error)
{
    struct engine_state *st = world();
    sock(st, 3, AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    tev_sin(&e, TT_P_ADDR, "93.184.216.34", 443);
    begin(st, tev_end(&e, -115));
    TT_CHECK_STR(F("evt.res", NULL), "EINPROGRESS");
    TT_CHECK_STR(F("fd.connected", NULL), "false");
    TT_CHECK_STR(F("fd.sip", NULL), "93.184.216.34");
    TT_CHECK_STR(F("fd.typechar", NULL), "4");
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_GETSOCKOPT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    tt_evb_i64(&e.b, TT_P_VAL, 0);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.connected", NULL), "true");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(udp_sendto_changes_name)
{
    struct engine_state *st = world();
    sock(st, 4, AF_INET, SOCK_DGRAM);
    tev_begin(&e, TT_EV_SENDTO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 4);
    tev_sin(&e, TT_P_ADDR, "8.8.8.8", 53);
    begin(st, tev_end(&e, 40));
    TT_CHECK_STR(F("fd.name_changed", NULL), "true");
    TT_CHECK_STR(F("fd.connected", NULL), "false");
    TT_CHECK_STR(F("fd.l4proto", NULL), "udp");
    TT_CHECK_STR(F("fd.sip", NULL), "8.8.8.8");
    TT_CHECK_STR(F("fd.sport", NULL), "53");
    state_end_event(st, &ctx);
    begin(st, (const struct tt_event *)(const void *)e.buf); /* same peer again */
    TT_CHECK_STR(F("fd.name_changed", NULL), "false");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(accepted_server_socket_ports)
{
    struct engine_state *st = world();
    sock(st, 5, AF_INET, SOCK_STREAM);
    tev_begin(&e, TT_EV_BIND, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    tev_sin(&e, TT_P_ADDR, "0.0.0.0", 8080);
    tev_apply(st, &ctx, tev_end(&e, 0));
    tev_begin(&e, TT_EV_ACCEPT4, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    tev_sin(&e, TT_P_ADDR, "10.0.0.9", 51000);
    tev_sin(&e, TT_P_LOCAL_ADDR, "10.0.0.2", 8080);
    begin(st, tev_end(&e, 6));
    TT_CHECK_STR(F("fd.num", NULL), "6");
    TT_CHECK_STR(F("fd.name", NULL), "10.0.0.9:51000->10.0.0.2:8080");
    TT_CHECK_STR(F("fd.lport", NULL), "8080");
    TT_CHECK_STR(F("fd.rport", NULL), "51000");
    TT_CHECK_STR(F("fd.cip", NULL), "10.0.0.9");
    TT_CHECK_STR(F("fd.is_server", NULL), "true");
    /* fd.ip / fd.port are multi-valued in conditions: client and server */
    struct fld_ref r;
    char err[64];
    struct fld_value v[4];
    TT_CHECK(fld_resolve("fd.port", NULL, &r, err, sizeof err) == 0);
    TT_CHECK_INT(fld_extract(&r, &ctx, FX_FILTER, v, 4), 2);
    state_end_event(st, &ctx);
    state_free(st);
}

#define UNRESOLVABLE                                                                               \
    "eg-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid"

/* A connection made at once at start (a miner that is the container's entrypoint) is compared
 * with the name's addresses: the comparison waits for the name's first resolution, which the
 * resolver does next, however many names are before it. */
TT_TEST(ip_name_compared_at_start_waits_for_its_first_resolution)
{
    char name[32];
    for (int i = 0; i < 4000; i++) { /* numeric: resolved without any query */
        snprintf(name, sizeof name, "10.%d.%d.1", i / 250, i % 250);
        fld_dns_note(name);
    }
    fld_dns_note("localhost");
    TT_CHECK_INT(fld_dns_start(), 0);
    uint8_t lo[4] = {127, 0, 0, 1};
    TT_CHECK(fld_dns_match("localhost", 9, 4, lo));
    fld_dns_stop();
}

/* An engine whose rules never compare a host name sends no DNS query. */
TT_TEST(ip_names_not_looked_up_before_a_comparison_needs_one)
{
    fld_dns_note("localhost");
    fld_dns_note("127.0.0.2");
    TT_CHECK_INT(fld_dns_start(), 0);
    usleep(30000);
    TT_CHECK_INT((int)fld_dns_resolved_count(), 0);
    uint8_t lo2[4] = {127, 0, 0, 2};
    TT_CHECK(fld_dns_match("127.0.0.2", 9, 4, lo2));
    for (int i = 0; i < 300 && fld_dns_resolved_count() < 2; i++)
        usleep(10000); /* the first need starts the lookups of every name */
    TT_CHECK_INT((int)fld_dns_resolved_count(), 2);
    fld_dns_stop();
}

TT_TEST(ip_names_from_the_rules_host_names)
{
    /* fd.sip.name: the names a rule compares with are resolved in the background (localhost:
     * /etc/hosts); the connection's address matches a name with that address, and the field's
     * value is that name; unresolved names and unrelated addresses match nothing. The other
     * name has a label longer than DNS allows: getaddrinfo fails without sending a query. */
    fld_dns_note("localhost");
    fld_dns_note(UNRESOLVABLE);
    TT_CHECK_INT(fld_dns_start(), 0);
    uint8_t lo[4] = {127, 0, 0, 1}, other[4] = {192, 0, 2, 1};
    TT_CHECK(fld_dns_match("localhost", 9, 4, lo));
    TT_CHECK(!fld_dns_match("localhost", 9, 4, other));
    struct engine_state *st = world();
    sock(st, 3, AF_INET, SOCK_STREAM);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    tev_sin(&e, TT_P_ADDR, "127.0.0.1", 8080);
    kind(AF_INET, SOCK_STREAM, -1);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.sip.name", NULL), "localhost");
    struct fld_ref r;
    char err[128];
    TT_CHECK(fld_resolve("fd.sip.name", NULL, &r, err, sizeof err) == 0);
    struct fld_value v[2] = {{.type = FT_STRING, .v.s = {UNRESOLVABLE, sizeof UNRESOLVABLE - 1}},
                             {.type = FT_STRING, .v.s = {"localhost", 9}}};
    TT_CHECK_INT(fld_compare_missing(&r, &ctx, FC_IN, v, 2), 1);
    TT_CHECK_INT(fld_compare_missing(&r, &ctx, FC_EQ, v, 1), 0);
    TT_CHECK_INT(fld_compare_missing(&r, &ctx, FC_NE, v, 1), 1);
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_CONNECT, 100, 100); /* another address: no name */
    tt_evb_i64(&e.b, TT_P_FD, 3);
    tev_sin(&e, TT_P_ADDR, "192.0.2.1", 8080);
    kind(AF_INET, SOCK_STREAM, -1);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.sip.name", NULL), "(missing)");
    TT_CHECK_INT(fld_compare_missing(&r, &ctx, FC_IN, v, 2), 0);
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_EXECVE, 100, 100); /* not an fd event: no opinion */
    begin(st, tev_end(&e, 0));
    TT_CHECK_INT(fld_compare_missing(&r, &ctx, FC_IN, v, 2), -1);
    state_end_event(st, &ctx);
    state_free(st);
    fld_dns_stop();
}

TT_TEST(ipv6_and_unix_names)
{
    struct engine_state *st = world();
    sock(st, 7, AF_INET6, SOCK_STREAM);
    struct sockaddr_in6 s6;
    memset(&s6, 0, sizeof s6);
    s6.sin6_family = AF_INET6;
    s6.sin6_port = htons(9999);
    inet_pton(AF_INET6, "::1", &s6.sin6_addr);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 7);
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, &s6, sizeof s6);
    s6.sin6_port = htons(40000);
    tt_evb_bytes(&e.b, TT_P_LOCAL_ADDR, TT_PK_SOCKADDR, &s6, sizeof s6);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.name", NULL), "::1:40000->::1:9999");
    TT_CHECK_STR(F("fd.type", NULL), "ipv6");
    TT_CHECK_STR(F("fd.typechar", NULL), "6");
    state_end_event(st, &ctx);
    sock(st, 8, AF_UNIX, SOCK_STREAM);
    struct sockaddr_un su;
    memset(&su, 0, sizeof su);
    su.sun_family = AF_UNIX;
    strcpy(su.sun_path, "/var/run/docker.sock");
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 8);
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, &su, sizeof su);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.name", NULL), "/var/run/docker.sock");
    TT_CHECK_STR(F("fd.type", NULL), "unix");
    TT_CHECK_STR(F("fd.l4proto", NULL), "<NA>");
    TT_CHECK_STR(F("fd.sip", NULL), "(missing)");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(setuid_setsid_prctl_and_exec_args)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_SETUID, 100, 100);
    tt_evb_u64(&e.b, TT_P_UID, 33);
    tev_apply(st, &ctx, tev_end(&e, 0));
    tev_begin(&e, TT_EV_SETSID, 100, 100);
    tev_apply(st, &ctx, tev_end(&e, 100));
    tev_begin(&e, TT_EV_PRCTL, 100, 100);
    tt_evb_i64(&e.b, TT_P_CMD, PR_SET_NAME);
    tt_evb_str(&e.b, TT_P_NAME, "worker-1");
    tev_apply(st, &ctx, tev_end(&e, 0));
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("user.uid", NULL), "33");
    TT_CHECK_STR(F("proc.sid", NULL), "100");
    TT_CHECK_STR(F("proc.is_sid_leader", NULL), "true");
    TT_CHECK_STR(F("proc.sname", NULL), "worker-1");
    TT_CHECK_STR(F("proc.name", NULL), "worker-1");
    state_end_event(st, &ctx);
    /* exec with arguments, then exec without: the old arguments must not survive */
    tev_begin(&e, TT_EV_EXECVE, 100, 100);
    tt_evb_str(&e.b, TT_P_EXEPATH, "/bin/sleep");
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, "10", 3);
    tev_apply(st, &ctx, tev_end(&e, 0));
    tev_begin(&e, TT_EV_EXECVE, 100, 100);
    tt_evb_str(&e.b, TT_P_EXEPATH, "/bin/true");
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("proc.name", NULL), "true");
    TT_CHECK_STR(F("proc.args", NULL), "");
    TT_CHECK_STR(F("proc.cmdline", NULL), "true");
    TT_CHECK_STR(F("proc.pname", NULL), "init");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(failed_connect_names_the_attempt)
{
    struct engine_state *st = world();
    sock(st, 3, AF_INET, SOCK_STREAM);
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    begin(st, tev_end(&e, -9));
    TT_CHECK_STR(F("fd.name", NULL), ""); /* a fresh socket has no name */
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    tev_sin(&e, TT_P_ADDR, "198.51.100.4", 25);
    begin(st, tev_end(&e, -111));
    TT_CHECK_STR(F("evt.res", NULL), "ECONNREFUSED");
    TT_CHECK_STR(F("fd.name", NULL), "0.0.0.0:0->198.51.100.4:25");
    TT_CHECK_STR(F("fd.connected", NULL), "false");
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.name", NULL), ""); /* the socket itself was not renamed */
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(roles_and_fdless_events)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    tt_evb_i64(&e.b, TT_P_DOMAIN, AF_INET);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
    begin(st, tev_end(&e, 9));
    TT_CHECK_STR(F("fd.typechar", NULL), "4");
    TT_CHECK_STR(F("fd.sip", NULL), "(missing)"); /* no tuple yet */
    TT_CHECK_STR(F("fd.lport", NULL), "(missing)");
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_BIND, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 9);
    tev_sin(&e, TT_P_ADDR, "0.0.0.0", 8443);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.sport", NULL), "8443"); /* listening: only the server side */
    TT_CHECK_STR(F("fd.sip", NULL), "0.0.0.0");
    TT_CHECK_STR(F("fd.cip", NULL), "(missing)");
    state_end_event(st, &ctx);
    /* an fd event whose fd is unknown: libsinsp gives "" / "o" / "/" */
    tev_begin(&e, TT_EV_FCHMOD, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 77);
    tt_evb_u64(&e.b, TT_P_MODE, 0755);
    begin(st, tev_end(&e, -9));
    TT_CHECK_STR(F("fd.name", NULL), "");
    TT_CHECK_STR(F("fd.typechar", NULL), "o");
    TT_CHECK_STR(F("fd.directory", NULL), "/");
    TT_CHECK_STR(F("fd.type", NULL), "(missing)");
    TT_CHECK_STR(F("fd.filename", NULL), "(missing)");
    state_end_event(st, &ctx);
    /* an event that is not an fd event in libsinsp's table: every fd field is missing */
    tev_begin(&e, TT_EV_SETSID, 100, 100);
    begin(st, tev_end(&e, -1));
    TT_CHECK_STR(F("fd.name", NULL), "(missing)");
    TT_CHECK_STR(F("fd.typechar", NULL), "(missing)");
    TT_CHECK_STR(F("fd.directory", NULL), "(missing)");
    TT_CHECK_STR(F("fd.num", NULL), "(missing)");
    TT_CHECK_STR(F("fd.nameraw", NULL), "(missing)");
    state_end_event(st, &ctx);
    /* a failed socket(): the type char still comes from the event */
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    tt_evb_i64(&e.b, TT_P_DOMAIN, AF_INET);
    begin(st, tev_end(&e, -24));
    TT_CHECK_STR(F("fd.typechar", NULL), "4");
    state_end_event(st, &ctx);
    state_free(st);
}

int main(void)
{
    return tt_run_all();
}

/* Under the tracer's filter, socket and close are reported at entry (ret TT_RET_NONE): socket
 * creates no fd, the socket's kind arrives with connect or sendto, close still releases the fd,
 * and the result fields are missing rather than a made-up value. */
TT_TEST(entry_only_socket_and_close)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    kind(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    begin(st, tev_end(&e, TT_RET_NONE));
    TT_CHECK_STR(F("evt.res", NULL), "(missing)");
    TT_CHECK_STR(F("evt.rawres", NULL), "(missing)");
    TT_CHECK_STR(F("evt.failed", NULL), "(missing)");
    TT_CHECK_STR(F("fd.num", NULL), "(missing)");
    TT_CHECK_STR(F("evt.arg.domain", NULL), "AF_INET");
    state_end_event(st, &ctx);
    TT_CHECK(state_fd(state_proc(st, 100), 0) == NULL);

    /* connect names a socket the table does not have: its kind comes from the event */
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 6);
    tev_sin(&e, TT_P_ADDR, "10.0.0.2", 53);
    kind(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.l4proto", NULL), "udp");
    TT_CHECK_STR(F("fd.typechar", NULL), "4");
    TT_CHECK_STR(F("fd.sip", NULL), "10.0.0.2");
    state_end_event(st, &ctx);

    /* a stale file entry at that number is replaced by the socket sendto describes */
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, -100);
    tt_evb_str(&e.b, TT_P_NAME, "/tmp/x");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    tev_apply(st, &ctx, tev_end(&e, 7));
    tev_begin(&e, TT_EV_SENDTO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 7);
    struct sockaddr_in6 s6;
    memset(&s6, 0, sizeof s6);
    s6.sin6_family = AF_INET6;
    s6.sin6_port = htons(514);
    s6.sin6_addr = in6addr_loopback;
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, &s6, sizeof s6);
    kind(AF_INET6, SOCK_DGRAM, 0);
    begin(st, tev_end(&e, 5));
    TT_CHECK_STR(F("fd.typechar", NULL), "6");
    TT_CHECK_STR(F("fd.l4proto", NULL), "udp");
    TT_CHECK_STR(F("fd.sport", NULL), "514");
    state_end_event(st, &ctx);

    /* close at entry releases the fd */
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 6);
    begin(st, tev_end(&e, TT_RET_NONE));
    TT_CHECK_STR(F("evt.res", NULL), "(missing)");
    state_end_event(st, &ctx);
    TT_CHECK(state_fd(state_proc(st, 100), 6) == NULL);
    TT_CHECK(state_fd(state_proc(st, 100), 7) != NULL);
    state_free(st);
}

/* Server side when socket creation carried no fd: bind describes the listening socket from the
 * kind the tracer read, and accept types the new socket from its own kind. */
TT_TEST(entry_only_socket_server_side)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_BIND, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    tev_sin(&e, TT_P_ADDR, "0.0.0.0", 8080);
    kind(AF_INET, SOCK_STREAM, -1);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.typechar", NULL), "4");
    TT_CHECK_STR(F("fd.sport", NULL), "8080");
    TT_CHECK_STR(F("fd.l4proto", NULL), "tcp");
    state_end_event(st, &ctx);

    tev_begin(&e, TT_EV_ACCEPT4, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 9); /* a listening socket the table never saw */
    tev_sin(&e, TT_P_ADDR, "192.0.2.7", 40000);
    tev_sin(&e, TT_P_LOCAL_ADDR, "192.0.2.1", 9090);
    kind(AF_INET, SOCK_STREAM, -1);
    begin(st, tev_end(&e, 5));
    TT_CHECK_STR(F("fd.typechar", NULL), "4");
    TT_CHECK_STR(F("fd.l4proto", NULL), "tcp");
    TT_CHECK_STR(F("fd.cip", NULL), "192.0.2.7");
    TT_CHECK_STR(F("fd.sport", NULL), "9090");
    state_end_event(st, &ctx);
    state_free(st);
}
