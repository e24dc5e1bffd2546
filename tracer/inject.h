/* tracer: syscalls the tracer makes a tracee run: a close of a monitor's /proc file the
 * workload opened (policy.c), prctl(PR_SET_DUMPABLE, 1) after a uid change (privs.c).
 *
 * At a syscall-exit stop, the tracee is sent back to its syscall instruction with the registers
 * of the call put in (arch.h); its signals are blocked meanwhile, so that no handler runs in
 * between; at that call's exit stop the registers and the signal mask come back and the
 * interrupted syscall returns what the caller chose. */
#ifndef TRACER_INJECT_H
#define TRACER_INJECT_H

#include <stdint.h>

#include "trace.h"

/* At t's syscall-exit stop: run syscall nr(args) in t, then the interrupted syscall returns
 * ret. The caller resumes t as usual (TF_INJECT makes that PTRACE_SYSCALL). 0, or -1 when it
 * cannot be done here (nothing changed). */
int tr_inject(struct tr_task *t, long nr, const uint64_t args[6], int64_t ret);

/* A syscall stop of t (info from PTRACE_GET_SYSCALL_INFO): 1 when it was a stop of the call put
 * in, handled (t resumed at its entry; at its exit, registers restored and t left for the
 * caller to resume); 0 for any other stop, handled as usual. A stop of another syscall in its
 * place (another thread rewrote the syscall instruction) ends the injection: the registers stay
 * as they are, the signal mask comes back, and the stop gets every check. */
struct __ptrace_syscall_info;
int tr_inject_stop(struct tr_state *st, struct tr_task *t,
                   const struct __ptrace_syscall_info *info);

#endif
