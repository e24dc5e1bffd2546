/* Bounded FIFO with disk overflow. Invariant: when the spool is not empty, it holds the newest
 * events and memory the oldest, so FIFO order is memory then spool. */
#include "ls_queue.h"

#include <stdlib.h>
#include <string.h>

#include "tt_log.h"
#include "tt_time.h"

int ls_queue_init(struct ls_queue *q, uint64_t mem_bound, struct ls_spool *spool,
                  uint64_t spool_bound)
{
    memset(q, 0, sizeof *q);
    pthread_condattr_t ca;
    if (pthread_mutex_init(&q->mu, NULL) != 0 || pthread_condattr_init(&ca) != 0)
        return -1;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&q->cond, &ca);
    if (rc == 0 && pthread_cond_init(&q->space, &ca) != 0) {
        pthread_cond_destroy(&q->cond);
        rc = -1;
    }
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return -1;
    q->mem_bound = mem_bound;
    q->spool = spool;
    q->spool_bound = spool_bound;
    q->full_events = 10000;
    q->full_bytes = 1048576;
    return 0;
}

void ls_event_list_free(struct ls_event *e)
{
    while (e) {
        struct ls_event *n = e->next;
        free(e);
        e = n;
    }
}

void ls_queue_destroy(struct ls_queue *q)
{
    ls_event_list_free(q->head);
    q->head = q->tail = NULL;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cond);
    pthread_cond_destroy(&q->space);
}

int ls_queue_wait_room(struct ls_queue *q, uint64_t sz, int64_t timeout_ms)
{
    int64_t until = tt_mono_ms() + timeout_ms;
    pthread_mutex_lock(&q->mu);
    int ok;
    for (;;) {
        ok = q->outage || q->count == 0 || q->bytes + sz <= q->mem_bound ||
             (q->closing && tt_mono_ms() >= q->deadline_ms);
        if (ok || tt_mono_ms() >= until)
            break;
        struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
        pthread_cond_timedwait(&q->space, &q->mu, &ts);
    }
    pthread_mutex_unlock(&q->mu);
    return ok;
}

void ls_queue_set_outage(struct ls_queue *q, int outage)
{
    pthread_mutex_lock(&q->mu);
    if (q->outage != outage) {
        q->outage = outage;
        pthread_cond_broadcast(&q->space);
    }
    pthread_mutex_unlock(&q->mu);
}

static void mem_append(struct ls_queue *q, struct ls_event *e)
{
    e->next = NULL;
    if (q->tail)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
    q->count++;
    q->bytes += e->len + LS_EVENT_OVERHEAD;
}

static void drop_head(struct ls_queue *q)
{
    struct ls_event *e = q->head;
    q->head = e->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    q->bytes -= e->len + LS_EVENT_OVERHEAD;
    free(e);
    q->dropped++;
    q->dropped_unreported++;
}

/* Move spool records into memory while they fit, and always one into an empty memory (as
 * push keeps an event larger than the bound): with --queue-bytes 0 the spool still drains. */
static void refill(struct ls_queue *q)
{
    while (q->spool && ls_spool_count(q->spool) > 0 && (q->bytes < q->mem_bound || !q->head)) {
        struct ls_event *e = ls_spool_pop(q->spool);
        if (!e)
            break;
        mem_append(q, e);
    }
}

uint64_t ls_queue_pending_locked(const struct ls_queue *q)
{
    return q->count + ls_spool_count(q->spool);
}

void ls_queue_push(struct ls_queue *q, struct ls_event *e)
{
    uint64_t sz = e->len + LS_EVENT_OVERHEAD;
    pthread_mutex_lock(&q->mu);
    int was_empty = ls_queue_pending_locked(q) == 0;
    if (was_empty)
        q->since_ms = tt_mono_ms();
    int spooled = 0;
    if (q->spool && (ls_spool_count(q->spool) > 0 || q->bytes + sz > q->mem_bound)) {
        if (ls_spool_append(q->spool, e) == 0) {
            spooled = 1;
            free(e);
            /* Past the spool bound: drop the oldest (memory head), pull spool records in. */
            while (ls_spool_bytes(q->spool) > q->spool_bound) {
                if (q->head) {
                    drop_head(q);
                    refill(q);
                } else {
                    struct ls_event *old = ls_spool_pop(q->spool);
                    if (!old)
                        break;
                    free(old);
                    q->dropped++;
                    q->dropped_unreported++;
                }
            }
        } else {
            q->spool_errors++;
        }
    }
    if (!spooled) {
        while (q->head && q->bytes + sz > q->mem_bound)
            drop_head(q);
        mem_append(q, e);
    }
    /* Wake the sender to start its flush timer, or because a batch is full. */
    if (was_empty || ls_queue_pending_locked(q) >= q->full_events || q->bytes >= q->full_bytes)
        pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

void ls_queue_reader_done(struct ls_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->reader_done = 1;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

void ls_queue_close(struct ls_queue *q, int64_t deadline_ms)
{
    pthread_mutex_lock(&q->mu);
    if (!q->closing) {
        q->closing = 1;
        q->deadline_ms = deadline_ms;
        __atomic_store_n(&q->abort_at_ms, deadline_ms, __ATOMIC_RELAXED);
    }
    pthread_cond_broadcast(&q->cond);
    pthread_cond_broadcast(&q->space);
    pthread_mutex_unlock(&q->mu);
}

size_t ls_queue_take_locked(struct ls_queue *q, size_t max_events, uint64_t max_bytes,
                            int64_t max_span_ms, struct ls_event **out)
{
    struct ls_event *first = NULL, *last = NULL;
    size_t n = 0;
    uint64_t bytes = 0;
    refill(q);
    while (q->head && n < max_events) {
        struct ls_event *e = q->head;
        uint64_t sz = e->len + LS_EVENT_OVERHEAD;
        if (n && (bytes + sz > max_bytes || e->ts - first->ts > max_span_ms))
            break;
        q->head = e->next;
        if (!q->head)
            q->tail = NULL;
        q->count--;
        q->bytes -= sz;
        e->next = NULL;
        if (last)
            last->next = e;
        else
            first = e;
        last = e;
        n++;
        bytes += sz;
        if (!q->head)
            refill(q);
    }
    if (ls_queue_pending_locked(q) > 0)
        q->since_ms = tt_mono_ms();
    if (n)
        pthread_cond_broadcast(&q->space);
    *out = first;
    return n;
}

void ls_queue_push_front_locked(struct ls_queue *q, struct ls_event *e)
{
    e->next = q->head;
    q->head = e;
    if (!q->tail)
        q->tail = e;
    q->count++;
    q->bytes += e->len + LS_EVENT_OVERHEAD;
}
