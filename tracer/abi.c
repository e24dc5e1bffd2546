/* tracer: compat ABIs (see abi.h). */
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

#if defined(__x86_64__)

#define I386_MAX 512
#define X32_OWN_LO 512
#define X32_OWN_HI 548

static const char *const i386_names[I386_MAX] = {
#define SC32(nr, name) [nr] = name,
#include "sysnames_i386.def"
#undef SC32
};

static const char *const x32_own_names[X32_OWN_HI - X32_OWN_LO] = {
#define SCX32(nr, name) [(nr)-X32_OWN_LO] = name,
#include "sysnames_x32.def"
#undef SCX32
};

const char *tr_abi_name(enum tr_abi abi, long nr)
{
    switch (abi) {
    case TR_ABI_COMPAT:
        if (nr >= 0 && nr < I386_MAX && i386_names[nr])
            return i386_names[nr];
        return nr >= 424 ? tr_sys_name(nr) : NULL; /* numbers from 424 on are shared */
    case TR_ABI_X32:
        nr &= ~(long)TR_X32_BIT;
        if (nr >= X32_OWN_LO && nr < X32_OWN_HI)
            return x32_own_names[nr - X32_OWN_LO];
        return tr_sys_name(nr);
    default:
        return tr_sys_name(nr);
    }
}

int tr_abi_may_end(enum tr_abi abi, long nr)
{
    if (abi == TR_ABI_COMPAT) /* exit, exit_group, sigreturn, rt_sigreturn, restart_syscall */
        return nr == 1 || nr == 252 || nr == 119 || nr == 173 || nr == 0;
    nr &= ~(long)TR_X32_BIT;
    return nr == __NR_exit || nr == __NR_exit_group || nr == 513 /* x32 rt_sigreturn */ ||
           nr == __NR_restart_syscall;
}

/* i386 names whose x86_64 call has another name. */
static long native_by_name(const char *name)
{
    static const struct {
        const char *i386, *x64;
    } renames[] = {{"fcntl64", "fcntl"},
                   {"mmap2", "mmap"},
                   {"ugetrlimit", "getrlimit"},
                   {"_llseek", "lseek"},
                   {"_newselect", "select"}};
    for (size_t i = 0; i < sizeof renames / sizeof renames[0]; i++)
        if (strcmp(name, renames[i].i386) == 0)
            return tr_sys_by_name(renames[i].x64);
    return tr_sys_by_name(name);
}

/* i386 ipc(call, first, second, third, ptr, fifth): the shm calls (the ring protection must
 * see them whichever way they are made). */
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
        nr &= ~(long)TR_X32_BIT;
        if (nr >= X32_OWN_LO && nr < X32_OWN_HI)
            return x32_own_names[nr - X32_OWN_LO] ? native_by_name(x32_own_names[nr - X32_OWN_LO])
                                                  : -1;
        return nr < TR_MAX_NR ? nr : -1;
    }
    uint64_t a[6];
    for (int i = 0; i < 6; i++)
        a[i] = (uint32_t)in[i];
    if (nr == 117) /* ipc */
        return ipc_native(a, out);
    memcpy(out, a, sizeof a);
    if (nr >= 424) /* the numbering is shared from here on */
        return nr < TR_MAX_NR ? nr : -1;
    const char *name = nr >= 0 && nr < I386_MAX ? i386_names[nr] : NULL;
    return name ? native_by_name(name) : -1;
}

#else /* AArch32 tasks on arm64: no table built in (Graviton 2 and later cannot run them) */

const char *tr_abi_name(enum tr_abi abi, long nr)
{
    return abi == TR_ABI_NATIVE ? tr_sys_name(nr) : NULL;
}

int tr_abi_may_end(enum tr_abi abi, long nr)
{
    (void)abi; /* AArch32 EABI: exit, exit_group, sigreturn, rt_sigreturn, restart_syscall */
    return nr == 1 || nr == 248 || nr == 119 || nr == 173 || nr == 0;
}

long tr_abi_native(enum tr_abi abi, long nr, const uint64_t in[6], uint64_t out[6])
{
    memcpy(out, in, 6 * sizeof out[0]);
    return abi == TR_ABI_NATIVE ? nr : -1;
}

#endif
