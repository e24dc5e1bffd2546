/* Unit tests: per-architecture syscall names (lib/tt_sysnames.c) and the stream header's arch. */
#include "tt_event.h"
#include "tt_sysnames.h"
#include "tt_test.h"

TT_TEST(same_call_different_numbers)
{
    static const struct {
        const char *name;
        long x86_64, aarch64;
    } calls[] = {{"openat", 257, 56},    {"mprotect", 10, 226}, {"clone", 56, 220},
                 {"clone3", 435, 435},   {"execve", 59, 221},   {"ptrace", 101, 117},
                 {"getpid", 39, 172},    {"socket", 41, 198},   {"fchmodat2", 452, 452},
                 {"newfstatat", 262, 79}};
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        TT_CHECK_STR(tt_syscall_name(TT_ARCH_X86_64, calls[i].x86_64), calls[i].name);
        TT_CHECK_STR(tt_syscall_name(TT_ARCH_AARCH64, calls[i].aarch64), calls[i].name);
        TT_CHECK_INT(tt_syscall_nr(TT_ARCH_X86_64, calls[i].name), calls[i].x86_64);
        TT_CHECK_INT(tt_syscall_nr(TT_ARCH_AARCH64, calls[i].name), calls[i].aarch64);
    }
}

TT_TEST(generic_table_lacks_the_legacy_calls)
{
    static const char *const legacy[] = {"open",  "creat",  "fork",    "vfork",  "pipe",
                                         "dup2",  "unlink", "rename",  "mkdir",  "rmdir",
                                         "chmod", "link",   "symlink", "access", "stat"};
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++) {
        TT_CHECK(tt_syscall_nr(TT_ARCH_X86_64, legacy[i]) >= 0);
        TT_CHECK_INT(tt_syscall_nr(TT_ARCH_AARCH64, legacy[i]), -1);
    }
}

TT_TEST(unknown_numbers_and_abis)
{
    TT_CHECK(tt_syscall_name(TT_ARCH_X86_64, -1) == NULL);
    TT_CHECK(tt_syscall_name(TT_ARCH_AARCH64, TT_SYSNR_MAX) == NULL);
    TT_CHECK(tt_syscall_name(TT_ARCH_I386, 5) == NULL); /* no table for the compat ABIs */
    TT_CHECK(tt_syscall_name(0, 1) == NULL);
    TT_CHECK_INT(tt_syscall_nr(TT_ARCH_X86_64, "nosuchcall"), -1);
    TT_CHECK_INT(tt_syscall_nr(TT_ARCH_X86_64, NULL), -1);
    TT_CHECK_STR(tt_arch_name(TT_ARCH_X86_64), "x86_64");
    TT_CHECK_STR(tt_arch_name(TT_ARCH_AARCH64), "aarch64");
    TT_CHECK_STR(tt_arch_name(TT_ARCH_ARM), "arm");
    TT_CHECK_STR(tt_arch_name(TT_ARCH_I386), "i386");
    TT_CHECK(tt_arch_name(0) == NULL);
}

TT_TEST(stream_header_arch)
{
    struct tt_stream_hdr h;
    tt_stream_hdr_init(&h, 1, 2);
    TT_CHECK_INT(h.arch, TT_ARCH_NATIVE);
    TT_CHECK_INT(tt_stream_hdr_arch(&h), TT_ARCH_NATIVE);
    char why[128];
    TT_CHECK_INT(tt_stream_hdr_check(&h, why, sizeof why), 0);
    h.arch = 0; /* written before the field existed: every such stream came from x86_64 */
    TT_CHECK_INT(tt_stream_hdr_arch(&h), TT_ARCH_X86_64);
    TT_CHECK_INT(tt_stream_hdr_check(&h, why, sizeof why), 0);
    TT_CHECK_INT(sizeof h, 64);
}

int main(void)
{
    return tt_run_all();
}
