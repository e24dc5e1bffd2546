/* program output: alerts written to a program's stdin, one line each.
 *
 * A plain command line ("/vendor/falco/bin/logshipper -g group", quotes and backslashes
 * allowed) is split here and exec'd directly (PATH lookup), so no shell is needed in a
 * distroless workload; /bin/sh -c is used only when the command has other shell syntax and a
 * shell exists. The pipe is non-blocking:
 * lines the program has not taken yet wait in a bounded buffer, and when that is full new lines
 * are dropped (counted, logged once), so a program that stops reading never blocks anything.
 * keep_alive: one long-lived process, restarted with exponential backoff if it exits; otherwise
 * one process per alert (Falco's popen/pclose). SIGUSR1 (reopen) restarts the process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "outputs.h"
#include "tt_io.h"
#include "tt_log.h"
#include "tt_spawn.h"
#include "tt_time.h"

#define PEND_MAX (1u << 20)
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define MAX_ZOMBIES 64

struct prog_priv {
    char *cmd;
    char **argv; /* NULL-terminated; argv[0] is the program */
    char *argbuf;
    int keep_alive;
    long timeout_ms;
    pid_t pid;
    int fd; /* write end of the child's stdin, -1 if none */
    char *pend;
    size_t plen;
    uint64_t restart_at; /* monotonic ns; 0 = now */
    int backoff_ms;
    int drop_logged, dead_logged;
    pid_t zombies[MAX_ZOMBIES];
    size_t nzombies;
    struct outputs_stats *st;
};

/* Shell syntax beyond quoting: pipes, redirections, expansions, globs, a leading VAR=value.
 * Quotes and backslashes alone are handled here (out_program_split), without a shell. */
static int needs_shell(const char *cmd)
{
    if (strpbrk(cmd, "|&;<>()$`*?[#~\n{}"))
        return 1;
    /* a leading VAR=value assignment */
    const char *sp = cmd + strspn(cmd, " \t");
    const char *end = sp + strcspn(sp, " \t");
    const char *eq = memchr(sp, '=', (size_t)(end - sp));
    return eq != NULL;
}

char **out_program_split(const char *cmd, char **storage, char *err, size_t n)
{
    *storage = NULL;
    size_t len = strlen(cmd);
    char *buf = malloc(len + 1);
    char **argv = calloc(len / 2 + 2, sizeof *argv);
    if (!buf || !argv) {
        free(buf);
        free(argv);
        snprintf(err, n, "out of memory");
        return NULL;
    }
    const char *r = cmd;
    char *w = buf;
    size_t k = 0;
    for (;;) {
        while (*r == ' ' || *r == '\t')
            r++;
        if (!*r)
            break;
        argv[k++] = w;
        char q = 0;
        while (*r && (q || (*r != ' ' && *r != '\t'))) {
            if (q == '\'') {
                if (*r == '\'')
                    q = 0, r++;
                else
                    *w++ = *r++;
            } else if (q == '"') {
                if (*r == '"')
                    q = 0, r++;
                else if (*r == '\\' && (r[1] == '"' || r[1] == '\\' || r[1] == '$' || r[1] == '`'))
                    r++, *w++ = *r++;
                else
                    *w++ = *r++;
            } else if (*r == '\'' || *r == '"') {
                q = *r++;
            } else if (*r == '\\' && r[1]) {
                r++;
                *w++ = *r++;
            } else {
                *w++ = *r++;
            }
        }
        if (q) {
            snprintf(err, n, "program_output.program: unterminated %c quote", q);
            free(buf);
            free(argv);
            return NULL;
        }
        *w++ = '\0';
    }
    if (k == 0) {
        snprintf(err, n, "program_output.program is empty");
        free(buf);
        free(argv);
        return NULL;
    }
    *storage = buf;
    return argv;
}

static int build_argv(struct prog_priv *p, char *err, size_t n)
{
    int shell = needs_shell(p->cmd);
    if (shell && access("/bin/sh", X_OK) == 0) {
        p->argv = calloc(4, sizeof *p->argv);
        if (!p->argv) {
            snprintf(err, n, "out of memory");
            return -1;
        }
        p->argv[0] = "/bin/sh";
        p->argv[1] = "-c";
        p->argv[2] = p->cmd;
        return 0;
    }
    if (shell)
        tt_warn("program output: '%s' looks like shell syntax but /bin/sh is missing; "
                "running it as a plain command line",
                p->cmd);
    p->argv = out_program_split(p->cmd, &p->argbuf, err, n);
    return p->argv ? 0 : -1;
}

/* Starts the program (tt_spawn) with its stdin on a pipe. Returns 0, or -1 (reason logged). */
static int spawn(struct prog_priv *p)
{
    char exe[4096];
    int err = tt_spawn_resolve(p->argv[0], getenv("PATH"), exe, sizeof exe);
    if (err) {
        tt_error("program output: cannot run '%s': %s", p->argv[0], strerror(err));
        return -1;
    }
    int in[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        goto fail;
    struct tt_sigsave none; /* the child starts with no signal blocked */
    sigemptyset(&none.mask);
    struct tt_spawn_opts so = {.exe = exe,
                               .argv = p->argv,
                               .sigsave = &none,
                               .stdin_mode = TT_SPAWN_FD,
                               .stdin_fd = in[0],
                               .default_sigpipe = 1};
    pid_t pid = tt_spawn(&so, &err);
    int spawn_errno = errno;
    close(in[0]);
    if (pid < 0) {
        close(in[1]);
        errno = spawn_errno;
        goto fail;
    }
    if (err) {
        tt_error("program output: cannot run '%s': %s", p->argv[0], strerror(err));
        close(in[1]);
        waitpid(pid, NULL, 0);
        return -1;
    }
    int fl = fcntl(in[1], F_GETFL);
    if (fl < 0 || fcntl(in[1], F_SETFL, fl | O_NONBLOCK) < 0)
        tt_warn("program output: cannot make the pipe non-blocking: %s", strerror(errno));
    p->pid = pid;
    p->fd = in[1];
    p->dead_logged = 0;
    tt_debug("program output: started '%s' (pid %d)", p->cmd, (int)pid);
    return 0;
fail:
    tt_error("program output: cannot start '%s': %s", p->cmd, strerror(errno));
    return -1;
}

static void reap_zombies(struct prog_priv *p)
{
    for (size_t i = 0; i < p->nzombies;) {
        if (waitpid(p->zombies[i], NULL, WNOHANG) != 0) {
            p->zombies[i] = p->zombies[--p->nzombies];
            continue;
        }
        i++;
    }
}

static void add_zombie(struct prog_priv *p, pid_t pid)
{
    if (p->nzombies < MAX_ZOMBIES)
        p->zombies[p->nzombies++] = pid;
    else
        kill(pid, SIGKILL), waitpid(pid, NULL, 0);
}

/* Waits up to ms for pid to exit; 1 if reaped. */
static int wait_exit(pid_t pid, long ms)
{
    uint64_t dl = tt_mono_ns() + (uint64_t)ms * 1000000u;
    for (;;) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 1;
        if (tt_mono_ns() >= dl)
            return 0;
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void child_gone(struct prog_priv *p, const char *why)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    if (p->pid > 0 && !wait_exit(p->pid, 0))
        add_zombie(p, p->pid);
    p->pid = 0;
    if (!p->keep_alive)
        return;
    if (!p->dead_logged)
        tt_warn("program output: '%s' %s; restarting in %d ms", p->cmd, why, p->backoff_ms);
    p->dead_logged = 1;
    p->restart_at = tt_mono_ns() + (uint64_t)p->backoff_ms * 1000000u;
    p->backoff_ms = p->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : p->backoff_ms * 2;
}

/* Writes as much pending data as the pipe takes. */
static void pump(struct prog_priv *p)
{
    while (p->fd >= 0 && p->plen > 0) {
        ssize_t w = write(p->fd, p->pend, p->plen);
        if (w > 0) {
            memmove(p->pend, p->pend + w, p->plen - (size_t)w);
            p->plen -= (size_t)w;
            p->backoff_ms = BACKOFF_MIN_MS;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        child_gone(p, "stopped reading (broken pipe)");
        return;
    }
}

static void ensure_running(struct prog_priv *p)
{
    if (p->pid > 0) {
        int status;
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            p->pid = 0; /* reaped */
            child_gone(p, "exited");
        }
    }
    if (p->pid == 0 && p->keep_alive && tt_mono_ns() >= p->restart_at) {
        if (spawn(p) == 0) {
            __atomic_fetch_add(&p->st->program_restarts, 1, __ATOMIC_RELAXED);
        } else {
            p->restart_at = tt_mono_ns() + (uint64_t)p->backoff_ms * 1000000u;
            p->backoff_ms = p->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : p->backoff_ms * 2;
        }
    }
}

static int append_pending(struct prog_priv *p, const char *line, size_t len)
{
    if (p->plen + len + 1 > PEND_MAX) {
        __atomic_fetch_add(&p->st->program_drops, 1, __ATOMIC_RELAXED);
        if (!p->drop_logged)
            tt_warn("program output: '%s' is not reading its input; dropping alerts (logged "
                    "once, counted)",
                    p->cmd);
        p->drop_logged = 1;
        return -1;
    }
    memcpy(p->pend + p->plen, line, len);
    p->pend[p->plen + len] = '\n';
    p->plen += len + 1;
    return 0;
}

/* Pumps until the buffer is empty or ms elapsed (for one-shot programs and shutdown). */
static void pump_until(struct prog_priv *p, long ms)
{
    uint64_t dl = tt_mono_ns() + (uint64_t)ms * 1000000u;
    while (p->fd >= 0 && p->plen > 0) {
        pump(p);
        if (p->fd < 0 || p->plen == 0)
            break;
        uint64_t now = tt_mono_ns();
        if (now >= dl)
            break;
        struct pollfd pfd = {.fd = p->fd, .events = POLLOUT};
        int left = (int)((dl - now) / 1000000u) + 1;
        poll(&pfd, 1, left);
    }
}

static void stop_child(struct prog_priv *p, long ms)
{
    if (p->fd >= 0) {
        pump_until(p, ms);
        close(p->fd);
        p->fd = -1;
    }
    if (p->pid > 0) {
        if (!wait_exit(p->pid, ms)) {
            tt_warn("program output: '%s' did not exit within %ld ms after its input closed; "
                    "terminating it",
                    p->cmd, ms);
            kill(p->pid, SIGTERM);
            if (!wait_exit(p->pid, 500)) {
                kill(p->pid, SIGKILL);
                wait_exit(p->pid, 1000);
            }
        }
        p->pid = 0;
    }
}

static int prog_write(struct out_channel *c, const char *line, size_t len, int prio)
{
    struct prog_priv *p = c->priv;
    reap_zombies(p);
    if (!p->keep_alive) {
        if (append_pending(p, line, len))
            return -1;
        if (spawn(p) != 0) {
            p->plen = 0;
            return -1;
        }
        pump_until(p, p->timeout_ms);
        p->plen = 0;
        close(p->fd);
        p->fd = -1;
        if (!wait_exit(p->pid, p->timeout_ms))
            add_zombie(p, p->pid);
        p->pid = 0;
        return 0;
    }
    ensure_running(p);
    int rc = append_pending(p, line, len);
    pump(p);
    return rc;
}

static int prog_flush(struct out_channel *c)
{
    struct prog_priv *p = c->priv;
    reap_zombies(p);
    if (p->keep_alive) {
        ensure_running(p);
        pump(p);
    }
    return 0;
}

static void prog_reopen(struct out_channel *c)
{
    struct prog_priv *p = c->priv;
    if (!p->keep_alive)
        return;
    stop_child(p, p->timeout_ms);
    p->restart_at = 0;
    p->backoff_ms = BACKOFF_MIN_MS;
    ensure_running(p);
    pump(p);
}

static void prog_close(struct out_channel *c, int timeout_ms)
{
    struct prog_priv *p = c->priv;
    if (p->keep_alive && p->pid == 0 && p->plen > 0) {
        p->restart_at = 0;
        ensure_running(p);
    }
    stop_child(p, timeout_ms > 0 ? timeout_ms : 1);
    for (size_t i = 0; i < p->nzombies; i++)
        if (!wait_exit(p->zombies[i], timeout_ms > 0 ? timeout_ms : 1)) {
            kill(p->zombies[i], SIGKILL);
            wait_exit(p->zombies[i], 1000);
        }
    if (p->plen)
        tt_warn("program output: %zu bytes of alerts were never taken by '%s'", p->plen, p->cmd);
    free(p->pend);
    free(p->argv);
    free(p->argbuf);
    free(p->cmd);
    free(p);
    c->priv = NULL;
}

int out_program_open(struct out_channel *c, const struct engine_config *cfg,
                     struct outputs_stats *st, char *err, size_t n)
{
    memset(c, 0, sizeof *c);
    struct prog_priv *p = calloc(1, sizeof *p);
    if (!p || !(p->cmd = strdup(cfg->program.program)) || !(p->pend = malloc(PEND_MAX))) {
        if (p)
            free(p->cmd);
        free(p);
        snprintf(err, n, "out of memory");
        return -1;
    }
    p->fd = -1;
    p->keep_alive = cfg->program.keep_alive;
    p->timeout_ms = cfg->output_timeout_ms;
    p->backoff_ms = BACKOFF_MIN_MS;
    p->st = st;
    if (build_argv(p, err, n)) {
        free(p->pend);
        free(p->argv);
        free(p->argbuf);
        free(p->cmd);
        free(p);
        return -1;
    }
    if (p->keep_alive && spawn(p) != 0) {
        /* keep going: restarts are retried with backoff */
        p->restart_at = tt_mono_ns() + (uint64_t)p->backoff_ms * 1000000u;
    }
    c->name = "program";
    c->priv = p;
    c->write = prog_write;
    c->flush = prog_flush;
    c->reopen = prog_reopen;
    c->close = prog_close;
    return 0;
}
