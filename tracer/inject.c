/* tracer: syscalls the tracer makes a tracee run (see inject.h). */
#include "inject.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

#include "arch.h"
#include "tt_log.h"

/* The kernel's sigset_t (64 signals), as PTRACE_GETSIGMASK and PTRACE_SETSIGMASK take it. */
#define KSIGSET_SIZE 8

int tr_inject(struct tr_task *t, long nr, const uint64_t args[6], int64_t ret)
{
    uint64_t mask, all = ~0ull;
    if (ptrace(PTRACE_GETSIGMASK, t->tid, (void *)KSIGSET_SIZE, &mask) < 0)
        return -1;
    free(t->inject);
    t->inject = NULL;
    if (tr_arch_inject_syscall(t->tid, nr, args, &t->inject) != 0)
        return -1;
    /* (SIGKILL and SIGSTOP stay deliverable: the kernel ignores them in a mask) */
    if (ptrace(PTRACE_SETSIGMASK, t->tid, (void *)KSIGSET_SIZE, &all) < 0) {
        if (tr_arch_inject_restore(t->tid, t->inject, ret) < 0 && errno != ESRCH)
            tt_debug("inject tid %d: cannot undo: %s", (int)t->tid, strerror(errno));
        t->inject = NULL;
        return -1;
    }
    t->inject_mask = mask;
    t->inject_ret = ret;
    t->inject_nr = nr;
    t->flags |= TF_INJECT;
    t->flags &= ~TF_INJ_ENTERED;
    return 0;
}

static void unmask(struct tr_task *t)
{
    if (ptrace(PTRACE_SETSIGMASK, t->tid, (void *)KSIGSET_SIZE, &t->inject_mask) < 0 &&
        errno != ESRCH)
        tt_debug("inject tid %d: signal mask: %s", (int)t->tid, strerror(errno));
}

static void end(struct tr_task *t)
{
    free(t->inject);
    t->inject = NULL;
    t->flags &= ~(TF_INJECT | TF_INJ_ENTERED);
}

int tr_inject_stop(struct tr_state *st, struct tr_task *t, const struct __ptrace_syscall_info *info)
{
    if (!(t->flags & TF_INJECT))
        return 0;
    long nr = info->op == PTRACE_SYSCALL_INFO_ENTRY     ? (long)info->entry.nr
              : info->op == PTRACE_SYSCALL_INFO_SECCOMP ? (long)info->seccomp.nr
                                                        : -1;
    int exit_stop = info->op == PTRACE_SYSCALL_INFO_EXIT;
    /* Resumed with PTRACE_SYSCALL from an exit stop, the tracee's next syscall stop is the entry
     * of whatever its syscall instruction runs: the call put in, or, if another thread has
     * rewritten that instruction, something else. */
    int other = (exit_stop && !(t->flags & TF_INJ_ENTERED)) || (!exit_stop && nr != t->inject_nr);
    if (!tr_def_on(st->o, TR_DEF_INJECT)) /* tests only: every stop taken for the call's */
        other = 0;
    if (other) {
        tt_warn("tid %d: syscall %ld ran where the tracer put in %ld (the syscall instruction "
                "was rewritten): handled as the program's own",
                (int)t->tid, nr, t->inject_nr);
        unmask(t);
        end(t);
        return 0;
    }
    if (!exit_stop) {
        t->flags |= TF_INJ_ENTERED;
        if (ptrace(PTRACE_SYSCALL, t->tid, 0L, 0L) < 0 && errno != ESRCH)
            tt_debug("inject tid %d: %s", (int)t->tid, strerror(errno));
        return 1;
    }
    if (info->exit.rval < 0)
        tt_debug("tid %d: syscall %ld put in returned %lld", (int)t->tid, t->inject_nr,
                 (long long)info->exit.rval);
    if (tr_arch_inject_restore(t->tid, t->inject, t->inject_ret) < 0 && errno != ESRCH)
        tt_debug("inject restore tid %d: %s", (int)t->tid, strerror(errno));
    t->inject = NULL;
    unmask(t);
    end(t);
    return 1;
}
