/* Health sampling in the engine and the status file. */
#include "health_mon.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "outputs.h"
#include "ship_status.h"
#include "source.h"
#include "tt_io.h"
#include "tt_log.h"
#include "tt_ring.h"
#include "tt_time.h"

#define TICK_MS 1000
#define WINDOW_MAX 301 /* seconds of history: drop_window_seconds is at most 300 */

struct point {
    int64_t mono_ms;
    uint64_t produced, dropped, program_drops;
};

struct health_mon {
    char path[512];
    int ring_key, program;
    struct health_limits limits;
    int ring_state;
    int64_t ring_state_since;
    char ring_why[160];
    int producer_pid;
    uint64_t last_consumed;
    int64_t stall_since; /* 0: not stalled */
    struct point win[WINDOW_MAX];
    size_t wn, wpos;                                /* points held, next slot */
    uint64_t ring_base_produced, ring_base_dropped; /* counters of rings already ended */
    int64_t next_tick;
    int write_failed;
    struct health_sample sample;
    pthread_mutex_t mu; /* guards verdict* */
    int verdict;        /* -1 none yet */
    char verdict_text[512];
    int64_t verdict_mono;
};

static void set_limits(struct health_limits *l, const struct engine_config *cfg)
{
    l->stall_s = cfg->ops.health.stall_s;
    l->tracer_wait_s = cfg->ops.health.tracer_wait_s;
    l->max_drop_ratio = cfg->ops.health.max_drop_ratio;
    l->drop_window_s = cfg->ops.health.drop_window_s;
    l->delivery_failure_s = cfg->ops.health.delivery_failure_s;
}

struct health_mon *health_mon_new(const struct engine_config *cfg)
{
    struct health_mon *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    config_status_path(&cfg->ops, cfg->ring_key, m->path, sizeof m->path);
    m->ring_key = cfg->ring_key;
    m->program = cfg->program.enabled;
    set_limits(&m->limits, cfg);
    m->ring_state = HEALTH_RING_WAITING;
    m->ring_state_since = tt_mono_ms();
    m->verdict = -1;
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void health_mon_set_limits(struct health_mon *m, const struct engine_config *cfg)
{
    set_limits(&m->limits, cfg);
    m->program = cfg->program.enabled;
}

static void set_state(struct health_mon *m, int st)
{
    if (m->ring_state != st) {
        m->ring_state = st;
        m->ring_state_since = tt_mono_ms();
    }
}

void health_mon_ring_waiting(struct health_mon *m, const char *why)
{
    snprintf(m->ring_why, sizeof m->ring_why, "%s", why ? why : "");
}

void health_mon_ring_attached(struct health_mon *m)
{
    set_state(m, HEALTH_RING_ATTACHED);
    m->ring_why[0] = '\0';
    m->stall_since = 0;
    m->last_consumed = 0;
}

void health_mon_ring_ended(struct health_mon *m, struct source *src)
{
    struct tt_ring_stats rs;
    if (!source_ring_stats(src, &rs))
        return;
    int died = !rs.producer_done && !rs.producer_alive;
    set_state(m, died ? HEALTH_RING_DIED : HEALTH_RING_ENDED);
    m->producer_pid = (int)rs.producer_pid;
    if (died)
        tt_warn("the tracer (pid %u) died without closing the event ring; waiting for a new one",
                (unsigned)rs.producer_pid);
    /* the next ring's counters start at 0: keep the window continuous */
    m->ring_base_produced += rs.produced;
    m->ring_base_dropped += rs.dropped;
}

static void write_status(struct health_mon *m, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return;
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", m->path, (int)getpid());
    /* O_NOFOLLOW: a link planted at the temporary name is not followed; rename() replaces the
     * final name itself, never what a link there points to */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    int ok = fd >= 0;
    size_t len = strlen(text);
    text[len] = '\n'; /* over its NUL: written by length */
    if (ok)
        ok = tt_write_full(fd, text, len + 1) == (ssize_t)(len + 1);
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (ok && rename(tmp, m->path) != 0)
        ok = 0;
    int e = errno;
    free(text);
    if (!ok) {
        if (fd >= 0)
            unlink(tmp);
        if (!m->write_failed)
            tt_warn("health: cannot write the status file %s: %s; `engine --health` will report "
                    "unhealthy (set tartan.health.status_file or TARTAN_STATUS_FILE to a writable "
                    "tmpfs path, the same for the probe)",
                    m->path, strerror(e));
        m->write_failed = 1;
        return;
    }
    if (m->write_failed)
        tt_info("health: status file %s written again", m->path);
    m->write_failed = 0;
}

/* The point drop_window_s ago (or the oldest held). */
static const struct point *window_start(const struct health_mon *m, int64_t now)
{
    const struct point *best = NULL;
    for (size_t i = 0; i < m->wn; i++) {
        const struct point *p = &m->win[(m->wpos + WINDOW_MAX - 1 - i) % WINDOW_MAX];
        best = p;
        if (now - p->mono_ms >= m->limits.drop_window_s * 1000)
            break;
    }
    return best;
}

void health_mon_tick(struct health_mon *m, struct source *src, struct outputs *out, uint64_t events,
                     uint64_t alerts)
{
    int64_t now = tt_mono_ms();
    if (now < m->next_tick)
        return;
    m->next_tick = now + TICK_MS;
    struct health_sample *s = &m->sample;
    memset(s, 0, sizeof *s);
    s->wall_ms = (int64_t)(tt_wall_ns() / 1000000u);
    s->pid = (int)getpid();
    s->ring_key = m->ring_key;
    s->ring_state = m->ring_state;
    s->ring_state_ms = now - m->ring_state_since;
    snprintf(s->ring_why, sizeof s->ring_why, "%s", m->ring_why);
    s->producer_pid = m->producer_pid;
    s->events = events;
    s->alerts = alerts;
    s->limits = m->limits;
    struct tt_ring_stats rs;
    if (src && source_ring_stats(src, &rs)) {
        s->producer_pid = m->producer_pid = (int)rs.producer_pid;
        s->producer_alive = rs.producer_alive;
        s->produced = rs.produced;
        s->consumed = rs.consumed;
        s->dropped = rs.dropped;
        s->in_flight = rs.in_flight;
        s->used_bytes = rs.used_bytes;
        s->ring_size = rs.data_size;
        if (rs.in_flight && rs.consumed == m->last_consumed) {
            if (!m->stall_since)
                m->stall_since = now;
        } else {
            m->stall_since = 0;
        }
        m->last_consumed = rs.consumed;
        s->stalled_ms = m->stall_since ? now - m->stall_since : 0;
    }
    struct outputs_stats os = {0};
    if (out)
        outputs_get_stats(out, &os);
    s->program = m->program;
    struct ship_totals st;
    if (out && outputs_ship_status(out, &st) == 0) {
        s->ship_reporting = st.reporting;
        s->ship_down_ms = (int64_t)st.down_ms;
        s->ship_age_ms = (int64_t)st.age_ms;
        s->ship_failing_ms = st.cur.failing_ms;
        snprintf(s->ship_error, sizeof s->ship_error, "%s", st.cur.last_error);
        s->ship_queued = st.cur.queued;
        s->ship_delivered = st.delivered + st.cur.delivered;
    }
    /* the drop window, over every ring this engine has read */
    struct point *p = &m->win[m->wpos];
    p->mono_ms = now;
    p->produced = m->ring_base_produced + s->produced;
    p->dropped = m->ring_base_dropped + s->dropped;
    p->program_drops = os.program_drops;
    m->wpos = (m->wpos + 1) % WINDOW_MAX;
    if (m->wn < WINDOW_MAX)
        m->wn++;
    const struct point *w0 = window_start(m, now);
    s->window_s = (now - w0->mono_ms + 500) / 1000;
    s->window_events = p->produced - w0->produced;
    s->window_drops = p->dropped - w0->dropped;
    s->window_program_drops = p->program_drops - w0->program_drops;

    char text[512];
    int ok = health_evaluate(s, text, sizeof text);
    pthread_mutex_lock(&m->mu);
    if (ok != m->verdict && m->verdict != -1) {
        if (ok)
            tt_info("health: healthy again: %s", text);
        else
            tt_warn("health: unhealthy: %s", text);
    } else if (!ok && m->verdict == -1) {
        tt_warn("health: unhealthy: %s", text);
    }
    m->verdict = ok;
    snprintf(m->verdict_text, sizeof m->verdict_text, "%s", text);
    m->verdict_mono = now;
    pthread_mutex_unlock(&m->mu);
    json_t *j = health_to_json(s, ok, text);
    if (j) {
        write_status(m, j);
        json_decref(j);
    }
}

int health_mon_verdict(struct health_mon *m, char *text, size_t n, int64_t *age_ms)
{
    pthread_mutex_lock(&m->mu);
    int v = m->verdict;
    snprintf(text, n, "%s", m->verdict_text);
    *age_ms = tt_mono_ms() - m->verdict_mono;
    pthread_mutex_unlock(&m->mu);
    return v;
}

void health_mon_free(struct health_mon *m)
{
    if (!m)
        return;
    if (m->verdict != -1)
        unlink(m->path);
    pthread_mutex_destroy(&m->mu);
    free(m);
}
