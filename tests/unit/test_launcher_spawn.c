/* Unit tests for lib/tt_spawn (used by launcher): PATH lookup, 126/127 mapping, wait-status
 * mapping, exec-failure reporting, process group/session isolation and signal-mask restore. */
#include "tt_test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tt_spawn.h"

static char tmp[64];

static void write_file(const char *name, const char *text, mode_t mode)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd >= 0) {
        ssize_t w = write(fd, text, strlen(text));
        (void)w;
        close(fd);
    }
    chmod(p, mode);
}

static void setup(void)
{
    if (tmp[0])
        return;
    snprintf(tmp, sizeof tmp, "/tmp/tt-spawn-test.XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        exit(1);
    }
    write_file("tool", "#!/bin/sh\nexit 0\n", 0755);
    write_file("plain", "not a program\n", 0644);
    write_file("junk", "no shebang, no ELF\n", 0755);
    char p[256];
    snprintf(p, sizeof p, "%s/dir", tmp);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub", tmp);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/plain", tmp); /* executable twin of tmp/plain, later in PATH */
    int fd = open(p, O_WRONLY | O_CREAT, 0755);
    if (fd >= 0)
        close(fd);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

TT_TEST(resolve_in_path)
{
    setup();
    char path[512], out[512], want[512];
    snprintf(path, sizeof path, "/nonexistent-dir:%s", tmp);
    TT_CHECK_INT(tt_spawn_resolve("tool", path, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/tool", tmp);
    TT_CHECK(strcmp(out, want) == 0);
    TT_CHECK_INT(tt_spawn_resolve("missing", path, out, sizeof out), ENOENT);
    TT_CHECK_INT(tt_spawn_resolve("plain", path, out, sizeof out), EACCES);
    TT_CHECK_INT(tt_spawn_resolve("dir", path, out, sizeof out), EACCES);
    TT_CHECK_INT(tt_spawn_resolve("", path, out, sizeof out), ENOENT);
    TT_CHECK_INT(tt_spawn_resolve("tool", path, out, 5), ENAMETOOLONG);
}

TT_TEST(resolve_skips_non_executable)
{
    setup();
    char path[512], out[512], want[512];
    snprintf(path, sizeof path, "%s:%s/sub", tmp, tmp);
    TT_CHECK_INT(tt_spawn_resolve("plain", path, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/sub/plain", tmp);
    TT_CHECK(strcmp(out, want) == 0);
}

TT_TEST(resolve_with_slash_and_empty_element)
{
    setup();
    char cmd[512], out[512];
    snprintf(cmd, sizeof cmd, "%s/tool", tmp);
    TT_CHECK_INT(tt_spawn_resolve(cmd, "/nonexistent-dir", out, sizeof out), 0);
    TT_CHECK(strcmp(out, cmd) == 0);
    snprintf(cmd, sizeof cmd, "%s/missing", tmp);
    TT_CHECK_INT(tt_spawn_resolve(cmd, NULL, out, sizeof out), ENOENT);
    snprintf(cmd, sizeof cmd, "%s/plain", tmp);
    TT_CHECK_INT(tt_spawn_resolve(cmd, NULL, out, sizeof out), EACCES);
    char cwd[512];
    TT_CHECK(getcwd(cwd, sizeof cwd) != NULL);
    TT_CHECK_INT(chdir(tmp), 0);
    TT_CHECK_INT(tt_spawn_resolve("tool", "/nonexistent-dir::", out, sizeof out), 0);
    TT_CHECK(strcmp(out, "./tool") == 0);
    TT_CHECK_INT(chdir(cwd), 0);
    /* default PATH finds sh */
    TT_CHECK_INT(tt_spawn_resolve("sh", NULL, out, sizeof out), 0);
}

TT_TEST(errno_status)
{
    TT_CHECK_INT(tt_spawn_errno_status(ENOENT), 127);
    TT_CHECK_INT(tt_spawn_errno_status(ENOTDIR), 127);
    TT_CHECK_INT(tt_spawn_errno_status(EACCES), 126);
    TT_CHECK_INT(tt_spawn_errno_status(ENOEXEC), 126);
    TT_CHECK_INT(tt_spawn_errno_status(EPERM), 126);
}

static int run_status(void (*fn)(void))
{
    pid_t p = fork();
    if (p == 0)
        fn();
    int st = 0;
    waitpid(p, &st, 0);
    return st;
}
static void exit3(void)
{
    _exit(3);
}
static void die9(void)
{
    raise(SIGKILL);
    _exit(0);
}
static void die15(void)
{
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    _exit(0);
}

TT_TEST(exit_code_mapping)
{
    char buf[96];
    int st = run_status(exit3);
    TT_CHECK_INT(tt_spawn_exit_code(st), 3);
    TT_CHECK_STR(tt_spawn_describe_status(st, buf, sizeof buf), "exit code 3");
    st = run_status(die9);
    TT_CHECK_INT(tt_spawn_exit_code(st), 137);
    TT_CHECK(strstr(tt_spawn_describe_status(st, buf, sizeof buf), "signal 9") != NULL);
    TT_CHECK_INT(tt_spawn_exit_code(run_status(die15)), 143);
    TT_CHECK_INT(tt_spawn_exit_code(0x137f), -1); /* stopped by SIGSTOP */
}

static int spawn_wait(const char *exe, char **argv, int *exec_err)
{
    struct tt_spawn_opts o = {.exe = exe, .argv = argv};
    pid_t p = tt_spawn(&o, exec_err);
    if (p < 0)
        return -1000;
    int st;
    if (waitpid(p, &st, 0) != p)
        return -1001;
    return tt_spawn_exit_code(st);
}

TT_TEST(spawn_reports_exec_errors)
{
    setup();
    int e;
    char *ok[] = {"sh", "-c", "exit 5", NULL};
    TT_CHECK_INT(spawn_wait("/bin/sh", ok, &e), 5);
    TT_CHECK_INT(e, 0);
    char p[256];
    char *argv[] = {"x", NULL};
    snprintf(p, sizeof p, "%s/missing", tmp);
    TT_CHECK_INT(spawn_wait(p, argv, &e), 127);
    TT_CHECK_INT(e, ENOENT);
    snprintf(p, sizeof p, "%s/plain", tmp);
    TT_CHECK_INT(spawn_wait(p, argv, &e), 126);
    TT_CHECK_INT(e, EACCES);
    snprintf(p, sizeof p, "%s/junk", tmp);
    TT_CHECK_INT(spawn_wait(p, argv, &e), 126);
    TT_CHECK_INT(e, ENOEXEC);
}

/* Runs a child that copies its /proc/self/stat or status to a file; returns the text. */
static int child_proc_file(const struct tt_spawn_opts *base, const char *what, char *buf,
                           size_t bufsz, pid_t *pid_out)
{
    char out[256], script[320];
    snprintf(out, sizeof out, "%s/procfile", tmp);
    snprintf(script, sizeof script, "exec cat /proc/self/%s > '%s'", what, out);
    char *argv[] = {"sh", "-c", script, NULL};
    struct tt_spawn_opts o = *base;
    o.exe = "/bin/sh";
    o.argv = argv;
    int e;
    pid_t p = tt_spawn(&o, &e);
    if (p < 0 || e)
        return -1;
    int st;
    waitpid(p, &st, 0);
    *pid_out = p;
    int fd = open(out, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, bufsz - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    return 0;
}

static void pgrp_session(const char *stat, long *pgrp, long *sess)
{
    const char *q = strrchr(stat, ')');
    long ppid = 0;
    char state;
    *pgrp = *sess = -1;
    if (q)
        sscanf(q + 2, "%c %ld %ld %ld", &state, &ppid, pgrp, sess);
}

TT_TEST(spawn_isolation)
{
    setup();
    char buf[1024];
    pid_t p;
    long pg, se;
    struct tt_spawn_opts o = {.isolation = TT_SPAWN_NEW_SESSION};
    TT_CHECK_INT(child_proc_file(&o, "stat", buf, sizeof buf, &p), 0);
    pgrp_session(buf, &pg, &se);
    TT_CHECK_INT(pg, p);
    TT_CHECK_INT(se, p);
    o.isolation = TT_SPAWN_NEW_GROUP;
    o.take_tty = 1; /* stdin is not our tty in tests: must be harmless */
    TT_CHECK_INT(child_proc_file(&o, "stat", buf, sizeof buf, &p), 0);
    pgrp_session(buf, &pg, &se);
    TT_CHECK_INT(pg, p);
    TT_CHECK_INT(se, getsid(0));
    o.isolation = TT_SPAWN_SAME_GROUP;
    TT_CHECK_INT(child_proc_file(&o, "stat", buf, sizeof buf, &p), 0);
    pgrp_session(buf, &pg, &se);
    TT_CHECK_INT(pg, getpgrp());
}

static unsigned long long sigblk(const char *status)
{
    const char *q = strstr(status, "SigBlk:");
    return q ? strtoull(q + 7, NULL, 16) : ~0ULL;
}

TT_TEST(child_gets_saved_signal_mask)
{
    setup();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    struct tt_sigsave save;
    TT_CHECK_INT(tt_sigsave_block(&set, &save), 0);
    char buf[4096];
    pid_t p;
    unsigned long long usr1 = 1ULL << (SIGUSR1 - 1);
    struct tt_spawn_opts o = {.sigsave = &save};
    TT_CHECK_INT(child_proc_file(&o, "status", buf, sizeof buf, &p), 0);
    TT_CHECK_INT(sigblk(buf) & usr1, 0);
    /* negative control: without the saved mask the child inherits the blocked USR1 */
    o.sigsave = NULL;
    TT_CHECK_INT(child_proc_file(&o, "status", buf, sizeof buf, &p), 0);
    TT_CHECK_INT(sigblk(buf) & usr1, usr1);
    sigprocmask(SIG_SETMASK, &save.mask, NULL);
}

int main(void)
{
    int rc = tt_run_all();
    if (tmp[0])
        cleanup();
    return rc;
}
