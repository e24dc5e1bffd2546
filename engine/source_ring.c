/* Ring event source (the default): attaches to the tracer's shared-memory ring, waiting for it
 * to appear, and dispatches the common source interface to the ring or the capture reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source.h"
#include "source_priv.h"
#include "tt_log.h"
#include "tt_ring.h"

#define ATTACH_STEP_MS 200

struct source *source_try_ring(int key, int wait_ms, int *logged, char *err, size_t n)
{
    struct source *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    char why[256] = "";
    s->ring = tt_ring_attach(key, wait_ms, why, sizeof why);
    if (s->ring)
        return s;
    int e = errno;
    free(s);
    /* no ring yet is the normal wait; anything else (another version, a live consumer) is
     * worth a reason */
    snprintf(err, n, "%s", e == ENOENT ? "" : why);
    /* A ring we cannot read (another format version): an error, once per reason; the tracer
     * waits for us and, failing closed, does not start the workload. Any other refusal
     * (another uid's ring, a live consumer) is an error to fix too, though a later ring may
     * be fine. */
    static char refused[256];
    if (e == EPROTO && strcmp(why, refused) != 0) {
        tt_error("cannot read the event ring: %s", why);
        snprintf(refused, sizeof refused, "%s", why);
        *logged = 1;
    } else if (!*logged) {
        tt_log(e == ENOENT ? TT_LOG_INFO : TT_LOG_ERROR,
               "waiting for the tracer's event ring (key 0x%x)%s%s", (unsigned)key,
               why[0] ? ": " : "", why);
        *logged = 1;
    }
    if (e != ENOENT && wait_ms > 0) {
        /* refused: the attach returned at once; wait as a missing ring would, not spin */
        struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int source_next(struct source *s, const struct tt_event **ev, int timeout_ms, char *err, size_t n)
{
    if (s->cap)
        return source_capture_next(s, ev, err, n);
    int rc = tt_ring_read(s->ring, ev, timeout_ms);
    if (rc == -2 || rc == -1)
        snprintf(err, n, "%s", tt_ring_error(s->ring));
    return rc;
}

void source_release(struct source *s, const struct tt_event *ev)
{
    if (s->ring)
        tt_ring_release(s->ring, ev);
}

int source_counters(struct source *s, uint64_t *produced, uint64_t *dropped)
{
    if (!s->ring)
        return 0;
    struct tt_ring_stats st;
    tt_ring_get_stats(s->ring, &st);
    *produced = st.produced;
    *dropped = st.dropped;
    return 1;
}

struct tt_ring *source_ring_handle(struct source *s)
{
    return s ? s->ring : NULL;
}

int source_ring_stats(struct source *s, struct tt_ring_stats *out)
{
    if (!s || !s->ring)
        return 0;
    tt_ring_get_stats(s->ring, out);
    return 1;
}

int source_is_ring(const struct source *s)
{
    return s->ring != NULL;
}

void source_close(struct source *s)
{
    if (!s)
        return;
    if (s->ring)
        tt_ring_detach(s->ring);
    if (s->cap)
        source_capture_close(s);
    free(s);
}
