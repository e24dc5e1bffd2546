/* Alert fan-out: a bounded queue filled by the event thread (never blocking) and one output
 * thread writing each line to every enabled channel. Optional token bucket (outputs.rate /
 * outputs.max_burst) in front of the queue; internal alerts bypass it. */
#include "outputs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "tt_log.h"
#include "tt_time.h"

#define MAX_CHANNELS 5
#define UNBOUNDED_CAP (1u << 20) /* "capacity 0" still needs a ceiling against memory blowup */
#define TICK_MS 50
#define BUFFERED_MAX_MS 1000 /* buffered_outputs: flush at least this often under load */

struct qitem {
    struct qitem *next;
    unsigned mask; /* channels to write to (bit i: ch[i]); all for an alert */
    int priority;
    size_t len;
    char line[];
};

struct outputs {
    struct out_channel ch[MAX_CHANNELS];
    size_t nch;
    struct alert_fmt_opts fmt;
    char hostname[256];
    int buffered;
    long timeout_ms; /* output_timeout: a write slower than this is reported */
    int slow_logged[MAX_CHANNELS];

    pthread_mutex_t mu;
    pthread_cond_t cv_work; /* output thread waits for work */
    pthread_cond_t cv_done; /* flushers wait for progress */
    struct qitem *head, *tail;
    uint64_t qlen, cap;
    int stop, reopen;
    int abandon_slow; /* shutdown deadline passed: skip slow channels (atomic) */
    int drop_logged;
    pthread_t thr;
    int thr_started;

    /* token bucket (event thread only) */
    double rate, burst, tokens;
    uint64_t last_ns;

    struct outputs_stats st; /* under mu, except program/http counters (output thread) */
};

static void flush_all(struct outputs *o)
{
    for (size_t i = 0; i < o->nch; i++)
        if (o->ch[i].flush)
            o->ch[i].flush(&o->ch[i]);
}

static void *output_thread(void *arg)
{
    struct outputs *o = arg;
    uint64_t last_flush = tt_mono_ns();
    pthread_mutex_lock(&o->mu);
    for (;;) {
        while (!o->head && !o->stop && !o->reopen) {
            struct timespec ts = tt_deadline_ms(TICK_MS);
            int rc = pthread_cond_timedwait(&o->cv_work, &o->mu, &ts);
            if (rc == ETIMEDOUT) {
                /* periodic: let channels retry pending data, notice dead programs */
                pthread_mutex_unlock(&o->mu);
                flush_all(o);
                last_flush = tt_mono_ns();
                pthread_mutex_lock(&o->mu);
            }
        }
        if (o->reopen) {
            o->reopen = 0;
            pthread_mutex_unlock(&o->mu);
            for (size_t i = 0; i < o->nch; i++)
                if (o->ch[i].reopen)
                    o->ch[i].reopen(&o->ch[i]);
            pthread_mutex_lock(&o->mu);
            continue;
        }
        if (!o->head) {
            if (o->stop)
                break;
            continue;
        }
        struct qitem *it = o->head;
        o->head = it->next;
        if (!o->head)
            o->tail = NULL;
        o->qlen--;
        pthread_mutex_unlock(&o->mu);
        for (size_t i = 0; i < o->nch; i++) {
            if (!(it->mask & (1u << i)))
                continue;
            if (o->ch[i].slow && __atomic_load_n(&o->abandon_slow, __ATOMIC_ACQUIRE)) {
                __atomic_fetch_add(&o->st.abandoned, 1, __ATOMIC_RELAXED);
                continue;
            }
            uint64_t t0 = tt_mono_ns();
            o->ch[i].write(&o->ch[i], it->line, it->len, it->priority);
            if (!o->buffered && o->ch[i].flush)
                o->ch[i].flush(&o->ch[i]);
            uint64_t took_ms = (tt_mono_ns() - t0) / 1000000u;
            if (took_ms > (uint64_t)o->timeout_ms && !o->slow_logged[i]) {
                tt_error("\"%s\" output timeout, all output channels are blocked (%llu ms)",
                         o->ch[i].name, (unsigned long long)took_ms);
                o->slow_logged[i] = 1;
            } else if (took_ms <= (uint64_t)o->timeout_ms) {
                o->slow_logged[i] = 0;
            }
        }
        free(it);
        if (o->buffered && tt_mono_ns() - last_flush >= (uint64_t)BUFFERED_MAX_MS * 1000000u) {
            /* a steady stream never leaves the queue idle: bound the latency all the same */
            flush_all(o);
            last_flush = tt_mono_ns();
        }
        pthread_mutex_lock(&o->mu);
        o->st.written++;
        pthread_cond_broadcast(&o->cv_done);
    }
    pthread_mutex_unlock(&o->mu);
    flush_all(o);
    return NULL;
}

struct outputs *outputs_new(const struct engine_config *cfg, const char *hostname, char *err,
                            size_t n)
{
    struct outputs *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    snprintf(o->hostname, sizeof o->hostname, "%s", hostname ? hostname : "");
    alert_fmt_opts_from_config(&o->fmt, cfg, o->hostname);
    o->buffered = cfg->buffered_outputs;
    o->timeout_ms = cfg->output_timeout_ms;
    o->cap = cfg->outputs_queue_capacity ? cfg->outputs_queue_capacity : UNBOUNDED_CAP;
    o->rate = cfg->outputs_rate;
    o->burst = cfg->outputs_max_burst;
    o->tokens = o->burst;
    o->last_ns = tt_mono_ns();
    pthread_mutex_init(&o->mu, NULL);
    /* waits time out on CLOCK_MONOTONIC: a wall-clock step must not cut the drain short */
    if (tt_cond_init_monotonic(&o->cv_work) || tt_cond_init_monotonic(&o->cv_done)) {
        snprintf(err, n, "outputs: cannot create condition variables");
        free(o);
        return NULL;
    }
    int rc = 0;
    if (cfg->stdout_enabled && !rc)
        rc = out_stdout_open(&o->ch[o->nch++], cfg, err, n);
    if (cfg->file.enabled && !rc)
        rc = out_file_open(&o->ch[o->nch++], cfg, err, n);
    if (cfg->program.enabled && !rc)
        rc = out_program_open(&o->ch[o->nch++], cfg, &o->st, err, n);
    if (cfg->http.enabled && !rc)
        rc = out_http_open(&o->ch[o->nch++], cfg, &o->st, err, n);
    if (cfg->syslog_enabled && !rc)
        rc = out_syslog_open(&o->ch[o->nch++], cfg, err, n);
    if (rc) {
        o->nch--; /* the failed one is not open */
        outputs_free(o, 0, NULL);
        return NULL;
    }
    for (size_t i = 0; i < o->nch; i++)
        o->ch[i].abandon = &o->abandon_slow;
    if (pthread_create(&o->thr, NULL, output_thread, o)) {
        snprintf(err, n, "cannot start the output thread");
        outputs_free(o, 0, NULL);
        return NULL;
    }
    o->thr_started = 1;
    return o;
}

static int take_token(struct outputs *o)
{
    if (o->rate <= 0)
        return 1;
    uint64_t now = tt_mono_ns();
    o->tokens += (double)(now - o->last_ns) / 1e9 * o->rate;
    o->last_ns = now;
    if (o->tokens > o->burst)
        o->tokens = o->burst;
    if (o->tokens >= 1.0) {
        o->tokens -= 1.0;
        return 1;
    }
    return 0;
}

/* Appends to the queue and wakes the output thread; o->mu held. */
static void enqueue_locked(struct outputs *o, struct qitem *it)
{
    if (o->tail)
        o->tail->next = it;
    else
        o->head = it;
    o->tail = it;
    o->qlen++;
    o->st.queued++;
    pthread_cond_signal(&o->cv_work);
}

int outputs_emit(struct outputs *o, const struct alert *a)
{
    pthread_mutex_lock(&o->mu);
    o->st.alerts++;
    pthread_mutex_unlock(&o->mu);
    if (!a->internal && !take_token(o)) {
        pthread_mutex_lock(&o->mu);
        o->st.dropped_rate++;
        pthread_mutex_unlock(&o->mu);
        return 1;
    }
    char *line = alert_format(a, &o->fmt);
    if (!line) {
        pthread_mutex_lock(&o->mu);
        o->st.dropped_queue++;
        pthread_mutex_unlock(&o->mu);
        return -1;
    }
    size_t len = strlen(line);
    struct qitem *it = malloc(sizeof *it + len + 1);
    if (it) {
        it->next = NULL;
        it->mask = ~0u;
        it->priority = a->priority;
        it->len = len;
        memcpy(it->line, line, len + 1);
    }
    free(line);
    pthread_mutex_lock(&o->mu);
    if (!it || o->qlen >= o->cap) {
        o->st.dropped_queue++;
        int first = !o->drop_logged;
        o->drop_logged = 1;
        pthread_mutex_unlock(&o->mu);
        free(it);
        if (first)
            tt_error("Outputs queue out of memory. Drop event and continue on ... "
                     "(capacity %llu; further drops are only counted)",
                     (unsigned long long)o->cap);
        return -1;
    }
    enqueue_locked(o, it);
    pthread_mutex_unlock(&o->mu);
    return 0;
}

int outputs_emit_line(struct outputs *o, const char *line, const char *const *channels,
                      size_t nchannels)
{
    unsigned mask = 0;
    for (size_t i = 0; i < o->nch; i++)
        for (size_t k = 0; k < nchannels; k++)
            if (!strcmp(o->ch[i].name, channels[k]))
                mask |= 1u << i;
    size_t len = strlen(line);
    struct qitem *it = mask ? malloc(sizeof *it + len + 1) : NULL;
    if (!it)
        return -1;
    it->next = NULL;
    it->mask = mask;
    it->priority = -1;
    it->len = len;
    memcpy(it->line, line, len + 1);
    pthread_mutex_lock(&o->mu);
    if (o->qlen >= o->cap) {
        pthread_mutex_unlock(&o->mu);
        free(it);
        return -1;
    }
    enqueue_locked(o, it);
    o->st.records++;
    pthread_mutex_unlock(&o->mu);
    return 0;
}

void outputs_reopen(struct outputs *o)
{
    pthread_mutex_lock(&o->mu);
    o->reopen = 1;
    pthread_cond_signal(&o->cv_work);
    pthread_mutex_unlock(&o->mu);
}

int outputs_flush(struct outputs *o, int timeout_ms)
{
    struct timespec dl = tt_deadline_ms(timeout_ms);
    pthread_mutex_lock(&o->mu);
    uint64_t target = o->st.queued;
    int rc = 0;
    while (o->st.written < target && o->thr_started) {
        if (pthread_cond_timedwait(&o->cv_done, &o->mu, &dl) == ETIMEDOUT) {
            rc = -1;
            break;
        }
    }
    pthread_mutex_unlock(&o->mu);
    return rc;
}

uint64_t outputs_free(struct outputs *o, int timeout_ms, struct outputs_stats *final)
{
    uint64_t left = 0;
    if (!o)
        return 0;
    if (o->thr_started) {
        int drained = outputs_flush(o, timeout_ms) == 0;
        size_t nslow = 0;
        for (size_t i = 0; i < o->nch; i++)
            nslow += o->ch[i].slow != 0;
        if (!drained && nslow) {
            /* a slow channel (http) holds the queue up: abandon it (the request in flight
             * returns within about a second) and give the others the rest */
            __atomic_store_n(&o->abandon_slow, 1, __ATOMIC_RELEASE);
            drained = outputs_flush(o, timeout_ms + 1500) == 0;
            for (size_t i = 0; i < o->nch; i++)
                if (o->ch[i].slow)
                    tt_warn("outputs: %llu alerts queued at exit were not delivered to \"%s\" "
                            "(slower than output_timeout)",
                            (unsigned long long)__atomic_load_n(&o->st.abandoned, __ATOMIC_RELAXED),
                            o->ch[i].name);
        }
        if (!drained)
            tt_warn("outputs: %llu alerts still queued at exit were not delivered",
                    (unsigned long long)o->qlen);
        pthread_mutex_lock(&o->mu);
        left = o->qlen;
        o->stop = 1;
        /* drop what is left: the deadline passed */
        while (o->head) {
            struct qitem *it = o->head;
            o->head = it->next;
            free(it);
        }
        o->tail = NULL;
        o->qlen = 0;
        pthread_cond_signal(&o->cv_work);
        pthread_mutex_unlock(&o->mu);
        pthread_join(o->thr, NULL);
    }
    for (size_t i = 0; i < o->nch; i++)
        if (o->ch[i].close)
            o->ch[i].close(&o->ch[i], timeout_ms);
    while (o->head) {
        struct qitem *it = o->head;
        o->head = it->next;
        left++;
        free(it);
    }
    /* program_lost includes the program's drops; an abandoned http delivery is one alert that
     * reached the other channels only */
    struct outputs_stats st = o->st;
    uint64_t lost = st.dropped_queue + left + st.program_lost +
                    __atomic_load_n(&o->st.abandoned, __ATOMIC_RELAXED);
    if (final)
        *final = st;
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv_work);
    pthread_cond_destroy(&o->cv_done);
    free(o);
    return lost;
}

int outputs_ship_status(struct outputs *o, struct ship_totals *out)
{
    for (size_t i = 0; i < o->nch; i++)
        if (!strcmp(o->ch[i].name, "program") && o->ch[i].priv)
            return out_program_ship(&o->ch[i], out);
    return -1;
}

void outputs_get_stats(struct outputs *o, struct outputs_stats *out)
{
    pthread_mutex_lock(&o->mu);
    *out = o->st;
    pthread_mutex_unlock(&o->mu);
}
