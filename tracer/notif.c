/* tracer: seccomp user notifications (see notif.h). */
#include "notif.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include "decode.h"
#include "mem.h"
#include "privs.h"
#include "procfs.h"
#include "tt_log.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

int tr_notif_child_install(const struct sock_filter *prog, size_t len, int sock)
{
    int nnp;
    int fd = tr_filter_install_listener(prog, len, &nnp);
    int err = fd < 0 ? errno : 0;
    struct iovec io = {&err, sizeof err};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
    if (fd >= 0) {
        m.msg_control = u.buf;
        m.msg_controllen = sizeof u.buf;
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &fd, sizeof fd);
    }
    /* The workload must never hold the listener (it could answer its own notifications): the
     * kernel made it close-on-exec, and the exec that follows closes it. (Not close(): that
     * call is a notification already, which the workload's stream would show.) */
    ssize_t n = sendmsg(sock, &m, MSG_NOSIGNAL);
    return n == (ssize_t)sizeof err ? 0 : -1;
}

int tr_notif_receive(int sock)
{
    int err = 0;
    struct iovec io = {&err, sizeof err};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
    struct pollfd p = {sock, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1) {
        tt_warn("no answer from the workload's first process about the listener");
        return -1;
    }
    ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
    struct cmsghdr *h = n == (ssize_t)sizeof err ? CMSG_FIRSTHDR(&m) : NULL;
    if (!h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) {
        if (n == (ssize_t)sizeof err)
            tt_info("no seccomp user notifications here (%s): every stop is a ptrace stop",
                    strerror(err));
        return -1;
    }
    int fd;
    memcpy(&fd, CMSG_DATA(h), sizeof fd);
    return fd;
}

int tr_notif_sync_wakeup(int fd)
{
    unsigned long long flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
    return ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) == 0;
}

/* One notification: the same checks and decoding as a seccomp stop, then the answer; an
 * entry-only event is written once the answer is accepted (a call withdrawn by a signal before
 * it was answered runs again later, or never: it is reported then). */
static void handle(struct tr_state *st, const struct seccomp_notif *req)
{
    pid_t tid = (pid_t)req->pid;
    struct tr_task *t = tr_task_find(&st->tasks, tid);
    struct tr_task tmp;
    if (!t) {
        /* (every task's first stop is a ptrace stop, so this is not expected; checked as a
         * task of its own process) */
        memset(&tmp, 0, sizeof tmp);
        pid_t pp = 0;
        tmp.tid = tmp.tgid = tid;
        tr_proc_ids(tid, &tmp.tgid, &pp);
        tmp.nr = -1;
        tmp.sockfd = -1;
        tmp.pgid = getpgid(tid);
        t = &tmp;
    }
    t->flags |= TF_NOTIF;
    t->notif_ret = 0;
    st->notifs++;
    tr_mem_refused = 0;
    tr_privs_read_as(st, t); /* a tracee that switched user: read it as its ids (privs.c) */
    uint64_t args[6];
    for (int i = 0; i < 6; i++)
        args[i] = req->data.args[i];
    tr_stop_entry(st, t, (long)req->data.nr, args, req->data.arch);
    if (tr_mem_refused == t->tid) {
        struct __ptrace_syscall_info info;
        memset(&info, 0, sizeof info);
        info.op = PTRACE_SYSCALL_INFO_SECCOMP;
        info.arch = req->data.arch;
        info.seccomp.nr = (uint64_t)req->data.nr;
        memcpy(info.seccomp.args, args, sizeof info.seccomp.args);
        tr_unreadable_stop(st, t, &info);
    }
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.id = req->id;
    if (t->flags & TF_NOTIF_REPLY) {
        if (t->notif_ret < 0)
            resp.error = (int32_t)t->notif_ret;
        else
            resp.val = t->notif_ret;
    } else {
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    }
    int answered = ioctl(st->notif_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
    if (!answered && errno != ENOENT)
        tt_debug("notification of tid %d: %s", (int)tid, strerror(errno));
    if (t->flags & TF_EVENT_READY) {
        if (answered)
            tr_emit(st, t->buf);
        tr_task_drop_pending(t);
    }
    t->flags &= ~(TF_NOTIF | TF_NOTIF_REPLY | TF_EVENT_READY);
    if (t == &tmp)
        tr_task_drop_pending(t);
}

int tr_notif_drain(struct tr_state *st)
{
    int n = 0;
    for (int i = 0; i < 64; i++) {
        struct pollfd p = {st->notif_fd, POLLIN, 0};
        if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
            break;
        struct seccomp_notif req;
        memset(&req, 0, sizeof req);
        if (ioctl(st->notif_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
            if (errno == EINTR || errno == ENOENT)
                continue; /* (withdrawn between the poll and the read) */
            tt_debug("seccomp notification: %s", strerror(errno));
            break;
        }
        handle(st, &req);
        n++;
    }
    return n;
}
