/* Unit tests: the seccomp programs of tracer/filter.c run instruction by instruction by a small
 * classic-BPF interpreter over seccomp_data inputs, in each of the three roles (one program
 * for ptrace alone; with a listener, the ptrace program and the listener's). What the kernel
 * does with an installed program is checked in test_tracer_filter.c; here every branch of
 * every argument block is reached, including the listener's, which needs no listener. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "filter.h"
#include "syscalls.h"
#include "tracer.h"
#include "tt_test.h"

#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif

/* Runs prog over d: 0 with the returned action in *ret, or -1 for an instruction a seccomp
 * program may not hold here (unknown opcode, a load outside seccomp_data, a jump out of it). */
static int bpf_run(const struct sock_filter *prog, int len, const struct seccomp_data *d,
                   uint32_t *ret)
{
    uint32_t a = 0;
    for (int pc = 0; pc >= 0 && pc < len; pc++) {
        const struct sock_filter *i = &prog[pc];
        switch (i->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (i->k % 4 || i->k + 4 > sizeof *d)
                return -1;
            memcpy(&a, (const char *)d + i->k, 4);
            break;
        case BPF_JMP | BPF_JA:
            pc += (int)i->k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += a == i->k ? i->jt : i->jf;
            break;
        case BPF_JMP | BPF_JGE | BPF_K:
            pc += a >= i->k ? i->jt : i->jf;
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            pc += (a & i->k) ? i->jt : i->jf;
            break;
        case BPF_RET | BPF_K:
            *ret = i->k;
            return 0;
        default:
            return -1;
        }
    }
    return -1; /* ran off the end */
}

/* What the tracer should get from a call: nothing, a ptrace stop (it needs the result or the
 * registers), a stop a user notification serves (it looks before the call runs), ENOSYS. */
enum want { W_ALLOW, W_FULL, W_ENTRY, W_ENOSYS };

static uint32_t expected(int role, enum want w, uint32_t tag)
{
    if (w == W_ALLOW)
        return SECCOMP_RET_ALLOW;
    if (role == TR_FILTER_NOTIF)
        return w == W_ENTRY ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW;
    if (w == W_ENOSYS)
        return SECCOMP_RET_ERRNO | ENOSYS;
    if (w == W_ENTRY && role == TR_FILTER_MAIN)
        return SECCOMP_RET_ALLOW;
    return SECCOMP_RET_TRACE | tag;
}

struct progs {
    struct sock_filter p[3][TR_FILTER_MAX];
    int len[3];
};

static struct progs progs;

/* Builds the three roles' programs of cfg (its role is overwritten). */
static int build_all(struct tr_filter_cfg cfg)
{
    for (int role = TR_FILTER_ALL; role <= TR_FILTER_NOTIF; role++) {
        cfg.role = role;
        progs.len[role] = tr_filter_build(&cfg, progs.p[role], TR_FILTER_MAX);
        if (progs.len[role] <= 0) {
            TT_FAILF("role %d: tr_filter_build = %d", role, progs.len[role]);
            return -1;
        }
    }
    return 0;
}

/* Checks one call in every role; roles: how many roles (1: the single program only, as -a). */
static void check_roles(int line, int roles, uint32_t arch, long nr, const uint64_t args[6],
                        enum want w, uint32_t tag)
{
    struct seccomp_data d = {.nr = (int)nr, .arch = arch};
    if (args)
        memcpy(d.args, args, sizeof d.args);
    for (int role = TR_FILTER_ALL; role < roles; role++) {
        uint32_t got = 0, want = expected(role, w, tag);
        if (bpf_run(progs.p[role], progs.len[role], &d, &got) != 0)
            TT_FAILF("line %d: role %d, nr %ld: the program is malformed", line, role, nr);
        else if (got != want)
            TT_FAILF("line %d: role %d, nr %ld (%s) args %llx,%llx,%llx: 0x%08x, want 0x%08x", line,
                     role, nr, tr_sys_name(nr) ? tr_sys_name(nr) : "?",
                     (unsigned long long)d.args[0], (unsigned long long)d.args[1],
                     (unsigned long long)d.args[2], got, want);
        else
            TT_CHECK(1);
    }
}

#define A(...) ((const uint64_t[6]){__VA_ARGS__})
#define CHECK(nr, args, w) check_roles(__LINE__, 3, TR_AUDIT_ARCH, nr, args, w, TR_TAG_SYSCALL)
#define CHECK_TAG(nr, args, w, tag) check_roles(__LINE__, 3, TR_AUDIT_ARCH, nr, args, w, tag)

enum { RING_KEY = 0x12345, RING_ID = 77 };

static struct tr_sysset set;

static int build_set(const char *list)
{
    char bad[64] = "";
    if (tr_sysset_build(&set, list, 0, bad, sizeof bad) != 0) {
        TT_FAILF("list refused at %s", bad);
        return -1;
    }
    return 0;
}

static struct tr_filter_cfg ring_cfg(void)
{
    return (struct tr_filter_cfg){&set, 0, 1, RING_KEY, RING_ID, 0, 0, 0, 0};
}

/* The calls the rules ask for, whole or at entry only, and what is never stopped. */
TT_TEST(bpf_traced_and_entry_only_calls)
{
    TT_REQUIRE(build_set("openat,connect,unlinkat.entry,getsockopt") == 0);
    TT_REQUIRE(build_all(ring_cfg()) == 0);
    CHECK(__NR_openat, NULL, W_FULL);
    CHECK(__NR_connect, NULL, W_FULL);
    CHECK(__NR_unlinkat, NULL, W_ENTRY);
    CHECK(__NR_close, NULL, W_ENTRY); /* (entry-only class) */
    CHECK(__NR_read, NULL, W_ALLOW);
    CHECK(__NR_mkdirat, NULL, W_ALLOW);
    CHECK(__NR_execve, NULL, W_ALLOW); /* engine list without execve: from the exec event */
    CHECK(__NR_exit_group, NULL, W_ALLOW);
    CHECK(__NR_pivot_root, NULL, W_FULL); /* root kept from the result */
    CHECK(__NR_setpgid, A(0, 0), W_FULL);
    CHECK(__NR_ptrace, NULL, W_ENTRY);
    CHECK(__NR_io_uring_setup, NULL, W_ENTRY);
    CHECK(__NR_close_range, NULL, W_ENTRY);
    CHECK(__NR_clone3, NULL, W_ENOSYS);
    CHECK(__NR_clone, A(SIGCHLD), W_ALLOW);
    CHECK_TAG(__NR_clone, A(CLONE_UNTRACED | SIGCHLD), W_FULL, TR_TAG_UNTRACED);
    CHECK(TR_MAX_NR, NULL, W_ALLOW);
    CHECK(TR_MAX_NR + 100, NULL, W_ALLOW);
    /* other ABIs: always ptrace stops */
    CHECK_TAG(0x40000000 | 2, NULL, W_FULL, TR_TAG_COMPAT);
    check_roles(__LINE__, 3, AUDIT_ARCH_I386, 5, NULL, W_FULL, TR_TAG_COMPAT);
    /* (kept whole: their result is the event's) */
    CHECK(__NR_getsockopt, A(3, SOL_SOCKET, SO_ERROR), W_FULL);
    CHECK(__NR_getsockopt, A(3, SOL_SOCKET, SO_TYPE), W_ALLOW);
    CHECK(__NR_getsockopt, A(3, 6 /* IPPROTO_TCP */, SO_ERROR), W_ALLOW);
}

/* fcntl: the fd-table commands are state (ptrace stops), the owner commands are checks. */
TT_TEST(bpf_fcntl_commands)
{
    TT_REQUIRE(build_set("openat") == 0);
    TT_REQUIRE(tr_sysset_has(&set, __NR_fcntl));
    TT_REQUIRE(build_all(ring_cfg()) == 0);
    CHECK(__NR_fcntl, A(3, F_DUPFD), W_FULL);
    CHECK(__NR_fcntl, A(3, F_DUPFD_CLOEXEC), W_FULL);
    CHECK(__NR_fcntl, A(3, F_SETFD), W_FULL);
    CHECK(__NR_fcntl, A(3, F_SETOWN), W_ENTRY);
    CHECK(__NR_fcntl, A(3, F_SETOWN_EX), W_ENTRY);
    CHECK(__NR_fcntl, A(3, F_GETFL), W_ALLOW);
    CHECK(__NR_fcntl, A(3, F_SETFL), W_ALLOW);
    /* no fd-creating call named: only the owner commands */
    TT_REQUIRE(build_set("ptrace") == 0);
    TT_REQUIRE(!tr_sysset_has(&set, __NR_fcntl));
    TT_REQUIRE(build_all(ring_cfg()) == 0);
    CHECK(__NR_fcntl, A(3, F_DUPFD), W_ALLOW);
    CHECK(__NR_fcntl, A(3, F_SETFD), W_ALLOW);
    CHECK(__NR_fcntl, A(3, F_SETOWN), W_ENTRY);
    CHECK(__NR_fcntl, A(3, F_SETOWN_EX), W_ENTRY);
    CHECK(__NR_fcntl, A(3, F_GETOWN), W_ALLOW);
}

/* Sends and receives with an address (a datagram's peer), socket domains. */
TT_TEST(bpf_addressed_calls_and_socket_domains)
{
    TT_REQUIRE(build_set("sendto,recvfrom,socket.domain=17,socket.domain=2,socket.domain=40") == 0);
    TT_REQUIRE(build_all(ring_cfg()) == 0);
    const long calls[] = {__NR_sendto, __NR_recvfrom};
    for (int i = 0; i < 2; i++) {
        CHECK(calls[i], A(3, 0, 10, 0, 0, 0), W_ALLOW);
        CHECK(calls[i], A(3, 0, 10, 0, 0x7ffd1000, 16), W_FULL);
        CHECK(calls[i], A(3, 0, 10, 0, 0x100000000ull, 16), W_FULL);
    }
    CHECK(__NR_socket, A(17, SOCK_RAW), W_ENTRY);
    CHECK(__NR_socket, A(2, SOCK_DGRAM), W_ENTRY);
    CHECK(__NR_socket, A(40), W_ENTRY);
    CHECK(__NR_socket, A(1, SOCK_STREAM), W_ALLOW);
    CHECK(__NR_socket, A(16), W_ALLOW);
    CHECK(__NR_socket, A(0), W_ALLOW);
    /* recvfrom.all: every receive */
    TT_REQUIRE(build_set("recvfrom,recvfrom.all,socket") == 0);
    TT_REQUIRE(build_all(ring_cfg()) == 0);
    CHECK(__NR_recvfrom, A(3, 0, 10, 0, 0, 0), W_FULL);
    CHECK(__NR_socket, A(16), W_ENTRY);
}

/* The calls that could reach a monitor: stopped only when aimed at another process. */
TT_TEST(bpf_calls_aimed_at_another_process)
{
    TT_REQUIRE(build_set("openat") == 0);
    TT_REQUIRE(build_all(ring_cfg()) == 0);
    CHECK(__NR_kill, A(123, 0), W_ALLOW);
    CHECK(__NR_kill, A(123, 9), W_ENTRY);
    CHECK(__NR_tgkill, A(123, 124, 0), W_ALLOW);
    CHECK(__NR_tgkill, A(123, 124, 9), W_ENTRY);
    CHECK(__NR_tgkill, A(123, 0, 9), W_ENTRY);
    CHECK(__NR_sched_setaffinity, A(0), W_ALLOW);
    CHECK(__NR_sched_setaffinity, A(123), W_ENTRY);
    CHECK(__NR_prlimit64, A(0, RLIMIT_NOFILE, 0x7ffd1000), W_ALLOW);
    CHECK(__NR_prlimit64, A(123, RLIMIT_NOFILE, 0, 0x7ffd1000), W_ALLOW); /* reads only */
    CHECK(__NR_prlimit64, A(123, RLIMIT_NOFILE, 0x7ffd1000), W_ENTRY);
    CHECK(__NR_prlimit64, A(123, RLIMIT_NOFILE, 0x100000000ull), W_ENTRY);
    CHECK(__NR_setpriority, A(PRIO_USER, 0, 5), W_ENTRY);
    CHECK(__NR_setpriority, A(PRIO_PROCESS, 0, 5), W_ALLOW);
    CHECK(__NR_setpriority, A(PRIO_PROCESS, 123, 5), W_ENTRY);
    CHECK(__NR_ioprio_set, A(3 /* IOPRIO_WHO_USER */, 0), W_ENTRY);
    CHECK(__NR_ioprio_set, A(2 /* IOPRIO_WHO_PGRP: not the user */, 0), W_ALLOW);
    CHECK(__NR_ioprio_set, A(1, 0), W_ALLOW);
    CHECK(__NR_ioprio_set, A(1, 123), W_ENTRY);
    CHECK(__NR_ioctl, A(3, FIOSETOWN), W_ENTRY);
    CHECK(__NR_ioctl, A(3, SIOCSPGRP), W_ENTRY);
    CHECK(__NR_ioctl, A(3, FIONREAD), W_ALLOW);
    CHECK(__NR_seccomp, A(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER), W_ENTRY);
    CHECK(__NR_seccomp, A(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER | 1), W_ENTRY);
    CHECK(__NR_seccomp, A(SECCOMP_SET_MODE_FILTER, 0), W_ALLOW);
    CHECK(__NR_seccomp, A(SECCOMP_SET_MODE_STRICT, SECCOMP_FILTER_FLAG_NEW_LISTENER), W_ALLOW);
    CHECK(__NR_seccomp, A(SECCOMP_GET_ACTION_AVAIL, SECCOMP_FILTER_FLAG_NEW_LISTENER), W_ALLOW);
    CHECK(__NR_seccomp, A(CLONE_UNTRACED, SECCOMP_FILTER_FLAG_NEW_LISTENER),
          W_ALLOW); /* (any op) */
}

/* shm* on the event ring: a tamper stop; other segments: as the set says. */
TT_TEST(bpf_ring_segment_calls)
{
    TT_REQUIRE(build_set("openat") == 0);
    TT_REQUIRE(build_all(ring_cfg()) == 0);
    CHECK_TAG(__NR_shmget, A(RING_KEY), W_ENTRY, TR_TAG_TAMPER);
    CHECK(__NR_shmget, A(RING_KEY + 1), W_ALLOW);
    CHECK_TAG(__NR_shmat, A(RING_ID), W_ENTRY, TR_TAG_TAMPER);
    CHECK(__NR_shmat, A(RING_ID + 1), W_ALLOW);
    CHECK_TAG(__NR_shmctl, A(RING_ID, 0), W_ENTRY, TR_TAG_TAMPER);
    CHECK(__NR_shmctl, A(RING_ID - 1, 0), W_ALLOW);
    /* shm* named by the list: every other segment is a whole stop */
    TT_REQUIRE(build_set("openat,shmget,shmctl") == 0);
    TT_REQUIRE(build_all(ring_cfg()) == 0);
    CHECK_TAG(__NR_shmget, A(RING_KEY), W_FULL, TR_TAG_TAMPER);
    CHECK(__NR_shmget, A(RING_KEY + 1), W_FULL);
    CHECK(__NR_shmat, A(RING_ID + 1), W_FULL);
    CHECK(__NR_shmctl, A(RING_ID + 1), W_FULL);
    /* no ring to protect: as any call */
    struct tr_filter_cfg cfg = ring_cfg();
    cfg.protect_ring = 0;
    TT_REQUIRE(build_all(cfg) == 0);
    CHECK(__NR_shmget, A(RING_KEY), W_FULL);
    CHECK(__NR_shmat, A(RING_ID), W_ALLOW);
}

/* Defences switched off (tests only) or re-allowed: the calls they trap run, or stop to be
 * reported. */
TT_TEST(bpf_defences_off_and_allowed)
{
    TT_REQUIRE(build_set("openat") == 0);
    struct tr_filter_cfg cfg = ring_cfg();
    cfg.def_off = TR_DEF_BIT(TR_DEF_CLONE3) | TR_DEF_BIT(TR_DEF_MONITORS) |
                  TR_DEF_BIT(TR_DEF_SECCOMP_LISTENER) | TR_DEF_BIT(TR_DEF_ARG_SWAP) |
                  TR_DEF_BIT(TR_DEF_OPEN_BY_HANDLE) | TR_DEF_BIT(TR_DEF_RING) |
                  TR_DEF_BIT(TR_DEF_IO_URING);
    TT_REQUIRE(build_all(cfg) == 0);
    CHECK(__NR_clone3, NULL, W_ALLOW);
    CHECK(__NR_clone, A(CLONE_UNTRACED | SIGCHLD), W_ALLOW);
    CHECK(__NR_kill, A(123, 9), W_ALLOW);
    CHECK(__NR_fcntl, A(3, F_SETOWN), W_ENTRY); /* (the set's fcntl: its block as it is) */
    CHECK(__NR_fcntl, A(3, F_DUPFD), W_FULL);
    CHECK(__NR_seccomp, A(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER), W_ALLOW);
    CHECK(__NR_close_range, NULL, W_ALLOW);
    CHECK(__NR_open_by_handle_at, NULL, W_ALLOW);
    CHECK(__NR_shmget, A(RING_KEY), W_ALLOW);
    CHECK(__NR_io_uring_setup, NULL, W_ALLOW);
    CHECK(__NR_io_uring_enter, NULL, W_ALLOW);
    cfg.allow = TR_DEF_BIT(TR_DEF_CLONE3) | TR_DEF_BIT(TR_DEF_IO_URING);
    TT_REQUIRE(build_all(cfg) == 0);
    CHECK(__NR_clone3, NULL, W_FULL); /* flags checked at the stop */
    CHECK(__NR_io_uring_setup, NULL, W_ENTRY);
    CHECK(__NR_io_uring_enter, NULL, W_ALLOW);
    /* a set that names clone: a failed clone is reported from its stop */
    TT_REQUIRE(build_set("openat,clone") == 0);
    TT_REQUIRE(build_all(ring_cfg()) == 0);
    CHECK(__NR_clone, A(SIGCHLD), W_FULL);
    CHECK(__NR_clone3, NULL, W_ENOSYS);
}

/* -a: every call stops, beyond the table too; one program only. */
TT_TEST(bpf_all_stops_everything)
{
    TT_REQUIRE(build_set(NULL) == 0);
    struct tr_filter_cfg cfg = ring_cfg();
    cfg.all = 1;
    cfg.role = TR_FILTER_ALL;
    progs.len[0] = tr_filter_build(&cfg, progs.p[0], TR_FILTER_MAX);
    TT_REQUIRE(progs.len[0] > 0);
    check_roles(__LINE__, 1, TR_AUDIT_ARCH, __NR_read, NULL, W_FULL, TR_TAG_SYSCALL);
    check_roles(__LINE__, 1, TR_AUDIT_ARCH, TR_MAX_NR + 3, NULL, W_FULL, TR_TAG_SYSCALL);
    check_roles(__LINE__, 1, TR_AUDIT_ARCH, __NR_execve, NULL, W_FULL, TR_TAG_SYSCALL);
    check_roles(__LINE__, 1, TR_AUDIT_ARCH, __NR_exit_group, NULL, W_ALLOW, 0);
    /* a program too large for the room given is refused, not cut */
    TT_CHECK_INT(tr_filter_build(&cfg, progs.p[0], (size_t)progs.len[0] - 1), -1);
    TT_CHECK_INT(tr_filter_build(&cfg, progs.p[0], (size_t)progs.len[0]), progs.len[0]);
}

/* The most ranges a set can make: each number's action differs from the one before (chosen
 * number by number, around the calls whose action is fixed), so the search tree has one leaf
 * per number. */
static uint32_t action_of(const struct tr_filter_cfg *cfg, long nr, int *bad)
{
    static struct sock_filter p[TR_FILTER_MAX];
    int len = tr_filter_build(cfg, p, TR_FILTER_MAX);
    /* (arguments that make each argument block stop: SOL_SOCKET, SO_ERROR, an address...) */
    struct seccomp_data d = {.nr = (int)nr, .arch = TR_AUDIT_ARCH, .args = {5, 1, 4, 0, 1, 0}};
    uint32_t got = 0;
    if (len <= 0 || bpf_run(p, len, &d, &got) != 0)
        (*bad)++;
    return got;
}

static void toggle(long nr)
{
    set.bits[nr >> 3] ^= (uint8_t)(1u << (nr & 7));
}

TT_TEST(bpf_a_range_per_number)
{
    TT_REQUIRE(build_set("openat,execve,execveat,recvfrom.all") == 0);
    memset(set.bits, 0, sizeof set.bits);
    struct tr_filter_cfg cfg = ring_cfg();
    cfg.protect_ring = 0;
    cfg.def_off = ~0u; /* (the defences' calls always stop: the set decides the rest) */
    int bad = 0, changes = 0;
    uint32_t r[TR_MAX_NR];
    r[0] = action_of(&cfg, 0, &bad);
    for (long nr = 1; nr < TR_MAX_NR; nr++) {
        r[nr] = action_of(&cfg, nr, &bad);
        if (r[nr] == r[nr - 1]) {
            toggle(nr);
            r[nr] = action_of(&cfg, nr, &bad);
        }
        if (r[nr] == r[nr - 1] && nr >= 2) { /* fixed here: change the number before instead */
            toggle(nr - 1);
            uint32_t before = action_of(&cfg, nr - 1, &bad), now = action_of(&cfg, nr, &bad);
            if (before != r[nr - 2] && now != before) {
                r[nr - 1] = before;
                r[nr] = now;
            } else {
                toggle(nr - 1);
            }
        }
        changes += r[nr] != r[nr - 1];
    }
    TT_CHECK_INT(bad, 0);
#if defined(__aarch64__)
    /* (aarch64 numbers calls whose action is fixed side by side, exit 93 and exit_group 94
     * among them: four pairs alike) */
    TT_CHECKF(changes >= TR_MAX_NR - 5, "%d changes", changes);
#else
    /* (exit_group's is fixed between two others: one pair alike) */
    TT_CHECKF(changes >= TR_MAX_NR - 2, "%d changes", changes);
#endif
}

TT_TEST(bpf_entry_only_answers)
{
    TT_REQUIRE(build_set("openat,unlinkat.entry") == 0);
    TT_CHECK_INT(tr_filter_entry_only(&set, __NR_fcntl), 1);
    TT_CHECK_INT(tr_filter_entry_only(&set, __NR_kill), 1);
    TT_CHECK_INT(tr_filter_entry_only(&set, __NR_unlinkat), 1);
    TT_CHECK_INT(tr_filter_entry_only(&set, __NR_openat), 0);
    TT_CHECK_INT(tr_filter_entry_only(&set, -1), 0);
    TT_CHECK_INT(tr_filter_entry_only(&set, TR_MAX_NR), 0);
}

static pid_t other_tid;

/* tr_filter_install: as root without no_new_privs; without CAP_SYS_ADMIN with it; a program
 * the kernel refuses is an error. Each case in a child (a filter cannot be removed). */
static int install_case(int drop_privs)
{
    static const struct sock_filter allow[] = {{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW}};
    if (drop_privs && setresuid(65534, 65534, 65534) != 0)
        return 10;
    int nnp = -1;
    if (tr_filter_install(allow, 0, &nnp) != -1) /* empty: EINVAL */
        return 11;
    if (tr_filter_install(allow, 1, &nnp) != 0)
        return 12;
    if (nnp != drop_privs)
        return 13;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != drop_privs)
        return 14;
    return 0;
}

/* Installed in the calling thread only: another thread of the process keeps running unfiltered
 * (no SECCOMP_FILTER_FLAG_TSYNC). */
static int other_thread_filtered(void)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/self/task/%ld/status", (long)other_tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int mode = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Seccomp: %d", &mode) == 1)
            break;
    fclose(f);
    return mode;
}

static void *idle_thread(void *arg)
{
    other_tid = (pid_t)syscall(SYS_gettid);
    char c;
    return read(*(int *)arg, &c, 1) < 0 ? NULL : arg;
}

static int install_beside_a_thread(void)
{
    static const struct sock_filter allow[] = {{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW}};
    int p[2];
    pthread_t th;
    if (pipe(p) != 0 || pthread_create(&th, NULL, idle_thread, &p[0]) != 0)
        return 20;
    while (!__atomic_load_n(&other_tid, __ATOMIC_SEQ_CST))
        usleep(1000);
    int nnp;
    if (tr_filter_install(allow, 1, &nnp) != 0)
        return 21;
    int mode = other_thread_filtered();
    if (write(p[1], "x", 1) != 1 || pthread_join(th, NULL) != 0)
        return 22;
    return mode == 0 ? 0 : 23;
}

TT_TEST(bpf_install_with_and_without_privileges)
{
    if (geteuid() != 0)
        TT_SKIP("needs root (to compare with and without CAP_SYS_ADMIN)");
    for (int drop = 0; drop < 2; drop++) {
        pid_t pid = fork();
        TT_REQUIRE(pid >= 0);
        if (pid == 0)
            _exit(install_case(drop));
        int st = 0;
        TT_REQUIRE(waitpid(pid, &st, 0) == pid);
        TT_CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "drop %d: status 0x%x", drop, st);
    }
    pid_t pid = fork();
    TT_REQUIRE(pid >= 0);
    if (pid == 0)
        _exit(install_beside_a_thread());
    int st = 0;
    TT_REQUIRE(waitpid(pid, &st, 0) == pid);
    TT_CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "beside a thread: status 0x%x", st);
}

int main(void)
{
    return tt_run_all();
}
