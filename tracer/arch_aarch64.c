/* tracer: aarch64 register access (see arch.h). There is no PTRACE_GETREGS: the general
 * registers are the NT_PRSTATUS regset, the syscall number its own NT_ARM_SYSTEM_CALL regset.
 * For an AArch32 task the kernel gives a 64-bit tracer the AArch32 view of NT_PRSTATUS
 * (18 32-bit words: r0-r15, cpsr, orig_r0; the syscall number is in r7): its size says which
 * view came back, and every accessor writes back the same view. */
#if defined(__aarch64__)
#include "arch.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "abi.h"

#define SVC0_A64 0xd4000001u /* svc #0 */
#define A32_NREGS 18
#define A32_SP 13
#define A32_PC 15

union gregs {
    struct user_regs_struct a64;
    uint32_t a32[A32_NREGS];
};

struct saved_regs {
    union gregs r;
    size_t len; /* which view: sizeof a64 or sizeof a32 */
};

int tr_arch_is_compat(uint32_t arch, long nr)
{
    (void)nr;
    return arch != TR_AUDIT_ARCH;
}

static int get_regs(pid_t tid, union gregs *r, size_t *len)
{
    struct iovec io = {r, sizeof r->a64};
    if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &io) < 0)
        return -1;
    if (io.iov_len != sizeof r->a64 && io.iov_len != sizeof r->a32) {
        errno = EINVAL;
        return -1;
    }
    *len = io.iov_len;
    return 0;
}

static int set_regs(pid_t tid, union gregs *r, size_t len)
{
    struct iovec io = {r, len};
    return ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &io) < 0 ? -1 : 0;
}

static int is_a32(size_t len)
{
    return len == sizeof(uint32_t) * A32_NREGS;
}

static int get_syscall_nr(pid_t tid, int *nr)
{
    struct iovec io = {nr, sizeof *nr};
    return ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &io) < 0 ? -1 : 0;
}

static int set_syscall_nr(pid_t tid, int nr)
{
    struct iovec io = {&nr, sizeof nr};
    return ptrace(PTRACE_SETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &io) < 0 ? -1 : 0;
}

/* The first argument's (and result's) register: x0, or r0 (the upper half of an AArch32 task's
 * x0 is not part of its state). */
static void set_r0(union gregs *r, size_t len, uint64_t v)
{
    if (is_a32(len))
        r->a32[0] = (uint32_t)v;
    else
        r->a64.regs[0] = v;
}

int tr_arch_deny_syscall(pid_t tid, int err)
{
    /* The kernel's convention for a skipped syscall: number -1 and the result already in x0. */
    union gregs r;
    size_t len;
    if (get_regs(tid, &r, &len) < 0)
        return -1;
    set_r0(&r, len, (uint64_t) - (int64_t)err);
    if (set_regs(tid, &r, len) < 0)
        return -1;
    return set_syscall_nr(tid, -1);
}

int tr_arch_syscall_nr_arg0(pid_t tid, long *nr, uint64_t *arg0)
{
    union gregs r;
    size_t len;
    int scno = -1;
    if (get_regs(tid, &r, &len) < 0 || get_syscall_nr(tid, &scno) < 0)
        return -1;
    if (!is_a32(len)) {
        *nr = scno;
        *arg0 = r.a64.regs[0];
        return 0;
    }
    uint64_t in[6] = {0}, out[6];
    for (int i = 0; i < 6; i++)
        in[i] = r.a32[i];
    *nr = tr_abi_native(TR_ABI_COMPAT, scno, in, out);
    *arg0 = out[0];
    return 0;
}

int tr_arch_set_arg0(pid_t tid, uint64_t arg0)
{
    union gregs r;
    size_t len;
    if (get_regs(tid, &r, &len) < 0)
        return -1;
    set_r0(&r, len, arg0);
    return set_regs(tid, &r, len);
}

int tr_arch_stack_pointer(pid_t tid, uint64_t *sp)
{
    union gregs r;
    size_t len;
    if (get_regs(tid, &r, &len) < 0)
        return -1;
    *sp = is_a32(len) ? r.a32[A32_SP] : r.a64.sp;
    return 0;
}

/* Back to the `svc #0` just executed (4 bytes before pc), with the registers of syscall nr
 * (x8) and its arguments (x0-x5). Native tasks only: an AArch32 task's opens are not decoded, so
 * nothing asks. */
int tr_arch_inject_syscall(pid_t tid, long nr, const uint64_t args[6], void **saved)
{
    struct saved_regs *keep = malloc(sizeof *keep);
    if (!keep)
        return -1;
    union gregs *r = &keep->r;
    uint32_t insn = 0;
    if (get_regs(tid, r, &keep->len) < 0 || is_a32(keep->len))
        goto fail;
    struct iovec local = {&insn, sizeof insn};
    struct iovec remote = {(void *)(uintptr_t)(r->a64.pc - 4), sizeof insn};
    if (process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof insn) {
        if (insn != SVC0_A64)
            goto fail; /* not right after a syscall instruction */
    } else if (errno != EPERM && errno != EACCES) {
        goto fail;
    }
    union gregs call = *r;
    for (int i = 0; i < 6; i++)
        call.a64.regs[i] = args[i];
    call.a64.regs[8] = (uint64_t)nr;
    call.a64.pc -= 4;
    if (set_regs(tid, &call, keep->len) < 0)
        goto fail;
    *saved = keep;
    return 0;
fail:
    free(keep);
    return -1;
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
    struct saved_regs *keep = saved;
    set_r0(&keep->r, keep->len, (uint64_t)ret);
    int rc = set_regs(tid, &keep->r, keep->len);
    free(keep);
    return rc;
}
#endif
