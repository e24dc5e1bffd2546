/* tracer: seccomp-bpf program builder (see filter.h).
 *
 * Shape: check the architecture (anything but x86_64 -> TRACE|COMPAT), x32 numbers -> TRACE|COMPAT,
 * then a balanced binary search over ranges of syscall numbers with the same action, so every
 * syscall costs about 2*log2(ranges) instructions instead of a linear scan. A few syscalls get a
 * small block that looks at an argument (fcntl dup and owner commands, getsockopt SO_ERROR,
 * sendto/recvfrom with an address, shm* on the ring, signals with a signal, priority and limit
 * changes aimed at another process, seccomp filters with a listener).
 *
 * Besides what the rules need, the filter always sends the tracer every call that could act
 * outside its view or against the monitors (docs/security.md): the tracer decides those in C
 * (policy.c), never from the tag, which a workload's own filter can forge. clone3 fails here
 * with ENOSYS (its flags are in memory, beyond an exact check; libc falls back to clone). */
#include "filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "syscalls.h"

#define RET_ALLOW SECCOMP_RET_ALLOW
#define RET_TRACE(tag) (SECCOMP_RET_TRACE | (tag))
#define RET_NOTIF SECCOMP_RET_USER_NOTIF
#define RET_ENOSYS (SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))
#define X32_BIT 0x40000000u
#define PRIO_USER_ 2       /* setpriority */
#define IOPRIO_WHO_USER_ 3 /* ioprio_set */

enum action {
    ACT_ALLOW = 0,
    ACT_TRACE,
    ACT_ENOSYS,    /* fails with ENOSYS, no stop */
    ACT_FCNTL,     /* fd-table commands (state) and owner commands (monitors) */
    ACT_FCNTL_OWN, /* owner commands only */
    ACT_GETSOCKOPT,
    ACT_ADDR4, /* trace when args[4] (a sockaddr pointer) is not NULL */
    ACT_SHMKEY,
    ACT_SHMID,
    ACT_NZ0, /* trace unless args[0] is 0 (pid 0: the caller itself) */
    ACT_NZ1, /* trace unless args[1] is 0 (signal 0: no signal) */
    ACT_NZ2,
    ACT_PRLIMIT,        /* trace when it sets (args[2]) a limit of another process (args[0]) */
    ACT_SETPRIO,        /* setpriority: PRIO_USER, or another process or group */
    ACT_IOPRIO,         /* ioprio_set: the same */
    ACT_IOCTL,          /* FIOSETOWN, SIOCSPGRP (the ioctl forms of F_SETOWN) */
    ACT_SECCOMP,        /* seccomp(SET_MODE_FILTER) with a user-notification listener */
    ACT_CLONE_UNTRACED, /* clone with CLONE_UNTRACED: trap (the tracer clears the flag) */
    ACT_SOCKET_DOMAIN,  /* socket: trace only the domains in the set's socket_domains */
    ACT_COUNT,
};

struct range {
    uint32_t lo;
    uint8_t act;
    uint8_t notif; /* entry-only: a user notification in the listener's program */
};

struct emitter {
    struct sock_filter *out;
    size_t cap, n;
    int overflow;
};

static void emit(struct emitter *e, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
    if (e->n >= e->cap) {
        e->overflow = 1;
        return;
    }
    e->out[e->n++] = (struct sock_filter){code, jt, jf, k};
}

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)

static size_t tree_size(size_t n)
{
    if (n <= 1)
        return 1;
    size_t mid = n / 2;
    return 2 + tree_size(mid) + tree_size(n - mid);
}

/* Block sizes (instructions), must match emit_block(). */
static size_t block_size(const struct tr_filter_cfg *cfg, int act)
{
    switch (act) {
    case ACT_SOCKET_DOMAIN:
        return 3 + (size_t)__builtin_popcountll(cfg->set->socket_domains);
    case ACT_FCNTL:
        return 9;
    case ACT_FCNTL_OWN:
        return 5;
    case ACT_GETSOCKOPT:
        return 6;
    case ACT_ADDR4:
        return 6;
    case ACT_SHMKEY:
    case ACT_SHMID:
    case ACT_NZ0:
    case ACT_NZ1:
    case ACT_NZ2:
    case ACT_CLONE_UNTRACED:
        return 4;
    case ACT_PRLIMIT:
        return 8;
    case ACT_SETPRIO:
    case ACT_IOPRIO:
    case ACT_SECCOMP:
        return 6;
    case ACT_IOCTL:
        return 5;
    default:
        return 0;
    }
}

struct build {
    struct emitter e;
    size_t block_at[ACT_COUNT][2];   /* absolute index of each block (ptrace, notification) */
    uint8_t block_used[ACT_COUNT][2];
    uint32_t shm_else[ACT_COUNT]; /* action when the shm check does not match */
    const struct tr_filter_cfg *cfg;
};

/* What a stop is in this program: a ptrace stop (tagged), a user notification, or, for the
 * other program's calls, nothing. */
static uint32_t trap(const struct build *b, int notif, uint32_t tag)
{
    switch (b->cfg->role) {
    case TR_FILTER_MAIN:
        return notif ? RET_ALLOW : RET_TRACE(tag);
    case TR_FILTER_NOTIF:
        return notif ? RET_NOTIF : RET_ALLOW;
    default:
        return RET_TRACE(tag);
    }
}

static void emit_tree(struct build *b, const struct range *r, size_t n)
{
    if (n == 1) {
        if (r->act == ACT_ALLOW)
            emit(&b->e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        else if (r->act == ACT_TRACE)
            emit(&b->e, BPF_RET | BPF_K, trap(b, r->notif, TR_TAG_SYSCALL), 0, 0);
        else if (r->act == ACT_ENOSYS) /* (the main program's: it outranks a notification) */
            emit(&b->e, BPF_RET | BPF_K,
                 b->cfg->role == TR_FILTER_NOTIF ? RET_ALLOW : RET_ENOSYS, 0, 0);
        else
            emit(&b->e, BPF_JMP | BPF_JA,
                 (uint32_t)(b->block_at[r->act][r->notif] - (b->e.n + 1)), 0, 0);
        return;
    }
    size_t mid = n / 2;
    emit(&b->e, BPF_JMP | BPF_JGE | BPF_K, r[mid].lo, 0, 1);
    emit(&b->e, BPF_JMP | BPF_JA, (uint32_t)tree_size(mid), 0, 0);
    emit_tree(b, r, mid);
    emit_tree(b, r + mid, n - mid);
}

static void emit_block(struct build *b, int act, int notif)
{
    struct emitter *e = &b->e;
    const uint32_t tr = trap(b, notif, TR_TAG_SYSCALL);
    switch (act) {
    case ACT_FCNTL: /* F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD change the fd table (their result is
                       the event's: always a ptrace stop); the owner commands are checks */
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(1), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD, 6, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD_CLOEXEC, 5, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, F_SETFD, 4, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN, 2, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN_EX, 1, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        emit(e, BPF_RET | BPF_K, trap(b, 0, TR_TAG_SYSCALL), 0, 0);
        break;
    case ACT_FCNTL_OWN: /* F_SETOWN, F_SETOWN_EX: who gets SIGIO (or the F_SETSIG signal) */
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(1), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN, 2, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN_EX, 1, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        break;
    case ACT_IOCTL:
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(1), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, FIOSETOWN, 2, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, SIOCSPGRP, 1, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        break;
    case ACT_NZ0:
    case ACT_NZ1:
    case ACT_NZ2: /* (pids and signals are ints: the low word decides) */
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(act - ACT_NZ0), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        break;
    case ACT_PRLIMIT: /* prlimit64(pid, resource, new, old): pid 0 or no new limit: allow */
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0);
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(2), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2);
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_HI(2), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        break;
    case ACT_SETPRIO:
    case ACT_IOPRIO: /* (which, who): the whole uid, or who != 0 (not the caller) */
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, act == ACT_SETPRIO ? PRIO_USER_ : IOPRIO_WHO_USER_, 2,
             0);
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(1), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        break;
    case ACT_SECCOMP:
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_SET_MODE_FILTER, 0, 3);
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(1), 0, 0);
        emit(e, BPF_JMP | BPF_JSET | BPF_K, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0, 1);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        break;
    case ACT_GETSOCKOPT: /* SO_ERROR completes a non-blocking connect */
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(1), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, SOL_SOCKET, 0, 2);
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(2), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, SO_ERROR, 1, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        break;
    case ACT_ADDR4:
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(4), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2);
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_HI(4), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        break;
    case ACT_SHMKEY:
    case ACT_SHMID: {
        uint32_t want =
            act == ACT_SHMKEY ? (uint32_t)b->cfg->ring_key : (uint32_t)b->cfg->ring_shmid;
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
        emit(e, BPF_JMP | BPF_JEQ | BPF_K, want, 0, 1);
        emit(e, BPF_RET | BPF_K, trap(b, notif, TR_TAG_TAMPER), 0, 0);
        emit(e, BPF_RET | BPF_K, b->cfg->role == TR_FILTER_NOTIF ? RET_ALLOW : b->shm_else[act], 0, 0);
        break;
    }
    case ACT_CLONE_UNTRACED:
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
        emit(e, BPF_JMP | BPF_JSET | BPF_K, CLONE_UNTRACED, 0, 1);
        emit(e, BPF_RET | BPF_K, trap(b, notif, TR_TAG_UNTRACED), 0, 0);
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        break;
    case ACT_SOCKET_DOMAIN: { /* one JEQ per wanted domain, each jumping to the TRACE */
        uint64_t m = b->cfg->set->socket_domains;
        int left = __builtin_popcountll(m);
        emit(e, BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
        for (int d = 0; d < 63; d++)
            if (m & (1ull << d)) {
                left--;
                emit(e, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)d, (uint8_t)(left + 1), 0);
            }
        emit(e, BPF_RET | BPF_K, RET_ALLOW, 0, 0);
        emit(e, BPF_RET | BPF_K, tr, 0, 0);
        break;
    }
    default:
        break;
    }
}

int tr_filter_build(const struct tr_filter_cfg *cfg, struct sock_filter *out, size_t cap)
{
    static uint8_t act[TR_MAX_NR];
    memset(act, 0, sizeof act);
    for (long nr = 0; nr < TR_MAX_NR; nr++)
        if (tr_sysset_has(cfg->set, nr))
            act[nr] = ACT_TRACE;
    if (cfg->all) /* (every syscall stops; the tracer's checks see them all) */
        memset(act, ACT_TRACE, sizeof act);
    const struct tr_sysset *set = cfg->set;
    unsigned off = cfg->def_off;
#define ON(d) (!(off & TR_DEF_BIT(d)))
    /* Process creation and exit are reported through ptrace events: no seccomp stop needed. */
    static const long via_events[] = {__NR_clone,  __NR_clone3, TR_NR_FORK,
                                      TR_NR_VFORK, __NR_exit,   __NR_exit_group};
    for (size_t i = 0; i < sizeof via_events / sizeof via_events[0]; i++)
        if (via_events[i] >= 0) /* (TR_NR_FORK/VFORK: none on aarch64) */
            act[via_events[i]] = ACT_ALLOW;
    /* ...except a task that would escape tracing: a clone that asks not to be followed
     * (CLONE_UNTRACED; the tracer clears the flag), and clone3, whose flags are in memory where
     * another thread can change them after any check: it fails with ENOSYS, libc falls back
     * to clone (--allow clone3 traps it instead, flags checked at the stop). */
    if (ON(TR_DEF_CLONE3))
        act[__NR_clone] = ACT_CLONE_UNTRACED;
    if (ON(TR_DEF_CLONE3))
        act[__NR_clone3] = ACT_ENOSYS;
    else if (cfg->allow & TR_DEF_BIT(TR_DEF_CLONE3))
        act[__NR_clone3] = ACT_TRACE;
    /* ...and every clone the set names (or -a): a failed one has no ptrace event, so its exit
     * stop is where it is reported. */
    static const long clones[] = {__NR_clone, __NR_clone3, TR_NR_FORK, TR_NR_VFORK};
    for (size_t i = 0; i < sizeof clones / sizeof clones[0]; i++)
        if (tr_sysset_has(set, clones[i]) && act[clones[i]] != ACT_ENOSYS)
            act[clones[i]] = ACT_TRACE;

    /* Calls that act outside the tracer's view: always to the tracer, which denies them (or,
     * when allowed, reports them). */
    if (ON(TR_DEF_IO_URING) || (cfg->allow & TR_DEF_BIT(TR_DEF_IO_URING)))
        act[__NR_io_uring_setup] = ACT_TRACE;
    if (ON(TR_DEF_IO_URING)) {
        act[__NR_io_uring_enter] = ACT_TRACE;
        act[__NR_io_uring_register] = ACT_TRACE;
    }
    if (ON(TR_DEF_SECCOMP_LISTENER) && act[__NR_seccomp] != ACT_TRACE)
        act[__NR_seccomp] = ACT_SECCOMP;
    if (ON(TR_DEF_OPEN_BY_HANDLE))
        act[__NR_open_by_handle_at] = ACT_TRACE;
    act[__NR_pivot_root] = ACT_TRACE; /* the root of the paths read back from fds */
    /* close_range can close a fd whose open is still being read back (see loop.c) */
    if (ON(TR_DEF_ARG_SWAP) && tr_sysset_has(set, __NR_close))
        act[__NR_close_range] = ACT_TRACE;
    /* Calls that could stop, kill, slow or read a monitor: to the tracer unless they are aimed
     * at the caller itself (pid 0) or carry no signal. */
    if (ON(TR_DEF_MONITORS)) {
        static const struct {
            long nr;
            uint8_t act;
        } mon[] = {
            {__NR_kill, ACT_NZ1},
            {__NR_tkill, ACT_NZ1},
            {__NR_tgkill, ACT_NZ2},
            {__NR_rt_sigqueueinfo, ACT_NZ1},
            {__NR_rt_tgsigqueueinfo, ACT_NZ2},
            {__NR_pidfd_send_signal, ACT_NZ1},
            {__NR_pidfd_open, ACT_TRACE},
            {__NR_pidfd_getfd, ACT_TRACE},
            {__NR_process_madvise, ACT_TRACE},
            {__NR_process_mrelease, ACT_TRACE},
            {__NR_ptrace, ACT_TRACE},
            {__NR_process_vm_readv, ACT_TRACE},
            {__NR_process_vm_writev, ACT_TRACE},
            {__NR_setpriority, ACT_SETPRIO},
            {__NR_ioprio_set, ACT_IOPRIO},
            {__NR_sched_setparam, ACT_NZ0},
            {__NR_sched_setscheduler, ACT_NZ0},
            {__NR_sched_setaffinity, ACT_NZ0},
            {__NR_sched_setattr, ACT_NZ0},
            {__NR_migrate_pages, ACT_NZ0},
            {__NR_move_pages, ACT_NZ0},
            {__NR_prlimit64, ACT_PRLIMIT},
            {__NR_ioctl, ACT_IOCTL},
            {__NR_setpgid, ACT_TRACE},
        };
        for (size_t i = 0; i < sizeof mon / sizeof mon[0]; i++)
            if (act[mon[i].nr] != ACT_TRACE)
                act[mon[i].nr] = mon[i].act;
        if (act[__NR_fcntl] != ACT_TRACE)
            act[__NR_fcntl] = ACT_FCNTL_OWN;
    }
    if (!cfg->all) {
        /* successful execs are reported from the exec itself (PTRACE_EVENT_EXEC) */
        if (set->execve_event_only)
            act[__NR_execve] = ACT_ALLOW;
        if (set->execveat_event_only)
            act[__NR_execveat] = ACT_ALLOW;
        if (tr_sysset_has(set, __NR_fcntl))
            act[__NR_fcntl] = ACT_FCNTL;
        if (act[__NR_getsockopt] == ACT_TRACE)
            act[__NR_getsockopt] = ACT_GETSOCKOPT;
        if (act[__NR_sendto] == ACT_TRACE)
            act[__NR_sendto] = ACT_ADDR4;
        if (act[__NR_recvfrom] == ACT_TRACE && !set->recvfrom_all)
            act[__NR_recvfrom] = ACT_ADDR4;
        if (act[__NR_socket] == ACT_TRACE && set->socket_domains)
            act[__NR_socket] = ACT_SOCKET_DOMAIN;
    }

    struct build b;
    memset(&b, 0, sizeof b);
    b.cfg = cfg;
    if (cfg->protect_ring && ON(TR_DEF_RING)) {
        b.shm_else[ACT_SHMKEY] = act[__NR_shmget] ? RET_TRACE(TR_TAG_SYSCALL) : RET_ALLOW;
        b.shm_else[ACT_SHMID] =
            act[__NR_shmat] || act[__NR_shmctl] ? RET_TRACE(TR_TAG_SYSCALL) : RET_ALLOW;
        act[__NR_shmget] = ACT_SHMKEY;
        act[__NR_shmat] = ACT_SHMID;
        act[__NR_shmctl] = ACT_SHMID;
    }
#undef ON

    /* Which stops are user notifications (with a listener: the calls the tracer only looks at
     * before they run). */
    static uint8_t notif[TR_MAX_NR];
    memset(notif, 0, sizeof notif);
    if (cfg->role != TR_FILTER_ALL && !cfg->all)
        for (long nr = 0; nr < TR_MAX_NR; nr++)
            notif[nr] = act[nr] != ACT_ALLOW && act[nr] != ACT_ENOSYS &&
                        tr_filter_entry_only(set, nr);

    /* Ranges of equal action; everything above TR_MAX_NR (but below x32) follows the last one,
     * so close it with an explicit range. */
    static struct range ranges[TR_MAX_NR + 2];
    size_t nr_ranges = 0;
    for (uint32_t nr = 0; nr < TR_MAX_NR; nr++) {
        if (nr_ranges == 0 || ranges[nr_ranges - 1].act != act[nr] ||
            ranges[nr_ranges - 1].notif != notif[nr])
            ranges[nr_ranges++] = (struct range){nr, act[nr], notif[nr]};
        if (act[nr] >= ACT_FCNTL)
            b.block_used[act[nr]][notif[nr]] = 1;
    }
    uint8_t beyond = cfg->all ? ACT_TRACE : ACT_ALLOW;
    if (ranges[nr_ranges - 1].act != beyond || ranges[nr_ranges - 1].notif)
        ranges[nr_ranges++] = (struct range){TR_MAX_NR, beyond, 0};

    const size_t prologue = 6;
    size_t pos = prologue + tree_size(nr_ranges);
    for (int a = ACT_FCNTL; a < ACT_COUNT; a++)
        for (int k = 0; k < 2; k++)
            if (b.block_used[a][k]) {
                b.block_at[a][k] = pos;
                pos += block_size(cfg, a);
            }
    if (pos > cap)
        return -1;

    b.e = (struct emitter){out, cap, 0, 0};
    struct emitter *e = &b.e;
    /* (compat calls: always ptrace stops, in the main program) */
    const uint32_t compat = trap(&b, 0, TR_TAG_COMPAT);
    emit(e, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
    emit(e, BPF_JMP | BPF_JEQ | BPF_K, TR_AUDIT_ARCH, 1, 0);
    emit(e, BPF_RET | BPF_K, compat, 0, 0);
    emit(e, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
    emit(e, BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1);
    emit(e, BPF_RET | BPF_K, compat, 0, 0);
    emit_tree(&b, ranges, nr_ranges);
    for (int a = ACT_FCNTL; a < ACT_COUNT; a++)
        for (int k = 0; k < 2; k++) {
            if (!b.block_used[a][k])
                continue;
            if (e->n != b.block_at[a][k])
                return -1; /* size bookkeeping bug */
            emit_block(&b, a, k);
        }
    if (e->overflow)
        return -1;
    return (int)e->n;
}

int tr_filter_install(const struct sock_filter *prog, size_t len, int *used_nnp)
{
    struct sock_fprog fp = {(unsigned short)len, (struct sock_filter *)prog};
    *used_nnp = 0;
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0)
        return 0;
    if (errno != EACCES)
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    *used_nnp = 1;
    return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
}

int tr_filter_entry_only(const struct tr_sysset *set, long nr)
{
    if (nr < 0 || nr >= TR_MAX_NR)
        return 0;
    /* registers changed at the stop (clone's CLONE_UNTRACED cleared, clone3's flags), or state
     * kept from the result (process group, root) */
    if (tr_is_clone_nr(nr) || nr == __NR_pivot_root || nr == __NR_setpgid)
        return 0;
    if (nr == __NR_fcntl)
        return 1; /* (its block keeps the fd-table commands, whose result counts, as ptrace) */
    if (!tr_sysset_has(set, nr))
        return 1; /* only the defences' checks, made before it runs */
    const struct tr_sysdesc *d = tr_sys_desc(nr);
    if (!d)
        return 0; /* a generic syscall event, with its result */
    return (d->cls & CL_ENTRY_ONLY) || tr_sysset_entry(set, nr);
}

int tr_filter_install_listener(const struct sock_filter *prog, size_t len, int *used_nnp)
{
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
    struct sock_fprog fp = {(unsigned short)len, (struct sock_filter *)prog};
    static const unsigned long flags[] = {
        SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
        SECCOMP_FILTER_FLAG_NEW_LISTENER};
    *used_nnp = 0;
    for (int nnp = 0; nnp < 2; nnp++) {
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
            long fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags[i], &fp);
            if (fd >= 0)
                return (int)fd;
            if (errno != EINVAL)
                break; /* (EINVAL: a flag this kernel does not know; try without it) */
        }
        if (errno != EACCES || nnp)
            return -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
            return -1;
        *used_nnp = 1;
    }
    return -1;
}
