/* The launcher's engine watchdog (see watchdog.h). */
#include "watchdog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "procs.h"
#include "tt_log.h"
#include "tt_ring.h"

void ring_watch_init(struct ring_watch *w, long stall_ms)
{
    memset(w, 0, sizeof *w);
    w->stall_ms = stall_ms;
    w->shmid = -1;
}

long long ring_watch_due(const struct ring_watch *w)
{
    return w->stall_ms > 0 ? w->next_ms : -1;
}

/* The segment the foreground created (the tracer's ring, whatever its key): from
 * /proc/sysvipc/shm, whose creator pids are in our pid namespace. Otherwise (no /proc, or the
 * foreground is a wrapper that started the tracer) the key the tracer and engine read from
 * TT_RING_KEY, or the default: whichever it is, only a consumer that is one of our background
 * commands is ever acted on. */
static int find_ring(pid_t fg)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    if (f) {
        char line[512];
        int found = -1;
        while (found < 0 && fgets(line, sizeof line, f)) {
            long long key, id, perms, size, cpid;
            if (sscanf(line, "%lld %lld %llo %lld %lld", &key, &id, &perms, &size, &cpid) == 5 &&
                cpid == fg)
                found = (int)id;
        }
        fclose(f);
        if (found >= 0)
            return found;
    }
    int key = TT_RING_DEFAULT_KEY;
    const char *k = getenv("TT_RING_KEY");
    if (k && *k && tt_ring_parse_key(k, &key) != 0)
        key = TT_RING_DEFAULT_KEY;
    return shmget(key, 0, 0);
}

/* Index of the background command the consumer belongs to: the command itself, or a process
 * of its session (each background command leads its own). */
static int owner(pid_t consumer, const pid_t *bg, size_t nbg)
{
    pid_t sid = launcher_proc_session(consumer);
    for (size_t i = 0; i < nbg; i++)
        if (bg[i] > 0 && (bg[i] == consumer || bg[i] == sid))
            return (int)i;
    return -1;
}

int ring_watch_check(struct ring_watch *w, pid_t fg, const pid_t *bg, size_t nbg, long long now,
                     pid_t *consumer, char *desc, size_t n)
{
    if (w->stall_ms <= 0 || now < w->next_ms)
        return -1;
    w->next_ms = now + LAUNCHER_WATCH_PERIOD_MS;
    struct tt_ring_health h;
    char why[256];
    if (w->shmid < 0)
        w->shmid = find_ring(fg);
    if (w->shmid < 0 || tt_ring_peek_health(w->shmid, &h, why, sizeof why) != 0) {
        w->shmid = -1;
        w->consumer = 0;
        return -1;
    }
    int i = h.consumer_attached && h.heartbeat && h.consumer_pid
                ? owner((pid_t)h.consumer_pid, bg, nbg)
                : -1;
    if (i < 0) {
        w->consumer = 0;
        return -1;
    }
    if ((pid_t)h.consumer_pid != w->consumer || h.beats != w->beats) {
        w->consumer = (pid_t)h.consumer_pid;
        w->beats = h.beats;
        w->changed_ms = now;
        return -1;
    }
    long long quiet = now - w->changed_ms;
    if (quiet < w->stall_ms)
        return -1;
    char state = launcher_proc_state(w->consumer);
    snprintf(desc, n,
             "has not read the event ring for %lld.%llds (consumer pid %d, %s; %llu events "
             "waiting, %llu dropped so far)",
             quiet / 1000, (quiet % 1000) / 100, (int)w->consumer,
             state == 'T' || state == 't' ? "stopped by a signal"
             : state                      ? "running but not reading: hung"
                                          : "state unknown",
             (unsigned long long)(h.produced - h.dropped - h.consumed),
             (unsigned long long)h.dropped);
    *consumer = w->consumer;
    w->consumer = 0;
    return i;
}
