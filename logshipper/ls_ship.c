/* Sender thread. */
#include "ls_ship.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ls_json.h"
#include "tt_log.h"
#include "tt_time.h"

#define DAY_MS (24LL * 3600 * 1000)

int64_t ls_backoff_ms(int attempt, int64_t base, int64_t cap, long retry_after_ms, double u)
{
    int64_t ceil = base;
    for (int i = 0; i < attempt && ceil < cap; i++)
        ceil *= 2;
    if (ceil > cap)
        ceil = cap;
    int64_t d = (int64_t)(u * (double)ceil);
    if (retry_after_ms >= 0) {
        int64_t ra = retry_after_ms;
        if (ra > cap + 5000)
            ra = cap + 5000;
        if (ra > d)
            d = ra;
    }
    return d;
}

int ls_put_body(struct ls_buf *b, const char *group, const char *stream,
                const struct ls_event *list)
{
    ls_buf_reset(b);
    if (ls_buf_adds(b, "{\"logGroupName\":\"") < 0 || ls_json_escape(b, group, strlen(group)) < 0 ||
        ls_buf_adds(b, "\",\"logStreamName\":\"") < 0 ||
        ls_json_escape(b, stream, strlen(stream)) < 0 || ls_buf_adds(b, "\",\"logEvents\":[") < 0)
        return -1;
    for (const struct ls_event *e = list; e; e = e->next) {
        /* Hand-formatted: this runs for every event. */
        char num[32], *p = num + sizeof num;
        unsigned long long v = e->ts < 0 ? 0 : (unsigned long long)e->ts;
        do {
            *--p = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        if ((e != list && ls_buf_addc(b, ',') < 0) || ls_buf_adds(b, "{\"timestamp\":") < 0 ||
            ls_buf_add(b, p, (size_t)(num + sizeof num - p)) < 0 ||
            ls_buf_adds(b, ",\"message\":\"") < 0 || ls_json_escape(b, e->msg, e->len) < 0 ||
            ls_buf_adds(b, "\"}") < 0)
            return -1;
    }
    return ls_buf_adds(b, "]}");
}

static int closing_now(struct ls_shipper *s, int64_t *deadline)
{
    pthread_mutex_lock(&s->q->mu);
    int c = s->q->closing;
    *deadline = s->q->deadline_ms;
    pthread_mutex_unlock(&s->q->mu);
    return c;
}

/* Sleep ms, cut short by the shutdown deadline (but never below floor_ms, a server's
 * x-amz-retry-after). Returns 0, or -1 when the deadline passed. */
static int pause_ms(struct ls_shipper *s, int64_t ms, int64_t floor_ms)
{
    int64_t start = tt_mono_ms();
    int64_t until = start + ms;
    pthread_mutex_lock(&s->q->mu);
    for (;;) {
        int64_t now = tt_mono_ms();
        if (s->q->closing) {
            if (now >= s->q->deadline_ms) {
                pthread_mutex_unlock(&s->q->mu);
                return -1;
            }
            /* While shutting down, retry at least every 500 ms until the deadline. */
            if (until > now + 500 && until > start + floor_ms)
                until = now + 500 > start + floor_ms ? now + 500 : start + floor_ms;
            if (until > s->q->deadline_ms)
                until = s->q->deadline_ms;
        }
        if (now >= until)
            break;
        struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
        pthread_cond_timedwait(&s->q->cond, &s->q->mu, &ts);
    }
    pthread_mutex_unlock(&s->q->mu);
    return 0;
}

/* Per-request timeout: the configured one, shortened to what is left before the deadline. */
static long request_timeout(struct ls_shipper *s)
{
    int64_t deadline;
    int64_t t = s->timeout_ms;
    if (closing_now(s, &deadline)) {
        int64_t left = deadline - tt_mono_ms();
        if (left < t)
            t = left;
        if (t < 200)
            t = 200;
    }
    return (long)t;
}

static enum ls_outcome simple_call(struct ls_shipper *s, const char *op, struct ls_cwl_result *r)
{
    ls_buf_reset(&s->body);
    if (ls_buf_adds(&s->body, "{\"logGroupName\":\"") < 0 ||
        ls_json_escape(&s->body, s->group, strlen(s->group)) < 0)
        return LS_OTHER;
    if (!strcmp(op, "CreateLogStream")) {
        if (ls_buf_adds(&s->body, "\",\"logStreamName\":\"") < 0 ||
            ls_json_escape(&s->body, s->stream, strlen(s->stream)) < 0 ||
            ls_buf_adds(&s->body, "\"}") < 0)
            return LS_OTHER;
    } else if (!strcmp(op, "PutRetentionPolicy")) {
        if (ls_buf_printf(&s->body, "\",\"retentionInDays\":%d}", s->retention_days) < 0)
            return LS_OTHER;
    } else if (ls_buf_adds(&s->body, "\"}") < 0) {
        return LS_OTHER;
    }
    return ls_cwl_call(s->cwl, op, s->body.p, s->body.len, request_timeout(s), r);
}

/* CreateLogStream; on a missing group CreateLogGroup (when allowed), then the stream again.
 * Returns LS_OK or the outcome that stopped it (r describes it). */
static enum ls_outcome ensure_stream(struct ls_shipper *s, struct ls_cwl_result *r)
{
    enum ls_outcome o = simple_call(s, "CreateLogStream", r);
    if (o == LS_NOTFOUND) {
        if (!s->create_group) {
            tt_error("log group %s does not exist (creating it is disabled)", s->group);
            return o;
        }
        o = simple_call(s, "CreateLogGroup", r);
        if (o == LS_DENIED) {
            tt_error("log group %s is missing and creating it was denied: %s", s->group,
                     r->message);
            return o;
        }
        if (o != LS_OK && o != LS_EXISTS)
            return o;
        if (o == LS_OK) {
            tt_info("created log group %s", s->group);
            s->group_created = 1;
        }
        o = simple_call(s, "CreateLogStream", r);
    }
    if (o != LS_OK && o != LS_EXISTS)
        return o;
    s->stream_ready = 1;
    /* Retention goes with the group logshipper created: a group made beforehand keeps the
     * retention its owner chose (a sample task definition must not shorten a year to 30 days). */
    if (s->retention_days > 0 && s->group_created && !s->retention_done) {
        struct ls_cwl_result rr;
        enum ls_outcome ro = simple_call(s, "PutRetentionPolicy", &rr);
        if (ro == LS_OK) {
            tt_info("log group %s: events expire after %d days", s->group, s->retention_days);
            s->retention_done = 1;
        } else if (ro != LS_THROTTLED && ro != LS_TRANSIENT) {
            tt_warn("could not set retention on %s: %s %s (logs:PutRetentionPolicy is needed on "
                    "the group; the group never expires meanwhile)",
                    s->group, rr.code, rr.message);
            s->retention_done = 1;
        }
    }
    return LS_OK;
}

static long rejected_count(const struct ls_cwl_result *r, size_t n)
{
    long lo = 0, hi = (long)n; /* accepted range [lo, hi) */
    if (r->too_old_end > lo)
        lo = r->too_old_end;
    if (r->expired_end > lo)
        lo = r->expired_end;
    if (r->too_new_start >= 0 && r->too_new_start < hi)
        hi = r->too_new_start;
    if (lo > (long)n)
        lo = (long)n;
    return hi > lo ? (long)n - (hi - lo) : (long)n;
}

static void queue_notice(struct ls_shipper *s)
{
    pthread_mutex_lock(&s->q->mu);
    uint64_t lost = s->q->dropped_unreported;
    if (!lost) {
        pthread_mutex_unlock(&s->q->mu);
        return;
    }
    char msg[200];
    int n = snprintf(msg, sizeof msg,
                     "logshipper: %llu log events were lost (queue full while CloudWatch Logs "
                     "was unreachable)",
                     (unsigned long long)lost);
    struct ls_event *e = malloc(sizeof *e + (size_t)n);
    if (e) {
        memcpy(e->msg, msg, (size_t)n);
        e->len = (uint32_t)n;
        e->notice = 1;
        int64_t ts = s->q->head ? s->q->head->ts : tt_wall_ms();
        e->ts = ts < s->last_ts ? s->last_ts : ts;
        ls_queue_push_front_locked(s->q, e);
        s->q->dropped_unreported = 0;
        __atomic_fetch_add(&s->st.notices, 1, __ATOMIC_RELAXED);
        if (s->q->count == 1)
            s->q->since_ms = tt_mono_ms();
    }
    pthread_mutex_unlock(&s->q->mu);
}

static int is_notice(const struct ls_event *e)
{
    return e->notice != 0;
}

static size_t list_len(const struct ls_event *e)
{
    size_t n = 0;
    for (; e; e = e->next)
        n++;
    return n;
}

/* A failed attempt: start the failure clock (if it is not running) and keep the code for the
 * status records. */
static void note_failure(struct ls_shipper *s, const struct ls_cwl_result *r)
{
    int64_t zero = 0;
    int64_t now = tt_mono_ms();
    __atomic_compare_exchange_n(&s->fail_since_ms, &zero, now ? now : 1, 0, __ATOMIC_RELAXED,
                                __ATOMIC_RELAXED);
    pthread_mutex_lock(&s->q->mu);
    if (r->code[0])
        snprintf(s->last_error, sizeof s->last_error, "%.63s", r->code);
    else if (r->status > 0)
        snprintf(s->last_error, sizeof s->last_error, "HTTP%ld", r->status);
    else
        snprintf(s->last_error, sizeof s->last_error, "%s",
                 r->timed_out ? "Timeout" : "ConnectionError");
    pthread_mutex_unlock(&s->q->mu);
}

/* Deliver one batch; frees it. */
static void send_batch(struct ls_shipper *s, struct ls_event *list)
{
    size_t n = list_len(list);
    int attempt = 0, refreshed = 0, recreated = 0;
    unsigned long fails = 0;
    struct ls_cwl_result r;
    for (;;) {
        enum ls_outcome o = LS_OK;
        if (!s->stream_ready)
            o = ensure_stream(s, &r);
        if (o == LS_OK) {
            if (ls_put_body(&s->body, s->group, s->stream, list) < 0) {
                tt_error("out of memory building a batch of %zu events", n);
                o = LS_TRANSIENT;
                snprintf(r.code, sizeof r.code, "OutOfMemory");
                r.retry_after_ms = -1;
            } else {
                o = ls_cwl_call(s->cwl, "PutLogEvents", s->body.p, s->body.len, request_timeout(s),
                                &r);
            }
        }
        switch (o) {
        case LS_OK:
        case LS_EXISTS: {
            long rej = rejected_count(&r, n);
            if (rej) {
                tt_warn("CloudWatch Logs rejected %ld of %zu events (too new from %ld, too old "
                        "before %ld, expired before %ld)",
                        rej, n, r.too_new_start, r.too_old_end, r.expired_end);
            }
            size_t notices = 0;
            for (struct ls_event *e = list; e; e = e->next) {
                notices += is_notice(e);
                if (!e->next && e->ts > s->last_ts)
                    s->last_ts = e->ts;
            }
            __atomic_fetch_add(&s->st.rejected, (uint64_t)rej, __ATOMIC_RELAXED);
            uint64_t ok = (uint64_t)((long)n - rej);
            __atomic_fetch_add(&s->st.delivered, ok >= notices ? ok - notices : 0,
                               __ATOMIC_RELAXED);
            __atomic_fetch_add(&s->st.batches, 1, __ATOMIC_RELAXED);
            __atomic_store_n(&s->fail_since_ms, 0, __ATOMIC_RELAXED);
            __atomic_store_n(&s->last_ok_ms, tt_mono_ms(), __ATOMIC_RELAXED);
            ls_event_list_free(list);
            ls_queue_set_outage(s->q, 0);
            queue_notice(s);
            return;
        }
        case LS_NOTFOUND:
            if (s->stream_ready)
                tt_warn("log stream %s/%s is gone; creating it again", s->group, s->stream);
            s->stream_ready = 0;
            if (!recreated++)
                continue;
            break;
        case LS_AUTH:
            if (!refreshed) {
                const struct ls_creds *c;
                char err[256];
                refreshed = 1;
                tt_info("%s: refreshing credentials", r.code);
                if (ls_cred_chain_get(s->cwl->creds, 1, &c, err, sizeof err) < 0)
                    tt_warn("credential refresh failed: %s", err);
                continue;
            }
            break;
        case LS_INVALID:
            if (n > 1) {
                /* Never resend the same request: split it and try the halves. */
                struct ls_event *mid = list;
                for (size_t i = 1; i < n / 2; i++)
                    mid = mid->next;
                struct ls_event *second = mid->next;
                mid->next = NULL;
                tt_warn("InvalidParameterException for %zu events (%s); splitting", n, r.message);
                send_batch(s, list);
                send_batch(s, second);
                return;
            }
            tt_error("CloudWatch Logs refused an event: %s", r.message);
            __atomic_fetch_add(&s->st.rejected, 1, __ATOMIC_RELAXED);
            ls_event_list_free(list);
            return;
        default:
            break;
        }
        if (!s->stream_ready && attempt == 0 && o != LS_OK && o != LS_NOTFOUND &&
            o != LS_THROTTLED && o != LS_TRANSIENT)
            tt_warn("cannot prepare log stream %s/%s: %s %s", s->group, s->stream, r.code,
                    r.message);
        __atomic_fetch_add(&s->st.retries, 1, __ATOMIC_RELAXED);
        note_failure(s, &r);
        ls_queue_set_outage(s->q, 1);
        int64_t d = ls_backoff_ms(attempt, s->retry_base_ms, s->retry_cap_ms, r.retry_after_ms,
                                  (double)rand_r(&s->rng) / ((double)RAND_MAX + 1.0));
        if (attempt < 30)
            attempt++;
        /* The first failures at info; a failure that persists resurfaces as a warning at
         * attempts 8, 16, 32... so a long outage stays visible without flooding. */
        fails++;
        int loud = fails >= 8 && (fails & (fails - 1)) == 0;
        tt_log(fails <= 3 ? TT_LOG_INFO
               : loud     ? TT_LOG_WARN
                          : TT_LOG_DEBUG,
               "PutLogEvents of %zu events failed (%s, HTTP %ld%s%s), retry in %lld ms", n, r.code,
               r.status, r.message[0] ? ": " : "", r.message, (long long)d);
        if (pause_ms(s, d, r.retry_after_ms > 0 ? d : 0) < 0) {
            size_t notices = 0;
            for (struct ls_event *e = list; e; e = e->next)
                notices += is_notice(e);
            __atomic_fetch_add(&s->st.undelivered, n - notices, __ATOMIC_RELAXED);
            ls_event_list_free(list);
            return;
        }
    }
}

void *ls_ship_thread(void *arg)
{
    struct ls_shipper *s = arg;
    struct ls_queue *q = s->q;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        struct ls_event *list = NULL;
        for (;;) {
            uint64_t pending = ls_queue_pending_locked(q);
            int64_t now = tt_mono_ms();
            if (q->closing && ((pending == 0 && q->reader_done) || now >= q->deadline_ms))
                break;
            if (pending > 0 && (q->closing || pending >= s->max_batch_events ||
                                q->bytes >= s->max_batch_bytes || now - q->since_ms >= s->flush_ms))
                break;
            int64_t until = pending ? q->since_ms + s->flush_ms : now + 60000;
            if (q->closing && until > q->deadline_ms)
                until = q->deadline_ms;
            struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
            pthread_cond_timedwait(&q->cond, &q->mu, &ts);
        }
        size_t n = 0;
        if (ls_queue_pending_locked(q) > 0 && !(q->closing && tt_mono_ms() >= q->deadline_ms))
            n = ls_queue_take_locked(q, s->max_batch_events, s->max_batch_bytes, DAY_MS - 1, &list);
        if (n == 0) { /* done; main() counts what is left once the reader has stopped too */
            pthread_mutex_unlock(&q->mu);
            break;
        }
        pthread_mutex_unlock(&q->mu);
        send_batch(s, list);
    }
    return NULL;
}
