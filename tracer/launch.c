/* tracer: running CMD traced (launch mode) and attaching to a running process (-p).
 *
 * Launch: resolve CMD in PATH (127/126 like a shell), fork; the child waits on a pipe until the
 * tracer has seized it (PTRACE_SEIZE, so job control keeps working), sent the /proc snapshot and
 * (ring) waited for the engine, then installs the seccomp filter and execs CMD. The exec itself
 * is the first traced syscall, so nothing the workload does escapes the stream. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "filter.h"
#include "notif.h"
#include "privs.h"
#include "procfs.h"
#include "trace.h"
#include "tt_io.h"
#include "tt_log.h"
#include "tt_nodump.h"
#include "tt_ring.h"
#include "tt_spawn.h"
#include "tt_time.h"

extern char **environ;

static int parent_is_launcher(void)
{
    char path[64], comm[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)getppid());
    return tr_proc_read(path, comm, sizeof comm) > 0 && strcmp(comm, "launcher\n") == 0;
}

/* The parent the engine must see for the workload: what it would be without the tracer and the
 * Tartan launcher above it. */
static long invisible_parent(const struct tr_opts *o)
{
    if (o->ptid_override >= 0)
        return o->ptid_override;
    pid_t pp = getppid();
    if (parent_is_launcher()) {
        pid_t tg, ppp = 0;
        if (tr_proc_ids(pp, &tg, &ppp) == 0)
            return ppp;
        return 0;
    }
    return pp;
}

/* The tracer, or the launcher that started it, is PID 1 of this pid namespace: the workload
 * takes the place of the container's init (procfs.h, tr_proc_set_init). */
static int init_chain(void)
{
    return getpid() == 1 || (getppid() == 1 && parent_is_launcher());
}

/* CAP_SYS_PTRACE is in the container for the tracer; the workload would not have it without
 * Tartan, and with it could read or write the tracer's memory. Drop it from every set of the
 * workload (best effort: needs CAP_SETPCAP for the bounding set). --keep-ptrace-cap keeps it. */
static void drop_ptrace_cap(const struct tr_state *st)
{
    if (st->o->keep_ptrace_cap)
        return;
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_SYS_PTRACE, 0, 0);
    prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return;
    d[0].effective &= ~(1u << CAP_SYS_PTRACE);
    d[0].permitted &= ~(1u << CAP_SYS_PTRACE);
    d[0].inheritable &= ~(1u << CAP_SYS_PTRACE);
    syscall(SYS_capset, &h, d);
}

/* Puts the workload's first process in a group of its own. With a controlling terminal whose
 * foreground group is the tracer's, the workload's group becomes the foreground one, so it
 * reads the terminal and gets ^C as it would without Tartan (the tracer ignores SIGTTOU while
 * it does that: a background group may not set the foreground one otherwise). */
static void workload_group(struct tr_state *st, pid_t pid)
{
    if (setpgid(pid, pid) != 0 && errno != EACCES) /* EACCES: the child has exec'd (not yet) */
        tt_debug("setpgid(%d): %s", (int)pid, strerror(errno));
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty < 0)
        return;
    if (tcgetpgrp(tty) == getpgrp() && tr_tty_give(tty, pid) == 0) {
        st->tty_fd = tty; /* (kept: job control hands it back and forth, loop.c) */
        return;
    }
    close(tty);
}

/* One program from the tracer: an int (length, 0 = none) and the instructions. The socket may
 * deliver it in pieces: tt_read_full gathers them. -1 if the tracer gave up. */
static int read_program(int syncfd, struct sock_filter *prog)
{
    int len = -1;
    if (tt_read_full(syncfd, &len, sizeof len) != (ssize_t)sizeof len || len < 0 ||
        len > TR_FILTER_MAX ||
        (len > 0 && tt_read_full(syncfd, prog, (size_t)len * sizeof prog[0]) !=
                        (ssize_t)((size_t)len * sizeof prog[0])))
        return -1;
    return len;
}

/* The child waits for two programs, built by the tracer only once the engine has attached (it
 * may have told the set): the listener's (user notifications, 0 = none), whose listener goes
 * back to the tracer, then the ptrace program. */
static void child_main(struct tr_state *st, const char *exe, int syncfd)
{
    static struct sock_filter prog[TR_FILTER_MAX];
    /* A process group of its own (the tracer does the same from its side, whichever runs
     * first): kill(0) and kill(-pgid) from the workload never reach the monitors. */
    if (tr_def_on(st->o, TR_DEF_PGRP))
        setpgid(0, 0);
    sigprocmask(SIG_SETMASK, &st->sigsave.mask, NULL);
    sigaction(SIGPIPE, &st->sigpipe_saved, NULL);
    int len = read_program(syncfd, prog);
    if (len < 0)
        _exit(TR_EXIT_FAILURE); /* the tracer gave up */
    drop_ptrace_cap(st);
    /* (the listener's program first: it is installed before the one that makes ptrace stops,
     * so handing the listener over is not itself traced) */
    if (len > 0 && tr_notif_child_install(prog, (size_t)len, syncfd) != 0)
        _exit(TR_EXIT_FAILURE);
    len = read_program(syncfd, prog);
    if (len < 0)
        _exit(TR_EXIT_FAILURE);
    /* (syncfd is close-on-exec: no close() here, which would be traced) */
    if (len > 0) {
        int nnp;
        if (tr_filter_install(prog, (size_t)len, &nnp) != 0) {
            dprintf(2, "[tracer] error: cannot install the seccomp filter: %s\n", strerror(errno));
            _exit(TR_EXIT_FAILURE);
        }
    }
    execve(exe, st->o->cmd, environ);
    int err = errno;
    dprintf(2, "[tracer] error: %s: %s\n", st->o->cmd[0], strerror(err));
    _exit(tt_spawn_errno_status(err));
}

/* Builds a set from a list (an engine's: names it does not know are skipped with a warning,
 * an engine built against a newer event table may name events this tracer lacks). 0 or -1. */
static int set_from_list(struct tr_sysset *set, char *list, const char *from, int all)
{
    char bad[80];
    for (int tries = 0; tr_sysset_build(set, list, all, bad, sizeof bad) != 0; tries++) {
        char *w = strstr(list, bad);
        if (!w || tries > 64) {
            tt_error("%s: cannot use the syscall list", from);
            return -1;
        }
        tt_warn("%s: unknown event or syscall name '%s' ignored", from, bad);
        memset(w, ' ', strlen(bad));
    }
    return 0;
}

/* --syscalls-file FILE, read as untrusted input: a file the workload could have written would
 * let it choose what is traced. It must be a regular file of the tracer's user (or root), not
 * writable by group or others. 1 read (into buf), 0 missing, -1 refused (reason in why). */
static int read_list_file(const char *path, char *buf, size_t cap, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, whylen, "%s: %s", path, errno == ELOOP ? "a symbolic link" : strerror(errno));
        return -1;
    }
    struct stat sb;
    int rc = -1;
    if (fstat(fd, &sb) != 0)
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        snprintf(why, whylen, "%s: not a regular file", path);
    else if (sb.st_uid != geteuid() && sb.st_uid != 0)
        snprintf(why, whylen,
                 "%s: owned by uid %u, not by the tracer's uid %u or root (another user, the "
                 "workload perhaps, wrote it)",
                 path, (unsigned)sb.st_uid, (unsigned)geteuid());
    else if (sb.st_mode & (S_IWGRP | S_IWOTH))
        snprintf(why, whylen, "%s: writable by %s (mode %04o); chmod go-w it", path,
                 (sb.st_mode & S_IWOTH) ? "others" : "its group", (unsigned)(sb.st_mode & 07777));
    else {
        ssize_t n = tt_read_full(fd, buf, cap - 1);
        if (n < 0)
            snprintf(why, whylen, "%s: %s", path, strerror(errno));
        else if ((size_t)n == cap - 1)
            snprintf(why, whylen, "%s: larger than %zu bytes", path, cap - 1);
        else {
            buf[n] = '\0';
            rc = 1;
        }
    }
    close(fd);
    return rc;
}

/* Warns about what the attached engine's rules need and the set chosen by flags leaves out. */
static void warn_narrower(const struct tr_sysset *chosen, const struct tr_sysset *engine,
                          const char *by)
{
    char missing[512] = "";
    size_t n = 0;
    for (long nr = 0; nr < TR_MAX_NR; nr++)
        if (tr_sysset_has(engine, nr) && !tr_sysset_has(chosen, nr) && tr_sys_name(nr)) {
            if (n < sizeof missing - 40)
                n += (size_t)snprintf(missing + n, sizeof missing - n, "%s%s", n ? " " : "",
                                      tr_sys_name(nr));
        }
    if (n)
        tt_warn("the engine's rules need syscalls %s does not trace: %s", by, missing);
}

/* The syscall set, chosen once the engine is attached (it tells what its rules need):
 *   -a, -s LIST, --syscalls-file FILE: the operator's choice (a file that fails the checks of
 *     read_list_file is refused, and the engine's request or the default set is used);
 *   else the request the attached engine published on the ring (tt_ring_consumer_request);
 *   else the default set.
 * Whatever the source, the state tracking and the defences' calls are added (tr_sysset_build,
 * tr_sysset_harden, the filter). reason gets what the tracerinfo event says. -1: unusable. */
static int choose_syscall_set(struct tr_state *st, const char *what, char *reason, size_t cap)
{
    const struct tr_opts *o = st->o;
    static char list[16384], req[TT_RING_REQUEST_MAX + 1];
    struct tr_sysset engine;
    int have_engine = st->sink.ring &&
                      tt_ring_consumer_request(st->sink.ring, req, sizeof req) >= 0 &&
                      set_from_list(&engine, req, "the engine's request", o->trace_all) == 0;
    snprintf(reason, cap, "%s", what);
    if (o->syscalls_file && !o->trace_all) {
        char why[512] = "";
        int r = read_list_file(o->syscalls_file, list, sizeof list, why, sizeof why);
        if (r > 0) {
            if (set_from_list(&st->set, list, o->syscalls_file, 0) != 0)
                return -1;
            tr_sysset_harden(&st->set, o); /* (what the defences trace anyway is not missing) */
            if (have_engine)
                warn_narrower(&st->set, &engine, o->syscalls_file);
            snprintf(reason, cap, "%s; syscall set from the engine's file", what);
            tt_info("%s", reason);
            return 0;
        }
        if (r < 0) {
            tt_error("syscall list refused: %s; tracing %s", why,
                     have_engine ? "what the attached engine asked for" : "the default set");
            snprintf(reason, cap, "%s; syscall list refused (%s)", what, why);
        } else {
            tt_warn("%s: %s; tracing %s", o->syscalls_file, strerror(ENOENT),
                    have_engine   ? "what the attached engine asked for"
                    : o->syscalls ? "the --syscalls set"
                                  : "the default set");
            if (o->syscalls && !have_engine)
                return 0; /* (st->set is the --syscalls one already) */
        }
    } else if (o->syscalls || o->trace_all) {
        if (have_engine) /* (st->set: hardened already, main.c) */
            warn_narrower(&st->set, &engine, o->trace_all ? "-a" : "--syscalls");
        return 0;
    }
    if (have_engine) {
        st->set = engine;
        if (!strchr(reason, '('))
            snprintf(reason, cap, "%s; syscall set from the engine's request", what);
    } else if (o->syscalls_file) {
        char bad[80];
        if (tr_sysset_build(&st->set, NULL, 0, bad, sizeof bad) != 0)
            return -1;
    }
    tr_sysset_harden(&st->set, o);
    tt_info("%s", reason);
    return 0;
}

/* Sends the child the program of this role (-1: none, a zero length). 0 or -1 (logged). */
static int send_program(struct tr_state *st, int fd, int role)
{
    static struct {
        int len;
        struct sock_filter prog[TR_FILTER_MAX];
    } msg;
    const struct tr_opts *o = st->o;
    msg.len = 0;
    if (role >= 0) {
        struct tr_filter_cfg fc = {&st->set,
                                   o->trace_all,
                                   st->protect_ring,
                                   st->ring_key,
                                   st->ring_shmid,
                                   st->self,
                                   o->unsafe_off | o->allow,
                                   o->allow,
                                   role};
        msg.len = tr_filter_build(&fc, msg.prog, TR_FILTER_MAX);
        if (msg.len <= 0) {
            tt_error("seccomp filter too large");
            return -1;
        }
    }
    size_t mlen = sizeof msg.len + (size_t)msg.len * sizeof msg.prog[0];
    if (tt_write_full(fd, &msg, mlen) != (ssize_t)mlen) {
        tt_error("cannot release the workload: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The bounded wait for the engine (--wait-engine), in 100 ms slices so that SIGTERM, SIGINT,
 * SIGHUP or SIGQUIT sent meanwhile (docker stop before any engine came) end it at once instead
 * of after the whole wait. 1 attached, 0 not (timeout, or a consumer of another version), -N
 * stopped by signal N. Other signals read here have no workload to go to yet. */
static int wait_engine(struct tr_state *st, int timeout_ms)
{
    unsigned long long deadline =
        (unsigned long long)tt_mono_ms() + (unsigned long long)(timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int slice = 100;
        if (timeout_ms >= 0) {
            unsigned long long now = (unsigned long long)tt_mono_ms();
            slice = now >= deadline ? 0 : deadline - now < 100 ? (int)(deadline - now) : 100;
        }
        if (tr_sink_wait_consumer(&st->sink, slice))
            return 1;
        if (st->sink.ring && tt_ring_error(st->sink.ring)[0])
            return 0; /* refused: reason logged */
        struct signalfd_siginfo si;
        while (read(st->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
            int sig = (int)si.ssi_signo;
            if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT)
                return -sig;
        }
        if (timeout_ms >= 0 && (unsigned long long)tt_mono_ms() >= deadline)
            return 0;
    }
}

int tr_launch(struct tr_state *st)
{
    const struct tr_opts *o = st->o;
    char exe[4096];
    int err = tt_spawn_resolve(o->cmd[0], getenv("PATH"), exe, sizeof exe);
    if (err) {
        tt_error("%s: %s", o->cmd[0], err == ENOENT ? "command not found" : strerror(err));
        return tt_spawn_errno_status(err);
    }

    st->main_ptid = invisible_parent(o);
    /* No blind start: the workload runs only once the engine reads the ring (or after the
     * bounded wait, by the fail policy). The snapshot follows the attach, so a small ring is not
     * filled before anyone reads it. A capture file needs no wait. */
    int waited = wait_engine(st, o->wait_engine_ms);
    if (waited < 0) {
        tt_warn("signal %d while waiting for the engine; not starting the workload", -waited);
        return 128 - waited;
    }
    if (!waited) {
        if (o->fail_policy == TR_FAIL_CLOSED) {
            tt_error("no engine attached to the event ring within %d ms; not starting the "
                     "workload (fail-closed; --fail-open or --wait-engine to change)",
                     o->wait_engine_ms);
            return TR_EXIT_FAILURE;
        }
        tt_warn("no engine attached within %d ms; starting the workload anyway (fail-open): "
                "events stay in the ring until it is full, then are dropped and counted",
                o->wait_engine_ms);
    }
    char reason[768];
    if (choose_syscall_set(st, "start", reason, sizeof reason) < 0)
        return TR_EXIT_USAGE;
    tr_emit_tracerinfo(st, reason);
    if (!o->no_snapshot)
        tr_snapshot(st, st->self);

    int sync[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) != 0) {
        tt_error("socketpair: %s", strerror(errno));
        return TR_EXIT_FAILURE;
    }
    /* The child must be dumpable for a seize without CAP_SYS_PTRACE (a tracer exec'd from an
     * execute-only file would not be); the tracer turns non-dumpable once it holds the child. */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    pid_t pid = fork();
    if (pid < 0) {
        tt_error("fork: %s", strerror(errno));
        return TR_EXIT_FAILURE;
    }
    if (pid == 0) {
        close(sync[1]);
        child_main(st, exe, sync[0]);
    }
    close(sync[0]);
    st->main_pid = pid;
    if (init_chain())
        tr_proc_set_init(pid);
    if (tr_def_on(o, TR_DEF_PGRP))
        workload_group(st, pid);
    if (ptrace(PTRACE_SEIZE, pid, 0L, (long)tr_ptrace_options(st)) != 0) {
        int e = errno;
        tt_nodump();
        if (e == EPERM) {
            struct tr_privs p;
            char why[1024];
            tr_privs_read(&p);
            tr_privs_launch_refusal(&p, why, sizeof why);
            tt_error("%s", why);
        } else {
            tt_error("ptrace(SEIZE, %d): %s", (int)pid, strerror(e));
        }
        close(sync[1]);
        int status;
        waitpid(pid, &status, 0);
        return TR_EXIT_FAILURE;
    }
    if (tr_def_on(o, TR_DEF_NONDUMPABLE))
        tt_nodump();
    struct tr_task *t = tr_task_add(&st->tasks, pid, pid);
    if (!t) {
        tt_error("out of memory");
        kill(pid, SIGKILL);
        return TR_EXIT_FAILURE;
    }
    t->pgid = tr_def_on(o, TR_DEF_PGRP) ? pid : getpgid(pid);
    tr_emit_procinfo(st, pid, pid, st->main_ptid);
    if (st->mode == TR_MODE_SYSCALL) {
        /* No filter: syscall stops need PTRACE_SYSCALL from a stop. Interrupt the child (it
         * waits in read) so the loop restarts it that way before its exec. */
        t->flags |= TF_ATTACHING;
        if (ptrace(PTRACE_INTERRUPT, pid, 0L, 0L) != 0)
            tt_debug("interrupt %d: %s", (int)pid, strerror(errno));
    }

    /* Programs: with user notifications, the listener's first (the child sends the listener
     * back), then the ptrace program; without, only the latter. */
    /* (with the listener defence switched off for a negative control, no listener either: the
     * kernel allows one per process, so ours alone would refuse the workload's with EBUSY) */
    int want_notif = st->mode == TR_MODE_SECCOMP && !o->stops_ptrace && !o->trace_all &&
                     !(o->unsafe_off & TR_DEF_BIT(TR_DEF_SECCOMP_LISTENER));
    if (send_program(st, sync[1], want_notif ? TR_FILTER_NOTIF : -1) != 0) {
        kill(pid, SIGKILL);
        return TR_EXIT_FAILURE;
    }
    if (want_notif) {
        st->notif_fd = tr_notif_receive(sync[1]);
        const char *sync_env = getenv("TARTAN_NOTIF_SYNC"); /* (experiments: 0 = off) */
        if (st->notif_fd >= 0 && !(sync_env && strcmp(sync_env, "0") == 0))
            st->notif_sync = tr_notif_sync_wakeup(st->notif_fd);
        if (st->notif_fd >= 0)
            tt_debug("user notifications for entry-only stops%s",
                     st->notif_sync ? ", woken on the waker's CPU" : "");
    }
    int role = st->mode != TR_MODE_SECCOMP ? -1
               : st->notif_fd >= 0         ? TR_FILTER_MAIN
                                           : TR_FILTER_ALL;
    if (send_program(st, sync[1], role) != 0) {
        kill(pid, SIGKILL);
        return TR_EXIT_FAILURE;
    }
    close(sync[1]);

    tr_loop(st);

    if (!st->main_done) {
        int status;
        if (waitpid(pid, &status, __WALL) == pid) {
            st->main_status = status;
            st->main_done = 1;
        } else {
            return TR_EXIT_FAILURE;
        }
    }
    int code = tt_spawn_exit_code(st->main_status);
    char desc[128];
    tt_debug("workload %s", tt_spawn_describe_status(st->main_status, desc, sizeof desc));
    return code < 0 ? TR_EXIT_FAILURE : code;
}

/* ---- attach ---- */

static int seize_thread(struct tr_state *st, pid_t tid, pid_t tgid)
{
    if (tr_task_find(&st->tasks, tid))
        return 0;
    if (ptrace(PTRACE_SEIZE, tid, 0L, (long)tr_ptrace_options(st)) != 0) {
        if (errno == EPERM)
            return -1;
        return 0; /* gone meanwhile */
    }
    struct tr_task *t = tr_task_add(&st->tasks, tid, tgid);
    if (!t)
        return 0;
    t->flags |= TF_ATTACHING;
    t->pgid = getpgid(tid);
    if (ptrace(PTRACE_INTERRUPT, tid, 0L, 0L) != 0 && errno != ESRCH)
        tt_debug("interrupt %d: %s", (int)tid, strerror(errno));
    return 1;
}

/* Seizes every thread of pid; returns threads added, -1 on EPERM. */
static int seize_process(struct tr_state *st, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    int added = 0;
    for (int pass = 0; pass < 3; pass++) { /* threads created while we attach */
        DIR *d = opendir(path);
        if (!d)
            return added;
        int new_here = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!isdigit((unsigned char)de->d_name[0]))
                continue;
            int r = seize_thread(st, (pid_t)strtol(de->d_name, NULL, 10), pid);
            if (r < 0) {
                closedir(d);
                return -1;
            }
            new_here += r;
        }
        closedir(d);
        added += new_here;
        if (!new_here)
            break;
    }
    return added;
}

/* Is pid a descendant of root (through PPid links)? */
static int descends_from(pid_t pid, pid_t root)
{
    for (int depth = 0; depth < 64 && pid > 1; depth++) {
        pid_t tg, pp;
        if (tr_proc_ids(pid, &tg, &pp) != 0)
            return 0;
        if (pp == root)
            return 1;
        pid = pp;
    }
    return 0;
}

int tr_attach(struct tr_state *st)
{
    pid_t root = st->o->attach_pid;
    if (root == st->self) {
        tt_error("-p %d is the tracer itself", (int)root);
        return TR_EXIT_USAGE;
    }
    if (kill(root, 0) != 0 && errno == ESRCH) {
        tt_error("-p %d: no such process", (int)root);
        return TR_EXIT_FAILURE;
    }
    /* Refuse with the exact reason before waiting for the engine (another uid, Yama). */
    struct tr_privs privs;
    char why[2048], status[4096], path[64];
    tr_privs_read(&privs);
    snprintf(path, sizeof path, "/proc/%d/status", (int)root);
    if (tr_proc_read(path, status, sizeof status) <= 0)
        status[0] = '\0';
    int desc = descends_from(root, st->self);
    if (tr_privs_attach_target(&privs, root, status, desc, 0, why, sizeof why) ==
        TR_PRIVS_REFUSED) {
        tt_error("%s", why);
        return TR_EXIT_FAILURE;
    }
    int waited = wait_engine(st, st->o->wait_engine_ms);
    if (waited < 0) {
        tt_info("signal %d while waiting for the engine; nothing attached", -waited);
        return 0;
    }
    if (!waited)
        tt_warn("no engine attached within %d ms; tracing anyway", st->o->wait_engine_ms);
    char reason[768];
    if (choose_syscall_set(st, "attach", reason, sizeof reason) < 0)
        return TR_EXIT_USAGE;
    tr_emit_tracerinfo(st, reason);
    if (!st->o->no_snapshot)
        tr_snapshot(st, st->self);

    int r = seize_process(st, root);
    if (r < 0) {
        tr_privs_attach_target(&privs, root, status, desc, EPERM, why, sizeof why);
        tt_error("%s", why);
        return TR_EXIT_FAILURE;
    }
    if (r == 0 && !st->tasks.count) {
        tt_error("-p %d: could not attach", (int)root);
        return TR_EXIT_FAILURE;
    }
    /* Descendants that already exist (their later children are followed automatically). */
    for (int pass = 0; pass < 2; pass++) {
        DIR *d = opendir("/proc");
        if (!d)
            break;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!isdigit((unsigned char)de->d_name[0]))
                continue;
            pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
            if (pid != st->self && !tr_task_find(&st->tasks, pid) && descends_from(pid, root))
                seize_process(st, pid);
        }
        closedir(d);
    }
    tt_info("attached to %zu thread(s) of pid %d and its descendants", st->tasks.count, (int)root);
    tr_loop(st);
    return 0;
}
