/* Sleeping, waking and liveness on the ring: who bumps which futex word and when (a thread of
 * the test sleeps on the word, as the other side does, with a long timeout: woken means the
 * wake-up was made, not that a poll came round), the sleep flags, a blocked producer woken by
 * the consumer freeing room or detaching, the heartbeat of a busy consumer, and the end of the
 * stream seen while a long read waits (a producer's death, its pidfd). */
#include "tt_test.h"
#include "tt_ring.h"
#include "ring_test_util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>

#ifndef FUTEX_WAIT
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#endif

/* A thread sleeping on a futex word of the segment for up to 2 s. */
struct waiter {
    uint32_t *word;
    uint32_t seen;
    long rc;
    _Atomic int tid;
    pthread_t thread;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    struct timespec ts = {2, 0};
    atomic_store(&w->tid, (int)syscall(SYS_gettid));
    w->rc = syscall(SYS_futex, w->word, FUTEX_WAIT, w->seen, &ts, NULL, 0);
    return NULL;
}

/* The state letter of thread tid of this process ('S': sleeping), or 0. */
static char thread_state(int tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

/* Starts the waiter on the word at off and returns once it sleeps there. */
static int waiter_start(struct waiter *w, uint8_t *seg, size_t off)
{
    w->word = (uint32_t *)(void *)(seg + off);
    w->seen = __atomic_load_n(w->word, __ATOMIC_SEQ_CST);
    w->rc = 1;
    atomic_store(&w->tid, 0);
    if (pthread_create(&w->thread, NULL, waiter_main, w) != 0)
        return 0;
    for (int i = 0; i < 2000; i++) {
        int tid = atomic_load(&w->tid);
        if (tid && thread_state(tid) == 'S')
            return 1;
        usleep(1000);
    }
    return 1; /* (the check that follows fails if it never slept) */
}

/* 1 when the waiter was woken by a FUTEX_WAKE, 0 when it timed out (or never slept). */
static int waiter_woken(struct waiter *w)
{
    pthread_join(w->thread, NULL);
    return w->rc == 0;
}

/* A writer thread for the blocked-producer cases. */
struct writer {
    struct tt_ring *p;
    uint64_t seq;
    int rc;
    pthread_t thread;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    w->rc = write_seq(w->p, w->seq, 10);
    return NULL;
}

/* Fills a ring with records seq 0.. of name length 10, while they fit; how many. */
static int fill(struct tt_ring *p)
{
    int n = 0;
    struct tt_ring_stats st;
    for (;;) {
        uint8_t buf[4096];
        size_t len = make_record(buf, sizeof buf, (uint64_t)n, 10);
        tt_ring_get_stats(p, &st);
        if (st.data_size - st.used_bytes < len)
            return n;
        if (write_seq(p, (uint64_t)n, 10) != 0)
            return -1;
        n++;
    }
}

/* Waits up to 2 s for the 32-bit word at off to become v. */
static int wait_word(const uint8_t *seg, size_t off, uint32_t v)
{
    for (int i = 0; i < 2000 && peek32(seg, off) != v; i++)
        usleep(1000);
    return peek32(seg, off) == v;
}

/* A producer (flags) and a consumer on a new 4 KiB ring; the test's own mapping of it. */
static uint8_t *ring_pair(int key, unsigned flags, struct tt_ring **p, struct tt_ring **c)
{
    *p = create(key, 4096, flags);
    *c = attach(key, 0);
    return *p && *c ? map_rw(*p) : NULL;
}

/* Detaches the consumer, closes the producer and drops the test's mapping: the ring goes. */
static void close_all(struct tt_ring *p, struct tt_ring *c, uint8_t *seg, int key)
{
    shmdt(seg);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

TT_TEST(attach_and_detach_wake_a_waiting_producer)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, TT_RING_BLOCKING);
    TT_REQUIRE(p != NULL);
    uint8_t *seg = map_rw(p);
    TT_REQUIRE(seg != NULL);
    struct waiter w;
    TT_REQUIRE(waiter_start(&w, seg, OFF_CONS_WAKE));
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    TT_CHECKF(waiter_woken(&w), "attach: no wake-up (futex rc %ld)", w.rc);
    int n = fill(p);
    TT_CHECK(n > 0);
    /* The ring is full and the consumer reads nothing: the next write waits for room. */
    struct writer wr = {p, (uint64_t)n, 9, 0};
    TT_REQUIRE(pthread_create(&wr.thread, NULL, writer_main, &wr) == 0);
    TT_CHECK(wait_word(seg, OFF_SLEEP_PRODUCER, 1));
    TT_REQUIRE(waiter_start(&w, seg, OFF_CONS_WAKE));
    tt_ring_detach(c); /* wakes it: it drops instead of waiting for a consumer that left */
    TT_CHECKF(waiter_woken(&w), "detach: no wake-up (futex rc %ld)", w.rc);
    pthread_join(wr.thread, NULL);
    TT_CHECK_INT(wr.rc, -1);
    TT_CHECK_INT(peek32(seg, OFF_SLEEP_PRODUCER), 0);
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    TT_CHECK_INT(st.dropped, 1);
    TT_CHECK_INT(st.produced, n + 1);
    TT_CHECK(!st.consumer_attached);
    shmdt(seg);
    tt_ring_close_producer(p);
    TT_CHECK(remove_key(key)); /* unread records: kept for a next consumer */
}

TT_TEST(consumer_freeing_room_wakes_a_blocked_producer)
{
    int key = next_key();
    struct tt_ring *p, *c;
    uint8_t *seg = ring_pair(key, TT_RING_BLOCKING, &p, &c);
    TT_REQUIRE(seg != NULL);
    int n = fill(p);
    TT_CHECK(n > 0);
    struct writer wr = {p, (uint64_t)n, 9, 0};
    TT_REQUIRE(pthread_create(&wr.thread, NULL, writer_main, &wr) == 0);
    TT_CHECK(wait_word(seg, OFF_SLEEP_PRODUCER, 1));
    struct waiter w;
    TT_REQUIRE(waiter_start(&w, seg, OFF_CONS_WAKE));
    const struct tt_event *ev;
    TT_CHECK(tt_ring_read(c, &ev, 0) == 1 && is_record(ev, 0, 10));
    /* The room is published at once (not in a batch) and the producer woken. */
    TT_CHECKF(waiter_woken(&w), "read: no wake-up (futex rc %ld)", w.rc);
    TT_CHECK_INT(peek32(seg, OFF_SLEEP_PRODUCER), 0);
    pthread_join(wr.thread, NULL);
    TT_CHECK_INT(wr.rc, 0);
    int got = 1;
    for (; tt_ring_read(c, &ev, 0) == 1; got++)
        TT_CHECKF(is_record(ev, (uint64_t)got, 10), "record %d", got);
    TT_CHECK_INT(got, n + 1);
    close_all(p, c, seg, key);
}

/* The producer bumps the consumer's wake word when the consumer sleeps (its flag), when the ring
 * crosses half full, and when it closes the stream; otherwise writing makes no wake-up. */
TT_TEST(producer_wakes_a_sleeping_consumer_half_full_and_at_close)
{
    int key = next_key();
    struct tt_ring *p, *c;
    uint8_t *seg = ring_pair(key, 0, &p, &c);
    TT_REQUIRE(seg != NULL);
    uint32_t w0 = peek32(seg, OFF_PROD_WAKE);
    write_seq(p, 0, 10);
    TT_CHECK_INT(peek32(seg, OFF_PROD_WAKE), w0);
    poke32(seg, OFF_SLEEP_CONSUMER, 1); /* what a consumer going to sleep sets */
    struct waiter w;
    TT_REQUIRE(waiter_start(&w, seg, OFF_PROD_WAKE));
    write_seq(p, 1, 10);
    TT_CHECKF(waiter_woken(&w), "sleeping consumer: no wake-up (futex rc %ld)", w.rc);
    TT_CHECK_INT(peek32(seg, OFF_PROD_WAKE), w0 + 1);
    TT_CHECK_INT(peek32(seg, OFF_SLEEP_CONSUMER), 0);
    /* Up to the half: one bump, by the write that crosses it. */
    struct tt_ring_stats st;
    int crossed = 0;
    for (uint64_t i = 2; i < 40; i++) {
        tt_ring_get_stats(p, &st);
        uint8_t buf[4096];
        uint64_t len = make_record(buf, sizeof buf, i, 10);
        int cross = st.used_bytes < 2048 && st.used_bytes + len >= 2048;
        uint32_t before = peek32(seg, OFF_PROD_WAKE);
        TT_REQUIRE(write_seq(p, i, 10) == 0);
        TT_CHECKF(peek32(seg, OFF_PROD_WAKE) == before + (uint32_t)cross, "write %d", (int)i);
        crossed += cross;
        if (st.used_bytes + len >= 3000)
            break;
    }
    TT_CHECK_INT(crossed, 1);
    TT_REQUIRE(waiter_start(&w, seg, OFF_PROD_WAKE));
    tt_ring_close_producer(p);
    TT_CHECKF(waiter_woken(&w), "close: no wake-up (futex rc %ld)", w.rc);
    shmdt(seg); /* (a mapping left would keep the producer's attach count up) */
    const struct tt_event *ev;
    int got = 0, rc;
    while ((rc = tt_ring_read(c, &ev, 1000)) == 1)
        got++;
    TT_CHECK_INT(rc, -1);
    TT_CHECK_INT(tt_ring_problem(c, NULL), TT_RING_OK);
    TT_CHECK_STR(tt_ring_error(c), ""); /* closed: nothing to report */
    TT_CHECK(got > 2);
    tt_ring_detach(c);
    TT_CHECK(!key_exists(key));
}

/* After attaching, and after data, the consumer polls (its sleep flag stays clear, so the
 * producer makes no wake-up call) for BUSY_MS = 100 ms; idle longer, it asks to be woken. */
TT_TEST(consumer_polls_while_busy_and_then_asks_to_be_woken)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    uint8_t *seg = map_rw(p);
    TT_REQUIRE(seg != NULL);
    const struct tt_event *ev;
    int checked = 0;
    for (int attempt = 0; attempt < 5 && checked < 2; attempt++) {
        checked = 0;
        uint64_t t0 = now_ns();
        struct tt_ring *c = attach(key, 0);
        TT_REQUIRE(c != NULL);
        TT_CHECK_INT(tt_ring_read(c, &ev, 1), 0);
        /* (only when the machine did not stall past the window: nothing to judge then) */
        if (now_ns() - t0 < 80000000u) {
            TT_CHECKF(peek32(seg, OFF_SLEEP_CONSUMER) == 0, "just attached: asked to be woken");
            checked++;
        }
        write_seq(p, 1, 1);
        TT_CHECK_INT(tt_ring_read(c, &ev, 0), 1);
        t0 = now_ns();
        TT_CHECK_INT(tt_ring_read(c, &ev, 1), 0);
        if (now_ns() - t0 < 80000000u) {
            TT_CHECKF(peek32(seg, OFF_SLEEP_CONSUMER) == 0, "data just read: asked to be woken");
            checked++;
        }
        tt_ring_detach(c);
    }
    TT_CHECK_INT(checked, 2);
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    usleep(110000);
    TT_CHECK_INT(tt_ring_read(c, &ev, 1), 0);
    TT_CHECK_INT(peek32(seg, OFF_SLEEP_CONSUMER), 1);
    write_seq(p, 2, 1);
    TT_CHECK_INT(peek32(seg, OFF_SLEEP_CONSUMER), 0);
    TT_CHECK(tt_ring_read(c, &ev, 0) == 1 && is_record(ev, 2, 1));
    close_all(p, c, seg, key);
}

/* A busy consumer beats every 64 records (and at most every 20 ms), not on every record. */
TT_TEST(busy_consumer_beats_every_64_records)
{
    int key = next_key();
    struct tt_ring *p = create(key, 16384, 0);
    TT_REQUIRE(p != NULL);
    for (int i = 0; i < 130; i++)
        TT_REQUIRE(write_seq(p, (uint64_t)i, 0) == 0);
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    uint8_t *seg = map_rw(p);
    TT_REQUIRE(seg != NULL);
    const struct tt_event *ev;
    for (int round = 0; round < 2; round++) {
        usleep(25000); /* past BEAT_MS since the last beat */
        uint32_t b0 = peek32(seg, OFF_BEATS);
        for (int i = 1; i <= 64; i++) {
            TT_REQUIRE(tt_ring_read(c, &ev, 0) == 1);
            TT_CHECKF(peek32(seg, OFF_BEATS) == b0 + (i == 64), "round %d, record %d", round, i);
        }
        tt_ring_heartbeat(c); /* within 20 ms of that beat: none */
        TT_CHECK_INT(peek32(seg, OFF_BEATS), b0 + 1);
    }
    /* An observer neither beats nor reports drops. */
    char why[256];
    struct tt_ring *o = tt_ring_observe(key, why, sizeof why);
    TT_REQUIRE(o != NULL);
    usleep(25000);
    uint32_t b = peek32(seg, OFF_BEATS);
    tt_ring_heartbeat(o);
    tt_ring_set_drops_reported(o, 5);
    TT_CHECK_INT(peek32(seg, OFF_BEATS), b);
    TT_CHECK_INT(tt_ring_drops_reported(c), 0);
    tt_ring_heartbeat(c);
    tt_ring_set_drops_reported(c, 5);
    TT_CHECK_INT(peek32(seg, OFF_BEATS), b + 1);
    TT_CHECK_INT(tt_ring_drops_reported(o), 5);
    tt_ring_detach(o);
    shmdt(seg);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    remove_key(key);
}

/* tt_ring_wait_consumer's timeout is kept to the millisecond, not rounded up to its 100 ms
 * liveness period (the best of three tries: one stall of a busy machine cannot fail it). */
TT_TEST(wait_for_a_consumer_keeps_its_timeout)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 3; i++) {
        uint64_t t0 = now_ns();
        TT_CHECK_INT(tt_ring_wait_consumer(p, 10), 0);
        uint64_t took = now_ns() - t0;
        TT_CHECK(took >= 10000000u);
        if (took < best)
            best = took;
    }
    TT_CHECKF(best < 90000000u, "a 10 ms wait took %llu ms", (unsigned long long)(best / 1000000u));
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

/* A producer in a child: creates the ring, writes `records`, says so on ready, waits for a byte
 * on go, then dies without closing the stream after delay_ms. */
struct producer_child {
    int key, records, delay_ms;
    int ready[2], go[2];
    pid_t pid;
};

static int producer_start(struct producer_child *pc)
{
    if (pipe(pc->ready) != 0 || pipe(pc->go) != 0)
        return 0;
    fflush(NULL);
    pc->pid = fork();
    if (pc->pid == 0) {
        struct tt_ring *p = create(pc->key, 4096, 0);
        for (int i = 0; p && i < pc->records; i++)
            write_seq(p, (uint64_t)i, 10);
        char ch = p ? 'y' : 'n';
        (void)!write(pc->ready[1], &ch, 1);
        (void)!read(pc->go[0], &ch, 1);
        usleep((useconds_t)pc->delay_ms * 1000);
        _exit(0);
    }
    char ch = 0;
    return pc->pid > 0 && read(pc->ready[0], &ch, 1) == 1 && ch == 'y';
}

static void producer_finish(struct producer_child *pc)
{
    waitpid(pc->pid, NULL, 0);
    close(pc->ready[0]);
    close(pc->ready[1]);
    close(pc->go[0]);
    close(pc->go[1]);
}

/* A read with a long timeout still checks every LIVE_MS that the producer lives: a producer
 * that dies is the end of the stream within a fraction of a second, not at the timeout. */
TT_TEST(long_read_sees_the_producer_die)
{
    struct producer_child pc = {.key = next_key(), .records = 1, .delay_ms = 100};
    TT_REQUIRE(producer_start(&pc));
    struct tt_ring *c = attach(pc.key, 0);
    TT_REQUIRE(c != NULL);
    const struct tt_event *ev;
    TT_CHECK(tt_ring_read(c, &ev, 0) == 1 && is_record(ev, 0, 10));
    (void)!write(pc.go[1], "x", 1);
    uint64_t t0 = now_ns();
    TT_CHECK_INT(tt_ring_read(c, &ev, 4000), -1);
    TT_CHECK(now_ns() - t0 < 2000000000u);
    TT_CHECK_INT(tt_ring_problem(c, NULL), TT_RING_PRODUCER_DIED);
    char want[256];
    snprintf(want, sizeof want,
             "ring key 0x%x: the producer (pid %d) is gone without closing the stream",
             (unsigned)pc.key, (int)pc.pid);
    TT_CHECK_STR(tt_ring_error(c), want);
    tt_ring_detach(c);
    TT_CHECK(!key_exists(pc.key));
    producer_finish(&pc);
}

/* While a third process keeps the ring mapped, only the producer's pidfd says it exited (the
 * attach count stays above 1). The pidfd here is fd 0 (stdin closed), a valid descriptor. */
TT_TEST(producer_exit_seen_through_its_pidfd_while_the_ring_is_mapped)
{
    struct producer_child pc = {.key = next_key(), .records = 3, .delay_ms = 0};
    TT_REQUIRE(producer_start(&pc));
    int id = shmget(pc.key, 0, 0);
    uint8_t *other = shmat(id, NULL, SHM_RDONLY); /* the third process's mapping */
    TT_REQUIRE(other != (void *)-1);
    int saved = stdin_close();
    TT_REQUIRE(saved > 0);
    struct tt_ring *c = attach(pc.key, 0);
    char link[64] = "";
    (void)!readlink("/proc/self/fd/0", link, sizeof link - 1);
    TT_CHECK(c != NULL);
    TT_CHECKF(strstr(link, "pidfd") != NULL, "fd 0 is %s", link);
    const struct tt_event *ev;
    int got = 0, rc = 0;
    while (c && (rc = tt_ring_read(c, &ev, 0)) == 1)
        got++;
    TT_CHECK_INT(got, 3);
    (void)!write(pc.go[1], "x", 1);
    waitpid(pc.pid, NULL, 0);
    TT_CHECK_INT(shm_attach_count(id), 2);
    uint64_t t0 = now_ns();
    if (c)
        rc = tt_ring_read(c, &ev, 3000);
    TT_CHECK_INT(rc, -1);
    TT_CHECK(now_ns() - t0 < 2000000000u);
    TT_CHECK(c && tt_ring_problem(c, NULL) == TT_RING_PRODUCER_DIED);
    tt_ring_detach(c);
    TT_CHECK(!stdin_restore(saved)); /* the pidfd closed with the handle */
    TT_CHECK(!key_exists(pc.key));   /* removed by the consumer: its producer is gone */
    shmdt(other);
    producer_finish(&pc);
}

/* Releases a producer blocked for a consumer after 2 s, by marking the consumer detached. */
struct watchdog {
    uint8_t *seg;
    _Atomic int stop, fired;
    pthread_t thread;
};

static void *watchdog_main(void *arg)
{
    struct watchdog *wd = arg;
    for (int i = 0; i < 200 && !atomic_load(&wd->stop); i++)
        usleep(10000);
    if (!atomic_load(&wd->stop)) {
        atomic_store(&wd->fired, 1);
        __atomic_store_n((uint32_t *)(void *)(wd->seg + OFF_ATTACHED), 0, __ATOMIC_SEQ_CST);
        __atomic_fetch_add((uint32_t *)(void *)(wd->seg + OFF_CONS_WAKE), 1, __ATOMIC_SEQ_CST);
        syscall(SYS_futex, wd->seg + OFF_CONS_WAKE, FUTEX_WAKE, 1, NULL, NULL, 0);
    }
    return NULL;
}

/* In blocking mode the producer waits only for a consumer of its version and layout: for one it
 * cannot serve, a full ring drops at once. */
TT_TEST(blocking_producer_never_waits_for_a_consumer_it_cannot_serve)
{
    for (int wrong_layout = 0; wrong_layout < 2; wrong_layout++) {
        int key = next_key();
        struct tt_ring *p, *c;
        uint8_t *seg = ring_pair(key, TT_RING_BLOCKING, &p, &c);
        TT_REQUIRE(seg != NULL);
        poke32(seg, wrong_layout ? OFF_CONS_LAYOUT : OFF_CONS_VERSION, 9);
        struct watchdog wd = {.seg = seg};
        TT_REQUIRE(pthread_create(&wd.thread, NULL, watchdog_main, &wd) == 0);
        int n = fill(p);
        TT_CHECK(n > 0);
        TT_CHECK_INT(write_seq(p, (uint64_t)n, 10), -1);
        atomic_store(&wd.stop, 1);
        pthread_join(wd.thread, NULL);
        TT_CHECKF(!atomic_load(&wd.fired), "wrong %s: the producer waited",
                  wrong_layout ? "layout" : "version");
        struct tt_ring_stats st;
        tt_ring_get_stats(p, &st);
        TT_CHECK_INT(st.dropped, 1);
        shmdt(seg);
        tt_ring_detach(c);
        tt_ring_close_producer(p);
        remove_key(key);
    }
}

int main(void)
{
    return ring_test_main();
}
