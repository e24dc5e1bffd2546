/* A process's description and what each event of its life changes, read back through the
 * fields rules use: every parameter of a snapshot, what exec keeps and resets, clone of a
 * process and of a thread (and CLONE_PARENT), a child seen before its parent's clone, exec from
 * a non-leader thread, credential changes under Linux's rules (setuid as root sets all three
 * ids), session and process group, cwd and root changes, capabilities, thread names, exit with
 * reparenting, and a thread id reused by another process. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "state_priv.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

static struct eval_ctx ctx;
static struct tev e;
static char out[8192];
static uint64_t evn;

static const char *F(const char *name)
{
    const char *br = strchr(name, '[');
    char base[64];
    const char *arg = NULL;
    static char argbuf[64];
    if (br) {
        snprintf(base, sizeof base, "%.*s", (int)(br - name), name);
        snprintf(argbuf, sizeof argbuf, "%.*s", (int)(strlen(br) - 2), br + 1);
        name = base;
        arg = argbuf;
    }
    int r = tev_field(&ctx, name, arg, out, sizeof out);
    if (r == -1)
        return "(missing)";
    return out;
}

static void apply(struct engine_state *st, const struct tt_event *ev)
{
    state_begin_event(st, ev, ++evn, &ctx);
    state_end_event(st, &ctx);
}

/* Leaves ctx on a harmless event of thread tid (pid) for field checks; end with done(). */
static void at(struct engine_state *st, int32_t tid, int32_t pid)
{
    tev_begin(&e, TT_EV_CLOSE, tid, pid);
    tt_evb_i64(&e.b, TT_P_FD, 999);
    state_begin_event(st, tev_end(&e, -9), ++evn, &ctx);
}

static void done(struct engine_state *st)
{
    state_end_event(st, &ctx);
}

#define AT(st, tid, pid, name, want)                                                               \
    do {                                                                                           \
        at(st, tid, pid);                                                                          \
        TT_CHECK_STR(F(name), want);                                                               \
        done(st);                                                                                  \
    } while (0)

static void clone_ev(struct engine_state *st, int32_t parent_tid, int32_t parent_pid, int64_t child,
                     uint64_t flags)
{
    tev_begin(&e, TT_EV_CLONE, parent_tid, parent_pid);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, child);
    tt_evb_u64(&e.b, TT_P_CLONE_FLAGS, flags);
    apply(st, tev_end(&e, child));
}

static void exit_ev(struct engine_state *st, int32_t tid, int32_t pid)
{
    tev_begin(&e, TT_EV_PROCEXIT, tid, pid);
    apply(st, tev_end(&e, 0));
}

static struct engine_state *fresh(void)
{
    struct state_opts o = {.no_proc_lookup = 1};
    return state_new_opts(&o);
}

TT_TEST(snapshot_sets_every_described_field)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    tev_begin(&e, TT_EV_PROCINFO, 41, 40);
    tt_evb_str(&e.b, TT_P_EXE, "nginx: worker");
    static const char args[] = "-g\0daemon off;\0";
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, args, sizeof args);
    tt_evb_str(&e.b, TT_P_EXEPATH, "/usr/sbin/nginx (deleted)");
    tt_evb_str(&e.b, TT_P_CWD, "/var//www/./html/../app");
    tt_evb_str(&e.b, TT_P_COMM, "nginx-worker-process-long");
    tt_evb_i64(&e.b, TT_P_PTID, 1);
    tt_evb_u64(&e.b, TT_P_P_UID, 101);
    tt_evb_u64(&e.b, TT_P_P_EUID, 102);
    tt_evb_u64(&e.b, TT_P_P_SUID, 103);
    tt_evb_u64(&e.b, TT_P_P_GID, 201);
    tt_evb_u64(&e.b, TT_P_P_EGID, 202);
    tt_evb_u64(&e.b, TT_P_P_SGID, 203);
    tt_evb_i64(&e.b, TT_P_LOGINUID, 1000);
    tt_evb_u64(&e.b, TT_P_TTY, 34816);
    tt_evb_i64(&e.b, TT_P_P_SID, 40);
    tt_evb_i64(&e.b, TT_P_P_PGID, 39);
    tt_evb_u64(&e.b, TT_P_CAP_INH, 0);
    tt_evb_u64(&e.b, TT_P_CAP_PRM, 1ull << 21);
    tt_evb_u64(&e.b, TT_P_CAP_EFF, (1ull << 21) | 1);
    tt_evb_u64(&e.b, TT_P_EXE_INO, 777);
    tt_evb_u64(&e.b, TT_P_EXE_CTIME, 1500000000000000000ull);
    tt_evb_u64(&e.b, TT_P_EXE_MTIME, 1400000000000000000ull);
    tt_evb_u64(&e.b, TT_P_CLONE_TS, 1600000000000000000ull);
    tt_evb_u64(&e.b, TT_P_FDLIMIT, 1024);
    tt_evb_u64(&e.b, TT_P_PIDNS_INIT_TS, 1550000000000000000ull);
    tt_evb_i64(&e.b, TT_P_VTID, 7);
    tt_evb_i64(&e.b, TT_P_VPID, 6);
    static const char env[] = "HOME=/root\0PATH=/bin\0";
    tt_evb_bytes(&e.b, TT_P_ENV, TT_PK_STRLIST, env, sizeof env);
    apply(st, tev_end(&e, 0));
    at(st, 41, 40);
    TT_CHECK_STR(F("proc.pid"), "40");
    TT_CHECK_STR(F("thread.tid"), "41");
    TT_CHECK_STR(F("proc.ppid"), "1");
    TT_CHECK_STR(F("proc.pname"), "init");
    TT_CHECK_STR(F("proc.name"), "nginx-worker-pr"); /* 15 characters, like the kernel's comm */
    TT_CHECK_STR(F("proc.exe"), "nginx: worker");
    TT_CHECK_STR(F("proc.exepath"), "/usr/sbin/nginx");
    TT_CHECK_STR(F("proc.args"), "-g daemon off;");
    TT_CHECK_STR(F("proc.cmdnargs"), "2");
    TT_CHECK_STR(F("proc.cwd"), "/var/www/app/");
    TT_CHECK_STR(F("user.uid"), "102"); /* effective */
    TT_CHECK_STR(F("group.gid"), "202");
    TT_CHECK_STR(F("user.loginuid"), "1000");
    TT_CHECK_STR(F("proc.tty"), "34816");
    TT_CHECK_STR(F("proc.sid"), "40");
    TT_CHECK_STR(F("proc.vpgid"), "39");
    TT_CHECK_STR(F("thread.cap_permitted"), "CAP_SYS_ADMIN");
    TT_CHECK_STR(F("thread.cap_effective"), "CAP_CHOWN CAP_SYS_ADMIN");
    TT_CHECK_STR(F("thread.cap_inheritable"), "");
    TT_CHECK_STR(F("proc.exe_ino"), "777");
    TT_CHECK_STR(F("proc.exe_ino.ctime"), "1500000000000000000");
    TT_CHECK_STR(F("proc.exe_ino.mtime"), "1400000000000000000");
    TT_CHECK_STR(F("proc.fdlimit"), "1024");
    TT_CHECK_STR(F("proc.pidns_init_start_ts"), "1550000000000000000");
    TT_CHECK_STR(F("thread.vtid"), "7");
    TT_CHECK_STR(F("proc.vpid"), "6");
    TT_CHECK_STR(F("proc.env"), "HOME=/root PATH=/bin");
    TT_CHECK_STR(F("thread.ismain"), "false");
    done(st);
    struct st_proc *sp = state_proc(st, 40);
    TT_CHECK(sp && sp->uid == 101 && sp->suid == 103 && sp->gid == 201 && sp->sgid == 203);
    /* a second snapshot changes only what it carries */
    tev_begin(&e, TT_EV_PROCINFO, 41, 40);
    tt_evb_i64(&e.b, TT_P_LOGINUID, 4294967295LL); /* (uint32_t)-1: unset */
    tt_evb_str(&e.b, TT_P_CWD, "relative/dir");
    apply(st, tev_end(&e, 0));
    at(st, 41, 40);
    TT_CHECK_STR(F("user.loginuid"), "-1");
    TT_CHECK_STR(F("proc.cwd"), "relative/dir/");
    TT_CHECK_STR(F("proc.exepath"), "/usr/sbin/nginx");
    TT_CHECK_STR(F("proc.args"), "-g daemon off;");
    TT_CHECK_STR(F("proc.name"), "nginx-worker-pr");
    done(st);
    state_free(st);
}

TT_TEST(snapshot_edge_values)
{
    struct engine_state *st = fresh();
    tev_begin(&e, TT_EV_PROCINFO, 50, 50);
    tt_evb_str(&e.b, TT_P_COMM, "fifteen-chars-x");
    tt_evb_str(&e.b, TT_P_EXEPATH, " (deleted)");
    tt_evb_str(&e.b, TT_P_CWD, "/");
    tt_evb_i64(&e.b, TT_P_PTID, 50); /* its own id: not a parent */
    static const char one[] = "x";
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, one, 1); /* no terminating NUL */
    apply(st, tev_end(&e, 0));
    at(st, 50, 50);
    TT_CHECK_STR(F("proc.name"), "fifteen-chars-x");
    TT_CHECK_STR(F("proc.exepath"), "");
    TT_CHECK_STR(F("proc.cwd"), "/");
    TT_CHECK_STR(F("proc.ppid"), "(missing)");
    TT_CHECK_STR(F("proc.args"), "x");
    TT_CHECK_STR(F("proc.cmdnargs"), "1");
    TT_CHECK_STR(F("thread.ismain"), "true");
    done(st);
    tev_begin(&e, TT_EV_PROCINFO, 50, 50);
    tt_evb_str(&e.b, TT_P_EXEPATH, "/bin/x (deleted]");
    tt_evb_str(&e.b, TT_P_CWD, "");    /* empty: unchanged */
    tt_evb_i64(&e.b, TT_P_PTID, 0);    /* no parent */
    static const char none[] = "\0\0"; /* only NULs: no argument */
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, none, 2);
    apply(st, tev_end(&e, 0));
    at(st, 50, 50);
    TT_CHECK_STR(F("proc.exepath"), "/bin/x (deleted]"); /* not the kernel's suffix */
    TT_CHECK_STR(F("proc.cwd"), "/");
    TT_CHECK_STR(F("proc.args"), "");
    TT_CHECK_STR(F("proc.cmdnargs"), "0");
    done(st);
    /* arguments are capped at 4096 bytes, as Falco's args buffer */
    static char big[6000];
    memset(big, 'a', sizeof big);
    big[2999] = '\0';
    tev_begin(&e, TT_EV_PROCINFO, 50, 50);
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, big, sizeof big);
    apply(st, tev_end(&e, 0));
    at(st, 50, 50);
    TT_CHECK_STR(F("proc.cmdlenargs"), "4095"); /* without the separator */
    TT_CHECK_STR(F("proc.cmdnargs"), "2");
    done(st);
    /* a cwd longer than two PATH_MAX is cut, still ending in '/' */
    static char longcwd[9000];
    static uint8_t bigev[16384];
    longcwd[0] = '/';
    memset(longcwd + 1, 'd', sizeof longcwd - 2);
    longcwd[sizeof longcwd - 1] = '\0';
    struct tt_evb b;
    tt_evb_begin(&b, bigev, sizeof bigev, TT_EV_PROCINFO, 1700000000000000000ull, 50, 50);
    tt_evb_str(&b, TT_P_CWD, longcwd);
    TT_CHECK(tt_evb_finish(&b, 0) > 0);
    apply(st, (const struct tt_event *)(const void *)bigev);
    at(st, 50, 50);
    size_t n = strlen(F("proc.cwd"));
    TT_CHECK_INT(n, 2 * 4096 - 1);
    TT_CHECK(out[n - 1] == '/');
    done(st);
    state_free(st);
}

static void exec_ev(struct engine_state *st, int32_t tid, int32_t pid, const char *filename,
                    const char *exepath, int64_t ret)
{
    tev_begin(&e, TT_EV_EXECVE, tid, pid);
    if (filename)
        tt_evb_str(&e.b, TT_P_FILENAME, filename);
    if (exepath)
        tt_evb_str(&e.b, TT_P_EXEPATH, exepath);
    apply(st, tev_end(&e, ret));
}

TT_TEST(exec_keeps_identity_and_resets_the_image)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    tev_begin(&e, TT_EV_PROCINFO, 60, 60);
    tt_evb_str(&e.b, TT_P_COMM, "bash");
    tt_evb_str(&e.b, TT_P_EXEPATH, "/bin/bash");
    tt_evb_str(&e.b, TT_P_EXE, "bash");
    static const char args[] = "-c\0id\0";
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, args, sizeof args);
    static const char env[] = "A=1\0";
    tt_evb_bytes(&e.b, TT_P_ENV, TT_PK_STRLIST, env, sizeof env);
    tt_evb_str(&e.b, TT_P_CWD, "/srv");
    tt_evb_i64(&e.b, TT_P_PTID, 1);
    tt_evb_u64(&e.b, TT_P_P_EUID, 5);
    tt_evb_u64(&e.b, TT_P_EXE_FLAGS, TT_EXE_WRITABLE);
    tt_evb_u64(&e.b, TT_P_CLONE_TS, 1600000000000000000ull);
    apply(st, tev_end(&e, 0));
    AT(st, 60, 60, "proc.is_exe_writable", "true");
    /* a failed exec changes nothing */
    exec_ev(st, 60, 60, "/usr/bin/id", NULL, -2);
    at(st, 60, 60);
    TT_CHECK_STR(F("proc.exepath"), "/bin/bash");
    TT_CHECK_STR(F("proc.args"), "-c id");
    done(st);
    /* no exepath: the filename; comm from its basename; args, env and exe flags reset */
    exec_ev(st, 60, 60, "/usr/bin/id", NULL, 0);
    at(st, 60, 60);
    TT_CHECK_STR(F("proc.exepath"), "/usr/bin/id");
    TT_CHECK_STR(F("proc.name"), "id");
    TT_CHECK_STR(F("proc.args"), "");
    TT_CHECK_STR(F("proc.cmdnargs"), "0");
    TT_CHECK_STR(F("proc.env"), "");
    TT_CHECK_STR(F("proc.is_exe_writable"), "false");
    TT_CHECK_STR(F("proc.cwd"), "/srv/");
    TT_CHECK_STR(F("user.uid"), "5");
    TT_CHECK_STR(F("proc.ppid"), "1");
    TT_CHECK_STR(F("proc.start_ts"), "1600000000000000000"); /* exec is not a new process */
    done(st);
    /* an exepath wins over the filename; a relative filename names comm too */
    exec_ev(st, 60, 60, "./tool", "/opt/tool", 0);
    AT(st, 60, 60, "proc.exepath", "/opt/tool");
    AT(st, 60, 60, "proc.name", "tool");
    exec_ev(st, 60, 60, "x", NULL, 0); /* a one-character file name */
    AT(st, 60, 60, "proc.exepath", "x");
    exec_ev(st, 60, 60, "busybox", "", 0);
    AT(st, 60, 60, "proc.exepath", "busybox");
    AT(st, 60, 60, "proc.name", "busybox");
    state_free(st);
}

TT_TEST(clone_of_a_process_and_of_a_thread)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    tev_procinfo(&e, 70, 1, "srv", "/bin/srv", "--port 80", "/srv", 33);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    /* a thread: same process, the parent's name */
    tev_begin(&e, TT_EV_CLONE, 70, 70);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 71);
    tt_evb_u64(&e.b, TT_P_CLONE_FLAGS, CLONE_THREAD | CLONE_VM | CLONE_FILES);
    tt_evb_u64(&e.b, TT_P_CLONE_TS, 1700000000000000001ull);
    tt_evb_i64(&e.b, TT_P_VTID, 12);
    apply(st, tev_end(&e, 71));
    at(st, 71, 70);
    TT_CHECK_STR(F("proc.pid"), "70");
    TT_CHECK_STR(F("thread.tid"), "71");
    TT_CHECK_STR(F("thread.vtid"), "12");
    TT_CHECK_STR(F("proc.name"), "srv");
    TT_CHECK_STR(F("thread.ismain"), "false");
    TT_CHECK_STR(F("proc.ppid"), "1");
    TT_CHECK_STR(F("proc.start_ts"), "1600000000000000000"); /* the process's, not the thread's */
    done(st);
    /* a process: its own pid, parent 70, same image, a time from the event */
    tev_begin(&e, TT_EV_CLONE, 71, 70);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 72);
    tt_evb_u64(&e.b, TT_P_CLONE_FLAGS, 0);
    tt_evb_i64(&e.b, TT_P_VPID, 3);
    apply(st, tev_end(&e, 72));
    at(st, 72, 72);
    TT_CHECK_STR(F("proc.pid"), "72");
    TT_CHECK_STR(F("proc.vpid"), "3");
    TT_CHECK_STR(F("proc.ppid"), "70");
    TT_CHECK_STR(F("proc.exepath"), "/bin/srv");
    TT_CHECK_STR(F("proc.args"), "--port 80");
    TT_CHECK_STR(F("proc.cwd"), "/srv/");
    TT_CHECK_STR(F("user.uid"), "33");
    TT_CHECK_STR(F("proc.start_ts"), "1700000000000000000"); /* the event's time */
    TT_CHECK_STR(F("thread.ismain"), "true");
    done(st);
    /* CLONE_PARENT: a sibling */
    clone_ev(st, 72, 72, 73, CLONE_PARENT);
    AT(st, 73, 73, "proc.ppid", "70");
    /* the tracer says it is a thread although the flags do not */
    tev_begin(&e, TT_EV_CLONE, 72, 72);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 74);
    tt_evb_u64(&e.b, TT_P_IS_THREAD, 1);
    apply(st, tev_end(&e, 74));
    AT(st, 74, 72, "proc.pid", "72");
    /* a child pid given apart from the thread id (clone3 into another pid namespace) */
    tev_begin(&e, TT_EV_CLONE3, 72, 72);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 75);
    tt_evb_i64(&e.b, TT_P_CHILD_PID, 75);
    apply(st, tev_end(&e, 75));
    AT(st, 75, 75, "proc.ppid", "72");
    /* the first process of a new pid namespace: virtual id 1 */
    tev_begin(&e, TT_EV_CLONE, 72, 72);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 78);
    tt_evb_i64(&e.b, TT_P_CHILD_PID, 0); /* unknown: the thread id */
    tt_evb_i64(&e.b, TT_P_VTID, 1);
    tt_evb_i64(&e.b, TT_P_VPID, 1);
    apply(st, tev_end(&e, 78));
    at(st, 78, 78);
    TT_CHECK_STR(F("thread.vtid"), "1");
    TT_CHECK_STR(F("proc.vpid"), "1");
    TT_CHECK_STR(F("proc.pid"), "78");
    done(st);
    exit_ev(st, 78, 78);
    /* failed clones and the child's side create nothing */
    clone_ev(st, 72, 72, 76, 0);
    tev_begin(&e, TT_EV_CLONE, 72, 72);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, 77);
    apply(st, tev_end(&e, -11));
    tev_begin(&e, TT_EV_FORK, 72, 72);
    apply(st, tev_end(&e, 0));
    TT_CHECK(state_thread(st, 77) == NULL);
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.procs, 6); /* 1, 70, 72, 73, 75, 76 */
    TT_CHECK_INT(s.threads, 8);
    state_free(st);
}

TT_TEST(child_seen_before_its_parent_clone)
{
    /* ptrace may report the child's first event before the parent's clone returns */
    struct engine_state *st = fresh();
    tev_begin(&e, TT_EV_PROCINFO, 80, 80);
    tt_evb_str(&e.b, TT_P_COMM, "parent");
    tt_evb_str(&e.b, TT_P_EXEPATH, "/bin/parent");
    static const char pargs[] = "a\0b\0";
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, pargs, sizeof pargs);
    tt_evb_str(&e.b, TT_P_CWD, "/p");
    tt_evb_i64(&e.b, TT_P_PTID, 1);
    tt_evb_u64(&e.b, TT_P_P_UID, 7);
    tt_evb_u64(&e.b, TT_P_P_EUID, 7);
    tt_evb_u64(&e.b, TT_P_P_EGID, 17);
    tt_evb_i64(&e.b, TT_P_LOGINUID, 1000);
    tt_evb_i64(&e.b, TT_P_P_PGID, 79);
    tt_evb_u64(&e.b, TT_P_CAP_INH, 1);
    tt_evb_u64(&e.b, TT_P_EXE_MTIME, 1400000000000000000ull);
    tt_evb_str(&e.b, TT_P_CONTAINER_ID,
               "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e");
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_OPENAT, 81, 81);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/etc/hosts");
    tt_evb_u64(&e.b, TT_P_FLAGS, 0);
    apply(st, tev_end(&e, 5));
    tev_begin(&e, TT_EV_OPENAT, 80, 80);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/etc/passwd");
    tt_evb_u64(&e.b, TT_P_FLAGS, 0);
    apply(st, tev_end(&e, 3));
    clone_ev(st, 80, 80, 81, CLONE_PARENT);
    at(st, 81, 81);
    TT_CHECK_STR(F("proc.ppid"), "1"); /* CLONE_PARENT: the parent's parent */
    TT_CHECK_STR(F("proc.exepath"), "/bin/parent");
    TT_CHECK_STR(F("proc.args"), "a b");
    TT_CHECK_STR(F("proc.cwd"), "/p/");
    TT_CHECK_STR(F("proc.name"), "parent");
    TT_CHECK_STR(F("user.uid"), "7");
    TT_CHECK_STR(F("proc.cmdnargs"), "2");
    TT_CHECK_STR(F("group.gid"), "17");
    TT_CHECK_STR(F("user.loginuid"), "1000");
    TT_CHECK_STR(F("proc.vpgid"), "79");
    TT_CHECK_STR(F("thread.cap_inheritable"), "CAP_CHOWN");
    TT_CHECK_STR(F("proc.exe_ino.mtime"), "1400000000000000000");
    TT_CHECK_STR(F("container.id"), "3f4e5d6c7b8a");
    done(st);
    tev_begin(&e, TT_EV_FCHMOD, 81, 81);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    state_begin_event(st, tev_end(&e, 0), ++evn, &ctx);
    TT_CHECK_STR(F("fd.name"), "/etc/passwd"); /* inherited where the child had none */
    done(st);
    tev_begin(&e, TT_EV_FCHMOD, 81, 81);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    state_begin_event(st, tev_end(&e, 0), ++evn, &ctx);
    TT_CHECK_STR(F("fd.name"), "/etc/hosts"); /* its own */
    done(st);
    /* a described child (its snapshot came first) is left as it is */
    tev_procinfo(&e, 82, 80, "kid", "/bin/kid", "", "/k", 9);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    clone_ev(st, 80, 80, 82, 0);
    AT(st, 82, 82, "proc.exepath", "/bin/kid");
    state_free(st);
}

TT_TEST(exec_from_a_thread_takes_the_leader_id)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 90, 1, "app", "/bin/app", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    tev_procinfo(&e, 95, 1, "other", "/bin/other", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    clone_ev(st, 95, 95, 96, CLONE_THREAD | CLONE_VM | CLONE_FILES);
    clone_ev(st, 90, 90, 91, CLONE_THREAD | CLONE_VM | CLONE_FILES);
    clone_ev(st, 90, 90, 92, CLONE_THREAD | CLONE_VM | CLONE_FILES);
    tev_begin(&e, TT_EV_PRCTL, 91, 90);
    tt_evb_i64(&e.b, TT_P_CMD, PR_SET_NAME);
    tt_evb_str(&e.b, TT_P_NAME, "worker");
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_EXECVE, 91, 90);
    tt_evb_str(&e.b, TT_P_FILENAME, "/bin/new");
    tt_evb_str(&e.b, TT_P_EXEPATH, "/bin/new");
    state_begin_event(st, tev_end(&e, 0), ++evn, &ctx);
    TT_CHECK_STR(F("thread.tid"), "90"); /* the event is the leader's now */
    TT_CHECK_STR(F("proc.name"), "new");
    done(st);
    TT_CHECK(state_thread(st, 91) == NULL);
    TT_CHECK(state_thread(st, 95) != NULL && state_thread(st, 96) != NULL);
    TT_CHECK(state_thread(st, 92) == NULL); /* the other threads are gone */
    at(st, 90, 90);
    TT_CHECK_STR(F("thread.tid"), "90");
    TT_CHECK_STR(F("proc.exepath"), "/bin/new");
    TT_CHECK_STR(F("proc.name"), "new");
    done(st);
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.threads, 3);
    TT_CHECK_INT(s.procs, 2);
    /* the leader's thread is not known (never seen): the thread takes its id all the same */
    tev_procinfo(&e, 97, 1, "x", "/bin/x", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    clone_ev(st, 97, 97, 98, CLONE_THREAD | CLONE_VM | CLONE_FILES);
    exit_ev(st, 97, 97);
    TT_CHECK(state_thread(st, 97) == NULL);
    exec_ev(st, 98, 97, "/bin/y", "/bin/y", 0);
    TT_CHECK(state_thread(st, 97) != NULL && state_thread(st, 98) == NULL);
    AT(st, 97, 97, "proc.exepath", "/bin/y");
    /* pid 1 execs from another thread too */
    tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    clone_ev(st, 1, 1, 2, CLONE_THREAD | CLONE_VM | CLONE_FILES);
    exec_ev(st, 2, 1, "/sbin/init2", "/sbin/init2", 0);
    TT_CHECK(state_thread(st, 2) == NULL && state_thread(st, 1) != NULL);
    state_free(st);
}

static void setid(struct engine_state *st, unsigned type, unsigned p1, int64_t v1, unsigned p2,
                  int64_t v2, unsigned p3, int64_t v3, int64_t ret)
{
    tev_begin(&e, type, 100, 100);
    if (p1)
        tt_evb_u64(&e.b, p1, (uint64_t)v1);
    if (p2)
        tt_evb_u64(&e.b, p2, (uint64_t)v2);
    if (p3)
        tt_evb_u64(&e.b, p3, (uint64_t)v3);
    apply(st, tev_end(&e, ret));
}

/* "uid euid suid gid egid sgid" of process 100, read from its state. */
static const char *ids(struct engine_state *st)
{
    static char b[96];
    struct st_proc *p = state_proc(st, 100);
    if (!p)
        return "(none)";
    snprintf(b, sizeof b, "%u %u %u %u %u %u", p->uid, p->euid, p->suid, p->gid, p->egid, p->sgid);
    return b;
}

TT_TEST(credential_changes_follow_linux)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 100, 1, "su", "/bin/su", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    TT_CHECK_STR(ids(st), "0 0 0 0 0 0");
    /* as root, setgid and setuid set all three */
    setid(st, TT_EV_SETGID, TT_P_GID, 50, 0, 0, 0, 0, 0);
    TT_CHECK_STR(ids(st), "0 0 0 50 50 50");
    setid(st, TT_EV_SETUID, TT_P_UID, 1000, 0, 0, 0, 0, 0);
    TT_CHECK_STR(ids(st), "1000 1000 1000 50 50 50");
    /* not root any more: only the effective id */
    setid(st, TT_EV_SETUID, TT_P_UID, 1001, 0, 0, 0, 0, 0);
    TT_CHECK_STR(ids(st), "1000 1001 1000 50 50 50");
    setid(st, TT_EV_SETGID, TT_P_GID, 51, 0, 0, 0, 0, 0);
    TT_CHECK_STR(ids(st), "1000 1001 1000 50 51 50");
    /* failed calls change nothing */
    setid(st, TT_EV_SETUID, TT_P_UID, 0, 0, 0, 0, 0, -1);
    setid(st, TT_EV_SETRESUID, TT_P_RUID, 7, TT_P_EUID, 7, TT_P_SUID, 7, -1);
    TT_CHECK_STR(ids(st), "1000 1001 1000 50 51 50");
    /* -1 leaves an id as it is */
    setid(st, TT_EV_SETRESUID, TT_P_RUID, 2, TT_P_EUID, -1, TT_P_SUID, 4, 0);
    TT_CHECK_STR(ids(st), "2 1001 4 50 51 50");
    setid(st, TT_EV_SETREUID, TT_P_RUID, -1, TT_P_EUID, 3, 0, 0, 0);
    TT_CHECK_STR(ids(st), "2 3 4 50 51 50");
    setid(st, TT_EV_SETRESGID, TT_P_RGID, 60, TT_P_EGID, 61, TT_P_SGID, -1, 0);
    TT_CHECK_STR(ids(st), "2 3 4 60 61 50");
    setid(st, TT_EV_SETREGID, TT_P_RGID, -1, TT_P_EGID, -1, TT_P_SGID, 62, 0);
    TT_CHECK_STR(ids(st), "2 3 4 60 61 62");
    /* the ids the tracer read after the call win */
    tev_begin(&e, TT_EV_SETUID, 100, 100);
    tt_evb_u64(&e.b, TT_P_UID, 9);
    tt_evb_u64(&e.b, TT_P_P_UID, 11);
    tt_evb_u64(&e.b, TT_P_P_EUID, 12);
    tt_evb_u64(&e.b, TT_P_P_SUID, 13);
    tt_evb_u64(&e.b, TT_P_P_GID, 14);
    tt_evb_u64(&e.b, TT_P_P_EGID, 15);
    tt_evb_u64(&e.b, TT_P_P_SGID, 16);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(ids(st), "11 12 13 14 15 16");
    state_free(st);
}

TT_TEST(session_group_cwd_root_caps_and_name)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 110, 1, "d", "/bin/d", "", "/home", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    tev_procinfo(&e, 111, 110, "c", "/bin/c", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    tev_begin(&e, TT_EV_SETSID, 110, 110);
    apply(st, tev_end(&e, 0)); /* 0: the caller's pid */
    AT(st, 110, 110, "proc.sid", "110");
    AT(st, 110, 110, "proc.vpgid", "110");
    AT(st, 110, 110, "proc.is_sid_leader", "true");
    tev_begin(&e, TT_EV_SETSID, 110, 110);
    apply(st, tev_end(&e, 4)); /* the new session id, in the caller's namespace */
    AT(st, 110, 110, "proc.sid", "4");
    tev_begin(&e, TT_EV_SETSID, 110, 110);
    apply(st, tev_end(&e, -1));
    AT(st, 110, 110, "proc.sid", "4");
    /* setpgid(0, 0): own group; setpgid(other, pg); failures change nothing */
    tev_begin(&e, TT_EV_SETPGID, 110, 110);
    tt_evb_i64(&e.b, TT_P_PID, 0);
    tt_evb_i64(&e.b, TT_P_PGID, 0);
    apply(st, tev_end(&e, 0));
    AT(st, 110, 110, "proc.vpgid", "110");
    tev_begin(&e, TT_EV_SETPGID, 110, 110);
    tt_evb_i64(&e.b, TT_P_PID, 111);
    tt_evb_i64(&e.b, TT_P_PGID, 110);
    apply(st, tev_end(&e, 0));
    AT(st, 111, 111, "proc.vpgid", "110");
    tev_begin(&e, TT_EV_SETPGID, 110, 110);
    tt_evb_i64(&e.b, TT_P_PID, 111);
    tt_evb_i64(&e.b, TT_P_PGID, 0);
    apply(st, tev_end(&e, 0));
    AT(st, 111, 111, "proc.vpgid", "111");
    tev_begin(&e, TT_EV_SETPGID, 110, 110);
    tt_evb_i64(&e.b, TT_P_PID, 111);
    tt_evb_i64(&e.b, TT_P_PGID, 5);
    apply(st, tev_end(&e, -1));
    AT(st, 111, 111, "proc.vpgid", "111");
    tev_begin(&e, TT_EV_SETPGID, 110, 110);
    tt_evb_i64(&e.b, TT_P_PID, 999); /* unknown process */
    tt_evb_i64(&e.b, TT_P_PGID, 5);
    apply(st, tev_end(&e, 0));
    AT(st, 110, 110, "proc.vpgid", "110");
    /* chdir (relative to the cwd), fchdir to an open directory, chroot */
    tev_begin(&e, TT_EV_CHDIR, 110, 110);
    tt_evb_str(&e.b, TT_P_PATH, "../tmp/./x");
    apply(st, tev_end(&e, 0));
    AT(st, 110, 110, "proc.cwd", "/tmp/x/");
    tev_begin(&e, TT_EV_CHDIR, 110, 110);
    tt_evb_str(&e.b, TT_P_PATH, "/nope");
    apply(st, tev_end(&e, -2));
    AT(st, 110, 110, "proc.cwd", "/tmp/x/");
    tev_begin(&e, TT_EV_OPENAT, 110, 110);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/var/lib");
    tt_evb_u64(&e.b, TT_P_FLAGS, 0);
    apply(st, tev_end(&e, 7));
    tev_begin(&e, TT_EV_FCHDIR, 110, 110);
    tt_evb_i64(&e.b, TT_P_FD, 7);
    apply(st, tev_end(&e, 0));
    AT(st, 110, 110, "proc.cwd", "/var/lib/");
    tev_begin(&e, TT_EV_FCHDIR, 110, 110);
    tt_evb_i64(&e.b, TT_P_FD, 8); /* not open: unchanged */
    apply(st, tev_end(&e, 0));
    AT(st, 110, 110, "proc.cwd", "/var/lib/");
    tev_begin(&e, TT_EV_CHROOT, 110, 110);
    tt_evb_str(&e.b, TT_P_PATH, "jail");
    apply(st, tev_end(&e, 0));
    TT_CHECK(state_proc(st, 110)->root &&
             strcmp(state_proc(st, 110)->root->s, "/var/lib/jail") == 0);
    AT(st, 110, 110, "proc.cwd", "/var/lib/");
    /* capset */
    tev_begin(&e, TT_EV_CAPSET, 110, 110);
    tt_evb_u64(&e.b, TT_P_CAP_INH, 1);
    tt_evb_u64(&e.b, TT_P_CAP_PRM, 2);
    tt_evb_u64(&e.b, TT_P_CAP_EFF, 4);
    apply(st, tev_end(&e, 0));
    AT(st, 110, 110, "thread.cap_inheritable", "CAP_CHOWN");
    AT(st, 110, 110, "thread.cap_permitted", "CAP_DAC_OVERRIDE");
    AT(st, 110, 110, "thread.cap_effective", "CAP_DAC_READ_SEARCH");
    tev_begin(&e, TT_EV_CAPSET, 110, 110);
    tt_evb_u64(&e.b, TT_P_CAP_EFF, 0);
    apply(st, tev_end(&e, -1));
    AT(st, 110, 110, "thread.cap_effective", "CAP_DAC_READ_SEARCH");
    /* thread names: PR_SET_NAME only, successful only */
    tev_begin(&e, TT_EV_PRCTL, 110, 110);
    tt_evb_i64(&e.b, TT_P_CMD, PR_SET_NAME);
    tt_evb_str(&e.b, TT_P_NAME, "renamed");
    apply(st, tev_end(&e, 0));
    AT(st, 110, 110, "proc.name", "renamed");
    tev_begin(&e, TT_EV_PRCTL, 110, 110);
    tt_evb_i64(&e.b, TT_P_CMD, PR_SET_DUMPABLE);
    tt_evb_str(&e.b, TT_P_NAME, "other");
    apply(st, tev_end(&e, 0));
    tev_begin(&e, TT_EV_PRCTL, 110, 110);
    tt_evb_i64(&e.b, TT_P_CMD, PR_SET_NAME);
    tt_evb_str(&e.b, TT_P_NAME, "failed");
    apply(st, tev_end(&e, -14));
    AT(st, 110, 110, "proc.name", "renamed");
    tev_begin(&e, TT_EV_PRCTL_NAME, 110, 110);
    tt_evb_str(&e.b, TT_P_COMM, "viacomm");
    apply(st, tev_end(&e, 0));
    AT(st, 110, 110, "proc.name", "viacomm");
    state_free(st);
}

TT_TEST(exit_reparents_to_init_else_to_the_grandparent)
{
    struct engine_state *st = fresh();
    /* no init known: 120 -> 121 -> 122; 121 exits, 122 goes to 120 */
    tev_procinfo(&e, 120, 0, "a", "/a", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    clone_ev(st, 120, 120, 121, 0);
    clone_ev(st, 121, 121, 122, 0);
    clone_ev(st, 121, 121, 123, CLONE_THREAD | CLONE_VM);
    exit_ev(st, 121, 121); /* a thread remains: nothing moves */
    AT(st, 122, 122, "proc.ppid", "121");
    exit_ev(st, 123, 121);
    AT(st, 122, 122, "proc.ppid", "120");
    TT_CHECK(state_proc(st, 121) == NULL);
    /* the top one exits with no parent: its child has none either */
    exit_ev(st, 120, 120);
    AT(st, 122, 122, "proc.ppid", "(missing)");
    /* with init known, orphans go to it */
    tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    clone_ev(st, 122, 122, 124, 0);
    clone_ev(st, 124, 124, 125, 0);
    exit_ev(st, 124, 124);
    AT(st, 125, 125, "proc.ppid", "1");
    exit_ev(st, 999, 999); /* unknown: nothing */
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.procs, 3); /* 1, 122, 125 */
    TT_CHECK_INT(s.threads, 3);
    state_free(st);
}

TT_TEST(thread_id_reused_by_another_process)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 130, 1, "old", "/old", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    /* an event says thread 130 now belongs to process 140: the old thread was never seen
     * exiting */
    tev_begin(&e, TT_EV_OPENAT, 130, 140);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/x");
    tt_evb_u64(&e.b, TT_P_FLAGS, 0);
    apply(st, tev_end(&e, 3));
    at(st, 130, 140);
    TT_CHECK_STR(F("proc.pid"), "140");
    TT_CHECK_STR(F("proc.exepath"), "(missing)");
    done(st);
    TT_CHECK(state_proc(st, 130) == NULL);
    /* an event without a pid keeps the thread where it is */
    tev_begin(&e, TT_EV_CLOSE, 130, 0);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    state_begin_event(st, tev_end(&e, 0), ++evn, &ctx);
    TT_CHECK_STR(F("proc.pid"), "140");
    done(st);
    /* and one without a thread id touches nothing */
    tev_begin(&e, TT_EV_CLOSE, 0, 0);
    state_begin_event(st, tev_end(&e, 0), ++evn, &ctx);
    TT_CHECK(ctx.thr == NULL && ctx.proc == NULL);
    done(st);
    state_free(st);
}

static void touch(struct engine_state *st, int32_t tid, uint64_t n)
{
    tev_begin(&e, TT_EV_CLOSE, tid, tid);
    tt_evb_i64(&e.b, TT_P_FD, 99);
    state_begin_event(st, tev_end(&e, -9), n, &ctx);
    state_end_event(st, &ctx);
}

TT_TEST(dead_threads_purged_at_most_once_per_interval)
{
    /* live mode, 8 threads at most: ids no process can have (above pid_max), so /proc/<tid>
     * is gone; 5000027 lands in the first bucket of the table */
    struct state_opts o = {.max_threads = 8};
    struct engine_state *st = state_new_opts(&o);
    static const int32_t dead[] = {5000027, 5000001, 5000002, 5000003,
                                   5000004, 5000005, 5000006, 5000007};
    uint64_t n = 1;
    for (int i = 0; i < 8; i++)
        touch(st, dead[i], n++);
    touch(st, (int32_t)getpid(), n++); /* full: the dead ones are purged, every one */
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.threads_purged, 8);
    TT_CHECK_INT(s.threads, 1);
    TT_CHECK(state_thread(st, 5000027) == NULL);
    for (int i = 0; i < 7; i++)
        touch(st, 5100000 + i, n++);
    touch(st, 5100100, n++); /* full again within the interval: no purge, dropped */
    state_get_stats(st, &s);
    TT_CHECK_INT(s.threads_purged, 8);
    TT_CHECK_INT(s.threads_dropped, 1);
    TT_CHECK(state_thread(st, 5100100) == NULL);
    touch(st, 5100101, n + 10000); /* 10000 events later: purged again */
    state_get_stats(st, &s);
    TT_CHECK_INT(s.threads_purged, 15);
    TT_CHECK(state_thread(st, 5100101) != NULL);
    TT_CHECK(state_thread(st, (int32_t)getpid()) != NULL); /* alive: kept */
    state_free(st);
}

TT_TEST(chroot_shared_by_a_forked_child)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 140, 1, "jail", "/bin/jail", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    tev_begin(&e, TT_EV_CHROOT, 140, 140);
    tt_evb_str(&e.b, TT_P_PATH, "/srv/jail");
    apply(st, tev_end(&e, 0));
    clone_ev(st, 140, 140, 141, 0);
    TT_CHECK(state_proc(st, 141)->root == state_proc(st, 140)->root);
    exit_ev(st, 141, 141);
    TT_CHECK(state_proc(st, 140)->root && strcmp(state_proc(st, 140)->root->s, "/srv/jail") == 0);
    clone_ev(st, 140, 140, 142, 0);
    exit_ev(st, 140, 140);
    TT_CHECK(state_proc(st, 142)->root && strcmp(state_proc(st, 142)->root->s, "/srv/jail") == 0);
    state_free(st);
}

TT_TEST(a_thread_known_only_from_its_events)
{
    struct engine_state *st = fresh();
    at(st, 150, 150);
    TT_CHECK_STR(F("thread.vtid"), "150"); /* no namespace information: its own id */
    TT_CHECK_STR(F("proc.vpid"), "150");
    TT_CHECK_STR(F("proc.name"), "(missing)");
    TT_CHECK_STR(F("proc.start_ts"), "(missing)");
    done(st);
    /* the raw path of an earlier open is not this event's */
    tev_begin(&e, TT_EV_OPENAT, 150, 150);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/etc/./hosts");
    tt_evb_u64(&e.b, TT_P_FLAGS, 0);
    state_begin_event(st, tev_end(&e, 3), ++evn, &ctx);
    TT_CHECK_STR(F("fd.nameraw"), "/etc/./hosts");
    done(st);
    tev_begin(&e, TT_EV_FCHMOD, 150, 150);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    state_begin_event(st, tev_end(&e, 0), ++evn, &ctx);
    TT_CHECK_STR(F("fd.nameraw"), "/etc/hosts");
    done(st);
    struct state_stats s;
    memset(&s, 0xff, sizeof s);
    state_get_stats(NULL, &s);
    TT_CHECK(s.threads == 0 && s.procs == 0 && s.fds == 0 && s.bytes == 0 &&
             s.threads_dropped == 0 && s.threads_purged == 0 && s.fds_dropped == 0);
    state_free(st);
}

TT_TEST(no_room_for_a_thread_leaves_no_process_behind)
{
    struct state_opts o = {.max_threads = 2, .no_proc_lookup = 1};
    struct engine_state *st = state_new_opts(&o);
    at(st, 160, 160);
    done(st);
    at(st, 161, 161);
    done(st);
    at(st, 162, 162); /* a new process: no room for its thread */
    TT_CHECK(ctx.thr == NULL && ctx.proc == NULL);
    done(st);
    at(st, 163, 160); /* a new thread of a known process: no room either */
    done(st);
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.threads, 2);
    TT_CHECK_INT(s.procs, 2);
    TT_CHECK_INT(s.threads_dropped, 2);
    TT_CHECK(state_proc(st, 162) == NULL);
    AT(st, 160, 160, "proc.pid", "160"); /* still there, whole */
    state_free(st);
}

TT_TEST(ids_left_out_of_an_event_keep_their_value)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 100, 1, "su", "/bin/su", "", "/", 5);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    setid(st, TT_EV_SETRESUID, 0, 0, TT_P_EUID, 6, 0, 0, 0); /* only the effective id */
    TT_CHECK_STR(ids(st), "5 6 0 5 5 0");
    setid(st, TT_EV_SETRESGID, 0, 0, 0, 0, TT_P_SGID, 8, 0); /* only the saved id */
    TT_CHECK_STR(ids(st), "5 6 0 5 5 8");
    /* setpgid without a group: its own pid */
    tev_begin(&e, TT_EV_SETPGID, 100, 100);
    tt_evb_i64(&e.b, TT_P_PID, 0);
    apply(st, tev_end(&e, 0));
    AT(st, 100, 100, "proc.vpgid", "100");
    state_free(st);
}

TT_TEST(init_exiting_leaves_its_children_without_a_parent)
{
    struct engine_state *st = fresh();
    tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0);
    apply(st, (const struct tt_event *)(const void *)e.buf);
    clone_ev(st, 1, 1, 170, 0);
    exit_ev(st, 1, 1);
    AT(st, 170, 170, "proc.ppid", "(missing)");
    state_free(st);
}

int main(void)
{
    return tt_run_all();
}
