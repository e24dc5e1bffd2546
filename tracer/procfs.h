/* tracer: process descriptions read from /proc (exe path, cwd, comm, ids, caps, tty, session,
 * cgroups and container id, exe inode times, fd limit, namespace ids, environment), added as
 * event parameters to execve and procinfo events. */
#ifndef TRACER_PROCFS_H
#define TRACER_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

#include "tt_event.h"

/* Reads a whole small /proc file into buf (NUL-terminated). Returns bytes read or -1. */
ssize_t tr_proc_read(const char *path, char *buf, size_t cap);

/* Adds exe (argv[0]) and args (argv[1..]) from /proc/PID/cmdline. */
void tr_proc_add_cmdline(struct tt_evb *b, pid_t pid);

/* Adds the process description of thread tid (process pid). ptid >= 0 is the parent the engine
 * must see (the tracer made invisible); ptid < 0 reads PPid from /proc. with_env adds env. */
void tr_proc_add_desc(struct tt_evb *b, pid_t pid, pid_t tid, long ptid, int with_env);

/* Tgid and PPid of a thread from /proc/TID/status; -1 if it is gone. */
int tr_proc_ids(pid_t tid, pid_t *tgid, pid_t *ppid);

/* Container id (64 hex digits) found in cgroup text, copied to out (>= 65 bytes); "" if none. */
void tr_proc_container_id(const char *cgroup_text, char *out, size_t cap);

/* CLOCK_REALTIME ns of the boot moment (to turn /proc start times into timestamps). */
unsigned long long tr_boot_realtime_ns(void);
unsigned long long tr_now_ns(void);

#endif
