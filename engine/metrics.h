/* Falco's `metrics` (snapshot every metrics.interval: the internal alert "Falco internal: metrics
 * snapshot" with output_rule, JSON lines in output_file) and Tartan's CloudWatch metrics (an
 * Embedded Metric Format record every tartan.cloudwatch_metrics.interval, written to the
 * configured outputs, so that logshipper ships it and CloudWatch turns it into metrics).
 * Metric names and units: docs/operations.md. Event thread only. */
#ifndef ENGINE_METRICS_H
#define ENGINE_METRICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "outputs.h"
#include "ship_status.h"
#include "state.h"

struct engine_config;
struct ruleset;

/* What the engine knows at a tick; metrics.c adds /proc and cgroup readings. */
struct metrics_inputs {
    uint64_t num_evts;        /* events evaluated (pipeline) */
    int have_ring;            /* a ring has been read (live mode) */
    uint64_t n_evts, n_drops; /* produced / dropped, every ring read so far */
    uint64_t ring_size, ring_used, ring_in_flight, ring_corrupt;
    struct outputs_stats out;
    int have_ship; /* program output enabled */
    struct ship_totals ship;
    int ship_pid; /* its process, 0 if none */
    struct state_stats state;
    int tracer_pid;           /* the ring's producer, 0 if none */
    int healthy;              /* health verdict: 1, 0, -1 unknown */
    const struct ruleset *rs; /* enabled rules (counters at 0 with include_empty_values) */
};

/* CloudWatch dimensions and plain properties of the EMF records (ECS metadata or config). */
struct metrics_dims {
    const char *names[32], *values[32];
    size_t n;
    const char *prop_names[4], *prop_values[4]; /* TaskId, Host: searchable, not dimensions */
    size_t nprops;
};

/* The dimensions: tartan.cloudwatch_metrics.dimensions if set, else the ECS task's (ecs: cluster
 * name, task family, container name, task id; "" when unknown), named as Container Insights
 * names them (ClusterName, TaskDefinitionFamily, ContainerName), else ContainerName from
 * tartan.container_name or "tartan". TaskId and Host are plain properties. Pointers borrowed. */
void metrics_dims_fill(struct metrics_dims *d, const struct engine_config *cfg,
                       const char *const ecs[4], const char *hostname);

struct metrics;

struct metrics *metrics_new(const struct engine_config *cfg, const char *hostname,
                            const char *version);
/* A reload: intervals, flags, namespace may change; counters are kept. */
void metrics_set_config(struct metrics *m, const struct engine_config *cfg);
/* One rule alert (internal alerts are not counted). */
void metrics_count_alert(struct metrics *m, const char *rule, int priority);
/* Which records are due at monotonic time now_ms: METRICS_DUE_SNAPSHOT | METRICS_DUE_EMF. */
#define METRICS_DUE_SNAPSHOT 1
#define METRICS_DUE_EMF 2
int metrics_due(struct metrics *m, int64_t now_ms);
/* The snapshot's output_fields (Falco's names where they apply, tartan.* otherwise). New
 * reference, NULL on allocation failure. Advances the snapshot's "previous" values. */
json_t *metrics_snapshot(struct metrics *m, const struct metrics_inputs *in);
/* output_file: appends {"sample": N, "output_fields": {...}} as one line. 0 or -1 (logged once). */
int metrics_append_file(struct metrics *m, json_t *fields);
/* The EMF record (one JSON line, malloc'd) with deltas since the previous record. */
char *metrics_emf(struct metrics *m, const struct metrics_inputs *in,
                  const struct metrics_dims *dims);
void metrics_free(struct metrics *m);

#endif
