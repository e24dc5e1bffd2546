/* Syscall name tables, one per native 64-bit ABI (see tt_sysnames.h). */
#include "tt_sysnames.h"

#include <stddef.h>
#include <string.h>

#include "tt_event.h"

#define SC(nr, name) [nr] = name,
static const char *const names_x86_64[TT_SYSNR_MAX] = {
#include "sysnames_x86_64.def"
};
static const char *const names_aarch64[TT_SYSNR_MAX] = {
#include "sysnames_aarch64.def"
};
#undef SC

static const char *const *table_of(uint32_t audit_arch)
{
    switch (audit_arch) {
    case TT_ARCH_X86_64:
        return names_x86_64;
    case TT_ARCH_AARCH64:
        return names_aarch64;
    default:
        return NULL;
    }
}

const char *tt_syscall_name(uint32_t audit_arch, long nr)
{
    const char *const *t = table_of(audit_arch);
    return t && nr >= 0 && nr < TT_SYSNR_MAX ? t[nr] : NULL;
}

long tt_syscall_nr(uint32_t audit_arch, const char *name)
{
    const char *const *t = table_of(audit_arch);
    for (long i = 0; t && name && i < TT_SYSNR_MAX; i++)
        if (t[i] && strcmp(t[i], name) == 0)
            return i;
    return -1;
}

const char *tt_arch_name(uint32_t audit_arch)
{
    switch (audit_arch) {
    case TT_ARCH_X86_64:
        return "x86_64";
    case TT_ARCH_AARCH64:
        return "aarch64";
    case TT_ARCH_I386:
        return "i386";
    case TT_ARCH_ARM:
        return "arm";
    default:
        return NULL;
    }
}
