/* Stop round-trip microbenchmark (bench/stop_cost.sh, docs/internals/tracer-stops.md): how long one
 * trapped syscall takes when a supervisor must look at it, per mechanism and CPU placement.
 * A child calls getppid() N times; a seccomp filter sends each call to the parent:
 *
 *   stop_cost MECH PLACE N
 *     MECH  native      no filter (the syscall itself)
 *           ptrace      SECCOMP_RET_TRACE, the parent sleeps in waitpid, then PTRACE_CONT
 *           ptrace-spin the same, the parent polls waitpid(WNOHANG) with sched_yield (the
 *                       tracer's adaptive spin)
 *           notif       SECCOMP_RET_USER_NOTIF, the parent sleeps in NOTIF_RECV and answers
 *                       SECCOMP_USER_NOTIF_FLAG_CONTINUE
 *           notif-sync  the same with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (kernel 6.6+: each
 *                       side wakes the other on the waker's CPU)
 *           notif-spin  notif, the parent polls the listener (poll 0) with sched_yield
 *     PLACE free (default scheduling), same (both on CPU 0), apart (child 0, parent 1)
 *
 * Prints "MECH PLACE N us_per_call". Figures only. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (sched_setaffinity(0, sizeof s, &s) != 0)
        perror("sched_setaffinity");
}

static int install(unsigned ret, unsigned flags)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ret),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog p = {sizeof f / sizeof f[0], f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &p);
}

static void send_fd(int sock, int fd)
{
    char c = 0;
    struct iovec io = {&c, 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
    struct cmsghdr *c0 = CMSG_FIRSTHDR(&m);
    c0->cmsg_level = SOL_SOCKET;
    c0->cmsg_type = SCM_RIGHTS;
    c0->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c0), &fd, sizeof fd);
    if (sendmsg(sock, &m, 0) != 1)
        perror("sendmsg");
}

static int recv_fd(int sock)
{
    char c;
    struct iovec io = {&c, 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
    if (recvmsg(sock, &m, 0) != 1)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
    return fd;
}

static void child_loop(long n, int out)
{
    double t0 = now();
    for (long i = 0; i < n; i++)
        syscall(__NR_getppid);
    double us = (now() - t0) * 1e6 / (double)n;
    if (write(out, &us, sizeof us) != sizeof us)
        _exit(1);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: stop_cost native|ptrace|ptrace-spin|notif|notif-sync|notif-spin "
                        "free|same|apart N\n");
        return 2;
    }
    const char *mech = argv[1], *place = argv[2];
    long n = atol(argv[3]);
    int is_ptrace = strncmp(mech, "ptrace", 6) == 0, is_notif = strncmp(mech, "notif", 5) == 0;
    int spin = strstr(mech, "-spin") != NULL;
    int pc = strcmp(place, "apart") == 0 ? 1 : 0, cc = 0;
    if (strcmp(place, "free") != 0)
        pin(pc);
    int res[2], sv[2];
    if (pipe(res) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 1;
    pid_t c = fork();
    if (c == 0) {
        if (strcmp(place, "free") != 0)
            pin(cc);
        if (is_ptrace) {
            if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0 || install(SECCOMP_RET_TRACE, 0) != 0)
                _exit(1);
            raise(SIGSTOP);
        } else if (is_notif) {
            int l = install(SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
            if (l < 0)
                _exit(1);
            send_fd(sv[1], l);
            close(l);
            char go;
            if (read(sv[1], &go, 1) != 1)
                _exit(1);
        }
        child_loop(n, res[1]);
    }
    int st;
    if (is_ptrace) {
        if (waitpid(c, &st, 0) != c)
            return 1;
        ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL);
        ptrace(PTRACE_CONT, c, 0, 0);
        for (;;) {
            pid_t p;
            if (spin)
                while ((p = waitpid(c, &st, WNOHANG)) == 0)
                    sched_yield();
            else
                p = waitpid(c, &st, 0);
            if (p != c || WIFEXITED(st) || WIFSIGNALED(st))
                break;
            int sig = (st >> 16) == PTRACE_EVENT_SECCOMP ? 0 : WSTOPSIG(st);
            ptrace(PTRACE_CONT, c, 0, sig);
        }
    } else if (is_notif) {
        int l = recv_fd(sv[0]);
        if (l < 0)
            return 1;
        if (strstr(mech, "-sync")) {
            unsigned long long fl = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
            if (ioctl(l, SECCOMP_IOCTL_NOTIF_SET_FLAGS, fl) != 0)
                perror("SECCOMP_IOCTL_NOTIF_SET_FLAGS");
        }
        if (write(sv[0], "g", 1) != 1)
            return 1;
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;
        for (;;) {
            if (spin) {
                struct pollfd p = {l, POLLIN, 0};
                int r;
                while ((r = poll(&p, 1, 0)) == 0)
                    sched_yield();
                if (r < 0 || (p.revents & POLLHUP))
                    break;
            }
            memset(&req, 0, sizeof req);
            if (ioctl(l, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
                if (errno == EINTR)
                    continue;
                break;
            }
            memset(&resp, 0, sizeof resp);
            resp.id = req.id;
            resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            if (ioctl(l, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno != ENOENT)
                break;
        }
        waitpid(c, &st, 0);
    } else {
        waitpid(c, &st, 0);
    }
    double us = -1;
    if (read(res[0], &us, sizeof us) != sizeof us)
        us = -1;
    printf("%s %s %ld %.2f\n", mech, place, n, us);
    return us < 0;
}
