/* Outputs replaced by a reload are drained and closed in the background: the program output gets
 * its whole delivery deadline, and the event loop must not stop reading the ring meanwhile. */
#include <pthread.h>
#include <stdlib.h>

#include "outputs.h"

#define MAX_RETIRING 16 /* reloads whose old outputs may still be closing */

struct retiring {
    struct outputs *out;
    int timeout_ms;
    uint64_t lost;
    pthread_t thr;
};

static struct retiring *retiring[MAX_RETIRING];
static size_t nretiring;
static uint64_t retired_lost;

static void *retire_thread(void *arg)
{
    struct retiring *r = arg;
    r->lost = outputs_free(r->out, r->timeout_ms, NULL);
    return NULL;
}

void outputs_retire(struct outputs *o, int timeout_ms)
{
    struct retiring *r = nretiring < MAX_RETIRING ? calloc(1, sizeof *r) : NULL;
    if (r) {
        r->out = o;
        r->timeout_ms = timeout_ms;
        if (pthread_create(&r->thr, NULL, retire_thread, r) == 0) {
            retiring[nretiring++] = r;
            return;
        }
        free(r);
    }
    retired_lost += outputs_free(o, timeout_ms, NULL); /* too many at once: close it here */
}

uint64_t outputs_join_retired(void)
{
    for (size_t i = 0; i < nretiring; i++) {
        pthread_join(retiring[i]->thr, NULL);
        retired_lost += retiring[i]->lost;
        free(retiring[i]);
    }
    nretiring = 0;
    return retired_lost;
}
