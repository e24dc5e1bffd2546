/* The engine's watch over its event stream and itself, raised as tamper events (tamper.h):
 * the ring's integrity problems (corrupt records, a gap in the counts, an end flag the
 * producer did not set, a producer gone without closing), the takeover of a ring whose
 * previous engine died or left, and a stall of the engine's own event loop (stopped by a
 * signal, starved), noticed when it runs again. */
#ifndef ENGINE_STREAM_GUARD_H
#define ENGINE_STREAM_GUARD_H

#include <stdint.h>

/* The event loop not running for this long is a stall (no legitimate step of the loop takes
 * more than a fraction of it: reads wait at most 100 ms, reloads are timed apart). */
#define GUARD_STALL_MS 5000

struct pipeline;
struct source;

struct stream_guard {
    struct pipeline *pl;
    int key;           /* the ring's key, to name it */
    int self_tamper;   /* raise tamper events (test switch no-self-tamper clears it) */
    uint64_t loop_ref; /* monotonic time the loop last ran */
};

void guard_init(struct stream_guard *g, struct pipeline *pl, int key, int self_tamper);
/* Just attached to a ring: report a takeover. */
void guard_attached(struct stream_guard *g, struct source *src);
/* source_next returned rc (-1 or -2) with err: report what the ring's integrity check found. */
void guard_problem(struct stream_guard *g, struct source *src, int rc, const char *err);
/* Top of each event-loop pass while attached (now: monotonic): report a stall. */
void guard_loop(struct stream_guard *g, struct source *src, uint64_t now);
/* The loop did something long on purpose (a reload, attaching): restart the stall clock. */
void guard_rearm(struct stream_guard *g, uint64_t now);

#endif
