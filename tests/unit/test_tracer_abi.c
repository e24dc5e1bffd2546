/* Unit tests: the tracer's compat ABIs (tracer/abi.c) on the machine's architecture: the
 * compat table names the calls by the kernel's numbers (i386 on x86_64, AArch32 EABI on
 * aarch64), the calls the policy checks map to their native numbers with 32-bit arguments,
 * the calls that end a process are recognised, and calls the native table lacks map to none. */
#include <string.h>
#include <sys/syscall.h>

#include "abi.h"
#include "tracer.h"
#include "tt_test.h"

/* Compat numbers of the kernel's tables (arch/x86/entry/syscalls/syscall_32.tbl,
 * arch/arm/tools/syscall.tbl). */
#if defined(__x86_64__)
enum {
    C_OPEN = 5,
    C_GETPID = 20,
    C_KILL = 37,
    C_FCNTL64 = 221,
    C_EXIT_GROUP = 252,
    C_SHMGET = 395,
    C_SHMAT = 397,
    C_CLONE = 120,
    C_PRLIMIT64 = 340,
    C_CLONE3 = 435
};
#define COMPAT "i386"
#else
enum {
    C_OPEN = 5,
    C_GETPID = 20,
    C_KILL = 37,
    C_FCNTL64 = 221,
    C_EXIT_GROUP = 248,
    C_SHMGET = 307,
    C_SHMAT = 305,
    C_CLONE = 120,
    C_PRLIMIT64 = 369,
    C_CLONE3 = 435
};
#define COMPAT "arm"
#endif

static long native(long nr, uint64_t out[6])
{
    const uint64_t in[6] = {0xffffffff00000007ull, 9, 0x100000002ull, 3, 4, 5};
    return tr_abi_native(TR_ABI_COMPAT, nr, in, out);
}

TT_TEST(compat_names_follow_the_kernels_table)
{
    TT_CHECK_STR(TR_COMPAT_ABI_NAME, COMPAT);
    TT_CHECK_STR(tr_abi_name(TR_ABI_COMPAT, C_OPEN), "open");
    TT_CHECK_STR(tr_abi_name(TR_ABI_COMPAT, C_KILL), "kill");
    TT_CHECK_STR(tr_abi_name(TR_ABI_COMPAT, C_SHMGET), "shmget");
    TT_CHECK_STR(tr_abi_name(TR_ABI_COMPAT, C_FCNTL64), "fcntl64");
    TT_CHECK_STR(tr_abi_name(TR_ABI_COMPAT, C_CLONE3), "clone3");
    TT_CHECK(tr_abi_name(TR_ABI_COMPAT, 100000) == NULL);
    TT_CHECK(tr_abi_name(TR_ABI_COMPAT, -1) == NULL);
#if defined(__aarch64__)
    TT_CHECK_STR(tr_abi_name(TR_ABI_COMPAT, 0xf0005), "set_tls"); /* ARM-private calls */
    TT_CHECK_STR(tr_abi_name(TR_ABI_COMPAT, 0xf0002), "cacheflush");
    TT_CHECK(tr_abi_name(TR_ABI_COMPAT, 0xf0000) == NULL);
#endif
}

TT_TEST(compat_calls_map_to_native_numbers_and_32_bit_arguments)
{
    uint64_t out[6];
    TT_CHECK_INT(native(C_KILL, out), __NR_kill);
    TT_CHECK(out[0] == 7 && out[1] == 9 && out[2] == 2); /* upper halves dropped */
    TT_CHECK_INT(native(C_GETPID, out), __NR_getpid);
    TT_CHECK_INT(native(C_SHMGET, out), __NR_shmget);
    TT_CHECK_INT(native(C_SHMAT, out), __NR_shmat);
    TT_CHECK_INT(native(C_FCNTL64, out), __NR_fcntl);
    TT_CHECK_INT(native(C_CLONE, out), __NR_clone);
    TT_CHECK_INT(native(C_CLONE3, out), __NR_clone3);
    TT_CHECK_INT(native(C_PRLIMIT64, out), __NR_prlimit64);
    /* no native counterpart: -1 (x86_64 has open, aarch64 does not) */
    TT_CHECK_INT(native(C_OPEN, out), tr_sys_by_name("open"));
    TT_CHECK_INT(native(100000, out), -1);
#if defined(__aarch64__)
    TT_CHECK_INT(native(0xf0005, out), -1);
#endif
}

TT_TEST(compat_calls_that_end_a_process)
{
    TT_CHECK(tr_abi_may_end(TR_ABI_COMPAT, 1));            /* exit */
    TT_CHECK(tr_abi_may_end(TR_ABI_COMPAT, C_EXIT_GROUP)); /* exit_group */
    TT_CHECK(tr_abi_may_end(TR_ABI_COMPAT, 119));          /* sigreturn */
    TT_CHECK(tr_abi_may_end(TR_ABI_COMPAT, 173));          /* rt_sigreturn */
    TT_CHECK(tr_abi_may_end(TR_ABI_COMPAT, 0));            /* restart_syscall */
    TT_CHECK(!tr_abi_may_end(TR_ABI_COMPAT, C_KILL));
    TT_CHECK(!tr_abi_may_end(TR_ABI_COMPAT, C_GETPID));
    TT_CHECK(!tr_abi_may_end(TR_ABI_COMPAT, -1));
}

#if defined(__x86_64__)
TT_TEST(i386_ipc_shm_calls_and_x32)
{
    uint64_t out[6];
    const uint64_t get[6] = {23 /* SHMGET */, 0x1234, 4096, 0600, 0, 0};
    TT_CHECK_INT(tr_abi_native(TR_ABI_COMPAT, 117, get, out), __NR_shmget);
    TT_CHECK(out[0] == 0x1234 && out[1] == 4096 && out[2] == 0600);
    const uint64_t at[6] = {21 /* SHMAT */, 5, 0, 0x8000, 0x9000, 0};
    TT_CHECK_INT(tr_abi_native(TR_ABI_COMPAT, 117, at, out), __NR_shmat);
    TT_CHECK(out[0] == 5 && out[1] == 0x9000 && out[2] == 0);
    TT_CHECK_INT(tr_abi_native(TR_ABI_X32, TR_X32_BIT | __NR_kill, get, out), __NR_kill);
    TT_CHECK_STR(tr_abi_name(TR_ABI_X32, TR_X32_BIT | 513), "rt_sigreturn");
    TT_CHECK(tr_abi_may_end(TR_ABI_X32, TR_X32_BIT | 513));
    TT_CHECK(tr_abi_may_end(TR_ABI_X32, TR_X32_BIT | __NR_exit_group));
}
#endif

int main(void)
{
    return tt_run_all();
}
