/* Stopping, killing, slowing or reading a monitor (tracer, engine, logshipper, launcher) by
 * every route. Usage: adv_monitors WHAT PID [ARG]   (PID: the target; ARG: see below)
 *   kill SIG, tkill SIG, tgkill SIG, sigqueue SIG, tgsigqueue SIG
 *   pidfd SIG          pidfd_open(PID) + pidfd_send_signal
 *   procfd SIG         pidfd_send_signal through an fd of the /proc/PID directory
 *   pidfd_getfd FD     pidfd_open(PID) + pidfd_getfd(FD)
 *   pgrp SIG           kill(-getpgid(PID), SIG)
 *   kill0 SIG          kill(0, SIG)        (PID unused)
 *   killall SIG        kill(-1, SIG)       (PID unused)
 *   ptrace             PTRACE_ATTACH
 *   vmread             process_vm_readv of 8 bytes at the address ARG (default: PID's stack)
 *   procmem            open /proc/PID/mem read-write
 *   oom                write 1000 to /proc/PID/oom_score_adj
 *   nice               setpriority(PRIO_PROCESS, PID, 19)
 *   nice_user          setpriority(PRIO_USER, 0, 19)  (PID unused; ARG: the uid, default 0)
 *   affinity           sched_setaffinity(PID, {cpu 0})
 *   prlimit            prlimit64(PID, RLIMIT_NOFILE, {1, 1})
 *   ioprio             ioprio_set(IOPRIO_WHO_PROCESS, PID, idle class)
 *   setown SIG         fcntl(F_SETOWN, PID) + F_SETSIG(SIG) + O_ASYNC on a pipe, then a write
 *   setown_ex SIG      the same with F_SETOWN_EX
 *   joinpgrp           setpgid(0, getpgid(PID)) */
#include <fcntl.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adv.h"

static long owner(int pid, int sig, int ex)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    long r;
    if (ex) {
        struct f_owner_ex ox = {F_OWNER_PID, pid};
        r = fcntl(p[0], F_SETOWN_EX, &ox);
    } else {
        r = fcntl(p[0], F_SETOWN, pid);
    }
    int e = errno;
    if (r == 0) {
        fcntl(p[0], F_SETSIG, sig);
        fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC);
        if (write(p[1], "x", 1) != 1)
            return -1;
    }
    errno = e;
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: adv_monitors WHAT PID [ARG] (see the source)\n", stderr);
        return 2;
    }
    const char *w = argv[1];
    pid_t pid = (pid_t)adv_num(argc, argv, 2, 0);
    long arg = adv_num(argc, argv, 3, 0);
    int sig = (int)arg;
    long r;
    if (!strcmp(w, "kill")) {
        r = kill(pid, sig);
    } else if (!strcmp(w, "tkill")) {
        r = syscall(SYS_tkill, pid, sig);
    } else if (!strcmp(w, "tgkill")) {
        r = syscall(SYS_tgkill, pid, pid, sig);
    } else if (!strcmp(w, "sigqueue")) {
        union sigval v = {0};
        r = sigqueue(pid, sig, v);
    } else if (!strcmp(w, "tgsigqueue")) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_signo = sig;
        si.si_code = SI_QUEUE;
        si.si_pid = getpid();
        r = syscall(SYS_rt_tgsigqueueinfo, pid, pid, sig, &si);
    } else if (!strcmp(w, "pidfd")) {
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        adv_report("pidfd_open", fd);
        r = fd < 0 ? -1 : syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
    } else if (!strcmp(w, "procfd")) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d", (int)pid);
        int fd = open(p, O_RDONLY | O_DIRECTORY);
        r = fd < 0 ? -1 : syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
    } else if (!strcmp(w, "pidfd_getfd")) {
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        adv_report("pidfd_open", fd);
        r = fd < 0 ? -1 : syscall(SYS_pidfd_getfd, fd, (int)arg, 0);
    } else if (!strcmp(w, "pgrp")) {
        r = kill(-getpgid(pid), sig);
    } else if (!strcmp(w, "kill0")) {
        r = kill(0, sig);
    } else if (!strcmp(w, "killall")) {
        r = kill(-1, sig);
    } else if (!strcmp(w, "ptrace")) {
        r = ptrace(PTRACE_ATTACH, pid, 0L, 0L);
        if (r == 0) {
            waitpid(pid, NULL, __WALL);
            ptrace(PTRACE_DETACH, pid, 0L, 0L);
        }
    } else if (!strcmp(w, "vmread")) {
        char buf[8];
        uintptr_t at = (uintptr_t)arg;
        if (!at) { /* somewhere mapped: the start of its stack, from /proc/PID/stat */
            char p[64], st[4096];
            snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
            FILE *f = fopen(p, "r");
            if (f && fgets(st, sizeof st, f)) {
                char *q = strrchr(st, ')');
                unsigned long v = 0;
                for (int field = 3; q && field <= 28; field++) {
                    q = strchr(q + 1, ' ');
                    if (q && field == 28)
                        v = strtoul(q + 1, NULL, 10);
                }
                at = v;
            }
            if (f)
                fclose(f);
        }
        struct iovec l = {buf, sizeof buf}, rem = {(void *)at, sizeof buf};
        r = process_vm_readv(pid, &l, 1, &rem, 1, 0);
    } else if (!strcmp(w, "procmem")) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/mem", (int)pid);
        r = open(p, O_RDWR);
    } else if (!strcmp(w, "oom")) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/oom_score_adj", (int)pid);
        int fd = open(p, O_WRONLY);
        adv_report("oom_open", fd);
        r = fd < 0 ? -1 : write(fd, "1000", 4);
    } else if (!strcmp(w, "nice")) {
        r = setpriority(PRIO_PROCESS, (id_t)pid, 19);
    } else if (!strcmp(w, "nice_user")) {
        r = setpriority(PRIO_USER, (id_t)arg, 19);
    } else if (!strcmp(w, "affinity")) {
        cpu_set_t cs;
        CPU_ZERO(&cs);
        CPU_SET(0, &cs);
        r = sched_setaffinity(pid, sizeof cs, &cs);
    } else if (!strcmp(w, "prlimit")) {
        struct rlimit rl = {1, 1};
        r = prlimit(pid, RLIMIT_NOFILE, &rl, NULL);
    } else if (!strcmp(w, "ioprio")) {
        r = syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, pid,
                    IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0));
    } else if (!strcmp(w, "setown")) {
        r = owner(pid, sig, 0);
    } else if (!strcmp(w, "setown_ex")) {
        r = owner(pid, sig, 1);
    } else if (!strcmp(w, "joinpgrp")) {
        r = setpgid(0, getpgid(pid));
    } else {
        return 2;
    }
    adv_report(w, r);
    return 0;
}
