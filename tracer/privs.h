/* tracer: what the tracer may do where it runs (uid, capabilities, Yama ptrace_scope,
 * no_new_privs), the one line it prints about that at start, the refusals that name the missing
 * piece and the deployment field that grants it, and what happens to a traced process whose
 * memory the tracer can no longer read.
 *
 * Launch mode needs no capability: a process may ptrace its own children while they run with
 * its uid and gid and stay dumpable. Without CAP_SYS_PTRACE the kernel refuses to read a tracee
 * that changed its uid or gid, exec'd a file it cannot read (execute-only) or called
 * prctl(PR_SET_DUMPABLE, 0): such a process is reported as tamper and, fail-closed, killed. */
#ifndef TRACER_PRIVS_H
#define TRACER_PRIVS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace.h"

struct tr_privs {
    long uid, euid, gid, egid; /* -1: unknown */
    uint64_t cap_eff, cap_bnd;
    int no_new_privs; /* -1: unknown */
    int yama;         /* kernel.yama.ptrace_scope 0-3; -1: no Yama */
};

/* Fills p from the text of a /proc/PID/status file and of /proc/sys/kernel/yama/ptrace_scope
 * (NULL: Yama absent). */
void tr_privs_parse(struct tr_privs *p, const char *status, const char *yama);
/* The same for this process. */
void tr_privs_read(struct tr_privs *p);
int tr_privs_has_cap(const struct tr_privs *p, int cap);

enum tr_privs_verdict {
    TR_PRIVS_FULL = 0, /* CAP_SYS_PTRACE: every tracee readable */
    TR_PRIVS_LIMITED,  /* works; tracees that change uid or become non-dumpable are lost */
    TR_PRIVS_REFUSED,  /* cannot work: msg names the missing piece and where to grant it */
};

/* Launch mode (attach 0) or attach mode: one line in msg saying what was found and what it
 * implies, or, refused, what is missing and the field that grants it (ECS task definition,
 * Kubernetes pod spec, docker flag). */
enum tr_privs_verdict tr_privs_assess(const struct tr_privs *p, int attach, int fail_open,
                                      char *msg, size_t cap);

/* Attach mode: can the tracer seize pid, whose /proc status text is target_status?
 * descendant: pid descends from the tracer (what Yama ptrace_scope 1 allows). seize_errno: 0
 * before trying, or the errno of a PTRACE_SEIZE that failed (EPERM: explains why). */
enum tr_privs_verdict tr_privs_attach_target(const struct tr_privs *p, pid_t pid,
                                             const char *target_status, int descendant,
                                             int seize_errno, char *msg, size_t cap);

/* Launch mode: PTRACE_SEIZE of the workload's first process failed with EPERM although the
 * probe allowed it (a seccomp, AppArmor or SELinux profile). */
void tr_privs_launch_refusal(const struct tr_privs *p, char *msg, size_t cap);

/* Technique names of the tamper events below. */
#define TR_TECH_UNREADABLE_EXEC "unreadable_exec"     /* exec left the process non-dumpable */
#define TR_TECH_UNREADABLE_MEMORY "unreadable_memory" /* e.g. a seteuid-style uid change */
#define TR_TECH_SET_NONDUMPABLE "set_nondumpable"     /* prctl(PR_SET_DUMPABLE, 0) */

/* Without CAP_SYS_PTRACE, prctl(PR_SET_DUMPABLE, 0) would close the tracee's memory to the
 * tracer: at its entry stop it is denied with EPERM and a tamper event (programs that harden
 * themselves this way, ssh-agent, sshd, treat that as non-fatal). 1: denied. */
int tr_privs_deny_undumpable(struct tr_state *st, struct tr_task *t, long nr, const uint64_t *args);

/* exec left t unreadable (exe_path: as read at the exec stop, "" when /proc refused it). */
void tr_unreadable_exec(struct tr_state *st, struct tr_task *t, const char *exe_path);

/* A read at this syscall stop was refused (tr_mem_refused): reports t; fail-closed, the
 * syscall at an entry stop does not run. */
struct __ptrace_syscall_info;
void tr_unreadable_stop(struct tr_state *st, struct tr_task *t,
                        const struct __ptrace_syscall_info *info);

/* Exit stop of a successful setuid, setgid, setreuid, setregid, setresuid or setresgid of t:
 * adds the resulting ids to its pending event (the engine's user.* and group.*), notes the ids
 * t can be read with, and, without CAP_SYS_PTRACE, makes t dumpable again (syscall put in,
 * inject.h; t is resumed as usual). */
void tr_privs_setid_exit(struct tr_state *st, struct tr_task *t);

/* At each stop of t, before anything reads it: the tracer's fs ids become those t can be read
 * with (nothing to do until a tracee has changed ids). */
void tr_privs_read_as(struct tr_state *st, struct tr_task *t);

/* A new task c of t (clone, fork): it has t's ids. */
void tr_privs_inherit(struct tr_task *c, const struct tr_task *t);

#endif
