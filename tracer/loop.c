/* tracer: the ptrace stop loop. One thread waits for every stop of every tracee (__WALL),
 * decodes it, and resumes the tracee. Waiting first busy-polls waitpid(WNOHANG) for a few tens
 * of microseconds (a tracee usually stops again very soon), then sleeps in poll() on a signalfd
 * that carries SIGCHLD (sent for every ptrace stop and exit) and the signals to forward.
 *
 * Robustness: a tracee can die at any moment (SIGKILL, OOM). Every ptrace request may then fail
 * with ESRCH; that is never fatal: the task is dropped when its exit is reported. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "filter.h"
#include "inject.h"
#include "mem.h"
#include "notif.h"
#include "policy.h"
#include "privs.h"
#include "procfs.h"
#include "syscalls.h"
#include "trace.h"
#include "tt_log.h"
#include "tt_time.h"
#include "tt_signals.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#define HELD_RELEASE_NS (50ull * 1000000ull)

unsigned tr_ptrace_options(const struct tr_state *st)
{
    unsigned o = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                 PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC;
    if (st->mode == TR_MODE_SECCOMP)
        o |= PTRACE_O_TRACESECCOMP;
    if (st->o->fail_policy == TR_FAIL_CLOSED && !st->o->attach_pid)
        o |= PTRACE_O_EXITKILL;
    return o;
}

static void resume(struct tr_state *st, struct tr_task *t, int sig)
{
    int req = (st->mode == TR_MODE_SYSCALL || t->buf || (t->flags & TF_INJECT)) ? PTRACE_SYSCALL
                                                                                : PTRACE_CONT;
    if (ptrace(req, t->tid, 0L, (long)sig) < 0 && errno != ESRCH)
        tt_debug("resume tid %d: %s", (int)t->tid, strerror(errno));
}

static void detach(struct tr_state *st, struct tr_task *t, int sig)
{
    if (ptrace(PTRACE_DETACH, t->tid, 0L, (long)sig) < 0 && errno != ESRCH)
        tt_debug("detach tid %d: %s", (int)t->tid, strerror(errno));
    tr_task_del(&st->tasks, t->tid);
}

static void emit_procexit(struct tr_state *st, pid_t tid, pid_t tgid, int status)
{
    uint8_t buf[256];
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_PROCEXIT, tr_now_ns(), tid, tgid);
    tt_evb_i64(&b, TT_P_STATUS, status);
    tt_evb_i64(&b, TT_P_EXIT_CODE, WIFEXITED(status) ? WEXITSTATUS(status) : 0);
    tt_evb_i64(&b, TT_P_EXIT_SIG, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    if (tt_evb_finish(&b, 0))
        tr_emit(st, buf);
}

/* Sends sig to every traced process, once per process (process-directed, so a handler runs
 * once): through its leader, or any thread whose leader is no longer traced. */
static void signal_all(struct tr_state *st, int sig)
{
    size_t bkt = 0;
    struct tr_task *cur = NULL, *t;
    while ((t = tr_task_iter(&st->tasks, &bkt, &cur)))
        if (t->tid == t->tgid || !tr_task_find(&st->tasks, t->tgid))
            kill(t->tgid, sig);
}

static void on_main_exit(struct tr_state *st)
{
    if (st->tasks.count == 0)
        return;
    tt_info("workload exited; %zu traced thread(s) remain: SIGTERM, SIGKILL after %d ms",
            st->tasks.count, st->o->grace_ms);
    if (st->o->grace_ms <= 0) {
        signal_all(st, SIGKILL);
        st->killed_rest = 1;
        return;
    }
    signal_all(st, SIGTERM);
    st->grace_deadline_ns = tt_mono_ns() + (uint64_t)st->o->grace_ms * 1000000ull;
}

static void on_exit_status(struct tr_state *st, pid_t pid, int status)
{
    struct tr_task *t = tr_task_find(&st->tasks, pid);
    if (t) {
        emit_procexit(st, pid, t->tgid, status);
        tr_task_del(&st->tasks, pid);
    }
    if (pid == st->main_pid && !st->main_done) {
        st->main_status = status;
        st->main_done = 1;
        on_main_exit(st);
    }
}

static void dispatch(struct tr_state *st, pid_t pid, int status);

/* A close, dup2, dup3 or close_range may take away the fd number another thread's open has
 * just returned, or the socket of its connect, before the tracer reads it back at that
 * thread's exit stop. The kernel reserves a new fd's number until the open is done, so only
 * the exit stops already waiting matter: they are handled first. */
static void fd_users_first(struct tr_state *st, struct tr_task *t)
{
    pid_t waiting[64];
    size_t n = 0, bkt = 0;
    struct tr_task *cur = NULL, *k;
    while (n < sizeof waiting / sizeof waiting[0] && (k = tr_task_iter(&st->tasks, &bkt, &cur)))
        if (k != t && k->tgid == t->tgid && (k->flags & TF_FD_INFLIGHT))
            waiting[n++] = k->tid;
    for (size_t i = 0; i < n; i++) {
        int status;
        pid_t p = waitpid(waiting[i], &status, __WALL | WNOHANG);
        if (p > 0)
            dispatch(st, p, status);
    }
}

static int changes_fd_table(long nr)
{
#ifdef __NR_dup2
    if (nr == __NR_dup2)
        return 1;
#endif
    return nr == __NR_close || nr == __NR_dup3 || nr == __NR_close_range;
}

int tr_stop_deny(struct tr_task *t, int64_t ret)
{
    if (t->flags & TF_NOTIF) {
        t->notif_ret = ret;
        t->flags |= TF_NOTIF_REPLY;
        return 0;
    }
    return tr_arch_deny_syscall(t->tid, (int)-ret);
}

void tr_stop_entry(struct tr_state *st, struct tr_task *t, long nr, const uint64_t *args,
                   uint32_t arch)
{
    if (tr_policy_entry(st, t, arch, nr, args))
        return; /* denied or done by the tracer */
    int compat = tr_arch_is_compat(arch, nr);
    if (!compat && tr_privs_deny_undumpable(st, t, nr, args))
        return;
    if (!compat && tr_fd_inflight() && changes_fd_table(nr))
        fd_users_first(st, t);
    if (!compat && nr == __NR_pivot_root)
        tr_policy_exit(st, t, nr, args, 0); /* (not decoded: marked at entry) */
    tr_decode_entry(st, t, nr, args, arch, compat);
}

static void on_syscall_stop(struct tr_state *st, struct tr_task *t, int seccomp)
{
    struct __ptrace_syscall_info info;
    memset(&info, 0, sizeof info);
    if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof info, &info) <= 0) {
        resume(st, t, 0);
        return;
    }
    if (tr_inject_stop(st, t, &info)) {
        if (info.op == PTRACE_SYSCALL_INFO_EXIT)
            resume(st, t, 0);
        return;
    }
    /* (the seccomp tag is not trusted: see policy.h) */
    tr_mem_refused = 0;
    if (info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
        tr_stop_entry(st, t, (long)info.seccomp.nr, info.seccomp.args, info.arch);
    } else if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
        tr_stop_entry(st, t, (long)info.entry.nr, info.entry.args, info.arch);
    } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
        tr_decode_exit(st, t, info.exit.rval);
    }
    (void)seccomp;
    if (tr_mem_refused == t->tid)
        tr_unreadable_stop(st, t, &info);
    resume(st, t, 0);
}

static void release_held(struct tr_state *st, struct tr_task *c)
{
    if (c->flags & TF_HELD) {
        c->flags &= ~TF_HELD;
        st->tasks.held--;
        resume(st, c, 0);
    }
}

static void on_clone(struct tr_state *st, struct tr_task *t, int event)
{
    unsigned long child = 0;
    /* A trapped clone (tr_is_clone_nr) succeeded: this event reports it, so no exit stop. */
    if (t->buf && tr_is_clone_nr(t->nr))
        tr_task_drop_pending(t);
    if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0L, &child) < 0) {
        resume(st, t, 0);
        return;
    }
    long nr = -1;
    uint64_t flags = 0, arg0 = 0;
    if (tr_arch_syscall_nr_arg0(t->tid, &nr, &arg0) == 0) {
        if (nr == __NR_clone)
            flags = arg0;
        else if (nr == __NR_clone3 && tr_mem_read(t->tid, arg0, &flags, sizeof flags) != 0)
            flags = 0;
    }
    unsigned type;
    switch (nr) {
    case __NR_clone:
        type = TT_EV_CLONE;
        break;
    case __NR_clone3:
        type = TT_EV_CLONE3;
        break;
    case TR_NR_VFORK:
        type = TT_EV_VFORK;
        flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
        break;
    case TR_NR_FORK:
        type = TT_EV_FORK;
        flags = SIGCHLD;
        break;
    default:
        type = event == PTRACE_EVENT_VFORK  ? TT_EV_VFORK
               : event == PTRACE_EVENT_FORK ? TT_EV_FORK
                                            : TT_EV_CLONE;
        if (event == PTRACE_EVENT_CLONE)
            flags = CLONE_THREAD; /* best guess when registers are unreadable */
        break;
    }
    int is_thread = (flags & CLONE_THREAD) != 0;
    pid_t ctid = (pid_t)child;
    pid_t cpid = is_thread ? t->tgid : ctid;

    uint8_t buf[512];
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, type, tr_now_ns(), t->tid, t->tgid);
    tt_evb_i64(&b, TT_P_CHILD_TID, ctid);
    tt_evb_i64(&b, TT_P_CHILD_PID, cpid);
    tt_evb_u64(&b, TT_P_CLONE_FLAGS, flags);
    tt_evb_u64(&b, TT_P_IS_THREAD, (uint64_t)is_thread);
    if (tt_evb_finish(&b, ctid))
        tr_emit(st, buf);

    struct tr_task *c = tr_task_find(&st->tasks, ctid);
    int held = c != NULL;
    if (!c && (c = tr_task_add(&st->tasks, ctid, cpid)))
        c->flags |= TF_EXPECT_START;
    if (c) {
        c->tgid = cpid;
        c->pgid = t->pgid; /* (the process group and root are inherited) */
        c->flags |= t->flags & TF_ROOT_CHANGED;
        tr_privs_inherit(c, t);
        if (t->flags & TF_OTHER_PIDNS) /* (a child is in its parent's namespace or below) */
            c->flags |= TF_OTHER_PIDNS | TF_PIDNS_KNOWN;
        if (held)
            release_held(st, c);
    }
    if (c && st->detaching) {
        c->flags |= TF_DETACHING;
        ptrace(PTRACE_INTERRUPT, ctid, 0L, 0L);
    }
    resume(st, t, 0);
}

static void on_exec(struct tr_state *st, struct tr_task *t)
{
    unsigned long former = 0;
    if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0L, &former) == 0 && (pid_t)former != t->tid) {
        /* A non-leader thread exec'd: it now has the leader's tid; its old tid is gone. */
        struct tr_task *f = tr_task_find(&st->tasks, (pid_t)former);
        tr_task_drop_pending(t);
        if (f) {
            t->buf = f->buf;
            t->bufcap = f->bufcap;
            t->evb = f->evb;
            t->nr = f->nr;
            memcpy(t->args, f->args, sizeof t->args);
            f->buf = NULL;
            f->bufcap = 0;
            f->nr = -1;
            tr_task_del(&st->tasks, (pid_t)former);
        }
        emit_procexit(st, (pid_t)former, t->tgid, 0);
    }
    t->tgid = t->tid;
    static struct tr_exec_desc x;
    struct tt_evb *b = tr_decode_exec_begin(st, t, &x);
    if (st->mode == TR_MODE_SYSCALL)
        t->flags |= TF_SKIP_EXIT;
    /* Without CAP_SYS_PTRACE, an exec that made the process non-dumpable closes its memory to
     * us: report (and, fail-closed, kill) it before it runs an instruction. */
    if (!st->reads_all && tr_mem_readable(t->tid) == 0) {
        tr_decode_exec_finish(st, t, b, &x);
        tr_unreadable_exec(st, t, x.exe.path);
        resume(st, t, 0);
        return;
    }
    /* The new program starts now (ld.so has 50-500 us of work before its first traced
     * syscall): reading the rest of its description from /proc overlaps with it instead of
     * keeping it stopped (~80 us per exec on a microVM). */
    resume(st, t, 0);
    tr_decode_exec_finish(st, t, b, &x);
}

static int is_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

int tr_tty_give(int tty, pid_t pgid)
{
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGTTOU, &ign, &old);
    int rc = tcsetpgrp(tty, pgid);
    if (rc != 0)
        tt_debug("tcsetpgrp(%d): %s", (int)pgid, strerror(errno));
    sigaction(SIGTTOU, &old, NULL);
    return rc;
}

/* The workload, in a process group of its own that owns the terminal, was stopped from it
 * (^Z, or a background read or write): the shell waits for its job, the tracer's group, so the
 * tracer gives the terminal back and stops as well; continued (fg or bg), it continues the
 * workload, in the foreground again if the shell gave the terminal back to the tracer. */
static void job_stop(struct tr_state *st)
{
    pid_t wl = st->main_pid;
    if (tcgetpgrp(st->tty_fd) == wl)
        tr_tty_give(st->tty_fd, st->self_pgid);
    raise(SIGTSTP);
    /* continued */
    if (tcgetpgrp(st->tty_fd) == st->self_pgid)
        tr_tty_give(st->tty_fd, wl);
    kill(-wl, SIGCONT);
}

static void on_stop(struct tr_state *st, pid_t pid, int status)
{
    int sig = WSTOPSIG(status);
    int event = (int)((unsigned)status >> 16);
    struct tr_task *t = tr_task_find(&st->tasks, pid);
    if (!t) {
        /* A new task whose parent's clone event has not been seen yet: hold it until then, so
         * its events never precede the event that creates it. */
        pid_t tgid = pid, ppid = 0;
        tr_proc_ids(pid, &tgid, &ppid);
        t = tr_task_add(&st->tasks, pid, tgid);
        if (!t) {
            ptrace(PTRACE_CONT, pid, 0L, 0L);
            return;
        }
        t->pgid = getpgid(pid);
        if (st->detaching) {
            detach(st, t, 0);
            return;
        }
        t->flags |= TF_HELD;
        t->held_since_ns = tt_mono_ns();
        st->tasks.held++;
        return;
    }
    tr_privs_read_as(st, t);
    if (t->flags & TF_DETACHING) {
        int deliver = (event == 0 && sig != (SIGTRAP | 0x80)) ? sig : 0;
        detach(st, t, deliver);
        return;
    }
    if ((t->flags & (TF_EXPECT_START | TF_ATTACHING)) && event == PTRACE_EVENT_STOP) {
        t->flags &= ~(TF_EXPECT_START | TF_ATTACHING);
        if (is_stop_signal(sig)) /* attached to a stopped process: it stays stopped */
            ptrace(PTRACE_LISTEN, t->tid, 0L, 0L);
        else
            resume(st, t, 0);
        return;
    }
    t->flags &= ~(TF_EXPECT_START | TF_ATTACHING);
    if (sig == (SIGTRAP | 0x80)) {
        on_syscall_stop(st, t, 0);
        return;
    }
    switch (event) {
    case PTRACE_EVENT_SECCOMP:
        on_syscall_stop(st, t, 1);
        break;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
        on_clone(st, t, event);
        break;
    case PTRACE_EVENT_EXEC:
        on_exec(st, t);
        break;
    case PTRACE_EVENT_STOP:
        if (is_stop_signal(sig)) {
            /* group-stop: stay stopped (job control) but keep receiving events */
            if (ptrace(PTRACE_LISTEN, t->tid, 0L, 0L) < 0 && errno != ESRCH)
                tt_debug("listen tid %d: %s", (int)t->tid, strerror(errno));
            if (sig != SIGSTOP && t->tid == st->main_pid && st->tty_fd >= 0 && !st->main_done)
                job_stop(st);
        } else {
            resume(st, t, 0);
        }
        break;
    case 0:
        resume(st, t, sig); /* signal-delivery-stop: deliver it unchanged */
        break;
    default:
        resume(st, t, 0);
        break;
    }
}

/* -p mode: interrupt every task and detach at its next stop. */
static void tr_start_detach(struct tr_state *st)
{
    if (st->detaching)
        return;
    st->detaching = 1;
    tt_info("detaching from %zu thread(s)", st->tasks.count);
    size_t bkt = 0;
    struct tr_task *cur = NULL, *t;
    while ((t = tr_task_iter(&st->tasks, &bkt, &cur))) {
        t->flags |= TF_DETACHING;
        if (t->flags & TF_HELD) {
            t->flags &= ~TF_HELD;
            st->tasks.held--;
            detach(st, t, 0);
            continue;
        }
        if (ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L) < 0 && errno == ESRCH)
            continue; /* its exit will be reported */
    }
}

static void on_signal(struct tr_state *st, int sig)
{
    if (sig == SIGCHLD)
        return;
    if (st->o->attach_pid) {
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
            tr_start_detach(st);
        return;
    }
    if (!st->main_done) {
        tt_debug("forwarding signal %d to %d", sig, (int)st->main_pid);
        kill(st->main_pid, sig);
    } else if ((sig == SIGTERM || sig == SIGINT) && !st->killed_rest) {
        signal_all(st, SIGKILL);
        st->killed_rest = 1;
    }
}

/* Any signal pending for the tracer (all it handles are blocked and read from the signalfd). */
static int signal_pending(void)
{
    sigset_t s;
    return sigpending(&s) != 0 || !sigisemptyset(&s);
}

static void drain_signals(struct tr_state *st)
{
    struct signalfd_siginfo si[16];
    for (;;) {
        ssize_t n = read(st->sigfd, si, sizeof si);
        if (n <= 0)
            return;
        for (size_t i = 0; i < (size_t)n / sizeof si[0]; i++)
            on_signal(st, (int)si[i].ssi_signo);
    }
}

static void timers(struct tr_state *st, uint64_t now)
{
    if (st->grace_deadline_ns && now >= st->grace_deadline_ns && !st->killed_rest) {
        tt_info("grace period over: SIGKILL to %zu remaining thread(s)", st->tasks.count);
        signal_all(st, SIGKILL);
        st->killed_rest = 1;
    }
    if (st->tasks.held) {
        size_t bkt = 0;
        struct tr_task *cur = NULL, *t;
        while ((t = tr_task_iter(&st->tasks, &bkt, &cur)))
            if ((t->flags & TF_HELD) && now - t->held_since_ns > HELD_RELEASE_NS)
                release_held(st, t);
    }
}

static int poll_timeout_ms(const struct tr_state *st, uint64_t now)
{
    int ms = -1;
    if (st->tasks.held)
        ms = 20;
    if (st->grace_deadline_ns && !st->killed_rest) {
        uint64_t left = st->grace_deadline_ns > now ? st->grace_deadline_ns - now : 0;
        int gms = (int)(left / 1000000ull) + 1;
        if (ms < 0 || gms < ms)
            ms = gms;
    }
    return ms;
}

int tr_signals_setup(struct tr_state *st)
{
    static const int sigs[] = {SIGCHLD, SIGTERM, SIGINT,  SIGHUP,
                               SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    st->sigfd = tt_signalfd_open(sigs, sizeof sigs / sizeof sigs[0], 1, &st->sigsave);
    return st->sigfd < 0 ? -1 : 0;
}

static void dispatch(struct tr_state *st, pid_t pid, int status)
{
    st->stops++;
    if (WIFSTOPPED(status))
        on_stop(st, pid, status);
    else if (WIFEXITED(status) || WIFSIGNALED(status))
        on_exit_status(st, pid, status);
}

/* A user notification is waiting (the listener is readable). */
static int notif_ready(const struct tr_state *st)
{
    struct pollfd p = {st->notif_fd, POLLIN, 0};
    return st->notif_fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

void tr_loop(struct tr_state *st)
{
    /* Spin budget adapts: halved each time a spin ends without a stop (the tracee is busy or
     * blocked elsewhere: do not burn CPU for it), back to the maximum when a stop arrives
     * during a spin or soon after the tracer went to sleep (a spin would have caught it). */
    const uint64_t spin_max = (uint64_t)(st->o->spin_us > 0 ? st->o->spin_us : 0) * 1000ull;
    uint64_t budget = spin_max, spin_start = 0, housekeep_ns = tt_mono_ns();
    unsigned since_check = 0;
    const char *y = getenv("TARTAN_SPIN_YIELD");
    int spin_yield = !(y && strcmp(y, "0") == 0);
    while (st->tasks.count > 0 || (st->main_pid && !st->main_done)) {
        int status;
        pid_t pid = waitpid(-1, &status, __WALL | WNOHANG);
        /* (notifications between ptrace stops too: a task waiting in one is not left behind
         * a stream of other tasks' stops) */
        int handled = st->notif_fd >= 0 ? tr_notif_drain(st) : 0;
        if (pid > 0)
            dispatch(st, pid, status);
        if (pid > 0 || handled) {
            if (spin_start) {
                budget = spin_max;
                spin_start = 0;
            }
            /* A tracee that never pauses must not delay forwarded signals or timers. */
            if (++since_check >= 64) {
                since_check = 0;
                uint64_t now = tt_mono_ns();
                if (now - housekeep_ns >= 5000000ull) {
                    housekeep_ns = now;
                    drain_signals(st);
                    timers(st, now);
                }
            }
            continue;
        }
        if (pid < 0 && errno == ECHILD)
            break;
        if (pid < 0 && errno != EINTR) {
            tt_error("waitpid: %s", strerror(errno));
            break;
        }
        uint64_t now = tt_mono_ns();
        if (budget) {
            if (!spin_start)
                spin_start = now;
            if (now - spin_start < budget) {
                /* Spin on the pending-signal set, not on waitpid: every stop and exit sends
                 * SIGCHLD, sigpending is O(1) while wait4 walks every tracee under the global
                 * tasklist lock (which fork, exec and exit take for writing). Yield in
                 * between: a tracee that shares this CPU runs at once (the cheapest stop round
                 * trip); on an idle CPU this returns at once. */
                while (!signal_pending() && !notif_ready(st) && tt_mono_ns() - spin_start < budget)
                    if (spin_yield)
                        sched_yield();
                drain_signals(st); /* clears SIGCHLD before the waitpid that follows */
                continue;
            }
            budget /= 2;
            if (budget < 4000)
                budget = 0;
        }
        spin_start = 0;
        housekeep_ns = now;
        drain_signals(st);
        timers(st, now);
        pid = waitpid(-1, &status, __WALL | WNOHANG);
        if (pid > 0) {
            dispatch(st, pid, status);
            continue;
        }
        if (!(st->tasks.count > 0 || (st->main_pid && !st->main_done)))
            break;
        struct pollfd pfd[2] = {{st->sigfd, POLLIN, 0}, {st->notif_fd, POLLIN, 0}};
        int rc = poll(pfd, st->notif_fd >= 0 ? 2 : 1, poll_timeout_ms(st, now));
        if (rc < 0 && errno != EINTR) {
            tt_error("poll: %s", strerror(errno));
            break;
        }
        if (st->notif_fd >= 0 && (pfd[1].revents & (POLLHUP | POLLIN)) == POLLHUP) {
            close(st->notif_fd); /* no task left under the listener's program */
            st->notif_fd = -1;
        }
        if (spin_max && tt_mono_ns() - now < spin_max)
            budget = spin_max;
    }
    /* Reap whatever is left (PID 1: orphans), without blocking. */
    int status;
    while (waitpid(-1, &status, __WALL | WNOHANG) > 0)
        ;
}
