/* tracer: the syscall ABIs a traced process can use besides the native one (x86_64: i386
 * through int 0x80/sysenter, and x32; aarch64: AArch32), and the native number of a compat call,
 * so the ring and monitor protections hold for every ABI. */
#ifndef TRACER_ABI_H
#define TRACER_ABI_H

#include <stdint.h>

enum tr_abi { TR_ABI_NATIVE = 0, TR_ABI_COMPAT, TR_ABI_X32 };

#if defined(__x86_64__)
#define TR_COMPAT_ABI_NAME "i386"
#else
#define TR_COMPAT_ABI_NAME "arm"
#endif
#define TR_X32_BIT 0x40000000ul

/* Which ABI a syscall stop is in (from PTRACE_GET_SYSCALL_INFO's arch and nr). */
enum tr_abi tr_abi_of(uint32_t arch, long nr);

/* The native number of the call nr makes in abi, with its arguments in the native layout in out
 * (compat: 32-bit values zero-extended; i386's ipc() multiplexer's shm calls become shmget,
 * shmat, shmctl, shmdt), matched by name (fcntl64 is fcntl, ...). -1 when it has no native
 * counterpart (i386 and AArch32 calls the 64-bit table lacks: open, fork, ARM's set_tls...).
 * For the native ABI, nr and args unchanged. */
long tr_abi_native(enum tr_abi abi, long nr, const uint64_t in[6], uint64_t out[6]);

/* exit, exit_group, (rt_)sigreturn or restart_syscall in abi: what a process must be able to
 * call even when its ABI is denied. */
int tr_abi_may_end(enum tr_abi abi, long nr);

/* The name of nr in abi (compat: i386 or AArch32 EABI); NULL if unknown. */
const char *tr_abi_name(enum tr_abi abi, long nr);

#endif
