/* Health verdict on a sample, and the sample as the status file's JSON. */
#include "health.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define STATUS_VERSION 1

struct text {
    char *buf;
    size_t n, len;
    int count;
};

static void __attribute__((format(printf, 2, 3))) add(struct text *t, const char *fmt, ...)
{
    if (t->len + 3 >= t->n)
        return;
    if (t->count++) {
        memcpy(t->buf + t->len, "; ", 2);
        t->len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(t->buf + t->len, t->n - t->len, fmt, ap);
    va_end(ap);
    if (w > 0)
        t->len += (size_t)w < t->n - t->len ? (size_t)w : t->n - t->len - 1;
    t->buf[t->len] = '\0';
}

static void check_ring(const struct health_sample *s, struct text *t)
{
    const struct health_limits *l = &s->limits;
    long long secs = (long long)(s->ring_state_ms / 1000);
    switch (s->ring_state) {
    case HEALTH_RING_DIED:
        add(t, "tracer gone: the tracer (pid %d) died %lld s ago without closing the event ring",
            s->producer_pid, secs);
        return;
    case HEALTH_RING_ATTACHED:
        if (!s->producer_alive)
            add(t, "tracer gone: the event ring's producer (pid %d) is dead", s->producer_pid);
        if (s->stalled_ms > (int64_t)l->stall_s * 1000)
            add(t, "engine not consuming: %llu events unread for %lld s",
                (unsigned long long)s->in_flight, (long long)(s->stalled_ms / 1000));
        return;
    default:
        if (s->ring_state_ms > (int64_t)l->tracer_wait_s * 1000)
            add(t, "no tracer: waiting %lld s for the event ring (key 0x%x)%s%s", secs,
                (unsigned)s->ring_key, s->ring_why[0] ? ": " : "", s->ring_why);
    }
}

static void check_drops(const struct health_sample *s, struct text *t)
{
    if (!s->window_drops)
        return;
    double ratio = s->window_events ? (double)s->window_drops / (double)s->window_events : 1.0;
    if (ratio > s->limits.max_drop_ratio)
        add(t,
            "drops: %.1f%% of events dropped in the last %ld s (%llu of %llu; limit %.1f%%, "
            "tartan.health.max_drop_ratio)",
            ratio * 100.0, (long)s->window_s, (unsigned long long)s->window_drops,
            (unsigned long long)s->window_events, s->limits.max_drop_ratio * 100.0);
}

static void check_delivery(const struct health_sample *s, struct text *t)
{
    const struct health_limits *l = &s->limits;
    if (!s->program)
        return;
    if (s->ship_down_ms > (int64_t)l->delivery_failure_s * 1000)
        add(t, "cannot deliver: the program output has not been running for %lld s",
            (long long)(s->ship_down_ms / 1000));
    if (s->ship_reporting && s->ship_failing_ms > (int64_t)l->delivery_failure_s * 1000)
        add(t, "cannot deliver: logshipper has failed for %lld s (%s); %llu alerts queued",
            (long long)(s->ship_failing_ms / 1000), s->ship_error[0] ? s->ship_error : "no answer",
            (unsigned long long)s->ship_queued);
    /* it writes a record every second, from a loop that never blocks for long */
    if (s->ship_reporting && s->ship_age_ms > (int64_t)l->stall_s * 1000)
        add(t, "cannot deliver: logshipper stopped reporting %lld s ago (hung?)",
            (long long)(s->ship_age_ms / 1000));
    if (s->window_program_drops)
        add(t,
            "cannot deliver: the program output dropped %llu alerts in the last %ld s (its "
            "input is not read)",
            (unsigned long long)s->window_program_drops, (long)s->window_s);
}

int health_evaluate(const struct health_sample *s, char *text, size_t n)
{
    struct text t = {.buf = text, .n = n};
    if (n)
        text[0] = '\0';
    check_ring(s, &t);
    check_drops(s, &t);
    check_delivery(s, &t);
    if (t.count)
        return 0;
    double pct = s->window_events ? 100.0 * (double)s->window_drops / (double)s->window_events : 0;
    int w;
    if (s->ring_state == HEALTH_RING_ATTACHED)
        w = snprintf(text, n,
                     "engine pid %d consuming ring 0x%x (tracer pid %d), %llu events, "
                     "%.1f%% dropped in the last %ld s",
                     s->pid, (unsigned)s->ring_key, s->producer_pid, (unsigned long long)s->events,
                     pct, (long)s->window_s);
    else
        w = snprintf(text, n, "engine pid %d waiting %lld s for the event ring 0x%x", s->pid,
                     (long long)(s->ring_state_ms / 1000), (unsigned)s->ring_key);
    if (s->program && w > 0 && (size_t)w < n)
        snprintf(text + w, n - (size_t)w, ", logshipper %s%llu delivered",
                 s->ship_reporting ? "" : "(no report) ", (unsigned long long)s->ship_delivered);
    return 1;
}

/* ---- JSON ---- */

#define U64(field)                                                                                 \
    {                                                                                              \
#field, offsetof(struct health_sample, field), 'u'                                         \
    }
#define I64(field)                                                                                 \
    {                                                                                              \
#field, offsetof(struct health_sample, field), 'l'                                         \
    }
#define INT(field)                                                                                 \
    {                                                                                              \
#field, offsetof(struct health_sample, field), 'i'                                         \
    }
static const struct {
    const char *name;
    size_t off;
    char type;
} sample_fields[] = {
    I64(wall_ms),
    INT(pid),
    INT(ring_key),
    INT(ring_state),
    I64(ring_state_ms),
    INT(producer_pid),
    INT(producer_alive),
    U64(produced),
    U64(consumed),
    U64(dropped),
    U64(in_flight),
    U64(used_bytes),
    U64(ring_size),
    I64(stalled_ms),
    U64(window_events),
    U64(window_drops),
    I64(window_s),
    U64(events),
    U64(alerts),
    INT(program),
    INT(ship_reporting),
    I64(ship_down_ms),
    I64(ship_age_ms),
    I64(ship_failing_ms),
    U64(ship_queued),
    U64(ship_delivered),
    U64(window_program_drops),
};

json_t *health_to_json(const struct health_sample *s, int healthy, const char *text)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "v", json_integer(STATUS_VERSION));
    json_object_set_new(j, "healthy", json_boolean(healthy));
    json_object_set_new(j, "reason", json_string(text));
    for (size_t i = 0; i < sizeof sample_fields / sizeof *sample_fields; i++) {
        const char *p = (const char *)s + sample_fields[i].off;
        json_int_t v = 0;
        if (sample_fields[i].type == 'u')
            v = (json_int_t) * (const uint64_t *)(const void *)p;
        else if (sample_fields[i].type == 'l')
            v = (json_int_t) * (const int64_t *)(const void *)p;
        else if (sample_fields[i].type == 'i')
            v = *(const int *)(const void *)p;
        json_object_set_new(j, sample_fields[i].name, json_integer(v));
    }
    json_object_set_new(j, "ring_why", json_string(s->ring_why));
    json_object_set_new(j, "ship_error", json_string(s->ship_error));
    json_t *l = json_object();
    json_object_set_new(l, "stall_s", json_integer(s->limits.stall_s));
    json_object_set_new(l, "tracer_wait_s", json_integer(s->limits.tracer_wait_s));
    json_object_set_new(l, "max_drop_ratio", json_real(s->limits.max_drop_ratio));
    json_object_set_new(l, "drop_window_s", json_integer(s->limits.drop_window_s));
    json_object_set_new(l, "delivery_failure_s", json_integer(s->limits.delivery_failure_s));
    json_object_set_new(j, "limits", l);
    return j;
}

static int get_long(json_t *o, const char *key, long long *out, char *err, size_t n)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        snprintf(err, n, "field '%s' missing or not an integer", key);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int get_text(json_t *o, const char *key, char *out, size_t size, char *err, size_t n)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) {
        snprintf(err, n, "field '%s' missing or not a string", key);
        return -1;
    }
    /* shown in a one-line verdict: printable ASCII only */
    size_t k = 0;
    for (const char *p = json_string_value(v); *p && k + 1 < size; p++)
        out[k++] = *p >= 0x20 && *p < 0x7f ? *p : '?';
    out[k] = '\0';
    return 0;
}

int health_from_json(json_t *j, struct health_sample *s, char *err, size_t n)
{
    memset(s, 0, sizeof *s);
    long long v;
    if (!json_is_object(j)) {
        snprintf(err, n, "not a JSON object");
        return -1;
    }
    if (get_long(j, "v", &v, err, n))
        return -1;
    if (v != STATUS_VERSION) {
        snprintf(err, n, "status version %lld, this probe reads %d", v, STATUS_VERSION);
        return -1;
    }
    for (size_t i = 0; i < sizeof sample_fields / sizeof *sample_fields; i++) {
        if (get_long(j, sample_fields[i].name, &v, err, n))
            return -1;
        char *p = (char *)s + sample_fields[i].off;
        if (sample_fields[i].type == 'u')
            *(uint64_t *)(void *)p = (uint64_t)v;
        else if (sample_fields[i].type == 'l')
            *(int64_t *)(void *)p = (int64_t)v;
        else
            *(int *)(void *)p = (int)v;
    }
    if (get_text(j, "ring_why", s->ring_why, sizeof s->ring_why, err, n) ||
        get_text(j, "ship_error", s->ship_error, sizeof s->ship_error, err, n))
        return -1;
    json_t *l = json_object_get(j, "limits");
    json_t *ratio = json_object_get(l, "max_drop_ratio");
    long long a, b, c, d;
    if (!json_is_object(l) || !json_is_number(ratio) || get_long(l, "stall_s", &a, err, n) ||
        get_long(l, "tracer_wait_s", &b, err, n) || get_long(l, "drop_window_s", &c, err, n) ||
        get_long(l, "delivery_failure_s", &d, err, n)) {
        if (!err[0] || !json_is_object(l) || !json_is_number(ratio))
            snprintf(err, n, "field 'limits' missing or incomplete");
        return -1;
    }
    s->limits.stall_s = (long)a;
    s->limits.tracer_wait_s = (long)b;
    s->limits.drop_window_s = (long)c;
    s->limits.delivery_failure_s = (long)d;
    s->limits.max_drop_ratio = json_number_value(ratio);
    return 0;
}
