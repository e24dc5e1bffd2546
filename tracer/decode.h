/* tracer: turning a syscall stop into an event: arguments at the entry (or seccomp) stop, the
 * return value and kernel-filled outputs at the exit stop. */
#ifndef TRACER_DECODE_H
#define TRACER_DECODE_H

#include <stdint.h>

#include "procfs.h"
#include "trace.h"

/* Entry of syscall nr (arch: AUDIT_ARCH_*; compat: not a native x86_64 call). Starts the
 * task's pending event; returns 1 if an exit stop is needed to finish it, 0 if nothing is
 * pending. */
int tr_decode_entry(struct tr_state *st, struct tr_task *t, long nr, const uint64_t args[6],
                    uint32_t arch, int compat);
/* Exit stop: adds outputs, sets ret and emits. No-op without a pending event. */
void tr_decode_exit(struct tr_state *st, struct tr_task *t, int64_t ret);
/* Successful exec (PTRACE_EVENT_EXEC) of task t (now the leader, tid == pid): its
 * execve/execveat event with the new process description, in two halves. _begin, while t is
 * stopped, adds what the new program could take away without a traced syscall (its exe path,
 * gone if it exits; its environment, in its own memory). _finish adds the rest and emits; the
 * caller resumes t in between, so the new program starts while /proc is read (every syscall
 * that changes the rest -- setuid family, capset, prctl, chdir, setsid, open -- is traced and
 * waits at its seccomp stop until this event is out). */
struct tr_exec_desc {
    struct tt_evb fresh; /* builder when the exec entry was not seen */
    uint8_t *pending;    /* t->buf, set aside while t runs */
    struct tr_exe_info exe;
};
struct tt_evb *tr_decode_exec_begin(struct tr_state *st, struct tr_task *t, struct tr_exec_desc *x);
void tr_decode_exec_finish(struct tr_state *st, struct tr_task *t, struct tt_evb *b,
                           struct tr_exec_desc *x);
/* Writes a finished record to the sink. */
void tr_emit(struct tr_state *st, const void *rec);

#endif
