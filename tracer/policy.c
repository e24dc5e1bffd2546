/* tracer: the checks a traced workload's syscalls go through (see policy.h). */
#include "policy.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "abi.h"
#include "arch.h"
#include "decode.h"
#include "fdcopy.h"
#include "filter.h"
#include "inject.h"
#include "mem.h"
#include "privs.h"
#include "procfs.h"
#include "tt_log.h"
#include "tt_ring.h"

#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP (1u << 2)
#endif

enum target_kind {
    TK_NONE = 0, /* no such process or group: the call fails with ESRCH */
    TK_WORKLOAD, /* a tracee (or, attached, anything that is not a known monitor) */
    TK_MONITOR,  /* the tracer, launcher, engine, logshipper, or any non-tracee (launch) */
    TK_UNKNOWN,  /* cannot be told (a /proc directory of another pid namespace): denied */
};

static int def_on(const struct tr_state *st, int d)
{
    return tr_def_on(st->o, d);
}

static int allowed(const struct tr_state *st, int d)
{
    return (st->o->allow & TR_DEF_BIT(d)) && !(st->o->unsafe_off & TR_DEF_BIT(d));
}

static uint64_t ns_ino(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (uint64_t)sb.st_ino : 0;
}

void tr_policy_init(struct tr_state *st)
{
    st->self_pgid = getpgrp();
    st->pidns_ino = ns_ino("/proc/self/ns/pid");
    pid_t pp = getppid();
    char path[64], comm[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pp);
    if (tr_proc_read(path, comm, sizeof comm) > 0 && strcmp(comm, "launcher\n") == 0)
        st->launcher = pp;
}

/* ---- who is who ---- */

/* A task in a pid namespace below the tracer's sees only processes of that namespace, which
 * are all the workload's (the monitors never enter it), and names them by other numbers. */
static int in_other_pidns(const struct tr_state *st, struct tr_task *t)
{
    if (!(t->flags & TF_PIDNS_KNOWN)) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)t->tid);
        uint64_t ino = ns_ino(path);
        if (ino && st->pidns_ino && ino != st->pidns_ino)
            t->flags |= TF_OTHER_PIDNS;
        t->flags |= TF_PIDNS_KNOWN;
    }
    return (t->flags & TF_OTHER_PIDNS) != 0;
}

static pid_t parent_of(pid_t pid)
{
    pid_t tg, pp = 0;
    return tr_proc_ids(pid, &tg, &pp) == 0 ? pp : 0;
}

static pid_t ring_consumer(const struct tr_state *st)
{
    if (!st->sink.ring)
        return 0;
    struct tt_ring_stats rs;
    tt_ring_get_stats(st->sink.ring, &rs);
    return rs.consumer_attached ? (pid_t)rs.consumer_pid : 0;
}

/* Attach mode: the tracer, the launcher that started it and the launcher's other children
 * (engine, logshipper), the ring's consumer. */
static int is_known_monitor(const struct tr_state *st, pid_t pid)
{
    if (pid == st->self || pid == ring_consumer(st))
        return 1;
    return st->launcher && (pid == st->launcher || parent_of(pid) == st->launcher);
}

static int pid_exists(pid_t pid)
{
    return kill(pid, 0) == 0 || errno == EPERM;
}

/* pid as the caller named it (ours: already in the tracer's pid namespace). */
static enum target_kind classify_pid(const struct tr_state *st, struct tr_task *t, pid_t pid,
                                     int ours)
{
    if (pid <= 0)
        return TK_NONE;
    if (!ours && in_other_pidns(st, t))
        return TK_WORKLOAD;
    if (tr_task_find((struct tr_tasks *)&st->tasks, pid))
        return TK_WORKLOAD;
    if (st->o->attach_pid)
        return is_known_monitor(st, pid) ? TK_MONITOR : TK_WORKLOAD;
    return pid_exists(pid) ? TK_MONITOR : TK_NONE;
}

static enum target_kind classify_pgrp(const struct tr_state *st, struct tr_task *t, pid_t pgid,
                                      int ours)
{
    if (pgid < 0)
        return TK_NONE;
    if (!ours && in_other_pidns(st, t))
        return TK_WORKLOAD;
    /* (0: a group whose leader is outside this pid namespace, as the tracer's own group is when
     * it was started in a new one: not the workload's) */
    if (pgid == 0 || pgid == st->self_pgid || (st->launcher && getpgid(st->launcher) == pgid))
        return TK_MONITOR;
    pid_t cons = ring_consumer(st);
    if (cons && getpgid(cons) == pgid)
        return TK_MONITOR;
    if (st->o->attach_pid)
        return TK_WORKLOAD;
    /* The workload starts in a group of its own and no tracee may join a group it is not in
     * (setpgid is checked), so a group with a tracee in it has no monitor in it. */
    size_t bkt = 0;
    struct tr_task *cur = NULL, *k;
    while ((k = tr_task_iter((struct tr_tasks *)&st->tasks, &bkt, &cur)))
        if (k->pgid == pgid)
            return TK_WORKLOAD;
    return kill(-pgid, 0) == 0 || errno == EPERM ? TK_MONITOR : TK_NONE;
}

static void describe_pid(pid_t pid, char *out, size_t cap)
{
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    ssize_t n = tr_proc_read(path, comm, sizeof comm);
    if (n > 0 && comm[n - 1] == '\n')
        comm[n - 1] = '\0';
    if (pid == getpid())
        snprintf(comm, sizeof comm, "tracer");
    if (comm[0])
        snprintf(out, cap, "pid %d (%s)", (int)pid, comm);
    else
        snprintf(out, cap, "pid %d", (int)pid);
}

/* ---- tamper events and denials ---- */

void tr_emit_tamper(struct tr_state *st, struct tr_task *t, uint32_t arch, long nr,
                    const uint64_t *args, int64_t ret, const char *technique, const char *target,
                    int observed, const char *reason)
{
    uint8_t buf[8192]; /* (reason and target are paths at most: 4 KiB each, truncated) */
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_TAMPER, tr_now_ns(), t->tid, t->tgid);
    if (nr >= 0) {
        tt_evb_i64(&b, TT_P_NR, nr);
        tt_evb_u64(&b, TT_P_ARCH, arch);
    }
    if (args)
        tt_evb_bytes(&b, TT_P_RAWARGS, TT_PK_BYTES, args, 6 * sizeof(uint64_t));
    tt_evb_str(&b, TT_P_REASON, reason);
    tt_evb_str(&b, TT_P_TECHNIQUE, technique);
    tt_evb_str(&b, TT_P_TARGET, target);
    tt_evb_str(&b, TT_P_ACTION, observed ? "observed" : "denied");
    if (tt_evb_finish(&b, ret))
        tr_emit(st, buf);
    if (st->tampers++ < 10) /* the events carry every attempt; the log only the first ones */
        tt_warn("tid %d: %s: %s", (int)t->tid, technique, reason);
}

static void skip_syscall(struct tr_task *t, int64_t ret)
{
    if (tr_stop_deny(t, ret) < 0 && errno != ESRCH)
        tt_debug("skip syscall of tid %d: %s", (int)t->tid, strerror(errno));
}

struct call {
    uint32_t arch;
    long nr;              /* as made (ABI's own number) */
    const uint64_t *args; /* as made */
    const char *name;     /* the native name */
};

/* Denies the call with err and reports it. Returns 1 (handled). */
__attribute__((format(printf, 7, 8))) static int deny(struct tr_state *st, struct tr_task *t,
                                                      const struct call *c, int err,
                                                      const char *technique, const char *target,
                                                      const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof reason)
        snprintf(reason + n, sizeof reason - (size_t)n, ": denied (%s)", strerrorname_np(err));
    skip_syscall(t, -err);
    tr_emit_tamper(st, t, c->arch, c->nr, c->args, -err, technique, target, 0, reason);
    return 1;
}

/* The verdict for a call aimed at one process or group: runs (0), fails with ESRCH as the
 * kernel would (1, no event), or is denied and reported (1). */
static int verdict(struct tr_state *st, struct tr_task *t, const struct call *c, enum target_kind k,
                   const char *technique, const char *target)
{
    switch (k) {
    case TK_WORKLOAD:
        return 0;
    case TK_NONE:
        skip_syscall(t, -ESRCH);
        return 1;
    case TK_UNKNOWN:
        return deny(st, t, c, EPERM, technique, target,
                    "%s aimed at a process the tracer cannot identify", c->name);
    default:
        return deny(st, t, c, EPERM, technique, target, "%s aimed at a monitor, %s", c->name,
                    target);
    }
}

static int on_pid(struct tr_state *st, struct tr_task *t, const struct call *c, pid_t pid, int ours,
                  const char *technique)
{
    char target[96];
    describe_pid(pid, target, sizeof target);
    return verdict(st, t, c, classify_pid(st, t, pid, ours), technique, target);
}

static int on_pgrp(struct tr_state *st, struct tr_task *t, const struct call *c, pid_t pgid,
                   int ours, const char *technique)
{
    char target[96];
    snprintf(target, sizeof target, "process group %d", (int)pgid);
    return verdict(st, t, c, classify_pgrp(st, t, pgid, ours), technique, target);
}

/* ---- signals ---- */

struct creds {
    unsigned long uid, euid, suid;
    int cap_kill;
};

static int read_creds(pid_t pid, struct creds *c)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (tr_proc_read(path, buf, sizeof buf) <= 0)
        return -1;
    const char *u = strstr(buf, "\nUid:"), *cap = strstr(buf, "\nCapEff:");
    if (!u || sscanf(u + 5, "%lu %lu %lu", &c->uid, &c->euid, &c->suid) != 3)
        return -1;
    c->cap_kill = cap && (strtoull(cap + 8, NULL, 16) >> 5) & 1; /* CAP_KILL */
    return 0;
}

/* kill(2)'s permission rule (kill_ok_by_cred), for the emulated kill(-1). */
static int may_signal(const struct creds *from, const struct creds *to)
{
    return from->cap_kill || from->euid == to->suid || from->euid == to->uid ||
           from->uid == to->suid || from->uid == to->uid;
}

/* kill(-1, sig): every process the caller may signal but itself and init. The monitors are
 * spared: the tracer signals the workload's processes itself, so a workload's own shutdown
 * logic keeps working. Runs as asked when no monitor would have been reached. */
static int kill_everyone(struct tr_state *st, struct tr_task *t, const struct call *c, int sig)
{
    if (in_other_pidns(st, t))
        return 0;
    struct creds me;
    if (read_creds(t->tid, &me) != 0)
        return 0;
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    pid_t targets[4096];
    size_t nt = 0;
    int spared = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid_t p = (pid_t)strtol(de->d_name, NULL, 10);
        if (p <= 1 || p == t->tgid)
            continue;
        struct creds them;
        if (read_creds(p, &them) != 0 || !may_signal(&me, &them))
            continue;
        /* launched, every other process is a monitor; attached, only the known ones */
        if (tr_task_find(&st->tasks, p) || (st->o->attach_pid && !is_known_monitor(st, p))) {
            if (nt < sizeof targets / sizeof targets[0])
                targets[nt++] = p;
        } else {
            spared++;
        }
    }
    closedir(d);
    if (!spared)
        return 0; /* nothing to protect: the kernel does exactly what was asked */
    int sent = 0;
    for (size_t i = 0; i < nt; i++)
        sent += kill(targets[i], sig) == 0;
    skip_syscall(t, sent ? 0 : -ESRCH);
    char reason[200];
    snprintf(reason, sizeof reason,
             "kill(-1, %d): %d monitor process(es) spared, %d workload process(es) signalled by "
             "the tracer instead",
             sig, spared, sent);
    tr_emit_tamper(st, t, c->arch, c->nr, c->args, sent ? 0 : -ESRCH, "signal_monitor",
                   "every process (kill -1)", 0, reason);
    return 1;
}

static int on_kill(struct tr_state *st, struct tr_task *t, const struct call *c, long pid, int sig)
{
    if (sig == 0)
        return 0; /* no signal: an existence check */
    if (pid > 0)
        return on_pid(st, t, c, (pid_t)pid, 0, "signal_monitor");
    if (pid == 0)
        return in_other_pidns(st, t) ? 0 : on_pgrp(st, t, c, t->pgid, 1, "signal_monitor");
    if (pid == -1)
        return kill_everyone(st, t, c, sig);
    return on_pgrp(st, t, c, (pid_t)-pid, 0, "signal_monitor");
}

/* A syscall that names its process by a pidfd (or, for pidfd_send_signal, a /proc/PID
 * directory fd). */
static int on_pidfd(struct tr_state *st, struct tr_task *t, const struct call *c, int fd, int group,
                    const char *technique)
{
    pid_t pid = tr_fd_target_pid(t->tgid, fd);
    if (pid == 0)
        return 0; /* not a pidfd, or its process is gone: the kernel answers */
    if (pid < 0) {
        char target[64];
        snprintf(target, sizeof target, "fd %d (a /proc directory of another procfs)", fd);
        return verdict(st, t, c, in_other_pidns(st, t) ? TK_WORKLOAD : TK_UNKNOWN, technique,
                       target);
    }
    if (group)
        return on_pgrp(st, t, c, getpgid(pid), 1, technique);
    return on_pid(st, t, c, pid, 1, technique);
}

/* PRIO_USER / IOPRIO_WHO_USER: every process of a uid, the monitors' (root, or the tracer's
 * own uid) among them. */
static int on_user(struct tr_state *st, struct tr_task *t, const struct call *c, uint32_t uid)
{
    if (uid == 0) {
        struct creds me;
        if (read_creds(t->tid, &me) == 0)
            uid = (uint32_t)me.uid;
    }
    if (uid != 0 && uid != getuid() && uid != geteuid())
        return 0;
    char target[64];
    snprintf(target, sizeof target, "every process of uid %u", uid);
    return deny(st, t, c, EPERM, "prio_monitor", target,
                "%s of every process of uid %u, the monitors' uid", c->name, uid);
}

/* fcntl(F_SETOWN*) and its ioctl forms: the owner receives SIGIO/SIGURG (or any signal set
 * with F_SETSIG, SIGKILL included) whenever the file has I/O. */
static int on_owner(struct tr_state *st, struct tr_task *t, const struct call *c, long who)
{
    if (who > 0)
        return on_pid(st, t, c, (pid_t)who, 0, "sigio_monitor");
    if (who < 0)
        return on_pgrp(st, t, c, (pid_t)-who, 0, "sigio_monitor");
    return 0;
}

/* The owner read from the tracee's memory could change before the kernel reads it: the tracer
 * sets the owner it checked itself, on its copy of the fd (the owner belongs to the open file,
 * which the copy shares), and the call returns what that did. */
static int set_owner_for(struct tr_state *st, struct tr_task *t, const struct call *c, int fd,
                         int cmd, const void *arg)
{
    int cfd = tr_fd_copy(t->tgid, fd);
    if (cfd < 0) {
        skip_syscall(t, -EBADF);
        return 1;
    }
    long r =
        cmd == F_SETOWN_EX ? fcntl(cfd, F_SETOWN_EX, arg) : fcntl(cfd, F_SETOWN, *(const int *)arg);
    int err = errno;
    close(cfd);
    skip_syscall(t, r < 0 ? -err : 0);
    (void)st;
    (void)c;
    return 1;
}

static int on_fcntl(struct tr_state *st, struct tr_task *t, const struct call *c, const uint64_t *a)
{
    int cmd = (int)a[1];
    if (cmd == F_SETOWN)
        return on_owner(st, t, c, (int)a[2]);
    if (cmd != F_SETOWN_EX)
        return 0;
    struct f_owner_ex ox;
    if (tr_mem_read(t->tid, a[2], &ox, sizeof ox) != 0)
        return 0; /* the kernel fails it (EFAULT) */
    int r = 0;
    switch (ox.type) {
    case F_OWNER_TID:
    case F_OWNER_PID:
        r = on_owner(st, t, c, ox.pid);
        break;
    case F_OWNER_PGRP:
        r = on_owner(st, t, c, -(long)ox.pid);
        break;
    default:
        return 0; /* EINVAL from the kernel */
    }
    return r ? 1 : set_owner_for(st, t, c, (int)a[0], F_SETOWN_EX, &ox);
}

static int on_ioctl_owner(struct tr_state *st, struct tr_task *t, const struct call *c,
                          const uint64_t *a)
{
    int who;
    if (tr_mem_read(t->tid, a[2], &who, sizeof who) != 0)
        return 0;
    if (on_owner(st, t, c, who))
        return 1;
    return set_owner_for(st, t, c, (int)a[0], F_SETOWN, &who);
}

/* setpgid(pid, pgid) into an existing group: never into a monitor's (kill(0) and kill(-pgid)
 * from the workload rely on its groups being its own). */
static int on_setpgid(struct tr_state *st, struct tr_task *t, const struct call *c,
                      const uint64_t *a)
{
    long pid = (int)a[0], pgid = (int)a[1];
    long self = pid ? pid : t->tgid;
    if (pgid == 0 || pgid == self || in_other_pidns(st, t))
        return 0;
    if (classify_pgrp(st, t, (pid_t)pgid, 0) != TK_MONITOR)
        return 0;
    char target[64];
    snprintf(target, sizeof target, "process group %ld", pgid);
    return deny(st, t, c, EPERM, "pgrp_monitor", target,
                "setpgid into process group %ld, a monitor's", pgid);
}

/* ---- the calls ---- */

static int on_compat(struct tr_state *st, struct tr_task *t, const struct call *c, enum tr_abi abi)
{
    /* exit and signal return must work, or a 32-bit process could not even end */
    if (tr_abi_may_end(abi, c->nr))
        return 0;
    const char *tech = abi == TR_ABI_X32 ? "x32_abi" : "compat_abi";
    const char *abiname = abi == TR_ABI_X32 ? "x32" : TR_COMPAT_ABI_NAME;
    const char *name = tr_abi_name(abi, c->nr);
    char target[96];
    snprintf(target, sizeof target, "%s syscall %ld (%s)", abiname, c->nr & ~(long)TR_X32_BIT,
             name ? name : "?");
    if (def_on(st, TR_DEF_COMPAT_ABI))
        return deny(st, t, c, ENOSYS, tech, target, "%s syscall %s", abiname, name ? name : "?");
    if (allowed(st, TR_DEF_COMPAT_ABI) && !(t->flags & TF_COMPAT_SEEN)) {
        /* once per thread: every later call is in the stream as a `syscall` event */
        t->flags |= TF_COMPAT_SEEN;
        char reason[160];
        snprintf(reason, sizeof reason, "%s syscalls allowed (--allow compat_abi): first one %s",
                 abiname, name ? name : "?");
        tr_emit_tamper(st, t, c->arch, c->nr, c->args, 0, tech, target, 1, reason);
    }
    return 0;
}

static int on_io_uring(struct tr_state *st, struct tr_task *t, const struct call *c, long native,
                       const uint64_t *a)
{
    char target[64];
    if (native == __NR_io_uring_setup)
        snprintf(target, sizeof target, "new io_uring instance (%u entries)", (unsigned)a[0]);
    else
        snprintf(target, sizeof target, "io_uring fd %d", (int)a[0]);
    if (def_on(st, TR_DEF_IO_URING))
        return deny(st, t, c, ENOSYS, "io_uring", target,
                    "%s: io_uring would do file and network I/O the tracer cannot see", c->name);
    if (allowed(st, TR_DEF_IO_URING) && native == __NR_io_uring_setup)
        tr_emit_tamper(st, t, c->arch, c->nr, c->args, 0, "io_uring", target, 1,
                       "io_uring_setup allowed (--allow io_uring): its I/O is not traced");
    return 0;
}

static int on_clone(struct tr_state *st, struct tr_task *t, const struct call *c, enum tr_abi abi,
                    long native, const uint64_t *a)
{
    if (native == __NR_clone) {
        if (!(a[0] & CLONE_UNTRACED) || !def_on(st, TR_DEF_CLONE3))
            return 0;
        if (abi != TR_ABI_NATIVE) /* (an allowed compat ABI: its registers are not rewritten) */
            return deny(st, t, c, EPERM, "clone_untraced", "new task", "clone with CLONE_UNTRACED");
        tr_arch_set_arg0(t->tid, a[0] & ~(uint64_t)CLONE_UNTRACED);
        tr_emit_tamper(st, t, c->arch, c->nr, c->args, 0, "clone_untraced", "new task", 0,
                       "clone with CLONE_UNTRACED: flag cleared, the new task is traced");
        return 0;
    }
    /* clone3: its flags are in memory, out of reach of an exact check. The filter fails it
     * with ENOSYS (every libc then uses clone); here only without a filter (attached,
     * fail-open). */
    if (def_on(st, TR_DEF_CLONE3)) {
        skip_syscall(t, -ENOSYS);
        return 1;
    }
    uint64_t flags;
    if (!allowed(st, TR_DEF_CLONE3) || !a[0] ||
        tr_mem_read(t->tid, a[0], &flags, sizeof flags) != 0 || !(flags & CLONE_UNTRACED))
        return 0;
    flags &= ~(uint64_t)CLONE_UNTRACED;
    struct iovec local = {&flags, sizeof flags};
    struct iovec remote = {(void *)(uintptr_t)a[0], sizeof flags};
    process_vm_writev(t->tid, &local, 1, &remote, 1, 0);
    tr_emit_tamper(st, t, c->arch, c->nr, c->args, 0, "clone_untraced", "new task", 1,
                   "clone3 with CLONE_UNTRACED (--allow clone3): flag cleared in memory, where "
                   "another thread could set it again");
    return 0;
}

static int monitors(struct tr_state *st, struct tr_task *t, const struct call *c, long n,
                    const uint64_t *a)
{
    switch (n) {
    case __NR_kill:
        return on_kill(st, t, c, (int)a[0], (int)a[1]);
    case __NR_tkill:
        return (int)a[1] ? on_pid(st, t, c, (pid_t)a[0], 0, "signal_monitor") : 0;
    case __NR_tgkill:
        return (int)a[2] ? on_pid(st, t, c, (pid_t)a[1], 0, "signal_monitor") : 0;
    case __NR_rt_sigqueueinfo:
        return (int)a[1] ? on_pid(st, t, c, (pid_t)a[0], 0, "signal_monitor") : 0;
    case __NR_rt_tgsigqueueinfo:
        return (int)a[2] ? on_pid(st, t, c, (pid_t)a[1], 0, "signal_monitor") : 0;
    case __NR_pidfd_send_signal:
        if (!(int)a[1])
            return 0;
        return on_pidfd(st, t, c, (int)a[0], (a[3] & PIDFD_SIGNAL_PROCESS_GROUP) != 0,
                        "signal_monitor");
    case __NR_pidfd_open:
        return on_pid(st, t, c, (pid_t)a[0], 0, "pidfd_monitor");
    case __NR_pidfd_getfd:
        return on_pidfd(st, t, c, (int)a[0], 0, "pidfd_monitor");
    case __NR_process_madvise:
    case __NR_process_mrelease:
        return on_pidfd(st, t, c, (int)a[0], 0, "prio_monitor");
    case __NR_ptrace:
        if ((long)a[0] == PTRACE_TRACEME)
            return 0;
        return on_pid(st, t, c, (pid_t)a[1], 0, "ptrace_monitor");
    case __NR_process_vm_readv:
    case __NR_process_vm_writev:
        return on_pid(st, t, c, (pid_t)a[0], 0, "procmem_monitor");
    case __NR_setpriority:
    case __NR_ioprio_set: {
        int which = (int)a[0], who = (int)a[1];
        int user = n == __NR_setpriority ? PRIO_USER : IOPRIO_WHO_USER;
        int pgrp = n == __NR_setpriority ? PRIO_PGRP : IOPRIO_WHO_PGRP;
        int proc = n == __NR_setpriority ? PRIO_PROCESS : IOPRIO_WHO_PROCESS;
        if (which == user)
            return on_user(st, t, c, (uint32_t)who);
        if (which == pgrp)
            return who                     ? on_pgrp(st, t, c, who, 0, "prio_monitor")
                   : in_other_pidns(st, t) ? 0
                                           : on_pgrp(st, t, c, t->pgid, 1, "prio_monitor");
        if (which == proc && who)
            return on_pid(st, t, c, who, 0, "prio_monitor");
        return 0;
    }
    case __NR_sched_setparam:
    case __NR_sched_setscheduler:
    case __NR_sched_setaffinity:
    case __NR_sched_setattr:
    case __NR_migrate_pages:
    case __NR_move_pages:
        return (int)a[0] ? on_pid(st, t, c, (pid_t)a[0], 0, "prio_monitor") : 0;
    case __NR_prlimit64:
        return (int)a[0] && a[2] ? on_pid(st, t, c, (pid_t)a[0], 0, "prio_monitor") : 0;
    case __NR_fcntl:
        return on_fcntl(st, t, c, a);
    case __NR_ioctl:
        return ((uint32_t)a[1] == FIOSETOWN || (uint32_t)a[1] == SIOCSPGRP)
                   ? on_ioctl_owner(st, t, c, a)
                   : 0;
    case __NR_setpgid:
        return on_setpgid(st, t, c, a);
    default:
        return 0;
    }
}

int tr_policy_entry(struct tr_state *st, struct tr_task *t, uint32_t arch, long nr,
                    const uint64_t args[6])
{
    enum tr_abi abi = tr_abi_of(arch, nr);
    uint64_t a[6];
    long n = tr_abi_native(abi, nr, args, a);
    struct call c = {arch, nr, args, n >= 0 ? tr_sys_name(n) : "?"};
    if (!c.name)
        c.name = "?";
    if (abi != TR_ABI_NATIVE && on_compat(st, t, &c, abi))
        return 1;
    switch (n) {
    case __NR_io_uring_setup:
    case __NR_io_uring_enter:
    case __NR_io_uring_register:
        return on_io_uring(st, t, &c, n, a);
    case __NR_seccomp:
        if (a[0] == SECCOMP_SET_MODE_FILTER && (a[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER) &&
            def_on(st, TR_DEF_SECCOMP_LISTENER))
            return deny(st, t, &c, EPERM, "seccomp_listener", "seccomp user-notification listener",
                        "a seccomp filter with a listener could let traced syscalls run without "
                        "a stop");
        return 0;
    case __NR_clone:
    case __NR_clone3:
        return on_clone(st, t, &c, abi, n, a);
    case __NR_shmget:
    case __NR_shmat:
    case __NR_shmctl:
        if (st->protect_ring && def_on(st, TR_DEF_RING) &&
            (int32_t)a[0] == (n == __NR_shmget ? st->ring_key : st->ring_shmid)) {
            char target[64];
            snprintf(target, sizeof target, "event ring (key 0x%x, shmid %d)",
                     (unsigned)st->ring_key, (int)st->ring_shmid);
            return deny(st, t, &c, EACCES, "ring_attach", target, "%s on the tracer's event ring",
                        c.name);
        }
        return 0;
    default:
        break;
    }
    if (def_on(st, TR_DEF_MONITORS))
        return monitors(st, t, &c, n, a);
    return 0;
}

void tr_policy_exit(struct tr_state *st, struct tr_task *t, long nr, const uint64_t args[6],
                    int64_t ret)
{
    if (ret < 0)
        return;
    size_t bkt = 0;
    struct tr_task *cur = NULL, *k;
    switch (nr) {
    case __NR_setsid:
    case __NR_setpgid: {
        if (in_other_pidns(st, t))
            return; /* (its checks never use the group) */
        pid_t target = t->tgid, pgid = t->tgid;
        if (nr == __NR_setpgid) {
            target = (int)args[0] ? (pid_t)(int)args[0] : t->tgid;
            pgid = (int)args[1] ? (pid_t)(int)args[1] : target;
        }
        while ((k = tr_task_iter(&st->tasks, &bkt, &cur)))
            if (k->tgid == target)
                k->pgid = pgid;
        return;
    }
    case __NR_setuid:
    case __NR_setgid:
    case __NR_setreuid:
    case __NR_setregid:
    case __NR_setresuid:
    case __NR_setresgid:
        tr_privs_setid_exit(st, t);
        return;
    case __NR_chroot:
    case __NR_pivot_root:
    case __NR_setns:
    case __NR_unshare:
        /* the root (or the mount tree under it) may now differ from the tracer's */
        while ((k = tr_task_iter(&st->tasks, &bkt, &cur)))
            if (k->tgid == t->tgid)
                k->flags |= TF_ROOT_CHANGED;
        return;
    default:
        return;
    }
}

/* ---- opens of /proc/PID files ---- */

/* "/proc/<pid>/[task/<tid>/]<file>": the pid and the file; 0 if path is not one. */
static pid_t proc_file(const char *path, const char **file)
{
    if (strncmp(path, "/proc/", 6) != 0 || !isdigit((unsigned char)path[6]))
        return 0;
    char *end;
    long pid = strtol(path + 6, &end, 10);
    if (*end != '/')
        return 0;
    const char *f = end + 1;
    if (strncmp(f, "task/", 5) == 0) {
        strtol(f + 5, &end, 10);
        if (*end != '/')
            return 0;
        f = end + 1;
    }
    *file = f;
    return pid > 0 ? (pid_t)pid : 0;
}

static int tunes_scheduling(const char *file)
{
    static const char *const names[] = {"oom_score_adj", "oom_adj", "autogroup",
                                        "timerslack_ns", "sched",   NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(file, names[i]) == 0)
            return 1;
    return 0;
}

static int start_close(struct tr_task *t, int fd, int64_t ret);

int tr_policy_open_exit(struct tr_state *st, struct tr_task *t, const char *path, uint64_t flags,
                        int64_t fd)
{
    const char *file;
    pid_t pid = path && def_on(st, TR_DEF_MONITORS) ? proc_file(path, &file) : 0;
    if (!pid)
        return 0;
    int write = (flags & O_ACCMODE) != O_RDONLY;
    const char *tech = strcmp(file, "mem") == 0 ? "procmem_monitor"
                       : !write                 ? NULL
                       : tunes_scheduling(file) ? "prio_monitor"
                                                : "procfs_monitor";
    if (!tech || classify_pid(st, t, pid, 0) != TK_MONITOR)
        return 0;
    char target[160], who[96];
    describe_pid(pid, who, sizeof who);
    snprintf(target, sizeof target, "%s (%s)", path, who);
    char reason[300];
    uint32_t arch = TR_AUDIT_ARCH;
    if (fd < 0) {
        snprintf(reason, sizeof reason, "open of %s for %s: refused by the kernel (%s)", path,
                 write ? "writing" : "reading", strerrorname_np((int)-fd));
        tr_emit_tamper(st, t, arch, t->nr, t->args, fd, tech, target, 0, reason);
        return 0;
    }
    int closing = start_close(t, (int)fd, -EACCES);
    snprintf(reason, sizeof reason, "open of %s for %s: %s", path, write ? "writing" : "reading",
             closing ? "closed again, the open fails with EACCES"
                     : "opened (the tracer could not close it)");
    tr_emit_tamper(st, t, arch, t->nr, t->args, closing ? -EACCES : fd, tech, target, !closing,
                   reason);
    return closing;
}

/* ---- syscalls the tracer puts in ---- */

/* At t's syscall-exit stop: run close(fd) in t, then let the interrupted syscall return ret. */
static int start_close(struct tr_task *t, int fd, int64_t ret)
{
    const uint64_t args[6] = {(uint64_t)fd};
    return tr_inject(t, __NR_close, args, ret) == 0;
}
