/* The ring against a writer that is not the producer (a workload that somehow mapped the
 * segment): the end of the stream is accepted only once the producer is really gone, counts
 * that stop adding up are reported as a gap, and the consumer's heartbeat, takeover record and
 * drop reporting survive a consumer restart. Each attack has its negative control: with
 * tt_ring_trust_end_flag (the behaviour before these checks) the same write blinds the
 * consumer, or the gap goes unreported. */
#include "tt_test.h"
#include "tt_ring.h"
#include "ring_test_util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

/* A producer and a consumer on a new 16 KiB ring, and the attacker's mapping of it. */
static int setup(struct tt_ring **p, struct tt_ring **c, uint8_t **seg)
{
    int key = next_key();
    *p = create(key, 16384, 0);
    *c = attach(key, 0);
    *seg = *p ? map_rw(*p) : NULL;
    TT_CHECK(*p && *c && *seg);
    return *p && *c && *seg;
}

/* Reads until something other than an event comes back; counts the events. */
static int drain(struct tt_ring *c, int timeout_ms, int *events)
{
    const struct tt_event *ev;
    int rc;
    while ((rc = tt_ring_read(c, &ev, timeout_ms)) == 1)
        (*events)++;
    return rc;
}

/* Forged end: the attacker sets `done` and clears the producer's lock word. The consumer
 * reports it (after the grace period with no data, at once when records follow) and reads on;
 * with the old behaviour the same write ends the stream. */
static void forged_end(int trust)
{
    struct tt_ring *p, *c;
    uint8_t *seg;
    if (!setup(&p, &c, &seg))
        return;
    int id = tt_ring_shmid(p);
    tt_ring_trust_end_flag(c, trust);
    for (int i = 0; i < 3; i++)
        write_seq(p, (uint64_t)i, 8);
    int events = 0;
    TT_CHECK_INT(drain(c, 0, &events), 0);
    TT_CHECK_INT(events, 3);
    poke32(seg, OFF_DONE, 1);
    poke32(seg, OFF_PROD_LOCK, 0);
    uint64_t t0 = now_ns();
    int rc = drain(c, 3000, &events);
    if (trust) {
        TT_CHECK_INT(rc, -1); /* blinded: the stream "ended" while the producer writes on */
    } else {
        TT_CHECK_INT(rc, -2);
        TT_CHECK_INT(tt_ring_problem(c, NULL), TT_RING_FORGED_END);
        TT_CHECK(now_ns() - t0 >= 1500000000u); /* only after the grace period */
        TT_CHECK(strstr(tt_ring_error(c), "not set by the producer") != NULL);
        /* The producer writes on: every record arrives. */
        for (int i = 3; i < 10; i++)
            write_seq(p, (uint64_t)i, 8);
        TT_CHECK_INT(drain(c, 0, &events), 0);
        TT_CHECK_INT(events, 10);
    }
    shmdt(seg);
    tt_ring_close_producer(p);
    if (!trust) {
        /* The producer's real close is accepted at once. */
        TT_CHECK_INT(drain(c, 2000, &events), -1);
        TT_CHECK_INT(tt_ring_problem(c, NULL), TT_RING_OK);
    }
    tt_ring_detach(c);
    struct shmid_ds ds;
    TT_CHECK(shmctl(id, IPC_STAT, &ds) != 0); /* removed: both sides are gone */
}

TT_TEST(forged_end_flag_reported_and_read_on)
{
    forged_end(0);
}

TT_TEST(forged_end_flag_blinds_without_the_check)
{
    forged_end(1);
}

/* A consumer's detach removes the ring only once the producer is really gone: a forged end flag
 * or lock word leaves it in place; with the old rule (the test switch) either one removed the
 * ring under the live producer. */
TT_TEST(forged_end_does_not_remove_the_ring_at_detach)
{
    for (int trust = 0; trust < 2; trust++) {
        for (int forge_lock = 0; forge_lock < 2; forge_lock++) {
            int key = next_key();
            struct tt_ring *p = create(key, 4096, 0), *c = attach(key, 0);
            TT_REQUIRE(p && c);
            uint8_t *seg = map_rw(p);
            TT_REQUIRE(seg != NULL);
            tt_ring_trust_end_flag(c, trust);
            poke32(seg, forge_lock ? OFF_PROD_LOCK : OFF_DONE, forge_lock ? 0 : 1);
            tt_ring_detach(c);
            TT_CHECKF(key_exists(key) == !trust, "trust %d, forged %s: ring %s", trust,
                      forge_lock ? "lock word" : "end flag", trust ? "kept" : "removed");
            shmdt(seg);
            tt_ring_close_producer(p);
            TT_CHECK(!key_exists(key));
        }
    }
}

TT_TEST(records_after_end_flag_reported_at_once)
{
    struct tt_ring *p, *c;
    uint8_t *seg;
    if (!setup(&p, &c, &seg))
        return;
    poke32(seg, OFF_DONE, 1);
    int events = 0;
    TT_CHECK_INT(drain(c, 50, &events), 0); /* drained, the flag is set, the producer is there */
    write_seq(p, 1, 8);
    uint64_t t0 = now_ns();
    TT_CHECK_INT(drain(c, 0, &events), -2);
    TT_CHECK_INT(tt_ring_problem(c, NULL), TT_RING_FORGED_END);
    TT_CHECK(now_ns() - t0 < 500000000u);
    TT_CHECK_INT(drain(c, 0, &events), 0);
    TT_CHECK_INT(events, 1);
    shmdt(seg);
    tt_ring_close_producer(p);
    tt_ring_detach(c);
}

/* Gap: while no consumer is attached, the attacker moves the published tail past two unread
 * records. The next consumer reads the rest and, once drained, reports the two records. */
static void gap_after_restart(int trust)
{
    int key = next_key();
    struct tt_ring *p = create(key, 16384, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    uint8_t buf[4096];
    size_t len = make_record(buf, sizeof buf, 0, 8); /* every record below has this length */
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    if (!c)
        return;
    for (int i = 0; i < 10; i++)
        write_seq(p, (uint64_t)i, 8);
    int events = 0;
    const struct tt_event *ev;
    for (int i = 0; i < 4; i++)
        events += tt_ring_read(c, &ev, 0) == 1;
    tt_ring_detach(c); /* publishes tail = 4 records */
    uint8_t *seg = map_rw(p);
    TT_REQUIRE(seg != NULL);
    if (!seg)
        return;
    poke64(seg, OFF_TAIL, peek64(seg, OFF_TAIL) + 2 * len);
    c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    if (!c)
        return;
    tt_ring_trust_end_flag(c, trust);
    int64_t lost = 0;
    int rc = drain(c, 0, &events);
    TT_CHECK_INT(events, 8);
    if (trust) {
        TT_CHECK_INT(rc, 0); /* two records gone, nothing said */
    } else {
        TT_CHECK_INT(rc, -2);
        TT_CHECK_INT(tt_ring_problem(c, &lost), TT_RING_GAP);
        TT_CHECK_INT(lost, 2);
        TT_CHECK(strstr(tt_ring_error(c), "2 records the producer wrote never reached") != NULL);
        TT_CHECK_INT(drain(c, 0, &events), 0); /* reported once */
        /* Later records flow and add up. */
        write_seq(p, 10, 8);
        TT_CHECK_INT(drain(c, 0, &events), 0);
        TT_CHECK_INT(events, 9);
    }
    shmdt(seg);
    tt_ring_close_producer(p);
    tt_ring_detach(c);
}

TT_TEST(gap_reported_once_drained)
{
    gap_after_restart(0);
}

TT_TEST(gap_silent_without_the_check)
{
    gap_after_restart(1);
}

TT_TEST(added_records_reported)
{
    struct tt_ring *p, *c;
    uint8_t *seg;
    if (!setup(&p, &c, &seg))
        return;
    for (int i = 0; i < 5; i++)
        write_seq(p, (uint64_t)i, 8);
    /* The attacker lowers the producer's count: three of the records were "never written". */
    poke64(seg, OFF_PRODUCED, 2);
    int events = 0;
    int64_t n = 0;
    TT_CHECK_INT(drain(c, 0, &events), -2);
    TT_CHECK_INT(events, 5);
    TT_CHECK_INT(tt_ring_problem(c, &n), TT_RING_GAP);
    TT_CHECK_INT(n, -3);
    shmdt(seg);
    tt_ring_close_producer(p);
    tt_ring_detach(c);
}

/* The producer preempted between its two seqlock stores while publishing a drop: produced is
 * already one higher, dropped not yet. A consumer that drains the ring then must not take the
 * half-published counts for records lost (a false tamper alert under CPU contention); it
 * judges them once the publish completes. The same counts held behind an odd seqlock for
 * longer than any preemption are judged as they stand, so a writer cannot hide a gap that way.
 * (Checked to fail when the consumer used the torn snapshot: the first drain reported a gap
 * of 1.) */
TT_TEST(torn_producer_counts_are_not_a_gap)
{
    struct tt_ring *p, *c;
    uint8_t *seg;
    if (!setup(&p, &c, &seg))
        return;
    for (int i = 0; i < 3; i++)
        write_seq(p, (uint64_t)i, 8);
    int events = 0;
    TT_CHECK_INT(drain(c, 0, &events), 0);
    TT_CHECK_INT(events, 3);
    uint32_t seq;
    memcpy(&seq, seg + OFF_PROD_SEQ, sizeof seq);
    TT_CHECK((seq & 1u) == 0);
    uint64_t produced = peek64(seg, OFF_PRODUCED), dropped = peek64(seg, OFF_DROPPED);
    poke32(seg, OFF_PROD_SEQ, seq + 1);
    poke64(seg, OFF_PRODUCED, produced + 1);
    for (int k = 0; k < 20; k++) { /* a few drained polls while the publish is "in progress" */
        TT_CHECK_INT(drain(c, 0, &events), 0);
        usleep(5000);
    }
    poke64(seg, OFF_DROPPED, dropped + 1);
    poke32(seg, OFF_PROD_SEQ, seq + 2);
    TT_CHECK_INT(drain(c, 0, &events), 0);
    TT_CHECK_INT(events, 3);
    /* A writer keeps the seqlock odd and lowers the count: reported after the grace period. */
    poke32(seg, OFF_PROD_SEQ, seq + 3);
    poke64(seg, OFF_PRODUCED, produced - 1);
    uint64_t t0 = now_ns();
    int64_t n = 0;
    TT_CHECK_INT(drain(c, 5000, &events), -2);
    TT_CHECK(now_ns() - t0 >= 1500000000u);
    TT_CHECK_INT(tt_ring_problem(c, &n), TT_RING_GAP);
    TT_CHECK_INT(n, -2);
    poke32(seg, OFF_PROD_SEQ, seq + 4);
    shmdt(seg);
    tt_ring_close_producer(p);
    tt_ring_detach(c);
}

TT_TEST(producer_exit_and_death_tell_apart)
{
    for (int die = 0; die < 2; die++) {
        int key = next_key();
        pid_t pid = fork();
        if (pid == 0) {
            struct tt_ring *p = create(key, 4096, 0);
            for (int i = 0; p && i < 3; i++)
                write_seq(p, (uint64_t)i, 10);
            if (p && !die)
                tt_ring_close_producer(p);
            _exit(p ? 0 : 1);
        }
        int status;
        waitpid(pid, &status, 0);
        struct tt_ring *c = attach(key, 0);
        TT_REQUIRE(c != NULL);
        if (!c)
            return;
        int events = 0;
        TT_CHECK_INT(drain(c, 2000, &events), -1);
        TT_CHECK_INT(events, 3);
        TT_CHECK_INT(tt_ring_problem(c, NULL), die ? TT_RING_PRODUCER_DIED : TT_RING_OK);
        tt_ring_detach(c);
    }
}

/* A live producer in another process whose lock word the attacker clears: the consumer's
 * pidfd (same pid namespace) and the attach count both say it is alive: no end. */
TT_TEST(live_producer_with_forged_lock_is_not_an_end)
{
    int key = next_key(), fds[2];
    TT_CHECK_INT(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct tt_ring *p = create(key, 4096, 0);
        write_seq(p, 0, 10);
        char ch;
        (void)!read(fds[0], &ch, 1); /* until the parent says */
        write_seq(p, 1, 10);
        tt_ring_close_producer(p);
        _exit(0);
    }
    struct tt_ring *c = attach(key, 5000);
    TT_REQUIRE(c != NULL);
    if (!c)
        return;
    int id = shmget(key, 0, 0);
    uint8_t *seg = shmat(id, NULL, 0);
    TT_CHECK(seg != (void *)-1);
    poke32(seg, OFF_PROD_LOCK, 0);
    int events = 0;
    TT_CHECK_INT(drain(c, 400, &events), 0);
    TT_CHECK_INT(events, 1);
    shmdt(seg);
    (void)!write(fds[1], "x", 1);
    TT_CHECK_INT(drain(c, 5000, &events), -1);
    TT_CHECK_INT(events, 2);
    TT_CHECK_INT(tt_ring_problem(c, NULL), TT_RING_OK);
    waitpid(pid, NULL, 0);
    tt_ring_detach(c);
    close(fds[0]);
    close(fds[1]);
}

TT_TEST(heartbeat_moves_only_while_reading)
{
    int key = next_key();
    struct tt_ring *p = create(key, 16384, 0);
    struct tt_ring *c = attach(key, 0);
    TT_CHECK(p && c);
    if (!p || !c)
        return;
    struct tt_ring_health h1, h2;
    char why[256];
    TT_CHECK_INT(tt_ring_peek_health(tt_ring_shmid(p), &h1, why, sizeof why), 0);
    TT_CHECK(h1.heartbeat && h1.consumer_attached);
    TT_CHECK_INT(h1.consumer_pid, getpid());
    const struct tt_event *ev;
    TT_CHECK_INT(tt_ring_read(c, &ev, 100), 0); /* waiting beats */
    TT_CHECK_INT(tt_ring_peek_health(tt_ring_shmid(p), &h2, why, sizeof why), 0);
    TT_CHECK(h2.beats != h1.beats);
    TT_CHECK(h2.beat_ns >= h1.beat_ns);
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL); /* not reading: no beat */
    TT_CHECK_INT(tt_ring_peek_health(tt_ring_shmid(p), &h1, why, sizeof why), 0);
    TT_CHECK_INT(h1.beats, h2.beats);
    tt_ring_heartbeat(c);
    TT_CHECK_INT(tt_ring_peek_health(tt_ring_shmid(p), &h1, why, sizeof why), 0);
    TT_CHECK(h1.beats != h2.beats);
    /* Not a ring: refused with a reason. */
    int other = shmget(IPC_PRIVATE, 8192, 0600);
    TT_CHECK_INT(tt_ring_peek_health(other, &h1, why, sizeof why), -1);
    shmctl(other, IPC_RMID, NULL);
    tt_ring_detach(c);
    TT_CHECK_INT(tt_ring_peek_health(tt_ring_shmid(p), &h1, why, sizeof why), 0);
    TT_CHECK(!h1.consumer_attached);
    tt_ring_close_producer(p);
}

TT_TEST(takeover_records_dead_consumer_and_drops)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    struct tt_ring *c = attach(key, 0);
    struct tt_ring_takeover t;
    tt_ring_get_takeover(c, &t);
    TT_CHECK(!t.happened);
    TT_CHECK_INT(tt_ring_drops_reported(c), 0);
    tt_ring_detach(c);
    pid_t pid = fork();
    if (pid == 0) {
        struct tt_ring *c2 = attach(key, 0);
        tt_ring_set_drops_reported(c2, 7);
        _exit(c2 ? 0 : 1); /* dies attached */
    }
    int status;
    waitpid(pid, &status, 0);
    TT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    if (!c)
        return;
    tt_ring_get_takeover(c, &t);
    TT_CHECK(t.happened && t.died);
    TT_CHECK_INT(t.pid, pid);
    TT_CHECK(t.beat_ns > 0);
    TT_CHECK_INT(tt_ring_drops_reported(c), 7);
    struct tt_ring_stats st;
    tt_ring_get_stats(c, &st);
    TT_CHECK_INT(st.attaches, 3);
    TT_CHECK(st.consumer_heartbeat);
    tt_ring_detach(c);
    /* A clean detach is a takeover too, but not a death. */
    c = attach(key, 0);
    tt_ring_get_takeover(c, &t);
    TT_CHECK(t.happened && !t.died);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
}

int main(void)
{
    return ring_test_main();
}
