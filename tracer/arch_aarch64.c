/* tracer: aarch64 register access (see arch.h). There is no PTRACE_GETREGS: the general
 * registers are the NT_PRSTATUS regset, the syscall number its own NT_ARM_SYSTEM_CALL regset. */
#if defined(__aarch64__)
#include "arch.h"

#include <elf.h>
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
#endif
