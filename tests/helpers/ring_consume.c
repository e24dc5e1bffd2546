/* Test consumer for the ring: reads test events (ring_common.h), checks each one is intact and
 * that sequence numbers only grow, and reports on stdout:
 *   consumed=N bad=B first=F last=L produced=P dropped=D corrupt=C eof=0|1
 *
 *   ring_consume [--key K] [--wait MS] [--stall MS] [--delay-us U] [--idle MS]
 *                [--claim-version V] [--reads A-B] [--hold MS] [--namelen L] [--ready FILE]
 *
 * --stall: attach, then read nothing for MS; --delay-us: sleep after each event;
 * --idle: stop after MS without an event; --claim-version: attach as a consumer of format
 * version V would (a consumer of another build), then hold for --hold MS; --reads: read stream
 * versions A to B, as another release would (the next one: current and previous);
 * --ready: create FILE once attached. */
#define TT_RING_TEST_HOOKS 1 /* --claim-version */
#include "ring_common.h"

int main(int argc, char **argv)
{
    int key = TT_RING_DEFAULT_KEY;
    long wait_ms = 5000, stall_ms = 0, delay_us = 0, idle_ms = -1, claim = -1, hold_ms = 0;
    long namelen = 0;
    const char *ready = NULL;
    tt_log_init("ring_consume");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--key"))
            key = ring_parse_key_or_die(v), i++;
        else if (!strcmp(a, "--wait"))
            wait_ms = atol(v), i++;
        else if (!strcmp(a, "--stall"))
            stall_ms = atol(v), i++;
        else if (!strcmp(a, "--delay-us"))
            delay_us = atol(v), i++;
        else if (!strcmp(a, "--idle"))
            idle_ms = atol(v), i++;
        else if (!strcmp(a, "--claim-version"))
            claim = atol(v), i++;
        else if (!strcmp(a, "--reads")) {
            if (sscanf(v, "%u-%u", &reads_oldest, &reads_newest) != 2) {
                fprintf(stderr, "ring_consume: --reads A-B\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--hold"))
            hold_ms = atol(v), i++;
        else if (!strcmp(a, "--namelen"))
            namelen = atol(v), i++;
        else if (!strcmp(a, "--ready"))
            ready = v, i++;
        else {
            fprintf(stderr, "ring_consume: unknown argument %s\n", a);
            return 2;
        }
    }
    char why[512];
    if (claim >= 0) /* published at attach, before `attached`, like another build would */
        consumer_version = (uint32_t)claim;
    struct tt_ring *r = tt_ring_attach(key, (int)wait_ms, why, sizeof why);
    if (!r) {
        fprintf(stderr, "ring_consume: %s\n", why);
        return 3;
    }
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f)
            fclose(f);
    }
    if (claim >= 0) {
        usleep((useconds_t)hold_ms * 1000u);
        tt_ring_detach(r);
        return 0;
    }
    if (stall_ms > 0)
        usleep((useconds_t)stall_ms * 1000u);
    static uint8_t want[TT_EVENT_MAX_LEN];
    long consumed = 0, bad = 0, corrupt_reads = 0;
    int64_t first = -1, last = -1;
    int eof = 0;
    for (;;) {
        const struct tt_event *ev;
        int rc = tt_ring_read(r, &ev, idle_ms >= 0 ? (int)idle_ms : -1);
        if (rc == 0)
            break;
        if (rc == -1) {
            eof = 1;
            break;
        }
        if (rc == -2) {
            corrupt_reads++;
            fprintf(stderr, "ring_consume: %s\n", tt_ring_error(r));
            continue;
        }
        int64_t seq = -1;
        tt_event_get_i64(ev, TT_P_FD, &seq);
        size_t len = ring_test_record(want, sizeof want, (uint64_t)seq, (size_t)namelen);
        if (seq <= last || ev->len != len || memcmp(ev, want, len) != 0)
            bad++;
        if (first < 0)
            first = seq;
        last = seq;
        consumed++;
        tt_ring_release(r, ev);
        if (delay_us > 0)
            usleep((useconds_t)delay_us);
    }
    struct tt_ring_stats st;
    tt_ring_get_stats(r, &st);
    printf("consumed=%ld bad=%ld first=%lld last=%lld produced=%llu dropped=%llu corrupt=%llu "
           "total_consumed=%llu corrupt_reads=%ld eof=%d\n",
           consumed, bad, (long long)first, (long long)last, (unsigned long long)st.produced,
           (unsigned long long)st.dropped, (unsigned long long)st.corrupt,
           (unsigned long long)st.consumed, corrupt_reads, eof);
    tt_ring_detach(r);
    return 0;
}
