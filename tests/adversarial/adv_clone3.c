/* Untraced tasks: clone3 keeps its flags in memory (a thread can set CLONE_UNTRACED after any
 * check), clone asks for CLONE_UNTRACED in a register. Usage:
 *   adv_clone3 untraced MARKFILE   clone3(CLONE_UNTRACED), then clone(CLONE_UNTRACED); each
 *                                  child appends "child <how> <pid>" to MARKFILE (opened before)
 *   adv_clone3 threads N           N pthreads created and joined (glibc tries clone3 first)
 *   adv_clone3 spawn PROG          posix_spawn(PROG) and wait (glibc: clone3 then clone) */
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adv.h"

extern char **environ;
static int mark = -1;

static void child_says(const char *how)
{
    char line[64];
    int n = snprintf(line, sizeof line, "child %s %ld\n", how, (long)syscall(SYS_getpid));
    if (write(mark, line, (size_t)n) < 0)
        _exit(3);
    _exit(0);
}

static void *thread_fn(void *arg)
{
    return arg;
}

static char child_stack[64 * 1024] __attribute__((aligned(16)));

static int clone_child(void *arg)
{
    child_says(arg);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: adv_clone3 untraced FILE | threads N | spawn PROG\n", stderr);
        return 2;
    }
    if (strcmp(argv[1], "untraced") == 0) {
        mark = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (mark < 0)
            return 1;
        struct clone_args ca;
        memset(&ca, 0, sizeof ca);
        ca.flags = CLONE_UNTRACED;
        ca.exit_signal = SIGCHLD;
        long r = syscall(SYS_clone3, &ca, sizeof ca);
        if (r == 0)
            child_says("clone3");
        adv_report("clone3_untraced", r);
        if (r > 0)
            waitpid((pid_t)r, NULL, 0);
        r = clone(clone_child, child_stack + sizeof child_stack, CLONE_UNTRACED | SIGCHLD, "clone");
        adv_report("clone_untraced", r);
        if (r > 0)
            waitpid((pid_t)r, NULL, 0);
        return 0;
    }
    if (strcmp(argv[1], "threads") == 0) {
        long n = adv_num(argc, argv, 2, 10), ok = 0;
        for (long i = 0; i < n; i++) {
            pthread_t th;
            if (pthread_create(&th, NULL, thread_fn, NULL) == 0 && pthread_join(th, NULL) == 0)
                ok++;
        }
        adv_report("threads_joined", ok);
        return ok == n ? 0 : 1;
    }
    if (strcmp(argv[1], "spawn") == 0) {
        pid_t pid;
        char *args[] = {argv[2], NULL};
        int e = posix_spawn(&pid, argv[2], NULL, NULL, args, environ);
        int st = -1;
        if (e == 0)
            waitpid(pid, &st, 0);
        errno = e;
        adv_report("posix_spawn", e ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 128));
        return e ? 1 : 0;
    }
    return 2;
}
