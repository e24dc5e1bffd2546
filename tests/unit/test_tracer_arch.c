/* Unit tests: the tracer's architecture layer (tracer/arch.h, arch_<arch>.c) on the machine it
 * runs on: the native audit arch matches the kernel's, the seccomp filter lets native calls
 * through, the register accessors read, rewrite and skip a real syscall of a traced child, a
 * syscall put in at an exit stop runs and gives the registers back, and the traced-set builder
 * accepts the syscall names of every architecture. Runs unchanged on
 * x86_64 and (in the arm64 VM, tests/arm64/) on aarch64. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ptrace.h>

#include "arch.h"
#include "filter.h"
#include "syscalls.h"
#include "tracer.h"
#include "tt_sysnames.h"
#include "tt_test.h"

TT_TEST(native_arch_is_the_machines)
{
    struct utsname u;
    TT_CHECK_INT(uname(&u), 0);
    TT_CHECK_STR(tt_arch_name(TR_AUDIT_ARCH), u.machine);
    TT_CHECK_INT(tr_arch_is_compat(TR_AUDIT_ARCH, __NR_getpid), 0);
    TT_CHECK(tr_arch_is_compat(TT_ARCH_I386, 20));
    TT_CHECK(tr_arch_is_compat(TT_ARCH_ARM, 20));
#if defined(__x86_64__)
    TT_CHECK(tr_arch_is_compat(TR_AUDIT_ARCH, 0x40000000 | 39)); /* x32 */
#endif
}

/* Every native syscall goes through the filter's arch test: with a wrong constant every one of
 * them would be trapped, and with no tracer fail with ENOSYS. */
static int native_calls_pass(void)
{
    return syscall(__NR_getppid) == getppid() && syscall(__NR_getpid) > 0 ? 0 : 1;
}

TT_TEST(filter_lets_native_calls_through)
{
    static struct sock_filter prog[TR_FILTER_MAX];
    struct tr_sysset s;
    memset(&s, 0, sizeof s);
    struct tr_filter_cfg cfg = {&s, 0, 0, 0, 0, 0, 0, 0, 0};
    int n = tr_filter_build(&cfg, prog, TR_FILTER_MAX);
    TT_CHECK(n > 2);
    TT_CHECK_INT(prog[1].k, TR_AUDIT_ARCH);
    pid_t p = fork();
    if (p == 0) {
        int nnp;
        if (tr_filter_install(prog, (size_t)n, &nnp) != 0)
            _exit(251);
        _exit(native_calls_pass());
    }
    int st = 0;
    TT_CHECK_INT(waitpid(p, &st, 0), p);
    TT_CHECK(WIFEXITED(st));
    TT_CHECK_INT(WEXITSTATUS(st), 0);
}

#define MARK_REWRITE 0x7777 /* getpgid(MARK_REWRITE): the tracer rewrites the pid to 0 */
#define MARK_DENY 0x7778    /* getpgid(MARK_DENY): the tracer skips the call with EPERM */

static void traced_child(void)
{
    if (ptrace(PTRACE_TRACEME, 0, 0L, 0L) != 0)
        _exit(250);
    raise(SIGSTOP);
    int bad = 0;
    if (syscall(__NR_getpgid, MARK_REWRITE) != getpgid(0))
        bad |= 1; /* without the rewrite: ESRCH (no such process) */
    errno = 0;
    if (syscall(__NR_getpgid, MARK_DENY) != -1 || errno != EPERM)
        bad |= 2; /* without the skip: ESRCH */
    _exit(bad);
}

TT_TEST(registers_read_rewrite_and_skip_a_syscall)
{
    pid_t c = fork();
    if (c == 0)
        traced_child();
    int st = 0, seen = 0, rewrote = 0, denied = 0;
    TT_CHECK_INT(waitpid(c, &st, 0), c);
    TT_CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    ptrace(PTRACE_SETOPTIONS, c, 0L, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
    for (int stops = 0; stops < 200; stops++) {
        if (ptrace(PTRACE_SYSCALL, c, 0L, 0L) != 0 || waitpid(c, &st, 0) != c || !WIFSTOPPED(st))
            break;
        struct __ptrace_syscall_info info;
        if (WSTOPSIG(st) != (SIGTRAP | 0x80) ||
            ptrace(PTRACE_GET_SYSCALL_INFO, c, (void *)sizeof info, &info) <= 0 ||
            info.op != PTRACE_SYSCALL_INFO_ENTRY)
            continue;
        long nr = -1;
        uint64_t arg0 = 0;
        if (tr_arch_syscall_nr_arg0(c, &nr, &arg0) != 0)
            continue;
        if (nr != (long)info.entry.nr || arg0 != info.entry.args[0])
            TT_FAILF("registers say nr=%ld arg0=%llu, syscall info nr=%llu arg0=%llu", nr,
                     (unsigned long long)arg0, (unsigned long long)info.entry.nr,
                     (unsigned long long)info.entry.args[0]);
        if (nr != __NR_getpgid)
            continue;
        seen++;
        if (arg0 == MARK_REWRITE)
            rewrote = tr_arch_set_arg0(c, 0) == 0;
        else if (arg0 == MARK_DENY)
            denied = tr_arch_deny_syscall(c, EPERM) == 0;
    }
    if (!WIFEXITED(st))
        waitpid(c, &st, 0);
    TT_CHECK(seen >= 2);
    TT_CHECK(rewrote && denied);
    TT_CHECK(WIFEXITED(st));
    TT_CHECK_INT(WEXITSTATUS(st), 0); /* bit 1: rewrite not seen by the kernel, bit 2: skip */
}

#define MARK_INJECT 0x7779 /* getpgid(MARK_INJECT): prctl(PR_SET_DUMPABLE, 1) put in at its exit   \
                            */
#define INJECT_RET 1234    /* ... and the getpgid returns this */

static void injected_child(void)
{
    if (ptrace(PTRACE_TRACEME, 0, 0L, 0L) != 0)
        _exit(250);
    raise(SIGSTOP);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    int bad = 0;
    if (syscall(__NR_getpgid, MARK_INJECT) != INJECT_RET)
        bad |= 1; /* the interrupted syscall's result was not restored */
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1)
        bad |= 2; /* the call put in did not run */
    if (syscall(__NR_getppid) != getppid())
        bad |= 4; /* registers left wrong */
    _exit(bad);
}

/* The call put in at an exit stop, as privs.c makes a process dumpable again after a uid change:
 * its own stops carry its number, and the registers come back. */
TT_TEST(inject_runs_a_syscall_at_an_exit_stop)
{
    pid_t c = fork();
    if (c == 0)
        injected_child();
    int st = 0, injected = 0, entered = 0, restored = 0;
    void *saved = NULL;
    TT_CHECK_INT(waitpid(c, &st, 0), c);
    ptrace(PTRACE_SETOPTIONS, c, 0L, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
    int in_mark = 0;
    for (int stops = 0; stops < 200; stops++) {
        if (ptrace(PTRACE_SYSCALL, c, 0L, 0L) != 0 || waitpid(c, &st, 0) != c || !WIFSTOPPED(st))
            break;
        struct __ptrace_syscall_info info;
        if (WSTOPSIG(st) != (SIGTRAP | 0x80) ||
            ptrace(PTRACE_GET_SYSCALL_INFO, c, (void *)sizeof info, &info) <= 0)
            continue;
        if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
            in_mark = info.entry.nr == __NR_getpgid && info.entry.args[0] == MARK_INJECT;
            if (injected && !entered) {
                entered = info.entry.nr == __NR_prctl && info.entry.args[0] == PR_SET_DUMPABLE &&
                          info.entry.args[1] == 1;
                if (!entered)
                    TT_FAILF("the stop after the injection is syscall %llu",
                             (unsigned long long)info.entry.nr);
            }
        } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
            if (in_mark && !injected) {
                static const uint64_t args[6] = {PR_SET_DUMPABLE, 1};
                injected = tr_arch_inject_syscall(c, __NR_prctl, args, &saved) == 0;
            } else if (entered && !restored) {
                TT_CHECK_INT(info.exit.rval, 0);
                restored = tr_arch_inject_restore(c, saved, INJECT_RET) == 0;
            }
            in_mark = 0;
        }
    }
    if (!WIFEXITED(st))
        waitpid(c, &st, 0);
    TT_CHECK(injected && entered && restored);
    TT_CHECK(WIFEXITED(st));
    TT_CHECK_INT(WEXITSTATUS(st), 0); /* bit 1: result, 2: call not run, 4: registers */
}

TT_TEST(sysset_accepts_every_architectures_names)
{
    struct tr_sysset s;
    char bad[64] = "";
    /* every event a rule can name, whether or not this architecture has its syscall */
    for (unsigned t = 1; t < TT_EV_COUNT; t++) {
        if (!(tt_event_flags(t) & TT_EVF_SYSCALL))
            continue;
        if (tr_sysset_build(&s, tt_event_name(t), 0, bad, sizeof bad) != 0)
            TT_FAILF("event %s refused (bad=%s)", tt_event_name(t), bad);
    }
    /* syscalls of x86_64 only and of both */
    TT_CHECK_INT(tr_sysset_build(&s, "access, fork, mprotect", 0, bad, sizeof bad), 0);
    TT_CHECK(tr_sysset_has(&s, tr_sys_by_name("mprotect")));
    TT_CHECK_INT(tr_sysset_build(&s, "nosuchcall", 0, bad, sizeof bad), -1);
    TT_CHECK_STR(bad, "nosuchcall");
    /* open traces open and its siblings (openat...: no untraced twin) where it exists, and
     * nothing where it does not */
    TT_CHECK_INT(tr_sysset_build(&s, "open", 0, bad, sizeof bad), 0);
    TT_CHECK_INT(tr_sysset_has(&s, tr_sys_by_name("open")), tr_sys_by_name("open") >= 0);
    TT_CHECK_INT(tr_sysset_has(&s, __NR_openat), tr_sys_by_name("open") >= 0);
}

TT_TEST(clone_family_numbers)
{
    TT_CHECK(tr_is_clone_nr(__NR_clone));
    TT_CHECK(tr_is_clone_nr(__NR_clone3));
    TT_CHECK(!tr_is_clone_nr(__NR_getpid));
    TT_CHECK(!tr_is_clone_nr(-1));
    TT_CHECK_INT(tr_is_clone_nr(tr_sys_by_name("fork")), tr_sys_by_name("fork") >= 0);
    TT_CHECK_INT(tr_sys_event(__NR_clone3), TT_EV_NONE); /* clones come from ptrace events */
}

int main(void)
{
    return tt_run_all();
}
