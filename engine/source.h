/* Event sources for the engine: the tracer's shared-memory ring (default) or a capture file
 * (-e). One interface so the main loop does not care which. */
#ifndef ENGINE_SOURCE_H
#define ENGINE_SOURCE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "tt_event.h"

struct source;

/* Opens a capture file. NULL with a reason in err. */
struct source *source_open_capture(const char *path, char *err, size_t n);
/* One attempt of source_open_ring, waiting at most wait_ms for the ring: NULL with the reason in
 * err ("" while no ring exists) when it is not there yet; the caller retries. *logged tells
 * whether the "waiting" line was logged already. */
struct source *source_try_ring(int key, int wait_ms, int *logged, char *err, size_t n);

/* 1: *ev is the next event (valid until source_release); 0: nothing within timeout_ms;
 * -1: end of stream; -2: the ring's integrity failed, reading goes on (err set; the kind from
 * tt_ring_problem on source_ring_handle). */
int source_next(struct source *s, const struct tt_event **ev, int timeout_ms, char *err, size_t n);
void source_release(struct source *s, const struct tt_event *ev);
/* Drop counters (ring only): 1 if available. */
int source_counters(struct source *s, uint64_t *produced, uint64_t *dropped);
struct tt_ring_stats;
/* The ring's counters and liveness (ring only): 1 if available. */
int source_ring_stats(struct source *s, struct tt_ring_stats *out);
int source_is_ring(const struct source *s);
/* The ring under a ring source (NULL for a capture): integrity, takeover, drop reporting. */
struct tt_ring *source_ring_handle(struct source *s);
void source_close(struct source *s);

#endif
