/* The event pipeline: state update, rule evaluation, alert callback, for one event at a time.
 * Used by main.c for `-e CAPTURE` and for the live ring:
 *
 *   struct pipeline_opts o = {.match_all = 0, .min_priority = 7, .on_alert = cb, .arg = me};
 *   struct pipeline *p = pipeline_new(rs, &o);
 *   while (next event ev) pipeline_event(p, ev);
 *   pipeline_free(p);
 *
 * Owns an engine_state; does not own the ruleset (the caller frees it after a swap). */
#ifndef ENGINE_PIPELINE_H
#define ENGINE_PIPELINE_H

#include <stdint.h>

#include "state.h"
#include "tt_event.h"

struct ruleset;
struct rule;

struct pipeline_opts {
    int match_all;    /* rule_matching: all (else first) */
    int min_priority; /* evaluate rules with priority <= this (emergency=0 .. debug=7) */
    void (*on_alert)(const struct rule *r, struct eval_ctx *ctx, void *arg);
    void *arg;
    struct state_opts state; /* table limits */
};

struct pipeline_stats {
    uint64_t events;    /* events processed */
    uint64_t matches;   /* alerts raised */
    uint64_t invalid;   /* records rejected (bad type...) */
    uint64_t evaluated; /* events that met at least one rule (by event type) */
};

struct pipeline *pipeline_new(struct ruleset *rs, const struct pipeline_opts *o);
/* 0, or -1 if ev is NULL/invalid (counted). Calls on_alert for every match. */
int pipeline_event(struct pipeline *p, const struct tt_event *ev);
/* 1 when some enabled rule can match a syscall event: then an event lost from the stream may
 * be an alert lost (the tracer only traces what the rules and the state behind them need). */
int pipeline_rules_see_syscalls(const struct pipeline *p);
/* Hot reload: later events are evaluated with rs; state is kept. rs may be NULL (no rules). */
void pipeline_swap_ruleset(struct pipeline *p, struct ruleset *rs);
void pipeline_set_min_priority(struct pipeline *p, int min_priority);
void pipeline_get_stats(const struct pipeline *p, struct pipeline_stats *out);
/* Access to the state (container metadata setter, lookups). */
struct engine_state *pipeline_state(struct pipeline *p);
void pipeline_free(struct pipeline *p);

#endif
