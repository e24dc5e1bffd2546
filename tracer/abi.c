/* tracer: compat ABIs (see abi.h). The compat tables are generated from the kernel's UAPI
 * headers by gen-compat-sysnames.sh: i386 on x86_64, AArch32 EABI on aarch64. */
#include "abi.h"

#include <string.h>
#include <sys/syscall.h>

#include "arch.h"
#include "tracer.h"

enum tr_abi tr_abi_of(uint32_t arch, long nr)
{
    if (arch != TR_AUDIT_ARCH)
        return TR_ABI_COMPAT;
    return tr_arch_is_compat(arch, nr) ? TR_ABI_X32 : TR_ABI_NATIVE;
}

#define COMPAT_MAX 512
#define UNIFIED_FROM 424 /* every architecture numbers its syscalls alike from here on */

#if defined(__x86_64__)

static const char *const compat_names[COMPAT_MAX] = {
#define SC32(nr, name) [nr] = name,
#include "sysnames_i386.def"
#undef SC32
};

#define X32_OWN_LO 512
#define X32_OWN_HI 548

static const char *const x32_own_names[X32_OWN_HI - X32_OWN_LO] = {
#define SCX32(nr, name) [(nr)-X32_OWN_LO] = name,
#include "sysnames_x32.def"
#undef SCX32
};

/* x32: its own numbers 512.., the x86_64 call's number otherwise. */
static const char *x32_name(long nr)
{
    nr &= ~(long)TR_X32_BIT;
    if (nr >= X32_OWN_LO && nr < X32_OWN_HI)
        return x32_own_names[nr - X32_OWN_LO];
    return tr_sys_name(nr);
}

#else /* aarch64: AArch32 EABI */

static const char *const compat_names[COMPAT_MAX] = {
#define SCARM(nr, name) [nr] = name,
#define SCARM_PRIVATE(nr, name)
#include "sysnames_arm.def"
#undef SCARM
#undef SCARM_PRIVATE
};

#define ARM_PRIVATE_BASE 0xf0000L /* cacheflush, set_tls, ...: __ARM_NR_BASE + n */
#define ARM_PRIVATE_MAX 8

static const char *const arm_private_names[ARM_PRIVATE_MAX] = {
#define SCARM(nr, name)
#define SCARM_PRIVATE(nr, name) [nr] = name,
#include "sysnames_arm.def"
#undef SCARM
#undef SCARM_PRIVATE
};

static const char *x32_name(long nr)
{
    (void)nr; /* (no such ABI here) */
    return NULL;
}

#endif

static const char *compat_name(long nr)
{
    if (nr >= 0 && nr < COMPAT_MAX && compat_names[nr])
        return compat_names[nr];
#if defined(ARM_PRIVATE_BASE)
    if (nr > ARM_PRIVATE_BASE && nr < ARM_PRIVATE_BASE + ARM_PRIVATE_MAX)
        return arm_private_names[nr - ARM_PRIVATE_BASE];
#endif
    return nr >= UNIFIED_FROM && nr < TR_MAX_NR ? tr_sys_name(nr) : NULL;
}

const char *tr_abi_name(enum tr_abi abi, long nr)
{
    switch (abi) {
    case TR_ABI_COMPAT:
        return compat_name(nr);
    case TR_ABI_X32:
        return x32_name(nr);
    default:
        return tr_sys_name(nr);
    }
}

int tr_abi_may_end(enum tr_abi abi, long nr)
{
    static const char *const enders[] = {"exit",         "exit_group",      "sigreturn",
                                         "rt_sigreturn", "restart_syscall", NULL};
    const char *name = tr_abi_name(abi, nr);
    for (int i = 0; name && enders[i]; i++)
        if (strcmp(name, enders[i]) == 0)
            return 1;
    return 0;
}

/* Compat names whose native call has another name, and the same arguments as far as the
 * tracer's checks look (fcntl's commands, the pid and resource of a limit, ...). */
static long native_by_name(const char *name)
{
    static const struct {
        const char *compat, *native;
    } renames[] = {{"fcntl64", "fcntl"},
                   {"mmap2", "mmap"},
                   {"ugetrlimit", "getrlimit"},
                   {"_llseek", "lseek"},
                   {"_newselect", "select"},
                   {"arm_fadvise64_64", "fadvise64"},
                   {"arm_sync_file_range", "sync_file_range"}};
    for (size_t i = 0; i < sizeof renames / sizeof renames[0]; i++)
        if (strcmp(name, renames[i].compat) == 0)
            return tr_sys_by_name(renames[i].native);
    return tr_sys_by_name(name);
}

/* i386 ipc(call, first, second, third, ptr, fifth): the shm calls (the ring protection must
 * see them whichever way they are made). (AArch32 EABI has no ipc multiplexer.) */
static long ipc_native(const uint64_t in[6], uint64_t out[6])
{
    enum { SHMAT = 21, SHMDT = 22, SHMGET = 23, SHMCTL = 24 };
    memset(out, 0, 6 * sizeof out[0]);
    switch (in[0] & 0xffff) {
    case SHMGET: /* key, size, shmflg */
        out[0] = in[1];
        out[1] = in[2];
        out[2] = in[3];
        return __NR_shmget;
    case SHMAT: /* shmid, shmflg, &raddr, shmaddr */
        out[0] = in[1];
        out[1] = in[4];
        out[2] = in[2];
        return __NR_shmat;
    case SHMCTL: /* shmid, cmd, -, buf */
        out[0] = in[1];
        out[1] = in[2];
        out[2] = in[4];
        return __NR_shmctl;
    case SHMDT:
        out[0] = in[4];
        return __NR_shmdt;
    default:
        return -1;
    }
}

long tr_abi_native(enum tr_abi abi, long nr, const uint64_t in[6], uint64_t out[6])
{
    if (abi == TR_ABI_NATIVE) {
        memcpy(out, in, 6 * sizeof out[0]);
        return nr;
    }
    if (abi == TR_ABI_X32) {
        memcpy(out, in, 6 * sizeof out[0]);
        const char *name = x32_name(nr);
        return name ? native_by_name(name) : -1;
    }
    /* compat: 32-bit registers, each argument zero-extended */
    uint64_t a[6];
    for (int i = 0; i < 6; i++)
        a[i] = (uint32_t)in[i];
    const char *name = compat_name(nr);
    if (name && strcmp(name, "ipc") == 0)
        return ipc_native(a, out);
    memcpy(out, a, sizeof a);
    return name ? native_by_name(name) : -1;
}
