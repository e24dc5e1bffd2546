/* The logshipper's event queue at its exact bounds: byte counts of 26 + message per event, an
 * event that fills memory to the byte fits, batches cut at their count, byte and time-span
 * limits (the first event always taken), the lost-events notice put first, the spool taking
 * over in order and its bound dropping the oldest (memory first), a spool that cannot be
 * written (counted, the event kept in memory), the time the oldest event has waited, and the
 * wake-ups of the sender and of a reader waiting for room. */
#include "tt_test.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ls_queue.h"
#include "ls_spool.h"
#include "tt_time.h"

/* An event whose message is `len` bytes of 'x' followed by nothing, number n in ts. */
static struct ls_event *ev(int64_t ts, uint32_t len)
{
    struct ls_event *e = malloc(sizeof *e + len);
    memset(e->msg, 'x', len);
    e->len = len;
    e->notice = 0;
    e->ts = ts;
    e->next = NULL;
    return e;
}

static uint64_t list_bytes(const struct ls_event *e)
{
    uint64_t b = 0;
    for (; e; e = e->next)
        b += e->len + LS_EVENT_OVERHEAD;
    return b;
}

/* Timestamps of the events in memory, "1 2 3". */
static const char *mem_ts(const struct ls_queue *q)
{
    static char b[512];
    size_t o = 0;
    b[0] = '\0';
    for (const struct ls_event *e = q->head; e && o < sizeof b - 24; e = e->next)
        o += (size_t)snprintf(b + o, sizeof b - o, o ? " %lld" : "%lld", (long long)e->ts);
    return b;
}

TT_TEST(memory_bound_counts_26_bytes_per_event)
{
    struct ls_queue q;
    TT_CHECK(ls_queue_init(&q, 100, NULL, 0) == 0);
    ls_queue_push(&q, ev(1, 24)); /* 50 */
    ls_queue_push(&q, ev(2, 24)); /* 100: exactly the bound, fits */
    TT_CHECK_INT(q.count, 2);
    TT_CHECK_INT(q.bytes, 100);
    TT_CHECK_INT(q.dropped, 0);
    TT_CHECK(q.tail && q.tail->ts == 2 && q.head->ts == 1);
    ls_queue_push(&q, ev(3, 0)); /* 26 more: the oldest goes */
    TT_CHECK_STR(mem_ts(&q), "2 3");
    TT_CHECK_INT(q.bytes, 76);
    TT_CHECK_INT(q.dropped, 1);
    TT_CHECK_INT(q.dropped_unreported, 1);
    ls_queue_push(&q, ev(4, 74)); /* 100 alone: everything else goes */
    TT_CHECK_STR(mem_ts(&q), "4");
    TT_CHECK_INT(q.bytes, 100);
    TT_CHECK_INT(q.dropped, 3);
    ls_queue_push(&q, ev(5, 200)); /* larger than the bound: kept alone all the same */
    TT_CHECK_STR(mem_ts(&q), "5");
    TT_CHECK_INT(q.bytes, 226);
    TT_CHECK_INT(q.count, 1);
    TT_CHECK_INT(ls_queue_pending_locked(&q), 1);
    ls_queue_destroy(&q);
}

TT_TEST(batches_cut_at_count_bytes_and_span)
{
    struct ls_queue q;
    TT_CHECK(ls_queue_init(&q, 1 << 20, NULL, 0) == 0);
    for (int i = 0; i < 6; i++)
        ls_queue_push(&q, ev(1000 + i * 100, 4)); /* 30 bytes each, 100 ms apart */
    pthread_mutex_lock(&q.mu);
    struct ls_event *l;
    TT_CHECK_INT(ls_queue_take_locked(&q, 2, 1 << 20, 100000, &l), 2);
    TT_CHECK(l && l->ts == 1000 && l->next && l->next->ts == 1100 && !l->next->next);
    ls_event_list_free(l);
    TT_CHECK_INT(q.count, 4);
    TT_CHECK_INT(q.bytes, 120);
    /* bytes: 60 is exactly two */
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 60, 100000, &l), 2);
    TT_CHECK_INT(list_bytes(l), 60);
    ls_event_list_free(l);
    /* span: 100 ms between the two is exactly the span */
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 1 << 20, 99, &l), 1);
    ls_event_list_free(l);
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 1 << 20, 100, &l), 1);
    TT_CHECK(l && l->ts == 1500);
    ls_event_list_free(l);
    TT_CHECK(q.head == NULL && q.tail == NULL);
    TT_CHECK_INT(q.count, 0);
    TT_CHECK_INT(q.bytes, 0);
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 1 << 20, 100, &l), 0);
    TT_CHECK(l == NULL);
    pthread_mutex_unlock(&q.mu);
    /* the first event is taken even when larger than the byte limit */
    ls_queue_push(&q, ev(1, 500));
    ls_queue_push(&q, ev(2, 1));
    pthread_mutex_lock(&q.mu);
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 100, 100, &l), 1);
    TT_CHECK(l && l->len == 500);
    ls_event_list_free(l);
    /* a batch of one keeps the tail right for the next push */
    TT_CHECK_INT(ls_queue_take_locked(&q, 1, 100, 100, &l), 1);
    ls_event_list_free(l);
    pthread_mutex_unlock(&q.mu);
    ls_queue_push(&q, ev(3, 1));
    ls_queue_push(&q, ev(4, 1));
    TT_CHECK_STR(mem_ts(&q), "3 4");
    ls_queue_destroy(&q);
}

TT_TEST(notice_put_before_everything)
{
    struct ls_queue q;
    TT_CHECK(ls_queue_init(&q, 1 << 20, NULL, 0) == 0);
    pthread_mutex_lock(&q.mu);
    ls_queue_push_front_locked(&q, ev(9, 4)); /* into an empty queue */
    pthread_mutex_unlock(&q.mu);
    TT_CHECK_INT(q.count, 1);
    TT_CHECK_INT(q.bytes, 30);
    TT_CHECK(q.tail == q.head);
    ls_queue_push(&q, ev(10, 4));
    TT_CHECK_STR(mem_ts(&q), "9 10");
    pthread_mutex_lock(&q.mu);
    ls_queue_push_front_locked(&q, ev(8, 2));
    pthread_mutex_unlock(&q.mu);
    TT_CHECK_STR(mem_ts(&q), "8 9 10");
    TT_CHECK_INT(q.count, 3);
    TT_CHECK_INT(q.bytes, 88);
    TT_CHECK(q.tail->ts == 10);
    ls_queue_destroy(&q);
}

static char *mkspool(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/ls-unit-bounds-XXXXXX");
    return mkdtemp(dir);
}

TT_TEST(spool_takes_over_in_order_and_drops_oldest_past_its_bound)
{
    char *dir = mkspool();
    struct ls_spool *sp = ls_spool_open(dir);
    struct ls_queue q;
    TT_CHECK(sp && ls_queue_init(&q, 60, sp, 90) == 0); /* memory: 2 events; spool: 3 */
    if (!sp)
        return;
    for (int i = 1; i <= 2; i++)
        ls_queue_push(&q, ev(i, 4));
    TT_CHECK_INT(ls_spool_count(sp), 0);
    ls_queue_push(&q, ev(3, 4)); /* memory full: to the spool */
    ls_queue_push(&q, ev(4, 4)); /* the spool has records: to the spool, to keep the order */
    TT_CHECK_STR(mem_ts(&q), "1 2");
    TT_CHECK_INT(ls_spool_count(sp), 2);
    TT_CHECK_INT(ls_spool_bytes(sp), 60);
    ls_queue_push(&q, ev(5, 4)); /* 90: the spool's bound exactly */
    TT_CHECK_INT(q.dropped, 0);
    ls_queue_push(&q, ev(6, 4)); /* 120 > 90: the oldest (memory) goes, the spool refills it */
    TT_CHECK_INT(q.dropped, 1);
    TT_CHECK_INT(q.dropped_unreported, 1);
    TT_CHECK_STR(mem_ts(&q), "2 3");
    TT_CHECK_INT(ls_spool_count(sp), 3);
    TT_CHECK_INT(ls_queue_pending_locked(&q), 5);
    /* everything comes back in order, refilled from the spool as memory empties */
    pthread_mutex_lock(&q.mu);
    struct ls_event *l;
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 1 << 20, 100000, &l), 5);
    int64_t want = 2;
    for (struct ls_event *e = l; e; e = e->next)
        if (e->ts != want++)
            TT_FAILF("event %lld out of order", (long long)e->ts);
    ls_event_list_free(l);
    pthread_mutex_unlock(&q.mu);
    TT_CHECK_INT(ls_queue_pending_locked(&q), 0);
    ls_queue_destroy(&q);
    ls_spool_close(sp);
    rmdir(dir);
}

TT_TEST(room_freed_by_a_batch_does_not_pass_spooled_events)
{
    /* memory: 3 events; a batch of one leaves room there while one older event waits in the
     * spool: the next event goes behind it, not into memory ahead of it */
    char *dir = mkspool();
    struct ls_spool *sp = ls_spool_open(dir);
    struct ls_queue q;
    TT_CHECK(sp && ls_queue_init(&q, 90, sp, 1 << 20) == 0);
    if (!sp)
        return;
    for (int i = 1; i <= 4; i++)
        ls_queue_push(&q, ev(i, 4));
    TT_CHECK_INT(ls_spool_count(sp), 1);
    pthread_mutex_lock(&q.mu);
    struct ls_event *l;
    TT_CHECK_INT(ls_queue_take_locked(&q, 1, 1 << 20, 100000, &l), 1);
    pthread_mutex_unlock(&q.mu);
    ls_event_list_free(l);
    TT_CHECK_INT(ls_spool_count(sp), 1);
    ls_queue_push(&q, ev(5, 4));
    pthread_mutex_lock(&q.mu);
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 1 << 20, 100000, &l), 4);
    pthread_mutex_unlock(&q.mu);
    int64_t want = 2;
    for (struct ls_event *e = l; e; e = e->next)
        if (e->ts != want++)
            TT_FAILF("event %lld out of order", (long long)e->ts);
    ls_event_list_free(l);
    ls_queue_destroy(&q);
    ls_spool_close(sp);
    rmdir(dir);
}

TT_TEST(an_event_pushed_again_ends_the_list)
{
    /* an event that was in a batch still points to the next one: the queue does not follow */
    struct ls_queue q;
    TT_CHECK(ls_queue_init(&q, 1 << 20, NULL, 0) == 0);
    TT_CHECK_INT(q.full_events, 10000); /* a full PutLogEvents batch wakes the sender */
    TT_CHECK_INT(q.full_bytes, 1048576);
    ls_queue_push(&q, ev(1, 4));
    ls_queue_push(&q, ev(2, 4));
    pthread_mutex_lock(&q.mu);
    struct ls_event *l;
    TT_CHECK_INT(ls_queue_take_locked(&q, 2, 1 << 20, 100000, &l), 2);
    pthread_mutex_unlock(&q.mu);
    struct ls_event *second = l->next;
    ls_queue_push(&q, l); /* its next still points to the second */
    TT_CHECK_INT(q.count, 1);
    TT_CHECK(q.head == l && l->next == NULL);
    free(second);
    ls_queue_destroy(&q);
}

TT_TEST(spool_bound_with_memory_empty_drops_spooled_records)
{
    /* --queue-bytes 0: no room in memory at all, everything goes through the spool and is
     * still delivered, one record at a time */
    char *dir = mkspool();
    struct ls_spool *sp = ls_spool_open(dir);
    struct ls_queue q;
    TT_CHECK(sp && ls_queue_init(&q, 0, sp, 60) == 0);
    if (!sp)
        return;
    ls_queue_push(&q, ev(1, 4));
    ls_queue_push(&q, ev(2, 4)); /* 60: the spool's bound */
    TT_CHECK_INT(q.dropped, 0);
    TT_CHECK_STR(mem_ts(&q), "");
    ls_queue_push(&q, ev(3, 4)); /* 90 > 60: memory is empty, the spool's oldest goes */
    TT_CHECK_INT(q.dropped, 1);
    TT_CHECK_INT(q.dropped_unreported, 1);
    ls_queue_push(&q, ev(4, 4));
    TT_CHECK_INT(q.dropped, 2);
    TT_CHECK_INT(ls_spool_count(sp), 2);
    TT_CHECK_INT(ls_spool_bytes(sp), 60);
    pthread_mutex_lock(&q.mu);
    struct ls_event *l;
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 1 << 20, 100000, &l), 2);
    TT_CHECK(l && l->ts == 3 && l->next && l->next->ts == 4);
    ls_event_list_free(l);
    pthread_mutex_unlock(&q.mu);
    TT_CHECK_INT(ls_queue_pending_locked(&q), 0);
    ls_queue_destroy(&q);
    ls_spool_close(sp);
    rmdir(dir);
}

TT_TEST(a_spool_that_cannot_be_written_keeps_events_in_memory)
{
    char *dir = mkspool();
    struct ls_spool *sp = ls_spool_open(dir);
    TT_CHECK(sp != NULL);
    if (!sp)
        return;
    TT_CHECK(rmdir(dir) == 0); /* its segments cannot be created any more */
    struct ls_queue q;
    TT_CHECK(ls_queue_init(&q, 60, sp, 1 << 20) == 0);
    ls_queue_push(&q, ev(1, 4));
    ls_queue_push(&q, ev(2, 4));
    ls_queue_push(&q, ev(3, 4));
    TT_CHECK_INT(q.spool_errors, 1);
    TT_CHECK_STR(mem_ts(&q), "2 3"); /* memory's bound applies instead */
    TT_CHECK_INT(q.dropped, 1);
    TT_CHECK_INT(ls_spool_count(sp), 0);
    ls_queue_destroy(&q);
    ls_spool_close(sp);
}

TT_TEST(oldest_wait_starts_when_the_queue_fills)
{
    struct ls_queue q;
    TT_CHECK(ls_queue_init(&q, 1 << 20, NULL, 0) == 0);
    int64_t t0 = tt_mono_ms();
    ls_queue_push(&q, ev(1, 4));
    int64_t since = q.since_ms;
    TT_CHECK(since >= t0 && since <= tt_mono_ms());
    usleep(20000);
    ls_queue_push(&q, ev(2, 4)); /* not empty before: unchanged */
    TT_CHECK_INT(q.since_ms, since);
    pthread_mutex_lock(&q.mu);
    struct ls_event *l;
    int64_t t1 = tt_mono_ms();
    TT_CHECK_INT(ls_queue_take_locked(&q, 1, 1 << 20, 100000, &l), 1); /* one left: restarts */
    ls_event_list_free(l);
    TT_CHECK(q.since_ms >= t1 && q.since_ms > since);
    int64_t s2 = q.since_ms;
    usleep(20000);
    TT_CHECK_INT(ls_queue_take_locked(&q, 1, 1 << 20, 100000, &l), 1); /* empty: unchanged */
    ls_event_list_free(l);
    TT_CHECK_INT(q.since_ms, s2);
    pthread_mutex_unlock(&q.mu);
    ls_queue_destroy(&q);
}

/* ---- wake-ups ---- */

struct waiter {
    struct ls_queue *q;
    pthread_cond_t *cv;
    int woken; /* 1 woken, 0 timed out */
    volatile int ready;
};

static void *wait_on(void *arg)
{
    struct waiter *w = arg;
    pthread_mutex_lock(&w->q->mu);
    w->ready = 1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += 20;
    w->woken = pthread_cond_timedwait(w->cv, &w->q->mu, &ts) == 0;
    pthread_mutex_unlock(&w->q->mu);
    return NULL;
}

/* Starts a thread waiting on cv; returns once it waits (it holds the lock until then). */
static void start_waiter(pthread_t *t, struct waiter *w)
{
    w->ready = 0;
    w->woken = -1;
    pthread_create(t, NULL, wait_on, w);
    while (!w->ready)
        usleep(1000);
    pthread_mutex_lock(&w->q->mu); /* taken only once the waiter sleeps in timedwait */
    pthread_mutex_unlock(&w->q->mu);
}

TT_TEST(sender_woken_when_the_queue_fills_or_a_batch_is_full)
{
    struct ls_queue q;
    TT_CHECK(ls_queue_init(&q, 1 << 20, NULL, 0) == 0);
    q.full_events = 3;
    q.full_bytes = 1 << 20;
    struct waiter w = {&q, &q.cond, -1, 0};
    pthread_t t;
    start_waiter(&t, &w);
    ls_queue_push(&q, ev(1, 4)); /* was empty */
    pthread_join(t, NULL);
    TT_CHECK_INT(w.woken, 1);
    ls_queue_push(&q, ev(2, 4));
    start_waiter(&t, &w);
    ls_queue_push(&q, ev(3, 4)); /* 3 events: a full batch */
    pthread_join(t, NULL);
    TT_CHECK_INT(w.woken, 1);
    q.full_events = 1000;
    q.full_bytes = 150; /* 4 x 30 = 120, 5 x 30 = 150 */
    ls_queue_push(&q, ev(4, 4));
    start_waiter(&t, &w);
    ls_queue_push(&q, ev(5, 4));
    pthread_join(t, NULL);
    TT_CHECK_INT(w.woken, 1);
    start_waiter(&t, &w);
    ls_queue_reader_done(&q);
    pthread_join(t, NULL);
    TT_CHECK_INT(w.woken, 1);
    TT_CHECK_INT(q.reader_done, 1);
    start_waiter(&t, &w);
    ls_queue_close(&q, 12345);
    pthread_join(t, NULL);
    TT_CHECK_INT(w.woken, 1);
    TT_CHECK_INT(q.closing, 1);
    TT_CHECK_INT(q.deadline_ms, 12345);
    TT_CHECK_INT(q.abort_at_ms, 12345);
    ls_queue_close(&q, 99999); /* the first deadline stays */
    TT_CHECK_INT(q.deadline_ms, 12345);
    TT_CHECK_INT(q.abort_at_ms, 12345);
    ls_queue_destroy(&q);
}

TT_TEST(reader_waits_for_room_until_space_an_outage_or_the_deadline)
{
    struct ls_queue q;
    TT_CHECK(ls_queue_init(&q, 60, NULL, 0) == 0);
    TT_CHECK_INT(ls_queue_wait_room(&q, 1000, 0), 1); /* empty: always room */
    ls_queue_push(&q, ev(1, 4));
    TT_CHECK_INT(ls_queue_wait_room(&q, 30, 0), 1); /* 60: exactly the bound */
    TT_CHECK_INT(ls_queue_wait_room(&q, 31, 0), 0);
    ls_queue_push(&q, ev(9, 4)); /* 60: full */
    TT_CHECK_INT(ls_queue_wait_room(&q, 30, 0), 0);
    pthread_mutex_lock(&q.mu);
    struct ls_event *l0;
    ls_queue_take_locked(&q, 1, 1 << 20, 1000, &l0);
    pthread_mutex_unlock(&q.mu);
    ls_event_list_free(l0);
    int64_t t0 = tt_mono_ms();
    TT_CHECK_INT(ls_queue_wait_room(&q, 31, 50), 0); /* waits its timeout */
    TT_CHECK(tt_mono_ms() - t0 >= 45);
    ls_queue_set_outage(&q, 1); /* deliveries failing: drop instead of waiting */
    TT_CHECK_INT(ls_queue_wait_room(&q, 31, 0), 1);
    ls_queue_set_outage(&q, 1);
    TT_CHECK_INT(q.outage, 1);
    ls_queue_set_outage(&q, 0);
    TT_CHECK_INT(ls_queue_wait_room(&q, 31, 0), 0);
    /* a waiting reader is woken when a batch frees room */
    struct waiter w = {&q, &q.space, -1, 0};
    pthread_t t;
    start_waiter(&t, &w);
    pthread_mutex_lock(&q.mu);
    struct ls_event *l;
    ls_queue_take_locked(&q, 1, 1 << 20, 1000, &l);
    pthread_mutex_unlock(&q.mu);
    ls_event_list_free(l);
    pthread_join(t, NULL);
    TT_CHECK_INT(w.woken, 1);
    ls_queue_push(&q, ev(2, 4));
    start_waiter(&t, &w);
    ls_queue_set_outage(&q, 1); /* and when an outage starts */
    pthread_join(t, NULL);
    TT_CHECK_INT(w.woken, 1);
    ls_queue_set_outage(&q, 0);
    /* closing: room once the deadline has come, not before */
    ls_queue_close(&q, tt_mono_ms() + 100000);
    TT_CHECK_INT(ls_queue_wait_room(&q, 31, 0), 0);
    q.deadline_ms = tt_mono_ms() - 1;
    TT_CHECK_INT(ls_queue_wait_room(&q, 31, 0), 1);
    q.deadline_ms = tt_mono_ms(); /* the same millisecond: it has come */
    TT_CHECK_INT(ls_queue_wait_room(&q, 31, 0), 1);
    ls_queue_destroy(&q);
    /* a reader already waiting is woken by the close */
    TT_CHECK(ls_queue_init(&q, 60, NULL, 0) == 0);
    ls_queue_push(&q, ev(1, 4));
    w.q = &q;
    w.cv = &q.space;
    start_waiter(&t, &w);
    ls_queue_close(&q, 0);
    pthread_join(t, NULL);
    TT_CHECK_INT(w.woken, 1);
    ls_queue_destroy(&q);
}

int main(void)
{
    return tt_run_all();
}
