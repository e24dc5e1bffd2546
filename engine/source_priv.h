/* Internals shared by source_ring.c and source_capture.c. */
#ifndef ENGINE_SOURCE_PRIV_H
#define ENGINE_SOURCE_PRIV_H

#include <stdio.h>

#include "source.h"

struct tt_ring;
struct tt_capture_reader;

struct source {
    struct tt_ring *ring;
    struct tt_capture_reader *cap;
};

int source_capture_next(struct source *s, const struct tt_event **ev, char *err, size_t n);
void source_capture_close(struct source *s);

#endif
