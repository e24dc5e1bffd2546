/* Unit tests of tracer/decode.c at a successful exec: the record started at the exec's entry
 * stop (moved to the leader, its arguments compared with the ones the kernel copied) or, without
 * one, a record made from the new program (AT_EXECFN, /proc/PID/cmdline); then the process
 * description. This process stands in for the program that was just exec'd. */
#include "tracer_decode_util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/auxv.h>

static char cmdline[65536];
static size_t cmdlen; /* bytes of /proc/self/cmdline */

static void read_cmdline(void)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    TT_REQUIRE(fd >= 0);
    ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
    close(fd);
    TT_REQUIRE(n > 0);
    cmdlen = (size_t)n;
    cmdline[n] = '\0';
}

/* argv[0] and the rest of this process' command line (as the ARGS list: NUL-separated). */
static const char *argv0(void)
{
    return cmdline;
}
static const char *rest(size_t *len)
{
    size_t l0 = strlen(cmdline) + 1;
    *len = cmdlen > l0 ? cmdlen - l0 : 0;
    return cmdline + (l0 < cmdlen ? l0 : cmdlen);
}

static int args_are(const struct tt_event *ev, const char *want, size_t wl)
{
    uint32_t n = 0;
    const uint8_t *p = ev_param(ev, TT_P_ARGS, &n);
    return p && n == wl && (wl == 0 || memcmp(p, want, wl) == 0);
}

/* Runs the exec stops the loop runs: begin, then finish. */
static void exec_stops(struct dec *f)
{
    static struct tr_exec_desc x;
    memset(&x, 0, sizeof x);
    struct tt_evb *b = tr_decode_exec_begin(&f->st, f->t, &x);
    TT_CHECK(f->t->buf == NULL); /* (the task resumes between the halves) */
    tr_decode_exec_finish(&f->st, f->t, b, &x);
    TT_CHECK(f->t->buf == NULL);
    TT_CHECK_INT(f->t->nr, -1);
}

/* An argv array naming this process' command line (or another). */
static char *argv_buf[64];
static char argv_text[65536];

static uint64_t argv_of(const char *text, size_t len)
{
    memcpy(argv_text, text, len);
    int k = 0;
    for (size_t i = 0; i < len && k < 63; i += strlen(argv_text + i) + 1)
        argv_buf[k++] = argv_text + i;
    argv_buf[k] = NULL;
    return U(argv_buf);
}

/* Without an entry stop: filename from AT_EXECFN, arguments from /proc/PID/cmdline, and the
 * description. */
TT_TEST(exec_without_an_entry_record_is_described_from_the_new_program)
{
    read_cmdline();
    struct dec f;
    dec_init(&f, 1);
    f.st.main_pid = getpid();
    f.st.main_ptid = 77;
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    TT_REQUIRE(execfn != NULL);
    exec_stops(&f);
    const struct tt_event *ev = dec_one(&f, TT_EV_EXECVE);
    TT_CHECK_INT(ev->ret, 0);
    TT_CHECK_INT(ev->tid, getpid());
    TT_CHECK_INT(ev->pid, getpid());
    TT_CHECK_STR(ev_str(ev, TT_P_FILENAME), execfn);
    TT_CHECK_STR(ev_str(ev, TT_P_EXE), argv0());
    size_t rl;
    const char *r = rest(&rl);
    TT_CHECK(args_are(ev, r, rl));
    TT_CHECK(ev_has(ev, TT_P_EXEPATH));
    TT_CHECK_INT(ev_i64(ev, TT_P_PTID), 77);
    TT_CHECK(!ev_has(ev, TT_P_ENV));
    /* not the main process: its parent from /proc; with the environment asked for */
    f.st.main_pid = getpid() + 1;
    f.st.set.with_env = 1;
    exec_stops(&f);
    ev = dec_one(&f, TT_EV_EXECVE);
    TT_CHECK_INT(ev_i64(ev, TT_P_PTID), getppid());
    TT_CHECK(ev_has(ev, TT_P_ENV));
    f.st.set.with_env = 0;
    f.o.with_env = 1;
    exec_stops(&f);
    ev = dec_one(&f, TT_EV_EXECVE);
    TT_CHECK(ev_has(ev, TT_P_ENV));
    /* a record of another call pending is dropped for it */
    uint64_t a[6] = {3};
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_fchdir, a, TR_AUDIT_ARCH, 0), 1);
    exec_stops(&f);
    ev = dec_one(&f, TT_EV_EXECVE);
    TT_CHECK_STR(ev_str(ev, TT_P_FILENAME), execfn);
    TT_CHECK(!ev_has(ev, TT_P_FD));
    dec_free(&f);
}

static pid_t thread_tid;
static pthread_mutex_t hold = PTHREAD_MUTEX_INITIALIZER;

static void *thread_main(void *arg)
{
    (void)arg;
    thread_tid = (pid_t)syscall(SYS_gettid);
    pthread_mutex_lock(&hold);
    pthread_mutex_unlock(&hold);
    return NULL;
}

/* With the entry record (made under the thread that called exec): moved to the leader, and the
 * arguments read at the stop kept when they are what the kernel copied. */
TT_TEST(exec_entry_record_moves_to_the_leader)
{
    read_cmdline();
    struct dec f;
    dec_init(&f, 1);
    pthread_mutex_lock(&hold);
    pthread_t th;
    TT_REQUIRE(pthread_create(&th, NULL, thread_main, NULL) == 0);
    while (!__atomic_load_n(&thread_tid, __ATOMIC_SEQ_CST))
        usleep(1000);
    const long nrs[] = {__NR_execve, __NR_execveat};
    for (int i = 0; i < 2; i++) {
        f.t->tid = thread_tid;
        uint64_t argv = argv_of(cmdline, cmdlen);
        uint64_t a[6] = {U("/the/file"), argv, 0};
        if (nrs[i] == __NR_execveat) {
            uint64_t at[6] = {FDARG(AT_FDCWD), U("/the/file"), argv, 0, 0};
            memcpy(a, at, sizeof a);
        }
        TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, nrs[i], a, TR_AUDIT_ARCH, 0), 1);
        f.t->tid = getpid();
        exec_stops(&f);
        const struct tt_event *ev =
            dec_one(&f, nrs[i] == __NR_execve ? TT_EV_EXECVE : TT_EV_EXECVEAT);
        TT_CHECK_INT(ev->tid, getpid());
        TT_CHECK_INT(ev->pid, getpid());
        TT_CHECK_INT(ev->ret, 0);
        TT_CHECK_STR(ev_str(ev, TT_P_FILENAME), "/the/file");
        TT_CHECK_STR(ev_str(ev, TT_P_EXE), argv0());
        size_t rl;
        const char *r = rest(&rl);
        TT_CHECK(args_are(ev, r, rl));
        TT_CHECK(ev_has(ev, TT_P_EXEPATH));
    }
    pthread_mutex_unlock(&hold);
    pthread_join(th, NULL);
    dec_free(&f);
}

/* Arguments rewritten between the entry stop and the kernel's copy: replaced by the kernel's,
 * with an arg_swap report. Arguments unreadable at the stop: filled in, no report. */
TT_TEST(exec_arguments_rewritten_after_the_stop_are_replaced)
{
    read_cmdline();
    struct dec f;
    dec_init(&f, 1);
    size_t rl;
    const char *r = rest(&rl);
    static const char fake[] = "/bin/innocent\0--quiet\0";
    uint64_t a[6] = {U("/the/file"), argv_of(fake, sizeof fake - 1), 0};
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_execve, a, TR_AUDIT_ARCH, 0), 1);
    exec_stops(&f);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    const struct tt_event *tamper = f.ev[0], *ev = f.ev[1];
    TT_CHECK_INT(tamper->type, TT_EV_TAMPER);
    TT_CHECK_STR(ev_str(tamper, TT_P_TECHNIQUE), "arg_swap");
    TT_CHECK_STR(ev_str(tamper, TT_P_TARGET), argv0());
    char want[1024];
    snprintf(want, sizeof want,
             "execve: the program runs with argv[0] %.150s and %zu bytes of arguments; the ones "
             "read at the stop said /bin/innocent and 8 bytes (rewritten meanwhile)",
             argv0(), rl);
    TT_CHECK_STR(ev_str(tamper, TT_P_REASON), want);
    TT_CHECK_INT(ev_i64(tamper, TT_P_NR), __NR_execve);
    TT_CHECK_INT(tamper->ret, 0);
    TT_CHECK_INT(ev->type, TT_EV_EXECVE);
    TT_CHECK_STR(ev_str(ev, TT_P_EXE), argv0());
    TT_CHECK(args_are(ev, r, rl));
    TT_CHECK_STR(ev_str(ev, TT_P_FILENAME), "/the/file");
    /* only the arguments after argv[0] differ */
    static char more[65536 + 16];
    memcpy(more, cmdline, cmdlen);
    memcpy(more + cmdlen, "extra", 6);
    a[1] = argv_of(more, cmdlen + 6);
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_execve, a, TR_AUDIT_ARCH, 0), 1);
    exec_stops(&f);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    TT_CHECK(args_are(f.ev[1], r, rl));
    /* only argv[0] differs */
    static char other0[65536 + 16];
    snprintf(other0, sizeof other0, "X%s", cmdline);
    memcpy(other0 + strlen(other0) + 1, r, rl);
    a[1] = argv_of(other0, strlen(other0) + 1 + rl);
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_execve, a, TR_AUDIT_ARCH, 0), 1);
    exec_stops(&f);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    TT_CHECK_STR(ev_str(f.ev[1], TT_P_EXE), argv0());
    /* unreadable at the stop */
    a[1] = 8;
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_execve, a, TR_AUDIT_ARCH, 0), 1);
    exec_stops(&f);
    ev = dec_one(&f, TT_EV_EXECVE);
    TT_CHECK_STR(ev_str(ev, TT_P_EXE), argv0());
    TT_CHECK(args_are(ev, r, rl));
    /* without the defence: as read at the stop */
    f.o.unsafe_off = TR_DEF_BIT(TR_DEF_ARG_SWAP);
    a[1] = argv_of(fake, sizeof fake - 1);
    TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_execve, a, TR_AUDIT_ARCH, 0), 1);
    exec_stops(&f);
    ev = dec_one(&f, TT_EV_EXECVE);
    TT_CHECK_STR(ev_str(ev, TT_P_EXE), "/bin/innocent");
    TT_CHECK(args_are(ev, "--quiet", 8));
    dec_free(&f);
}

/* An argv array of argv[0], then count copies of item (NULL-terminated, in static storage). */
static uint64_t long_argv(const char *first, const char *item, size_t count)
{
    static char *av[6000];
    TT_REQUIRE(count + 2 <= sizeof av / sizeof av[0]);
    av[0] = (char *)first;
    for (size_t i = 1; i <= count; i++)
        av[i] = (char *)item;
    av[count + 1] = NULL;
    return U(av);
}

/* Arguments cut at the entry stop (more than 4096 items, or more than 128 KiB) that the
 * kernel's copy does not begin with are still a rewrite: replaced, reported with "over". */
TT_TEST(exec_arguments_cut_at_the_stop_are_compared_by_their_prefix)
{
    read_cmdline();
    struct dec f;
    dec_init(&f, 1);
    size_t rl;
    const char *r = rest(&rl);
    static char big[60000];
    memset(big, 'y', sizeof big - 1);
    struct {
        const char *item;
        size_t count;
    } cases[] = {{"first", 5000}, {big, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t a[6] = {U("/the/file"), long_argv(argv0(), cases[i].item, cases[i].count), 0};
        TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_execve, a, TR_AUDIT_ARCH, 0), 1);
        exec_stops(&f);
        TT_REQUIRE_INT(dec_collect(&f), 2);
        TT_CHECK_INT(f.ev[0]->type, TT_EV_TAMPER);
        TT_CHECK(strstr(ev_str(f.ev[0], TT_P_REASON), "read at the stop said") != NULL);
        TT_CHECK(strstr(ev_str(f.ev[0], TT_P_REASON), " and over ") != NULL);
        TT_CHECK(args_are(f.ev[1], r, rl));
    }
    dec_free(&f);
}

/* The tests compare with this process' own command line: run again with arguments (one of
 * them empty), so that there is more to compare than argv[0]. */
int main(int argc, char **argv)
{
    if (argc == 1) {
        char *again[] = {argv[0], "first", "", "third", NULL};
        execv("/proc/self/exe", again);
        perror("execv /proc/self/exe");
    }
    return tt_run_all();
}
