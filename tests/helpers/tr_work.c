/* Tracer test workload: one program, many modes, each doing a known sequence of syscalls and
 * printing the values a test must then find in the event stream (fds, ports, pids).
 *
 *   tr_work files DIR        relative paths: openat(dirfd), mkdirat, renameat2, symlinkat, linkat,
 *                            unlinkat, chdir + open of a relative name, fchmodat
 *   tr_work fds              pipe, pipe2, dup, dup2, dup3, fcntl(F_DUPFD)
 *   tr_work net4|net6        listen/connect/accept on loopback (prints ports and fds),
 *                            then closes the accepted socket
 *   tr_work unix DIR         unix socket bind/connect/accept at DIR/sock
 *   tr_work execveat         execveat(dirfd of /bin, "true", argv)
 *   tr_work threads N        N pthread_create+join (glibc uses clone3)
 *   tr_work forks N          N fork+wait
 *   tr_work execthread       a non-leader thread execs /bin/true
 *   tr_work vfork            vfork + exec /bin/true
 *   tr_work spawn            posix_spawn /bin/true
 *   tr_work shm KEY SHMID    tries shmget(KEY), shmat(SHMID), shmctl(SHMID): prints errnos
 *   tr_work trapterm FILE    waits for SIGTERM, writes FILE, exits 0
 *   tr_work daemon           double-forks a grandchild that sleeps 60 s; parent exits 0
 *   tr_work loop FILE        writes a counter to FILE every 10 ms using open/write/close
 *   tr_work int80            a 32-bit getpid through int 0x80; prints its result
 *   tr_work sigtrap          raises SIGTRAP with a handler; prints whether it arrived
 *   tr_work untraced         clone and clone3 with CLONE_UNTRACED; each child opens a marker
 *                            path and exits 0 (prints the children's pids and exit codes)
 *   tr_work badclone         a clone and a clone3 that fail with EINVAL, then one fork+wait
 *                            (prints the results and errnos)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what)
{
    fprintf(stderr, "tr_work: %s: %s\n", what, strerror(errno));
    exit(99);
}

static int mode_files(const char *dir)
{
    int d = open(dir, O_DIRECTORY | O_RDONLY);
    if (d < 0)
        die("open dir");
    printf("dirfd=%d\n", d);
    if (mkdirat(d, "sub", 0750) != 0)
        die("mkdirat");
    int f = openat(d, "sub/a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0640);
    if (f < 0)
        die("openat");
    printf("fd=%d\n", f);
    if (write(f, "x", 1) != 1)
        die("write");
    close(f);
    if (syscall(SYS_renameat2, d, "sub/a.txt", d, "sub/b.txt", 0) != 0)
        die("renameat2");
    if (symlinkat("b.txt", d, "sub/link") != 0)
        die("symlinkat");
    if (linkat(d, "sub/b.txt", d, "sub/hard", 0) != 0)
        die("linkat");
    if (fchmodat(d, "sub/b.txt", 0600, 0) != 0)
        die("fchmodat");
    if (chdir(dir) != 0)
        die("chdir");
    f = open("sub/b.txt", O_RDONLY);
    if (f < 0)
        die("open relative");
    printf("fd2=%d\n", f);
    close(f);
    if (unlinkat(d, "sub/hard", 0) != 0 || unlinkat(d, "sub/link", 0) != 0 ||
        unlinkat(d, "sub/b.txt", 0) != 0 || unlinkat(d, "sub", AT_REMOVEDIR) != 0)
        die("unlinkat");
    /* a failing open is reported too */
    if (open("does-not-exist", O_RDONLY) >= 0)
        die("open missing");
    return 0;
}

static int mode_fds(void)
{
    int p[2], q[2];
    if (pipe(p) != 0 || pipe2(q, O_CLOEXEC) != 0)
        die("pipe");
    printf("pipe=%d,%d\npipe2=%d,%d\n", p[0], p[1], q[0], q[1]);
    int a = dup(p[0]);
    int b = dup2(p[1], 40);
    int c = dup3(q[0], 41, O_CLOEXEC);
    int e = fcntl(q[1], F_DUPFD, 50);
    if (a < 0 || b < 0 || c < 0 || e < 0)
        die("dup");
    printf("dup=%d\ndup2=%d\ndup3=%d\nfdupfd=%d\n", a, b, c, e);
    return 0;
}

static int mode_net(int v6)
{
    int fam = v6 ? AF_INET6 : AF_INET;
    int ls = socket(fam, SOCK_STREAM, 0);
    if (ls < 0)
        die("socket");
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_loopback;
        sl = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof *s4;
    }
    if (bind(ls, (struct sockaddr *)&ss, sl) != 0 || listen(ls, 4) != 0)
        die("bind/listen");
    if (getsockname(ls, (struct sockaddr *)&ss, &sl) != 0)
        die("getsockname");
    int port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    int cs = socket(fam, SOCK_STREAM, 0);
    if (cs < 0 || connect(cs, (struct sockaddr *)&ss, sl) != 0)
        die("connect");
    struct sockaddr_storage cl;
    socklen_t cll = sizeof cl;
    if (getsockname(cs, (struct sockaddr *)&cl, &cll) != 0)
        die("getsockname client");
    int cport =
        ntohs(v6 ? ((struct sockaddr_in6 *)&cl)->sin6_port : ((struct sockaddr_in *)&cl)->sin_port);
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    int as = accept(ls, (struct sockaddr *)&peer, &pl);
    if (as < 0)
        die("accept");
    printf("listen_fd=%d\nport=%d\nclient_fd=%d\nclient_port=%d\naccept_fd=%d\n", ls, port, cs,
           cport, as);
    close(as); /* (a close of its own: a static program's loader closes nothing) */
    return 0;
}

static int mode_unix(const char *dir)
{
    struct sockaddr_un su;
    memset(&su, 0, sizeof su);
    su.sun_family = AF_UNIX;
    snprintf(su.sun_path, sizeof su.sun_path, "%s/sock", dir);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&su, sizeof su) != 0 || listen(ls, 1) != 0)
        die("unix listen");
    int cs = socket(AF_UNIX, SOCK_STREAM, 0);
    if (cs < 0 || connect(cs, (struct sockaddr *)&su, sizeof su) != 0)
        die("unix connect");
    int as = accept(ls, NULL, NULL);
    if (as < 0)
        die("unix accept");
    printf("path=%s\nclient_fd=%d\naccept_fd=%d\n", su.sun_path, cs, as);
    unlink(su.sun_path);
    return 0;
}

static int mode_execveat(void)
{
    int d = open("/bin", O_DIRECTORY | O_RDONLY);
    if (d < 0)
        die("open /bin");
    char *argv[] = {"true-via-execveat", "one", "two words", NULL};
    syscall(SYS_execveat, d, "true", argv, environ, 0);
    die("execveat");
    return 1;
}

static void *thread_fn(void *arg)
{
    return arg;
}

static int mode_threads(int n)
{
    for (int i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, thread_fn, NULL) != 0)
            die("pthread_create");
        pthread_join(t, NULL);
    }
    printf("threads=%d\n", n);
    return 0;
}

static int mode_forks(int n)
{
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0)
            die("fork");
        if (p == 0)
            _exit(0);
        int st;
        if (waitpid(p, &st, 0) != p)
            die("waitpid");
    }
    printf("forks=%d\n", n);
    return 0;
}

static void *exec_thread(void *arg)
{
    char *argv[] = {"/bin/true", "from-thread", NULL};
    printf("thread_tid=%ld\n", (long)syscall(SYS_gettid));
    fflush(stdout);
    execve("/bin/true", argv, environ);
    die("execve from thread");
    return arg;
}

static int mode_execthread(void)
{
    printf("leader=%d\n", (int)getpid());
    fflush(stdout);
    pthread_t t;
    if (pthread_create(&t, NULL, exec_thread, NULL) != 0)
        die("pthread_create");
    for (;;)
        pause();
    return 0;
}

static int mode_vfork(void)
{
    pid_t p = vfork();
    if (p < 0)
        die("vfork");
    if (p == 0) {
        char *argv[] = {"/bin/true", "vforked", NULL};
        execve("/bin/true", argv, environ);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child=%d\n", (int)p);
    return 0;
}

static int mode_spawn(void)
{
    pid_t p;
    char *argv[] = {"/bin/true", "spawned", NULL};
    if (posix_spawn(&p, "/bin/true", NULL, NULL, argv, environ) != 0)
        die("posix_spawn");
    int st;
    waitpid(p, &st, 0);
    printf("child=%d\n", (int)p);
    return 0;
}

static int mode_shm(const char *key, const char *shmid)
{
    int k = (int)strtol(key, NULL, 0), id = (int)strtol(shmid, NULL, 0);
    if (strcmp(shmid, "auto") == 0) { /* find it like an attacker would */
        FILE *f = fopen("/proc/sysvipc/shm", "r");
        char line[512];
        id = -1;
        while (f && fgets(line, sizeof line, f)) {
            long kk, ii;
            if (sscanf(line, "%ld %ld", &kk, &ii) == 2 && (int)kk == k)
                id = (int)ii;
        }
        if (f)
            fclose(f);
        printf("found_shmid=%d\n", id);
    }
    errno = 0;
    int r1 = shmget(k, 0, 0);
    int e1 = errno;
    errno = 0;
    void *r2 = shmat(id, NULL, SHM_RDONLY);
    int e2 = errno;
    errno = 0;
    struct shmid_ds ds;
    int r3 = shmctl(id, IPC_STAT, &ds);
    int e3 = errno;
    /* an unrelated private segment still works */
    int priv = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (priv >= 0)
        shmctl(priv, IPC_RMID, NULL);
    printf("shmget=%d errno=%d\nshmat=%s errno=%d\nshmctl=%d errno=%d\nprivate=%s\n", r1, e1,
           r2 == (void *)-1 ? "-1" : "ok", e2, r3, e3, priv >= 0 ? "ok" : "fail");
    return 0;
}

static volatile sig_atomic_t got_term;
static void on_term(int s)
{
    got_term = s;
}

static int mode_trapterm(const char *file)
{
    signal(SIGTERM, on_term);
    printf("ready\n");
    fflush(stdout);
    while (!got_term)
        pause();
    FILE *f = fopen(file, "w");
    if (!f)
        die("fopen");
    fprintf(f, "got SIGTERM\n");
    fclose(f);
    return 0;
}

static int mode_daemon(void)
{
    pid_t p = fork();
    if (p < 0)
        die("fork");
    if (p == 0) {
        setsid();
        if (fork() == 0) {
            printf("grandchild=%d\n", (int)getpid());
            fflush(stdout);
            for (int i = 0; i < 60; i++)
                sleep(1);
            _exit(0);
        }
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    usleep(100000);
    return 0;
}

static int mode_loop(const char *file)
{
    for (long i = 0;; i++) {
        int f = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
        if (f < 0)
            die("open");
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%ld\n", i);
        if (write(f, buf, (size_t)n) != n)
            die("write");
        close(f);
        usleep(10000);
    }
    return 0;
}

static int mode_int80(void)
{
#if defined(__x86_64__)
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory"); /* i386 getpid */
    printf("int80_getpid=%ld pid=%d\n", ret, (int)getpid());
    return ret == getpid() ? 0 : 1;
#else
    fprintf(stderr, "int80: x86's 32-bit ABI, not on this architecture\n");
    return 2;
#endif
}

static volatile sig_atomic_t got_trap;
static void on_trap(int s)
{
    got_trap = s;
}

static int mode_sigtrap(void)
{
    signal(SIGTRAP, on_trap);
    raise(SIGTRAP);
    printf("sigtrap=%s\n", got_trap ? "delivered" : "lost");
    return got_trap ? 0 : 1;
}

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int untraced_child(const char *tag)
{
    char p[64];
    snprintf(p, sizeof p, "/nonexistent/untraced-%s", tag);
    int fd = open(p, O_RDONLY);
    _exit(fd < 0 && errno == ENOENT ? 0 : 3); /* ENOSYS (filter, no tracer) would give 3 */
}

static int mode_untraced(void)
{
    pid_t a = (pid_t)syscall(SYS_clone, 0x00800000 /* CLONE_UNTRACED */ | SIGCHLD, 0, 0, 0, 0);
    if (a == 0)
        untraced_child("clone");
    struct clone_args_v0 ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = 0x00800000;
    ca.exit_signal = SIGCHLD;
    pid_t b = (pid_t)syscall(435 /* clone3 */, &ca, sizeof ca);
    if (b == 0)
        untraced_child("clone3");
    int sa = -1, sb = -1;
    if (a > 0)
        waitpid(a, &sa, 0);
    if (b > 0)
        waitpid(b, &sb, 0);
    printf("clone_child=%d\nclone_exit=%d\nclone3_child=%d\nclone3_exit=%d\n", (int)a,
           WIFEXITED(sa) ? WEXITSTATUS(sa) : -1, (int)b, WIFEXITED(sb) ? WEXITSTATUS(sb) : -1);
    return 0;
}

static int mode_badclone(void)
{
    /* CLONE_SIGHAND without CLONE_VM, and a clone_args size of 0: both EINVAL, no child. */
    long r1 = syscall(SYS_clone, 0x00000800UL /* CLONE_SIGHAND */, 0L, 0L, 0L, 0L);
    int e1 = errno;
    long r2 = syscall(SYS_clone3, NULL, 0L);
    int e2 = errno;
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    int st = 0;
    if (p > 0)
        waitpid(p, &st, 0);
    printf("clone=%ld errno=%d\nclone3=%ld errno=%d\nfork=%d\n", r1, e1, r2, e2, (int)p);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: tr_work MODE [ARGS]\n");
        return 2;
    }
    const char *m = argv[1];
    const char *a1 = argc > 2 ? argv[2] : "", *a2 = argc > 3 ? argv[3] : "";
    if (!strcmp(m, "files"))
        return mode_files(a1);
    if (!strcmp(m, "fds"))
        return mode_fds();
    if (!strcmp(m, "net4"))
        return mode_net(0);
    if (!strcmp(m, "net6"))
        return mode_net(1);
    if (!strcmp(m, "unix"))
        return mode_unix(a1);
    if (!strcmp(m, "execveat"))
        return mode_execveat();
    if (!strcmp(m, "threads"))
        return mode_threads(atoi(a1));
    if (!strcmp(m, "forks"))
        return mode_forks(atoi(a1));
    if (!strcmp(m, "execthread"))
        return mode_execthread();
    if (!strcmp(m, "vfork"))
        return mode_vfork();
    if (!strcmp(m, "spawn"))
        return mode_spawn();
    if (!strcmp(m, "shm"))
        return mode_shm(a1, a2);
    if (!strcmp(m, "trapterm"))
        return mode_trapterm(a1);
    if (!strcmp(m, "daemon"))
        return mode_daemon();
    if (!strcmp(m, "loop"))
        return mode_loop(a1);
    if (!strcmp(m, "int80"))
        return mode_int80();
    if (!strcmp(m, "sigtrap"))
        return mode_sigtrap();
    if (!strcmp(m, "untraced"))
        return mode_untraced();
    if (!strcmp(m, "badclone"))
        return mode_badclone();
    fprintf(stderr, "tr_work: unknown mode %s\n", m);
    return 2;
}
