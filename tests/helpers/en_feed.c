/* en_feed: feeds the engine synthetic "bash ran in a container" events, through a capture file
 * or the shared-memory ring, for the engine runtime tests.
 *
 *   en_feed (--capture FILE | --ring KEY) [--size BYTES] [--count N] [--interval-ms M]
 *           [--filler K] [--wait-consumer MS] [--last-gap-ms G] [--hold MS] [--ready FILE]
 *           [--ts NS] [--ts-step-ms S] [--comm NAME] [--args "A B"] [--uid U] [--start-pid P]
 *           [--cgroup TEXT]
 *
 * Each of the N events is an execve of --comm (default bash) with --args (default
 * "-c echo <i>"), pid --start-pid+i, in container 2e153fc3dafb... (with --cgroup: cgroups TEXT
 * and an empty container id, as the tracer sends for "0::/" under a cgroup namespace); --filler
 * adds K openat events after each (to fill a small ring). Ring mode: events carry the wall clock, M
 * ms apart; after the last one the producer waits --last-gap-ms, prints its counts, stays
 * --hold ms more, then closes the ring (end of stream). Capture mode: timestamps start at --ts
 * (default the guide's sample alert time) and advance by --ts-step-ms. Prints "produced=N
 * dropped=D" at the end. */
#include "../../lib/tt_capture.c"
#include "../../lib/tt_event.c"
#include "../../lib/tt_log.c"
#include "../../lib/tt_ring.c"

#include <fcntl.h>
#include <stdlib.h>
#include <time.h>

static uint8_t buf[65536];

static uint64_t feed_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void feed_sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0)
        ;
}

static const char *cgroup_text; /* --cgroup */

static size_t mk_exec(uint64_t ts, int32_t pid, const char *comm, const char *args, uint64_t uid)
{
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_EXECVE, ts, pid, pid);
    char path[64];
    snprintf(path, sizeof path, "/bin/%s", comm);
    tt_evb_str(&b, TT_P_FILENAME, path);
    tt_evb_str(&b, TT_P_EXE, comm);
    char tmp[1024];
    size_t n = strlen(args);
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    for (size_t i = 0; i < n; i++)
        tmp[i] = args[i] == ' ' ? '\0' : args[i];
    tmp[n] = '\0';
    if (n)
        tt_evb_bytes(&b, TT_P_ARGS, TT_PK_STRLIST, tmp, n + 1);
    tt_evb_str(&b, TT_P_EXEPATH, path);
    tt_evb_str(&b, TT_P_CWD, "/");
    tt_evb_str(&b, TT_P_COMM, comm);
    tt_evb_i64(&b, TT_P_PTID, 1);
    tt_evb_u64(&b, TT_P_P_UID, uid);
    tt_evb_u64(&b, TT_P_P_EUID, uid);
    tt_evb_u64(&b, TT_P_P_GID, uid);
    tt_evb_u64(&b, TT_P_P_EGID, uid);
    tt_evb_i64(&b, TT_P_LOGINUID, -1);
    tt_evb_u64(&b, TT_P_TTY, 0);
    if (cgroup_text) {
        tt_evb_bytes(&b, TT_P_CGROUPS, TT_PK_STRLIST, cgroup_text, strlen(cgroup_text) + 1);
        tt_evb_str(&b, TT_P_CONTAINER_ID, "");
    } else {
        tt_evb_str(&b, TT_P_CONTAINER_ID,
                   "2e153fc3dafb4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b");
    }
    tt_evb_u64(&b, TT_P_CLONE_TS, ts - 1000000u);
    return tt_evb_finish(&b, 0);
}

static size_t mk_open(uint64_t ts, int32_t pid, int i)
{
    struct tt_evb b;
    char name[64];
    snprintf(name, sizeof name, "/tmp/filler-%d", i);
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_OPENAT, ts, pid, pid);
    tt_evb_i64(&b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&b, TT_P_NAME, name);
    tt_evb_u64(&b, TT_P_FLAGS, 1);
    tt_evb_u64(&b, TT_P_MODE, 0);
    return tt_evb_finish(&b, -2);
}

int main(int argc, char **argv)
{
    const char *capture = NULL, *ready = NULL, *comm = "bash", *args = NULL;
    long key = -1, size = 1 << 20, count = 1, interval = 0, filler = 0, wait_ms = -1, last_gap = 0,
         hold = 0, step_ms = 1, start_pid = 100;
    uint64_t ts0 = 1662658920851005190ull, uid = 0;
    tt_log_init("en_feed");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--capture"))
            capture = v, i++;
        else if (!strcmp(a, "--ring"))
            key = strtol(v, NULL, 0), i++;
        else if (!strcmp(a, "--size"))
            size = atol(v), i++;
        else if (!strcmp(a, "--count"))
            count = atol(v), i++;
        else if (!strcmp(a, "--interval-ms"))
            interval = atol(v), i++;
        else if (!strcmp(a, "--filler"))
            filler = atol(v), i++;
        else if (!strcmp(a, "--wait-consumer"))
            wait_ms = atol(v), i++;
        else if (!strcmp(a, "--last-gap-ms"))
            last_gap = atol(v), i++;
        else if (!strcmp(a, "--hold"))
            hold = atol(v), i++;
        else if (!strcmp(a, "--ready"))
            ready = v, i++;
        else if (!strcmp(a, "--ts"))
            ts0 = strtoull(v, NULL, 10), i++;
        else if (!strcmp(a, "--ts-step-ms"))
            step_ms = atol(v), i++;
        else if (!strcmp(a, "--comm"))
            comm = v, i++;
        else if (!strcmp(a, "--args"))
            args = v, i++;
        else if (!strcmp(a, "--uid"))
            uid = strtoull(v, NULL, 10), i++;
        else if (!strcmp(a, "--start-pid"))
            start_pid = atol(v), i++;
        else if (!strcmp(a, "--cgroup"))
            cgroup_text = v, i++;
        else {
            fprintf(stderr, "en_feed: unknown argument %s\n", a);
            return 2;
        }
    }
    char why[256];
    struct tt_capture_writer *w = NULL;
    struct tt_ring *r = NULL;
    if (capture) {
        w = tt_capture_create(capture, why, sizeof why);
    } else if (key >= 0) {
        r = tt_ring_create((int)key, (size_t)size, 0, 0600, NULL, why, sizeof why);
    } else {
        fprintf(stderr, "en_feed: --capture or --ring needed\n");
        return 2;
    }
    if (!w && !r) {
        fprintf(stderr, "en_feed: %s\n", why);
        return 1;
    }
    if (ready) {
        int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0)
            close(fd);
    }
    if (r && wait_ms >= 0 && !tt_ring_wait_consumer(r, (int)wait_ms)) {
        fprintf(stderr, "en_feed: no consumer\n");
        tt_ring_close_producer(r);
        return 5;
    }
    uint64_t ts = ts0;
    for (long i = 0; i < count; i++) {
        char defargs[64];
        snprintf(defargs, sizeof defargs, "-c echo %ld", i);
        uint64_t t = r ? feed_now_ns() : ts;
        size_t len = mk_exec(t, (int32_t)(start_pid + i), comm, args ? args : defargs, uid);
        const struct tt_event *ev = (const struct tt_event *)(const void *)buf;
        if (w ? tt_capture_write(w, ev) : tt_ring_write(r, ev)) {
            if (w) {
                fprintf(stderr, "en_feed: write failed\n");
                return 1;
            }
        }
        (void)len;
        for (long k = 0; k < filler; k++) {
            mk_open(r ? feed_now_ns() : ts, (int32_t)(start_pid + i), (int)k);
            ev = (const struct tt_event *)(const void *)buf;
            if (w)
                tt_capture_write(w, ev);
            else
                tt_ring_write(r, ev);
        }
        ts += (uint64_t)step_ms * 1000000u;
        if (interval && i + 1 < count)
            feed_sleep_ms(interval);
    }
    if (w)
        return tt_capture_close(w) ? 1 : 0;
    if (last_gap)
        feed_sleep_ms(last_gap);
    struct tt_ring_stats st;
    tt_ring_get_stats(r, &st);
    printf("produced=%llu dropped=%llu\n", (unsigned long long)st.produced,
           (unsigned long long)st.dropped);
    fflush(stdout);
    if (hold)
        feed_sleep_ms(hold);
    tt_ring_close_producer(r);
    return 0;
}
