/* Health of a running engine: what it knows once a second (a sample), the verdict on it, and the
 * status file that carries both to `engine --health` (docs/operations.md).
 *
 * The engine (health_mon.c) takes a sample every second, judges it and rewrites the status file
 * (JSON, tmpfs by default) atomically; the webserver answers /healthz from the same verdict. The
 * probe (health_cmd.c) reads the file, judges the sample again with the limits written in it, and
 * adds what only an outside observer can check: the file is fresh, its pid is alive and runs
 * this engine binary, the ring it names exists and is consumed by that pid. */
#ifndef ENGINE_HEALTH_H
#define ENGINE_HEALTH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum health_ring_state {
    HEALTH_RING_WAITING = 0, /* no ring yet (the engine started first, or between two runs) */
    HEALTH_RING_ATTACHED,
    HEALTH_RING_ENDED, /* the tracer closed the ring (the workload ended); waiting again */
    HEALTH_RING_DIED,  /* the ring's producer died without closing it; waiting again */
};

struct health_limits {
    long stall_s;          /* status (or logshipper's records) older than this: stalled */
    long tracer_wait_s;    /* waiting for a ring longer than this: no tracer */
    double max_drop_ratio; /* dropped / produced over the window */
    long drop_window_s;
    long delivery_failure_s; /* program output down, or logshipper failing, for longer */
};

struct health_sample {
    int64_t wall_ms; /* CLOCK_REALTIME when taken */
    int pid;         /* the engine */
    int ring_key;
    int ring_state;        /* enum health_ring_state */
    int64_t ring_state_ms; /* time spent in that state */
    char ring_why[160];    /* why attaching fails, when it is not just "no ring yet" */
    int producer_pid, producer_alive;
    uint64_t produced, consumed, dropped, in_flight, used_bytes, ring_size;
    int64_t stalled_ms; /* unread events and no progress for this long */
    uint64_t window_events, window_drops;
    int64_t window_s;
    uint64_t events, alerts;
    /* program output (logshipper) */
    int program;          /* enabled */
    int ship_reporting;   /* its process writes status records */
    int64_t ship_down_ms; /* no process running for this long (keep_alive) */
    int64_t ship_age_ms;  /* since its last record */
    int64_t ship_failing_ms;
    char ship_error[64];
    uint64_t ship_queued, ship_delivered, window_program_drops;
    struct health_limits limits;
};

/* The verdict: 1 healthy, 0 not. text gets one line: a short summary when healthy, else the
 * reasons joined with "; ". */
int health_evaluate(const struct health_sample *s, char *text, size_t n);

/* The status file's JSON object: the sample, the limits and the verdict. New reference. */
json_t *health_to_json(const struct health_sample *s, int healthy, const char *text);
/* Reads a status file's object back. 0, or -1 with the reason in err (missing or mistyped
 * field, another version). */
int health_from_json(json_t *j, struct health_sample *s, char *err, size_t n);

#endif
