/* evt.args of one event of each kind, as Falco renders them (raw value, and in parentheses the
 * resolved one: flag and enum names, errno names, fd descriptions, absolute paths, user and
 * group names), compared with a reviewed table (evt_args_table.inc, regenerated with
 * `build/tests/test_engine_evt_args_table --print`). Plus the renderers at their limits: errno
 * names of the kernel's restart codes, flag and capability lists cut by a small buffer. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "evt_args.h"
#include "state_priv.h"

#include <fcntl.h>
#include <stdint.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/un.h>

static struct eval_ctx ctx;
static struct tev e;
static uint64_t evn;

static void apply(struct engine_state *st, const struct tt_event *ev)
{
    state_begin_event(st, ev, ++evn, &ctx);
    state_end_event(st, &ctx);
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

static void sun_addr(unsigned id, const char *path, size_t n)
{
    struct sockaddr_un u;
    memset(&u, 0, sizeof u);
    u.sun_family = AF_UNIX;
    memcpy(u.sun_path, path, n);
    tt_evb_bytes(&e.b, id, TT_PK_SOCKADDR, &u, 2 + n);
}

static void str(unsigned id, const char *s)
{
    tt_evb_str(&e.b, id, s);
}

static void i64(unsigned id, int64_t v)
{
    tt_evb_i64(&e.b, id, v);
}

static void u64(unsigned id, uint64_t v)
{
    tt_evb_u64(&e.b, id, v);
}

/* The world: process 100 (cwd /home/u) with fds 3 /etc (dir), 4 TCP/IPv4, 5 UDP/IPv6, 6 unix,
 * 7 a pipe end, 8 a raw socket of unknown kind. */
static struct engine_state *world(void)
{
    struct state_opts o = {.no_proc_lookup = 1, .host_root = "/nonexistent"};
    struct engine_state *st = state_new_opts(&o);
    apply(st, tev_procinfo(&e, 100, 1, "sh", "/bin/sh", "-c x", "/home/u", 0));
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    i64(TT_P_DIRFD, AT_FDCWD);
    str(TT_P_NAME, "/etc");
    u64(TT_P_FLAGS, O_DIRECTORY);
    apply(st, tev_end(&e, 3));
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    i64(TT_P_FD, 4);
    i64(TT_P_DOMAIN, AF_INET);
    i64(TT_P_TYPE, SOCK_STREAM);
    tev_sin(&e, TT_P_ADDR, "10.0.0.1", 80);
    tev_sin(&e, TT_P_LOCAL_ADDR, "10.0.0.2", 40000);
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_SENDTO, 100, 100);
    i64(TT_P_FD, 5);
    i64(TT_P_DOMAIN, AF_INET6);
    i64(TT_P_TYPE, SOCK_DGRAM);
    sin6(TT_P_ADDR, "2001:db8::1", 53);
    apply(st, tev_end(&e, 10));
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    i64(TT_P_FD, 6);
    sun_addr(TT_P_ADDR, "/run/s.sock", 11);
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_PIPE, 100, 100);
    i64(TT_P_FD1, 7);
    i64(TT_P_FD2, 9);
    u64(TT_P_INO, 77);
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    i64(TT_P_DOMAIN, AF_INET);
    i64(TT_P_TYPE, SOCK_RAW);
    apply(st, tev_end(&e, 8));
    return st;
}

#define NCASES 64
static const char *const expected[NCASES];
static int ncases, print_mode;
static const char *names[NCASES];

/* Checks (or prints) evt.args of the event just built, as case `name`. */
static void check(struct engine_state *st, const char *name, int64_t ret)
{
    const struct tt_event *ev = tev_end(&e, ret);
    state_begin_event(st, ev, ++evn, &ctx);
    char got[4096];
    if (tev_field(&ctx, "evt.args", NULL, got, sizeof got) == -1)
        snprintf(got, sizeof got, "(missing)");
    if (print_mode) {
        printf("    /* %s */ \"", name);
        for (const char *c = got; *c; c++)
            printf(*c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
        printf("\",\n");
    } else {
        tt_checks_current++;
        if (ncases >= NCASES || !expected[ncases] || strcmp(got, expected[ncases]) != 0)
            TT_FAILF("%s: evt.args %s, want %s", name, got,
                     ncases < NCASES && expected[ncases] ? expected[ncases] : "(no expectation)");
    }
    names[ncases < NCASES ? ncases : 0] = name;
    ncases++;
    state_end_event(st, &ctx);
}

static void run_cases(void)
{
    struct engine_state *st = world();
    ncases = 0;
    /* files */
    tev_begin(&e, TT_EV_OPEN, 100, 100);
    str(TT_P_NAME, "out.txt");
    u64(TT_P_FLAGS, O_WRONLY | O_CREAT | O_TRUNC);
    u64(TT_P_MODE, 0644);
    check(st, "open", 10);
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    i64(TT_P_DIRFD, 3);
    str(TT_P_NAME, "passwd");
    u64(TT_P_FLAGS, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW);
    check(st, "openat_dirfd", 11);
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    i64(TT_P_DIRFD, (int64_t)(uint32_t)AT_FDCWD); /* AT_FDCWD as a 32-bit value */
    str(TT_P_NAME, "../x");
    u64(TT_P_FLAGS, O_RDWR | O_APPEND | O_EXCL | O_SYNC | O_DSYNC | O_TMPFILE);
    check(st, "openat_failed", -2);
    tev_begin(&e, TT_EV_OPENAT2, 100, 100);
    i64(TT_P_DIRFD, 3);
    str(TT_P_NAME, "shadow");
    u64(TT_P_FLAGS, O_RDONLY);
    u64(TT_P_RESOLVE, 8);
    check(st, "openat2", 12);
    tev_begin(&e, TT_EV_CREAT, 100, 100);
    str(TT_P_NAME, "/tmp/c");
    u64(TT_P_MODE, 0600);
    check(st, "creat", 13);
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    i64(TT_P_FD, 99);
    check(st, "close_unknown", -9);
    tev_begin(&e, TT_EV_DUP3, 100, 100);
    i64(TT_P_OLDFD, 4);
    i64(TT_P_NEWFD, 14);
    u64(TT_P_FLAGS, O_CLOEXEC);
    check(st, "dup3", 14);
    tev_begin(&e, TT_EV_FCNTL, 100, 100);
    i64(TT_P_FD, 5);
    i64(TT_P_CMD, F_DUPFD_CLOEXEC);
    u64(TT_P_ARG, 20);
    check(st, "fcntl", 20);
    tev_begin(&e, TT_EV_PIPE2, 100, 100);
    i64(TT_P_FD1, 21);
    i64(TT_P_FD2, 22);
    u64(TT_P_FLAGS, O_NONBLOCK | O_CLOEXEC);
    check(st, "pipe2", 0);
    /* sockets */
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    i64(TT_P_DOMAIN, AF_PACKET);
    i64(TT_P_TYPE, SOCK_RAW);
    i64(TT_P_PROTO, 768);
    check(st, "socket_packet", 23);
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    i64(TT_P_DOMAIN, 99);
    i64(TT_P_TYPE, SOCK_DGRAM);
    check(st, "socket_unknown_domain", -97);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    i64(TT_P_FD, 4);
    sun_addr(TT_P_ADDR, "\0abstract", 9);
    check(st, "connect_abstract", -111);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    i64(TT_P_FD, 6);
    sun_addr(TT_P_ADDR, "", 0);
    check(st, "connect_unnamed", 0);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    i64(TT_P_FD, 8);
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, "\x02\x00\x00\x50", 4); /* IPv4 cut short */
    check(st, "connect_short", -22);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    i64(TT_P_FD, 8);
    tt_evb_bytes(&e.b, TT_P_ADDR, TT_PK_SOCKADDR, "\x10\x00\x01\x02", 4); /* AF_NETLINK */
    check(st, "connect_other_family", -22);
    tev_begin(&e, TT_EV_ACCEPT4, 100, 100);
    i64(TT_P_FD, 5);
    sin6(TT_P_ADDR, "2001:db8::9", 4444);
    i64(TT_P_FLAGS, SOCK_CLOEXEC);
    check(st, "accept4", 24);
    tev_begin(&e, TT_EV_SENDTO, 100, 100);
    i64(TT_P_FD, 5);
    sin6(TT_P_ADDR, "2001:db8::2", 53);
    u64(TT_P_SIZE, 5);
    tt_evb_bytes(&e.b, TT_P_DATA, TT_PK_BYTES, "ab\x01\x7f\n", 5);
    check(st, "sendto", 5);
    tev_begin(&e, TT_EV_RECVMSG, 100, 100);
    i64(TT_P_FD, 7);
    check(st, "recvmsg_pipe", 3);
    tev_begin(&e, TT_EV_GETSOCKOPT, 100, 100);
    i64(TT_P_FD, 4);
    i64(TT_P_LEVEL, SOL_SOCKET);
    i64(TT_P_OPTNAME, SO_ERROR);
    i64(TT_P_VAL, 0);
    check(st, "getsockopt", 0);
    tev_begin(&e, TT_EV_SHUTDOWN, 100, 100);
    i64(TT_P_FD, 4);
    i64(TT_P_HOW, SHUT_RDWR);
    check(st, "shutdown", 0);
    tev_begin(&e, TT_EV_LISTEN, 100, 100);
    i64(TT_P_FD, 4);
    i64(TT_P_BACKLOG, 128);
    check(st, "listen", 0);
    /* paths */
    tev_begin(&e, TT_EV_UNLINKAT, 100, 100);
    i64(TT_P_DIRFD, 3);
    str(TT_P_NAME, "old");
    u64(TT_P_FLAGS, 0x200); /* AT_REMOVEDIR */
    check(st, "unlinkat", 0);
    tev_begin(&e, TT_EV_RENAMEAT2, 100, 100);
    i64(TT_P_OLDDIR, 3);
    str(TT_P_OLDPATH, "a");
    i64(TT_P_NEWDIR, AT_FDCWD);
    str(TT_P_NEWPATH, "b");
    u64(TT_P_FLAGS, 3); /* RENAME_NOREPLACE | RENAME_EXCHANGE */
    check(st, "renameat2", 0);
    tev_begin(&e, TT_EV_RENAMEAT, 100, 100);
    i64(TT_P_OLDDIR, 3);
    str(TT_P_OLDPATH, "/abs");
    i64(TT_P_NEWDIR, 3);
    str(TT_P_NEWPATH, "n");
    check(st, "renameat", 0);
    tev_begin(&e, TT_EV_LINKAT, 100, 100);
    i64(TT_P_OLDDIR, 3);
    str(TT_P_OLDPATH, "o");
    i64(TT_P_NEWDIR, AT_FDCWD);
    str(TT_P_NEWPATH, "n");
    u64(TT_P_FLAGS, 0);
    check(st, "linkat", 0);
    tev_begin(&e, TT_EV_SYMLINKAT, 100, 100);
    str(TT_P_TARGET, "../target");
    i64(TT_P_LINKDIRFD, 3);
    str(TT_P_LINKPATH, "link");
    check(st, "symlinkat", 0);
    tev_begin(&e, TT_EV_SYMLINK, 100, 100);
    str(TT_P_TARGET, "t");
    str(TT_P_LINKPATH, "l");
    check(st, "symlink", 0);
    tev_begin(&e, TT_EV_MKDIRAT, 100, 100);
    i64(TT_P_DIRFD, 3);
    str(TT_P_PATH, "d");
    u64(TT_P_MODE, 0755);
    check(st, "mkdirat", 0);
    tev_begin(&e, TT_EV_MKDIR, 100, 100);
    str(TT_P_PATH, "d2");
    u64(TT_P_MODE, 0700);
    check(st, "mkdir", -17);
    tev_begin(&e, TT_EV_CHMOD, 100, 100);
    str(TT_P_PATH, "f");
    u64(TT_P_MODE, 04755);
    check(st, "chmod", 0);
    tev_begin(&e, TT_EV_FCHMODAT, 100, 100);
    i64(TT_P_DIRFD, 3);
    str(TT_P_NAME, "f");
    u64(TT_P_MODE, 02070);
    check(st, "fchmodat", 0);
    tev_begin(&e, TT_EV_FCHMOD, 100, 100);
    i64(TT_P_FD, 4);
    u64(TT_P_MODE, 0);
    check(st, "fchmod", 0);
    tev_begin(&e, TT_EV_CHDIR, 100, 100);
    str(TT_P_PATH, "..");
    check(st, "chdir", 0);
    tev_begin(&e, TT_EV_FCHDIR, 100, 100);
    i64(TT_P_FD, 3);
    check(st, "fchdir", 0);
    tev_begin(&e, TT_EV_MOUNT, 100, 100);
    str(TT_P_SOURCE, "/dev/sda1");
    str(TT_P_TARGET, "/mnt");
    str(TT_P_FSTYPE, "ext4");
    u64(TT_P_FLAGS, 1);
    check(st, "mount", -1);
    /* credentials and processes */
    tev_begin(&e, TT_EV_SETRESUID, 100, 100);
    u64(TT_P_RUID, 0);
    u64(TT_P_EUID, 4294967295u);
    u64(TT_P_SUID, 4242);
    check(st, "setresuid", 0);
    tev_begin(&e, TT_EV_SETRESGID, 100, 100);
    u64(TT_P_RGID, 0);
    u64(TT_P_EGID, 4294967295u);
    u64(TT_P_SGID, 4242);
    check(st, "setresgid", 0);
    tev_begin(&e, TT_EV_SETPGID, 100, 100);
    i64(TT_P_PID, 0);
    i64(TT_P_PGID, 0);
    check(st, "setpgid", 0);
    tev_begin(&e, TT_EV_PTRACE, 100, 100);
    i64(TT_P_REQUEST, PTRACE_ATTACH);
    i64(TT_P_PID, 100);
    check(st, "ptrace_attach", 0);
    tev_begin(&e, TT_EV_PTRACE, 100, 100);
    i64(TT_P_REQUEST, 9999);
    i64(TT_P_PID, 12345);
    check(st, "ptrace_unknown", -3);
    tev_begin(&e, TT_EV_KILL, 100, 100);
    i64(TT_P_PID, 1);
    i64(TT_P_SIG, 9);
    check(st, "kill", -1);
    tev_begin(&e, TT_EV_TGKILL, 100, 100);
    i64(TT_P_PID, 100);
    i64(TT_P_TID, 100);
    i64(TT_P_SIG, 15);
    check(st, "tgkill", 0);
    tev_begin(&e, TT_EV_CAPSET, 100, 100);
    u64(TT_P_CAP_INH, 0);
    u64(TT_P_CAP_PRM, (1ull << 21) | (1ull << 12));
    u64(TT_P_CAP_EFF, 1ull << 40);
    check(st, "capset", 0);
    tev_begin(&e, TT_EV_PRCTL, 100, 100);
    i64(TT_P_CMD, 15); /* PR_SET_NAME */
    str(TT_P_NAME, "renamed");
    check(st, "prctl", 0);
    tev_begin(&e, TT_EV_MEMFD_CREATE, 100, 100);
    str(TT_P_NAME, "payload");
    u64(TT_P_FLAGS, 1);
    check(st, "memfd_create", 25);
    tev_begin(&e, TT_EV_BPF, 100, 100);
    i64(TT_P_CMD, 5); /* BPF_PROG_LOAD */
    check(st, "bpf", 26);
    tev_begin(&e, TT_EV_BPF, 100, 100);
    i64(TT_P_CMD, 999);
    check(st, "bpf_unknown", -22);
    tev_begin(&e, TT_EV_SETNS, 100, 100);
    i64(TT_P_FD, 3);
    i64(TT_P_NSTYPE, CLONE_NEWNET);
    check(st, "setns", -22);
    tev_begin(&e, TT_EV_UNSHARE, 100, 100);
    u64(TT_P_FLAGS, CLONE_NEWNS | CLONE_NEWUSER);
    check(st, "unshare", 0);
    tev_begin(&e, TT_EV_INIT_MODULE, 100, 100);
    u64(TT_P_LENGTH, 4096);
    str(TT_P_UARGS, "debug=1");
    check(st, "init_module", -1);
    tev_begin(&e, TT_EV_CLONE, 100, 100);
    i64(TT_P_CHILD_TID, 101);
    u64(TT_P_CLONE_FLAGS, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                              CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                              CLONE_CHILD_CLEARTID);
    check(st, "clone_thread", 101);
    tev_begin(&e, TT_EV_EXECVE, 100, 100);
    str(TT_P_FILENAME, "/usr/bin/id");
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, "-u\0-n\0", 6);
    str(TT_P_EXE, "id");
    u64(TT_P_EXE_FLAGS, TT_EXE_WRITABLE | TT_EXE_LOWER_LAYER);
    u64(TT_P_P_UID, 0);
    u64(TT_P_P_GID, 4242);
    check(st, "execve", 0);
    tev_begin(&e, TT_EV_EXECVEAT, 100, 100);
    i64(TT_P_DIRFD, 3);
    str(TT_P_FILENAME, "prog");
    check(st, "execveat", -2);
    /* fd-creating calls */
    static const unsigned creators[] = {
        TT_EV_EVENTFD2,       TT_EV_SIGNALFD4,      TT_EV_INOTIFY_INIT1, TT_EV_EPOLL_CREATE1,
        TT_EV_TIMERFD_CREATE, TT_EV_IO_URING_SETUP, TT_EV_PIDFD_OPEN,    TT_EV_USERFAULTFD};
    for (size_t i = 0; i < sizeof creators / sizeof creators[0]; i++) {
        tev_begin(&e, creators[i], 100, 100);
        u64(TT_P_FLAGS, O_CLOEXEC | O_NONBLOCK);
        if (creators[i] == TT_EV_PIDFD_OPEN)
            i64(TT_P_PID, 100);
        check(st, tt_event_name(creators[i]), 30 + (int64_t)i);
    }
    /* notices without a syscall result */
    tev_begin(&e, TT_EV_DROP, 100, 100);
    u64(TT_P_DROPPED, 12);
    u64(TT_P_PRODUCED, 1000);
    check(st, "drop", 0);
    tev_begin(&e, TT_EV_TAMPER, 100, 100);
    str(TT_P_TECHNIQUE, "ptrace_attach");
    str(TT_P_ACTION, "denied");
    i64(TT_P_PID, 100);
    check(st, "tamper", 0);
    /* an event reported at its entry: arguments only */
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    i64(TT_P_FD, 4);
    check(st, "close_at_entry", TT_RET_NONE);
    state_free(st);
}

TT_TEST(evt_args_of_each_kind_of_event)
{
    run_cases();
}

TT_TEST(errno_names_and_results)
{
    TT_CHECK(evt_errno_name(0) == NULL);
    TT_CHECK_STR(evt_errno_name(2), "ENOENT");
    TT_CHECK_STR(evt_errno_name(-2), "ENOENT");
    TT_CHECK_STR(evt_errno_name(-512), "ERESTARTSYS");
    TT_CHECK_STR(evt_errno_name(513), "ERESTARTNOINTR");
    TT_CHECK_STR(evt_errno_name(514), "ERESTARTNOHAND");
    TT_CHECK_STR(evt_errno_name(516), "ERESTART_RESTARTBLOCK");
    TT_CHECK(evt_errno_name(515) == NULL); /* the kernel's ENOIOCTLCMD: no name outside it */
    TT_CHECK(evt_errno_name(4095) == NULL);
    TT_CHECK(evt_errno_name(4096) == NULL);
    TT_CHECK(evt_errno_name(-4096) == NULL);
    TT_CHECK(evt_errno_name(INT64_MIN) == NULL); /* (a result read from a record: any value) */
    TT_CHECK(evt_errno_name(INT64_MAX) == NULL);
    TT_CHECK_STR(evt_errno_name(133), "EHWPOISON");
    char b[32];
    TT_CHECK_INT(evt_res_text(0, b, sizeof b), 7);
    TT_CHECK_STR(b, "SUCCESS");
    evt_res_text(42, b, sizeof b);
    TT_CHECK_STR(b, "SUCCESS");
    evt_res_text(-13, b, sizeof b);
    TT_CHECK_STR(b, "EACCES");
    TT_CHECK_INT(evt_res_text(-4000, b, sizeof b), 5);
    TT_CHECK_STR(b, "E4000");
}

TT_TEST(flag_and_capability_lists_in_small_buffers)
{
    char b[64];
    uint32_t ppm = evt_open_flags_to_ppm(O_RDONLY | O_CLOEXEC); /* "O_RDONLY|O_CLOEXEC" */
    TT_CHECK_INT(evt_flags_text("open", ppm, b, sizeof b), 18);
    TT_CHECK_STR(b, "O_RDONLY|O_CLOEXEC");
    memset(b, 'x', sizeof b);
    TT_CHECK_INT(evt_flags_text("open", ppm, b, 5), 18);
    TT_CHECK_STR(b, "O_RD");
    memset(b, 'x', sizeof b);
    TT_CHECK_INT(evt_flags_text("open", ppm, b, 9), 18);
    TT_CHECK_STR(b, "O_RDONLY");
    memset(b, 'x', sizeof b);
    TT_CHECK_INT(evt_flags_text("open", ppm, b, 10), 18);
    TT_CHECK_STR(b, "O_RDONLY|");
    memset(b, 'x', sizeof b);
    TT_CHECK_INT(evt_flags_text("open", ppm, b, 11), 18);
    TT_CHECK_STR(b, "O_RDONLY|O");
    b[0] = 'x';
    TT_CHECK_INT(evt_flags_text("open", ppm, b, 0), 18);
    TT_CHECK(b[0] == 'x');
    TT_CHECK_INT(evt_flags_text("nosuch", 1, b, sizeof b), -1);
    TT_CHECK_INT(evt_flags_text("exe", 0, b, sizeof b), 0);
    TT_CHECK_STR(b, "");
    evt_flags_text("clone", CLONE_THREAD | CLONE_NEWPID, b, sizeof b);
    TT_CHECK(strstr(b, "CLONE_THREAD") && strstr(b, "CLONE_NEWPID"));
    /* 1 << 63 is no flag: nothing */
    TT_CHECK_INT(evt_flags_text("exe", 1ull << 63, b, sizeof b), 0);
    TT_CHECK_INT(evt_caps_text(0, b, sizeof b), 0);
    TT_CHECK_STR(b, "");
    TT_CHECK_INT(evt_caps_text(3, b, sizeof b), 26);
    TT_CHECK_STR(b, "CAP_CHOWN CAP_DAC_OVERRIDE");
    memset(b, 'x', sizeof b);
    TT_CHECK_INT(evt_caps_text(3, b, 12), 26);
    TT_CHECK_STR(b, "CAP_CHOWN C");
    TT_CHECK_INT(evt_caps_text(1ull << 40, b, sizeof b), 22);
    TT_CHECK_STR(b, "CAP_CHECKPOINT_RESTORE");
    TT_CHECK_INT(evt_caps_text(1ull << 41, b, sizeof b), 0); /* past the last capability */
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--print")) {
        print_mode = 1;
        run_cases();
        return 0;
    }
    return tt_run_all();
}

static const char *const expected[NCASES] = {
#include "evt_args_table.inc"
};
