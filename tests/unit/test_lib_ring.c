/* Shared-memory ring: round trip with wrap-around, exact drop accounting, no loss before
 * attach, version refusal both ways, validation of a scribbled segment, consumer takeover,
 * producer death as end of stream, stale segment replacement, blocking mode, idle sleep. */
#include "tt_test.h"
#include "tt_ring.h"
#include "ring_test_util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TT_TEST(round_trip_with_wrap)
{
    int key = next_key();
    struct tt_ring *p = create(key, 16384, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    if (!c)
        return;
    struct shmid_ds ds;
    TT_CHECK_INT(shmctl(tt_ring_shmid(p), IPC_STAT, &ds), 0);
    TT_CHECK_INT(ds.shm_perm.mode & 0777, 0600);
    /* Interleave so the ring wraps many times with every record size alignment. */
    uint64_t wseq = 0, rseq = 0;
    int bad = 0;
    for (int round = 0; round < 2000; round++) {
        int n = 1 + round % 7;
        for (int i = 0; i < n; i++, wseq++)
            if (write_seq(p, wseq, wseq % 300) != 0)
                bad++;
        const struct tt_event *ev;
        while (tt_ring_read(c, &ev, 0) == 1) {
            if (!is_record(ev, rseq, rseq % 300))
                bad++;
            tt_ring_release(c, ev);
            rseq++;
        }
    }
    TT_CHECK_INT(bad, 0);
    TT_CHECK_INT(rseq, wseq);
    struct tt_ring_stats st;
    tt_ring_get_stats(c, &st);
    TT_CHECK_INT(st.produced, wseq);
    TT_CHECK_INT(st.consumed, wseq);
    TT_CHECK_INT(st.dropped, 0);
    TT_CHECK_INT(st.in_flight, 0);
    TT_CHECK(st.consumer_attached);
    TT_CHECK(st.producer_alive);
    tt_ring_close_producer(p);
    const struct tt_event *ev;
    TT_CHECK_INT(tt_ring_read(c, &ev, 1000), -1);
    TT_CHECK(key_exists(key));
    tt_ring_detach(c);
    TT_CHECK(!key_exists(key)); /* last one out removed it */
}

TT_TEST(drops_counted_exactly_with_stalled_consumer)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    struct tt_ring *c = attach(key, 0);
    TT_CHECK(p && c);
    if (!p || !c)
        return;
    /* The consumer reads nothing while 1000 records are written into a 4 KiB ring. */
    uint8_t ok[1000] = {0};
    int fails = 0;
    for (int i = 0; i < 1000; i++) {
        if (write_seq(p, (uint64_t)i, (size_t)(i * 7) % 90) == 0)
            ok[i] = 1;
        else
            fails++;
        if (i == 500) { /* the consumer wakes up briefly in the middle */
            const struct tt_event *ev;
            for (int k = 0; k < 10 && tt_ring_read(c, &ev, 0) == 1; k++)
                ok[seq_of(ev)] = 2; /* consumed here, not in the drain below */
        }
    }
    TT_CHECK(fails > 800);
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    TT_CHECK_INT(st.produced, 1000);
    TT_CHECK_INT(st.dropped, fails);
    tt_ring_close_producer(p);
    /* Drain: exactly the records that were accepted, in order, intact. */
    const struct tt_event *ev;
    int64_t last = -1;
    int got = 0, bad = 0, rc;
    int seen[1000] = {0};
    while ((rc = tt_ring_read(c, &ev, 1000)) == 1) {
        int64_t s = seq_of(ev);
        if (s <= last || s >= 1000 || !is_record(ev, (uint64_t)s, (size_t)(s * 7) % 90))
            bad++;
        else
            seen[s] = 1;
        last = s;
        got++;
    }
    TT_CHECK_INT(rc, -1);
    TT_CHECK_INT(bad, 0);
    int mismatch = 0;
    int early = 0;
    for (int i = 0; i < 1000; i++) {
        early += ok[i] == 2;
        mismatch += seen[i] != (ok[i] == 1);
    }
    TT_CHECK_INT(early, 10);
    TT_CHECK_INT(mismatch, 0);
    tt_ring_get_stats(c, &st);
    TT_CHECK_INT(st.consumed, got + early);
    TT_CHECK_INT(st.produced, st.consumed + st.dropped);
    TT_CHECK_INT(st.in_flight, 0);
    tt_ring_detach(c);
    TT_CHECK(!key_exists(key));
}

TT_TEST(no_loss_before_attach)
{
    int key = next_key();
    struct tt_ring *p = create(key, 65536, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    for (int i = 0; i < 200; i++)
        TT_CHECK_INT(write_seq(p, (uint64_t)i, 40), 0);
    TT_CHECK_INT(tt_ring_wait_consumer(p, 0), 0);
    tt_ring_close_producer(p); /* the tracer finished before the engine came */
    TT_CHECK(key_exists(key)); /* unread events are kept */
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    if (!c)
        return;
    const struct tt_event *ev;
    int got = 0, bad = 0, rc;
    while ((rc = tt_ring_read(c, &ev, 1000)) == 1) {
        if (!is_record(ev, (uint64_t)got, 40))
            bad++;
        got++;
    }
    TT_CHECK_INT(rc, -1);
    TT_CHECK_INT(got, 200);
    TT_CHECK_INT(bad, 0);
    tt_ring_detach(c);
    TT_CHECK(!key_exists(key));
}

TT_TEST(consumer_refuses_other_version_and_magic)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    uint8_t *seg = shmat(tt_ring_shmid(p), NULL, 0);
    TT_CHECK(seg != (void *)-1);
    uint32_t v = TT_EVENT_VERSION + 1;
    memcpy(seg + OFF_VERSION, &v, sizeof v);
    char why[256] = "";
    struct tt_ring *c = tt_ring_attach(key, 0, why, sizeof why);
    TT_CHECK(c == NULL);
    TT_CHECK_INT(errno, EPROTO);
    TT_CHECK(strstr(why, "version 2, this program reads version 1") != NULL);
    memcpy(seg, "GARBAGE!", 8);
    c = tt_ring_attach(key, 0, why, sizeof why);
    TT_CHECK(c == NULL);
    TT_CHECK(strstr(why, "bad magic") != NULL);
    v = TT_EVENT_VERSION;
    memcpy(seg + OFF_VERSION, &v, sizeof v);
    memcpy(seg, TT_STREAM_MAGIC, 8);
    c = tt_ring_attach(key, 0, why, sizeof why);
    TT_REQUIRE(c != NULL);
    shmdt(seg);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

TT_TEST(producer_refuses_consumer_of_other_version)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    struct tt_ring *c = attach(key, 0);
    TT_CHECK(p && c);
    if (!p || !c)
        return;
    TT_CHECK_INT(tt_ring_wait_consumer(p, 0), 1);
    uint8_t *seg = shmat(tt_ring_shmid(p), NULL, 0);
    uint32_t v = 9;
    memcpy(seg + OFF_CONS_VERSION, &v, sizeof v);
    uint64_t t0 = now_ns();
    TT_CHECK_INT(tt_ring_wait_consumer(p, 3000), 0); /* refused at once, not after 3 s */
    TT_CHECK(now_ns() - t0 < 1000000000u);
    TT_CHECK(strstr(tt_ring_error(p), "version 9") != NULL);
    shmdt(seg);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
}

/* A producer that never called tt_ring_wait_consumer (tracer --wait-engine 0), or a consumer
 * that attaches later: the producer checks the consumer's version as it writes. */
TT_TEST(producer_checks_version_of_late_consumer)
{
    int key = next_key();
    struct tt_ring *p = create(key, 65536, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    for (int i = 0; i < 10; i++)
        write_seq(p, (uint64_t)i, 0);
    TT_CHECK_STR(tt_ring_error(p), "");
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    uint8_t *seg = shmat(tt_ring_shmid(p), NULL, 0);
    uint32_t v = 9;
    memcpy(seg + OFF_CONS_VERSION, &v, sizeof v);
    for (int i = 10; i < 200; i++)
        write_seq(p, (uint64_t)i, 0);
    TT_CHECK(strstr(tt_ring_error(p), "reads event format version 9") != NULL);
    /* a consumer of the right version attaching next is accepted again */
    tt_ring_detach(c);
    c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    TT_CHECK_INT(tt_ring_wait_consumer(p, 0), 1);
    shmdt(seg);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    remove_key(key); /* unread events were kept for a next consumer */
}

TT_TEST(corrupt_record_skipped_and_counted)
{
    int key = next_key();
    struct tt_ring *p = create(key, 8192, 0);
    struct tt_ring *c = attach(key, 0);
    TT_CHECK(p && c);
    if (!p || !c)
        return;
    size_t off = 0;
    uint8_t buf[4096];
    for (int i = 0; i < 10; i++) {
        if (i < 5)
            off += make_record(buf, sizeof buf, (uint64_t)i, 20);
        write_seq(p, (uint64_t)i, 20);
    }
    uint8_t *seg = shmat(tt_ring_shmid(p), NULL, 0);
    uint16_t bad_type = 0x7777;
    memcpy(seg + OFF_DATA + off + 4, &bad_type, sizeof bad_type);
    const struct tt_event *ev;
    int got = 0;
    while (tt_ring_read(c, &ev, 0) == 1)
        got++;
    TT_CHECK_INT(got, 5);
    TT_CHECK(strstr(tt_ring_error(c), "corrupt") != NULL);
    struct tt_ring_stats st;
    tt_ring_get_stats(c, &st);
    TT_CHECK_INT(st.corrupt, 5);
    TT_CHECK_INT(st.produced, st.consumed + st.dropped + st.corrupt);
    /* Later records are read normally. */
    write_seq(p, 10, 20);
    TT_CHECK_INT(tt_ring_read(c, &ev, 0), 1);
    TT_CHECK(is_record(ev, 10, 20));
    /* Random garbage over the whole data area: no crash, only -2 and skips. */
    for (int i = 11; i < 60; i++)
        write_seq(p, (uint64_t)i, (size_t)i);
    srand(7);
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < 8192; k++)
            seg[OFF_DATA + k] = (uint8_t)rand();
        int rc;
        for (int g = 0; g < 10000 && (rc = tt_ring_read(c, &ev, 0)) != 0; g++)
            if (rc == 1)
                TT_CHECK_INT(tt_event_validate(ev, ev->len), 0);
        write_seq(p, (uint64_t)round, (size_t)round % 100);
        write_seq(p, (uint64_t)round, 3);
    }
    /* Nonsense in the producer's head (misaligned, behind, far ahead). */
    for (int round = 0; round < 300; round++) {
        uint64_t h = round % 3 == 0   ? (uint64_t)rand()
                     : round % 3 == 1 ? (uint64_t)rand() << 20
                                      : ((uint64_t)rand() << 3) + 5;
        memcpy(seg + OFF_HEAD, &h, sizeof h);
        int rc;
        for (int k = 0; k < 50 && (rc = tt_ring_read(c, &ev, 0)) != 0; k++)
            if (rc == 1)
                TT_CHECK_INT(tt_event_validate(ev, ev->len), 0);
        write_seq(p, (uint64_t)round, (size_t)round % 50); /* republishes the real head */
        for (int g = 0; g < 10000 && (rc = tt_ring_read(c, &ev, 0)) != 0; g++)
            if (rc == 1)
                TT_CHECK_INT(tt_event_validate(ev, ev->len), 0);
    }
    /* A head 3 bytes short of the end of the data area, then real records past it: the
     * consumer must not be left reading at a misaligned position at the very end. */
    for (int round = 0; round < 20; round++) {
        int rc, guard = 0;
        while ((rc = tt_ring_read(c, &ev, 0)) != 0 && ++guard < 10000)
            ;
        uint64_t tail;
        memcpy(&tail, seg + OFF_TAIL, sizeof tail);
        uint64_t h = tail + (8192 - (tail & 8191)) - 3;
        memcpy(seg + OFF_HEAD, &h, sizeof h);
        while ((rc = tt_ring_read(c, &ev, 0)) != 0 && ++guard < 20000)
            ;
        for (int k = 0; k < 40; k++)
            write_seq(p, (uint64_t)k, 60);
        while ((rc = tt_ring_read(c, &ev, 0)) != 0 && ++guard < 30000)
            if (rc == 1)
                TT_CHECK_INT(tt_event_validate(ev, ev->len), 0);
        TT_CHECK(guard < 30000);
        /* Back in step: the next record written is read, intact. */
        write_seq(p, 777, 7);
        int back = 0;
        for (int g = 0; g < 100 && !back && (rc = tt_ring_read(c, &ev, 0)) != 0; g++)
            back = rc == 1 && is_record(ev, 777, 7);
        TT_CHECK(back);
    }
    shmdt(seg);
    tt_ring_close_producer(p);
    tt_ring_detach(c);
}

TT_TEST(second_consumer_refused)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    struct tt_ring *c = attach(key, 0);
    TT_CHECK(p && c);
    char why[256] = "";
    struct tt_ring *c2 = tt_ring_attach(key, 0, why, sizeof why);
    TT_CHECK(c2 == NULL);
    TT_CHECK_INT(errno, EBUSY);
    TT_CHECK(strstr(why, "already has a consumer") != NULL);
    /* An observer is fine. */
    struct tt_ring *o = tt_ring_observe(key, why, sizeof why);
    TT_REQUIRE(o != NULL);
    if (o) {
        write_seq(p, 1, 1);
        struct tt_ring_stats st;
        tt_ring_get_stats(o, &st);
        TT_CHECK_INT(st.produced, 1);
        TT_CHECK(st.consumer_attached);
        tt_ring_detach(o);
    }
    const struct tt_event *ev;
    TT_CHECK_INT(tt_ring_read(c, &ev, 0), 1);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

TT_TEST(dead_consumer_replaced_and_resumed)
{
    int key = next_key();
    struct tt_ring *p = create(key, 65536, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    for (int i = 0; i < 20; i++)
        write_seq(p, (uint64_t)i, 10);
    pid_t pid = fork();
    if (pid == 0) {
        struct tt_ring *c = attach(key, 0);
        const struct tt_event *ev;
        for (int i = 0; c && i < 5; i++)
            tt_ring_read(c, &ev, 0);
        _exit(c ? 0 : 1); /* dies attached */
    }
    int status;
    waitpid(pid, &status, 0);
    TT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    TT_CHECK(!st.consumer_attached);
    TT_CHECK(st.consumed <= 5); /* what it read but had not published is delivered again */
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    if (!c)
        return;
    const struct tt_event *ev;
    TT_CHECK_INT(tt_ring_read(c, &ev, 0), 1);
    int64_t first = seq_of(ev);
    TT_CHECK(first >= 0 && first <= 5 && (uint64_t)first == st.consumed);
    TT_CHECK(is_record(ev, (uint64_t)first, 10));
    int n = 1, rc;
    while ((rc = tt_ring_read(c, &ev, 0)) == 1)
        n++;
    TT_CHECK_INT(n, 20 - first);
    TT_CHECK_INT(seq_of(ev), 19);
    tt_ring_get_stats(c, &st);
    TT_CHECK_INT(st.attaches, 2);
    TT_CHECK_INT(st.consumed, 20);
    tt_ring_close_producer(p);
    tt_ring_detach(c);
    TT_CHECK(!key_exists(key));
}

TT_TEST(producer_death_is_end_of_stream)
{
    int key = next_key();
    pid_t pid = fork();
    if (pid == 0) {
        struct tt_ring *p = create(key, 4096, 0);
        for (int i = 0; p && i < 3; i++)
            write_seq(p, (uint64_t)i, 10);
        _exit(p ? 0 : 1); /* dies without closing */
    }
    int status;
    waitpid(pid, &status, 0);
    TT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct tt_ring *c = attach(key, 0);
    TT_REQUIRE(c != NULL);
    if (!c)
        return;
    const struct tt_event *ev;
    int got = 0, rc;
    uint64_t t0 = now_ns();
    while ((rc = tt_ring_read(c, &ev, 5000)) == 1)
        got++;
    TT_CHECK_INT(rc, -1);
    TT_CHECK_INT(got, 3);
    TT_CHECK(now_ns() - t0 < 2000000000u);
    struct tt_ring_stats st;
    tt_ring_get_stats(c, &st);
    TT_CHECK(!st.producer_alive);
    TT_CHECK(!st.producer_done);
    tt_ring_detach(c);
    TT_CHECK(!key_exists(key));
}

TT_TEST(stale_segment_replaced_live_one_refused)
{
    int key = next_key();
    pid_t pid = fork();
    if (pid == 0) {
        struct tt_ring *p = create(key, 4096, 0);
        write_seq(p, 1, 1);
        _exit(p ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    TT_CHECK(key_exists(key));
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    TT_CHECK_INT(st.produced, 0); /* a fresh ring */
    char why[256] = "";
    struct tt_ring *p2 = tt_ring_create(key, 4096, 0, 0600, NULL, why, sizeof why);
    TT_CHECK(p2 == NULL);
    TT_CHECK(strstr(why, "in use by a running tracer") != NULL);
    /* A foreign segment on the key is not touched. */
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
    int id = shmget(key, 65536, IPC_CREAT | IPC_EXCL | 0600);
    TT_CHECK(id >= 0);
    p2 = tt_ring_create(key, 4096, 0, 0600, NULL, why, sizeof why);
    TT_CHECK(p2 == NULL);
    TT_CHECK(strstr(why, "another program") != NULL);
    shmctl(id, IPC_RMID, NULL);
}

struct slow_consumer_result {
    int key;
    int got, bad;
};

static void *slow_consumer(void *arg)
{
    struct slow_consumer_result *res = arg;
    struct tt_ring *c = attach(res->key, 5000);
    if (!c)
        return NULL;
    const struct tt_event *ev;
    int rc;
    while ((rc = tt_ring_read(c, &ev, 5000)) == 1) {
        if (!is_record(ev, (uint64_t)res->got, (size_t)res->got % 200))
            res->bad++;
        res->got++;
        if (res->got % 64 == 0)
            usleep(1000);
    }
    tt_ring_detach(c);
    return NULL;
}

TT_TEST(blocking_mode_loses_nothing)
{
    struct slow_consumer_result res = {next_key(), 0, 0};
    struct tt_ring *p = create(res.key, 4096, TT_RING_BLOCKING);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    /* Without a consumer, blocking mode drops rather than hanging. */
    for (int i = 0; i < 100; i++)
        write_seq(p, (uint64_t)i, 200);
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    TT_CHECK(st.dropped > 0);
    tt_ring_close_producer(p);
    struct tt_ring *c = attach(res.key, 0); /* drain and remove it */
    if (c) {
        const struct tt_event *ev;
        while (tt_ring_read(c, &ev, 100) == 1)
            ;
        tt_ring_detach(c);
    }
    p = create(res.key, 4096, TT_RING_BLOCKING);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    pthread_t th;
    pthread_create(&th, NULL, slow_consumer, &res);
    TT_CHECK_INT(tt_ring_wait_consumer(p, 5000), 1);
    int fails = 0;
    for (int i = 0; i < 3000; i++)
        fails += write_seq(p, (uint64_t)i, (size_t)i % 200) != 0;
    TT_CHECK_INT(fails, 0);
    tt_ring_get_stats(p, &st);
    TT_CHECK_INT(st.dropped, 0);
    TT_CHECK(st.blocking);
    tt_ring_close_producer(p);
    pthread_join(th, NULL);
    TT_CHECK_INT(res.got, 3000);
    TT_CHECK_INT(res.bad, 0);
}

static long self_rss_shmem_kb(void)
{
    char buf[8192];
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strstr(buf, "RssShmem:");
    return p ? strtol(p + 9, NULL, 10) : -1;
}

/* The producer keeps only a window of the ring mapped: 40 MiB through an 8 MiB ring leaves its
 * shared RSS near the window, while the consumer (another process) still reads every record
 * intact, including those in pages the producer dropped from its mapping before they were read. */
TT_TEST(producer_maps_only_a_window)
{
    int key = next_key();
    struct tt_ring *p = create(key, 8u << 20, TT_RING_BLOCKING);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    const int total = 40000; /* ~1 KiB records */
    pid_t child = fork();
    if (child == 0) {
        struct tt_ring *c = attach(key, 5000);
        if (!c)
            _exit(2);
        const struct tt_event *ev;
        int got = 0, bad = 0;
        while (got < total && tt_ring_read(c, &ev, 5000) == 1) {
            bad += !is_record(ev, (uint64_t)got, 1000);
            if (++got == total / 2)
                usleep(200000); /* let the producer lap pages it has trimmed */
        }
        tt_ring_detach(c);
        _exit(got == total && bad == 0 ? 0 : 1);
    }
    TT_CHECK_INT(tt_ring_wait_consumer(p, 5000), 1);
    int fails = 0;
    for (int i = 0; i < total; i++)
        fails += write_seq(p, (uint64_t)i, 1000) != 0;
    long shm_kb = self_rss_shmem_kb();
    TT_CHECK_INT(fails, 0);
    int st = -1;
    waitpid(child, &st, 0);
    TT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (shm_kb >= 0) /* the window (<= 512 KiB) and the control page, not the 8 MiB ring */
        TT_CHECK(shm_kb < 1024);
    else
        TT_CHECK(!"no RssShmem in /proc/self/status");
    tt_ring_close_producer(p);
}

static long proc_cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, stt = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) != 2)
        return -1;
    return (long)(ut + stt);
}

TT_TEST(idle_consumer_sleeps_and_wakes)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    int pfd[2];
    TT_CHECK_INT(pipe(pfd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct tt_ring *c = attach(key, 0);
        const struct tt_event *ev;
        int rc = c ? tt_ring_read(c, &ev, -1) : 0;
        uint64_t t = now_ns();
        ssize_t w = write(pfd[1], &t, sizeof t);
        (void)w;
        int ok = rc == 1 && is_record(ev, 42, 5);
        tt_ring_detach(c);
        _exit(ok ? 0 : 1);
    }
    TT_CHECK_INT(tt_ring_wait_consumer(p, 5000), 1);
    usleep(1000000); /* well past the busy-poll window, also on a slow emulated machine */
    long t0 = proc_cpu_ticks(pid);
    usleep(1500000);
    long t1 = proc_cpu_ticks(pid);
    /* a sleeping consumer: a few ticks at most (timer and emulation noise); a polling or
     * spinning one burns tens to 150 ticks in these 1.5 s */
    TT_CHECK(t0 >= 0 && t1 - t0 <= 5);
    uint64_t sent = now_ns();
    write_seq(p, 42, 5);
    uint64_t woke = 0;
    TT_CHECK_INT(read(pfd[0], &woke, sizeof woke), (long)sizeof woke);
    TT_CHECK(woke - sent < 50000000u); /* woken by the futex, not a poll */
    int status;
    waitpid(pid, &status, 0);
    TT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(pfd[0]);
    close(pfd[1]);
    tt_ring_close_producer(p);
}

TT_TEST(attach_waits_for_producer)
{
    int key = next_key();
    pid_t pid = fork();
    if (pid == 0) {
        struct tt_ring *c = attach(key, 5000);
        const struct tt_event *ev;
        int rc = c ? tt_ring_read(c, &ev, 5000) : 0;
        int ok = rc == 1 && is_record(ev, 7, 7);
        tt_ring_detach(c);
        _exit(ok ? 0 : 1);
    }
    usleep(300000);
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    TT_CHECK_INT(tt_ring_wait_consumer(p, 5000), 1);
    write_seq(p, 7, 7);
    int status;
    waitpid(pid, &status, 0);
    TT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
    char why[256] = "";
    uint64_t t0 = now_ns();
    TT_CHECK(tt_ring_attach(key, 200, why, sizeof why) == NULL);
    TT_CHECK_INT(errno, ENOENT);
    TT_CHECK(now_ns() - t0 >= 190000000u);
    TT_CHECK(strstr(why, "no ring with key") != NULL);
}

struct bulk {
    int key;
    uint64_t got, bad;
};

static void *bulk_consumer(void *arg)
{
    struct bulk *b = arg;
    struct tt_ring *c = attach(b->key, 5000);
    if (!c)
        return NULL;
    const struct tt_event *ev;
    int64_t last = -1;
    while (tt_ring_read(c, &ev, 5000) == 1) {
        int64_t s = seq_of(ev);
        if (s <= last || !is_record(ev, (uint64_t)s, (size_t)s % 64))
            b->bad++;
        last = s;
        b->got++;
    }
    struct tt_ring_stats st;
    tt_ring_get_stats(c, &st);
    if (st.produced != st.consumed + st.dropped || st.consumed != b->got)
        b->bad++;
    tt_ring_detach(c);
    return NULL;
}

TT_TEST(concurrent_invariant_exact)
{
    struct bulk b = {next_key(), 0, 0};
    struct tt_ring *p = create(b.key, 65536, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    pthread_t th;
    pthread_create(&th, NULL, bulk_consumer, &b);
    TT_CHECK_INT(tt_ring_wait_consumer(p, 5000), 1);
    uint64_t ok = 0;
    for (uint64_t i = 0; i < 300000; i++)
        ok += write_seq(p, i, i % 64) == 0;
    tt_ring_close_producer(p);
    pthread_join(th, NULL);
    TT_CHECK_INT(b.bad, 0);
    TT_CHECK_INT(b.got, ok);
    TT_CHECK(!key_exists(b.key));
}

TT_TEST(oversized_record_dropped)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    TT_CHECK_INT(write_seq(p, 1, 2100), -1); /* more than half the data area */
    TT_CHECK_INT(write_seq(p, 2, 1900), 0);
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    TT_CHECK_INT(st.dropped, 1);
    TT_CHECK_INT(st.produced, 2);
    tt_ring_close_producer(p);
    struct tt_ring *c = attach(key, 0);
    if (c)
        tt_ring_detach(c);
}

/* The tracer forks the workload: the child must not inherit the mapping (nor count as an
 * attacher keeping the segment alive). */
TT_TEST(mapping_not_inherited_by_fork)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    int id = tt_ring_shmid(p);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = fopen("/proc/self/maps", "r");
        char line[512], want[32];
        int found = 0;
        snprintf(want, sizeof want, "SYSV%08x", (unsigned)key);
        while (f && fgets(line, sizeof line, f))
            found |= strstr(line, want) != NULL;
        struct shmid_ds ds;
        int nattch = shmctl(id, IPC_STAT, &ds) == 0 ? (int)ds.shm_nattch : -1;
        _exit(f && !found && nattch == 1 ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    TT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The parent does have it (so the check above can fail). */
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512], want[32];
    int found = 0;
    snprintf(want, sizeof want, "SYSV%08x", (unsigned)key);
    while (f && fgets(line, sizeof line, f))
        found |= strstr(line, want) != NULL;
    if (f)
        fclose(f);
    TT_CHECK(found);
    tt_ring_close_producer(p);
}

TT_TEST(parse_key)
{
    int k = 0;
    TT_CHECK_INT(tt_ring_parse_key("0x54415254", &k), 0);
    TT_CHECK_INT(k, TT_RING_DEFAULT_KEY);
    TT_CHECK_INT(tt_ring_parse_key("12", &k), 0);
    TT_CHECK_INT(k, 12);
    TT_CHECK_INT(tt_ring_parse_key("0", &k), -1);
    TT_CHECK_INT(tt_ring_parse_key("zz", &k), -1);
    TT_CHECK_INT(tt_ring_parse_key("", &k), -1);
}

int main(void)
{
    return ring_test_main();
}

/* The consumer's request (the engine's syscall list) reaches the producer with the attach;
 * a consumer without one (an older engine, `tracer dump`) publishes none, not the previous
 * consumer's. */
TT_TEST(consumer_request_published_with_attach)
{
    int key = next_key();
    struct tt_ring *p = create(key, 16384, 0);
    TT_CHECK(p != NULL);
    if (!p)
        return;
    char buf[TT_RING_REQUEST_MAX + 1];
    TT_CHECK_INT(tt_ring_consumer_request(p, buf, sizeof buf), -1); /* nobody attached */
    static char big[TT_RING_REQUEST_MAX + 1];
    memset(big, 'x', sizeof big);
    TT_CHECK_INT(tt_ring_set_consumer_request(big, sizeof big), -1);
    const char req[] = "openat\nexecve.success\nptrace.entry\n";
    TT_CHECK_INT(tt_ring_set_consumer_request(req, sizeof req - 1), 0);
    struct tt_ring *c = attach(key, 0);
    TT_CHECK(c != NULL);
    if (!c)
        return;
    TT_CHECK_INT(tt_ring_consumer_request(p, buf, sizeof buf), (int)(sizeof req - 1));
    TT_CHECK_STR(buf, req);
    TT_CHECK_INT(tt_ring_consumer_request(p, buf, 8), -1); /* does not fit: none */
    tt_ring_detach(c);
    TT_CHECK_INT(tt_ring_set_consumer_request(NULL, 0), 0);
    c = attach(key, 0);
    TT_CHECK(c != NULL);
    TT_CHECK_INT(tt_ring_consumer_request(p, buf, sizeof buf), -1);
    if (c)
        tt_ring_detach(c);
    tt_ring_close_producer(p);
}
