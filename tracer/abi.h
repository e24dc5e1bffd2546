/* tracer: the three x86_64 syscall ABIs (native, i386 through int 0x80/sysenter, x32) and the
 * native number of a compat call, so the ring and monitor protections hold for every ABI. */
#ifndef TRACER_ABI_H
#define TRACER_ABI_H

#include <stdint.h>

enum tr_abi { TR_ABI_X64 = 0, TR_ABI_I386, TR_ABI_X32 };

#define TR_X32_BIT 0x40000000ul

/* Which ABI a syscall stop is in (from PTRACE_GET_SYSCALL_INFO's arch and nr). */
enum tr_abi tr_abi_of(uint32_t arch, long nr);

/* The x86_64 number of the call nr makes in abi, with its arguments in the x86_64 layout in out
 * (i386: 32-bit values zero-extended; the ipc() multiplexer's shm calls become shmget, shmat,
 * shmctl, shmdt). -1 when it has no x86_64 counterpart. For TR_ABI_X64, nr and args unchanged. */
long tr_abi_native(enum tr_abi abi, long nr, const uint64_t in[6], uint64_t out[6]);

/* The i386 or x32 name of nr, for messages; NULL if unknown. */
const char *tr_abi_name(enum tr_abi abi, long nr);

#endif
