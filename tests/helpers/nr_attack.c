/* A workload that attacks the monitors beside it (tests/integration/nonroot_monitors.sh).
 *
 *   nr_attack dummy          an unprotected process to attack (the negative control): allows
 *                            any ptracer (Yama ptrace_scope 1), prints "ready PID", waits
 *   nr_attack monitors       run as `launcher tracer nr_attack monitors -- engine`: finds the
 *                            tracer (its parent), the launcher (the tracer's parent), the engine
 *                            (the launcher's other child) and logshipper (the engine's child),
 *                            and attacks each the way a workload of the same uid could,
 *                            printing one line per attack:
 *                              RESULT NAME ATTACK OUTCOME
 *                            ATTACK: ptrace (PTRACE_SEIZE, detached again), mem (open
 *                            /proc/PID/mem), vmread (process_vm_readv), stop (kill SIGSTOP;
 *                            SIGCONT again). OUTCOME: ok, or the errno name; for stop "stopped"
 *                            when the target really stopped.
 *   nr_attack one NAME PID   the same attacks on PID only (the negative control's run)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e)
{
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

/* First field after "key" in /proc/PID/status, or -1. */
static long status_field(pid_t pid, const char *key, char *word, size_t wlen)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long v = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0) {
            char *p = line + klen;
            while (*p == ' ' || *p == '\t')
                p++;
            if (word)
                snprintf(word, wlen, "%.*s", (int)strcspn(p, " \t\n"), p);
            v = strtol(p, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* Children of pid (its main thread's), up to max. */
static int children(pid_t pid, pid_t *out, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int n = 0;
    long v;
    while (n < max && fscanf(f, "%ld", &v) == 1)
        out[n++] = (pid_t)v;
    fclose(f);
    return n;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void attack(const char *name, pid_t pid)
{
    printf("target %s %d\n", name, (int)pid);
    if (ptrace(PTRACE_SEIZE, pid, 0L, 0L) == 0) {
        /* detach needs a stopped tracee */
        int st;
        ptrace(PTRACE_INTERRUPT, pid, 0L, 0L);
        waitpid(pid, &st, __WALL);
        ptrace(PTRACE_DETACH, pid, 0L, 0L);
        printf("RESULT %s ptrace ok\n", name);
    } else {
        printf("RESULT %s ptrace %s\n", name, errname(errno));
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDONLY);
    printf("RESULT %s mem %s\n", name, fd >= 0 ? "ok" : errname(errno));
    if (fd >= 0)
        close(fd);
    /* The kernel checks access before the address: EFAULT means the read was allowed. */
    char c;
    struct iovec l = {&c, 1}, r = {(void *)4096, 1};
    ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);
    printf("RESULT %s vmread %s\n", name, n == 1 || errno == EFAULT ? "ok" : errname(errno));
    if (kill(pid, SIGSTOP) != 0) {
        printf("RESULT %s stop %s\n", name, errname(errno));
    } else {
        char state[16] = "";
        for (int i = 0; i < 20 && state[0] != 'T'; i++) {
            sleep_ms(10);
            status_field(pid, "State:", state, sizeof state);
        }
        printf("RESULT %s stop %s\n", name, state[0] == 'T' ? "stopped" : "delivered");
        kill(pid, SIGCONT);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "dummy") == 0) {
        prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
        printf("ready %d\n", (int)getpid());
        for (;;)
            pause();
    }
    if (argc == 4 && strcmp(argv[1], "one") == 0) {
        attack(argv[2], (pid_t)atoi(argv[3]));
        return 0;
    }
    if (argc != 2 || strcmp(argv[1], "monitors") != 0) {
        fprintf(stderr, "usage: nr_attack dummy | nr_attack monitors | nr_attack one NAME PID\n");
        return 2;
    }
    pid_t tracer = getppid();
    pid_t launcher = (pid_t)status_field(tracer, "PPid:", NULL, 0);
    pid_t kids[16], engine = 0, shipper = 0;
    int n = children(launcher, kids, 16);
    for (int i = 0; i < n; i++)
        if (kids[i] != tracer)
            engine = kids[i];
    /* logshipper starts with the engine (program_output keep_alive): wait for it a little */
    for (int i = 0; i < 200 && engine && !shipper; i++) {
        if (children(engine, &shipper, 1) == 0)
            sleep_ms(25);
    }
    /* (no wait for the logshipper's start: until its prctl it is dumpable, and then only the
     * tracer's checks stand between the workload and its /proc files; nonroot_monitors.sh
     * checks that case on a dumpable process every time) */
    if (!engine || !shipper) {
        printf("missing monitors: launcher %d engine %d logshipper %d\n", (int)launcher,
               (int)engine, (int)shipper);
        return 1;
    }
    attack("tracer", tracer);
    attack("launcher", launcher);
    attack("engine", engine);
    attack("logshipper", shipper);
    return 0;
}
