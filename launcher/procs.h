/* Signalling processes the launcher did not start itself: orphans re-parented to it. */
#ifndef LAUNCHER_PROCS_H
#define LAUNCHER_PROCS_H

#include <sys/types.h>

/* Sends sig to every child of `parent` found in /proc, except those for which skip(ctx, pid)
 * returns non-zero (skip may be NULL). Returns how many were signalled, or -1 if /proc could
 * not be read. */
int launcher_signal_children(pid_t parent, int sig, int (*skip)(void *ctx, pid_t pid), void *ctx);

/* Parent pid from the text of /proc/PID/stat; -1 if malformed. */
pid_t launcher_stat_ppid(const char *stat_text);

/* Session id of pid from /proc (-1 if unknown). */
pid_t launcher_proc_session(pid_t pid);
/* State letter of pid from /proc/PID/stat ('R', 'S', 'T', ...), 0 if unknown. */
char launcher_proc_state(pid_t pid);

#endif
