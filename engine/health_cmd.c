/* `engine --health`: the container health check. Needs no shell, no curl, no network: the same
 * static binary reads the status file the running engine rewrites every second, judges it, and
 * checks what the file claims against the process table and the ring. One line on stdout; exit 0
 * healthy, 1 not (ECS healthCheck, Kubernetes exec probe). docs/operations.md. */
#include "health_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "health.h"
#include "tt_io.h"
#include "tt_ring.h"
#include "tt_time.h"

#define STATUS_MAX (64 * 1024)
#define FUTURE_SLACK_MS 5000

static int say(FILE *out, int healthy, const char *text)
{
    fprintf(out, "%s: %s\n", healthy ? "healthy" : "unhealthy", text);
    fflush(out);
    return healthy ? 0 : 1;
}

/* The status file, read without following a link, as long as it is a small regular file. */
static char *read_status(const char *path, struct stat *st, char *why, size_t n)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, n,
                 "no engine status at %s (%s): the engine is not running here, or it writes "
                 "elsewhere (tartan.health.status_file / TARTAN_STATUS_FILE must match)",
                 path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_size > STATUS_MAX) {
        snprintf(why, n, "%s is not a status file (not a regular file of at most %d bytes)", path,
                 STATUS_MAX);
        close(fd);
        return NULL;
    }
    size_t len = 0;
    char *text = tt_read_fd(fd, STATUS_MAX, &len);
    close(fd);
    if (!text)
        snprintf(why, n, "cannot read %s: %s", path, strerror(errno));
    return text;
}

/* What only an outside observer can check: the engine named in the file is alive, runs this
 * binary and owns the file. 0 fine, -1 with the reason. */
static int check_process(const struct health_sample *s, const struct stat *fst, char *why, size_t n)
{
    if (s->pid <= 0 || (kill(s->pid, 0) != 0 && errno == ESRCH)) {
        snprintf(why, n, "engine gone: pid %d from the status file is not running", s->pid);
        return -1;
    }
    char proc[64];
    struct stat pst, self, exe;
    /* a stopped engine (SIGSTOP, a debugger) reads nothing, whatever its file says */
    snprintf(proc, sizeof proc, "/proc/%d/stat", s->pid);
    char st[512];
    int fd = open(proc, O_RDONLY | O_CLOEXEC);
    ssize_t len = fd >= 0 ? read(fd, st, sizeof st - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (len > 0) {
        st[len] = '\0';
        const char *rp = strrchr(st, ')'); /* the state follows the command name */
        char state = rp && rp[1] == ' ' ? rp[2] : '?';
        if (state == 'T' || state == 't' || state == 'Z' || state == 'X') {
            snprintf(why, n, "engine %s: pid %d is in state %c",
                     state == 'Z' || state == 'X' ? "gone" : "stopped", s->pid, state);
            return -1;
        }
    }
    snprintf(proc, sizeof proc, "/proc/%d", s->pid);
    if (stat(proc, &pst) == 0 && pst.st_uid != fst->st_uid) {
        snprintf(why, n,
                 "status file not written by the engine: owned by uid %u, pid %d runs as uid %u",
                 (unsigned)fst->st_uid, s->pid, (unsigned)pst.st_uid);
        return -1;
    }
    snprintf(proc, sizeof proc, "/proc/%d/exe", s->pid);
    /* unreadable (another user, no /proc): nothing to compare. An engine the launcher started
     * runs from an in-memory copy of its file (tt_spawn's nondumpable): that copy's size. */
    char link[64] = "";
    ssize_t ln = readlink(proc, link, sizeof link - 1);
    int copy = ln > 0 && strncmp(link, "/memfd:", 7) == 0;
    if (stat(proc, &exe) == 0 && stat("/proc/self/exe", &self) == 0 &&
        (copy ? exe.st_size != self.st_size
              : exe.st_dev != self.st_dev || exe.st_ino != self.st_ino)) {
        snprintf(why, n, "pid %d from the status file does not run this engine binary", s->pid);
        return -1;
    }
    return 0;
}

/* The ring the engine says it reads: it exists, that engine consumes it, its tracer lives. */
static int check_ring(const struct health_sample *s, char *why, size_t n)
{
    if (s->ring_state != HEALTH_RING_ATTACHED)
        return 0;
    char err[256] = "";
    struct tt_ring *r = tt_ring_observe(s->ring_key, err, sizeof err);
    if (!r) {
        if (errno == EACCES || errno == EPERM)
            return 0; /* not ours to look at (another uid): the engine's own account stands */
        snprintf(why, n, "the engine reports ring 0x%x attached, but it cannot be observed: %s",
                 (unsigned)s->ring_key, err);
        return -1;
    }
    struct tt_ring_stats rs;
    tt_ring_get_stats(r, &rs);
    tt_ring_detach(r);
    if (!rs.consumer_attached || (int)rs.consumer_pid != s->pid) {
        snprintf(why, n, "ring 0x%x is not consumed by the engine (pid %d): its consumer is %s%u",
                 (unsigned)s->ring_key, s->pid, rs.consumer_attached ? "pid " : "gone, was pid ",
                 (unsigned)rs.consumer_pid);
        return -1;
    }
    if (!rs.producer_alive && !rs.producer_done) {
        snprintf(why, n, "tracer gone: the producer of ring 0x%x (pid %u) is dead",
                 (unsigned)s->ring_key, (unsigned)rs.producer_pid);
        return -1;
    }
    return 0;
}

int health_probe(const struct engine_config *cfg, FILE *out)
{
    char path[512], why[1200];
    config_status_path(&cfg->ops, cfg->ring_key, path, sizeof path);
    struct stat fst;
    char *text = read_status(path, &fst, why, sizeof why);
    if (!text)
        return say(out, 0, why);
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    free(text);
    struct health_sample s;
    char err[200] = "";
    int bad = !j || health_from_json(j, &s, err, sizeof err) != 0;
    json_decref(j);
    if (bad) {
        snprintf(why, sizeof why, "unreadable engine status %s: %s", path,
                 err[0] ? err : jerr.text);
        return say(out, 0, why);
    }
    int64_t now = (int64_t)(tt_wall_ns() / 1000000u);
    int64_t age = now - s.wall_ms;
    if (age > (int64_t)s.limits.stall_s * 1000 || age < -FUTURE_SLACK_MS) {
        int alive = s.pid > 0 && !(kill(s.pid, 0) != 0 && errno == ESRCH);
        snprintf(why, sizeof why,
                 "engine stalled: its status is %lld s old (pid %d %s; limit %ld s, "
                 "tartan.health.stall_seconds)",
                 (long long)(age / 1000), s.pid, alive ? "alive but not updating it" : "gone",
                 s.limits.stall_s);
        return say(out, 0, why);
    }
    if (check_process(&s, &fst, why, sizeof why) || check_ring(&s, why, sizeof why))
        return say(out, 0, why);
    char verdict[512];
    int ok = health_evaluate(&s, verdict, sizeof verdict);
    return say(out, ok, verdict);
}
