/* Events lost in the ring, reported two ways.
 *
 * Falco's syscall_event_drops, as Falco does it: once a second (wall clock) the drop delta is
 * compared with the event delta; above `threshold`, and within the `rate`/`max_burst` token
 * bucket, the actions run (log, alert: "Falco internal: syscall event drop", exit).
 *
 * Tartan's guarantee on top: every drop that no `alert` action covered (the ratio stayed under
 * the threshold, the bucket was empty, or the actions have no alert) becomes a `tamper` event
 * with technique `events_dropped` and the count, while some rule can match syscall events
 * (then a lost event may be a lost alert). The first one is raised at once, later ones at most
 * every DROPS_REPORT_INTERVAL_MS carrying everything since; what is left is raised when the
 * stream ends or the engine stops. The ring keeps the count the alerts covered, so an engine
 * that takes over a ring reports what its predecessor had not, and drops from before the first
 * engine attached. */
#ifndef ENGINE_DROPS_H
#define ENGINE_DROPS_H

#include <stdint.h>

#define DROPS_REPORT_INTERVAL_MS 10000

struct engine_config;
struct outputs;
struct pipeline;
struct source;

struct drops {
    uint64_t last_wall, last_prod, last_drop, tok_ns;
    double tokens;
    uint64_t pending;       /* drops no alert covered yet */
    uint64_t pending_since; /* wall time the oldest of them was seen */
    uint64_t last_report;   /* monotonic time of the last events_dropped */
    int before_attach;      /* pending holds drops from before this engine attached */
    int exit;               /* the exit action fired */
};

/* Where the drop reports go (the configuration and outputs change on reload). */
struct drops_sink {
    const struct engine_config *cfg;
    struct outputs *out;
    struct pipeline *pl;
    int self_tamper; /* raise events_dropped (test switch no-self-tamper clears it) */
};

void drops_start(struct drops *d, const struct engine_config *cfg);
/* A ring was attached: the per-second deltas start from its counters; drops that no alert has
 * covered yet (the previous engine's, or before any engine) become pending. */
void drops_attached(struct drops *d, struct source *src);
/* Once a second: Falco's check and actions, then the events_dropped report. Returns 1 when the
 * exit action fired. */
int drops_check(struct drops *d, const struct drops_sink *k, struct source *src);
/* Reports whatever is pending now (end of stream, shutdown). */
void drops_flush(struct drops *d, const struct drops_sink *k, struct source *src);

#endif
