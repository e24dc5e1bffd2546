/* The fd table of a process and the events that change it: the table's bounds (max_fds, fds
 * dropped past it), tables shared by CLONE_FILES outliving one sharer, opens relative to a
 * directory fd, dup/dup2/dup3 and fcntl duplicates with their close-on-exec flag (dup clears
 * it, dup3 and F_DUPFD_CLOEXEC set it, F_SETFD changes it) as exec then shows, dup2 of an
 * unknown fd closing its target, the fd-creating calls and their types, socket addresses at
 * their length limits, and many fd names sharing the name cache. */
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
static char out[4096];
static uint64_t evn;

static const char *F(const char *name)
{
    return tev_text(&ctx, name, NULL);
}

static void apply(struct engine_state *st, const struct tt_event *ev)
{
    state_begin_event(st, ev, ++evn, &ctx);
    state_end_event(st, &ctx);
}

static struct engine_state *world(uint32_t max_fds)
{
    struct state_opts o = {.no_proc_lookup = 1, .max_fds = max_fds};
    struct engine_state *st = state_new_opts(&o);
    apply(st, tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0));
    apply(st, tev_procinfo(&e, 100, 1, "app", "/bin/app", "", "/home/app", 0));
    return st;
}

static void open_at(struct engine_state *st, int32_t pid, unsigned type, int64_t dirfd,
                    const char *path, uint64_t flags, int64_t ret)
{
    tev_begin(&e, type, pid, pid);
    if (type == TT_EV_OPENAT || type == TT_EV_OPENAT2)
        tt_evb_i64(&e.b, TT_P_DIRFD, dirfd);
    tt_evb_str(&e.b, TT_P_NAME, path);
    tt_evb_u64(&e.b, TT_P_FLAGS, flags);
    apply(st, tev_end(&e, ret));
}

static void open_file(struct engine_state *st, int32_t pid, const char *path, uint64_t flags,
                      int64_t ret)
{
    open_at(st, pid, TT_EV_OPENAT, AT_FDCWD, path, flags, ret);
}

/* fd.name of fd n in process pid, "(missing)" when it is not open. */
static const char *name_of(struct engine_state *st, int32_t pid, int64_t n)
{
    struct st_fd *f = state_fd(state_proc(st, pid), n);
    if (!f)
        return "(missing)";
    snprintf(out, sizeof out, "%s", f->name ? f->name->s : "(no name)");
    return out;
}

/* Field `name` on an event of pid naming fd n (fchmod). */
static const char *fd_field(struct engine_state *st, int32_t pid, int64_t n, const char *name)
{
    tev_begin(&e, TT_EV_FCHMOD, pid, pid);
    tt_evb_i64(&e.b, TT_P_FD, n);
    state_begin_event(st, tev_end(&e, 0), ++evn, &ctx);
    const char *r = F(name);
    state_end_event(st, &ctx);
    return r;
}

static void exec_now(struct engine_state *st, int32_t pid)
{
    tev_begin(&e, TT_EV_EXECVE, pid, pid);
    tt_evb_str(&e.b, TT_P_EXEPATH, "/bin/next");
    apply(st, tev_end(&e, 0));
}

TT_TEST(fd_numbers_past_the_limit_are_dropped)
{
    struct engine_state *st = world(64);
    open_file(st, 100, "/a", 0, 63);
    open_file(st, 100, "/b", 0, 64);
    open_file(st, 100, "/c", 0, 1000);
    TT_CHECK_STR(name_of(st, 100, 63), "/a");
    TT_CHECK_STR(name_of(st, 100, 64), "(missing)");
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.fds_dropped, 2);
    TT_CHECK_INT(s.fds, 1);
    /* a close of an fd that is not there, or out of range, changes nothing */
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, -1);
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 5000);
    apply(st, tev_end(&e, 0));
    state_get_stats(st, &s);
    TT_CHECK_INT(s.fds, 1);
    /* the table grows from 16 entries as fds are opened */
    for (int64_t n = 3; n < 40; n++) {
        char p[16];
        snprintf(p, sizeof p, "/f%d", (int)n);
        open_file(st, 100, p, 0, n);
    }
    TT_CHECK_STR(name_of(st, 100, 39), "/f39");
    TT_CHECK_STR(name_of(st, 100, 3), "/f3");
    TT_CHECK_INT(state_proc(st, 100)->fds->cap, 64); /* doubled, capped at max_fds */
    state_get_stats(st, &s);
    TT_CHECK_INT(s.fds, 38);
    state_free(st);
}

TT_TEST(a_shared_table_outlives_one_sharer)
{
    struct engine_state *st = world(0);
    open_file(st, 100, "/shared", 0, 3);
    /* a process created with CLONE_FILES shares the table */
    tev_begin(&e, TT_EV_CLONE, 100, 100);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 101);
    tt_evb_u64(&e.b, TT_P_CLONE_FLAGS, CLONE_FILES);
    apply(st, tev_end(&e, 101));
    open_file(st, 101, "/by-child", 0, 4);
    TT_CHECK_STR(name_of(st, 100, 4), "/by-child");
    tev_begin(&e, TT_EV_PROCEXIT, 101, 101);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(name_of(st, 100, 3), "/shared");
    TT_CHECK_STR(name_of(st, 100, 4), "/by-child");
    open_file(st, 100, "/after", 0, 5);
    TT_CHECK_STR(fd_field(st, 100, 5, "fd.name"), "/after");
    /* a plain fork copies: changes stay on their side */
    tev_begin(&e, TT_EV_CLONE, 100, 100);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 102);
    tt_evb_u64(&e.b, TT_P_CLONE_FLAGS, 0);
    apply(st, tev_end(&e, 102));
    open_file(st, 102, "/child-only", 0, 6);
    TT_CHECK_STR(name_of(st, 100, 6), "(missing)");
    TT_CHECK_STR(name_of(st, 102, 3), "/shared");
    tev_begin(&e, TT_EV_CLOSE, 102, 102);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(name_of(st, 102, 3), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 3), "/shared");
    /* exec unshares a shared table: the other sharer keeps its fds */
    tev_begin(&e, TT_EV_CLONE, 100, 100);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 103);
    tt_evb_u64(&e.b, TT_P_CLONE_FLAGS, CLONE_FILES);
    apply(st, tev_end(&e, 103));
    open_file(st, 100, "/cloexec", O_CLOEXEC, 7);
    exec_now(st, 103);
    TT_CHECK_STR(name_of(st, 103, 7), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 7), "/cloexec");
    open_file(st, 103, "/after-exec", 0, 8);
    TT_CHECK_STR(name_of(st, 100, 8), "(missing)");
    state_free(st);
}

TT_TEST(opens_relative_to_a_directory_fd)
{
    struct engine_state *st = world(0);
    open_file(st, 100, "/etc", O_DIRECTORY, 3);
    TT_CHECK_STR(fd_field(st, 100, 3, "fd.type"), "directory");
    open_at(st, 100, TT_EV_OPENAT, 3, "passwd", 0, 4);
    TT_CHECK_STR(name_of(st, 100, 4), "/etc/passwd");
    open_at(st, 100, TT_EV_OPENAT2, 3, "../root/x", 0, 5);
    TT_CHECK_STR(name_of(st, 100, 5), "/root/x");
    open_at(st, 100, TT_EV_OPENAT, AT_FDCWD, "rel", 0, 6);
    TT_CHECK_STR(name_of(st, 100, 6), "/home/app/rel");
    open_at(st, 100, TT_EV_OPEN, 3, "plain", 0, 7); /* open has no dirfd: the cwd */
    TT_CHECK_STR(name_of(st, 100, 7), "/home/app/plain");
    tev_begin(&e, TT_EV_OPEN_BY_HANDLE_AT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, 3);
    tt_evb_str(&e.b, TT_P_NAME, "/by/handle");
    apply(st, tev_end(&e, 8));
    TT_CHECK_STR(name_of(st, 100, 8), "/by/handle");
    tev_begin(&e, TT_EV_CREAT, 100, 100);
    tt_evb_str(&e.b, TT_P_NAME, "new.txt");
    apply(st, tev_end(&e, 9));
    TT_CHECK_STR(name_of(st, 100, 9), "/home/app/new.txt");
    TT_CHECK_STR(fd_field(st, 100, 9, "fd.openflags"), "O_TRUNC|O_CREAT|O_WRONLY");
    /* device and inode from the event */
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/dev/sda");
    tt_evb_u64(&e.b, TT_P_FLAGS, 0);
    tt_evb_u64(&e.b, TT_P_DEV, 2049);
    tt_evb_u64(&e.b, TT_P_INO, 4242);
    apply(st, tev_end(&e, 10));
    TT_CHECK_STR(fd_field(st, 100, 10, "fd.dev"), "2049");
    TT_CHECK_STR(fd_field(st, 100, 10, "fd.ino"), "4242");
    TT_CHECK_STR(fd_field(st, 100, 10, "fd.type"), "file");
    /* a failed open creates nothing */
    open_file(st, 100, "/nope", 0, -2);
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.fds, 8);
    state_free(st);
}

static void dup_ev(struct engine_state *st, unsigned type, int64_t oldfd, int64_t flags,
                   int64_t ret)
{
    tev_begin(&e, type, 100, 100);
    tt_evb_i64(&e.b, TT_P_OLDFD, oldfd);
    if (flags >= 0)
        tt_evb_u64(&e.b, TT_P_FLAGS, (uint64_t)flags);
    apply(st, tev_end(&e, ret));
}

static void fcntl_ev(struct engine_state *st, int64_t fd, int64_t cmd, uint64_t arg, int64_t ret)
{
    tev_begin(&e, TT_EV_FCNTL, 100, 100);
    if (fd >= 0)
        tt_evb_i64(&e.b, TT_P_FD, fd);
    if (cmd >= 0)
        tt_evb_i64(&e.b, TT_P_CMD, cmd);
    tt_evb_u64(&e.b, TT_P_ARG, arg);
    apply(st, tev_end(&e, ret));
}

TT_TEST(duplicates_and_close_on_exec)
{
    struct engine_state *st = world(0);
    open_file(st, 100, "/c", O_CLOEXEC, 3);
    dup_ev(st, TT_EV_DUP, 3, -1, 4);          /* dup clears close-on-exec */
    dup_ev(st, TT_EV_DUP2, 3, -1, 5);         /* dup2 too */
    dup_ev(st, TT_EV_DUP3, 3, O_CLOEXEC, 6);  /* dup3 can set it */
    dup_ev(st, TT_EV_DUP3, 3, 0, 7);          /* or not */
    fcntl_ev(st, 3, F_DUPFD, 10, 10);         /* F_DUPFD clears it */
    fcntl_ev(st, 3, F_DUPFD_CLOEXEC, 11, 11); /* F_DUPFD_CLOEXEC sets it */
    open_file(st, 100, "/k", 0, 12);
    fcntl_ev(st, 12, F_SETFD, FD_CLOEXEC, 0); /* F_SETFD sets it */
    open_file(st, 100, "/k2", O_CLOEXEC, 13);
    fcntl_ev(st, 13, F_SETFD, 0, 0); /* and clears it */
    open_file(st, 100, "/k3", 0, 14);
    fcntl_ev(st, 14, F_SETFD, FD_CLOEXEC, -9); /* a failed one changes nothing */
    fcntl_ev(st, 3, F_GETFL, 0, 15);           /* other commands create nothing */
    fcntl_ev(st, 3, -1, 0, 16);                /* nor does a command left out */
    fcntl_ev(st, 3, F_DUPFD, 17, -24);         /* nor a failed F_DUPFD */
    fcntl_ev(st, 99, F_DUPFD, 18, 18);         /* of an fd that is not known */
    TT_CHECK_STR(name_of(st, 100, 4), "/c");
    TT_CHECK_STR(name_of(st, 100, 10), "/c");
    TT_CHECK_STR(name_of(st, 100, 15), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 16), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 17), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 18), "(missing)");
    exec_now(st, 100);
    TT_CHECK_STR(name_of(st, 100, 3), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 4), "/c");
    TT_CHECK_STR(name_of(st, 100, 5), "/c");
    TT_CHECK_STR(name_of(st, 100, 6), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 7), "/c");
    TT_CHECK_STR(name_of(st, 100, 10), "/c");
    TT_CHECK_STR(name_of(st, 100, 11), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 12), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 13), "/k2");
    TT_CHECK_STR(name_of(st, 100, 14), "/k3");
    /* fd.num of fcntl is its fd; of dup, the old one */
    tev_begin(&e, TT_EV_FCNTL, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 13);
    tt_evb_i64(&e.b, TT_P_CMD, F_GETFD);
    state_begin_event(st, tev_end(&e, 0), ++evn, &ctx);
    TT_CHECK_STR(F("fd.num"), "13");
    TT_CHECK_STR(F("fd.name"), "/k2");
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_DUP, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 13); /* the old fd as `fd` (dup) */
    state_begin_event(st, tev_end(&e, 20), ++evn, &ctx);
    TT_CHECK_STR(F("fd.num"), "13");
    TT_CHECK_STR(F("fd.name"), "/k2");
    state_end_event(st, &ctx);
    TT_CHECK_STR(name_of(st, 100, 20), "/k2");
    state_free(st);
}

TT_TEST(dup2_onto_stdin_and_of_unknown_fds)
{
    struct engine_state *st = world(0);
    open_file(st, 100, "/in", 0, 5);
    open_file(st, 100, "/old-stdin", 0, 0);
    dup_ev(st, TT_EV_DUP2, 5, -1, 0); /* dup2(5, 0) returns 0 */
    TT_CHECK_STR(name_of(st, 100, 0), "/in");
    open_file(st, 100, "/target", 0, 7);
    dup_ev(st, TT_EV_DUP2, 9, -1, 7); /* fd 9 is not known: 7 was closed all the same */
    TT_CHECK_STR(name_of(st, 100, 7), "(missing)");
    open_file(st, 100, "/same", 0, 8);
    dup_ev(st, TT_EV_DUP2, 8, -1, 8); /* onto itself: nothing changes */
    TT_CHECK_STR(name_of(st, 100, 8), "/same");
    dup_ev(st, TT_EV_DUP2, 8, -1, -9); /* failed */
    TT_CHECK_STR(name_of(st, 100, 8), "/same");
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.fds, 3);
    state_free(st);
}

TT_TEST(fd_creating_calls_and_their_types)
{
    struct engine_state *st = world(0);
    static const struct {
        unsigned type;
        const char *fdtype;
    } calls[] = {
        {TT_EV_EVENTFD, "event"},           {TT_EV_EVENTFD2, "event"},
        {TT_EV_SIGNALFD, "signalfd"},       {TT_EV_SIGNALFD4, "signalfd"},
        {TT_EV_TIMERFD_CREATE, "timerfd"},  {TT_EV_INOTIFY_INIT, "inotify"},
        {TT_EV_INOTIFY_INIT1, "inotify"},   {TT_EV_EPOLL_CREATE, "eventpoll"},
        {TT_EV_EPOLL_CREATE1, "eventpoll"}, {TT_EV_USERFAULTFD, "userfaultfd"},
        {TT_EV_IO_URING_SETUP, "io_uring"}, {TT_EV_PIDFD_OPEN, "pidfd"},
        {TT_EV_PIDFD_GETFD, "<NA>"},        {TT_EV_BPF, "bpf"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        int64_t fd = 20 + (int64_t)i;
        tev_begin(&e, calls[i].type, 100, 100);
        tt_evb_u64(&e.b, TT_P_FLAGS, i % 2 ? O_CLOEXEC : 0);
        apply(st, tev_end(&e, fd));
        const char *t = fd_field(st, 100, fd, "fd.type");
        if (strcmp(t, calls[i].fdtype) != 0)
            TT_FAILF("call %zu: fd.type %s, want %s", i, t, calls[i].fdtype);
        tev_begin(&e, calls[i].type, 100, 100);
        apply(st, tev_end(&e, -24)); /* failed: nothing */
    }
    tev_begin(&e, TT_EV_MEMFD_CREATE, 100, 100);
    tt_evb_str(&e.b, TT_P_NAME, "payload");
    tt_evb_u64(&e.b, TT_P_FLAGS, 1); /* MFD_CLOEXEC */
    apply(st, tev_end(&e, 40));
    TT_CHECK_STR(name_of(st, 100, 40), "memfd:payload");
    TT_CHECK_STR(fd_field(st, 100, 40, "fd.type"), "memfd");
    static char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    tev_begin(&e, TT_EV_MEMFD_CREATE, 100, 100);
    tt_evb_str(&e.b, TT_P_NAME, longname);
    apply(st, tev_end(&e, 41));
    TT_CHECK_INT(strlen(name_of(st, 100, 41)), 6 + 249); /* "memfd:" and 249 characters */
    tev_begin(&e, TT_EV_MEMFD_CREATE, 100, 100);
    tt_evb_str(&e.b, TT_P_NAME, "x");
    apply(st, tev_end(&e, -1));
    /* pipes: both ends, named after the pipe's inode when known */
    tev_begin(&e, TT_EV_PIPE2, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD1, 42);
    tt_evb_i64(&e.b, TT_P_FD2, 43);
    tt_evb_u64(&e.b, TT_P_FLAGS, O_CLOEXEC);
    tt_evb_u64(&e.b, TT_P_INO, 777);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(name_of(st, 100, 42), "pipe:[777]");
    TT_CHECK_STR(name_of(st, 100, 43), "pipe:[777]");
    TT_CHECK_STR(fd_field(st, 100, 43, "fd.ino"), "777");
    TT_CHECK_STR(fd_field(st, 100, 43, "fd.type"), "pipe");
    tev_begin(&e, TT_EV_PIPE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD1, 44);
    tt_evb_i64(&e.b, TT_P_FD2, 45);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(name_of(st, 100, 44), "");
    tev_begin(&e, TT_EV_PIPE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD1, 46);
    tt_evb_i64(&e.b, TT_P_FD2, 47);
    apply(st, tev_end(&e, -24));
    TT_CHECK_STR(name_of(st, 100, 46), "(missing)");
    tev_begin(&e, TT_EV_SOCKETPAIR, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD1, 48);
    tt_evb_i64(&e.b, TT_P_FD2, 49);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM | SOCK_CLOEXEC);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(fd_field(st, 100, 49, "fd.type"), "unix");
    tev_begin(&e, TT_EV_SOCKETPAIR, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD1, 50);
    tt_evb_i64(&e.b, TT_P_FD2, 51);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
    tt_evb_u64(&e.b, TT_P_FLAGS, O_CLOEXEC); /* not where socketpair says it */
    apply(st, tev_end(&e, 0));
    exec_now(st, 100);
    /* close-on-exec as each call asked: odd calls, memfd, pipe2, the first socketpair */
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        int want = !(i % 2);
        if ((state_fd(state_proc(st, 100), 20 + (int64_t)i) != NULL) != want)
            TT_FAILF("call %zu: %s after exec", i, want ? "gone" : "still there");
    }
    TT_CHECK_STR(name_of(st, 100, 40), "(missing)");
    TT_CHECK_INT(strlen(name_of(st, 100, 41)), 255); /* no MFD_CLOEXEC: kept */
    TT_CHECK_STR(name_of(st, 100, 42), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 44), "");
    TT_CHECK_STR(name_of(st, 100, 48), "(missing)");
    TT_CHECK_STR(name_of(st, 100, 50), "");
    state_free(st);
}

static void unix_addr(unsigned id, const char *path, size_t pathlen)
{
    struct sockaddr_un u;
    memset(&u, 0, sizeof u);
    u.sun_family = AF_UNIX;
    memcpy(u.sun_path, path, pathlen);
    tt_evb_bytes(&e.b, id, TT_PK_SOCKADDR, &u, 2 + pathlen);
}

TT_TEST(unix_addresses_at_their_length_limits)
{
    struct engine_state *st = world(0);
    /* connect on an fd the table does not know: a unix socket, named by the peer */
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    unix_addr(TT_P_ADDR, "/run/a.sock", 11); /* no terminating NUL in the address */
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(name_of(st, 100, 5), "/run/a.sock");
    TT_CHECK_STR(fd_field(st, 100, 5, "fd.type"), "unix");
    /* the family alone (an unnamed peer) */
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 6);
    unix_addr(TT_P_ADDR, "", 0);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(name_of(st, 100, 6), "");
    TT_CHECK_STR(fd_field(st, 100, 6, "fd.type"), "unix");
    /* one byte is not an address */
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 7);
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, "\x01", 1);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(name_of(st, 100, 7), "(missing)");
    /* a full 108-byte path, and one longer than sun_path allows */
    char p108[108];
    memset(p108, 'p', sizeof p108);
    p108[0] = '/';
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 8);
    unix_addr(TT_P_ADDR, p108, sizeof p108);
    apply(st, tev_end(&e, 0));
    TT_CHECK_INT(strlen(name_of(st, 100, 8)), 108);
    static uint8_t big[140];
    memset(big, 'q', sizeof big);
    big[0] = AF_UNIX;
    big[1] = 0;
    big[2] = '/';
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 9);
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, big, sizeof big);
    apply(st, tev_end(&e, 0));
    TT_CHECK_INT(strlen(name_of(st, 100, 9)), 108);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 12);
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, big, 2 + 109); /* one byte too many */
    apply(st, tev_end(&e, 0));
    TT_CHECK_INT(strlen(name_of(st, 100, 12)), 108);
    /* an IPv4 address cut short reads as 0.0.0.0:0 */
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    tt_evb_i64(&e.b, TT_P_DOMAIN, AF_INET);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
    apply(st, tev_end(&e, 13));
    static const uint8_t short4[4] = {AF_INET, 0, 0x1f, 0x90};
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 13);
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, short4, sizeof short4);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(name_of(st, 100, 13), "0.0.0.0:0->0.0.0.0:0");
    /* abstract addresses start with '@' */
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 10);
    unix_addr(TT_P_ADDR, "\0abstract", 9);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(name_of(st, 100, 10), "@abstract");
    /* an fd described by a snapshot as unknown becomes a unix socket by its peer */
    tev_begin(&e, TT_EV_FDINFO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 11);
    tt_evb_i64(&e.b, TT_P_FDTYPE, TT_FD_UNKNOWN);
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 11);
    unix_addr(TT_P_ADDR, "/run/b.sock", 11);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(fd_field(st, 100, 11, "fd.type"), "unix");
    TT_CHECK_STR(name_of(st, 100, 11), "/run/b.sock");
    state_free(st);
}

/* A field of the event, on a fresh begin (ended at once). */
static const char *ev_field(struct engine_state *st, const struct tt_event *ev, const char *name)
{
    state_begin_event(st, ev, ++evn, &ctx);
    const char *r = F(name);
    state_end_event(st, &ctx);
    return r;
}

static void kind(int dom, int type, int proto)
{
    if (dom >= 0)
        tt_evb_i64(&e.b, TT_P_DOMAIN, dom);
    if (type >= 0)
        tt_evb_i64(&e.b, TT_P_TYPE, type);
    if (proto >= 0)
        tt_evb_i64(&e.b, TT_P_PROTO, proto);
}

TT_TEST(socket_events_at_their_edges)
{
    struct engine_state *st = world(0);
    /* socket() may return fd 0; a socket without a domain is of unknown type */
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    kind(AF_INET, SOCK_STREAM, 0);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(fd_field(st, 100, 0, "fd.type"), "ipv4");
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    kind(-1, SOCK_STREAM, -1);
    apply(st, tev_end(&e, 3));
    TT_CHECK_STR(fd_field(st, 100, 3, "fd.type"), "<NA>");
    /* an ICMP datagram socket, then a UDP one whose protocol is left out */
    tev_begin(&e, TT_EV_SENDTO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 4);
    kind(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    tev_sin(&e, TT_P_ADDR, "10.0.0.1", 0);
    apply(st, tev_end(&e, 64));
    tev_begin(&e, TT_EV_SENDTO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    kind(AF_INET, SOCK_DGRAM, -1);
    tev_sin(&e, TT_P_ADDR, "10.0.0.1", 53);
    apply(st, tev_end(&e, 0)); /* an empty datagram: the socket is described all the same */
    TT_CHECK_STR(fd_field(st, 100, 4, "fd.l4proto"), "icmp");
    TT_CHECK_STR(fd_field(st, 100, 5, "fd.l4proto"), "udp");
    TT_CHECK_STR(name_of(st, 100, 5), "0.0.0.0:0->10.0.0.1:53");
    /* receiving on a socket the table does not know describes nothing */
    tev_begin(&e, TT_EV_RECVFROM, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 6);
    tev_sin(&e, TT_P_ADDR, "10.0.0.1", 53);
    apply(st, tev_end(&e, 10));
    TT_CHECK_STR(name_of(st, 100, 6), "(missing)");
    tev_begin(&e, TT_EV_SENDMSG, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 6);
    kind(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    tev_sin(&e, TT_P_ADDR, "10.0.0.2", 123);
    apply(st, tev_end(&e, 48));
    TT_CHECK_STR(name_of(st, 100, 6), "0.0.0.0:0->10.0.0.2:123");
    /* a changed name is reported on the event that changed it only */
    tev_begin(&e, TT_EV_SENDTO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 6);
    tev_sin(&e, TT_P_ADDR, "10.0.0.3", 123);
    TT_CHECK_STR(ev_field(st, tev_end(&e, 48), "fd.name_changed"), "true");
    TT_CHECK_STR(fd_field(st, 100, 6, "fd.name_changed"), "false");
    /* bind: a listening server socket */
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    kind(AF_INET, SOCK_STREAM, 0);
    apply(st, tev_end(&e, 7));
    tev_begin(&e, TT_EV_BIND, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 7);
    tev_sin(&e, TT_P_ADDR, "0.0.0.0", 8080);
    TT_CHECK_STR(ev_field(st, tev_end(&e, 0), "fd.is_server"), "true");
    TT_CHECK_STR(fd_field(st, 100, 7, "fd.sport"), "8080");
    /* accept without the local address: the listening socket's */
    tev_begin(&e, TT_EV_ACCEPT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 7);
    tev_sin(&e, TT_P_ADDR, "10.9.9.9", 40000);
    apply(st, tev_end(&e, 8));
    TT_CHECK_STR(name_of(st, 100, 8), "10.9.9.9:40000->0.0.0.0:8080");
    TT_CHECK_STR(fd_field(st, 100, 8, "fd.l4proto"), "tcp");
    /* a failed accept is about the listening socket */
    tev_begin(&e, TT_EV_ACCEPT4, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 7);
    state_begin_event(st, tev_end(&e, -11), ++evn, &ctx);
    TT_CHECK_STR(F("fd.num"), "7");
    TT_CHECK_STR(F("fd.sport"), "8080");
    state_end_event(st, &ctx);
    /* failed connects: the attempted tuple for IP sockets, the socket's name otherwise */
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 0);
    tev_sin(&e, TT_P_ADDR, "10.1.1.1", 22);
    tev_sin(&e, TT_P_LOCAL_ADDR, "10.2.2.2", 5555);
    TT_CHECK_STR(ev_field(st, tev_end(&e, -111), "fd.name"), "10.2.2.2:5555->10.1.1.1:22");
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    kind(AF_UNIX, SOCK_STREAM, 0);
    apply(st, tev_end(&e, 9));
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 9);
    struct sockaddr_un u = {.sun_family = AF_UNIX};
    strcpy(u.sun_path, "/run/none.sock");
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, &u, sizeof u);
    TT_CHECK_STR(ev_field(st, tev_end(&e, -2), "fd.name"), "");
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 8);
    TT_CHECK_STR(ev_field(st, tev_end(&e, -111), "fd.name"), "10.9.9.9:40000->0.0.0.0:8080");
    /* eventfd may return fd 0 too */
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 0);
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_EVENTFD2, 100, 100);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(fd_field(st, 100, 0, "fd.type"), "event");
    /* a memfd name of 250 characters is cut to 249 */
    char n250[251];
    memset(n250, 'a', 250);
    n250[250] = '\0';
    tev_begin(&e, TT_EV_MEMFD_CREATE, 100, 100);
    tt_evb_str(&e.b, TT_P_NAME, n250);
    apply(st, tev_end(&e, 10));
    TT_CHECK_INT(strlen(name_of(st, 100, 10)), 6 + 249);
    state_free(st);
}

static void fdinfo(struct engine_state *st, int64_t fd, int64_t type, int64_t stype, int64_t proto,
                   const char *raddr, int rport, const char *laddr, int lport, const char *name)
{
    tev_begin(&e, TT_EV_FDINFO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, fd);
    tt_evb_i64(&e.b, TT_P_FDTYPE, type);
    if (stype >= 0)
        tt_evb_i64(&e.b, TT_P_TYPE, stype);
    if (proto >= 0)
        tt_evb_i64(&e.b, TT_P_PROTO, proto);
    if (raddr)
        tev_sin(&e, TT_P_ADDR, raddr, (uint16_t)rport);
    if (laddr)
        tev_sin(&e, TT_P_LOCAL_ADDR, laddr, (uint16_t)lport);
    if (name)
        tt_evb_str(&e.b, TT_P_NAME, name);
    apply(st, tev_end(&e, 0));
}

TT_TEST(snapshot_of_open_fds)
{
    struct engine_state *st = world(0);
    fdinfo(st, 3, TT_FD_FILE, -1, -1, NULL, 0, NULL, 0, "/var/log/app.log");
    TT_CHECK_STR(name_of(st, 100, 3), "/var/log/app.log");
    TT_CHECK_STR(fd_field(st, 100, 3, "fd.type"), "file");
    fdinfo(st, 4, TT_FD_IPV4, SOCK_DGRAM, -1, "10.0.0.5", 53, "10.0.0.6", 3333, "x");
    TT_CHECK_STR(fd_field(st, 100, 4, "fd.l4proto"), "udp");
    TT_CHECK_STR(name_of(st, 100, 4), "10.0.0.6:3333->10.0.0.5:53");
    TT_CHECK_STR(fd_field(st, 100, 4, "fd.connected"), "true");
    fdinfo(st, 5, TT_FD_IPV4, -1, -1, NULL, 0, "0.0.0.0", 80, NULL); /* listening */
    TT_CHECK_STR(fd_field(st, 100, 5, "fd.l4proto"), "tcp");
    TT_CHECK_STR(name_of(st, 100, 5), "0.0.0.0:80->0.0.0.0:0");
    TT_CHECK_STR(fd_field(st, 100, 5, "fd.connected"), "false");
    fdinfo(st, 6, TT_FD_IPV4, SOCK_STREAM, -1, "10.0.0.5", 1, NULL, 0, NULL);
    TT_CHECK_STR(fd_field(st, 100, 6, "fd.connected"), "true");
    fdinfo(st, 7, TT_FD_IPV4, SOCK_STREAM, -1, "10.0.0.5", 0, NULL, 0, NULL);
    TT_CHECK_STR(fd_field(st, 100, 7, "fd.connected"), "false");
    fdinfo(st, 8, TT_FD_UNIX, -1, -1, "10.0.0.5", 1, NULL, 0, "/run/u.sock"); /* not IP */
    TT_CHECK_STR(name_of(st, 100, 8), "/run/u.sock");
    TT_CHECK_STR(fd_field(st, 100, 8, "fd.l4proto"), "<NA>");
    /* a file's device and inode come with the snapshot */
    tev_begin(&e, TT_EV_FDINFO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 12);
    tt_evb_i64(&e.b, TT_P_FDTYPE, TT_FD_FILE);
    tt_evb_u64(&e.b, TT_P_DEV, 2049);
    tt_evb_u64(&e.b, TT_P_INO, 4242);
    tt_evb_str(&e.b, TT_P_NAME, "/data/db");
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(fd_field(st, 100, 12, "fd.dev"), "2049");
    TT_CHECK_STR(fd_field(st, 100, 12, "fd.ino"), "4242");
    fdinfo(st, 9, TT_FD_IPV6, -1, -1, NULL, 0, NULL, 0, "[::1]:1");
    TT_CHECK_STR(fd_field(st, 100, 9, "fd.l4proto"), "tcp");
    /* the snapshot's tuple is not a change: a failed connect on it says so */
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 4);
    TT_CHECK_STR(ev_field(st, tev_end(&e, -111), "fd.name_changed"), "false");
    /* no fd number: nothing */
    tev_begin(&e, TT_EV_FDINFO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FDTYPE, TT_FD_FILE);
    apply(st, tev_end(&e, 0));
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.fds, 8); /* 3 to 9 and 12 */
    state_free(st);
}

TT_TEST(fd_names_sharing_the_name_cache_keep_their_own_text)
{
    /* 3000 names of the same length: many share a slot of the 1024-entry name cache */
    struct engine_state *st = world(0);
    char p[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(p, sizeof p, "/data/file%05d", i);
        open_file(st, 100, p, 0, 3 + i);
    }
    for (int i = 0; i < 3000; i++) {
        snprintf(p, sizeof p, "/data/file%05d", i);
        if (strcmp(name_of(st, 100, 3 + i), p) != 0) {
            TT_FAILF("fd %d is named %s, want %s", 3 + i, out, p);
            break;
        }
    }
    /* the same name opened again shares the string */
    open_file(st, 100, "/data/file00007", 0, 4000);
    TT_CHECK(state_fd(state_proc(st, 100), 4000)->name == state_fd(state_proc(st, 100), 10)->name);
    state_free(st);
}

int main(void)
{
    return tt_run_all();
}
