/* tracer: process descriptions read from /proc (exe path, cwd, comm, ids, caps, tty, session,
 * cgroups and container id, exe inode times, fd limit, namespace ids, environment), added as
 * event parameters to execve and procinfo events. */
#ifndef TRACER_PROCFS_H
#define TRACER_PROCFS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "tt_event.h"

/* Reads a whole small /proc file into buf (NUL-terminated). Returns bytes read or -1. */
ssize_t tr_proc_read(const char *path, char *buf, size_t cap);

/* Adds exe (argv[0]) and args (argv[1..]) from /proc/PID/cmdline. */
void tr_proc_add_cmdline(struct tt_evb *b, pid_t pid);

/* Adds the process description of thread tid (process pid). ptid >= 0 is the parent the engine
 * must see (the tracer made invisible); ptid < 0 reads PPid from /proc. with_env adds env.
 * The same as tr_proc_add_exe, tr_proc_add_rest and (with_env) tr_proc_add_env in a row. */
void tr_proc_add_desc(struct tt_evb *b, pid_t pid, pid_t tid, long ptid, int with_env);

/* The parts of a description that vanish or can change without a traced syscall once the
 * process runs, read while it is stopped: the executable (path, inode, times, filesystem: gone
 * when the process exits, and an exe that vanished would hide a dropped binary) and the
 * environment (in the process' own memory). */
struct tr_exe_info {
    char path[4096 + 2]; /* "" when unreadable */
    int have_stat;
    struct stat st;
    int overlay; /* on overlayfs */
};
void tr_proc_add_exe(struct tt_evb *b, pid_t pid, struct tr_exe_info *x);
void tr_proc_add_env(struct tt_evb *b, pid_t pid);

/* The rest: cwd, comm, ids, caps, loginuid, tty, session, start time, cgroups, fd limit, and
 * the exe flags (judged from exe with the credentials read here). */
void tr_proc_add_rest(struct tt_evb *b, pid_t pid, pid_t tid, long ptid,
                      const struct tr_exe_info *exe);

/* The workload's main process when the tracer, or the Tartan launcher that started it, is PID 1
 * of its pid namespace (a container's init chain): without Tartan that process would be the
 * container's PID 1, so its descriptions say vpid 1 (and vtid 1 for its leader thread), as its
 * ptid says 0 (launch.c), and a process group or session it leads is 1 too. 0: none (attach
 * mode, or not an init chain). */
void tr_proc_set_init(pid_t pid);

/* Tgid and PPid of a thread from /proc/TID/status; -1 if it is gone. */
int tr_proc_ids(pid_t tid, pid_t *tgid, pid_t *ppid);

unsigned long long tr_now_ns(void);

#endif
