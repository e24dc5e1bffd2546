/* tracer: x86_64 register access (see arch.h). */
#if defined(__x86_64__)
#include "arch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "abi.h"

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
    /* (the ABI of the syscall in progress: int 0x80 runs from 64-bit code too, so only the
     * kernel's syscall info tells) */
    struct __ptrace_syscall_info info;
    uint32_t arch = TR_AUDIT_ARCH;
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof info, &info) > 0)
        arch = info.arch;
    enum tr_abi abi = tr_abi_of(arch, (long)r.orig_rax);
    if (abi == TR_ABI_NATIVE) {
        *nr = (long)r.orig_rax;
        *arg0 = r.rdi;
        return 0;
    }
    uint64_t in[6] = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9}, out[6];
    if (abi == TR_ABI_COMPAT) { /* i386: ebx, ecx, edx, esi, edi, ebp */
        const uint64_t i386[6] = {r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp};
        memcpy(in, i386, sizeof in);
    }
    *nr = tr_abi_native(abi, (long)r.orig_rax, in, out);
    *arg0 = out[0];
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

int tr_arch_stack_pointer(pid_t tid, uint64_t *sp)
{
    struct user_regs_struct r;
    if (ptrace(PTRACE_GETREGS, tid, 0L, &r) < 0)
        return -1;
    *sp = r.rsp;
    return 0;
}

int tr_arch_inject_syscall(pid_t tid, long nr, const uint64_t args[6], void **saved)
{
    struct user_regs_struct r;
    uint8_t insn[2];
    struct iovec local = {insn, sizeof insn}, remote;
    if (ptrace(PTRACE_GETREGS, tid, 0L, &r) < 0)
        return -1;
    remote.iov_base = (void *)(uintptr_t)(r.rip - 2);
    remote.iov_len = sizeof insn;
    if (process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof insn) {
        if (insn[0] != 0x0f || insn[1] != 0x05)
            return -1; /* not after a 64-bit `syscall` instruction */
    } else if (errno != EPERM && errno != EACCES) {
        return -1;
    }
    struct user_regs_struct *keep = malloc(sizeof r);
    if (!keep)
        return -1;
    memcpy(keep, &r, sizeof r);
    r.rax = (unsigned long long)nr;
    r.rdi = args[0];
    r.rsi = args[1];
    r.rdx = args[2];
    r.r10 = args[3];
    r.r8 = args[4];
    r.r9 = args[5];
    r.rip -= 2;
    if (ptrace(PTRACE_SETREGS, tid, 0L, &r) < 0) {
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

int tr_arch_inject_restore(pid_t tid, void *saved, int64_t ret)
{
    struct user_regs_struct *r = saved;
    r->rax = (unsigned long long)ret;
    int rc = ptrace(PTRACE_SETREGS, tid, 0L, r) < 0 ? -1 : 0;
    free(saved);
    return rc;
}
#endif
