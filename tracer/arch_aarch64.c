/* tracer: aarch64 register access (see arch.h). There is no PTRACE_GETREGS: the general
 * registers are the NT_PRSTATUS regset, the syscall number its own NT_ARM_SYSTEM_CALL regset. */
#if defined(__aarch64__)
#include "arch.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

int tr_arch_is_compat(uint32_t arch, long nr)
{
    (void)nr;
    return arch != TR_AUDIT_ARCH;
}

static int get_regs(pid_t tid, struct user_regs_struct *r)
{
    struct iovec io = {r, sizeof *r};
    return ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &io) < 0 ? -1 : 0;
}

static int set_regs(pid_t tid, struct user_regs_struct *r)
{
    struct iovec io = {r, sizeof *r};
    return ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &io) < 0 ? -1 : 0;
}

int tr_arch_deny_syscall(pid_t tid, int err)
{
    /* The kernel's convention for a skipped syscall: number -1 and the result already in x0. */
    struct user_regs_struct r;
    if (get_regs(tid, &r) < 0)
        return -1;
    r.regs[0] = (unsigned long long)-(long long)err;
    if (set_regs(tid, &r) < 0)
        return -1;
    int no_syscall = -1;
    struct iovec io = {&no_syscall, sizeof no_syscall};
    return ptrace(PTRACE_SETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &io) < 0 ? -1 : 0;
}

int tr_arch_syscall_nr_arg0(pid_t tid, long *nr, uint64_t *arg0)
{
    struct user_regs_struct r;
    int scno = -1;
    struct iovec io = {&scno, sizeof scno};
    if (get_regs(tid, &r) < 0 || ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &io) < 0)
        return -1;
    *nr = scno;
    *arg0 = r.regs[0];
    return 0;
}

int tr_arch_set_arg0(pid_t tid, uint64_t arg0)
{
    struct user_regs_struct r;
    if (get_regs(tid, &r) < 0)
        return -1;
    r.regs[0] = arg0;
    return set_regs(tid, &r);
}

int tr_arch_stack_pointer(pid_t tid, uint64_t *sp)
{
    struct user_regs_struct r;
    if (get_regs(tid, &r) < 0)
        return -1;
    *sp = r.sp;
    return 0;
}

/* The instruction before the stop must be `svc #0` (4 bytes); x8 holds the number on entry. */
#define SVC0 0xd4000001u

int tr_arch_inject_syscall(pid_t tid, long nr, const uint64_t args[6], void **saved)
{
    struct user_regs_struct r;
    uint32_t insn;
    struct iovec local = {&insn, sizeof insn}, remote;
    if (get_regs(tid, &r) < 0)
        return -1;
    remote.iov_base = (void *)(uintptr_t)(r.pc - 4);
    remote.iov_len = sizeof insn;
    if (process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof insn) {
        if (insn != SVC0)
            return -1;
    } else if (errno != EPERM && errno != EACCES) {
        return -1;
    }
    struct user_regs_struct *keep = malloc(sizeof r);
    if (!keep)
        return -1;
    memcpy(keep, &r, sizeof r);
    for (int i = 0; i < 6; i++)
        r.regs[i] = args[i];
    r.regs[8] = (unsigned long long)nr;
    r.pc -= 4;
    if (set_regs(tid, &r) < 0) {
        free(keep);
        return -1;
    }
    *saved = keep;
    return 0;
}

int tr_arch_inject_close(pid_t tid, int fd, void **saved)
{
    const uint64_t args[6] = {(uint64_t)fd};
    return tr_arch_inject_syscall(tid, __NR_close, args, saved);
}

/* (x7, which the kernel uses to tell entry from exit stops, is put back by the kernel itself
 * after each syscall stop: what it held when the registers were saved does not matter.) */
int tr_arch_inject_restore(pid_t tid, void *saved, int64_t ret)
{
    struct user_regs_struct *r = saved;
    r->regs[0] = (unsigned long long)ret;
    int rc = set_regs(tid, r);
    free(saved);
    return rc;
}
#endif
