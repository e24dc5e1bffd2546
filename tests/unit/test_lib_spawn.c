/* tt_spawn's stdin/stdout options and SIGPIPE reset (lib/tt_spawn.c), used by the engine's
 * program output and logshipper's credential_process; tt_signalfd_open (lib/tt_signals.c). */
#include "tt_test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tt_io.h"
#include "tt_nodump.h"
#include "tt_signals.h"
#include "tt_spawn.h"
#include <sys/signalfd.h>

static int run(struct tt_spawn_opts *o)
{
    int exec_err = 0;
    pid_t pid = tt_spawn(o, &exec_err);
    if (pid < 0 || exec_err)
        return -1;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        ;
    return tt_spawn_exit_code(st);
}

TT_TEST(stdin_and_stdout_on_pipes)
{
    int in[2], out[2];
    TT_REQUIRE(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
    TT_REQUIRE(tt_write_full(in[1], "hello\n", 6) == 6);
    close(in[1]);
    char *const argv[] = {"sh", "-c", "read x; echo \"got $x\"", NULL};
    struct tt_spawn_opts o = {.exe = "/bin/sh",
                              .argv = argv,
                              .stdin_mode = TT_SPAWN_FD,
                              .stdin_fd = in[0],
                              .stdout_mode = TT_SPAWN_FD,
                              .stdout_fd = out[1]};
    TT_CHECK_INT(run(&o), 0);
    close(in[0]);
    close(out[1]);
    char buf[64] = "";
    ssize_t n = tt_read_full(out[0], buf, sizeof buf - 1);
    close(out[0]);
    TT_CHECK_INT(n, 10);
    TT_CHECK_STR(buf, "got hello\n");
}

TT_TEST(stdin_from_dev_null)
{
    char *const argv[] = {"sh", "-c", "read x && exit 1; exit 0", NULL}; /* EOF at once */
    struct tt_spawn_opts o = {.exe = "/bin/sh", .argv = argv, .stdin_mode = TT_SPAWN_DEVNULL};
    TT_CHECK_INT(run(&o), 0);
}

TT_TEST(sigpipe_back_to_default_only_when_asked)
{
    signal(SIGPIPE, SIG_IGN);
    /* the child writes into a pipe whose reader is gone: killed by SIGPIPE (141), or, with
     * SIGPIPE still ignored, a failed write (exit 0 from the || branch) */
    int p[2];
    TT_REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    close(p[0]);
    char *const argv[] = {"sh", "-c", "echo x || exit 0; exit 9", NULL};
    struct tt_spawn_opts o = {.exe = "/bin/sh",
                              .argv = argv,
                              .stdout_mode = TT_SPAWN_FD,
                              .stdout_fd = p[1],
                              .default_sigpipe = 1};
    TT_CHECK_INT(run(&o), 128 + SIGPIPE);
    o.default_sigpipe = 0;
    TT_CHECK_INT(run(&o), 0);
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
}

TT_TEST(exec_failure_reported)
{
    char *const argv[] = {"nope", NULL};
    struct tt_spawn_opts o = {.exe = "/nonexistent/nope", .argv = argv};
    int exec_err = 0;
    pid_t pid = tt_spawn(&o, &exec_err);
    TT_REQUIRE(pid > 0);
    TT_CHECK_INT(exec_err, ENOENT);
    int st = 0;
    waitpid(pid, &st, 0);
    TT_CHECK_INT(tt_spawn_exit_code(st), TT_EXIT_NOT_FOUND);
}

TT_TEST(signalfd_reads_blocked_signals_and_saves_the_mask)
{
    sigset_t before;
    sigprocmask(SIG_SETMASK, NULL, &before);
    TT_REQUIRE(!sigismember(&before, SIGUSR1));
    static const int sigs[] = {SIGUSR1, SIGUSR2};
    struct tt_sigsave save;
    int fd = tt_signalfd_open(sigs, 2, 1, &save);
    TT_REQUIRE(fd >= 0);
    TT_CHECK(!sigismember(&save.mask, SIGUSR1)); /* the mask from before, for children */
    struct signalfd_siginfo si;
    TT_CHECK(read(fd, &si, sizeof si) < 0 && errno == EAGAIN); /* non-blocking, nothing yet */
    raise(SIGUSR1); /* blocked: queued for the fd instead of killing us */
    TT_CHECK_INT(read(fd, &si, sizeof si), (long)sizeof si);
    TT_CHECK_INT(si.ssi_signo, SIGUSR1);
    TT_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
    sigprocmask(SIG_SETMASK, &save.mask, NULL);
}

/* Runs this test binary again as a probe (main: the environment variable in probe_env picks
 * what it reports in its exit code), with or without the nondumpable option. -1: cannot. */
static int run_probe(char *probe_env, int nondumpable)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *const argv[] = {"probe", NULL};
    char *const envp[] = {probe_env, NULL};
    struct tt_spawn_opts o = {.exe = self, .argv = argv, .envp = envp, .nondumpable = nondumpable};
    return run(&o);
}

/* nondumpable: the program is non-dumpable from its first instruction (the probe exits
 * 10 + PR_GET_DUMPABLE before anything else); the control, the same spawn without the option,
 * starts dumpable. As root too: the copy is run without the capabilities that would read it.
 * A script runs as usual. */
TT_TEST(nondumpable_from_the_first_instruction)
{
    TT_CHECK_INT(run_probe("TT_SPAWN_PROBE_DUMPABLE=1", 1), 10);
    TT_CHECK_INT(run_probe("TT_SPAWN_PROBE_DUMPABLE=1", 0), 11);
    char *const sh_argv[] = {"sh", "-c", "exit 7", NULL};
    struct tt_spawn_opts sh = {.exe = "/bin/sh", .argv = sh_argv, .nondumpable = 1};
    TT_CHECK_INT(run(&sh), 7);
}

/* The kernel names a program run from the copy after the memfd; tt_name_self gives it its name
 * back (probe: 30 + 1 if it started so named + 2 if renamed). Control: a usual exec keeps its
 * own name. */
TT_TEST(nondumpable_program_names_itself_back)
{
    TT_CHECK_INT(run_probe("TT_SPAWN_PROBE_NAME=1", 1), 33);
    TT_CHECK_INT(run_probe("TT_SPAWN_PROBE_NAME=1", 0), 30);
}

static int probe_name(void)
{
    char comm[17] = "";
    prctl(PR_GET_NAME, comm, 0, 0, 0);
    int copied = strncmp(comm, "memfd:", 6) == 0 || (comm[0] >= '0' && comm[0] <= '9');
    tt_name_self("named");
    prctl(PR_GET_NAME, comm, 0, 0, 0);
    return 30 + copied + 2 * (strcmp(comm, "named") == 0);
}

int main(void)
{
    if (getenv("TT_SPAWN_PROBE_DUMPABLE"))
        return 10 + prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    if (getenv("TT_SPAWN_PROBE_NAME"))
        return probe_name();
    return tt_run_all();
}
