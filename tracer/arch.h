/* tracer: what differs between the architectures the tracer runs on, behind one interface.
 * Each architecture has one file (arch_x86_64.c, arch_aarch64.c), compiled only for its target;
 * nothing else in the tracer tests the architecture.
 *
 *   x86_64   syscall number in orig_rax, arguments rdi rsi rdx r10 r8 r9, result in rax;
 *            32-bit (int 0x80, AUDIT_ARCH_I386) and x32 (nr | 0x40000000) ABIs are "compat".
 *   aarch64  number in x8 (read and written through the NT_ARM_SYSTEM_CALL regset), arguments
 *            x0..x5, result in x0 (the first argument's register); the generic syscall table
 *            (no open, fork, vfork, pipe, ...: only openat, clone, pipe2, ...); AArch32 tasks
 *            (AUDIT_ARCH_ARM) are "compat". */
#ifndef TRACER_ARCH_H
#define TRACER_ARCH_H

#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "tt_event.h"

#define TR_AUDIT_ARCH TT_ARCH_NATIVE /* seccomp_data.arch / syscall info arch of native calls */

/* fork and vfork exist only in x86_64's table. Elsewhere these are numbers no syscall has
 * (distinct, so that they can be case labels), never used as table indexes. */
#ifdef __NR_fork
#define TR_NR_FORK __NR_fork
#define TR_NR_VFORK __NR_vfork
#else
#define TR_NR_FORK (-2L)
#define TR_NR_VFORK (-3L)
#endif

/* A syscall of another ABI than the native one (x86: 32-bit or x32; arm64: AArch32). */
int tr_arch_is_compat(uint32_t arch, long nr);

/* At a syscall-entry (or seccomp) stop: skip the syscall, which returns -err. 0 or -1 (errno). */
int tr_arch_deny_syscall(pid_t tid, int err);
/* At a stop inside a syscall (entry, seccomp or ptrace event stop): the syscall's number and
 * first argument as the kernel will use them, in the native numbering: a compat call's number
 * is translated (tr_abi_native: -1 when the native table has no such call). 0 or -1 (errno). */
int tr_arch_syscall_nr_arg0(pid_t tid, long *nr, uint64_t *arg0);
/* At a syscall-entry (or seccomp) stop: replace the first argument. 0 or -1 (errno). */
int tr_arch_set_arg0(pid_t tid, uint64_t arg0);
/* At any stop: the stack pointer. 0 or -1 (errno). */
int tr_arch_stack_pointer(pid_t tid, uint64_t *sp);
/* At the syscall-exit stop of a native syscall: make the tracee run syscall nr with args on its
 * way out (back to its syscall instruction, with the registers of that call); *saved receives
 * the registers to restore (malloc'd). The instruction is checked when the tracee's memory can
 * be read; when the kernel refuses the read (a tracee that changed its uid) the call goes ahead:
 * before the exit stop of a native syscall comes the native syscall instruction, and the caller
 * checks that the next stop is the call it put in. 0, or -1 when that is not possible here (not
 * right after a native syscall instruction: x86_64 `syscall`, aarch64 `svc #0`; registers
 * refused; an AArch32 or 32-bit task). */
int tr_arch_inject_syscall(pid_t tid, long nr, const uint64_t args[6], void **saved);
/* The same for close(fd). */
int tr_arch_inject_close(pid_t tid, int fd, void **saved);
/* At the exit stop of that syscall: the saved registers back, the interrupted syscall returning
 * ret. Frees saved. 0 or -1 (errno). */
int tr_arch_inject_restore(pid_t tid, void *saved, int64_t ret);

#endif
