/* tracer: where events go: the shared-memory ring (default) or a capture file (-w FILE). */
#ifndef TRACER_SINK_H
#define TRACER_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "tt_event.h"

struct tt_ring;
struct tt_capture_writer;

struct tr_sink {
    struct tt_ring *ring;
    struct tt_capture_writer *cap;
    int shmid;         /* ring segment id, -1 without a ring */
    uint64_t produced; /* records handed to the sink */
    uint64_t failed;   /* records the sink refused (ring full or write error) */
    int write_error_logged;
};

/* Opens the capture file (path != NULL) or creates the ring. 0 or -1 (reason in why). */
int tr_sink_open(struct tr_sink *s, const char *capture_path, int ring_key, size_t ring_size,
                 int blocking, char *why, size_t whylen);
/* Writes one finished record. */
void tr_sink_emit(struct tr_sink *s, const void *rec);
/* Bounded wait for the engine (ring only; a capture file is always "attached"). 1/0. */
int tr_sink_wait_consumer(struct tr_sink *s, int timeout_ms);
void tr_sink_close(struct tr_sink *s);

#endif
