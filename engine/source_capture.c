/* Capture-file event source (-e FILE): tt_capture reader behind the source interface. */
#include <stdlib.h>

#include "source.h"
#include "source_priv.h"
#include "tt_capture.h"

struct source *source_open_capture(const char *path, char *err, size_t n)
{
    struct source *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    s->cap = tt_capture_open(path, err, n);
    if (!s->cap) {
        free(s);
        return NULL;
    }
    return s;
}

int source_capture_next(struct source *s, const struct tt_event **ev, char *err, size_t n)
{
    int rc = tt_capture_next(s->cap, ev, err, n);
    if (rc == 1)
        return 1;
    if (rc == 0)
        return -1;
    return -3; /* a corrupt capture cannot be resynchronised: stop */
}

void source_capture_close(struct source *s)
{
    tt_capture_close_reader(s->cap);
}
