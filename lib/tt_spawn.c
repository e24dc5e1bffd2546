/* Process spawning: PATH lookup, fork+exec with exec-failure reporting, wait-status mapping.
 *
 * tt_spawn() uses a close-on-exec pipe: a successful execve closes it (the parent reads EOF), a
 * failed one writes errno into it before _exit. So the parent learns synchronously whether the
 * command really started, and can print one clear line itself instead of the child printing
 * from a half-set-up process. */
#include "tt_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tt_io.h"

extern char **environ;

/* 0 if `file` is an executable regular file, else ENOENT/ENOTDIR (absent) or EACCES. */
static int check_exec(const char *file)
{
    struct stat st;
    if (stat(file, &st) != 0)
        return errno == ENOTDIR ? ENOENT : errno;
    if (!S_ISREG(st.st_mode))
        return EACCES;
    if (access(file, X_OK) != 0)
        return errno == ENOENT ? ENOENT : EACCES;
    return 0;
}

/* Can this process search the directory that is the first dlen bytes of path? */
static int dir_searchable(char *path, size_t dlen)
{
    char saved = path[dlen];
    path[dlen] = '\0';
    int ok = access(path, X_OK) == 0;
    path[dlen] = saved;
    return ok;
}

static int copy_out(const char *s, char *out, size_t outsz)
{
    size_t n = strlen(s);
    if (n >= outsz)
        return ENAMETOOLONG;
    memcpy(out, s, n + 1);
    return 0;
}

int tt_spawn_resolve(const char *cmd, const char *path, char *out, size_t outsz)
{
    if (!cmd || !*cmd)
        return ENOENT;
    if (strchr(cmd, '/')) {
        int err = check_exec(cmd);
        return err ? err : copy_out(cmd, out, outsz);
    }
    if (!path)
        path = TT_SPAWN_DEFAULT_PATH;
    size_t clen = strlen(cmd);
    int seen_eacces = 0, seen_toolong = 0;
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        char cand[4096];
        const char *dir = dlen ? p : ".";
        if (!dlen)
            dlen = 1;
        if (dlen + 1 + clen + 1 > sizeof cand) {
            seen_toolong = 1;
        } else {
            memcpy(cand, dir, dlen);
            cand[dlen] = '/';
            memcpy(cand + dlen + 1, cmd, clen + 1);
            int err = check_exec(cand);
            if (!err)
                return copy_out(cand, out, outsz);
            /* A directory the user may not search (/root/.local/bin in PATH of a non-root
             * process) hides nothing from it: skipped, as shells do. */
            if (err != ENOENT && !(err == EACCES && !dir_searchable(cand, dlen)))
                seen_eacces = 1;
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (seen_eacces)
        return EACCES;
    return seen_toolong ? ENAMETOOLONG : ENOENT;
}

int tt_spawn_errno_status(int err)
{
    return (err == ENOENT || err == ENOTDIR) ? TT_EXIT_NOT_FOUND : TT_EXIT_CANNOT_EXEC;
}

int tt_spawn_exit_code(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return -1;
}

const char *tt_spawn_describe_status(int wstatus, char *buf, size_t bufsz)
{
    if (WIFEXITED(wstatus))
        snprintf(buf, bufsz, "exit code %d", WEXITSTATUS(wstatus));
    else if (WIFSIGNALED(wstatus))
        snprintf(buf, bufsz, "killed by signal %d (%s)%s", WTERMSIG(wstatus),
                 strsignal(WTERMSIG(wstatus)), WCOREDUMP(wstatus) ? ", core dumped" : "");
    else
        snprintf(buf, bufsz, "wait status 0x%x", (unsigned)wstatus);
    return buf;
}

int tt_sigsave_block(const sigset_t *set, struct tt_sigsave *save)
{
    if (sigprocmask(SIG_BLOCK, set, &save->mask) != 0)
        return errno;
    return 0;
}

/* Makes target the child's stdin, stdout or another descriptor as mode says. 0 or an errno
 * value. Child only. */
static int child_stdio(enum tt_spawn_stdio mode, int fd, int target, int flags)
{
    if (mode == TT_SPAWN_INHERIT)
        return 0;
    if (mode == TT_SPAWN_DEVNULL && (fd = open("/dev/null", flags)) < 0)
        return errno;
    if (fd == target) /* dup2 would keep its close-on-exec flag */
        return fcntl(fd, F_SETFD, 0) == 0 ? 0 : errno;
    int err = dup2(fd, target) < 0 ? errno : 0;
    if (mode == TT_SPAWN_DEVNULL)
        close(fd);
    return err;
}

/* Drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the effective set (the exec computes a
 * new one: root gets them back). Raw capget/capset: no libcap, and musl has no wrapper. */
static void drop_read_caps(void)
{
    struct {
        uint32_t version;
        int pid;
    } hdr = {0x20080522, 0}; /* _LINUX_CAPABILITY_VERSION_3 */
    struct {
        uint32_t effective, permitted, inheritable;
    } data[2];
    if (syscall(SYS_capget, &hdr, data) != 0)
        return;
    data[0].effective &= ~((1u << 1) | (1u << 2)); /* CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH */
    (void)syscall(SYS_capset, &hdr, data);
}

/* The kernel starts an exec non-dumpable when its caller cannot read the file (fs/exec.c,
 * would_dump): so exe is copied into a memfd made execute-only and run without the
 * capabilities that would read it anyway. Returns only when that could not be done (not an
 * ELF file: a script's interpreter must read it; no memfd; vm.memfd_noexec...). Child only. */
static void exec_nondumpable(const struct tt_spawn_opts *o, char *const *envp)
{
    int in = open(o->exe, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return;
    unsigned char magic[4];
    struct stat sb;
    int m = -1;
    if (pread(in, magic, sizeof magic, 0) != (ssize_t)sizeof magic ||
        memcmp(magic, "\177ELF", 4) != 0 || fstat(in, &sb) != 0)
        goto out;
    /* (named after the program: the kernel names the process "memfd:NAME", cut to 15) */
    const char *slash = strrchr(o->exe, '/'), *name = slash ? slash + 1 : o->exe;
    m = (int)syscall(SYS_memfd_create, name, 0x0001u | 0x0010u); /* CLOEXEC | EXEC */
    if (m < 0 && errno == EINVAL)                                /* (MFD_EXEC: Linux 6.3+) */
        m = (int)syscall(SYS_memfd_create, name, 0x0001u);
    if (m < 0)
        goto out;
    off_t off = 0;
    while (off < sb.st_size)
        if (sendfile(m, in, &off, (size_t)(sb.st_size - off)) <= 0)
            goto out;
    if (fchmod(m, 0100) != 0)
        goto out;
    drop_read_caps();
    (void)syscall(SYS_execveat, m, "", o->argv, envp, AT_EMPTY_PATH);
out:
    if (m >= 0)
        close(m);
    close(in);
}

/* Runs in the child between fork and exec: only async-signal-safe calls. */
static void child_setup_and_exec(const struct tt_spawn_opts *o, int errfd)
{
    int err = 0;
    if (o->isolation == TT_SPAWN_NEW_SESSION) {
        if (setsid() < 0)
            err = errno;
    } else if (o->isolation == TT_SPAWN_NEW_GROUP) {
        pid_t old = getpgrp();
        if (setpgid(0, 0) != 0) {
            err = errno;
        } else if (o->take_tty && isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == old) {
            /* A background group changing the foreground group gets SIGTTOU unless blocked. */
            sigset_t ttou, prev;
            sigemptyset(&ttou);
            sigaddset(&ttou, SIGTTOU);
            sigprocmask(SIG_BLOCK, &ttou, &prev);
            (void)tcsetpgrp(STDIN_FILENO, getpid()); /* best effort: a tty is optional */
            sigprocmask(SIG_SETMASK, &prev, NULL);
        }
    }
    if (!err)
        err = child_stdio(o->stdin_mode, o->stdin_fd, STDIN_FILENO, O_RDONLY);
    if (!err)
        err = child_stdio(o->stdout_mode, o->stdout_fd, STDOUT_FILENO, O_WRONLY);
    if (!err && o->pass_fd_as > STDERR_FILENO && o->pass_fd >= 0)
        err = child_stdio(TT_SPAWN_FD, o->pass_fd, o->pass_fd_as, 0);
    if (!err && o->default_sigpipe && signal(SIGPIPE, SIG_DFL) == SIG_ERR)
        err = errno;
    if (!err && o->sigsave && sigprocmask(SIG_SETMASK, &o->sigsave->mask, NULL) != 0)
        err = errno;
    if (!err && o->nondumpable)
        exec_nondumpable(o, o->envp ? o->envp : environ);
    if (!err) {
        execve(o->exe, o->argv, o->envp ? o->envp : environ);
        err = errno;
    }
    (void)tt_write_full(errfd, &err, sizeof err);
    _exit(tt_spawn_errno_status(err));
}

pid_t tt_spawn(const struct tt_spawn_opts *o, int *exec_err)
{
    int fds[2];
    *exec_err = 0;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child_setup_and_exec(o, fds[1]);
    }
    close(fds[1]);
    int err = 0;
    ssize_t n = tt_read_full(fds[0], &err, sizeof err);
    close(fds[0]);
    if (n == (ssize_t)sizeof err)
        *exec_err = err ? err : EIO;
    return pid;
}
