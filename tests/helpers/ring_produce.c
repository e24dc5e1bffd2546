/* Test producer for the ring: writes numbered test events (ring_common.h) into the ring (or a
 * capture file) and reports its counters on stdout as key=value lines.
 *
 *   ring_produce [--key K] [--size BYTES] [--count N] [--namelen L] [--blocking]
 *                [--wait-consumer MS] [--hold MS] [--crash] [--hdr-version V]
 *                [--scribble] [--ready FILE] [--capture FILE] [--interval-us U] [--delay MS]
 *
 * --wait-consumer: wait for a consumer before writing (exit 4 if refused, 5 on timeout);
 * --hold: stay alive MS after writing (before closing); --crash: SIGKILL itself instead of
 * closing; --hdr-version: forge the stream header's version after creating the ring;
 * --scribble: after writing, overwrite the data area with random bytes; --ready: create FILE
 * once the ring exists; --delay: sleep MS after creating (before waiting for a consumer). */
#include "ring_common.h"

#include <signal.h>
#include <time.h>

int main(int argc, char **argv)
{
    int key = TT_RING_DEFAULT_KEY, blocking = 0, crash = 0, scribble = 0;
    long size = 65536, count = 100, namelen = 0, wait_ms = -1, hold_ms = 0, hdr_version = -1;
    long interval_us = 0, delay_ms = 0;
    const char *ready = NULL, *capture = NULL;
    tt_log_init("ring_produce");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--key"))
            key = ring_parse_key_or_die(v), i++;
        else if (!strcmp(a, "--size"))
            size = atol(v), i++;
        else if (!strcmp(a, "--count"))
            count = atol(v), i++;
        else if (!strcmp(a, "--namelen"))
            namelen = atol(v), i++;
        else if (!strcmp(a, "--wait-consumer"))
            wait_ms = atol(v), i++;
        else if (!strcmp(a, "--hold"))
            hold_ms = atol(v), i++;
        else if (!strcmp(a, "--hdr-version"))
            hdr_version = atol(v), i++;
        else if (!strcmp(a, "--delay"))
            delay_ms = atol(v), i++;
        else if (!strcmp(a, "--interval-us"))
            interval_us = atol(v), i++;
        else if (!strcmp(a, "--ready"))
            ready = v, i++;
        else if (!strcmp(a, "--capture"))
            capture = v, i++;
        else if (!strcmp(a, "--blocking"))
            blocking = 1;
        else if (!strcmp(a, "--crash"))
            crash = 1;
        else if (!strcmp(a, "--scribble"))
            scribble = 1;
        else {
            fprintf(stderr, "ring_produce: unknown argument %s\n", a);
            return 2;
        }
    }
    char why[512];
    static uint8_t buf[TT_EVENT_MAX_LEN];
    if (capture) {
        struct tt_capture_writer *w = tt_capture_create(capture, why, sizeof why);
        if (!w) {
            fprintf(stderr, "ring_produce: %s\n", why);
            return 3;
        }
        for (long i = 0; i < count; i++) {
            ring_test_record(buf, sizeof buf, (uint64_t)i, (size_t)namelen);
            if (tt_capture_write(w, (const void *)buf) != 0)
                return 3;
        }
        if (tt_capture_close(w) != 0)
            return 3;
        printf("produced=%ld\n", count);
        return 0;
    }
    struct tt_ring *r = tt_ring_create(key, (size_t)size, blocking ? TT_RING_BLOCKING : 0, 0600,
                                       NULL, why, sizeof why);
    if (!r) {
        fprintf(stderr, "ring_produce: %s\n", why);
        return 3;
    }
    if (hdr_version >= 0) /* a producer of that version: its header and what it checks */
        r->c->hdr.version = r->version = (uint32_t)hdr_version;
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f)
            fclose(f);
    }
    if (delay_ms > 0)
        usleep((useconds_t)delay_ms * 1000u);
    if (wait_ms >= 0) {
        int w = tt_ring_wait_consumer(r, (int)wait_ms);
        if (w == 0 && tt_ring_error(r)[0]) {
            fprintf(stderr, "ring_produce: %s\n", tt_ring_error(r));
            return 4;
        }
        if (w == 0) {
            fprintf(stderr, "ring_produce: no consumer within %ld ms\n", wait_ms);
            return 5;
        }
    }
    long ok = 0;
    for (long i = 0; i < count; i++) {
        ring_test_record(buf, sizeof buf, (uint64_t)i, (size_t)namelen);
        if (tt_ring_write(r, (const void *)buf) == 0)
            ok++;
        if (interval_us > 0)
            usleep((useconds_t)interval_us);
    }
    if (scribble) {
        srand((unsigned)time(NULL));
        for (uint64_t k = 0; k < r->size; k++)
            r->data[k] = (uint8_t)rand();
    }
    struct tt_ring_stats st;
    tt_ring_get_stats(r, &st);
    printf("produced=%llu written=%ld dropped=%llu shmid=%d\n", (unsigned long long)st.produced, ok,
           (unsigned long long)st.dropped, tt_ring_shmid(r));
    fflush(stdout);
    if (hold_ms > 0)
        usleep((useconds_t)hold_ms * 1000u);
    if (crash)
        kill(getpid(), SIGKILL);
    tt_ring_close_producer(r);
    return 0;
}
