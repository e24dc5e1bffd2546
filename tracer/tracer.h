/* tracer: internal types shared by the tracer's files (options, tasks, the tracer state). */
#ifndef TRACER_TRACER_H
#define TRACER_TRACER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "tt_event.h"
#include "tt_exit.h"

#define TR_MAX_NR 512 /* native syscall numbers we know about are below this (x86_64, aarch64) */

/* Exit codes of the tracer itself (the workload's own status passes through otherwise). */
enum {
    TR_EXIT_USAGE = TT_EXIT_USAGE,
    TR_EXIT_FAILURE = TT_EXIT_WRAPPER_FAILURE, /* could not set up (ptrace refused, no ring, ...) */
    TR_EXIT_NOEXEC = 126,
    TR_EXIT_NOTFOUND = 127,
};

/* A set of native syscall numbers. */
struct tr_sysset {
    uint8_t bits[TR_MAX_NR / 8];
    /* socket stops only for these domains (bit d: domain d < 63); 0: every domain. From list
     * entries `socket.domain=D`, which the engine writes when its rules look only at those. */
    uint64_t socket_domains;
    /* entry `proc.env`: the engine's rules read the environment (as -E) */
    int with_env;
    /* entry `recvfrom.all`: every recvfrom stops (the rules read received data), not only
     * those with a source address (a datagram's peer) */
    int recvfrom_all;
    /* entries `NAME.entry`: the rules read only the arguments of these calls (nothing the
     * kernel returns), so they are reported before they run, with no exit stop */
    uint8_t entry[TR_MAX_NR / 8];
    /* execve, execveat reported from the exec itself only (no entry stop, so no failed exec):
     * a list that does not name them plainly (`execve.success`, or not at all) */
    int execve_event_only, execveat_event_only;
};

static inline int tr_sysset_has(const struct tr_sysset *s, long nr)
{
    return nr >= 0 && nr < TR_MAX_NR && (s->bits[nr >> 3] >> (nr & 7)) & 1;
}
static inline int tr_sysset_entry(const struct tr_sysset *s, long nr)
{
    return nr >= 0 && nr < TR_MAX_NR && (s->entry[nr >> 3] >> (nr & 7)) & 1;
}
static inline void tr_sysset_add(struct tr_sysset *s, long nr)
{
    if (nr >= 0 && nr < TR_MAX_NR)
        s->bits[nr >> 3] |= (uint8_t)(1u << (nr & 7));
}

enum tr_fail_policy { TR_FAIL_CLOSED = 0, TR_FAIL_OPEN = 1 };

/* The tracer's defences against a workload that knows it is traced (docs/security.md). Each one
 * can be switched off for tests only (--unsafe-disable-defence NAME: logged, and recorded in the
 * tracerinfo event); the ones marked (allow) can also be re-allowed in production with --allow
 * NAME, which keeps the class working and reports each use as an `observed` tamper event. */
enum tr_defence {
    TR_DEF_IO_URING = 0,     /* io_uring_setup/enter/register: ENOSYS (allow) */
    TR_DEF_SECCOMP_LISTENER, /* seccomp filters with a user-notification listener: EPERM */
    TR_DEF_CLONE3,           /* clone3: ENOSYS from the filter, libc falls back to clone (allow) */
    TR_DEF_COMPAT_ABI,       /* i386 (int 0x80) and x32 syscalls: ENOSYS (allow) */
    TR_DEF_MONITORS,         /* signals, ptrace, process_vm, pidfd, priority... aimed at monitors */
    TR_DEF_PGRP,             /* the workload in a process group of its own */
    TR_DEF_NONDUMPABLE,      /* the tracer non-dumpable once the workload is seized */
    TR_DEF_RING,             /* shmget/shmat/shmctl (every ABI) on the event ring */
    TR_DEF_ARG_SWAP,         /* events from what the kernel did (opened fd, socket peer) */
    TR_DEF_UNREADABLE_EXEC,  /* a tracee the tracer cannot read: reported, killed (privs.c) */
    TR_DEF_OPEN_BY_HANDLE,   /* open_by_handle_at always traced, named from its fd */
    TR_DEF_INJECT,           /* the stops after a syscall put in are that call's (inject.c) */
    TR_DEF_COUNT,
};
#define TR_DEF_BIT(d) (1u << (d))
/* Name of a defence (also the --allow / --unsafe-disable-defence word); NULL if out of range. */
const char *tr_defence_name(int d);
/* Which defences --allow accepts. */
#define TR_DEF_ALLOWABLE                                                                           \
    (TR_DEF_BIT(TR_DEF_IO_URING) | TR_DEF_BIT(TR_DEF_CLONE3) | TR_DEF_BIT(TR_DEF_COMPAT_ABI))

struct tr_opts {
    int attach_pid;            /* -p PID; 0 when launching */
    char **cmd;                /* CMD ARGS... (NULL-terminated) when launching */
    const char *capture;       /* -w FILE */
    int ring_key;              /* --ring-key */
    size_t ring_size;          /* --ring-size */
    int ring_blocking;         /* --blocking */
    int wait_engine_ms;        /* --wait-engine MS: bounded wait for the consumer (-1 forever) */
    int fail_policy;           /* --fail-open / --fail-closed */
    int trace_all;             /* -a */
    const char *syscalls;      /* --syscalls LIST (comma separated event/syscall names) */
    const char *syscalls_file; /* --syscalls-file FILE: the same, read once the engine attached */
    int with_env;              /* -E: environment in execve / procinfo events */
    int grace_ms;        /* --grace SECONDS: descendants' grace after the main process exits */
    int spin_us;         /* --spin US: busy-poll waitpid before sleeping */
    int no_snapshot;     /* --no-snapshot */
    int verbose;         /* -v (repeatable) */
    int quiet;           /* -q */
    long ptid_override;  /* --ptid N: parent the engine sees for the workload (-1: automatic) */
    int keep_ptrace_cap; /* --keep-ptrace-cap: do not drop CAP_SYS_PTRACE from the workload */
    int open_ino;        /* --open-ino: dev and ino of the file a successful open returned */
    unsigned allow;      /* --allow: TR_DEF_BIT()s re-allowed (reported as observed) */
    unsigned unsafe_off; /* --unsafe-disable-defence: TR_DEF_BIT()s switched off (tests only) */
    int stops_ptrace;    /* --stops ptrace: no user notifications */
};

/* A defence is active unless switched off (tests) or re-allowed. */
static inline int tr_def_on(const struct tr_opts *o, int d)
{
    return !((o->unsafe_off | o->allow) & TR_DEF_BIT(d));
}

/* Parses argv into o (defaults, then TRACER_* environment, then flags). Returns 0 to run,
 * 1 when it printed help/version (exit 0), -1 on a usage error (message printed). */
int tr_opts_parse(struct tr_opts *o, int argc, char **argv);

/* ---- syscall tables (syscalls.c) ---- */
const char *tr_sys_name(long nr);      /* NULL if unknown */
long tr_sys_by_name(const char *name); /* -1 if unknown */
unsigned tr_sys_event(long nr);        /* TT_EV_* for a decoded syscall, else TT_EV_NONE */
/* Builds the set to trace. list NULL: the default set (every syscall the upstream rules and the
 * engine's state tracking use). Otherwise a comma/space separated list of event or syscall names
 * (what the engine's rules need); the state-tracking syscalls are added. Unknown names: -1 with
 * the bad name copied to bad. */
int tr_sysset_build(struct tr_sysset *s, const char *list, int all, char *bad, size_t badlen);
/* Adds what the defences need reported whatever the rules asked for (open_by_handle_at: an
 * open without a path, named from its fd). */
void tr_sysset_harden(struct tr_sysset *s, const struct tr_opts *o);
/* The domain-restricted list entry: `socket.domain=D` -> D (0..62), else -1. */
int tr_socket_domain_entry(const char *word);

#endif
