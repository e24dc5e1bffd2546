/* Delivery status records from a program output (logshipper) to the engine.
 *
 * When logshipper runs as the engine's program output, the engine passes it the write end of a
 * pipe as descriptor TARTAN_STATUS_FD (3); logshipper writes one JSON object per line: every
 * second while it runs and a last one ("final": true) just before it exits. The engine reads them
 * for its health check, its metrics and its shutdown summary (docs/operations.md):
 *
 *   {"v":1,"read":N,"delivered":N,"rejected":N,"dropped":N,"undelivered":N,"retries":N,
 *    "batches":N,"queued":N,"failing_ms":N,"last_ok_ms":N,"last_error":"Code","final":false}
 *
 * Writer: logshipper/ls_status.c; reader: engine/ship_status.c. */
#ifndef TT_SHIPSTATUS_H
#define TT_SHIPSTATUS_H

#include <stddef.h>
#include <stdint.h>

#define TT_SHIP_STATUS_FD 3 /* where the engine puts the pipe in the program's process */
#define TT_SHIP_STATUS_MAX_LINE 512

struct tt_ship_status {
    uint64_t read, delivered, rejected, dropped, undelivered, retries, batches, queued;
    int64_t failing_ms;  /* how long deliveries have failed without a success; 0 while they work */
    int64_t last_ok_ms;  /* ms since the last accepted batch; -1 if none yet */
    char last_error[64]; /* code of the last failure ("" if none); [A-Za-z0-9_.-] only */
    int final;           /* the last record: the program is exiting */
};

/* The characters last_error may hold: [A-Za-z0-9_.-] (no JSON escaping, no control characters
 * in a log line, whatever a server sent). */
int tt_ship_status_code_char(char c);
/* One record as a JSON line (newline included) into buf. Its length, or -1 if it does not fit.
 * Characters of last_error outside [A-Za-z0-9_.-] are left out. */
int tt_ship_status_format(const struct tt_ship_status *s, char *buf, size_t n);

#endif
