/* The event queue between the reader and the sender: a FIFO in memory up to a byte bound, then
 * (optionally) on disk up to a second bound; past every bound the oldest events are dropped
 * and counted. */
#ifndef LS_QUEUE_H
#define LS_QUEUE_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ls_event.h"
#include "ls_spool.h"

struct ls_queue {
    pthread_mutex_t mu;
    pthread_cond_t cond;  /* CLOCK_MONOTONIC; wakes the sender */
    pthread_cond_t space; /* CLOCK_MONOTONIC; wakes a reader waiting for room */
    int outage;           /* set by the sender while deliveries fail */
    struct ls_event *head, *tail;
    uint64_t count, bytes; /* in memory; bytes = message + 26 per event */
    uint64_t mem_bound;
    struct ls_spool *spool; /* NULL when no spool directory */
    uint64_t spool_bound;
    uint64_t dropped, dropped_unreported, spool_errors;
    int64_t since_ms; /* monotonic time the oldest pending event was queued */
    int closing;
    int reader_done;                  /* no more pushes will come */
    int64_t deadline_ms;              /* monotonic; valid when closing */
    int64_t abort_at_ms;              /* the deadline once closing, else 0; read with atomics */
    uint64_t full_events, full_bytes; /* wake the sender when pending reaches these */
};

int ls_queue_init(struct ls_queue *q, uint64_t mem_bound, struct ls_spool *spool,
                  uint64_t spool_bound);
void ls_queue_destroy(struct ls_queue *q); /* frees queued events */

/* Reader side: append (takes ownership). */
void ls_queue_push(struct ls_queue *q, struct ls_event *e);
/* Back-pressure: while deliveries succeed, a reader waits for room instead of dropping. 1 when
 * an event of sz bytes may be pushed now (room, an outage, or shutdown), 0 after timeout_ms. */
int ls_queue_wait_room(struct ls_queue *q, uint64_t sz, int64_t timeout_ms);
/* Sender: mark deliveries failing (1) or working again (0). */
void ls_queue_set_outage(struct ls_queue *q, int outage);
/* The reader has pushed its last event. */
void ls_queue_reader_done(struct ls_queue *q);
/* Start the shutdown clock. */
void ls_queue_close(struct ls_queue *q, int64_t deadline_ms);

/* Sender side, called with q->mu held. */
uint64_t ls_queue_pending_locked(const struct ls_queue *q);
/* Detach the oldest events as a batch: at most max_events, sum of (len + 26) at most max_bytes,
 * newest - oldest timestamp at most max_span_ms. Returns the count; *out is the list. */
size_t ls_queue_take_locked(struct ls_queue *q, size_t max_events, uint64_t max_bytes,
                            int64_t max_span_ms, struct ls_event **out);
/* Put an event before everything else (the lost-events notice). */
void ls_queue_push_front_locked(struct ls_queue *q, struct ls_event *e);

void ls_event_list_free(struct ls_event *e);

#endif
