/* The engine's watch over its event stream and itself (see stream_guard.h). */
#include "stream_guard.h"

#include <stdio.h>

#include "source.h"
#include "tamper.h"
#include "tt_log.h"
#include "tt_ring.h"
#include "tt_time.h"

void guard_init(struct stream_guard *g, struct pipeline *pl, int key, int self_tamper)
{
    *g = (struct stream_guard){.pl = pl, .key = key, .self_tamper = self_tamper};
    g->loop_ref = tt_mono_ns();
}

static void ring_name(const struct stream_guard *g, char *buf, size_t n)
{
    snprintf(buf, n, "event ring 0x%x", (unsigned)g->key);
}

void guard_attached(struct stream_guard *g, struct source *src)
{
    struct tt_ring *r = source_ring_handle(src);
    struct tt_ring_takeover t;
    guard_rearm(g, tt_mono_ns());
    if (!r || !g->self_tamper)
        return;
    tt_ring_get_takeover(r, &t);
    if (!t.happened)
        return;
    struct tt_ring_stats st;
    tt_ring_get_stats(r, &st);
    char target[64], beat[96] = "";
    uint64_t now = tt_wall_ns();
    if (t.beat_ns && now > t.beat_ns)
        snprintf(beat, sizeof beat, "; its last heartbeat was %.1f s before this engine took over",
                 (double)(now - t.beat_ns) / 1e9);
    if (t.died) {
        snprintf(target, sizeof target, "engine pid %u", t.pid);
        tamper_raise(g->pl, TAMPER_ENGINE_RESTARTED, target, 0,
                     "the previous engine (pid %u) died while attached to the %s (crashed, or "
                     "killed after it stopped reading)%s; this engine resumes at the last "
                     "position it published (%llu events consumed, %llu waiting)",
                     t.pid, "event ring", beat, (unsigned long long)t.consumed,
                     (unsigned long long)st.in_flight);
    } else {
        ring_name(g, target, sizeof target);
        tamper_raise(g->pl, TAMPER_ENGINE_RESTARTED, target, 0,
                     "the previous engine left the ring while its tracer was still there%s; this "
                     "engine resumes where it stopped (%llu events consumed, %llu waiting)",
                     beat, (unsigned long long)t.consumed, (unsigned long long)st.in_flight);
    }
}

void guard_problem(struct stream_guard *g, struct source *src, int rc, const char *err)
{
    struct tt_ring *r = source_ring_handle(src);
    if (!r)
        return;
    int64_t n = 0;
    int kind = tt_ring_problem(r, &n);
    if (rc == -2)
        tt_warn("%s", err);
    if (!g->self_tamper)
        return;
    char target[64];
    ring_name(g, target, sizeof target);
    const char *technique = kind == TT_RING_CORRUPT         ? TAMPER_RING_CORRUPT
                            : kind == TT_RING_GAP           ? TAMPER_RING_GAP
                            : kind == TT_RING_FORGED_END    ? TAMPER_RING_FORGED_END
                            : kind == TT_RING_PRODUCER_DIED ? TAMPER_RING_UNEXPECTED_END
                                                            : NULL;
    if (technique)
        tamper_raise(g->pl, technique, target, n > 0 ? (uint64_t)n : 0, "%s", err);
}

void guard_loop(struct stream_guard *g, struct source *src, uint64_t now)
{
    uint64_t gap = now - g->loop_ref;
    g->loop_ref = now;
    if (gap < (uint64_t)GUARD_STALL_MS * 1000000u || !g->self_tamper)
        return;
    struct tt_ring *r = source_ring_handle(src);
    uint64_t waiting = 0, dropped = 0;
    if (r) {
        struct tt_ring_stats st;
        tt_ring_get_stats(r, &st);
        waiting = st.in_flight;
        dropped = st.dropped;
    }
    tamper_raise(g->pl, TAMPER_ENGINE_STALLED, "engine", 0,
                 "the engine's event loop did not run for %.1f s (stopped by a signal, hung or "
                 "starved of CPU); %llu events were waiting in the ring when it resumed, %llu "
                 "dropped so far",
                 (double)gap / 1e9, (unsigned long long)waiting, (unsigned long long)dropped);
}

void guard_rearm(struct stream_guard *g, uint64_t now)
{
    g->loop_ref = now;
}
