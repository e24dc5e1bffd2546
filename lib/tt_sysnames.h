/* Syscall names by number for each architecture a Tartan stream can come from, and the
 * architectures' names. The numbers are the kernel's, per AUDIT_ARCH_* (an event's `arch`
 * parameter, the stream header's `arch`); the names are the same on every architecture. */
#ifndef TT_SYSNAMES_H
#define TT_SYSNAMES_H

#include <stdint.h>

#define TT_SYSNR_MAX 512 /* numbers of the native ABIs of both architectures are below this */

/* Name of syscall nr under audit_arch (TT_ARCH_*), NULL if unknown (or an ABI without a table:
 * i386, arm). */
const char *tt_syscall_name(uint32_t audit_arch, long nr);
/* Number of a syscall by name under audit_arch, -1 if that architecture has no such syscall
 * (aarch64 has no open, fork, ...: only openat, clone, ...). */
long tt_syscall_nr(uint32_t audit_arch, const char *name);
/* "x86_64", "aarch64", "i386", "arm"; NULL for any other value. */
const char *tt_arch_name(uint32_t audit_arch);

#endif
