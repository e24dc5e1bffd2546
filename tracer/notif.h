/* tracer: seccomp user notifications, the cheaper stop for calls the tracer only looks at before
 * they run (entry-only events, the defences' checks: tr_filter_entry_only). The workload's first
 * process installs the listener's program, hands the listener to the tracer over a socket
 * (SCM_RIGHTS: no pidfd_getfd, which container seccomp profiles refuse) and then installs the
 * ptrace program. Each notification goes through the same checks and decoding as a seccomp
 * stop (loop.c); the answer lets the call run, or makes it fail (a denial) or return a value
 * (an emulation). Figures and trade-offs: docs/internals/tracer-stops.md. */
#ifndef TRACER_NOTIF_H
#define TRACER_NOTIF_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "trace.h"

/* Child side: installs prog with a listener and sends it over sock (or, when the kernel has no
 * listeners, the reason). Returns 0 when the child can go on (with or without a listener). */
int tr_notif_child_install(const struct sock_filter *prog, size_t len, int sock);
/* Tracer side: the child's answer. Returns the listener fd, or -1 (none: reason logged at info). */
int tr_notif_receive(int sock);
/* Asks the kernel to wake each side on the other's CPU (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 6.6+):
 * the tracer runs where the tracee waits, and the tracee resumes there. 1 if set. */
int tr_notif_sync_wakeup(int fd);

/* Handles every pending notification of st->notif_fd (non-blocking once the first is read).
 * Returns how many it answered. */
int tr_notif_drain(struct tr_state *st);

/* (loop.c) The checks and decoding of a call before it runs, at a seccomp stop or a
 * notification; t->flags has TF_NOTIF for the latter. */
void tr_stop_entry(struct tr_state *st, struct tr_task *t, long nr, const uint64_t *args,
                   uint32_t arch);

#endif
