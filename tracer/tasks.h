/* tracer: the table of traced threads (by tid) and their per-syscall pending state. */
#ifndef TRACER_TASKS_H
#define TRACER_TASKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tt_event.h"

enum tr_task_flags {
    TF_HELD = 1u << 0,         /* stopped before its parent's clone event: not resumed yet */
    TF_EXPECT_START = 1u << 1, /* created from the parent's event; initial stop still to come */
    TF_ATTACHING = 1u << 2,    /* seized by -p; its interrupt stop is still to come */
    TF_DETACHING = 1u << 3,    /* detach at the next stop */
    TF_SKIP_EXIT = 1u << 4,    /* ignore the next syscall-exit stop (exec done) */
    TF_UNREADABLE = 1u << 5,   /* its memory is closed to the tracer (reported: privs.c) */
    TF_PIDNS_KNOWN = 1u << 6,  /* TF_OTHER_PIDNS is set right */
    TF_OTHER_PIDNS = 1u << 7,  /* in a pid namespace below the tracer's (pids differ) */
    TF_ROOT_CHANGED = 1u << 8, /* chroot, pivot_root or setns: root may not be the tracer's */
    TF_INJECT = 1u << 9,       /* running a syscall the tracer put in (policy.c, privs.c) */
    TF_FD_INFLIGHT = 1u << 10, /* counted by tr_task_mark_fd_inflight */
    TF_COMPAT_SEEN = 1u << 11, /* --allow compat_abi: its first compat syscall was reported */
    TF_IDS_KNOWN = 1u << 12,   /* read_uid/read_gid are its ids (privs.c) */
    TF_INJ_ENTERED = 1u << 13, /* TF_INJECT: the call put in has been entered */
    TF_NOTIF = 1u << 14,       /* waits in a seccomp user notification (not a ptrace stop) */
    TF_NOTIF_REPLY = 1u << 15, /* ... answered with notif_ret instead of running */
    TF_EVENT_READY = 1u << 16, /* buf holds a finished record, written once the call is let go */
};

struct tr_task {
    pid_t tid, tgid;
    uint32_t flags;
    long nr; /* syscall with an event pending, -1 if none */
    uint64_t args[6];
    uint64_t held_since_ns;
    uint8_t *buf; /* pending event record (tt_evb) */
    size_t bufcap;
    struct tt_evb evb;
    pid_t pgid;           /* process group (tracked from setpgid/setsid; monitor checks) */
    int sockfd;           /* connect/send: the tracer's copy of the socket taken at entry, or -1 */
    uint64_t sockino;     /* connect without such a copy: the socket's inode taken at entry */
    void *inject;         /* TF_INJECT: the registers to restore (struct user_regs_struct) */
    int64_t inject_ret;   /* ... and the result the interrupted syscall returns */
    long inject_nr;       /* ... the syscall put in */
    uint64_t inject_mask; /* ... and the signal mask to restore */
    int64_t read_uid;     /* TF_IDS_KNOWN: the fs ids the tracer reads it with (-1: none can, */
    int64_t read_gid;     /* its real, effective and saved ids differ); see privs.h */
    int64_t notif_ret;    /* TF_NOTIF_REPLY: what the call returns (-errno: fails) */
    struct tr_task *next; /* hash chain */
};

struct tr_tasks {
    struct tr_task **bucket;
    size_t nbucket; /* power of two */
    size_t count;
    size_t held; /* tasks with TF_HELD */
};

int tr_tasks_init(struct tr_tasks *t);
void tr_tasks_free(struct tr_tasks *t); /* every task and the table */
struct tr_task *tr_task_find(struct tr_tasks *t, pid_t tid);
/* Creates (or returns the existing) entry. NULL on allocation failure. */
struct tr_task *tr_task_add(struct tr_tasks *t, pid_t tid, pid_t tgid);
void tr_task_del(struct tr_tasks *t, pid_t tid);
/* Changes a task's key (exec from a non-leader thread takes the leader's tid). */
void tr_task_rekey(struct tr_tasks *t, struct tr_task *task, pid_t newtid);
/* Iterates: call with *it = 0 first; returns NULL at the end. Deleting the returned task during
 * iteration is allowed. */
struct tr_task *tr_task_iter(struct tr_tasks *t, size_t *bucket, struct tr_task **cursor);

/* Pending event buffers: big enough for one record (small: paths; big: execve argv). */
uint8_t *tr_buf_get(size_t need, size_t *cap);
void tr_buf_put(uint8_t *buf, size_t cap);
/* Drops the pending event, the kept socket copy and the in-flight mark. */
void tr_task_drop_pending(struct tr_task *task);
/* The pending syscall's result is read back from an fd at its exit stop (open*: the new fd;
 * connect, send*: the socket): counted until the exit, so that a close/dup2 of another thread
 * waits for those exit stops (tr_fd_inflight). */
void tr_task_mark_fd_inflight(struct tr_task *task);
unsigned tr_fd_inflight(void);

#endif
