/* The launcher's engine watchdog. A background command that reads the foreground's event ring
 * (the engine reading the tracer's ring) and whose reading thread stops (SIGSTOPped, hung) is
 * noticed through the ring's consumer heartbeat and stopped (SIGCONT and SIGTERM, SIGKILL after
 * LAUNCHER_WATCHDOG_GRACE_MS), so that the normal restart takes over and the new engine resumes the
 * ring where the old one stopped (the ring keeps the backlog; what overflowed is counted and
 * reported by the new engine). A crashed one needs no watchdog: it is restarted as any background
 * command that exits early. */
#ifndef LAUNCHER_WATCHDOG_H
#define LAUNCHER_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LAUNCHER_WATCH_PERIOD_MS 1000LL
/* Between the watchdog's SIGTERM to a stalled command and its SIGKILL. */
#define LAUNCHER_WATCHDOG_GRACE_MS 3000LL

struct ring_watch {
    long stall_ms;        /* 0: the watchdog is off */
    int shmid;            /* the ring watched, -1 until found */
    pid_t consumer;       /* its consumer when last seen, 0 if none of ours */
    uint32_t beats;       /* its heartbeat then */
    long long changed_ms; /* when the heartbeat last moved */
    long long next_ms;    /* next check */
};

void ring_watch_init(struct ring_watch *w, long stall_ms);
/* When the next check is due (monotonic ms), -1 when off. */
long long ring_watch_due(const struct ring_watch *w);
/* Checks, if due, the ring created by the foreground fg. Returns the index of the background
 * command (bg[i] is its pid, 0 when not running) whose consumer (*consumer: the process reading
 * the ring, that command or one of its session) has stalled, with a one-line description in
 * desc; -1 otherwise. */
int ring_watch_check(struct ring_watch *w, pid_t fg, const pid_t *bg, size_t nbg, long long now,
                     pid_t *consumer, char *desc, size_t n);

#endif
