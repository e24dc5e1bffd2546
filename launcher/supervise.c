/* The launcher's supervision loop.
 *
 * All signals the launcher cares about are blocked and read from a signalfd in one poll loop,
 * so no work happens in signal handlers and a signal that arrives during startup is simply
 * queued until the foreground command exists. Each wake-up runs, in this order:
 *   1. forward the signals read to the foreground command;
 *   2. reap every child that has exited (waitpid(-1) until nothing is left);
 *   3. if the foreground has exited, start the shutdown (this cancels pending restarts, so a
 *      background command can never be restarted once shutdown has begun);
 *   4. while running, restart background commands whose backoff delay has passed;
 *   5. while shutting down, SIGTERM the remaining children once the background commands are
 *      gone, SIGKILL everything at the deadline, and leave when no child is left.
 *
 * Phases: RUNNING (foreground alive) -> STOPPING (SIGTERM sent, grace period running) ->
 * KILLING (SIGKILL sent, waiting for the last reaps, bounded by LAUNCHER_KILL_WAIT_MS). */
#include "supervise.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procs.h"
#include "tt_log.h"
#include "tt_spawn.h"
#include "watchdog.h"
#include "tt_time.h"
#include "tt_signals.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Forwarded to the foreground command; everything else in the blocked set is not. */
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

struct bg_cmd {
    char **argv;
    char exe[PATH_MAX];
    pid_t pid;               /* 0 when not running */
    long long started_ms;    /* when the current run started */
    long long restart_at_ms; /* pending restart time, -1 if none */
    long long kill_at_ms;    /* watchdog: SIGKILL at this time if still running, -1 if none */
    pid_t stalled;           /* watchdog: the stalled consumer (this command or its session's) */
    long long next_delay_ms; /* delay before the next restart */
};

enum phase { PH_RUNNING, PH_STOPPING, PH_KILLING };

struct sup {
    const struct launcher_config *cfg;
    struct tt_sigsave sigsave;
    int sigfd;
    int pid1;
    char fg_exe[PATH_MAX];
    pid_t fg_pid;
    int fg_running;
    int fg_status; /* wait status */
    int fg_failed; /* could not even be forked */
    struct bg_cmd *bgs;
    size_t nbg;
    enum phase phase;
    long long deadline_ms;
    int orphans_termed; /* second SIGTERM round (after the background commands) done */
    pid_t *termed;      /* orphans already sent SIGTERM: each gets it once */
    size_t ntermed, captermed;
    int no_children;         /* last waitpid said ECHILD */
    struct ring_watch watch; /* the engine watchdog */
    pid_t *bg_pids;          /* scratch for it: the background commands' pids */
};

long long launcher_next_backoff(long long delay_ms)
{
    long long next = delay_ms * 2;
    return next > LAUNCHER_BACKOFF_MAX_MS ? LAUNCHER_BACKOFF_MAX_MS : next;
}

/* Resolves a command; on failure logs one line and returns its exit status (126/127). */
static int resolve(const char *what, char **argv, char *exe, size_t exesz)
{
    int err = tt_spawn_resolve(argv[0], getenv("PATH"), exe, exesz);
    if (!err)
        return 0;
    if (err == ENOENT && !strchr(argv[0], '/'))
        tt_error("%s '%s': command not found in PATH", what, argv[0]);
    else if (err == ENOENT)
        tt_error("%s '%s': no such file", what, argv[0]);
    else
        tt_error("%s '%s': cannot execute: %s", what, argv[0], strerror(err));
    return tt_spawn_errno_status(err);
}

static void start_bg(struct sup *s, size_t i, long long now)
{
    struct bg_cmd *b = &s->bgs[i];
    struct tt_spawn_opts o = {
        .exe = b->exe,
        .argv = b->argv,
        .sigsave = &s->sigsave,
        .isolation = TT_SPAWN_NEW_SESSION,
        .nondumpable = 1, /* (the engine: never dumpable, also when restarted) */
    };
    int exec_err;
    b->restart_at_ms = -1;
    b->kill_at_ms = -1;
    b->started_ms = now;
    pid_t pid = tt_spawn(&o, &exec_err);
    if (pid < 0) {
        tt_error("background command %zu '%s': cannot start: %s", i + 1, b->argv[0],
                 strerror(errno));
        if (s->cfg->restart) {
            b->restart_at_ms = now + b->next_delay_ms;
            b->next_delay_ms = launcher_next_backoff(b->next_delay_ms);
        }
        return;
    }
    b->pid = pid;
    if (exec_err)
        tt_error("background command %zu '%s': cannot execute %s: %s", i + 1, b->argv[0], b->exe,
                 strerror(exec_err));
    else
        tt_debug("background command %zu '%s' started, pid %d", i + 1, b->argv[0], (int)pid);
}

static void bg_exited(struct sup *s, size_t i, int st, long long now)
{
    struct bg_cmd *b = &s->bgs[i];
    char desc[96];
    int pid = (int)b->pid;
    tt_spawn_describe_status(st, desc, sizeof desc);
    b->pid = 0;
    b->kill_at_ms = -1;
    if (s->phase != PH_RUNNING || !s->fg_running) {
        /* at shutdown a failure status is worth seeing: the engine exits 3 when alerts were
         * not delivered */
        int failed = WIFEXITED(st) && WEXITSTATUS(st) != 0;
        tt_log(failed ? TT_LOG_WARN : TT_LOG_DEBUG,
               "background command %zu '%s' (pid %d) ended: %s", i + 1, b->argv[0], pid, desc);
        return;
    }
    long long ran = now - b->started_ms;
    if (ran >= LAUNCHER_BACKOFF_RESET_MS)
        b->next_delay_ms = LAUNCHER_BACKOFF_MIN_MS;
    if (!s->cfg->restart) {
        tt_warn("background command %zu '%s' (pid %d) exited early after %lld.%llds: %s; not "
                "restarting (restarts disabled)",
                i + 1, b->argv[0], pid, ran / 1000, (ran % 1000) / 100, desc);
        return;
    }
    b->restart_at_ms = now + b->next_delay_ms;
    tt_warn("background command %zu '%s' (pid %d) exited early after %lld.%llds: %s; "
            "restarting in %llds",
            i + 1, b->argv[0], pid, ran / 1000, (ran % 1000) / 100, desc, b->next_delay_ms / 1000);
    b->next_delay_ms = launcher_next_backoff(b->next_delay_ms);
}

static void child_exited(struct sup *s, pid_t pid, int st, long long now)
{
    if (s->fg_running && pid == s->fg_pid) {
        char desc[96];
        s->fg_running = 0;
        s->fg_status = st;
        tt_debug("foreground command exited with %s",
                 tt_spawn_describe_status(st, desc, sizeof desc));
        return;
    }
    for (size_t i = 0; i < s->nbg; i++) {
        if (s->bgs[i].pid == pid) {
            bg_exited(s, i, st, now);
            return;
        }
    }
    tt_debug("reaped pid %d", (int)pid);
}

/* The engine watchdog: a background command that stopped reading the foreground's event ring
 * is stopped (SIGCONT and SIGTERM, so that it drains what it can and its outputs deliver what
 * they hold; SIGKILL after LAUNCHER_WATCHDOG_GRACE_MS); the restart below brings it back and
 * it resumes the ring. */
static void watch_engine(struct sup *s, long long now)
{
    for (size_t i = 0; i < s->nbg; i++) {
        struct bg_cmd *b = &s->bgs[i];
        if (b->pid > 0 && b->kill_at_ms >= 0 && now >= b->kill_at_ms) {
            tt_warn("background command %zu '%s' (pid %d) still running %lld ms after SIGTERM: "
                    "SIGKILL",
                    i + 1, b->argv[0], (int)b->pid, LAUNCHER_WATCHDOG_GRACE_MS);
            if (b->stalled > 0 && b->stalled != b->pid)
                (void)kill(b->stalled, SIGKILL);
            (void)kill(b->pid, SIGKILL);
            b->kill_at_ms = -1;
        }
    }
    for (size_t i = 0; i < s->nbg; i++)
        s->bg_pids[i] = s->bgs[i].pid;
    char desc[256];
    pid_t consumer = 0;
    int i = ring_watch_check(&s->watch, s->fg_pid, s->bg_pids, s->nbg, now, &consumer, desc,
                             sizeof desc);
    if (i < 0)
        return;
    struct bg_cmd *b = &s->bgs[i];
    if (b->kill_at_ms >= 0)
        return; /* already being stopped */
    tt_error("background command %d '%s' (pid %d) %s; stopping it (SIGTERM, SIGKILL after "
             "%lld ms) so that it restarts and resumes the ring",
             i + 1, b->argv[0], (int)b->pid, desc, LAUNCHER_WATCHDOG_GRACE_MS);
    b->stalled = consumer;
    b->kill_at_ms = now + LAUNCHER_WATCHDOG_GRACE_MS;
    /* Not its group: its log shipper reads to EOF and delivers what it has. */
    pid_t who[2] = {consumer, b->pid};
    for (int k = 0; k < 2; k++) {
        if (who[k] <= 0 || (k == 1 && who[1] == who[0]))
            continue;
        (void)kill(who[k], SIGCONT);
        (void)kill(who[k], SIGTERM);
    }
}

/* Reaps every exited child. Statuses are collected in batches and the foreground's is handled
 * first, so a background command that ended in the same instant counts as part of the shutdown
 * (not as an early exit to restart). */
static void reap(struct sup *s)
{
    struct {
        pid_t pid;
        int st;
    } got[64];
    for (;;) {
        size_t n = 0;
        int more = 1;
        while (n < sizeof got / sizeof got[0]) {
            int st;
            pid_t pid = waitpid(-1, &st, WNOHANG);
            if (pid > 0) {
                got[n].pid = pid;
                got[n++].st = st;
                continue;
            }
            if (pid < 0 && errno == EINTR)
                continue;
            if (pid < 0 && errno != ECHILD)
                tt_error("waitpid: %s", strerror(errno));
            s->no_children = pid < 0;
            more = 0;
            break;
        }
        long long now = tt_mono_ms();
        for (size_t i = 0; i < n; i++)
            if (s->fg_running && got[i].pid == s->fg_pid)
                child_exited(s, got[i].pid, got[i].st, now);
        for (size_t i = 0; i < n; i++)
            if (got[i].pid != s->fg_pid)
                child_exited(s, got[i].pid, got[i].st, now);
        if (!more)
            return;
    }
}

/* Skip filter for the SIGTERM rounds: background commands get their own SIGTERM, and an
 * orphan already sent one is skipped. Records every pid it lets through. */
static int skip_or_record(void *ctx, pid_t pid)
{
    struct sup *s = ctx;
    for (size_t i = 0; i < s->nbg; i++)
        if (s->bgs[i].pid == pid)
            return 1;
    for (size_t i = 0; i < s->ntermed; i++)
        if (s->termed[i] == pid)
            return 1;
    if (s->ntermed == s->captermed) {
        size_t cap = s->captermed ? s->captermed * 2 : 64;
        pid_t *t = realloc(s->termed, cap * sizeof *t);
        if (!t)
            return 0; /* cannot remember it: it may get a second SIGTERM */
        s->termed = t;
        s->captermed = cap;
    }
    s->termed[s->ntermed++] = pid;
    return 0;
}

static void term_orphans(struct sup *s)
{
    int n = launcher_signal_children(getpid(), SIGTERM, skip_or_record, s);
    if (n < 0)
        tt_debug("cannot scan /proc: orphans get SIGKILL at the deadline only");
    else if (n > 0)
        tt_debug("sent SIGTERM to %d orphaned process(es)", n);
}

/* SIGKILL to every background command's process group and to every other descendant. */
static void kill_all(struct sup *s)
{
    for (size_t i = 0; i < s->nbg; i++) {
        if (s->bgs[i].pid > 0) {
            (void)kill(-s->bgs[i].pid, SIGKILL); /* its session's process group */
            (void)kill(s->bgs[i].pid, SIGKILL);
        }
    }
    if (s->pid1)
        (void)kill(-1, SIGKILL); /* PID 1 of a namespace: everything else in it */
    else
        (void)launcher_signal_children(getpid(), SIGKILL, NULL, NULL);
}

static void begin_stop(struct sup *s, long long now)
{
    char desc[96];
    size_t running = 0;
    s->phase = PH_STOPPING;
    s->deadline_ms = now + s->cfg->grace_ms;
    for (size_t i = 0; i < s->nbg; i++) {
        s->bgs[i].restart_at_ms = -1; /* a pending restart never happens */
        if (s->bgs[i].pid > 0) {
            running++;
            if (kill(s->bgs[i].pid, SIGTERM) != 0 && errno != ESRCH)
                tt_warn("kill(%d, SIGTERM): %s", (int)s->bgs[i].pid, strerror(errno));
            (void)kill(s->bgs[i].pid, SIGCONT); /* a stopped engine still drains and delivers */
        }
    }
    tt_debug("foreground exited with %s; stopping %zu background command(s), grace %ld ms",
             tt_spawn_describe_status(s->fg_status, desc, sizeof desc), running, s->cfg->grace_ms);
}

static int bgs_running(const struct sup *s)
{
    for (size_t i = 0; i < s->nbg; i++)
        if (s->bgs[i].pid > 0)
            return 1;
    return 0;
}

static void forward(struct sup *s, int sig)
{
    if (!s->fg_running) {
        tt_debug("signal %d not forwarded: foreground command has exited", sig);
        return;
    }
    if (kill(s->fg_pid, sig) != 0)
        tt_warn("forwarding signal %d to pid %d: %s", sig, (int)s->fg_pid, strerror(errno));
    else
        tt_debug("forwarded signal %d to pid %d", sig, (int)s->fg_pid);
}

static void drain_signals(struct sup *s)
{
    struct signalfd_siginfo si[16];
    for (;;) {
        ssize_t n = read(s->sigfd, si, sizeof si);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                tt_error("reading signalfd: %s", strerror(errno));
            return;
        }
        for (size_t k = 0; k < (size_t)n / sizeof si[0]; k++) {
            int sig = (int)si[k].ssi_signo;
            for (size_t f = 0; f < sizeof forwarded / sizeof forwarded[0]; f++)
                if (forwarded[f] == sig)
                    forward(s, sig);
        }
        if ((size_t)n < sizeof si)
            return;
    }
}

/* Milliseconds poll() may sleep: until the next restart or deadline; -1 for no limit. */
static int poll_timeout(const struct sup *s, long long now)
{
    long long until = -1;
    if (s->phase == PH_RUNNING) {
        for (size_t i = 0; i < s->nbg; i++) {
            long long t = s->bgs[i].restart_at_ms;
            if (t >= 0 && (until < 0 || t < until))
                until = t;
        }
        long long w = ring_watch_due(&s->watch);
        if (w >= 0 && (until < 0 || w < until))
            until = w;
        for (size_t i = 0; i < s->nbg; i++) {
            long long k = s->bgs[i].pid > 0 ? s->bgs[i].kill_at_ms : -1;
            if (k >= 0 && (until < 0 || k < until))
                until = k;
        }
    } else if (s->phase == PH_STOPPING) {
        until = s->deadline_ms;
    } else {
        until = now + 100; /* KILLING: rescan for children re-parented to us meanwhile */
    }
    if (until < 0)
        return -1;
    long long d = until - now;
    if (d < 0)
        d = 0;
    return d > INT_MAX ? INT_MAX : (int)d;
}

/* One pass of the ordered steps described at the top. Returns 1 when the launcher is done. */
static int step(struct sup *s)
{
    reap(s);
    long long now = tt_mono_ms();
    if (s->phase == PH_RUNNING && !s->fg_running) {
        begin_stop(s, now);
        reap(s); /* bring no_children up to date */
        if (!s->no_children)
            term_orphans(s); /* first round: whatever the workload left behind */
    }
    if (s->phase == PH_RUNNING) {
        for (size_t i = 0; i < s->nbg; i++)
            if (s->bgs[i].pid == 0 && s->bgs[i].restart_at_ms >= 0 &&
                s->bgs[i].restart_at_ms <= now)
                start_bg(s, i, now);
        if (s->fg_running)
            watch_engine(s, now);
        return 0;
    }
    if (s->no_children)
        return 1;
    if (s->phase == PH_STOPPING) {
        if (!bgs_running(s) && !s->orphans_termed) {
            s->orphans_termed = 1;
            term_orphans(s);
        }
        if (now >= s->deadline_ms) {
            size_t n = 0;
            for (size_t i = 0; i < s->nbg; i++)
                n += s->bgs[i].pid > 0;
            tt_warn("grace period of %ld.%03lds over: sending SIGKILL (%zu background "
                    "command(s) still running)",
                    s->cfg->grace_ms / 1000, s->cfg->grace_ms % 1000, n);
            kill_all(s);
            s->phase = PH_KILLING;
            s->deadline_ms = now + LAUNCHER_KILL_WAIT_MS;
        }
        return 0;
    }
    /* PH_KILLING */
    if (now >= s->deadline_ms) {
        tt_warn("processes still left %lld ms after SIGKILL; exiting anyway",
                LAUNCHER_KILL_WAIT_MS);
        return 1;
    }
    kill_all(s);
    return 0;
}

static int setup_signals(struct sup *s)
{
    int sigs[sizeof forwarded / sizeof forwarded[0] + 5];
    size_t n = 0;
    for (size_t f = 0; f < sizeof forwarded / sizeof forwarded[0]; f++)
        sigs[n++] = forwarded[f];
    sigs[n++] = SIGCHLD;
    sigs[n++] = SIGPIPE; /* a closed stderr must not kill the launcher */
    /* Terminal job control must not stop the launcher (a workload with the terminal could
     * make a log write raise SIGTTOU): blocked, they are neither raised nor acted on. */
    sigs[n++] = SIGTTOU;
    sigs[n++] = SIGTTIN;
    sigs[n++] = SIGTSTP;
    s->sigfd = tt_signalfd_open(sigs, n, 1, &s->sigsave);
    if (s->sigfd < 0) {
        tt_error("cannot read signals through a signalfd: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int start_fg(struct sup *s)
{
    struct tt_spawn_opts o = {
        .exe = s->fg_exe,
        .argv = s->cfg->fg,
        .sigsave = &s->sigsave,
        .isolation = TT_SPAWN_NEW_GROUP,
        .take_tty = 1,
    };
    int exec_err;
    pid_t pid = tt_spawn(&o, &exec_err);
    if (pid < 0) {
        tt_error("foreground command '%s': cannot start: %s", s->cfg->fg[0], strerror(errno));
        return -1;
    }
    s->fg_pid = pid;
    s->fg_running = 1;
    if (exec_err)
        tt_error("foreground command '%s': cannot execute %s: %s", s->cfg->fg[0], s->fg_exe,
                 strerror(exec_err));
    return 0;
}

static int run_loop(struct sup *s)
{
    struct pollfd pfd = {.fd = s->sigfd, .events = POLLIN};
    for (;;) {
        drain_signals(s);
        if (step(s))
            break;
        int r = poll(&pfd, 1, poll_timeout(s, tt_mono_ms()));
        if (r < 0 && errno != EINTR) {
            tt_error("poll: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

int launcher_run(const struct launcher_config *cfg)
{
    struct sup s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.sigfd = -1;
    s.nbg = cfg->nbg;
    int status = LAUNCHER_EXIT_USAGE;
    if (s.nbg && (!(s.bgs = calloc(s.nbg, sizeof *s.bgs)) ||
                  !(s.bg_pids = calloc(s.nbg, sizeof *s.bg_pids)))) {
        free(s.bgs);
        tt_error("out of memory");
        return status;
    }
    int rc = resolve("foreground command", cfg->fg, s.fg_exe, sizeof s.fg_exe);
    for (size_t i = 0; i < s.nbg && !rc; i++) {
        char what[48];
        snprintf(what, sizeof what, "background command %zu", i + 1);
        rc = resolve(what, cfg->bg[i], s.bgs[i].exe, sizeof s.bgs[i].exe);
    }
    if (rc) {
        free(s.bgs);
        free(s.bg_pids);
        return rc;
    }
    ring_watch_init(&s.watch, s.nbg ? cfg->stall_ms : 0);
    if (setup_signals(&s) < 0)
        goto out;
    s.pid1 = getpid() == 1;
    /* PID 1 of a container gets a session and process group of its own, so that no signal
     * sent to a group or session reaches it along with others (runc does this already; other
     * runtimes and `unshare --pid` leave PID 1 in its parent's). Not with a terminal on stdin:
     * that would lose the terminal the foreground command is given. */
    if (s.pid1 && getsid(0) != 1 && !isatty(STDIN_FILENO) && setsid() < 0)
        tt_warn("setsid: %s; the launcher shares its process group with its parent",
                strerror(errno));
    if (!s.pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        tt_warn("PR_SET_CHILD_SUBREAPER: %s; orphans will not be reaped", strerror(errno));
    long long now = tt_mono_ms();
    for (size_t i = 0; i < s.nbg; i++) {
        s.bgs[i].argv = cfg->bg[i];
        s.bgs[i].next_delay_ms = LAUNCHER_BACKOFF_MIN_MS;
        start_bg(&s, i, now);
    }
    /* If the foreground cannot be forked, the loop shuts the background commands down. */
    s.fg_failed = start_fg(&s) < 0;
    if (run_loop(&s) < 0)
        goto out;
    status = tt_spawn_exit_code(s.fg_status);
    if (status < 0 || s.fg_failed)
        status = LAUNCHER_EXIT_USAGE;
out:
    if (s.sigfd >= 0)
        close(s.sigfd);
    free(s.bgs);
    free(s.bg_pids);
    free(s.termed);
    return status;
}
