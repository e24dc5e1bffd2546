/* tracer dump: prints a capture file or the live ring as readable text, one event a line
 * (tt_event_format, like `sysdig -r`), or the ring's counters (--stats). For debugging and
 * for tests. */
#include "dump.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tt_capture.h"
#include "tt_event.h"
#include "tt_log.h"
#include "tt_ring.h"
#include "tt_sysnames.h"
#include "tt_time.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fputs("usage: tracer dump [-n N] [--header] FILE|-\n"
          "       tracer dump [-n N] [--wait MS] [--idle MS] --ring [KEY]\n"
          "       tracer dump --stats [KEY]\n"
          "Prints events one a line: <time> <tid>/<pid> <type> ret=<ret> name=value...\n"
          "  FILE          a capture file (tracer -w FILE); - reads stdin\n"
          "  --ring [KEY]  consume the shared-memory ring (default key $TT_RING_KEY or "
          "0x54415254)\n"
          "  --stats [KEY] print the ring's counters without consuming\n"
          "  -n N          stop after N events\n"
          "  --wait MS     how long to wait for the ring to appear (default forever)\n"
          "  --idle MS     stop after MS without an event (default: until end of stream)\n"
          "  --header      print the stream header first\n"
          "Exit: 0 ok, 1 corrupt or truncated data met, 2 usage, 3 no stream or refused.\n",
          f);
}

/* Formats ev into *buf (grown as needed) and prints it. */
static int print_event(const struct tt_event *ev, char **buf, size_t *cap)
{
    int n = tt_event_format(ev, *buf, *cap);
    if (n >= 0 && (size_t)n >= *cap) {
        size_t want = (size_t)n + 1;
        char *nb = realloc(*buf, want);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = want;
        n = tt_event_format(ev, *buf, *cap);
    }
    fputs(*buf, stdout);
    fputc('\n', stdout);
    return 0;
}

static void print_header(const struct tt_stream_hdr *h)
{
    const char *arch = tt_arch_name(tt_stream_hdr_arch(h));
    printf("# stream version=%" PRIu32 " start_ns=%" PRIu64 " producer_pid=%" PRIu32
           " flags=0x%" PRIx32 " arch=%s\n",
           h->version, h->start_ns, h->producer_pid, h->flags, arch ? arch : "unknown");
}

static int dump_file(const char *path, long max, int header)
{
    char why[512];
    struct tt_capture_reader *r = tt_capture_open(path, why, sizeof why);
    if (!r) {
        tt_error("%s", why);
        return DUMP_NO_STREAM;
    }
    if (header)
        print_header(tt_capture_header(r));
    size_t cap = 4096;
    char *buf = malloc(cap);
    int rc = DUMP_OK, n;
    long count = 0;
    const struct tt_event *ev;
    while (buf && (max < 0 || count < max) && (n = tt_capture_next(r, &ev, why, sizeof why))) {
        if (n < 0) {
            fflush(stdout);
            tt_error("%s", why);
            rc = DUMP_BAD_DATA;
            break;
        }
        if (print_event(ev, &buf, &cap) != 0)
            break;
        count++;
    }
    if (!buf)
        tt_error("out of memory");
    free(buf);
    tt_capture_close_reader(r);
    if (fflush(stdout) != 0 && errno != EPIPE)
        return DUMP_BAD_DATA;
    return rc;
}

static void print_stats(int key, const struct tt_ring *r)
{
    struct tt_ring_stats st;
    tt_ring_get_stats(r, &st);
    printf(
        "key=0x%x\nshmid=%d\ndata_size=%" PRIu64 "\nused_bytes=%" PRIu64 "\nproduced=%" PRIu64
        "\nconsumed=%" PRIu64 "\ndropped=%" PRIu64 "\ndropped_bytes=%" PRIu64 "\ncorrupt=%" PRIu64
        "\nin_flight=%" PRIu64 "\nproducer_pid=%" PRIu32 "\nproducer_alive=%d\nproducer_done=%d\n"
        "consumer_attached=%d\nconsumer_pid=%" PRIu32 "\nattaches=%" PRIu32 "\nblocking=%d\n",
        (unsigned)key, tt_ring_shmid(r), st.data_size, st.used_bytes, st.produced, st.consumed,
        st.dropped, st.dropped_bytes, st.corrupt, st.in_flight, st.producer_pid, st.producer_alive,
        st.producer_done, st.consumer_attached, st.consumer_pid, st.attaches, st.blocking);
    /* The consumer's heartbeat (what a health check looks at): age in ms, -1 if it keeps none. */
    uint64_t now_ns = tt_wall_ns();
    long long age = st.consumer_heartbeat && st.consumer_beat_ns && now_ns >= st.consumer_beat_ns
                        ? (long long)((now_ns - st.consumer_beat_ns) / 1000000u)
                        : -1;
    printf("consumer_heartbeat=%d\nconsumer_beats=%" PRIu32 "\nconsumer_heartbeat_age_ms=%lld\n"
           "drops_reported=%" PRIu64 "\n",
           st.consumer_heartbeat, st.consumer_beats, age, st.drops_reported);
}

static int dump_stats(int key)
{
    char why[512];
    struct tt_ring *r = tt_ring_observe(key, why, sizeof why);
    if (!r) {
        tt_error("%s", why);
        return DUMP_NO_STREAM;
    }
    print_stats(key, r);
    tt_ring_detach(r);
    return fflush(stdout) == 0 ? DUMP_OK : DUMP_BAD_DATA;
}

static int dump_ring(int key, long max, int wait_ms, int idle_ms)
{
    char why[512];
    struct tt_ring *r = tt_ring_attach(key, wait_ms, why, sizeof why);
    if (!r) {
        tt_error("%s", why);
        return DUMP_NO_STREAM;
    }
    /* Attached: stop on SIGINT/SIGTERM by detaching cleanly (before, the default action is
     * right: there is nothing to undo). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    size_t cap = 4096;
    char *buf = malloc(cap);
    int rc = DUMP_OK;
    long count = 0;
    int idle = 0;
    while (buf && !stop_requested && (max < 0 || count < max)) {
        const struct tt_event *ev;
        /* Short slices so a signal stops us promptly and --idle is honoured. */
        int n = tt_ring_read(r, &ev, 200);
        if (n == 1) {
            idle = 0;
            if (print_event(ev, &buf, &cap) != 0)
                break;
            tt_ring_release(r, ev);
            count++;
        } else if (n == 0) {
            fflush(stdout);
            idle += 200;
            if (idle_ms >= 0 && idle >= idle_ms)
                break;
        } else if (n == -1) {
            break;
        } else {
            fflush(stdout);
            tt_error("%s", tt_ring_error(r));
            rc = DUMP_BAD_DATA;
        }
    }
    if (!buf)
        tt_error("out of memory");
    free(buf);
    struct tt_ring_stats st;
    tt_ring_get_stats(r, &st);
    tt_info("ring 0x%x: %ld events printed; produced=%" PRIu64 " consumed=%" PRIu64
            " dropped=%" PRIu64 " corrupt=%" PRIu64,
            (unsigned)key, count, st.produced, st.consumed, st.dropped, st.corrupt);
    tt_ring_detach(r);
    fflush(stdout);
    return rc;
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !*s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int tracer_dump_main(int argc, char **argv)
{
    tt_log_init("tracer dump");
    long max = -1, wait_ms = -1, idle_ms = -1;
    int ring = 0, stats = 0, header = 0;
    const char *file = NULL, *keystr = getenv("TT_RING_KEY");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return DUMP_OK;
        } else if (strcmp(a, "--ring") == 0 || strcmp(a, "--stats") == 0) {
            ring = 1;
            stats = stats || a[2] == 's'; /* --stats --ring KEY is still --stats */
            if (next && next[0] != '-') {
                keystr = next;
                i++;
            }
        } else if (strcmp(a, "-n") == 0 || strcmp(a, "--wait") == 0 || strcmp(a, "--idle") == 0) {
            long v;
            if (!next || parse_long(next, &v) != 0) {
                fprintf(stderr, "tracer dump: %s needs a non-negative number\n", a);
                return DUMP_USAGE;
            }
            if (a[1] == 'n')
                max = v;
            else if (a[2] == 'w')
                wait_ms = v;
            else
                idle_ms = v;
            i++;
        } else if (strcmp(a, "--header") == 0) {
            header = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "tracer dump: unknown option %s\n", a);
            usage(stderr);
            return DUMP_USAGE;
        } else if (!file) {
            file = a;
        } else {
            usage(stderr);
            return DUMP_USAGE;
        }
    }
    if (ring == !!file) {
        usage(stderr);
        return DUMP_USAGE;
    }
    if (file)
        return dump_file(file, max, header);
    int key = TT_RING_DEFAULT_KEY;
    if (keystr && tt_ring_parse_key(keystr, &key) != 0) {
        fprintf(stderr, "tracer dump: bad ring key '%s' (hex 0x... or decimal, not 0)\n", keystr);
        return DUMP_USAGE;
    }
    if (wait_ms > 0x7fffffffL)
        wait_ms = 0x7fffffffL;
    if (idle_ms > 0x7fffffffL)
        idle_ms = 0x7fffffffL;
    if (stats)
        return dump_stats(key);
    return dump_ring(key, max, (int)wait_ms, (int)idle_ms);
}
