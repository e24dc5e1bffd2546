/* The engine's side of the program output's delivery status (lib/tt_shipstatus.h): parsing one
 * record, and folding the records of successive program processes into totals. */
#ifndef ENGINE_SHIP_STATUS_H
#define ENGINE_SHIP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "tt_shipstatus.h"

/* Parses one record (a JSON object, with or without its newline). 0, or -1 if it is not one
 * (not JSON, another version, a counter that is not a non-negative integer): *out untouched. */
int ship_status_parse(const char *line, size_t len, struct tt_ship_status *out);

/* What the engine knows about delivery through the program output, all processes included. */
struct ship_totals {
    int running;               /* a process runs now */
    int pid;                   /* its pid (0 if none) */
    int ever_reported;         /* the program writes status records (logshipper does) */
    int reporting;             /* a record arrived from the current process */
    uint64_t age_ms;           /* since its last record (when reporting) */
    uint64_t down_ms;          /* keep_alive: how long no process has run (0 while one runs) */
    struct tt_ship_status cur; /* the current process's last record */
    /* processes that have exited: sums of their last records */
    uint64_t read, delivered, rejected, dropped, undelivered, retries, batches;
};

#endif
