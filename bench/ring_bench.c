/* Ring throughput benchmark (built and run by bench/ring_throughput.sh): one producer process
 * writes N openat-like records as fast as it can, one consumer process reads them, and the
 * figures are printed beside a baseline transport that moves the same records between the
 * same two processes through a pipe (one write(2) per record, as a naive tracer would).
 *
 *   ring_bench ring N DATA_SIZE BLOCKING    ring_bench pipe N
 * prints: events/s, MB/s, producer ns per event, delivered, dropped.
 *   ring_bench paced N RATE
 * a producer writing RATE events/s (as a tracer does): the distribution of the cost of one
 * tt_ring_write, wake-ups of the consumer included. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tt_event.h"
#include "tt_ring.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t make(uint8_t *buf, size_t cap, uint64_t i)
{
    struct tt_evb b;
    tt_evb_begin(&b, buf, cap, TT_EV_OPENAT, i, 1234, 1234);
    tt_evb_i64(&b, TT_P_DIRFD, -100);
    tt_evb_str(&b, TT_P_NAME, "/usr/lib/x86_64-linux-gnu/libc.so.6");
    tt_evb_u64(&b, TT_P_FLAGS, 0x80000);
    tt_evb_u64(&b, TT_P_MODE, 0);
    return tt_evb_finish(&b, 3);
}

static int read_full(int fd, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static void report(const char *name, uint64_t n, uint64_t delivered, uint64_t dropped,
                   uint64_t elapsed, uint64_t prod_ns, size_t reclen)
{
    double secs = (double)elapsed / 1e9;
    printf("  %-28s %12.0f %9.1f %10.1f %12" PRIu64 " %10" PRIu64 "\n", name,
           (double)delivered / secs, (double)delivered * (double)reclen / secs / 1e6,
           (double)prod_ns / (double)n, delivered, dropped);
}

static int bench_ring(uint64_t n, size_t size, int blocking)
{
    int key = (int)(0x7f000000u | ((unsigned)getpid() & 0xffffffu));
    char why[256];
    struct tt_ring *p =
        tt_ring_create(key, size, blocking ? TT_RING_BLOCKING : 0, 0600, NULL, why, sizeof why);
    if (!p) {
        fprintf(stderr, "ring_bench: %s\n", why);
        return 1;
    }
    int res[2];
    if (pipe(res) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        struct tt_ring *c = tt_ring_attach(key, 5000, why, sizeof why);
        uint64_t got = 0;
        const struct tt_event *ev;
        while (c && tt_ring_read(c, &ev, -1) == 1)
            got++;
        uint64_t end = now_ns();
        uint64_t out[2] = {got, end};
        if (write(res[1], out, sizeof out) != sizeof out)
            _exit(1);
        tt_ring_detach(c);
        _exit(0);
    }
    if (tt_ring_wait_consumer(p, 5000) != 1) {
        fprintf(stderr, "ring_bench: no consumer\n");
        return 1;
    }
    uint8_t buf[512];
    size_t len = make(buf, sizeof buf, 0);
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        memcpy(buf + 8, &i, sizeof i); /* ts_ns: a different record each time */
        tt_ring_write(p, (const void *)buf);
    }
    uint64_t t1 = now_ns();
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    tt_ring_close_producer(p);
    uint64_t out[2];
    if (read_full(res[0], out, sizeof out) != 0)
        return 1;
    waitpid(pid, NULL, 0);
    char name[64];
    snprintf(name, sizeof name, "tartan ring %s %zuK", blocking ? "blocking" : "non-blocking",
             size / 1024);
    report(name, n, out[0], st.dropped, out[1] - t0, t1 - t0, len);
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A tracer-like producer: one event every 1e9/rate ns; the cost of each tt_ring_write (which
 * includes any wake-up syscall it has to make) is what the traced workload would pay. */
static int bench_paced(uint64_t n, uint64_t rate)
{
    int key = (int)(0x7f800000u | ((unsigned)getpid() & 0x7fffffu));
    char why[256];
    struct tt_ring *p = tt_ring_create(key, 8u << 20, 0, 0600, NULL, why, sizeof why);
    if (!p) {
        fprintf(stderr, "ring_bench: %s\n", why);
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        struct tt_ring *c = tt_ring_attach(key, 5000, why, sizeof why);
        const struct tt_event *ev;
        while (c && tt_ring_read(c, &ev, -1) == 1)
            ;
        tt_ring_detach(c);
        _exit(0);
    }
    if (tt_ring_wait_consumer(p, 5000) != 1)
        return 1;
    uint64_t *cost = malloc(n * sizeof *cost);
    if (!cost)
        return 1;
    uint8_t buf[512];
    make(buf, sizeof buf, 0);
    uint64_t gap = 1000000000u / rate, next = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        while (now_ns() < next)
            ;
        uint64_t t0 = now_ns();
        tt_ring_write(p, (const void *)buf);
        cost[i] = now_ns() - t0;
        next += gap;
    }
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    tt_ring_close_producer(p);
    waitpid(pid, NULL, 0);
    qsort(cost, n, sizeof *cost, cmp_u64);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++)
        sum += cost[i];
    printf("  paced %7" PRIu64 " ev/s: write median %4" PRIu64 " ns, mean %6.1f ns, p99 %6" PRIu64
           " ns, max %7" PRIu64 " ns, dropped %" PRIu64 "\n",
           rate, cost[n / 2], (double)sum / (double)n, cost[n * 99 / 100], cost[n - 1], st.dropped);
    free(cost);
    return 0;
}

static int bench_pipe(uint64_t n)
{
    int fds[2], res[2];
    if (pipe(fds) != 0 || pipe(res) != 0)
        return 1;
    uint8_t buf[512];
    size_t len = make(buf, sizeof buf, 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[1]);
        uint8_t rec[TT_EVENT_MAX_LEN];
        uint64_t got = 0;
        for (;;) {
            if (read_full(fds[0], rec, sizeof(struct tt_event)) != 0)
                break;
            uint32_t l;
            memcpy(&l, rec, sizeof l);
            if (l < sizeof(struct tt_event) || l > sizeof rec ||
                read_full(fds[0], rec + sizeof(struct tt_event), l - sizeof(struct tt_event)))
                break;
            if (tt_event_validate(rec, l) == 0)
                got++;
        }
        uint64_t out[2] = {got, now_ns()};
        if (write(res[1], out, sizeof out) != sizeof out)
            _exit(1);
        _exit(0);
    }
    close(fds[0]);
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        memcpy(buf + 8, &i, sizeof i);
        if (write(fds[1], buf, len) != (ssize_t)len)
            return 1;
    }
    uint64_t t1 = now_ns();
    close(fds[1]);
    uint64_t out[2];
    if (read_full(res[0], out, sizeof out) != 0)
        return 1;
    waitpid(pid, NULL, 0);
    report("pipe, write(2) per event", n, out[0], 0, out[1] - t0, t1 - t0, len);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "ring") == 0)
        return bench_ring(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0), atoi(argv[4]));
    if (argc >= 4 && strcmp(argv[1], "paced") == 0)
        return bench_paced(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0));
    if (argc >= 3 && strcmp(argv[1], "pipe") == 0)
        return bench_pipe(strtoull(argv[2], NULL, 0));
    if (argc >= 2 && strcmp(argv[1], "header") == 0) {
        printf("  %-28s %12s %9s %10s %12s %10s\n", "transport", "events/s", "MB/s", "prod ns/ev",
               "delivered", "dropped");
        return 0;
    }
    fprintf(stderr,
            "usage: ring_bench ring N DATA_SIZE BLOCKING | pipe N | paced N RATE | header\n");
    return 2;
}
