/* The engine's side of the health check: a sample every second (ring counters and liveness, drop
 * window, program output delivery), its verdict, the status file for `engine --health`, and the
 * verdict for the webserver's /healthz (docs/operations.md). Called from the event thread only,
 * except health_mon_verdict (any thread). */
#ifndef ENGINE_HEALTH_MON_H
#define ENGINE_HEALTH_MON_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"

struct engine_config;
struct outputs;
struct source;

struct health_mon;

/* The status file goes to config_status_path(); ring_key is the ring the engine reads. */
struct health_mon *health_mon_new(const struct engine_config *cfg);
/* A reload may change the limits (not the file or the ring key). */
void health_mon_set_limits(struct health_mon *m, const struct engine_config *cfg);
/* Ring life: an attach attempt failed (why: "" while no ring exists), attached, ended (src
 * still open: its producer finished, or died without closing the ring). */
void health_mon_ring_waiting(struct health_mon *m, const char *why);
void health_mon_ring_attached(struct health_mon *m);
void health_mon_ring_ended(struct health_mon *m, struct source *src);
/* At most once a second: sample, judge, rewrite the status file. src may be NULL (waiting). */
void health_mon_tick(struct health_mon *m, struct source *src, struct outputs *out, uint64_t events,
                     uint64_t alerts);
/* The last verdict (1 healthy) and its age in ms; text gets the one-line reason. -1 before the
 * first sample. Thread-safe. */
int health_mon_verdict(struct health_mon *m, char *text, size_t n, int64_t *age_ms);
/* Removes the status file (the engine is gone: the probe says so rather than read a stale
 * file) and frees. */
void health_mon_free(struct health_mon *m);

#endif
