/* Drop reporting: Falco's syscall_event_drops and Tartan's events_dropped (see drops.h). */
#include "drops.h"

#include <jansson.h>
#include <stdio.h>

#include "alert.h"
#include "config.h"
#include "outputs.h"
#include "pipeline.h"
#include "source.h"
#include "tamper.h"
#include "tt_log.h"
#include "tt_ring.h"
#include "tt_time.h"

void drops_start(struct drops *d, const struct engine_config *cfg)
{
    *d = (struct drops){0};
    d->last_wall = d->tok_ns = tt_mono_ns();
    d->tokens = cfg->drops.max_burst;
}

void drops_attached(struct drops *d, struct source *src)
{
    uint64_t prod = 0, drop = 0;
    source_counters(src, &prod, &drop);
    struct tt_ring *r = source_ring_handle(src);
    if (r) {
        /* The counts when the consumer attached, not now: the producer may have filled the
         * ring since, with this engine attached and not yet reading; those drops are this
         * engine's to alert on (the first drops_check), not "lost before it came". */
        struct tt_ring_takeover t;
        tt_ring_get_takeover(r, &t);
        prod = t.produced_at_attach;
        drop = t.dropped_at_attach;
    }
    d->last_prod = prod;
    d->last_drop = drop;
    uint64_t reported = r ? tt_ring_drops_reported(r) : drop;
    if (drop > reported) {
        d->pending += drop - reported;
        d->pending_since = tt_wall_ns();
        d->before_attach = 1;
    }
}

/* Falco's internal alert, with Falco's output fields. */
static void falco_drop_alert(struct outputs *out, const char *msg, uint64_t d_evts,
                             uint64_t d_drops)
{
    json_t *f = json_object();
    char v[32];
#define SETF(k, val)                                                                               \
    do {                                                                                           \
        snprintf(v, sizeof v, "%llu", (unsigned long long)(val));                                  \
        json_object_set_new(f, k, json_string(v));                                                 \
    } while (0)
    if (f) {
        SETF("n_evts", d_evts);
        SETF("n_drops", d_drops);
        SETF("n_drops_buffer_total", d_drops);
        static const char *const zero[] = {"n_drops_buffer_clone_fork_exit",
                                           "n_drops_buffer_execve_exit",
                                           "n_drops_buffer_connect_exit",
                                           "n_drops_buffer_open_exit",
                                           "n_drops_buffer_dir_file_exit",
                                           "n_drops_buffer_other_interest_exit",
                                           "n_drops_buffer_close_exit",
                                           "n_drops_buffer_proc_exit",
                                           "n_drops_scratch_map",
                                           "n_drops_page_faults",
                                           "n_drops_bug"};
        for (size_t i = 0; i < sizeof zero / sizeof *zero; i++)
            json_object_set_new(f, zero[i], json_string("0"));
        json_object_set_new(f, "ebpf_enabled", json_string("0"));
    }
#undef SETF
    struct alert a;
    alert_internal(&a, tt_wall_ns(), PRI_DEBUG, "Falco internal: syscall event drop", msg, f);
    if (out)
        outputs_emit(out, &a);
    json_decref(f);
}

/* Falco's check for one second's deltas. Returns 1 when an alert covered d_drops; sets
 * d->exit for the exit action. */
static int falco_check(struct drops *d, const struct engine_config *cfg, struct outputs *out,
                       uint64_t now, uint64_t d_evts, uint64_t d_drops)
{
    if (d_drops == 0)
        return 0;
    double ratio = d_evts ? (double)d_drops / (double)d_evts : 1.0;
    if (ratio <= cfg->drops.threshold && !cfg->drops.simulate_drops)
        return 0;
    /* token bucket: rate tokens per second, max_burst */
    d->tokens += (double)(now - d->tok_ns) / 1e9 * cfg->drops.rate;
    d->tok_ns = now;
    if (d->tokens > cfg->drops.max_burst)
        d->tokens = cfg->drops.max_burst;
    if (d->tokens < 1.0)
        return 0;
    d->tokens -= 1.0;
    unsigned act = cfg->drops.actions;
    if (act & DROP_ACT_IGNORE)
        return 0;
    char msg[256];
    snprintf(msg, sizeof msg,
             "Falco internal: syscall event drop. %llu system calls dropped in last second.",
             (unsigned long long)d_drops);
    if (act & DROP_ACT_LOG)
        tt_info("%s", msg);
    if (act & DROP_ACT_ALERT)
        falco_drop_alert(out, msg, d_evts, d_drops);
    if (act & DROP_ACT_EXIT) {
        tt_error("%s Exiting.", msg);
        d->exit = 1;
    }
    return (act & DROP_ACT_ALERT) != 0;
}

static void report(struct drops *d, const struct drops_sink *k, struct source *src)
{
    struct tt_ring *r = source_ring_handle(src);
    if (d->pending && k->self_tamper && pipeline_rules_see_syscalls(k->pl)) {
        char since[64];
        alert_time_json(d->pending_since, since, sizeof since);
        tamper_raise(k->pl, TAMPER_EVENTS_DROPPED, "event ring", d->pending,
                     "%llu events were lost in the ring since %s (%s); rules may have missed "
                     "matches in them; no syscall event drop alert reported them",
                     (unsigned long long)d->pending, since,
                     d->before_attach ? "while no engine was reading it"
                                      : "the ring was full: the engine fell behind");
        d->last_report = tt_mono_ns();
    }
    d->pending = 0;
    d->before_attach = 0;
    if (r)
        tt_ring_set_drops_reported(r, d->last_drop);
}

int drops_check(struct drops *d, const struct drops_sink *k, struct source *src)
{
    uint64_t now = tt_mono_ns();
    if (now - d->last_wall < 1000000000u)
        return 0;
    d->last_wall = now;
    const struct engine_config *cfg = k->cfg;
    uint64_t prod = 0, drop = 0;
    int have = source_counters(src, &prod, &drop);
    if (!have && !cfg->drops.simulate_drops)
        return 0;
    uint64_t d_evts = prod - d->last_prod, d_drops = drop - d->last_drop;
    d->last_prod = prod;
    d->last_drop = drop;
    if (cfg->drops.simulate_drops && d_drops == 0) {
        d_drops = 1;
        d_evts = d_evts ? d_evts : 1;
    }
    int covered = falco_check(d, cfg, k->out, now, d_evts, d_drops);
    if (have && d_drops && !covered) {
        if (!d->pending)
            d->pending_since = tt_wall_ns();
        d->pending += d_drops;
    }
    if (d->pending &&
        (!d->last_report || now - d->last_report >= (uint64_t)DROPS_REPORT_INTERVAL_MS * 1000000u))
        report(d, k, src);
    else if (!d->pending && have && d_drops) {
        struct tt_ring *r = source_ring_handle(src);
        if (r)
            tt_ring_set_drops_reported(r, drop);
    }
    return d->exit;
}

void drops_flush(struct drops *d, const struct drops_sink *k, struct source *src)
{
    uint64_t prod = 0, drop = 0;
    if (!source_counters(src, &prod, &drop))
        return;
    if (drop > d->last_drop) { /* since the last check: no Falco alert covered them */
        if (!d->pending)
            d->pending_since = tt_wall_ns();
        d->pending += drop - d->last_drop;
        d->last_drop = drop;
    }
    d->last_prod = prod;
    report(d, k, src);
}
