/* tracer: syscall decoding (see decode.h). The table in syscalls.c says, per syscall, which
 * argument becomes which parameter; the few syscalls that need more (execve argv, openat2's
 * open_how, msghdr addresses, capset data, local socket addresses) are handled here. */
#include "decode.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mem.h"
#include "procfs.h"
#include "syscalls.h"
#include "tt_log.h"

#define PATH_CAP 4096
#define ARGV_CAP (128u * 1024u)
#define ARGV_MAX_ITEMS 4096

/* Kernel-internal "restart" codes seen at the exit stop of an interrupted syscall; the restarted
 * syscall produces its own event. */
static int is_restart(int64_t ret)
{
    return ret == -512 || ret == -513 || ret == -514 || ret == -516;
}

void tr_emit(struct tr_state *st, const void *rec)
{
    tr_sink_emit(&st->sink, rec);
    st->events++;
}

static void add_path(struct tt_evb *b, pid_t tid, unsigned id, uint64_t addr)
{
    char buf[PATH_CAP];
    ssize_t n = tr_mem_string(tid, addr, buf, sizeof buf);
    if (n >= 0)
        tt_evb_bytes(b, id, TT_PK_STR, buf, (size_t)n);
}

static void add_sockaddr(struct tt_evb *b, pid_t tid, unsigned id, uint64_t addr, uint64_t len)
{
    struct sockaddr_storage ss;
    if (!addr || len == 0)
        return;
    if (len > sizeof ss)
        len = sizeof ss;
    if (tr_mem_read(tid, addr, &ss, (size_t)len) == 0)
        tt_evb_bytes(b, id, TT_PK_SOCKADDR, &ss, (size_t)len);
}

/* The first TR_SNAPLEN bytes of a buffer the tracee passes (read at entry: what it sends). */
static void add_data(struct tt_evb *b, pid_t tid, unsigned id, uint64_t addr, uint64_t len)
{
    uint8_t buf[TR_SNAPLEN];
    if (!addr)
        return;
    if (len > sizeof buf)
        len = sizeof buf;
    if (tr_mem_read(tid, addr, buf, (size_t)len) == 0)
        tt_evb_bytes(b, id, TT_PK_BYTES, buf, (size_t)len);
}

/* --open-ino: device (the kernel's encoding, major << 20 | minor, as Falco reports it) and
 * inode of the file behind the tracee's new fd: one stat through /proc/PID/fd (a few µs, so
 * only on request). */
static void add_dev_ino(struct tt_evb *b, pid_t tgid, int64_t fd)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/fd/%lld", (int)tgid, (long long)fd);
    if (stat(path, &st) != 0)
        return;
    tt_evb_u64(b, TT_P_DEV, (uint64_t)major(st.st_dev) << 20 | minor(st.st_dev));
    tt_evb_u64(b, TT_P_INO, st.st_ino);
}

/* A copy of the tracee's fd, through a pidfd of its process. The pidfd of the last process
 * asked about is kept (connects come in runs from one process): a pidfd names one process for
 * good, so once that process is gone (its pid maybe reused) it fails with ESRCH and is
 * replaced. */
static int copy_tracee_fd(pid_t tgid, int fd)
{
    static int pidfd = -1;
    static pid_t pidfd_pid;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (pidfd < 0 || pidfd_pid != tgid) {
            if (pidfd >= 0)
                close(pidfd);
            pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
            pidfd_pid = tgid;
            if (pidfd < 0)
                return -1;
        }
        int cfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
        if (cfd >= 0 || errno != ESRCH)
            return cfd;
        close(pidfd);
        pidfd = -1;
    }
    return -1;
}

/* Local address of the tracee's socket fd: getsockname on a copy of the fd (no code injected
 * into the tracee). With kind set, also the socket's domain, type and, for datagram sockets,
 * protocol (connect: the socket event carries no fd number, see CL_ENTRY_ONLY, so the engine
 * learns the socket from its connect). */
static void add_sock_info(struct tt_evb *b, pid_t tgid, long fd, int local, int kind)
{
    if (fd < 0 || fd > INT32_MAX)
        return;
    int cfd = copy_tracee_fd(tgid, (int)fd);
    if (cfd < 0) {
        /* pidfd_getfd refused by a seccomp profile (Docker's and containerd's default ones
         * allow it only with CAP_SYS_PTRACE): the same from /proc */
        struct tr_sockinfo si;
        if (errno != EPERM)
            return;
        static int said;
        if (!said++)
            tt_info("pidfd_getfd is refused here (a seccomp profile without CAP_SYS_PTRACE, or "
                    "a tracee the kernel closed): sockets are described from /proc/PID/net");
        if (tr_proc_sock(tgid, fd, &si) != 0)
            return;
        if (local && si.llen)
            tt_evb_bytes(b, TT_P_LOCAL_ADDR, TT_PK_SOCKADDR, &si.local, si.llen);
        if (kind) {
            tt_evb_i64(b, TT_P_DOMAIN, si.domain);
            tt_evb_i64(b, TT_P_TYPE, si.type);
            if (si.type != SOCK_STREAM)
                tt_evb_i64(b, TT_P_PROTO, si.proto);
        }
        return;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int named = getsockname(cfd, (struct sockaddr *)&ss, &sl) == 0 && sl > 0;
    if (local && named)
        tt_evb_bytes(b, TT_P_LOCAL_ADDR, TT_PK_SOCKADDR, &ss, sl > sizeof ss ? sizeof ss : sl);
    int type, proto;
    socklen_t vl = sizeof type;
    if (kind && named && getsockopt(cfd, SOL_SOCKET, SO_TYPE, &type, &vl) == 0) {
        tt_evb_i64(b, TT_P_DOMAIN, ss.ss_family);
        tt_evb_i64(b, TT_P_TYPE, type);
        vl = sizeof proto; /* (stream sockets are TCP whatever the protocol number says) */
        if (type != SOCK_STREAM && getsockopt(cfd, SOL_SOCKET, SO_PROTOCOL, &proto, &vl) == 0)
            tt_evb_i64(b, TT_P_PROTO, proto);
    }
    close(cfd);
}

static int64_t as_int(uint64_t v)
{
    return (int64_t)(int32_t)(uint32_t)v;
}

static void add_argv(struct tt_evb *b, pid_t tid, uint64_t argv)
{
    static char first[PATH_CAP];
    static char rest[ARGV_CAP];
    ssize_t n = tr_mem_strlist(tid, argv, first, sizeof first, rest, sizeof rest, ARGV_MAX_ITEMS);
    if (n < 0) {
        tt_evb_str(b, TT_P_EXE, "");
        tt_evb_bytes(b, TT_P_ARGS, TT_PK_STRLIST, "", 0);
        return;
    }
    tt_evb_str(b, TT_P_EXE, first);
    tt_evb_bytes(b, TT_P_ARGS, TT_PK_STRLIST, rest, (size_t)n);
}

static void entry_special(struct tt_evb *b, struct tr_task *t, int sp, const uint64_t *a)
{
    pid_t tid = t->tid;
    switch (sp) {
    case SP_EXECVE:
        add_argv(b, tid, a[1]);
        break;
    case SP_EXECVEAT:
        add_argv(b, tid, a[2]);
        break;
    case SP_OPENAT2: {
        uint64_t how[3] = {0, 0, 0};
        size_t sz = a[3] < sizeof how ? (size_t)a[3] : sizeof how;
        if (sz && tr_mem_read(tid, a[2], how, sz) == 0) {
            tt_evb_u64(b, TT_P_FLAGS, how[0]);
            tt_evb_u64(b, TT_P_MODE, how[1]);
            tt_evb_u64(b, TT_P_RESOLVE, how[2]);
        }
        break;
    }
    case SP_CREAT:
        tt_evb_u64(b, TT_P_FLAGS, O_CREAT | O_WRONLY | O_TRUNC);
        break;
    case SP_SENDMSG: {
        struct msghdr mh;
        if (tr_mem_read(tid, a[1], &mh, sizeof mh) == 0 && mh.msg_name)
            add_sockaddr(b, tid, TT_P_ADDR, (uint64_t)(uintptr_t)mh.msg_name, mh.msg_namelen);
        break;
    }
    case SP_CAPSET: {
        uint32_t data[6]; /* two {effective, permitted, inheritable} */
        if (tr_mem_read(tid, a[1], data, sizeof data) == 0) {
            tt_evb_u64(b, TT_P_CAP_INH, data[2] | (uint64_t)data[5] << 32);
            tt_evb_u64(b, TT_P_CAP_PRM, data[1] | (uint64_t)data[4] << 32);
            tt_evb_u64(b, TT_P_CAP_EFF, data[0] | (uint64_t)data[3] << 32);
        }
        break;
    }
    case SP_PRCTL:
        if ((int)a[0] == PR_SET_NAME) {
            char name[17];
            if (tr_mem_string(tid, a[1], name, sizeof name) >= 0)
                tt_evb_str(b, TT_P_NAME, name);
        }
        break;
    default:
        break;
    }
}

/* A clone the set names: a successful one is reported from its ptrace event, which drops this
 * pending record (so no exit stop follows); the record is completed at the exit stop only when
 * the call fails (no child, no ptrace event). */
static int clone_entry(struct tr_task *t, long nr, const uint64_t *args)
{
    unsigned type = TT_EV_CLONE;
    uint64_t flags = 0;
    switch (nr) {
    case __NR_clone:
        flags = args[0];
        break;
    case __NR_clone3:
        type = TT_EV_CLONE3;
        if (!args[0] || tr_mem_read(t->tid, args[0], &flags, sizeof flags) != 0)
            flags = 0;
        break;
    case TR_NR_VFORK:
        type = TT_EV_VFORK;
        flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
        break;
    default:
        type = TT_EV_FORK;
        flags = SIGCHLD;
        break;
    }
    t->buf = tr_buf_get(512, &t->bufcap);
    if (!t->buf)
        return 0;
    t->nr = nr;
    memcpy(t->args, args, sizeof t->args);
    tt_evb_begin(&t->evb, t->buf, t->bufcap, type, tr_now_ns(), t->tid, t->tgid);
    tt_evb_u64(&t->evb, TT_P_CLONE_FLAGS, flags);
    tt_evb_u64(&t->evb, TT_P_IS_THREAD, (flags & CLONE_THREAD) != 0);
    return 1;
}

int tr_decode_entry(struct tr_state *st, struct tr_task *t, long nr, const uint64_t args[6],
                    uint32_t arch, int compat)
{
    if (t->buf)
        tr_task_drop_pending(t); /* an entry without exit (restart, lost stop) */
    const struct tr_sysdesc *d = compat ? NULL : tr_sys_desc(nr);
    if (!compat) {
        if (!st->o->trace_all && !tr_sysset_has(&st->set, nr))
            return 0;
        /* Reported by procexit. */
        if (nr == __NR_exit || nr == __NR_exit_group)
            return 0;
        if (tr_is_clone_nr(nr))
            return clone_entry(t, nr, args);
    }
    int big = d && (d->special == SP_EXECVE || d->special == SP_EXECVEAT);
    size_t need = big ? TT_EVENT_MAX_LEN : 16384;
    t->buf = tr_buf_get(need, &t->bufcap);
    if (!t->buf)
        return 0;
    t->nr = nr;
    memcpy(t->args, args, sizeof t->args);
    struct tt_evb *b = &t->evb;
    tt_evb_begin(b, t->buf, t->bufcap, d ? d->ev : TT_EV_SYSCALL, tr_now_ns(), t->tid, t->tgid);
    if (!d) {
        tt_evb_i64(b, TT_P_NR, nr);
        tt_evb_u64(b, TT_P_ARCH, arch);
        tt_evb_bytes(b, TT_P_RAWARGS, TT_PK_BYTES, args, 6 * sizeof(uint64_t));
        return 1;
    }
    for (int i = 0; i < 6 && d->a[i].kind; i++) {
        const struct tr_argspec *s = &d->a[i];
        uint64_t v = args[s->idx];
        switch (s->kind) {
        case AK_INT:
            tt_evb_i64(b, s->param, as_int(v));
            break;
        case AK_U64:
            tt_evb_u64(b, s->param, v);
            break;
        case AK_U32:
            tt_evb_u64(b, s->param, (uint32_t)v);
            break;
        case AK_PATH:
            add_path(b, t->tid, s->param, v);
            break;
        case AK_SOCKADDR:
            add_sockaddr(b, t->tid, s->param, v, s->idx < 5 ? args[s->idx + 1] : 0);
            break;
        case AK_DATA:
            add_data(b, t->tid, s->param, v, s->idx < 5 ? args[s->idx + 1] : 0);
            break;
        default:
            break; /* outputs: at exit */
        }
    }
    entry_special(b, t, d->special, args);
    if ((d->cls & CL_ENTRY_ONLY) && st->mode == TR_MODE_SECCOMP) {
        /* No exit stop (see CL_ENTRY_ONLY): one stop fewer for every close and socket. */
        if (tt_evb_finish(b, TT_RET_NONE))
            tr_emit(st, t->buf);
        tr_task_drop_pending(t);
        return 0;
    }
    return 1;
}

static void exit_outputs(struct tr_state *st, struct tr_task *t, const struct tr_sysdesc *d,
                         int64_t ret)
{
    struct tt_evb *b = &t->evb;
    const uint64_t *a = t->args;
    for (int i = 0; i < 6 && d->a[i].kind; i++) {
        const struct tr_argspec *s = &d->a[i];
        if (s->kind == AK_FDS_OUT && ret == 0) {
            int fds[2];
            if (tr_mem_read(t->tid, a[s->idx], fds, sizeof fds) == 0) {
                tt_evb_i64(b, TT_P_FD1, fds[0]);
                tt_evb_i64(b, TT_P_FD2, fds[1]);
            }
        } else if (s->kind == AK_DATA_OUT && ret > 0) {
            add_data(b, t->tid, s->param, a[s->idx], (uint64_t)ret); /* what was received */
        } else if (s->kind == AK_SOCKADDR_OUT && ret >= 0 && a[s->idx] && s->idx < 5) {
            uint32_t len = 0;
            if (tr_mem_read(t->tid, a[s->idx + 1], &len, sizeof len) == 0)
                add_sockaddr(b, t->tid, s->param, a[s->idx], len);
        }
    }
    if (st->o->open_ino && ret >= 0 &&
        (d->ev == TT_EV_OPEN || d->ev == TT_EV_OPENAT || d->ev == TT_EV_OPENAT2 ||
         d->ev == TT_EV_CREAT || d->ev == TT_EV_OPEN_BY_HANDLE_AT))
        add_dev_ino(b, t->tgid, ret);
    /* A bind, or a datagram sent to an address, may be the first the engine hears of its
     * socket (socket is reported without its fd). */
    if ((d->ev == TT_EV_SENDTO || d->ev == TT_EV_SENDMSG || d->ev == TT_EV_BIND) && ret >= 0)
        add_sock_info(b, t->tgid, as_int(a[0]), 0, 1);
    switch (d->special) {
    case SP_CONNECT:
        add_sock_info(b, t->tgid, as_int(a[0]), ret == 0 || ret == -EINPROGRESS, 1);
        break;
    case SP_ACCEPT:
        if (ret >= 0)
            add_sock_info(b, t->tgid, ret, 1, 1);
        break;
    case SP_RECVMSG: {
        struct msghdr mh;
        if (ret >= 0 && tr_mem_read(t->tid, a[1], &mh, sizeof mh) == 0 && mh.msg_name)
            add_sockaddr(b, t->tid, TT_P_ADDR, (uint64_t)(uintptr_t)mh.msg_name, mh.msg_namelen);
        break;
    }
    case SP_GETSOCKOPT:
        if (ret == 0 && as_int(a[1]) == SOL_SOCKET && as_int(a[2]) == SO_ERROR) {
            int v;
            if (tr_mem_read(t->tid, a[3], &v, sizeof v) == 0)
                tt_evb_i64(b, TT_P_VAL, v);
        }
        break;
    case SP_OPEN_BY_HANDLE:
        if (ret >= 0) {
            char p[64], target[PATH_CAP];
            snprintf(p, sizeof p, "/proc/%d/fd/%lld", (int)t->tid, (long long)ret);
            ssize_t n = readlink(p, target, sizeof target - 1);
            if (n >= 0)
                tt_evb_bytes(b, TT_P_NAME, TT_PK_STR, target, (size_t)n);
        }
        break;
    default:
        break;
    }
    (void)st;
}

void tr_decode_exit(struct tr_state *st, struct tr_task *t, int64_t ret)
{
    if (!t->buf)
        return;
    if (is_restart(ret) || (tr_is_clone_nr(t->nr) && ret >= 0)) {
        /* (a clone that succeeded was reported from its ptrace event) */
        tr_task_drop_pending(t);
        return;
    }
    struct tt_event hdr;
    memcpy(&hdr, t->buf, sizeof hdr);
    const struct tr_sysdesc *d = hdr.type != TT_EV_SYSCALL ? tr_sys_desc(t->nr) : NULL;
    if (d)
        exit_outputs(st, t, d, ret);
    if (tt_evb_finish(&t->evb, ret))
        tr_emit(st, t->buf);
    tr_task_drop_pending(t);
}

struct tt_evb *tr_decode_exec_begin(struct tr_state *st, struct tr_task *t, struct tr_exec_desc *x)
{
    static uint8_t fresh[TT_EVENT_MAX_LEN];
    struct tt_evb *b;
    if (t->buf && (t->nr == __NR_execve || t->nr == __NR_execveat)) {
        b = &t->evb;
        /* The record was started under the thread that called exec; it is the leader now. */
        struct tt_event *ev = (struct tt_event *)(void *)t->buf;
        ev->tid = t->tid;
        ev->pid = t->tgid;
    } else {
        /* Exec entry not seen (attached mid-exec): describe from /proc. */
        tr_task_drop_pending(t);
        b = &x->fresh;
        tt_evb_begin(b, fresh, sizeof fresh, TT_EV_EXECVE, tr_now_ns(), t->tid, t->tgid);
        tr_proc_add_cmdline(b, t->tgid);
    }
    tr_proc_add_exe(b, t->tgid, &x->exe);
    if (st->o->with_env || st->set.with_env)
        tr_proc_add_env(b, t->tgid);
    /* (the builder lives in t->buf or in fresh: the task must not resume with t->buf set, or
     * it would stop again at the exec's syscall exit) */
    x->pending = t->buf;
    t->buf = NULL;
    return b;
}

void tr_decode_exec_finish(struct tr_state *st, struct tr_task *t, struct tt_evb *b,
                           struct tr_exec_desc *x)
{
    long ptid = t->tgid == st->main_pid ? st->main_ptid : -1;
    tr_proc_add_rest(b, t->tgid, t->tid, ptid, &x->exe);
    if (tt_evb_finish(b, 0))
        tr_emit(st, b->buf);
    t->buf = x->pending;
    tr_task_drop_pending(t);
}

void tr_emit_tamper(struct tr_state *st, struct tr_task *t, long nr, const uint64_t args[6])
{
    uint8_t buf[1024];
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_TAMPER, tr_now_ns(), t->tid, t->tgid);
    tt_evb_i64(&b, TT_P_NR, nr);
    tt_evb_u64(&b, TT_P_ARCH, TR_AUDIT_ARCH);
    tt_evb_bytes(&b, TT_P_RAWARGS, TT_PK_BYTES, args, 6 * sizeof(uint64_t));
    char why[160];
    const char *name = tr_sys_name(nr);
    int shm = nr == __NR_shmget || nr == __NR_shmat || nr == __NR_shmctl;
    snprintf(why, sizeof why, "%s %s denied (EACCES)", name ? name : "?",
             shm ? "on the tracer's event ring" : "aimed at the tracer");
    tt_evb_str(&b, TT_P_REASON, why);
    if (tt_evb_finish(&b, -EACCES))
        tr_emit(st, buf);
    static unsigned warned;
    if (warned++ < 10) /* the event carries every attempt; the log only the first ones */
        tt_warn("tid %d: %s", (int)t->tid, why);
}
