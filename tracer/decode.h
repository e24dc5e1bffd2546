/* tracer: turning a syscall stop into an event: arguments at the entry (or seccomp) stop, the
 * return value and kernel-filled outputs at the exit stop. */
#ifndef TRACER_DECODE_H
#define TRACER_DECODE_H

#include <stdint.h>

#include "trace.h"

/* Entry of syscall nr (arch: AUDIT_ARCH_*; compat: not a native x86_64 call). Starts the
 * task's pending event; returns 1 if an exit stop is needed to finish it, 0 if nothing is
 * pending. */
int tr_decode_entry(struct tr_state *st, struct tr_task *t, long nr, const uint64_t args[6],
                    uint32_t arch, int compat);
/* Exit stop: adds outputs, sets ret and emits. No-op without a pending event. */
void tr_decode_exit(struct tr_state *st, struct tr_task *t, int64_t ret);
/* Successful exec (PTRACE_EVENT_EXEC): emits the execve/execveat event of task t (now the
 * leader, tid == pid) with the new process description. */
void tr_decode_exec_done(struct tr_state *st, struct tr_task *t);
/* Denied access to the ring: emits a tamper event. */
void tr_emit_tamper(struct tr_state *st, struct tr_task *t, long nr, const uint64_t args[6]);
/* Writes a finished record to the sink. */
void tr_emit(struct tr_state *st, const void *rec);

#endif
