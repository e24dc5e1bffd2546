/* Unit tests of tracer/decode.c: which stops become events, and the arguments each event carries
 * (integers, paths at their caps, openat2's open_how, capset, prctl, clone flags, argv), with
 * this process standing in for the tracee. */
#include "tracer_decode_util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <netinet/in.h>

TT_TEST(restart_returns_drop_the_event_others_finish_it)
{
    struct dec f;
    dec_init(&f, 1);
    const int64_t restarts[] = {-512, -513, -514, -516};
    for (int i = 0; i < 4; i++) {
        uint64_t a[6] = {3};
        dec_call(&f, __NR_fchdir, a, restarts[i]);
        TT_CHECKF(dec_collect(&f) == 0, "ret %lld emitted an event", (long long)restarts[i]);
        TT_CHECK(f.t->buf == NULL);
    }
    const int64_t plain[] = {-511, -515, -517, -4, 0};
    for (int i = 0; i < 5; i++) {
        uint64_t a[6] = {3};
        dec_call(&f, __NR_fchdir, a, plain[i]);
        const struct tt_event *ev = dec_one(&f, TT_EV_FCHDIR);
        TT_CHECK_INT(ev->ret, plain[i]);
        TT_CHECK_INT(ev_i64(ev, TT_P_FD), 3);
    }
    dec_free(&f);
}

TT_TEST(exit_without_entry_emits_nothing_and_a_new_entry_drops_the_old)
{
    struct dec f;
    dec_init(&f, 1);
    tr_decode_exit(&f.st, f.t, 0);
    TT_CHECK_INT(dec_collect(&f), 0);
    uint64_t a[6] = {7};
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_fchdir, a, TR_AUDIT_ARCH, 0), 1);
    uint64_t b[6] = {9};
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_fchdir, b, TR_AUDIT_ARCH, 0), 1);
    tr_decode_exit(&f.st, f.t, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_FCHDIR);
    TT_CHECK_INT(ev_i64(ev, TT_P_FD), 9);
    /* the dropped record's copy of a socket is closed with it */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    TT_REQUIRE(s >= 0);
    uint64_t c[6] = {(uint64_t)s, 0, 0};
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_connect, c, TR_AUDIT_ARCH, 0), 1);
    int copy = f.t->sockfd;
    TT_CHECK(copy >= 0 && copy != s);
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_fchdir, b, TR_AUDIT_ARCH, 0), 1);
    TT_CHECK(f.t->sockfd < 0);
    TT_CHECK(fcntl(copy, F_GETFD) < 0);
    tr_decode_exit(&f.st, f.t, 0);
    ev = dec_one(&f, TT_EV_FCHDIR);
    close(s);
    TT_CHECK_INT(ev->tid, getpid());
    TT_CHECK_INT(ev->pid, getpid());
    TT_CHECK(f.st.events == 2);
    dec_free(&f);
}

TT_TEST(integer_arguments_are_sign_extended_truncated_or_raw)
{
    struct dec f;
    dec_init(&f, 1);
    /* kill: C ints sign-extended from the low 32 bits, whatever the upper half holds */
    uint64_t k[6] = {0x12345678ffffffffull, 0xabcd000000000009ull};
    dec_call(&f, __NR_kill, k, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_KILL);
    TT_CHECK_INT(ev_i64(ev, TT_P_PID), -1);
    TT_CHECK_INT(ev_i64(ev, TT_P_SIG), 9);
    /* setresuid: the low 32 bits, unsigned */
    uint64_t r[6] = {0x100000005ull, 0xffffffffull, 0xffffffff00000000ull};
    dec_call(&f, __NR_setresuid, r, 0);
    ev = dec_one(&f, TT_EV_SETRESUID);
    TT_CHECK(ev_u64(ev, TT_P_RUID) == 5);
    TT_CHECK(ev_u64(ev, TT_P_EUID) == 0xffffffffull);
    TT_CHECK(ev_u64(ev, TT_P_SUID) == 0);
    /* unshare: the register as it is */
    uint64_t u[6] = {0x8000000000000001ull};
    dec_call(&f, __NR_unshare, u, -1);
    ev = dec_one(&f, TT_EV_UNSHARE);
    TT_CHECK(ev_u64(ev, TT_P_FLAGS) == 0x8000000000000001ull);
    TT_CHECK_INT(ev->ret, -1);
    dec_free(&f);
}

TT_TEST(undecoded_and_compat_calls_carry_number_arch_and_raw_arguments)
{
    struct dec f;
    dec_init(&f, 1);
    const uint64_t a[6] = {1, 2, 3, 4, 5, 0xffffffffffffffffull};
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_getpid, a, TR_AUDIT_ARCH, 0), 1);
    tr_decode_exit(&f.st, f.t, 42);
    const struct tt_event *ev = dec_one(&f, TT_EV_SYSCALL);
    TT_CHECK_INT(ev->ret, 42);
    TT_CHECK_INT(ev_i64(ev, TT_P_NR), __NR_getpid);
    TT_CHECK(ev_u64(ev, TT_P_ARCH) == TR_AUDIT_ARCH);
    uint32_t n = 0;
    const uint8_t *raw = ev_param(ev, TT_P_RAWARGS, &n);
    TT_REQUIRE(raw != NULL);
    TT_CHECK_INT(n, sizeof a);
    TT_CHECK(memcmp(raw, a, sizeof a) == 0);
    /* a compat call is never looked up in the native table, even for a decoded number, and
     * is not filtered by the set (the filter sent it) */
    f.o.trace_all = 0;
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_openat, a, 0x40000003u, 1), 1);
    tr_decode_exit(&f.st, f.t, -38);
    ev = dec_one(&f, TT_EV_SYSCALL);
    TT_CHECK_INT(ev_i64(ev, TT_P_NR), __NR_openat);
    TT_CHECK(ev_u64(ev, TT_P_ARCH) == 0x40000003u);
    TT_CHECK_INT(ev->ret, -38);
    /* a compat exit/exit_group number is an event too (only the native ones are procexit's) */
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_exit_group, a, 0x40000003u, 1), 1);
    tr_decode_exit(&f.st, f.t, 0);
    TT_CHECK_INT(dec_collect(&f), 1);
    dec_free(&f);
}

TT_TEST(the_set_decides_and_exit_is_left_to_procexit)
{
    struct dec f;
    dec_init(&f, 0);
    uint64_t a[6] = {3};
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_fchdir, a, TR_AUDIT_ARCH, 0), 0);
    TT_CHECK(f.t->buf == NULL);
    tr_sysset_add(&f.st.set, __NR_fchdir);
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_fchdir, a, TR_AUDIT_ARCH, 0), 1);
    tr_decode_exit(&f.st, f.t, 0);
    TT_CHECK_INT(dec_collect(&f), 1);
    f.o.trace_all = 1;
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_exit, a, TR_AUDIT_ARCH, 0), 0);
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_exit_group, a, TR_AUDIT_ARCH, 0), 0);
    TT_CHECK(f.t->buf == NULL);
    TT_CHECK_INT(dec_collect(&f), 0);
    dec_free(&f);
}

/* fcntl stops for its owner commands too; only F_DUPFD, F_DUPFD_CLOEXEC and F_SETFD are events
 * (all of them with -a). */
TT_TEST(fcntl_events_only_for_fd_table_commands)
{
    struct dec f;
    dec_init(&f, 0);
    tr_sysset_add(&f.st.set, __NR_fcntl);
    const int cmds[] = {F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD, F_GETFD, F_SETFL, F_SETOWN};
    const int event[] = {1, 1, 1, 0, 0, 0};
    for (int i = 0; i < 6; i++) {
        uint64_t a[6] = {5, (uint64_t)cmds[i], 10};
        TT_CHECKF(tr_decode_entry(&f.st, f.t, __NR_fcntl, a, TR_AUDIT_ARCH, 0) == event[i],
                  "fcntl cmd %d", cmds[i]);
        tr_decode_exit(&f.st, f.t, 0);
        int n = dec_collect(&f);
        TT_CHECKF(n == event[i], "fcntl cmd %d: %d events", cmds[i], n);
        if (n == 1) {
            TT_CHECK_INT(ev_i64(f.ev[0], TT_P_CMD), cmds[i]);
            TT_CHECK(ev_u64(f.ev[0], TT_P_ARG) == 10);
        }
    }
    f.o.trace_all = 1;
    uint64_t a[6] = {5, F_GETFL};
    dec_call(&f, __NR_fcntl, a, 0);
    TT_CHECK_INT(dec_collect(&f), 1);
    dec_free(&f);
}

/* close is reported at its entry under the filter (no exit stop), at its exit otherwise;
 * `NAME.entry` does the same for any call; at a user notification the record waits. */
TT_TEST(entry_only_calls_are_reported_at_the_entry_under_the_filter)
{
    struct dec f;
    dec_init(&f, 1);
    uint64_t a[6] = {8};
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_close, a, TR_AUDIT_ARCH, 0), 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_CLOSE);
    TT_CHECK(ev->ret == TT_RET_NONE);
    TT_CHECK_INT(ev_i64(ev, TT_P_FD), 8);
    TT_CHECK(f.t->buf == NULL);
    f.st.mode = TR_MODE_SYSCALL;
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_close, a, TR_AUDIT_ARCH, 0), 1);
    tr_decode_exit(&f.st, f.t, -9);
    ev = dec_one(&f, TT_EV_CLOSE);
    TT_CHECK_INT(ev->ret, -9);
    f.st.mode = TR_MODE_SECCOMP;
    /* fchdir.entry */
    f.st.set.entry[__NR_fchdir >> 3] |= (uint8_t)(1u << (__NR_fchdir & 7));
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_fchdir, a, TR_AUDIT_ARCH, 0), 0);
    ev = dec_one(&f, TT_EV_FCHDIR);
    TT_CHECK(ev->ret == TT_RET_NONE);
    /* the neighbours of the bit are not entry-only */
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_fchdir + 1, a, TR_AUDIT_ARCH, 0), 1);
    tr_decode_exit(&f.st, f.t, 0);
    TT_CHECK_INT(dec_collect(&f), 1);
    /* at a user notification: finished, kept in the task's buffer until the answer */
    f.t->flags |= TF_NOTIF;
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_close, a, TR_AUDIT_ARCH, 0), 0);
    TT_CHECK(f.t->flags & TF_EVENT_READY);
    TT_REQUIRE(f.t->buf != NULL);
    TT_CHECK_INT(((struct tt_event *)(void *)f.t->buf)->type, TT_EV_CLOSE);
    TT_CHECK_INT(dec_collect(&f), 0);
    tr_task_drop_pending(f.t);
    f.t->flags &= ~(unsigned)TF_EVENT_READY;
    /* ... and a call that is not entry-only at a notification (not sent by the filter) */
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_kill, a, TR_AUDIT_ARCH, 0), 0);
    TT_CHECK(f.t->flags & TF_EVENT_READY);
    TT_CHECK_INT(dec_collect(&f), 0);
    tr_task_drop_pending(f.t);
    f.t->flags &= ~(unsigned)(TF_EVENT_READY | TF_NOTIF);
    dec_free(&f);
}

static char long_path[8192];

/* Paths: read whole up to 4095 bytes, cut there; no parameter for NULL or unreadable. */
TT_TEST(paths_at_their_caps_null_and_unreadable)
{
    struct dec f;
    dec_init(&f, 1);
    const size_t lens[] = {0, 1, 4094, 4095, 4096, 6000};
    for (int i = 0; i < 6; i++) {
        memset(long_path, 'p', lens[i]);
        long_path[lens[i]] = '\0';
        uint64_t a[6] = {U(long_path)};
        dec_call(&f, __NR_chdir, a, -2);
        const struct tt_event *ev = dec_one(&f, TT_EV_CHDIR);
        uint32_t n = 0;
        const uint8_t *p = ev_param(ev, TT_P_PATH, &n);
        TT_REQUIRE(p != NULL);
        size_t want = lens[i] < 4095 ? lens[i] : 4095;
        TT_CHECKF(n == want, "path of %zu bytes read as %u", lens[i], (unsigned)n);
        TT_CHECK(memcmp(p, long_path, n) == 0);
    }
    uint64_t none[6] = {0};
    dec_call(&f, __NR_chdir, none, -14);
    const struct tt_event *ev = dec_one(&f, TT_EV_CHDIR);
    TT_CHECK(!ev_has(ev, TT_P_PATH));
    uint64_t bad[6] = {8};
    dec_call(&f, __NR_chdir, bad, -14);
    ev = dec_one(&f, TT_EV_CHDIR);
    TT_CHECK(!ev_has(ev, TT_P_PATH));
    TT_CHECK_INT(ev->nparams, 0);
    dec_free(&f);
}

TT_TEST(openat_arguments_and_the_opened_files_name)
{
    struct dec f;
    dec_init(&f, 1);
    char file[128];
    snprintf(file, sizeof file, "%s/opened", f.dir);
    int fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    TT_REQUIRE(fd >= 0);
    uint64_t a[6] = {FDARG(AT_FDCWD), U(file), O_RDWR | O_CLOEXEC, 0x10000001a0ull};
    dec_call(&f, __NR_openat, a, fd);
    const struct tt_event *ev = dec_one(&f, TT_EV_OPENAT);
    TT_CHECK_INT(ev->ret, fd);
    TT_CHECK_INT(ev_i64(ev, TT_P_DIRFD), AT_FDCWD);
    TT_CHECK_STR(ev_str(ev, TT_P_NAME), file);
    TT_CHECK(ev_u64(ev, TT_P_FLAGS) == (O_RDWR | O_CLOEXEC));
    TT_CHECK(ev_u64(ev, TT_P_MODE) == 0640);
    TT_CHECK_STR(ev_str(ev, TT_P_FDNAME), file);
    TT_CHECK(!ev_has(ev, TT_P_DEV) && !ev_has(ev, TT_P_INO)); /* only with --open-ino */
    /* failed: no fd name */
    dec_call(&f, __NR_openat, a, -ENOENT);
    ev = dec_one(&f, TT_EV_OPENAT);
    TT_CHECK(!ev_has(ev, TT_P_FDNAME));
    /* --open-ino: the file's device (major << 20 | minor) and inode */
    f.o.open_ino = 1;
    struct stat st;
    TT_REQUIRE(fstat(fd, &st) == 0);
    dec_call(&f, __NR_openat, a, fd);
    ev = dec_one(&f, TT_EV_OPENAT);
    TT_CHECK(ev_u64(ev, TT_P_DEV) == ((uint64_t)major(st.st_dev) << 20 | minor(st.st_dev)));
    TT_CHECK(ev_u64(ev, TT_P_INO) == st.st_ino);
    dec_call(&f, __NR_openat, a, -ENOENT);
    ev = dec_one(&f, TT_EV_OPENAT);
    TT_CHECK(!ev_has(ev, TT_P_DEV));
    /* fd 0 is an fd like any other */
    int saved = dec_fd0_take(fd);
    dec_call(&f, __NR_openat, a, 0);
    dec_fd0_restore(saved);
    ev = dec_one(&f, TT_EV_OPENAT);
    TT_CHECK_STR(ev_str(ev, TT_P_FDNAME), file);
    TT_CHECK(ev_u64(ev, TT_P_INO) == st.st_ino);
    /* without the arg_swap defence the name is not read back */
    f.o.unsafe_off = TR_DEF_BIT(TR_DEF_ARG_SWAP);
    f.o.open_ino = 0;
    dec_call(&f, __NR_openat, a, fd);
    ev = dec_one(&f, TT_EV_OPENAT);
    TT_CHECK(!ev_has(ev, TT_P_FDNAME));
    close(fd);
    unlink(file);
    dec_free(&f);
}

/* The name of the fd that was opened, for many tasks: a directory of /proc/TID/fd is kept per
 * task seen last, and a kept one of a task that is gone is opened again. */
TT_TEST(fd_names_of_many_tasks)
{
    struct dec f;
    dec_init(&f, 1);
    int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    TT_REQUIRE(fd >= 0);
    char want[256];
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t wl = readlink(proc, want, sizeof want - 1);
    TT_REQUIRE(wl > 0);
    want[wl] = '\0';
    /* children that share nothing with us, each with the file at the same fd (fork) */
    enum { KIDS = 10 };
    pid_t kids[KIDS];
    dec_paused_children(kids, KIDS);
    uint64_t a[6] = {FDARG(AT_FDCWD), U("/etc/hostname"), O_RDONLY};
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < KIDS; i++) {
            struct tr_task *k = tr_task_add(&f.st.tasks, kids[i], kids[i]);
            TT_REQUIRE(k != NULL);
            if (tr_decode_entry(&f.st, k, __NR_openat, a, TR_AUDIT_ARCH, 0))
                tr_decode_exit(&f.st, k, fd);
            const struct tt_event *ev = dec_one(&f, TT_EV_OPENAT);
            TT_CHECK_STR(ev_str(ev, TT_P_FDNAME), want);
            TT_CHECK_INT(ev->tid, kids[i]);
        }
    /* a task gone: its kept directory fails, and the fd name is absent */
    dec_reap(kids, 1);
    struct tr_task *gone = tr_task_find(&f.st.tasks, kids[0]);
    if (tr_decode_entry(&f.st, gone, __NR_openat, a, TR_AUDIT_ARCH, 0))
        tr_decode_exit(&f.st, gone, fd);
    const struct tt_event *ev = dec_one(&f, TT_EV_OPENAT);
    TT_CHECK(!ev_has(ev, TT_P_FDNAME));
    dec_reap(kids + 1, KIDS - 1);
    close(fd);
    dec_free(&f);
}

TT_TEST(openat2_reads_open_how_up_to_its_size)
{
    struct dec f;
    dec_init(&f, 1);
    uint64_t how[4] = {O_WRONLY | O_CREAT, 0755, 0x10, 0x99};
    const uint64_t sizes[] = {24, 32, 16, 8, 0};
    for (int i = 0; i < 5; i++) {
        uint64_t a[6] = {FDARG(AT_FDCWD), U("/nonexistent/x"), U(how), sizes[i]};
        dec_call(&f, __NR_openat2, a, -ENOENT);
        const struct tt_event *ev = dec_one(&f, TT_EV_OPENAT2);
        TT_CHECK_STR(ev_str(ev, TT_P_NAME), "/nonexistent/x");
        TT_CHECK_INT(ev_i64(ev, TT_P_DIRFD), AT_FDCWD);
        if (sizes[i] == 0) {
            TT_CHECK(!ev_has(ev, TT_P_FLAGS) && !ev_has(ev, TT_P_MODE));
            continue;
        }
        TT_CHECK(ev_u64(ev, TT_P_FLAGS) == (O_WRONLY | O_CREAT));
        TT_CHECKF(ev_u64(ev, TT_P_MODE) == (sizes[i] >= 16 ? 0755u : 0u), "size %llu",
                  (unsigned long long)sizes[i]);
        TT_CHECK(ev_u64(ev, TT_P_RESOLVE) == (sizes[i] >= 24 ? 0x10u : 0u));
    }
    uint64_t bad[6] = {FDARG(AT_FDCWD), U("/x"), 8, 24};
    dec_call(&f, __NR_openat2, bad, -EFAULT);
    const struct tt_event *ev = dec_one(&f, TT_EV_OPENAT2);
    TT_CHECK(!ev_has(ev, TT_P_FLAGS) && !ev_has(ev, TT_P_RESOLVE));
    dec_free(&f);
}

#ifdef __NR_creat
TT_TEST(creat_flags_are_implied)
{
    struct dec f;
    dec_init(&f, 1);
    uint64_t a[6] = {U("/nonexistent/c"), 0644};
    dec_call(&f, __NR_creat, a, -ENOENT);
    const struct tt_event *ev = dec_one(&f, TT_EV_CREAT);
    TT_CHECK(ev_u64(ev, TT_P_FLAGS) == (O_CREAT | O_WRONLY | O_TRUNC));
    TT_CHECK(ev_u64(ev, TT_P_MODE) == 0644);
    dec_free(&f);
}
#endif

TT_TEST(capset_sets_are_joined_from_both_words)
{
    struct dec f;
    dec_init(&f, 1);
    uint32_t data[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    uint64_t a[6] = {U(&hdr), U(data)};
    dec_call(&f, __NR_capset, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_CAPSET);
    TT_CHECK(ev_u64(ev, TT_P_CAP_EFF) == 0x0000004400000011ull);
    TT_CHECK(ev_u64(ev, TT_P_CAP_PRM) == 0x0000005500000022ull);
    TT_CHECK(ev_u64(ev, TT_P_CAP_INH) == 0x0000006600000033ull);
    uint64_t bad[6] = {U(&hdr), 8};
    dec_call(&f, __NR_capset, bad, -EFAULT);
    ev = dec_one(&f, TT_EV_CAPSET);
    TT_CHECK(!ev_has(ev, TT_P_CAP_EFF));
    dec_free(&f);
}

TT_TEST(prctl_set_name_reads_sixteen_bytes)
{
    struct dec f;
    dec_init(&f, 1);
    static const char name[] = "0123456789abcdefXYZ";
    uint64_t a[6] = {PR_SET_NAME, U(name)};
    dec_call(&f, __NR_prctl, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_PRCTL);
    TT_CHECK_INT(ev_i64(ev, TT_P_CMD), PR_SET_NAME);
    TT_CHECK(ev_u64(ev, TT_P_ARG) == U(name));
    TT_CHECK_STR(ev_str(ev, TT_P_NAME), "0123456789abcdef");
    uint64_t empty[6] = {PR_SET_NAME, U("")};
    dec_call(&f, __NR_prctl, empty, 0);
    ev = dec_one(&f, TT_EV_PRCTL);
    TT_CHECK_STR(ev_str(ev, TT_P_NAME), "");
    uint64_t other[6] = {PR_GET_NAME, U(name)};
    dec_call(&f, __NR_prctl, other, 0);
    ev = dec_one(&f, TT_EV_PRCTL);
    TT_CHECK(!ev_has(ev, TT_P_NAME));
    uint64_t bad[6] = {PR_SET_NAME, 8};
    dec_call(&f, __NR_prctl, bad, -EFAULT);
    ev = dec_one(&f, TT_EV_PRCTL);
    TT_CHECK(!ev_has(ev, TT_P_NAME));
    dec_free(&f);
}

/* clone, clone3, fork, vfork: a successful one is the ptrace event's (no record here); a failed
 * one carries its flags. */
TT_TEST(clone_family_flags_and_threads)
{
    struct dec f;
    dec_init(&f, 1);
    uint64_t c[6] = {CLONE_VM | CLONE_THREAD | CLONE_SIGHAND};
    TT_CHECK_INT(tr_decode_entry(&f.st, f.t, __NR_clone, c, TR_AUDIT_ARCH, 0), 1);
    tr_decode_exit(&f.st, f.t, -EAGAIN);
    const struct tt_event *ev = dec_one(&f, TT_EV_CLONE);
    TT_CHECK(ev_u64(ev, TT_P_CLONE_FLAGS) == (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND));
    TT_CHECK(ev_u64(ev, TT_P_IS_THREAD) == 1);
    TT_CHECK_INT(ev->ret, -EAGAIN);
    uint64_t p[6] = {SIGCHLD};
    dec_call(&f, __NR_clone, p, -EAGAIN);
    ev = dec_one(&f, TT_EV_CLONE);
    TT_CHECK(ev_u64(ev, TT_P_IS_THREAD) == 0);
    /* success: dropped (reported from the ptrace event) */
    dec_call(&f, __NR_clone, p, 1234);
    TT_CHECK_INT(dec_collect(&f), 0);
    TT_CHECK(f.t->buf == NULL);
    dec_call(&f, __NR_clone, p, 0);
    TT_CHECK_INT(dec_collect(&f), 0);
    uint64_t args3[4] = {CLONE_FILES | CLONE_THREAD, 0, 0, 0};
    uint64_t c3[6] = {U(args3), sizeof args3};
    dec_call(&f, __NR_clone3, c3, -ENOSYS);
    ev = dec_one(&f, TT_EV_CLONE3);
    TT_CHECK(ev_u64(ev, TT_P_CLONE_FLAGS) == (CLONE_FILES | CLONE_THREAD));
    TT_CHECK(ev_u64(ev, TT_P_IS_THREAD) == 1);
    uint64_t c3null[6] = {0, 88};
    dec_call(&f, __NR_clone3, c3null, -EFAULT);
    ev = dec_one(&f, TT_EV_CLONE3);
    TT_CHECK(ev_u64(ev, TT_P_CLONE_FLAGS) == 0);
    uint64_t c3bad[6] = {8, 88};
    dec_call(&f, __NR_clone3, c3bad, -EFAULT);
    ev = dec_one(&f, TT_EV_CLONE3);
    TT_CHECK(ev_u64(ev, TT_P_CLONE_FLAGS) == 0);
    uint64_t none[6] = {0};
    dec_call(&f, TR_NR_VFORK, none, -ENOMEM);
    ev = dec_one(&f, TT_EV_VFORK);
    TT_CHECK(ev_u64(ev, TT_P_CLONE_FLAGS) == (CLONE_VM | CLONE_VFORK | SIGCHLD));
    TT_CHECK(ev_u64(ev, TT_P_IS_THREAD) == 0);
    dec_call(&f, TR_NR_FORK, none, -ENOMEM);
    ev = dec_one(&f, TT_EV_FORK);
    TT_CHECK(ev_u64(ev, TT_P_CLONE_FLAGS) == SIGCHLD);
    TT_CHECK_INT(ev->ret, -ENOMEM);
    dec_free(&f);
}

static char *argv_a[] = {"/bin/prog", "one", "", "three", NULL};

static int strlist_is(const struct tt_event *ev, const char *want, size_t wl)
{
    uint32_t n = 0;
    const uint8_t *p = ev_param(ev, TT_P_ARGS, &n);
    return p && n == wl && memcmp(p, want, wl) == 0;
}

TT_TEST(execve_argv_and_an_unreadable_one)
{
    struct dec f;
    dec_init(&f, 1);
    uint64_t a[6] = {U("/bin/prog"), U(argv_a), 0};
    dec_call(&f, __NR_execve, a, -ENOENT);
    const struct tt_event *ev = dec_one(&f, TT_EV_EXECVE);
    TT_CHECK_STR(ev_str(ev, TT_P_FILENAME), "/bin/prog");
    TT_CHECK_STR(ev_str(ev, TT_P_EXE), "/bin/prog");
    TT_CHECK(strlist_is(ev, "one\0\0three", 11));
    TT_CHECK_INT(ev->ret, -ENOENT);
    uint64_t bad[6] = {U("/bin/prog"), 8, 0};
    dec_call(&f, __NR_execve, bad, -EFAULT);
    ev = dec_one(&f, TT_EV_EXECVE);
    TT_CHECK_STR(ev_str(ev, TT_P_EXE), "");
    TT_CHECK(strlist_is(ev, "", 0));
    /* execveat: dirfd, path, argv (a[2]), flags (a[4]) */
    uint64_t at[6] = {5, U("prog"), U(argv_a), 0, 0x1000};
    dec_call(&f, __NR_execveat, at, -ENOENT);
    ev = dec_one(&f, TT_EV_EXECVEAT);
    TT_CHECK_INT(ev_i64(ev, TT_P_DIRFD), 5);
    TT_CHECK_STR(ev_str(ev, TT_P_FILENAME), "prog");
    TT_CHECK_STR(ev_str(ev, TT_P_EXE), "/bin/prog");
    TT_CHECK(strlist_is(ev, "one\0\0three", 11));
    TT_CHECK(ev_u64(ev, TT_P_FLAGS) == 0x1000);
    dec_free(&f);
}

TT_TEST(pipe_fds_only_when_it_succeeded)
{
    struct dec f;
    dec_init(&f, 1);
    int fds[2] = {17, 18};
    uint64_t a[6] = {U(fds), O_CLOEXEC};
    dec_call(&f, __NR_pipe2, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_PIPE2);
    TT_CHECK_INT(ev_i64(ev, TT_P_FD1), 17);
    TT_CHECK_INT(ev_i64(ev, TT_P_FD2), 18);
    TT_CHECK(ev_u64(ev, TT_P_FLAGS) == O_CLOEXEC);
    dec_call(&f, __NR_pipe2, a, -EMFILE);
    ev = dec_one(&f, TT_EV_PIPE2);
    TT_CHECK(!ev_has(ev, TT_P_FD1));
    uint64_t bad[6] = {8, 0};
    dec_call(&f, __NR_pipe2, bad, 0);
    ev = dec_one(&f, TT_EV_PIPE2);
    TT_CHECK(!ev_has(ev, TT_P_FD1));
    dec_free(&f);
}

TT_TEST(getsockopt_so_error_value)
{
    struct dec f;
    dec_init(&f, 1);
    int v = 111;
    uint64_t a[6] = {4, SOL_SOCKET, SO_ERROR, U(&v), 0};
    dec_call(&f, __NR_getsockopt, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_GETSOCKOPT);
    TT_CHECK_INT(ev_i64(ev, TT_P_VAL), 111);
    TT_CHECK_INT(ev_i64(ev, TT_P_LEVEL), SOL_SOCKET);
    TT_CHECK_INT(ev_i64(ev, TT_P_OPTNAME), SO_ERROR);
    dec_call(&f, __NR_getsockopt, a, -EBADF);
    ev = dec_one(&f, TT_EV_GETSOCKOPT);
    TT_CHECK(!ev_has(ev, TT_P_VAL));
    uint64_t other[6] = {4, SOL_SOCKET, SO_TYPE, U(&v), 0};
    dec_call(&f, __NR_getsockopt, other, 0);
    ev = dec_one(&f, TT_EV_GETSOCKOPT);
    TT_CHECK(!ev_has(ev, TT_P_VAL));
    uint64_t level[6] = {4, SOL_IP, SO_ERROR, U(&v), 0};
    dec_call(&f, __NR_getsockopt, level, 0);
    ev = dec_one(&f, TT_EV_GETSOCKOPT);
    TT_CHECK(!ev_has(ev, TT_P_VAL));
    uint64_t bad[6] = {4, SOL_SOCKET, SO_ERROR, 8, 0};
    dec_call(&f, __NR_getsockopt, bad, 0);
    ev = dec_one(&f, TT_EV_GETSOCKOPT);
    TT_CHECK(!ev_has(ev, TT_P_VAL));
    dec_free(&f);
}

TT_TEST(open_by_handle_at_is_named_from_its_fd)
{
    struct dec f;
    dec_init(&f, 1);
    char file[128];
    snprintf(file, sizeof file, "%s/handle", f.dir);
    int fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    TT_REQUIRE(fd >= 0);
    uint64_t a[6] = {FDARG(AT_FDCWD), 8, O_RDONLY};
    dec_call(&f, __NR_open_by_handle_at, a, fd);
    const struct tt_event *ev = dec_one(&f, TT_EV_OPEN_BY_HANDLE_AT);
    TT_CHECK_STR(ev_str(ev, TT_P_NAME), file);
    TT_CHECK_STR(ev_str(ev, TT_P_FDNAME), file);
    TT_CHECK(ev_u64(ev, TT_P_FLAGS) == O_RDONLY);
    dec_call(&f, __NR_open_by_handle_at, a, -ESTALE);
    ev = dec_one(&f, TT_EV_OPEN_BY_HANDLE_AT);
    TT_CHECK(!ev_has(ev, TT_P_NAME));
    /* fd 0 */
    int saved = dec_fd0_take(fd);
    dec_call(&f, __NR_open_by_handle_at, a, 0);
    dec_fd0_restore(saved);
    ev = dec_one(&f, TT_EV_OPEN_BY_HANDLE_AT);
    TT_CHECK_STR(ev_str(ev, TT_P_NAME), file);
    close(fd);
    unlink(file);
    dec_free(&f);
}

int main(void)
{
    return tt_run_all();
}
