/* Helpers shared by the ring unit tests (test_lib_ring*.c): unique keys, numbered test
 * records, create/attach that print why they failed, and the segment offsets the tests poke. */
#ifndef RING_TEST_UTIL_H
#define RING_TEST_UTIL_H

#include "tt_ring.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Offsets documented in docs/internals/ring.md (segment layout). */
#define OFF_VERSION 8
#define OFF_CONS_VERSION 356
#define OFF_PROD_SEQ 256
#define OFF_HEAD 264
#define OFF_TAIL 320
#define OFF_DATA 4096
#define OFF_PROD_LOCK 128 /* glibc: the lock word is the mutex's first int */
#define OFF_PRODUCED 272
#define OFF_DROPPED 280
#define OFF_DONE 296
#define OFF_CONSUMED 328
#define OFF_FEATURES 448
#define OFF_BEATS 452
#define OFF_META_LAYOUT 64
#define OFF_META_CTRL_SIZE 68
#define OFF_META_DATA_SIZE 72
#define OFF_PROD_WAKE 260
#define OFF_PROD_PID 300
#define OFF_CORRUPT 336
#define OFF_CONS_WAKE 344
#define OFF_ATTACHED 348
#define OFF_CONS_PID 352
#define OFF_CONS_LAYOUT 360
#define OFF_ATTACHES 364
#define OFF_SLEEP_CONSUMER 384
#define OFF_SLEEP_PRODUCER 388
#define OFF_HEALTH_SEQ 472

static inline int next_key(void)
{
    static int n;
    return (int)(0x7e000000u | ((unsigned)getpid() & 0xffffu) << 8 | (unsigned)(++n & 0xff));
}

static inline int key_exists(int key)
{
    return shmget(key, 0, 0) >= 0;
}

/* Removes the segment on key (a ring left with unread records for a next consumer); whether
 * there was one. */
static inline int remove_key(int key)
{
    int id = shmget(key, 0, 0);
    return id >= 0 && shmctl(id, IPC_RMID, NULL) == 0;
}

/* A read-write mapping of the ring's segment: the view of another process that maps it (an
 * attacker, a second attacher). NULL if it cannot be mapped. */
static inline uint8_t *map_rw(struct tt_ring *r)
{
    void *seg = shmat(tt_ring_shmid(r), NULL, 0);
    return seg == (void *)-1 ? NULL : seg;
}

static inline void poke32(uint8_t *seg, size_t off, uint32_t v)
{
    memcpy(seg + off, &v, sizeof v);
}

static inline void poke64(uint8_t *seg, size_t off, uint64_t v)
{
    memcpy(seg + off, &v, sizeof v);
}

static inline uint32_t peek32(const uint8_t *seg, size_t off)
{
    uint32_t v;
    memcpy(&v, seg + off, sizeof v);
    return v;
}

static inline uint64_t peek64(const uint8_t *seg, size_t off)
{
    uint64_t v;
    memcpy(&v, seg + off, sizeof v);
    return v;
}

/* Closes stdin, so that the next descriptor opened (a consumer's pidfd) is 0, a valid one;
 * returns a copy of it for stdin_restore. */
static inline int stdin_close(void)
{
    int saved = dup(0);
    close(0);
    return saved;
}

/* Whether fd 0 is open (a descriptor left behind), then stdin back from the copy. */
static inline int stdin_restore(int saved)
{
    int open0 = fcntl(0, F_GETFD) != -1;
    dup2(saved, 0);
    close(saved);
    return open0;
}

/* How many processes map segment id (the kernel's count), -1 if it cannot be read. */
static inline long shm_attach_count(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1;
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Record seq: an openat whose fd is seq and whose name has a length varying with seq. */
static inline size_t make_record(uint8_t *buf, size_t cap, uint64_t seq, size_t namelen)
{
    struct tt_evb b;
    char name[2048];
    if (namelen >= sizeof name)
        namelen = sizeof name - 1;
    for (size_t k = 0; k < namelen; k++)
        name[k] = (char)('a' + (seq + k) % 26);
    name[namelen] = 0;
    tt_evb_begin(&b, buf, cap, TT_EV_OPENAT, seq, (int32_t)seq, 1);
    tt_evb_i64(&b, TT_P_FD, (int64_t)seq);
    tt_evb_str(&b, TT_P_NAME, name);
    return tt_evb_finish(&b, 0);
}

static inline int write_seq(struct tt_ring *r, uint64_t seq, size_t namelen)
{
    uint8_t buf[4096];
    make_record(buf, sizeof buf, seq, namelen);
    return tt_ring_write(r, (const void *)buf);
}

/* Checks ev is exactly record seq with namelen. */
static inline int is_record(const struct tt_event *ev, uint64_t seq, size_t namelen)
{
    uint8_t buf[4096];
    size_t len = make_record(buf, sizeof buf, seq, namelen);
    return ev->len == len && memcmp(ev, buf, len) == 0;
}

static inline int64_t seq_of(const struct tt_event *ev)
{
    int64_t fd = -1;
    tt_event_get_i64(ev, TT_P_FD, &fd);
    return fd;
}

static inline struct tt_ring *create(int key, size_t size, unsigned flags)
{
    char why[256];
    struct tt_ring *r = tt_ring_create(key, size, flags, 0600, NULL, why, sizeof why);
    if (!r)
        fprintf(stderr, "create: %s\n", why);
    return r;
}

static inline struct tt_ring *attach(int key, int timeout_ms)
{
    char why[256];
    struct tt_ring *r = tt_ring_attach(key, timeout_ms, why, sizeof why);
    if (!r)
        fprintf(stderr, "attach: %s\n", why);
    return r;
}

/* What this process writes to stderr (the library's log lines) between log_capture_start and
 * log_capture_end, which returns it in buf. */
struct log_capture {
    FILE *f;
    int saved;
};

static inline void log_capture_start(struct log_capture *lc)
{
    fflush(stderr);
    lc->f = tmpfile();
    lc->saved = lc->f ? dup(2) : -1;
    if (lc->saved >= 0)
        dup2(fileno(lc->f), 2);
}

static inline const char *log_capture_end(struct log_capture *lc, char *buf, size_t cap)
{
    fflush(stderr);
    buf[0] = '\0';
    if (lc->saved >= 0) {
        dup2(lc->saved, 2);
        close(lc->saved);
        rewind(lc->f);
        size_t n = fread(buf, 1, cap - 1, lc->f);
        buf[n] = '\0';
    }
    if (lc->f)
        fclose(lc->f);
    return buf;
}

/* How many times needle occurs in text. */
static inline int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Runs fn(arg) in a forked child: its return value as the exit status, or -1 when the child
 * died of a signal (a crash). Children report what went wrong on stderr. */
#define CHILD_SKIP 77 /* the child could not set up its situation (not root, no namespaces) */
static inline int in_child(int (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(fn(arg));
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Removes whatever a failed test left behind (the keys next_key gives). */
static inline void ring_test_cleanup(void)
{
    for (int i = 1; i <= 40; i++) {
        int id =
            shmget((int)(0x7e000000u | ((unsigned)getpid() & 0xffffu) << 8 | (unsigned)i), 0, 0);
        if (id >= 0)
            shmctl(id, IPC_RMID, NULL);
    }
}

/* main() of a ring test file (tt_test.h included first): runs the tests, then removes what a
 * failed one left behind. */
static inline int ring_test_main(void)
{
    signal(SIGPIPE, SIG_IGN);
    int rc = tt_run_all();
    ring_test_cleanup();
    return rc;
}

#endif
