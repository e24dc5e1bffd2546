/* adv_ring_flood: a burst of events that overflows the ring by an exact number of records, as a
 * workload that floods syscalls to hide one in the drops would cause. It is the producer: it
 * creates the ring, and for each burst optionally stops the engine (SIGSTOP to --stop PID),
 * writes until the first record is dropped and then exactly DROPS-1 more, and lets the engine
 * go again (SIGCONT); then it waits --pause ms for the engine to catch up.
 *
 *   adv_ring_flood --key K [--size BYTES] --drops D [--bursts B] [--stop PID]
 *                  [--wait-consumer MS] [--pause MS] [--hold MS]
 *
 * Without --stop and --wait-consumer it floods a ring no engine reads yet, then stays --hold ms
 * and closes the stream, leaving the records for an engine still to come. Prints
 * "burst=N produced=P dropped=D" after each burst. */
#include "../helpers/ring_common.h"

#include <signal.h>

int main(int argc, char **argv)
{
    int key = 0;
    long size = 4 << 20, drops = 0, bursts = 1, wait_ms = -1, pause_ms = 1500, hold_ms = 0;
    pid_t stop = 0;
    tt_log_init("adv_ring_flood");
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--key"))
            key = ring_parse_key_or_die(v);
        else if (!strcmp(a, "--size"))
            size = atol(v);
        else if (!strcmp(a, "--drops"))
            drops = atol(v);
        else if (!strcmp(a, "--bursts"))
            bursts = atol(v);
        else if (!strcmp(a, "--stop"))
            stop = (pid_t)atol(v);
        else if (!strcmp(a, "--wait-consumer"))
            wait_ms = atol(v);
        else if (!strcmp(a, "--pause"))
            pause_ms = atol(v);
        else if (!strcmp(a, "--hold"))
            hold_ms = atol(v);
        else {
            fprintf(stderr, "adv_ring_flood: unknown argument %s\n", a);
            return 2;
        }
    }
    if (!key || drops < 1) {
        fprintf(stderr, "adv_ring_flood: --key and --drops N (N >= 1) are needed\n");
        return 2;
    }
    char why[256];
    struct tt_ring *r = tt_ring_create(key, (size_t)size, 0, 0600, NULL, why, sizeof why);
    if (!r) {
        fprintf(stderr, "adv_ring_flood: %s\n", why);
        return 1;
    }
    if (wait_ms >= 0 && !tt_ring_wait_consumer(r, (int)wait_ms)) {
        fprintf(stderr, "adv_ring_flood: no consumer\n");
        tt_ring_close_producer(r);
        return 5;
    }
    static uint8_t buf[4096];
    uint64_t seq = 0;
    for (long b = 1; b <= bursts; b++) {
        if (stop && kill(stop, SIGSTOP) != 0)
            perror("adv_ring_flood: SIGSTOP");
        long lost = 0;
        while (lost < drops) {
            ring_test_record(buf, sizeof buf, seq++, 0);
            if (tt_ring_write(r, (const void *)buf) != 0)
                lost++;
        }
        struct tt_ring_stats st;
        tt_ring_get_stats(r, &st);
        printf("burst=%ld produced=%llu dropped=%llu\n", b, (unsigned long long)st.produced,
               (unsigned long long)st.dropped);
        fflush(stdout);
        if (stop) {
            sleep_ms(200); /* tt_ring.c's */
            kill(stop, SIGCONT);
        }
        sleep_ms((int)pause_ms);
    }
    sleep_ms((int)hold_ms);
    tt_ring_close_producer(r);
    return 0;
}
