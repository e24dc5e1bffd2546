/* tracer: event sink over the ring or a capture file (see sink.h). */
#include "sink.h"

#include <string.h>

#include "tt_capture.h"
#include "tt_log.h"
#include "tt_ring.h"

int tr_sink_open(struct tr_sink *s, const char *capture_path, int ring_key, size_t ring_size,
                 int blocking, char *why, size_t whylen)
{
    memset(s, 0, sizeof *s);
    s->shmid = -1;
    if (capture_path) {
        s->cap = tt_capture_create(capture_path, why, whylen);
        return s->cap ? 0 : -1;
    }
    s->ring = tt_ring_create(ring_key, ring_size, blocking ? TT_RING_BLOCKING : 0, 0600, &s->shmid,
                             why, whylen);
    return s->ring ? 0 : -1;
}

void tr_sink_emit(struct tr_sink *s, const void *rec)
{
    const struct tt_event *ev = rec;
    s->produced++;
    int rc = -1;
    if (s->cap)
        rc = tt_capture_write(s->cap, ev);
    else if (s->ring)
        rc = tt_ring_write(s->ring, ev);
    if (rc != 0) {
        s->failed++;
        if (s->cap && !s->write_error_logged) {
            tt_error("cannot write to the capture file; events are lost from now on");
            s->write_error_logged = 1;
        }
    }
}

int tr_sink_wait_consumer(struct tr_sink *s, int timeout_ms)
{
    if (!s->ring)
        return 1;
    return tt_ring_wait_consumer(s->ring, timeout_ms);
}

void tr_sink_close(struct tr_sink *s)
{
    if (s->cap) {
        if (tt_capture_close(s->cap) != 0)
            tt_error("error closing the capture file");
        s->cap = NULL;
    }
    if (s->ring) {
        tt_ring_close_producer(s->ring);
        s->ring = NULL;
    }
}
