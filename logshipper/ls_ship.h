/* The sender: takes batches from the queue and delivers them with PutLogEvents, creating the
 * stream (and group) as needed, retrying with capped exponential backoff and full jitter. */
#ifndef LS_SHIP_H
#define LS_SHIP_H
#include <stdint.h>

#include "ls_cwl.h"
#include "ls_queue.h"

/* Written by the sender thread with atomic operations: main() reads them while it runs (the
 * status records for the engine) and after it has stopped (the summary). */
struct ls_ship_stats {
    uint64_t delivered, rejected, undelivered, retries, notices, batches;
};

struct ls_shipper {
    struct ls_queue *q;
    struct ls_cwl *cwl;
    const char *group, *stream;
    int retention_days; /* of a group logshipper creates; 0 = none (never expires) */
    int create_group;
    int64_t flush_ms, retry_base_ms, retry_cap_ms, timeout_ms;
    uint64_t max_batch_events, max_batch_bytes;
    int stream_ready, retention_done, group_created;
    int64_t last_ts;
    unsigned int rng;
    struct ls_buf body;
    struct ls_ship_stats st;
    /* Delivery health, for the status records (atomic): when the current run of failures
     * began (monotonic ms, 0 while deliveries work), when the last batch was accepted (0 if
     * none yet), and the last error code (under q->mu). */
    int64_t fail_since_ms, last_ok_ms;
    char last_error[64];
};

void *ls_ship_thread(void *arg); /* struct ls_shipper * */

/* Delay before retry number `attempt` (0-based): uniform in [0, min(base * 2^attempt, cap)];
 * a server's x-amz-retry-after (ms, -1 if none) raises it, up to cap + 5 s. */
int64_t ls_backoff_ms(int attempt, int64_t base, int64_t cap, long retry_after_ms, double u);

/* JSON body of PutLogEvents for a list of n events. */
int ls_put_body(struct ls_buf *b, const char *group, const char *stream,
                const struct ls_event *list);

#endif
