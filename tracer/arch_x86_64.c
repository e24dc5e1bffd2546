/* tracer: x86_64 register access (see arch.h). */
#if defined(__x86_64__)
#include "arch.h"

#include <sys/ptrace.h>
#include <sys/user.h>

#define X32_BIT 0x40000000ul

int tr_arch_is_compat(uint32_t arch, long nr)
{
    return arch != TR_AUDIT_ARCH || (nr & (long)X32_BIT);
}

int tr_arch_deny_syscall(pid_t tid, int err)
{
    struct user_regs_struct r;
    if (ptrace(PTRACE_GETREGS, tid, 0L, &r) < 0)
        return -1;
    r.orig_rax = (unsigned long long)-1; /* no syscall: the kernel leaves rax as set here */
    r.rax = (unsigned long long)-(long long)err;
    return ptrace(PTRACE_SETREGS, tid, 0L, &r) < 0 ? -1 : 0;
}

int tr_arch_syscall_nr_arg0(pid_t tid, long *nr, uint64_t *arg0)
{
    struct user_regs_struct r;
    if (ptrace(PTRACE_GETREGS, tid, 0L, &r) < 0)
        return -1;
    *nr = (long)r.orig_rax;
    *arg0 = r.rdi;
    return 0;
}

int tr_arch_set_arg0(pid_t tid, uint64_t arg0)
{
    struct user_regs_struct r;
    if (ptrace(PTRACE_GETREGS, tid, 0L, &r) < 0)
        return -1;
    r.rdi = arg0;
    return ptrace(PTRACE_SETREGS, tid, 0L, &r) < 0 ? -1 : 0;
}
#endif
