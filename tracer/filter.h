/* tracer: the seccomp-bpf program that makes only the wanted syscalls stop (SECCOMP_RET_TRACE),
 * lets every other syscall run without a stop, and always sends the tracer what it must check
 * (policy.c): 32-bit and x32 syscalls, io_uring, seccomp filters with a listener,
 * open_by_handle_at, shmget/shmat/shmctl on the event ring, and the calls that could signal,
 * trace, read or slow another process. clone3 fails with ENOSYS in the filter itself. */
#ifndef TRACER_FILTER_H
#define TRACER_FILTER_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "tracer.h"

/* Kernel constants older headers lack (filter.c and policy.c check for them). */
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef FIOSETOWN
#define FIOSETOWN 0x8901
#endif
#ifndef SIOCSPGRP
#define SIOCSPGRP 0x8902
#endif

/* SECCOMP_RET_DATA tags the tracer reads back at the seccomp stop. */
enum tr_filter_tag {
    TR_TAG_SYSCALL = 0,  /* a traced 64-bit syscall */
    TR_TAG_TAMPER = 1,   /* shm* on the ring: deny (a hint only: see policy.h) */
    TR_TAG_COMPAT = 2,   /* i386 (int 0x80) or x32 syscall */
    TR_TAG_UNTRACED = 3, /* clone with CLONE_UNTRACED: clear the flag, keep following */
};

/* Which stops a program makes. With a seccomp user-notification listener in the tracer, the
 * calls the tracer only looks at before they run (entry-only events, the defences' checks) are
 * user notifications, cheaper than a ptrace stop (docs/internals/tracer-stops.md); the others stay
 * ptrace stops. Two programs are then installed, the listener's first. */
enum tr_filter_role {
    TR_FILTER_ALL = 0, /* one program, every stop a ptrace stop (no listener) */
    TR_FILTER_MAIN,    /* the ptrace program: the listener's calls are allowed here */
    TR_FILTER_NOTIF,   /* the listener's program: only its calls, as user notifications */
};

struct tr_filter_cfg {
    const struct tr_sysset *set; /* syscalls to trace */
    int all;                     /* -a: trace every syscall, unconditionally */
    int protect_ring;            /* add the shm* checks */
    int32_t ring_key;
    int32_t ring_shmid;
    int32_t tracer_pid; /* (unused: every check is made by the tracer, see policy.c) */
    unsigned def_off;   /* TR_DEF_BIT()s switched off or re-allowed (tr_opts.unsafe_off|allow) */
    unsigned allow;     /* TR_DEF_BIT()s re-allowed (reported as observed) */
    int role;           /* enum tr_filter_role */
};

#define TR_FILTER_MAX 4096

/* Builds the program into out (cap instructions). Returns its length, or -1 if it does not fit. */
int tr_filter_build(const struct tr_filter_cfg *cfg, struct sock_filter *out, size_t cap);

/* Whether the tracer needs a ptrace stop for native syscall nr (it must see the result, change
 * the registers or run a call in the tracee: 0), or only looks at the call before it runs, so a
 * user notification serves (1). Calls the filter does not send to the tracer: 1. */
int tr_filter_entry_only(const struct tr_sysset *set, long nr);

/* Installs the program in the calling thread. Tries without no_new_privs first (works with
 * CAP_SYS_ADMIN, keeps setuid binaries working), then sets no_new_privs. 0 or -1 (errno). */
int tr_filter_install(const struct sock_filter *prog, size_t len, int *used_nnp);
/* The same with a user-notification listener: returns the listener fd (close-on-exec), or -1
 * (errno: EINVAL or ENOSYS where the kernel has none). Asks the kernel to wait killably once a
 * notification is received (5.19+, else plain), so an ordinary signal cannot withdraw a call
 * the tracer has already answered. */
int tr_filter_install_listener(const struct sock_filter *prog, size_t len, int *used_nnp);

#endif
