/* The ring's segment from creation to removal: what tt_ring_create does with a key already in
 * use (a live tracer, another program's segment, a ring of another layout, a stale ring), what
 * an observer may and may not do, a nonsense read position found at attach, a process of
 * another uid, and segments whose id is 0 (the first one of an IPC namespace). */
#include "tt_test.h"
#include "tt_ring.h"
#include "ring_test_util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>

#define NOBODY 65534
#define OWNER 4242 /* a ring's owner that no other segment has */

/* A segment of 8 KiB on key whose first bytes look like a ring: a stream header with magic,
 * then meta.layout and meta.ctrl_size. Left unmapped; its id, or -1. */
static int fake_ring(int key, const char *magic, uint32_t layout, uint32_t ctrl_size)
{
    int id = shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0)
        return -1;
    uint8_t *seg = shmat(id, NULL, 0);
    if (seg == (void *)-1) {
        shmctl(id, IPC_RMID, NULL);
        return -1;
    }
    struct tt_stream_hdr h;
    tt_stream_hdr_init(&h, 1, 1);
    memcpy(&h, magic, 8);
    memcpy(seg, &h, sizeof h);
    poke32(seg, OFF_META_LAYOUT, layout);
    poke32(seg, OFF_META_CTRL_SIZE, ctrl_size);
    shmdt(seg);
    return id;
}

static struct tt_ring *create_why(int key, char *why, size_t whylen)
{
    why[0] = '\0';
    return tt_ring_create(key, 4096, 0, 0600, NULL, why, whylen);
}

TT_TEST(live_tracer_refused_and_its_ring_untouched)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    int id = tt_ring_shmid(p);
    char why[256], want[256];
    TT_CHECK(create_why(key, why, sizeof why) == NULL);
    snprintf(want, sizeof want,
             "ring key 0x%x is in use by a running tracer (pid %d); give each tracer its own key",
             (unsigned)key, (int)getpid());
    TT_CHECK_STR(why, want);
    TT_CHECK_INT(shmget(key, 0, 0), id);
    TT_CHECK_INT(shm_attach_count(id), 1); /* the look at it left no mapping behind */
    uint8_t *seg = map_rw(p);
    TT_REQUIRE(seg != NULL);
    TT_CHECK_INT(peek32(seg, OFF_PROD_PID), getpid());
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    TT_CHECK_INT(st.producer_pid, getpid());
    TT_CHECK(st.producer_alive && !st.producer_done);
    shmdt(seg);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

TT_TEST(other_programs_segments_refused_and_left_alone)
{
    char why[256], want[256];
    /* Too small to be a ring; a wrong magic; a zero magic with no ring layout behind it. */
    for (int kind = 0; kind < 3; kind++) {
        int key = next_key();
        int id = kind == 0   ? shmget(key, 100, IPC_CREAT | IPC_EXCL | 0600)
                 : kind == 1 ? fake_ring(key, "NOTOURS!", 1, 4096)
                             : fake_ring(key, "\0\0\0\0\0\0\0\0", 0, 0);
        TT_REQUIRE(id >= 0);
        TT_CHECKF(create_why(key, why, sizeof why) == NULL, "kind %d accepted", kind);
        snprintf(want, sizeof want, "key 0x%x is used by another program's shared memory segment",
                 (unsigned)key);
        TT_CHECK_STR(why, want);
        TT_CHECKF(shmget(key, 0, 0) == id, "kind %d: segment removed", kind);
        TT_CHECK_INT(shm_attach_count(id), 0);
        shmctl(id, IPC_RMID, NULL);
    }
    /* A zero magic with a ring layout and nobody attached: a creator that died before it
     * finished; replaced. */
    int key = next_key();
    int id = fake_ring(key, "\0\0\0\0\0\0\0\0", 1, 4096);
    TT_REQUIRE(id >= 0);
    struct tt_ring *p = create_why(key, why, sizeof why);
    TT_CHECKF(p != NULL, "%s", why);
    TT_CHECK(p && tt_ring_shmid(p) != id);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

TT_TEST(ring_of_another_layout_refused_while_mapped)
{
    int key = next_key();
    int id = fake_ring(key, TT_STREAM_MAGIC, 2, 4096);
    TT_REQUIRE(id >= 0);
    uint8_t *seg = shmat(id, NULL, SHM_RDONLY); /* its tracer */
    TT_REQUIRE(seg != (void *)-1);
    char why[256], want[256];
    TT_CHECK(create_why(key, why, sizeof why) == NULL);
    snprintf(want, sizeof want, "ring key 0x%x is in use by a tracer of ring layout version 2",
             (unsigned)key);
    TT_CHECK_STR(why, want);
    TT_CHECK_INT(shmget(key, 0, 0), id);
    TT_CHECK_INT(shm_attach_count(id), 1);
    TT_CHECK(tt_ring_attach(key, 0, why, sizeof why) == NULL);
    TT_CHECK_INT(errno, EPROTO);
    snprintf(want, sizeof want, "ring key 0x%x: ring layout version 2, this program uses 1",
             (unsigned)key);
    TT_CHECK_STR(why, want);
    /* Its tracer gone: stale, replaced by a ring of ours. */
    shmdt(seg);
    struct tt_ring *p = create_why(key, why, sizeof why);
    TT_CHECKF(p != NULL, "%s", why);
    if (!p)
        return;
    TT_CHECK(tt_ring_shmid(p) != id);
    struct tt_ring *c = attach(key, 0);
    TT_CHECK(c != NULL);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

/* Removes a segment after 100 ms: the creator that was initialising it gave up. */
static void *remove_later(void *arg)
{
    usleep(100000);
    shmctl(*(int *)arg, IPC_RMID, NULL);
    return NULL;
}

/* A segment with a zero magic, mapped and under 2 s old, is a ring its creator is still
 * initialising: create waits for it (here: until it goes away) instead of refusing. */
TT_TEST(create_waits_for_a_ring_being_initialised)
{
    int key = next_key();
    int id = fake_ring(key, "\0\0\0\0\0\0\0\0", 0, 0);
    TT_REQUIRE(id >= 0);
    void *creator = shmat(id, NULL, 0);
    TT_REQUIRE(creator != (void *)-1);
    pthread_t t;
    TT_REQUIRE(pthread_create(&t, NULL, remove_later, &id) == 0);
    char why[256] = "";
    uint64_t t0 = now_ns();
    struct tt_ring *p = create_why(key, why, sizeof why);
    uint64_t waited = now_ns() - t0;
    pthread_join(t, NULL);
    shmdt(creator);
    TT_CHECKF(p != NULL, "%s", why);
    TT_CHECK(waited >= 90000000u);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

/* Geometry words that do not fit the segment (control size, a data size that is not a power of
 * two, below 4 KiB, above 1 GiB or past the segment's end): refused by a consumer and by a
 * health check, never used to index. */
TT_TEST(inconsistent_geometry_refused)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    uint8_t *seg = map_rw(p);
    TT_REQUIRE(seg != NULL);
    int id = tt_ring_shmid(p);
    static const struct {
        uint32_t ctrl;
        uint64_t data;
    } bad[] = {{8192, 4096}, {4096, 4104}, {4096, 2048}, {4096, 8192}, {4096, 1ull << 31}};
    char why[256], want[256];
    struct tt_ring_health h;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        poke32(seg, OFF_META_CTRL_SIZE, bad[i].ctrl);
        poke64(seg, OFF_META_DATA_SIZE, bad[i].data);
        errno = 0;
        TT_CHECKF(tt_ring_attach(key, 0, why, sizeof why) == NULL, "geometry %zu accepted", i);
        TT_CHECK_INT(errno, EPROTO);
        snprintf(want, sizeof want, "ring key 0x%x: inconsistent ring geometry", (unsigned)key);
        TT_CHECK_STR(why, want);
        TT_CHECK_INT(tt_ring_peek_health(id, &h, why, sizeof why), -1);
        snprintf(want, sizeof want, "shm id %d: inconsistent ring geometry", id);
        TT_CHECK_STR(why, want);
    }
    poke32(seg, OFF_META_CTRL_SIZE, 4096);
    poke64(seg, OFF_META_DATA_SIZE, 4096);
    TT_CHECK_INT(tt_ring_peek_health(id, &h, why, sizeof why), 0);
    struct tt_ring *c = attach(key, 0);
    TT_CHECK(c != NULL);
    shmdt(seg);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

/* A health check names the segment it was given (an id: no key) and why it is no ring. */
TT_TEST(health_check_of_what_is_no_ring)
{
    char why[256], want[256];
    struct tt_ring_health h, zero;
    memset(&zero, 0, sizeof zero);
    int key = next_key();
    int id = fake_ring(key, "NOTOURS!", 1, 4096);
    TT_REQUIRE(id >= 0);
    memset(&h, 0xff, sizeof h);
    TT_CHECK_INT(tt_ring_peek_health(id, &h, why, sizeof why), -1);
    TT_CHECK(memcmp(&h, &zero, sizeof h) == 0); /* nothing for a caller that ignores the -1 */
    snprintf(want, sizeof want, "shm id %d: not a Tartan event stream (bad magic)", id);
    TT_CHECK_STR(why, want);
    shmctl(id, IPC_RMID, NULL);
    TT_CHECK_INT(tt_ring_peek_health(id, &h, why, sizeof why), -1);
    snprintf(want, sizeof want, "shm id %d: %s", id, strerror(EINVAL));
    TT_CHECK_STR(why, want);
    id = shmget(IPC_PRIVATE, 8191, 0600);
    TT_REQUIRE(id >= 0);
    TT_CHECK_INT(tt_ring_peek_health(id, &h, why, sizeof why), -1);
    snprintf(want, sizeof want, "shm id %d: not a ring (too small)", id);
    TT_CHECK_STR(why, want);
    shmctl(id, IPC_RMID, NULL);
}

/* A consumer the producer cannot serve is logged once per attach (and again when it claims
 * another version), however often the producer looks. */
TT_TEST(version_refusal_logged_once_per_attach)
{
    int key = next_key();
    struct tt_ring *p = create(key, 65536, 0);
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(p && c);
    uint8_t *seg = map_rw(p);
    TT_REQUIRE(seg != NULL);
    struct log_capture lc;
    char log[4096];
    log_capture_start(&lc);
    poke32(seg, OFF_CONS_VERSION, 9);
    for (int i = 0; i < 3; i++)
        TT_CHECK_INT(tt_ring_wait_consumer(p, 0), 0);
    for (int i = 0; i < 200; i++)
        write_seq(p, (uint64_t)i, 0);
    poke32(seg, OFF_CONS_VERSION, 8);
    TT_CHECK_INT(tt_ring_wait_consumer(p, 0), 0);
    TT_CHECK_INT(tt_ring_wait_consumer(p, 0), 0);
    tt_ring_detach(c); /* the next attach claims version 9 again: logged again */
    c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    poke32(seg, OFF_CONS_VERSION, 9);
    TT_CHECK_INT(tt_ring_wait_consumer(p, 0), 0);
    TT_CHECK_INT(tt_ring_wait_consumer(p, 0), 0);
    log_capture_end(&lc, log, sizeof log);
    TT_CHECKF(count_of(log, "reads event format version 9 (ring layout 1)") == 2, "log: %s", log);
    TT_CHECKF(count_of(log, "reads event format version 8 (ring layout 1)") == 1, "log: %s", log);
    shmdt(seg);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    remove_key(key);
}

/* Replacing a stale ring says how many of its events nobody read: produced - dropped -
 * consumed - corrupt. */
TT_TEST(stale_ring_replaced_with_its_unread_count)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    int sent = 0;
    while (write_seq(p, (uint64_t)sent, 100) == 0)
        sent++;
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    const struct tt_event *ev;
    TT_CHECK_INT(tt_ring_read(c, &ev, 0), 1);
    TT_CHECK_INT(tt_ring_read(c, &ev, 0), 1);
    tt_ring_detach(c);
    uint8_t *seg = map_rw(p);
    TT_REQUIRE(seg != NULL);
    poke64(seg, OFF_CORRUPT, 1);
    shmdt(seg);
    tt_ring_close_producer(p);
    TT_REQUIRE(key_exists(key));
    struct log_capture lc;
    char log[4096], want[256];
    log_capture_start(&lc);
    p = create(key, 4096, 0);
    log_capture_end(&lc, log, sizeof log);
    TT_CHECK(p != NULL);
    /* sent + 1 produced (the last one dropped), 2 consumed, 1 corrupt */
    snprintf(want, sizeof want,
             "ring key 0x%x: replacing a stale ring (producer pid %d gone, %d unread events)",
             (unsigned)key, (int)getpid(), sent - 3);
    TT_CHECKF(strstr(log, want) != NULL, "log: %s, want: %s", log, want);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

/* A consumer in a child that reads the only record, publishes its position, says so on
 * ready, and dies attached when go closes. */
struct dying_consumer {
    int key;
    int ready[2], go[2];
    pid_t pid;
};

static int dying_consumer_start(struct dying_consumer *d)
{
    if (pipe(d->ready) != 0 || pipe(d->go) != 0)
        return 0;
    fflush(NULL);
    d->pid = fork();
    if (d->pid == 0) {
        struct tt_ring *c = attach(d->key, 0);
        const struct tt_event *ev;
        char ch = c && tt_ring_read(c, &ev, 0) == 1 && tt_ring_read(c, &ev, 0) == 0 ? 'y' : 'n';
        (void)!write(d->ready[1], &ch, 1);
        close(d->go[1]);
        (void)!read(d->go[0], &ch, 1);
        _exit(0); /* (no detach) */
    }
    char ch = 0;
    return d->pid > 0 && read(d->ready[0], &ch, 1) == 1 && ch == 'y';
}

static void dying_consumer_end(struct dying_consumer *d)
{
    close(d->go[1]);
    waitpid(d->pid, NULL, 0);
    close(d->go[0]);
    close(d->ready[0]);
    close(d->ready[1]);
}

/* A consumer waiting for a ring skips a stale one (its producer detached, nothing unread) and
 * attaches to the ring that replaces it. */
struct waiting_consumer {
    int key, got;
    char why[256];
};

static void *wait_for_the_next_ring(void *arg)
{
    struct waiting_consumer *w = arg;
    struct tt_ring *c = tt_ring_attach(w->key, 3000, w->why, sizeof w->why);
    const struct tt_event *ev;
    w->got = c && tt_ring_read(c, &ev, 3000) == 1 && is_record(ev, 7, 7);
    tt_ring_detach(c);
    return NULL;
}

TT_TEST(stale_ring_skipped_until_replaced)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    write_seq(p, 1, 1);
    struct dying_consumer d = {.key = key};
    TT_REQUIRE(dying_consumer_start(&d));
    dying_consumer_end(&d);
    tt_ring_close_producer(p);  /* its consumer's lock is dead, nothing unread: ... */
    TT_CHECK(!key_exists(key)); /* ... removed */
    /* Again, the producer closing first (its consumer alive): the ring stays, read to the end,
     * and its consumer dies attached: stale. */
    p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    write_seq(p, 1, 1);
    TT_REQUIRE(dying_consumer_start(&d));
    tt_ring_close_producer(p);
    dying_consumer_end(&d);
    TT_REQUIRE(key_exists(key));
    /* Looked at twice (10 ms apart) and skipped: this process created it and lives, its pidfd
     * (fd 0 here) is closed again. */
    char why[256], want[256];
    int saved = stdin_close();
    TT_CHECK(tt_ring_attach(key, 50, why, sizeof why) == NULL);
    TT_CHECK(!stdin_restore(saved));
    snprintf(want, sizeof want, "ring key 0x%x is stale (its tracer is gone, nothing unread)",
             (unsigned)key);
    TT_CHECK_STR(why, want);
    /* A consumer waiting meanwhile gets the next ring. */
    struct waiting_consumer w = {.key = key};
    pthread_t t;
    TT_REQUIRE(pthread_create(&t, NULL, wait_for_the_next_ring, &w) == 0);
    usleep(50000);
    p = create(key, 4096, 0);
    TT_CHECK(p != NULL);
    TT_CHECK(p && tt_ring_wait_consumer(p, 3000) == 1);
    write_seq(p, 7, 7);
    pthread_join(t, NULL);
    TT_CHECKF(w.got, "the waiting consumer: %s", w.why);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

/* Drops before the first consumer are unreported (drops_reported 0); a consumer taking over
 * from one that kept no count of its own takes all drops so far as reported by it. */
TT_TEST(drops_reported_on_a_new_ring_and_after_an_older_consumer)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    int dropped = 0;
    for (int i = 0; i < 100; i++)
        dropped += write_seq(p, (uint64_t)i, 100) != 0;
    TT_CHECK(dropped > 0);
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    TT_CHECK_INT(tt_ring_drops_reported(c), 0);
    tt_ring_set_drops_reported(c, 3);
    tt_ring_detach(c);
    uint8_t *seg = map_rw(p);
    TT_REQUIRE(seg != NULL);
    poke32(seg, OFF_FEATURES, 0); /* as an older consumer leaves it */
    c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    TT_CHECK_INT(tt_ring_drops_reported(c), dropped);
    tt_ring_detach(c);
    c = attach(key, 0); /* after one that keeps the count: its count */
    TT_REQUIRE(c != NULL);
    TT_CHECK_INT(tt_ring_drops_reported(c), dropped);
    tt_ring_set_drops_reported(c, 1);
    tt_ring_detach(c);
    c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    TT_CHECK_INT(tt_ring_drops_reported(c), 1);
    shmdt(seg);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    remove_key(key);
}

/* The producer's counts at the attach instant are kept with the consumer: drops after it (the
 * ring filling before the consumer's first read) are the attached consumer's to report, not
 * "lost before any consumer came". */
TT_TEST(counts_at_attach_kept_apart_from_later_drops)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    int dropped = 0, produced = 0;
    for (int i = 0; i < 100; i++, produced++)
        dropped += write_seq(p, (uint64_t)i, 100) != 0;
    TT_CHECK(dropped > 0);
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    int later = 0;
    for (int i = 100; i < 150; i++)
        later += write_seq(p, (uint64_t)i, 100) != 0;
    TT_CHECK_INT(later, 50); /* nobody read: still full */
    struct tt_ring_takeover t;
    tt_ring_get_takeover(c, &t);
    TT_CHECK_INT(t.produced_at_attach, produced);
    TT_CHECK_INT(t.dropped_at_attach, dropped);
    struct tt_ring_stats st;
    tt_ring_get_stats(c, &st);
    TT_CHECK_INT(st.dropped, dropped + later);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    remove_key(key);
}

TT_TEST(observer_never_claims_the_consumer_slot)
{
    int key = next_key();
    char why[256], want[256];
    errno = 0;
    uint64_t t0 = now_ns();
    TT_CHECK(tt_ring_observe(key, why, sizeof why) == NULL);
    TT_CHECK_INT(errno, ENOENT);
    TT_CHECK(now_ns() - t0 < 1000000000u); /* one look, no waiting */
    snprintf(want, sizeof want,
             "no ring with key 0x%x in this IPC namespace (is the tracer running?)", (unsigned)key);
    TT_CHECK_STR(why, want);

    struct tt_ring *p = create(key, 4096, TT_RING_BLOCKING);
    TT_REQUIRE(p != NULL);
    write_seq(p, 0, 10);
    write_seq(p, 1, 10);
    struct tt_ring *o = tt_ring_observe(key, why, sizeof why);
    TT_REQUIRE(o != NULL);
    struct tt_ring_stats st;
    tt_ring_get_stats(o, &st);
    TT_CHECK_INT(st.produced, 2);
    TT_CHECK_INT(st.in_flight, 2);
    TT_CHECK(st.used_bytes > 0 && st.used_bytes < 4096);
    TT_CHECK_INT(st.data_size, 4096);
    TT_CHECK(st.blocking);
    TT_CHECK_INT(st.attaches, 0);
    TT_CHECK(!st.consumer_attached);
    TT_CHECK_INT(st.consumer_pid, 0);
    /* A consumer attaches beside it, and the observer leaving does not detach it. */
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    /* A second consumer is refused, and closes the pidfd it took (fd 0 here). */
    int saved = stdin_close();
    errno = 0;
    TT_CHECK(tt_ring_attach(key, 0, why, sizeof why) == NULL);
    TT_CHECK_INT(errno, EBUSY);
    TT_CHECK(!stdin_restore(saved));
    snprintf(want, sizeof want, "ring key 0x%x already has a consumer (pid %d)", (unsigned)key,
             (int)getpid());
    TT_CHECK_STR(why, want);
    tt_ring_detach(o);
    tt_ring_get_stats(p, &st);
    TT_CHECK(st.consumer_attached);
    TT_CHECK_INT(st.attaches, 1);
    TT_CHECK_INT(st.consumer_pid, getpid());
    o = tt_ring_observe(key, why, sizeof why);
    TT_CHECKF(o != NULL, "%s", why);
    if (o) {
        tt_ring_get_stats(o, &st);
        TT_CHECK(st.consumer_attached);
        TT_CHECK_INT(st.attaches, 1);
        tt_ring_detach(o);
    }
    const struct tt_event *ev;
    TT_CHECK_INT(tt_ring_read(c, &ev, 0), 1);
    TT_CHECK(is_record(ev, 0, 10));
    TT_CHECK_INT(tt_ring_read(c, &ev, 0), 1);
    TT_CHECK(is_record(ev, 1, 10));
    TT_CHECK_INT(tt_ring_read(c, &ev, 0), 0);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

/* A read position that makes no sense when a consumer attaches (not 8-aligned, or ahead of the
 * producer): one corrupt record is counted, reading starts at the producer's position, and the
 * records skipped show as a gap once drained. */
TT_TEST(nonsense_read_position_at_attach)
{
    for (int ahead = 0; ahead < 2; ahead++) {
        int key = next_key();
        struct tt_ring *p = create(key, 4096, 0);
        TT_REQUIRE(p != NULL);
        for (int i = 0; i < 3; i++)
            write_seq(p, (uint64_t)i, 10);
        uint8_t *seg = map_rw(p);
        TT_REQUIRE(seg != NULL);
        uint64_t head = peek64(seg, OFF_HEAD);
        poke64(seg, OFF_TAIL, ahead ? head + 8192 : 3);
        struct tt_ring *c = attach(key, 0);
        TT_REQUIRE(c != NULL);
        struct tt_ring_stats st;
        tt_ring_get_stats(c, &st);
        TT_CHECK_INT(st.corrupt, 1);
        TT_CHECK_INT(peek64(seg, OFF_TAIL), head);
        TT_CHECK_INT(peek64(seg, OFF_CORRUPT), 1);
        write_seq(p, 3, 10);
        write_seq(p, 4, 10);
        const struct tt_event *ev;
        TT_CHECKF(tt_ring_read(c, &ev, 0) == 1 && is_record(ev, 3, 10), "ahead %d", ahead);
        TT_CHECKF(tt_ring_read(c, &ev, 0) == 1 && is_record(ev, 4, 10), "ahead %d", ahead);
        int64_t n = 0;
        TT_CHECK_INT(tt_ring_read(c, &ev, 0), -2);
        TT_CHECK_INT(tt_ring_problem(c, &n), TT_RING_GAP);
        TT_CHECK_INT(n, 2); /* 3 written before, 1 counted as corrupt */
        TT_CHECK_INT(tt_ring_read(c, &ev, 0), 0);
        shmdt(seg);
        tt_ring_detach(c);
        tt_ring_close_producer(p);
        TT_CHECK(!key_exists(key));
    }
}

/* In a new IPC namespace the first segment gets id 0, a valid id: a ring there is attached,
 * and replaced when stale, like any other. */
static int rings_with_id_0(void *arg)
{
    (void)arg;
    if (unshare(CLONE_NEWIPC) != 0)
        return CHILD_SKIP;
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    if (!p || tt_ring_shmid(p) != 0) {
        fprintf(stderr, "the first ring of a new IPC namespace: id %d\n",
                p ? tt_ring_shmid(p) : -1);
        return 1;
    }
    write_seq(p, 1, 4);
    tt_ring_close_producer(p); /* unread: left for a consumer */
    p = create(key, 4096, 0);  /* replaces it */
    if (!p || tt_ring_shmid(p) == 0)
        return 2;
    tt_ring_close_producer(p);
    if (key_exists(key) || unshare(CLONE_NEWIPC) != 0)
        return 3;
    p = create(key, 4096, 0);
    struct tt_ring *c = attach(key, 0);
    if (!p || tt_ring_shmid(p) != 0 || !c)
        return 4;
    const struct tt_event *ev;
    write_seq(p, 2, 4);
    int ok = tt_ring_read(c, &ev, 0) == 1 && is_record(ev, 2, 4);
    tt_ring_close_producer(p);
    ok = ok && tt_ring_read(c, &ev, 1000) == -1 && tt_ring_problem(c, NULL) == TT_RING_OK;
    tt_ring_detach(c);
    return ok && !key_exists(key) ? 0 : 5;
}

TT_TEST(rings_with_segment_id_0)
{
    int rc = in_child(rings_with_id_0, NULL);
    if (rc == CHILD_SKIP)
        TT_SKIP("cannot create an IPC namespace (unshare: needs CAP_SYS_ADMIN)");
    TT_CHECK_INT(rc, 0);
}

/* A process of another uid (the engine run as another user than the tracer). */
struct other_uid {
    int key;
    char why[256];        /* why attach refuses */
    char create_why[256]; /* why create refuses */
};

static int as_nobody(void)
{
    return geteuid() == 0 && setresgid(NOBODY, NOBODY, NOBODY) == 0 &&
           setresuid(NOBODY, NOBODY, NOBODY) == 0;
}

static int attach_as_nobody(void *arg)
{
    struct other_uid *u = arg;
    if (!as_nobody())
        return CHILD_SKIP;
    char why[256];
    errno = 0;
    struct tt_ring *c = tt_ring_attach(u->key, 0, why, sizeof why);
    if (c || errno != EACCES || strcmp(why, u->why) != 0) {
        fprintf(stderr, "attach as uid %d: %s (errno %d), want: %s\n", NOBODY, c ? "attached" : why,
                errno, u->why);
        return 1;
    }
    /* An observer maps it read-only: allowed when the mode lets others read. */
    struct tt_ring *o = tt_ring_observe(u->key, why, sizeof why);
    if (strstr(u->why, "shmat")) {
        struct tt_ring_stats st;
        if (!o)
            return 2;
        tt_ring_get_stats(o, &st);
        tt_ring_detach(o);
        if (st.produced != 1)
            return 3;
    } else if (o) {
        return 4;
    }
    /* Create on the key: refused at once (the ring is not stale while its producer lives). */
    uint64_t t0 = now_ns();
    if (tt_ring_create(u->key, 4096, 0, 0600, NULL, why, sizeof why) ||
        strcmp(why, u->create_why) != 0 || now_ns() - t0 > 1000000000u) {
        fprintf(stderr, "create as uid %d: %s, want: %s\n", NOBODY, why, u->create_why);
        return 5;
    }
    return 0;
}

static int replace_as_nobody(void *arg)
{
    struct other_uid *u = arg;
    if (!as_nobody())
        return CHILD_SKIP;
    char why[256];
    if (tt_ring_create(u->key, 4096, 0, 0600, NULL, why, sizeof why) || strcmp(why, u->why) != 0) {
        fprintf(stderr, "replace as uid %d: %s, want: %s\n", NOBODY, why, u->why);
        return 1;
    }
    return 0;
}

TT_TEST(other_uid_refused_with_the_reason)
{
    if (geteuid() != 0)
        TT_SKIP("needs root, to run a child as uid %d", NOBODY);
    struct other_uid u;
    for (int readable = 0; readable < 2; readable++) {
        u.key = next_key();
        char why[256];
        struct tt_ring *p =
            tt_ring_create(u.key, 4096, 0, readable ? 0644 : 0600, NULL, why, sizeof why);
        TT_REQUIRE(p != NULL);
        write_seq(p, 0, 10);
        if (readable) {
            snprintf(u.why, sizeof u.why, "ring key 0x%x: shmat: %s", (unsigned)u.key,
                     strerror(EACCES));
        } else {
            /* Owned by a uid of its own, so that no other segment's owner can stand in. */
            struct shmid_ds ds;
            TT_REQUIRE(shmctl(tt_ring_shmid(p), IPC_STAT, &ds) == 0);
            ds.shm_perm.uid = OWNER;
            TT_REQUIRE(shmctl(tt_ring_shmid(p), IPC_SET, &ds) == 0);
            snprintf(u.why, sizeof u.why,
                     "ring key 0x%x belongs to uid %d and this process runs as uid %d: run the "
                     "engine as the tracer's uid (docker: --user; Kubernetes: the pod's "
                     "securityContext.runAsUser, for both containers; ECS: the same \"user\")",
                     (unsigned)u.key, OWNER, NOBODY);
        }
        if (readable) /* it can look at the ring: its producer lives */
            snprintf(u.create_why, sizeof u.create_why,
                     "ring key 0x%x is in use by a running tracer (pid %d); give each tracer its "
                     "own key",
                     (unsigned)u.key, (int)getpid());
        else
            snprintf(u.create_why, sizeof u.create_why, "ring key 0x%x: %s", (unsigned)u.key,
                     strerror(EACCES));
        int rc = in_child(attach_as_nobody, &u);
        if (rc == CHILD_SKIP)
            TT_SKIP("cannot change to uid %d", NOBODY);
        TT_CHECKF(rc == 0, "readable %d: child %d", readable, rc);
        /* The producer finishes with an event unread: the ring stays for a consumer, and a
         * process of another uid cannot remove it to create its own. */
        tt_ring_close_producer(p);
        TT_CHECK(key_exists(u.key));
        if (readable) {
            snprintf(u.why, sizeof u.why, "ring key 0x%x: cannot remove stale ring: %s",
                     (unsigned)u.key, strerror(EPERM));
            TT_CHECK_INT(in_child(replace_as_nobody, &u), 0);
            TT_CHECK(key_exists(u.key));
        }
        remove_key(u.key);
    }
}

int main(void)
{
    return ring_test_main();
}
