/* Unit tests: the seccomp program (tracer/filter.c) and the traced-set builder (syscalls.c).
 * The filter is checked for real: a forked child installs it without any tracer, so every
 * syscall the filter sends to the tracer fails with ENOSYS (seccomp's rule for RET_TRACE with no
 * tracer) while every other one works. */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "filter.h"
#include "syscalls.h"
#include "tracer.h"
#include "tt_test.h"

/* Runs fn in a child under the filter; returns the child's exit code (bit per failed check).
 * The listener's program (TR_FILTER_NOTIF) is installed with a listener, closed at once: its
 * notifications then fail with ENOSYS, as the ptrace program's stops do without a tracer. */
static int under_filter(const struct tr_filter_cfg *cfg, int (*fn)(void))
{
    static struct sock_filter prog[TR_FILTER_MAX];
    int n = tr_filter_build(cfg, prog, TR_FILTER_MAX);
    if (n <= 0)
        return 250;
    pid_t p = fork();
    if (p == 0) {
        int nnp;
        if (cfg->role == TR_FILTER_NOTIF) {
            int l = tr_filter_install_listener(prog, (size_t)n, &nnp);
            /* (dup2 over it, not close: close is one of its notifications) */
            int nul = open("/dev/null", O_RDONLY);
            if (l < 0 || nul < 0 || dup2(nul, l) != l)
                _exit(251);
        } else if (tr_filter_install(prog, (size_t)n, &nnp) != 0) {
            _exit(251);
        }
        _exit(fn());
    }
    int st;
    if (waitpid(p, &st, 0) != p || !WIFEXITED(st))
        return 252;
    return WEXITSTATUS(st);
}

static int enosys(long r)
{
    return r == -1 && errno == ENOSYS;
}

static int check_basic(void)
{
    int bad = 0;
    if (!enosys(syscall(SYS_getppid)))
        bad |= 1; /* in the set: goes to the (absent) tracer */
    if (syscall(SYS_getpid) <= 0)
        bad |= 2; /* not in the set: runs */
    if (!enosys(syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY)))
        bad |= 4;
    /* fcntl: only the fd-table commands stop */
    if (fcntl(0, F_GETFD) < 0 && errno == ENOSYS)
        bad |= 8;
    if (!enosys(fcntl(0, F_DUPFD, 10)))
        bad |= 16;
    /* sendto: only with an address */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return 100;
    if (sendto(sv[0], "x", 1, 0, NULL, 0) != 1)
        bad |= 32;
    struct sockaddr sa = {.sa_family = AF_UNIX};
    if (!enosys(sendto(sv[0], "x", 1, 0, &sa, sizeof sa)))
        bad |= 64;
    return bad;
}

TT_TEST(filter_traces_only_the_set)
{
    struct tr_sysset s;
    memset(&s, 0, sizeof s);
    tr_sysset_add(&s, __NR_getppid);
    tr_sysset_add(&s, __NR_openat);
    tr_sysset_add(&s, __NR_fcntl);
    tr_sysset_add(&s, __NR_sendto);
    struct tr_filter_cfg cfg = {&s, 0, 0, 0, 0, 0, 0, 0, 0};
    TT_CHECK_INT(under_filter(&cfg, check_basic), 0);
}

#if defined(__x86_64__) /* (aarch64: tests/unit/test_tracer_arch.c checks the arch test) */
static int check_compat(void)
{
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory"); /* i386 getpid */
    int bad = 0;
    if (ret != -ENOSYS)
        bad |= 1; /* trapped for the tracer (here: no tracer, so ENOSYS) */
    if (!enosys(syscall(0x40000000 | 39)))
        bad |= 2; /* x32 getpid: trapped as well */
    return bad;
}

TT_TEST(filter_traps_32bit_and_x32)
{
    struct tr_sysset s;
    memset(&s, 0, sizeof s);
    struct tr_filter_cfg cfg = {&s, 0, 0, 0, 0, 0, 0, 0, 0};
    TT_CHECK_INT(under_filter(&cfg, check_compat), 0);
}
#endif

#define RING_KEY 0x5454aa01
static int ring_shmid;

static int check_shm(void)
{
    int bad = 0;
    if (!enosys(shmget(RING_KEY, 0, 0)))
        bad |= 1;
    if (shmat(ring_shmid, NULL, 0) != (void *)-1 || errno != ENOSYS)
        bad |= 2;
    if (!enosys(shmctl(ring_shmid, IPC_RMID, NULL)))
        bad |= 4;
    int other = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (other < 0)
        bad |= 8;
    else if (shmctl(other, IPC_RMID, NULL) != 0)
        bad |= 16;
    return bad;
}

TT_TEST(filter_traps_ring_access_only)
{
    struct tr_sysset s;
    memset(&s, 0, sizeof s);
    ring_shmid = 123456789;
    struct tr_filter_cfg cfg = {&s, 0, 1, RING_KEY, ring_shmid, 0, 0, 0, 0};
    TT_CHECK_INT(under_filter(&cfg, check_shm), 0);
}

static pid_t tracer_pid;

/* Bits 1..64: a call that must go to the (absent) tracer ran; 128: a call that must run did
 * not (an exit code has 8 bits). The signals are ones the test process ignores, and the other
 * calls change nothing: the negative control makes them for real. */
static int check_monitor_calls(void)
{
    int bad = 0;
    if (!enosys(kill(tracer_pid, SIGWINCH)))
        bad |= 1; /* a signal for another process: to the tracer */
    if (!enosys(syscall(SYS_tgkill, tracer_pid, tracer_pid, SIGWINCH)))
        bad |= 2;
    if (!enosys(syscall(SYS_pidfd_open, tracer_pid, 0)))
        bad |= 4;
    cpu_set_t cs;
    CPU_ZERO(&cs);
    if (sched_getaffinity(0, sizeof cs, &cs) != 0)
        bad |= 128;
    if (!enosys(sched_setaffinity(tracer_pid, sizeof cs, &cs)))
        bad |= 8;
    struct rlimit rl;
    if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) != 0)
        bad |= 128; /* reading a limit: runs */
    if (!enosys(syscall(SYS_prlimit64, tracer_pid, RLIMIT_NOFILE, &rl, NULL)))
        bad |= 16;
    if (!enosys(setpriority(PRIO_USER, 54321, 0)))
        bad |= 32; /* every process of a uid (one that has none here) */
    int pfd[2];
    if (pipe(pfd) != 0)
        return 255;
    int who = tracer_pid;
    if (!enosys(fcntl(pfd[0], F_SETOWN, tracer_pid)) || !enosys(ioctl(pfd[0], FIOSETOWN, &who)))
        bad |= 64;
    /* aimed at the caller itself, or no signal: runs */
    if (kill(getpid(), 0) != 0 || sched_setaffinity(0, sizeof cs, &cs) != 0 ||
        setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0)) != 0 ||
        (fcntl(pfd[0], F_GETFL) < 0 && errno == ENOSYS))
        bad |= 128;
    return bad;
}

TT_TEST(filter_traps_calls_that_could_reach_a_monitor)
{
    struct tr_sysset s;
    memset(&s, 0, sizeof s);
    tracer_pid = getpid(); /* the test process plays the tracer */
    struct tr_filter_cfg cfg = {&s, 0, 0, 0, 0, tracer_pid, 0, 0, 0};
    TT_CHECK_INT(under_filter(&cfg, check_monitor_calls), 0);
    /* switched off (the negative control): the monitor checks are gone from the filter */
    cfg.def_off = TR_DEF_BIT(TR_DEF_MONITORS);
    TT_CHECK_INT(under_filter(&cfg, check_monitor_calls), 127);
}

/* Calls that act outside the tracer's view. */
static int check_evasions(void)
{
    int bad = 0;
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.exit_signal = SIGCHLD;
    long r = syscall(SYS_clone3, &ca, sizeof ca);
    if (r == 0)
        _exit(0);
    if (!enosys(r))
        bad |= 1; /* clone3 fails in the filter itself (libc falls back to clone) */
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    if (!enosys(syscall(SYS_io_uring_setup, 4, &p)))
        bad |= 2;
    if (!enosys(syscall(SYS_io_uring_enter, 99, 0, 0, 0, NULL, 0)))
        bad |= 4;
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog fp = {1, &allow};
    if (!enosys(
            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp)))
        bad |= 8;
    unsigned act = SECCOMP_RET_LOG;
    if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) != 0)
        bad |= 16; /* other seccomp operations: run */
    if (!enosys(syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0)))
        bad |= 32;
    return bad;
}

TT_TEST(filter_traps_evasions)
{
    struct tr_sysset s;
    memset(&s, 0, sizeof s);
    struct tr_filter_cfg cfg = {&s, 0, 0, 0, 0, 0, 0, 0, 0};
    TT_CHECK_INT(under_filter(&cfg, check_evasions), 0);
}

/* Everything fails here, even what the sanitizer runtime needs: raw syscalls only, raw exit. */
static int check_all(void)
{
#if defined(__x86_64__)
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getpid) : "rcx", "r11", "memory");
    long bad = r == -ENOSYS ? 0 : 1;
    __asm__ volatile("syscall" : : "a"((long)SYS_exit_group), "D"(bad) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
    register long nr __asm__("x8") = SYS_getpid;
    register long r __asm__("x0");
    __asm__ volatile("svc #0" : "=r"(r) : "r"(nr) : "memory");
    register long nr2 __asm__("x8") = SYS_exit_group;
    register long bad __asm__("x0") = r == -ENOSYS ? 0 : 1;
    __asm__ volatile("svc #0" : : "r"(nr2), "r"(bad) : "memory");
#endif
    return 99;
}

/* Which calls stop where, with a listener: the ones whose result the tracer needs (an open, a
 * dup) in the ptrace program, the ones it only checks or reports before they run (close, a
 * signal, an owner change) in the listener's. */
static int main_role_calls(void)
{
    int bad = 0;
    if (!enosys(syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY)))
        bad |= 1; /* needs its exit: a ptrace stop */
    if (syscall(SYS_close, -1) != -1 || errno != EBADF)
        bad |= 2; /* entry-only: not here */
    if (syscall(SYS_kill, 999999999, SIGUSR1) != -1 || errno != ESRCH)
        bad |= 4; /* a defence's check only: not here */
    if (!enosys(fcntl(0, F_DUPFD, 10)))
        bad |= 8; /* the fd-table command: its result counts */
    if (fcntl(0, F_SETOWN, 0) != 0)
        bad |= 16; /* the owner command: not here */
    return bad;
}

static int notif_role_calls(void)
{
    int bad = 0;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
    if (fd < 0)
        bad |= 1;
    if (!enosys(syscall(SYS_close, fd)))
        bad |= 2;
    if (!enosys(syscall(SYS_kill, 999999999, SIGUSR1)))
        bad |= 4;
    int d = fcntl(0, F_DUPFD, 10);
    if (d < 0)
        bad |= 8;
    if (!enosys(fcntl(0, F_SETOWN, 0)))
        bad |= 16;
    if (syscall(SYS_getppid) <= 0)
        bad |= 32;
    return bad;
}

TT_TEST(filter_roles_split_ptrace_and_notifications)
{
    struct tr_sysset s;
    char bad[32] = "";
    TT_CHECK_INT(tr_sysset_build(&s, "openat", 0, bad, sizeof bad), 0);
    TT_CHECK(tr_filter_entry_only(&s, __NR_close));
    TT_CHECK(!tr_filter_entry_only(&s, __NR_openat));
    TT_CHECK(tr_filter_entry_only(&s, __NR_kill)); /* not an event here: a check only */
    TT_CHECK(!tr_filter_entry_only(&s, __NR_clone));
    struct tr_filter_cfg cfg = {&s, 0, 0, 0, 0, 0, 0, 0, TR_FILTER_MAIN};
    TT_CHECK_INT(under_filter(&cfg, main_role_calls), 0);
    cfg.role = TR_FILTER_NOTIF;
    TT_CHECK_INT(under_filter(&cfg, notif_role_calls), 0);
    /* `NAME.entry` (the engine: its rules read only the arguments) */
    TT_CHECK_INT(tr_sysset_build(&s, "openat,ptrace.entry", 0, bad, sizeof bad), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_ptrace) && tr_filter_entry_only(&s, __NR_ptrace));
    TT_CHECK(!tr_filter_entry_only(&s, __NR_openat));
}

TT_TEST(filter_all_traces_everything)
{
    struct tr_sysset s;
    char bad[32];
    TT_CHECK_INT(tr_sysset_build(&s, NULL, 1, bad, sizeof bad), 0);
    struct tr_filter_cfg cfg = {&s, 1, 0, 0, 0, 0, 0, 0, 0};
    TT_CHECK_INT(under_filter(&cfg, check_all), 0);
}

TT_TEST(filter_is_small)
{
    struct tr_sysset s;
    char bad[32];
    static struct sock_filter prog[TR_FILTER_MAX];
    TT_CHECK_INT(tr_sysset_build(&s, NULL, 0, bad, sizeof bad), 0);
    struct tr_filter_cfg cfg = {&s, 0, 1, 1, 2, 1234, 0, 0, 0};
    int n = tr_filter_build(&cfg, prog, TR_FILTER_MAX);
    TT_CHECK(n > 10 && n < 600);
    TT_CHECK_INT(tr_filter_build(&cfg, prog, 8), -1); /* does not fit: refused */
}

/* Loads and returns carry no jump offsets (the kernel ignores them there: one set by mistake is
 * an argument in the wrong place), and every jump lands inside the program. */
TT_TEST(filter_instructions_are_canonical)
{
    struct tr_sysset s;
    char bad[32];
    static struct sock_filter prog[TR_FILTER_MAX];
    TT_CHECK_INT(tr_sysset_build(&s, NULL, 0, bad, sizeof bad), 0);
    struct tr_filter_cfg cfgs[] = {{&s, 0, 1, 1, 2, 1234, 0, 0, TR_FILTER_ALL},
                                   {&s, 0, 0, 0, 0, 0, 0, 0, TR_FILTER_ALL},
                                   {&s, 1, 0, 0, 0, 0, 0, 0, TR_FILTER_ALL},
                                   {&s, 0, 1, 1, 2, 1234, 0, 0, TR_FILTER_MAIN},
                                   {&s, 0, 0, 0, 0, 0, 0, 0, TR_FILTER_NOTIF}};
    for (size_t c = 0; c < sizeof cfgs / sizeof cfgs[0]; c++) {
        int n = tr_filter_build(&cfgs[c], prog, TR_FILTER_MAX);
        TT_REQUIRE(n > 0);
        for (int i = 0; i < n; i++) {
            const struct sock_filter *f = &prog[i];
            int cond_jump = BPF_CLASS(f->code) == BPF_JMP && BPF_OP(f->code) != BPF_JA;
            TT_CHECKF(cond_jump || (f->jt == 0 && f->jf == 0),
                      "config %zu, instruction %d (code %#x): jt %u jf %u", c, i, f->code, f->jt,
                      f->jf);
            long last = BPF_CLASS(f->code) != BPF_JMP ? i
                        : BPF_OP(f->code) == BPF_JA   ? i + 1 + (long)f->k
                                                      : i + 1 + (f->jt > f->jf ? f->jt : f->jf);
            TT_CHECKF(last < n, "config %zu, instruction %d jumps past the end (%ld of %d)", c, i,
                      last, n);
        }
    }
}

TT_TEST(sysset_default_covers_rules_and_state)
{
    struct tr_sysset s;
    char bad[32];
    TT_CHECK_INT(tr_sysset_build(&s, NULL, 0, bad, sizeof bad), 0);
    static const long want[] = {__NR_execve,    __NR_execveat, __NR_openat2,      __NR_memfd_create,
                                __NR_symlinkat, __NR_linkat,   __NR_finit_module, __NR_ptrace,
                                __NR_connect,   __NR_setuid,   __NR_close,        __NR_dup3};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!tr_sysset_has(&s, want[i]))
            TT_FAILF("default set misses %s", tr_sys_name(want[i]));
    TT_CHECK(!tr_sysset_has(&s, __NR_read));
    TT_CHECK(!tr_sysset_has(&s, __NR_write));
}

TT_TEST(sysset_from_engine_list_adds_state)
{
    struct tr_sysset s;
    char bad[32];
    TT_CHECK_INT(tr_sysset_build(&s, "connect, open", 0, bad, sizeof bad), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_connect));
#ifdef __NR_open /* (aarch64 has no open: the name is accepted and adds nothing) */
    TT_CHECK(tr_sysset_has(&s, __NR_open));
    TT_CHECK(tr_sysset_has(&s, __NR_openat)); /* ...and its siblings (no untraced twin) */
    TT_CHECK(tr_sysset_has(&s, __NR_openat2));
#endif
    TT_CHECK(!tr_sysset_has(&s, __NR_unlinkat)); /* only what was asked */
    TT_CHECK(tr_sysset_has(&s, __NR_execve));    /* state: always */
    TT_CHECK(tr_sysset_has(&s, __NR_chdir));
    TT_CHECK(tr_sysset_has(&s, __NR_close));      /* fd state, since fds are created */
    TT_CHECK(tr_sysset_has(&s, __NR_getsockopt)); /* network state (SO_ERROR) */
    TT_CHECK(!tr_sysset_has(&s, __NR_socket));    /* connect carries the socket's kind */
#ifdef __NR_unlink
    TT_CHECK(!tr_sysset_has(&s, __NR_unlink));
#endif
    TT_CHECK(!tr_sysset_has(&s, __NR_clone)); /* reported through ptrace events */
}

static int check_socket_domains(void)
{
    int bad = 0;
    int fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        bad |= 1; /* AF_UNIX not wanted: runs */
    else
        close(fd);
    if (!enosys(syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0)))
        bad |= 2; /* wanted: stops (ENOSYS here, no tracer) */
    if (!enosys(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0)))
        bad |= 4;
    fd = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        bad |= 8;
    else
        close(fd);
    return bad;
}

/* The engine's `socket.domain=D` entries: the filter stops only those socket calls; a plain
 * `socket` entry (some rule looks at every domain) wins. */
TT_TEST(sysset_socket_domains)
{
    struct tr_sysset s;
    char bad[32] = "";
    TT_CHECK_INT(
        tr_sysset_build(&s, "socket.domain=17,connect,socket.domain=16", 0, bad, sizeof bad), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_socket));
    TT_CHECK(s.socket_domains == ((1ull << 17) | (1ull << 16)));
    struct tr_filter_cfg cfg = {&s, 0, 0, 0, 0, 0, 0, 0, 0};
    TT_CHECK_INT(under_filter(&cfg, check_socket_domains), 0);
    TT_CHECK_INT(tr_sysset_build(&s, "socket.domain=17,socket", 0, bad, sizeof bad), 0);
    TT_CHECK(s.socket_domains == 0);
    TT_CHECK_INT(tr_sysset_build(&s, "socket.domain=99", 0, bad, sizeof bad), -1);
    TT_CHECK_STR(bad, "socket.domain=99");
    TT_CHECK_INT(tr_socket_domain_entry("socket.domain="), -1);
    TT_CHECK_INT(tr_socket_domain_entry("socket.domain=2x"), -1);
    TT_CHECK_INT(tr_socket_domain_entry("socket.domain=10"), 10);
}

/* recvfrom with no source address (a connected socket's recv): 1 when it stopped. */
static int recv_without_address_stops(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return 100;
    char b[4];
    if (write(sv[0], "x", 1) != 1)
        return 101;
    return enosys(syscall(SYS_recvfrom, sv[1], b, sizeof b, 0, NULL, NULL)) ? 1 : 0;
}

/* The engine's `recvfrom.all` entry: every recvfrom stops (its rules read the data), not only
 * the addressed ones; `proc.env` asks for environments. */
TT_TEST(sysset_recvfrom_all_and_env)
{
    struct tr_sysset s;
    char bad[32] = "";
    struct tr_filter_cfg cfg = {&s, 0, 0, 0, 0, 0, 0, 0, 0};
    TT_CHECK_INT(tr_sysset_build(&s, "recvfrom,connect", 0, bad, sizeof bad), 0);
    TT_CHECK(!s.recvfrom_all && !s.with_env);
    TT_CHECK_INT(under_filter(&cfg, recv_without_address_stops), 0); /* addressed ones only */
    TT_CHECK_INT(tr_sysset_build(&s, "recvfrom recvfrom.all proc.env", 0, bad, sizeof bad), 0);
    TT_CHECK(s.recvfrom_all && s.with_env && tr_sysset_has(&s, __NR_recvfrom));
    TT_CHECK_INT(under_filter(&cfg, recv_without_address_stops), 1);
    TT_CHECK_INT(tr_sysset_build(&s, "recvfrom.all", 0, bad, sizeof bad), 0); /* alone too */
    TT_CHECK(tr_sysset_has(&s, __NR_recvfrom) && tr_sysset_has(&s, __NR_getsockopt));
}

TT_TEST(sysset_accepts_raw_syscall_names_and_rejects_unknown)
{
    struct tr_sysset s;
    char bad[32] = "";
    TT_CHECK_INT(tr_sysset_build(&s, "read,clone", 0, bad, sizeof bad), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_read));
    TT_CHECK_INT(tr_sysset_build(&s, "open,frobnicate", 0, bad, sizeof bad), -1);
    TT_CHECK_STR(bad, "frobnicate");
}

TT_TEST(syscall_names_round_trip)
{
    TT_CHECK_STR(tr_sys_name(__NR_openat2), "openat2");
    TT_CHECK_INT(tr_sys_by_name("clone3"), __NR_clone3);
    TT_CHECK_INT(tr_sys_by_name("nope"), -1);
    TT_CHECK_INT(tr_sys_event(__NR_execveat), TT_EV_EXECVEAT);
    TT_CHECK_INT(tr_sys_event(__NR_read), TT_EV_NONE);
}

int main(void)
{
    return tt_run_all();
}
