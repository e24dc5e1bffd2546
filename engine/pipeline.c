/* The event pipeline: for each event, update the state, evaluate the rules indexed by its
 * type, report matches, then apply the post-filter state changes (see pipeline.h). */
#include "pipeline.h"

#include "ruleset.h"

#include <stdlib.h>
#include <string.h>

struct pipeline {
    struct ruleset *rs;
    struct pipeline_opts o;
    struct engine_state *st;
    struct pipeline_stats stats;
    uint8_t types[TT_EV_COUNT]; /* event types some enabled rule can match */
    struct eval_ctx ctx;        /* large (scratch): one per pipeline, reused */
};

static void compute_types(struct pipeline *p)
{
    memset(p->types, 0, sizeof p->types);
    if (p->rs)
        ruleset_event_types(p->rs, p->types);
}

/* Tartan-only events that describe state (the /proc snapshot, tracer notices; TT_EVF_NO_RULES
 * in tt_events.def): Falco never evaluates rules on its own /proc scan, so neither do we.
 * procexit is a real Falco event, and so is `tamper` for the rules: every tamper or evasion
 * attempt must be able to alert. */
static int state_only(unsigned type)
{
    return (tt_event_flags(type) & TT_EVF_NO_RULES) != 0;
}

struct pipeline *pipeline_new(struct ruleset *rs, const struct pipeline_opts *o)
{
    struct pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (o)
        p->o = *o;
    else
        p->o.min_priority = PRI_DEBUG;
    p->st = state_new_opts(&p->o.state);
    if (!p->st) {
        free(p);
        return NULL;
    }
    p->rs = rs;
    compute_types(p);
    return p;
}

static void on_match(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    struct pipeline *p = arg;
    p->stats.matches++;
    if (p->o.on_alert)
        p->o.on_alert(r, ctx, p->o.arg);
}

int pipeline_event(struct pipeline *p, const struct tt_event *ev)
{
    if (!p || !ev || ev->type == TT_EV_NONE || ev->type >= TT_EV_COUNT) {
        if (p)
            p->stats.invalid++;
        return -1;
    }
    p->stats.events++;
    struct eval_ctx *ctx = &p->ctx;
    state_begin_event(p->st, ev, p->stats.events, ctx);
    if (p->rs && p->types[ev->type] && !state_only(ev->type)) {
        p->stats.evaluated++;
        ruleset_eval(p->rs, ctx, ev->type, p->o.match_all, p->o.min_priority, on_match, p);
    }
    state_end_event(p->st, ctx);
    return 0;
}

int pipeline_rules_see_syscalls(const struct pipeline *p)
{
    for (unsigned t = 1; p && t < TT_EV_COUNT; t++)
        if (p->types[t] && (tt_event_flags(t) & TT_EVF_SYSCALL))
            return 1;
    return 0;
}

void pipeline_swap_ruleset(struct pipeline *p, struct ruleset *rs)
{
    if (!p)
        return;
    p->rs = rs;
    compute_types(p);
}

void pipeline_set_min_priority(struct pipeline *p, int min_priority)
{
    if (p)
        p->o.min_priority = min_priority;
}

void pipeline_get_stats(const struct pipeline *p, struct pipeline_stats *out)
{
    if (p)
        *out = p->stats;
    else
        memset(out, 0, sizeof *out);
}

struct engine_state *pipeline_state(struct pipeline *p)
{
    return p ? p->st : NULL;
}

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    state_free(p->st);
    free(p);
}
