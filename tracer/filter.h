/* tracer: the seccomp-bpf program that makes only the wanted syscalls stop (SECCOMP_RET_TRACE),
 * lets every other syscall run without a stop, traps 32-bit and x32 syscalls (reported, never
 * failed), and traps the workload's attempts to reach the event ring (shmget on the ring's key,
 * shmat/shmctl on its id) or the tracer itself (kill, tkill, tgkill, sigqueue, pidfd_open,
 * process_vm_readv/writev on its pid; ptrace of it) so the tracer can deny them. */
#ifndef TRACER_FILTER_H
#define TRACER_FILTER_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "tracer.h"

/* SECCOMP_RET_DATA tags the tracer reads back at the seccomp stop. */
enum tr_filter_tag {
    TR_TAG_SYSCALL = 0,  /* a traced 64-bit syscall */
    TR_TAG_TAMPER = 1,   /* aimed at the ring or the tracer: deny */
    TR_TAG_COMPAT = 2,   /* i386 (int 0x80) or x32 syscall */
    TR_TAG_UNTRACED = 3, /* clone with CLONE_UNTRACED: clear the flag, keep following */
};

struct tr_filter_cfg {
    const struct tr_sysset *set; /* syscalls to trace */
    int all;                     /* -a: trace every syscall, unconditionally */
    int protect_ring;            /* add the shm* checks */
    int32_t ring_key;
    int32_t ring_shmid;
    int32_t tracer_pid; /* > 0: kill/ptrace/process_vm_* aimed at the tracer are trapped */
};

#define TR_FILTER_MAX 4096

/* Builds the program into out (cap instructions). Returns its length, or -1 if it does not fit. */
int tr_filter_build(const struct tr_filter_cfg *cfg, struct sock_filter *out, size_t cap);

/* Installs the program in the calling thread. Tries without no_new_privs first (works with
 * CAP_SYS_ADMIN, keeps setuid binaries working), then sets no_new_privs. 0 or -1 (errno). */
int tr_filter_install(const struct sock_filter *prog, size_t len, int *used_nnp);

#endif
