/* tracer: the ptrace engine: tracer state, the stop-handling loop, launching and attaching. */
#ifndef TRACER_TRACE_H
#define TRACER_TRACE_H

#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "sink.h"
#include "tasks.h"
#include "tracer.h"
#include "tt_spawn.h"

enum tr_mode {
    TR_MODE_SECCOMP = 0, /* filter makes wanted syscalls stop; others run free */
    TR_MODE_SYSCALL = 1, /* PTRACE_SYSCALL on everything (attach, fail-open) */
};

struct tr_state {
    const struct tr_opts *o;
    struct tr_sink sink;
    struct tr_sysset set;
    struct tr_tasks tasks;
    enum tr_mode mode;
    pid_t self;      /* the tracer's pid */
    pid_t main_pid;  /* the workload's first process (launch mode) */
    long main_ptid;  /* the parent the engine sees for it */
    int main_status; /* wait status once it ended */
    int main_done;
    uint64_t grace_deadline_ns; /* 0: none; when the remaining descendants get SIGKILL */
    int killed_rest;
    int detaching; /* -p: SIGINT/SIGTERM received */
    int sigfd;
    struct tt_sigsave sigsave;
    struct sigaction sigpipe_saved; /* the workload gets SIGPIPE as the tracer was given it */
    int reads_all;      /* CAP_SYS_PTRACE: every tracee's memory is readable (privs.c) */
    int unreadable_off; /* TARTAN_TEST_UNREADABLE_OFF=1: tests' negative control only */
    int redump_off;     /* TARTAN_TEST_REDUMP_OFF=1: no re-dumpable after a uid change (tests) */
    int ids_changed;    /* a tracee changed its uid or gid: fs ids follow tracees (privs.c) */
    int protect_ring;
    int32_t ring_key, ring_shmid;
    unsigned ptrace_opts;
    int notif_fd;   /* seccomp user-notification listener, -1 if none (notif.h) */
    int notif_sync; /* its wake-ups stay on the waker's CPU */
    uint64_t stops; /* statistics */
    uint64_t notifs;
    uint64_t events;
    uint64_t tampers;
    /* monitors (docs/security.md): in launch mode every process that is not a tracee; in attach
     * mode the tracer, the launcher above it and the launcher's other children (engine,
     * logshipper), and the ring's consumer */
    pid_t self_pgid;    /* the tracer's process group */
    pid_t launcher;     /* the Tartan launcher that started the tracer, 0 if none */
    uint64_t pidns_ino; /* the tracer's pid namespace (inode of /proc/self/ns/pid) */
    int tty_fd;         /* the controlling terminal given to the workload's group, or -1 */
};

/* Makes the call t stopped in return ret without running (ret < 0: fails with -ret): through the
 * registers at a ptrace stop, through the answer at a user notification. 0 or -1 (errno). */
int tr_stop_deny(struct tr_task *t, int64_t ret);

/* Options for PTRACE_SEIZE (also set on attach). */
unsigned tr_ptrace_options(const struct tr_state *st);

/* Blocks the signals the tracer reads through a signalfd (saving the old mask for children). */
int tr_signals_setup(struct tr_state *st);

/* Runs the loop until every traced task is gone (or detached). */
void tr_loop(struct tr_state *st);

/* Launch CMD traced; returns the exit code for the tracer. */
int tr_launch(struct tr_state *st);
/* Attach to -p PID (threads and descendants); returns the exit code. */
int tr_attach(struct tr_state *st);

/* Makes pgid the foreground group of the terminal tty (SIGTTOU ignored meanwhile). 0 or -1. */
int tr_tty_give(int tty, pid_t pgid);

/* Emits synthetic events. */
void tr_emit_procinfo(struct tr_state *st, pid_t pid, pid_t tid, long ptid);
void tr_snapshot(struct tr_state *st, pid_t skip_pid);
void tr_emit_tracerinfo(struct tr_state *st, const char *reason);

/* A tracee's socket described from /proc (its fd link and the /proc/PID/net tables), for when
 * pidfd_getfd is refused. 0 or -1. */
struct tr_sockinfo {
    int domain, type, proto;
    struct sockaddr_storage local;
    socklen_t llen;
};
int tr_proc_sock(pid_t pid, long fd, struct tr_sockinfo *si);

#endif
