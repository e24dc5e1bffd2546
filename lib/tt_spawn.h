/* Process spawning for programs that supervise children (launcher, tracer): PATH lookup with
 * execvp's rules, fork+exec that reports exec failures to the parent, the shell's exit-status
 * convention (126 cannot execute, 127 not found, 128+N killed by signal N), and saving the
 * parent's signal mask so a child starts with the mask the parent itself was given.
 *
 * Nothing here allocates, logs or exits; every function returns an error the caller reports.
 * It builds with glibc and musl (launcher is a static musl binary). */
#ifndef TT_SPAWN_H
#define TT_SPAWN_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#define TT_EXIT_CANNOT_EXEC 126 /* found but not executable (EACCES, ENOEXEC, ...) */
#define TT_EXIT_NOT_FOUND 127   /* no such command (ENOENT, ENOTDIR) */

/* The PATH used when the environment has none (the usual container default). */
#define TT_SPAWN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Finds the file execve() should run for `cmd`, following execvp: a name containing '/' is used
 * as is; otherwise each element of `path` (NULL: TT_SPAWN_DEFAULT_PATH; an empty element means
 * the current directory) is tried in order and the first executable regular file wins.
 * Writes the result to out[outsz]. Returns 0, or an errno value: ENOENT when nothing was found,
 * EACCES when only non-executable candidates (or directories) were found, ENAMETOOLONG. */
int tt_spawn_resolve(const char *cmd, const char *path, char *out, size_t outsz);

/* Maps an exec errno to the shell's status: 127 for ENOENT/ENOTDIR, 126 for anything else. */
int tt_spawn_errno_status(int err);

/* Maps a waitpid() status to an exit code: the exit code, or 128+N when killed by signal N.
 * Returns -1 for a status that is neither (stopped, continued). */
int tt_spawn_exit_code(int wstatus);

/* Writes a short human description of a wait status ("exit code 3", "killed by signal 9
 * (Killed)") into buf[bufsz]; returns buf. */
const char *tt_spawn_describe_status(int wstatus, char *buf, size_t bufsz);

/* The parent's signal state, saved before it blocks the signals it wants to read itself (with
 * signalfd or sigwaitinfo). A child restores it before exec. */
struct tt_sigsave {
    sigset_t mask;
};

/* Blocks `set` (adds it to the mask) and saves the previous mask into `save`.
 * Returns 0 or an errno value. */
int tt_sigsave_block(const sigset_t *set, struct tt_sigsave *save);

enum tt_spawn_isolation {
    TT_SPAWN_SAME_GROUP = 0, /* stay in the parent's process group */
    TT_SPAWN_NEW_GROUP,      /* setpgid(0, 0): own process group, same session */
    TT_SPAWN_NEW_SESSION,    /* setsid(): own session and process group, no controlling tty */
};

/* What the child's stdin or stdout is. */
enum tt_spawn_stdio {
    TT_SPAWN_INHERIT = 0, /* the parent's */
    TT_SPAWN_DEVNULL,     /* /dev/null */
    TT_SPAWN_FD,          /* the descriptor in stdin_fd / stdout_fd (a pipe end, usually) */
};

struct tt_spawn_opts {
    const char *exe;                   /* file to execve, e.g. from tt_spawn_resolve */
    char *const *argv;                 /* argv[0] is passed as given */
    char *const *envp;                 /* NULL: the parent's environ */
    const struct tt_sigsave *sigsave;  /* NULL: the child inherits the parent's current mask */
    enum tt_spawn_isolation isolation; /* process group / session of the child */
    int take_tty; /* with TT_SPAWN_NEW_GROUP: if stdin is a terminal whose foreground group is
                     the parent's, make the child's group the foreground group */
    enum tt_spawn_stdio stdin_mode, stdout_mode; /* default: inherited */
    int stdin_fd, stdout_fd;                     /* with TT_SPAWN_FD */
    int default_sigpipe;     /* SIGPIPE back to its default action in the child (a parent that
                                ignores it for its own writes does not pass that on) */
    int pass_fd, pass_fd_as; /* with pass_fd_as > 2 and pass_fd >= 0: the child gets pass_fd as
                                descriptor pass_fd_as (e.g. a status pipe on 3) */
    int nondumpable; /* an ELF exe starts non-dumpable, before its first instruction (a monitor
                        that another process of its uid must never find dumpable): it runs
                        from an execute-only copy (/proc/PID/exe: "/memfd:NAME (deleted)",
                        comm "memfd:NAME" until the program names itself, NAME the file's).
                        Other files, or where the copy cannot be made, run as usual */
};

/* Forks and execs. Returns the child's pid, or -1 with errno set if the child could not be
 * created. When the child was created but exec failed, *exec_err receives the exec errno (the
 * child has then exited with tt_spawn_errno_status(err) and must still be reaped); otherwise
 * *exec_err is 0. The call returns once the child has exec'd or failed, so the caller knows
 * which. Signal dispositions the parent set to "ignore" stay ignored in the child (execve rule),
 * except SIGPIPE with default_sigpipe. A failure to set up stdin/stdout is reported like an exec
 * failure (its errno in *exec_err). */
pid_t tt_spawn(const struct tt_spawn_opts *o, int *exec_err);

#endif
