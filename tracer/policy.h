/* tracer: what a traced workload may not do (docs/security.md, "Tracer: ..."). Every syscall
 * stop goes through tr_policy_entry before it is decoded, whatever SECCOMP_RET_DATA tag the
 * filter returned: a workload's own seccomp filter can return SECCOMP_RET_TRACE with data of its
 * choosing (among equal actions the newest filter wins the data), so a tag is a hint for nothing
 * and every check is made here, in C, from the ABI, number and arguments.
 *
 * Denied calls fail with an errno (the syscall does not run); emulated ones (kill(-1)) are done
 * by the tracer and skipped with its result; each is reported as a `tamper` event with a
 * technique, a target and an action (docs/event-format.md). */
#ifndef TRACER_POLICY_H
#define TRACER_POLICY_H

#include <stdint.h>
#include <sys/types.h>

#include "trace.h"

/* Fills the monitor knowledge of st (process group, launcher, pid namespace). */
void tr_policy_init(struct tr_state *st);

/* Entry (seccomp or syscall-entry) stop of t. Returns 1 when the tracer has dealt with the call
 * (denied or emulated: nothing to decode), 0 when it runs as the workload asked. */
int tr_policy_entry(struct tr_state *st, struct tr_task *t, uint32_t arch, long nr,
                    const uint64_t args[6]);

/* Exit of a traced syscall that changes what the checks rely on (setpgid, setsid, chroot,
 * pivot_root, setns): keeps the task table's process groups and root flags current. */
void tr_policy_exit(struct tr_state *st, struct tr_task *t, long nr, const uint64_t args[6],
                    int64_t ret);

/* An open* that returned fd (or failed, fd < 0) on the file `path` (the new fd's path, or the
 * path as passed when it failed): a monitor's /proc/PID/mem, or a /proc/PID file that tunes a
 * monitor (oom_score_adj, autogroup, timerslack_ns...) opened for writing, is reported; an
 * fd that was opened is closed again in the tracee and the open fails with EACCES (the caller
 * resumes t as usual: inject.h). Returns 1 when it started that close. */
int tr_policy_open_exit(struct tr_state *st, struct tr_task *t, const char *path, uint64_t flags,
                        int64_t fd);

/* Emits a tamper event for t's syscall (nr < 0: not about one syscall). ret: the result the
 * workload sees (-errno when denied); observed: the call ran. */
void tr_emit_tamper(struct tr_state *st, struct tr_task *t, uint32_t arch, long nr,
                    const uint64_t *args, int64_t ret, const char *technique, const char *target,
                    int observed, const char *reason);

#endif
