/* program output: alerts written to a program's stdin, one line each.
 *
 * A plain command line ("/vendor/falco/bin/logshipper -g group", quotes and backslashes
 * allowed) is split here and exec'd directly (PATH lookup), so no shell is needed in a
 * distroless workload; /bin/sh -c is used only when the command has other shell syntax and a
 * shell exists. The pipe is non-blocking:
 * lines the program has not taken yet wait in a bounded buffer, and when that is full new lines
 * are dropped (counted, logged once), so a program that stops reading never blocks anything.
 * keep_alive: one long-lived process, restarted with exponential backoff if it exits; otherwise
 * one process per alert (Falco's popen/pclose). SIGUSR1 (reopen) restarts the process.
 *
 * Delivery status: the program gets the write end of a pipe as descriptor 3
 * (TARTAN_STATUS_FD=3) and its shutdown budget in LOGSHIPPER_DEADLINE; logshipper reports its
 * counters there every second (lib/tt_shipstatus.h). At shutdown the program gets
 * tartan.shutdown.program_output_deadline after its input closes to deliver and exit; what it
 * could not confirm is counted as lost (docs/operations.md). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "outputs.h"
#include "ship_status.h"
#include "tt_io.h"
#include "tt_log.h"
#include "tt_spawn.h"
#include "tt_time.h"

#define PEND_MAX (1u << 20)
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define MAX_ZOMBIES 64
#define DEADLINE_MARGIN_S 2 /* of the program's deadline, left for it to exit after delivering */
#define KILL_WAIT_MS 500    /* between SIGTERM and SIGKILL */

extern char **environ;

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
    /* environment of the program: ours plus TARTAN_STATUS_FD and LOGSHIPPER_DEADLINE */
    char **envp;
    char env_fd[32], env_deadline[48];
    long deadline_ms; /* after the input closes at shutdown, before SIGTERM */
    /* delivery status pipe (read end, non-blocking), the partial line read so far */
    int status_fd;
    char sline[TT_SHIP_STATUS_MAX_LINE + 2];
    size_t slen;
    int sdiscard; /* the current line is too long: skip to its end */
    uint64_t child_written, child_rec_ms;
    int child_final;
    uint64_t down_since_ms; /* keep_alive: when the process went away (0 while it runs) */
    pthread_mutex_t mu;     /* guards ship (read by the main thread) */
    struct ship_totals ship;
    uint64_t lost;     /* lines written to a process that could not confirm them */
    uint64_t written;  /* lines written into the pipe, every process */
    int killed;        /* the current process was killed at the deadline */
    int ever_reported; /* the program writes status records (logshipper) */
    int closing;       /* prog_close is running */
    uint64_t records;  /* of the lines given, metric records (not alerts) */
    int pub_pid;       /* pid, for the main thread (under mu) */
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

/* The program's environment: ours, with TARTAN_STATUS_FD and LOGSHIPPER_DEADLINE set (built
 * once, before any fork: the child of a threaded process must not allocate). */
static int build_env(struct prog_priv *p, char *err, size_t n)
{
    size_t cnt = 0;
    for (char **e = environ; e && *e; e++)
        cnt++;
    p->envp = calloc(cnt + 3, sizeof *p->envp);
    if (!p->envp) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    long dl = p->deadline_ms / 1000 - DEADLINE_MARGIN_S;
    if (dl < 1)
        dl = 1;
    snprintf(p->env_fd, sizeof p->env_fd, "TARTAN_STATUS_FD=%d", TT_SHIP_STATUS_FD);
    snprintf(p->env_deadline, sizeof p->env_deadline, "LOGSHIPPER_DEADLINE=%ld", dl);
    const char *had = getenv("LOGSHIPPER_DEADLINE");
    if (had && *had && strcmp(had, p->env_deadline + 20))
        tt_warn("program output: LOGSHIPPER_DEADLINE=%s from the environment is replaced by %ld "
                "(tartan.shutdown.program_output_deadline %ld s, minus %d s for the program to "
                "exit); raise tartan.shutdown.program_output_deadline instead",
                had, dl, p->deadline_ms / 1000, DEADLINE_MARGIN_S);
    size_t k = 0;
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "TARTAN_STATUS_FD=", 17) && strncmp(*e, "LOGSHIPPER_DEADLINE=", 20))
            p->envp[k++] = *e;
    p->envp[k++] = p->env_fd;
    p->envp[k++] = p->env_deadline;
    p->envp[k] = NULL;
    /* an explicit --deadline longer than the engine waits would be cut short */
    for (size_t i = 0; p->argv[i] && p->argv[i + 1]; i++) {
        long v = -1;
        if (!strcmp(p->argv[i], "--deadline"))
            v = strtol(p->argv[i + 1], NULL, 10);
        else if (!strncmp(p->argv[i], "--deadline=", 11))
            v = strtol(p->argv[i] + 11, NULL, 10);
        if (v > dl)
            tt_warn(
                "program output: '%s' asks for a %ld s delivery deadline, but the engine "
                "stops it %ld s after its input closes (tartan.shutdown.program_output_deadline); "
                "alerts may be lost at shutdown",
                p->cmd, v, p->deadline_ms / 1000);
    }
    return 0;
}

/* Starts the program (tt_spawn) with its stdin on a pipe and the status pipe on descriptor 3.
 * Returns 0, or -1 (reason logged). */
static int spawn(struct prog_priv *p)
{
    char exe[4096];
    int err = tt_spawn_resolve(p->argv[0], getenv("PATH"), exe, sizeof exe);
    if (err) {
        tt_error("program output: cannot run '%s': %s", p->argv[0], strerror(err));
        return -1;
    }
    int in[2], sp[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) != 0)
        goto fail;
    if (pipe2(sp, O_CLOEXEC) != 0)
        sp[0] = sp[1] = -1; /* no status: delivery is not confirmed, alerts still flow */
    struct tt_sigsave none; /* the child starts with no signal blocked */
    sigemptyset(&none.mask);
    struct tt_spawn_opts so = {.exe = exe,
                               .argv = p->argv,
                               .envp = p->envp,
                               .sigsave = &none,
                               .stdin_mode = TT_SPAWN_FD,
                               .stdin_fd = in[0],
                               .pass_fd = sp[1],
                               .pass_fd_as = TT_SHIP_STATUS_FD,
                               .default_sigpipe = 1,
                               .nondumpable = 1}; /* (a monitor: docs/security.md) */
    pid_t pid = tt_spawn(&so, &err);
    int spawn_errno = errno;
    close(in[0]);
    if (sp[1] >= 0)
        close(sp[1]);
    if (pid < 0) {
        close(in[1]);
        if (sp[0] >= 0)
            close(sp[0]);
        errno = spawn_errno;
        goto fail;
    }
    if (err) {
        tt_error("program output: cannot run '%s': %s", p->argv[0], strerror(err));
        close(in[1]);
        if (sp[0] >= 0)
            close(sp[0]);
        waitpid(pid, NULL, 0);
        return -1;
    }
    int fl = fcntl(in[1], F_GETFL);
    if (fl < 0 || fcntl(in[1], F_SETFL, fl | O_NONBLOCK) < 0)
        tt_warn("program output: cannot make the pipe non-blocking: %s", strerror(errno));
    if (sp[0] >= 0 && fcntl(sp[0], F_SETFL, O_NONBLOCK) < 0) {
        close(sp[0]);
        sp[0] = -1;
    }
    p->pid = pid;
    p->fd = in[1];
    p->status_fd = sp[0];
    p->slen = 0;
    p->sdiscard = 0;
    p->child_written = 0;
    p->child_final = 0;
    p->killed = 0;
    p->dead_logged = 0;
    pthread_mutex_lock(&p->mu);
    p->ship.reporting = 0;
    memset(&p->ship.cur, 0, sizeof p->ship.cur);
    p->down_since_ms = 0;
    p->pub_pid = (int)pid;
    pthread_mutex_unlock(&p->mu);
    tt_debug("program output: started '%s' (pid %d)", p->cmd, (int)pid);
    return 0;
fail:
    tt_error("program output: cannot start '%s': %s", p->cmd, strerror(errno));
    return -1;
}

/* Reads the status records the program has written (never blocks). */
static void read_status(struct prog_priv *p)
{
    while (p->status_fd >= 0) {
        char buf[1024];
        ssize_t r = read(p->status_fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
            close(p->status_fd); /* the program closed it (or exited) */
            p->status_fd = -1;
            return;
        }
        if (r < 0)
            return;
        for (ssize_t i = 0; i < r; i++) {
            char ch = buf[i];
            if (ch != '\n') {
                if (p->slen < TT_SHIP_STATUS_MAX_LINE)
                    p->sline[p->slen++] = ch;
                else
                    p->sdiscard = 1;
                continue;
            }
            struct tt_ship_status rec;
            if (!p->sdiscard && ship_status_parse(p->sline, p->slen, &rec) == 0) {
                pthread_mutex_lock(&p->mu);
                p->ship.cur = rec;
                p->ship.reporting = 1;
                pthread_mutex_unlock(&p->mu);
                p->child_rec_ms = (uint64_t)tt_mono_ms();
                p->child_final |= rec.final;
                p->ever_reported = 1;
            }
            p->slen = 0;
            p->sdiscard = 0;
        }
    }
}

/* The current process is gone (reaped, or given up on): count what it could not confirm and
 * fold its last record into the totals. */
static void fold_child(struct prog_priv *p)
{
    read_status(p); /* the final record, if it wrote one before exiting */
    if (p->status_fd >= 0) {
        close(p->status_fd);
        p->status_fd = -1;
    }
    pthread_mutex_lock(&p->mu);
    const struct tt_ship_status *c = &p->ship.cur;
    uint64_t lost = 0;
    if (p->ship.reporting && p->child_final) {
        /* its own account: what it gave up on, and lines it never read */
        lost = c->rejected + c->dropped + c->undelivered +
               (p->child_written > c->read ? p->child_written - c->read : 0);
    } else if (p->ship.reporting) {
        /* killed or crashed before its final record: only what it confirmed counts */
        lost = p->child_written > c->delivered ? p->child_written - c->delivered : 0;
    } else if (p->killed) {
        /* a program that reports nothing, stopped before it finished: unconfirmed */
        lost = p->child_written;
    }
    p->ship.read += c->read;
    p->ship.delivered += c->delivered;
    p->ship.rejected += c->rejected;
    p->ship.dropped += c->dropped;
    p->ship.undelivered += c->undelivered;
    p->ship.retries += c->retries;
    p->ship.batches += c->batches;
    p->ship.reporting = 0;
    memset(&p->ship.cur, 0, sizeof p->ship.cur);
    p->lost += lost;
    p->pub_pid = 0;
    pthread_mutex_unlock(&p->mu);
    if (lost && p->keep_alive && !p->closing) /* at close, one summary line says it all */
        tt_warn("program output: '%s' did not confirm the delivery of %llu alerts", p->cmd,
                (unsigned long long)lost);
    p->child_written = 0;
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
    fold_child(p);
    if (!p->keep_alive)
        return;
    pthread_mutex_lock(&p->mu);
    p->down_since_ms = (uint64_t)tt_mono_ms();
    pthread_mutex_unlock(&p->mu);
    if (!p->dead_logged)
        tt_warn("program output: '%s' %s; restarting in %d ms", p->cmd, why, p->backoff_ms);
    p->dead_logged = 1;
    p->restart_at = tt_mono_ns() + (uint64_t)p->backoff_ms * 1000000u;
    p->backoff_ms = p->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : p->backoff_ms * 2;
}

static uint64_t count_lines(const char *b, size_t n)
{
    uint64_t k = 0;
    for (const char *q = b; (q = memchr(q, '\n', n - (size_t)(q - b))) != NULL; q++)
        k++;
    return k;
}

/* Writes as much pending data as the pipe takes. */
static void pump(struct prog_priv *p)
{
    while (p->fd >= 0 && p->plen > 0) {
        ssize_t w = write(p->fd, p->pend, p->plen);
        if (w > 0) {
            uint64_t lines = count_lines(p->pend, (size_t)w);
            p->child_written += lines;
            p->written += lines;
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

/* Waits up to ms for the current process to exit, reading its status records meanwhile. */
static int wait_exit_reading(struct prog_priv *p, long ms)
{
    uint64_t dl = tt_mono_ns() + (uint64_t)ms * 1000000u;
    for (;;) {
        read_status(p);
        pid_t r = waitpid(p->pid, NULL, WNOHANG);
        if (r == p->pid || (r < 0 && errno == ECHILD))
            return 1;
        uint64_t now = tt_mono_ns();
        if (now >= dl)
            return 0;
        struct pollfd pfd = {.fd = p->status_fd, .events = POLLIN};
        long left = (long)((dl - now) / 1000000u) + 1;
        poll(&pfd, p->status_fd >= 0 ? 1 : 0, left < 20 ? (int)left : 20);
    }
}

/* Ends the current process: the rest of its input within pump_ms, end of input, then up to
 * wait_ms to deliver and exit before SIGTERM (and SIGKILL KILL_WAIT_MS later). */
static void stop_child(struct prog_priv *p, long pump_ms, long wait_ms)
{
    if (p->fd >= 0) {
        pump_until(p, pump_ms);
        close(p->fd);
        p->fd = -1;
    }
    if (p->pid > 0) {
        if (!wait_exit_reading(p, wait_ms)) {
            tt_warn("program output: '%s' did not exit within %ld ms after its input closed; "
                    "terminating it",
                    p->cmd, wait_ms);
            p->killed = 1;
            kill(p->pid, SIGTERM);
            if (!wait_exit_reading(p, KILL_WAIT_MS)) {
                kill(p->pid, SIGKILL);
                wait_exit(p->pid, 1000);
            }
        }
        p->pid = 0;
        fold_child(p);
    }
}

static int prog_write(struct out_channel *c, const char *line, size_t len, int prio)
{
    struct prog_priv *p = c->priv;
    reap_zombies(p);
    p->records += prio < 0;
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
        if (!wait_exit_reading(p, p->timeout_ms)) {
            add_zombie(p, p->pid);
            p->killed = 1; /* not waited for: its delivery is not confirmed */
        }
        p->pid = 0;
        fold_child(p);
        return 0;
    }
    ensure_running(p);
    int rc = append_pending(p, line, len);
    pump(p);
    read_status(p);
    return rc;
}

static int prog_flush(struct out_channel *c)
{
    struct prog_priv *p = c->priv;
    reap_zombies(p);
    if (p->keep_alive) {
        ensure_running(p);
        pump(p);
        read_status(p);
    }
    return 0;
}

static void prog_reopen(struct out_channel *c)
{
    struct prog_priv *p = c->priv;
    if (!p->keep_alive)
        return;
    /* the old process gets the whole shutdown budget: restarting must not lose its queue */
    stop_child(p, p->timeout_ms, p->deadline_ms);
    p->restart_at = 0;
    p->backoff_ms = BACKOFF_MIN_MS;
    ensure_running(p);
    pump(p);
}

/* What out_program_open allocated (the mutex included). */
static void prog_priv_free(struct prog_priv *p)
{
    pthread_mutex_destroy(&p->mu);
    free(p->envp);
    free(p->pend);
    free(p->argv);
    free(p->argbuf);
    free(p->cmd);
    free(p);
}

static void prog_close(struct out_channel *c, int timeout_ms)
{
    struct prog_priv *p = c->priv;
    p->closing = 1;
    if (p->keep_alive && p->pid == 0 && p->plen > 0) {
        p->restart_at = 0;
        ensure_running(p);
    }
    stop_child(p, timeout_ms > 0 ? timeout_ms : 1, p->deadline_ms);
    for (size_t i = 0; i < p->nzombies; i++)
        if (!wait_exit(p->zombies[i], timeout_ms > 0 ? timeout_ms : 1)) {
            kill(p->zombies[i], SIGKILL);
            wait_exit(p->zombies[i], 1000);
        }
    uint64_t never = count_lines(p->pend, p->plen);
    if (p->plen)
        tt_warn("program output: %llu alerts (%zu bytes) were never taken by '%s'",
                (unsigned long long)never, p->plen, p->cmd);
    uint64_t drops = __atomic_load_n(&p->st->program_drops, __ATOMIC_RELAXED);
    uint64_t lost = p->lost + never + drops;
    /* logshipper counts lines: with metric records among them, they are not all alerts */
    const char *what = p->records ? "lines (alerts and metric records)" : "alerts";
    __atomic_store_n(&p->st->program_lost, lost, __ATOMIC_RELAXED);
    if (p->ever_reported) {
        /* a program that reports its deliveries (logshipper) */
        if (lost)
            tt_error("program output: %llu %s were not delivered: %llu written to '%s', %llu "
                     "delivered (%llu not confirmed by the program, %llu never written, %llu "
                     "dropped while it did not read)",
                     (unsigned long long)lost, what, (unsigned long long)p->written, p->cmd,
                     (unsigned long long)p->ship.delivered, (unsigned long long)p->lost,
                     (unsigned long long)never, (unsigned long long)drops);
        else
            tt_info("program output: %llu %s written to '%s', %llu delivered, none lost",
                    (unsigned long long)p->written, what, p->cmd,
                    (unsigned long long)p->ship.delivered);
    } else if (lost) {
        tt_error("program output: %llu %s were not delivered: %llu written to '%s' (%llu not "
                 "confirmed, %llu never written, %llu dropped while it did not read)",
                 (unsigned long long)lost, what, (unsigned long long)p->written, p->cmd,
                 (unsigned long long)p->lost, (unsigned long long)never, (unsigned long long)drops);
    }
    prog_priv_free(p);
    c->priv = NULL;
}

int out_program_ship(struct out_channel *c, struct ship_totals *out)
{
    struct prog_priv *p = c->priv;
    if (!p)
        return -1;
    pthread_mutex_lock(&p->mu);
    *out = p->ship;
    uint64_t now = (uint64_t)tt_mono_ms();
    out->age_ms = p->child_rec_ms && p->ship.reporting ? now - p->child_rec_ms : 0;
    out->down_ms = p->keep_alive && p->down_since_ms ? now - p->down_since_ms : 0;
    out->running = p->pub_pid > 0;
    out->pid = p->pub_pid;
    out->ever_reported = p->ever_reported;
    pthread_mutex_unlock(&p->mu);
    return 0;
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
    p->status_fd = -1;
    p->keep_alive = cfg->program.keep_alive;
    p->timeout_ms = cfg->output_timeout_ms;
    p->deadline_ms = cfg->ops.program_deadline_s * 1000;
    p->backoff_ms = BACKOFF_MIN_MS;
    p->st = st;
    pthread_mutex_init(&p->mu, NULL);
    if (build_argv(p, err, n) || build_env(p, err, n)) {
        prog_priv_free(p);
        return -1;
    }
    if (p->keep_alive && spawn(p) != 0) {
        /* keep going: restarts are retried with backoff */
        p->restart_at = tt_mono_ns() + (uint64_t)p->backoff_ms * 1000000u;
        p->down_since_ms = (uint64_t)tt_mono_ms();
    }
    c->name = "program";
    c->priv = p;
    c->write = prog_write;
    c->flush = prog_flush;
    c->reopen = prog_reopen;
    c->close = prog_close;
    return 0;
}
