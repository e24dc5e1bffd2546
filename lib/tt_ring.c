/* Shared-memory event ring (System V shm, one producer, one consumer, lock-free).
 *
 * Segment layout (offsets fixed by _Static_assert; docs/internals/ring.md):
 *     0  struct tt_stream_hdr       magic + event format version (written last at creation)
 *    64  meta                       ring layout version, data size, flags (written once)
 *   128  producer liveness lock     robust process-shared mutex held by the producer
 *   192  consumer liveness lock     robust process-shared mutex held by the attached consumer
 *   256  producer line             seqlock, head, produced, dropped, done, wake futex
 *   320  consumer line             tail, consumed, corrupt, wake futex, consumer version
 *   384  sleep flags                "wake me" flags of each side
 *   448  consumer health            heartbeat, drops reported, seqlock (announced by features)
 *   512  consumer request           what the consumer asks the producer to capture (its rules'
 *                                   syscall list), written before it attaches (features)
 *  4096  data area                  power of two bytes of records
 *
 * head and tail are byte counters that only grow (index = counter & mask). A record never wraps:
 * when it does not fit before the end, an 8-byte padding marker {len = bytes to the end, type 0}
 * fills the tail. Each side keeps its own counters in private memory and only publishes them;
 * whatever it reads from the other side is checked before use, so a scribbled segment can make
 * the consumer skip records but never index outside the mapping.
 *
 * Liveness without pids (the two sides may be in different pid namespaces): each side holds a
 * robust mutex in the segment. When a holder dies the kernel marks the lock word
 * FUTEX_OWNER_DIED and clears the owner tid, so "alive" is "the lock word holds a tid". */
#include "tt_ring.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tt_log.h"
#include "tt_time.h"

/* From linux/futex.h (not in every libc's include path, e.g. musl-gcc). */
#ifndef FUTEX_WAIT
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#endif
#ifndef FUTEX_TID_MASK
#define FUTEX_TID_MASK 0x3fffffffu
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif

#define RING_LAYOUT_VERSION 1u
#define RING_CTRL_SIZE 4096u
#define RING_MIN_SIZE 4096u
#define RING_MAX_SIZE (1u << 30)

/* Consumer waiting: after data was seen it polls every POLL_MS for BUSY_MS (the producer then
 * never has to make a wake-up syscall), then it sleeps until woken. Liveness of the other side
 * is checked every LIVE_MS while waiting. A busy stream is read in batches of up to POLL_MS:
 * every consumer wake-up takes a CPU from the traced workload or the tracer (measured on a
 * 2-vCPU microVM: 1 ms polling cost the files benchmark 5-20% more than 10 ms); the added alert
 * latency stays within Falco's own (libscap backs off up to 30 ms on an empty buffer). */
#define POLL_MS 10
#define BUSY_MS 100
#define LIVE_MS 100
/* The consumer's heartbeat: at most every BEAT_MS, from its reading thread (while waiting, and
 * every BEAT_RECORDS records while busy), so a watcher sees it stop when that thread stops. */
#define BEAT_MS 20
#define BEAT_RECORDS 64
/* A producer closes the stream by setting `done`, then detaches at once. An end flag seen for
 * this long while the producer still maps the ring (or writes after it) was not the producer's. */
#define END_GRACE_MS 2000
/* A producer seqlock that stays odd this long is not a preempted producer: the counts are
 * judged as they stand. */
#define TORN_GRACE_MS 2000

typedef _Atomic uint32_t a32;
typedef _Atomic uint64_t a64;

struct ring_meta {
    uint32_t layout;    /* RING_LAYOUT_VERSION */
    uint32_t ctrl_size; /* offset of the data area */
    uint64_t data_size; /* bytes, power of two */
    uint32_t flags;     /* enum tt_ring_flags */
    uint32_t max_record;
    uint64_t create_ns; /* CLOCK_REALTIME */
    uint8_t reserved[32];
};

struct ring_lock {
    pthread_mutex_t m;
    uint8_t pad[64 - sizeof(pthread_mutex_t)];
};

struct ring_prod {
    a32 seq;  /* seqlock over head/produced/dropped: odd while updating */
    a32 wake; /* futex word: bumped to wake the consumer */
    a64 head;
    a64 produced;
    a64 dropped;
    a64 dropped_bytes;
    a32 done; /* end of stream */
    a32 pid;
    uint8_t pad[16];
};

struct ring_cons {
    a64 tail;
    a64 consumed;
    a64 corrupt; /* records skipped because they failed validation */
    a32 wake;    /* futex word: bumped on attach, on space freed, on detach */
    a32 attached;
    a32 pid;
    a32 version; /* the stream version the consumer reads (its header's) */
    a32 layout;  /* RING_LAYOUT_VERSION of the consumer */
    a32 attaches;
    uint8_t pad[16];
};

struct ring_sleep {
    a32 consumer; /* consumer sleeps until woken: producer must bump prod.wake */
    a32 producer; /* blocked producer: consumer must bump cons.wake */
    uint8_t pad[56];
};

/* Consumer health: bytes a version-1 segment leaves zero. A consumer that keeps a word here
 * announces it with a bit in `features` when it attaches, and every reader ignores the words
 * whose bit is clear (an older consumer), so older and newer programs still share a ring. */
enum ring_consumer_features {
    RING_CF_HEARTBEAT = 1u << 0,      /* beats, beat_ns */
    RING_CF_DROPS_REPORTED = 1u << 1, /* drops_reported */
    RING_CF_SEQ = 1u << 2,            /* seq */
    RING_CF_REQUEST = 1u << 3,        /* request (only when the consumer has one) */
};
#define RING_CF_ALL (RING_CF_HEARTBEAT | RING_CF_DROPS_REPORTED | RING_CF_SEQ)

struct ring_health {
    a32 features;       /* RING_CF_* of the attached (or last) consumer */
    a32 beats;          /* bumped by the consumer's reading thread */
    a64 beat_ns;        /* CLOCK_REALTIME of the last beat */
    a64 drops_reported; /* the producer's `dropped` that the consumer's alerts have covered */
    a32 seq;            /* seqlock over the consumer line's tail/consumed/corrupt: odd while
                           publishing, so a takeover knows whether they are consistent */
    uint8_t pad[36];
};

/* What the consumer asks the producer to capture (the engine: the syscall list its rules need,
 * docs/tracer.md), text of len bytes. Written by the consumer before it marks itself attached;
 * the producer reads it once it sees the attach. */
struct ring_request {
    a32 len;
    uint8_t text[TT_RING_REQUEST_MAX];
};

struct ring_ctrl {
    struct tt_stream_hdr hdr;
    struct ring_meta meta;
    struct ring_lock prod_lock;
    struct ring_lock cons_lock;
    struct ring_prod prod;
    struct ring_cons cons;
    struct ring_sleep sleep;
    struct ring_health health;
    struct ring_request request;
};

_Static_assert(sizeof(struct tt_stream_hdr) == 64, "stream header is 64 bytes");
_Static_assert(sizeof(struct ring_meta) == 64, "meta line");
_Static_assert(sizeof(struct ring_lock) == 64, "lock line");
_Static_assert(offsetof(struct ring_ctrl, prod) == 256, "producer line offset");
_Static_assert(offsetof(struct ring_ctrl, cons) == 320, "consumer line offset");
_Static_assert(offsetof(struct ring_ctrl, sleep) == 384, "sleep line offset");
_Static_assert(offsetof(struct ring_ctrl, health) == 448, "health line offset");
_Static_assert(sizeof(struct ring_health) == 64, "health line");
_Static_assert(offsetof(struct ring_ctrl, request) == 512, "request offset");
_Static_assert(sizeof(struct ring_ctrl) <= RING_CTRL_SIZE, "control block fits");

enum ring_role { ROLE_PRODUCER, ROLE_CONSUMER, ROLE_OBSERVER };

struct tt_ring {
    struct ring_ctrl *c;
    uint8_t *data;
    uint64_t size, mask;
    int shmid;
    int key;
    enum ring_role role;
    unsigned flags;
    /* producer, private */
    uint64_t head, produced, dropped, dropped_bytes;
    uint64_t cached_tail; /* last tail read from the consumer: re-read only when short of room */
    uint32_t max_record;  /* longest record accepted (half the data area, at most 256 KiB) */
    uint32_t seq;
    uint32_t checked_attaches;                /* consumer attach whose version was last checked */
    uint32_t refused_version, refused_layout; /* what it claimed, when it was refused */
    uint32_t version; /* the stream format it writes (kept here: the header is shared memory) */
    uint64_t trimmed; /* ring bytes before this position are no longer mapped here */
    /* consumer, private */
    uint64_t tail, consumed, corrupt;
    uint64_t cached_head; /* last head read from the producer: re-read when caught up */
    uint64_t pub_tail;    /* tail as last published (published in batches of pub_batch) */
    uint64_t pub_batch;
    uint8_t *rec;           /* private copy of the record handed out */
    uint64_t last_data_ns;  /* monotonic time data was last seen */
    uint64_t live_check_ns; /* monotonic time the producer's liveness was last checked */
    uint64_t beat_mono_ns;  /* monotonic time of the last heartbeat */
    uint32_t cseq;          /* consumer seqlock (health.seq) */
    int prod_pidfd;         /* the producer's pidfd when it is in our pid namespace, else -1 */
    int producer_gone;      /* the producer can no longer write (exited or detached) */
    int acct_unknown;       /* the counts inherited at attach may be inconsistent */
    int64_t acct_base;      /* accounting difference already reported (or inherited) */
    uint64_t torn_since_ns; /* first of the consecutive torn producer snapshots (0: none) */
    uint64_t done_seen_ns;  /* when the end flag was first seen with the producer still there */
    int forged_end_reported;
    int trust_end_flag; /* test switch: the old behaviour (end at the flag or the lock word) */
    int problem;        /* enum tt_ring_problem of the last -1/-2 */
    int64_t problem_records;
    struct tt_ring_takeover takeover;
    char err[256];
};

/* The format version a consumer publishes when it attaches: the version of the stream it
 * agreed to read (check_layout accepted it: within TT_EVENT_VERSION_OLDEST..TT_EVENT_VERSION),
 * so that a producer of an older version still in our window accepts a newer consumer. Test
 * helpers that compile this file in (tests/helpers/ring_consume.c) define TT_RING_TEST_HOOKS to
 * pose as a consumer of another build: the version is then published before `attached`,
 * exactly as such a consumer would, instead of being forged afterwards (which races with the
 * producer's check). */
#ifdef TT_RING_TEST_HOOKS
static uint32_t consumer_version; /* 0: the stream's, as a real consumer */
#else
static const uint32_t consumer_version = 0;
#endif

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Shared (not private) futex: the word lives in a segment mapped by two processes. */
static void futex_wait(a32 *addr, uint32_t val, int timeout_ms)
{
    struct timespec ts, *tsp = NULL;
    if (timeout_ms >= 0) {
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
        tsp = &ts;
    }
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT, val, tsp, NULL, 0);
}

static void futex_wake(a32 *addr)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void bump_and_wake(a32 *addr)
{
    atomic_fetch_add_explicit(addr, 1, memory_order_seq_cst);
    futex_wake(addr);
}

/* The futex word of a pthread mutex: owner tid, FUTEX_OWNER_DIED, FUTEX_WAITERS. */
static a32 *lock_word(pthread_mutex_t *m)
{
#ifdef __GLIBC__
    return (a32 *)(void *)&m->__data.__lock;
#else
    return (a32 *)(void *)((int *)(void *)m + 1); /* musl: _m_lock */
#endif
}

/* Held by a live thread: the kernel clears the tid (and sets OWNER_DIED) when it dies. */
static int lock_alive(pthread_mutex_t *m)
{
    return (atomic_load_explicit(lock_word(m), memory_order_seq_cst) & FUTEX_TID_MASK) != 0;
}

/* Unlocks a liveness lock this thread holds. A writer of the segment may have scribbled the
 * lock word: the unlock would then fail (EPERM) and leave the mutex on this thread's robust
 * list, pointing into a mapping about to go away. The owner puts its tid back first. */
static void unlock_owned(pthread_mutex_t *m)
{
    a32 *w = lock_word(m);
    uint32_t tid = (uint32_t)syscall(SYS_gettid);
    if ((atomic_load(w) & FUTEX_TID_MASK) != tid)
        atomic_store(w, tid);
    pthread_mutex_unlock(m);
}

static int init_robust(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;
    if (pthread_mutexattr_init(&a) != 0)
        return -1;
    int rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (rc == 0)
        rc = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return rc == 0 ? 0 : -1;
}

static uint64_t round_pow2(uint64_t v)
{
    uint64_t p = RING_MIN_SIZE;
    while (p < v && p < RING_MAX_SIZE)
        p <<= 1;
    return p;
}

static int magic_is_zero(const struct tt_stream_hdr *h)
{
    static const char zero[8];
    return memcmp(h->magic, zero, sizeof zero) == 0;
}

/* Maps segment id; returns NULL with errno set. Never inherited by fork: the workload is forked
 * by the tracer and must not get the mapping (nor count as an attacher). */
static void *map_segment(int id, int rdonly)
{
    void *p = shmat(id, NULL, rdonly ? SHM_RDONLY : 0);
    if (p == (void *)-1)
        return NULL;
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) == 0)
        madvise(p, ds.shm_segsz, MADV_DONTFORK);
    return p;
}

static size_t segment_size(int id)
{
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0)
        return 0;
    return ds.shm_segsz;
}

/* Checks the layout words of a mapped segment of segsz bytes. 0 if usable, else -1 with the
 * reason in why after `what` (the key or the segment id the caller was given). */
static int check_layout(const struct ring_ctrl *c, size_t segsz, const char *what, char *why,
                        size_t whylen)
{
    char reason[160];
    if (tt_stream_hdr_check(&c->hdr, reason, sizeof reason) != 0) {
        snprintf(why, whylen, "%s: %s", what, reason);
        return -1;
    }
    if (c->meta.layout != RING_LAYOUT_VERSION) {
        snprintf(why, whylen, "%s: ring layout version %u, this program uses %u", what,
                 c->meta.layout, RING_LAYOUT_VERSION);
        return -1;
    }
    uint64_t ds = c->meta.data_size;
    if (c->meta.ctrl_size != RING_CTRL_SIZE || ds < RING_MIN_SIZE || ds > RING_MAX_SIZE ||
        (ds & (ds - 1)) != 0 || RING_CTRL_SIZE + ds > segsz) {
        snprintf(why, whylen, "%s: inconsistent ring geometry", what);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* producer                                                                                   */

/* Examines an existing segment for key. 1: stale, removed (retry create); 0: still being
 * initialized by its creator (retry later); -1: in use or not ours (reason in why). */
static int replace_stale(int key, char *why, size_t whylen)
{
    int id = shmget(key, 0, 0);
    if (id < 0)
        return errno == ENOENT
                   ? 1
                   : (snprintf(why, whylen, "ring key 0x%x: %s", (unsigned)key, strerror(errno)),
                      -1);
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0) {
        snprintf(why, whylen, "ring key 0x%x: %s", (unsigned)key, strerror(errno));
        return -1;
    }
    if (ds.shm_segsz < RING_CTRL_SIZE + RING_MIN_SIZE) {
        snprintf(why, whylen, "key 0x%x is used by another program's shared memory segment",
                 (unsigned)key);
        return -1;
    }
    struct ring_ctrl *c = shmat(id, NULL, SHM_RDONLY);
    if (c == (void *)-1) {
        snprintf(why, whylen, "ring key 0x%x exists and cannot be inspected: %s", (unsigned)key,
                 strerror(errno));
        return -1;
    }
    int rc;
    time_t age = time(NULL) - ds.shm_ctime;
    int ours_initializing =
        c->meta.layout == RING_LAYOUT_VERSION && c->meta.ctrl_size == RING_CTRL_SIZE;
    if (magic_is_zero(&c->hdr) && ds.shm_nattch > 0 && age < 2) {
        rc = 0; /* its creator is writing the header */
    } else if (magic_is_zero(&c->hdr) ? !ours_initializing
                                      : memcmp(c->hdr.magic, TT_STREAM_MAGIC, 8) != 0) {
        snprintf(why, whylen, "key 0x%x is used by another program's shared memory segment",
                 (unsigned)key);
        rc = -1;
    } else if (c->meta.layout == RING_LAYOUT_VERSION && lock_alive(&c->prod_lock.m)) {
        snprintf(why, whylen,
                 "ring key 0x%x is in use by a running tracer (pid %u); give each tracer its "
                 "own key",
                 (unsigned)key, c->hdr.producer_pid);
        rc = -1;
    } else if (c->meta.layout != RING_LAYOUT_VERSION && ds.shm_nattch > 0) {
        snprintf(why, whylen, "ring key 0x%x is in use by a tracer of ring layout version %u",
                 (unsigned)key, c->meta.layout);
        rc = -1;
    } else {
        uint64_t unread = 0;
        if (c->meta.layout == RING_LAYOUT_VERSION)
            unread = atomic_load(&c->prod.produced) - atomic_load(&c->prod.dropped) -
                     atomic_load(&c->cons.consumed) - atomic_load(&c->cons.corrupt);
        tt_warn("ring key 0x%x: replacing a stale ring (producer pid %u gone, %llu unread "
                "events)",
                (unsigned)key, c->hdr.producer_pid, (unsigned long long)unread);
        if (shmctl(id, IPC_RMID, NULL) != 0 && errno != EINVAL && errno != EIDRM) {
            snprintf(why, whylen, "ring key 0x%x: cannot remove stale ring: %s", (unsigned)key,
                     strerror(errno));
            rc = -1;
        } else {
            rc = 1;
        }
    }
    shmdt(c);
    return rc;
}

struct tt_ring *tt_ring_create(int key, size_t data_size, unsigned flags, int mode, int *shmid_out,
                               char *why, size_t whylen)
{
    uint64_t size = round_pow2(data_size);
    struct tt_ring *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    int id = -1;
    for (int attempt = 0; attempt < 400; attempt++) {
        id = shmget(key, RING_CTRL_SIZE + size, IPC_CREAT | IPC_EXCL | (mode & 0777));
        if (id >= 0)
            break;
        if (errno != EEXIST) {
            snprintf(why, whylen, "ring key 0x%x: cannot create shared memory (%llu bytes): %s",
                     (unsigned)key, (unsigned long long)(RING_CTRL_SIZE + size), strerror(errno));
            free(r);
            return NULL;
        }
        int rc = replace_stale(key, why, whylen);
        if (rc < 0) {
            free(r);
            return NULL;
        }
        if (rc == 0)
            sleep_ms(10);
    }
    if (id < 0) {
        snprintf(why, whylen, "ring key 0x%x: gave up waiting for another creator", (unsigned)key);
        free(r);
        return NULL;
    }
    struct ring_ctrl *c = map_segment(id, 0);
    if (!c) {
        snprintf(why, whylen, "ring key 0x%x: shmat: %s", (unsigned)key, strerror(errno));
        shmctl(id, IPC_RMID, NULL);
        free(r);
        return NULL;
    }
    if (init_robust(&c->prod_lock.m) != 0 || init_robust(&c->cons_lock.m) != 0 ||
        pthread_mutex_lock(&c->prod_lock.m) != 0) {
        snprintf(why, whylen, "ring key 0x%x: cannot initialize its locks", (unsigned)key);
        shmdt(c);
        shmctl(id, IPC_RMID, NULL);
        free(r);
        return NULL;
    }
    c->meta.layout = RING_LAYOUT_VERSION;
    c->meta.ctrl_size = RING_CTRL_SIZE;
    c->meta.data_size = size;
    c->meta.flags = flags;
    c->meta.max_record = (uint32_t)(size / 2 < TT_EVENT_MAX_LEN ? size / 2 : TT_EVENT_MAX_LEN);
    c->meta.create_ns = tt_wall_ns();
    atomic_store(&c->prod.pid, (uint32_t)getpid());
    struct tt_stream_hdr h;
    tt_stream_hdr_init(&h, c->meta.create_ns, (uint32_t)getpid());
    memcpy((char *)&c->hdr + 8, (char *)&h + 8, sizeof h - 8);
    atomic_thread_fence(memory_order_release);
    memcpy(c->hdr.magic, h.magic, 8); /* last: readers wait for the magic */
    atomic_thread_fence(memory_order_seq_cst);

    r->c = c;
    r->data = (uint8_t *)c + RING_CTRL_SIZE;
    r->size = size;
    r->mask = size - 1;
    r->shmid = id;
    r->key = key;
    r->role = ROLE_PRODUCER;
    r->flags = flags;
    r->max_record = c->meta.max_record;
    r->version = h.version;
    if (shmid_out)
        *shmid_out = id;
    return r;
}

/* A consumer is attached, alive and reads the version we write. */
static int consumer_ok(struct tt_ring *r)
{
    struct ring_ctrl *c = r->c;
    if (!lock_alive(&c->cons_lock.m) || !atomic_load(&c->cons.attached))
        return 0;
    return atomic_load(&c->cons.version) == r->version &&
           atomic_load(&c->cons.layout) == RING_LAYOUT_VERSION;
}

/* Checks the version of the consumer that attached last (its version and layout are stored
 * before its attach count is bumped). 0 if it cannot read this stream: reason logged once per
 * attach and left in r->err. */
static int consumer_version_ok(struct tt_ring *r)
{
    struct ring_ctrl *c = r->c;
    uint32_t n = atomic_load(&c->cons.attaches);
    uint32_t v = atomic_load(&c->cons.version), l = atomic_load(&c->cons.layout);
    if (v == r->version && l == RING_LAYOUT_VERSION) {
        r->checked_attaches = n;
        return 1;
    }
    if (n != r->checked_attaches || v != r->refused_version || l != r->refused_layout) {
        r->checked_attaches = n;
        r->refused_version = v;
        r->refused_layout = l;
        snprintf(r->err, sizeof r->err,
                 "ring key 0x%x: the attached consumer reads event format version %u "
                 "(ring layout %u); this tracer writes version %u (layout %u)",
                 (unsigned)r->key, v, l, r->version, RING_LAYOUT_VERSION);
        tt_error("%s", r->err);
    }
    return 0;
}

static void publish(struct tt_ring *r)
{
    struct ring_prod *p = &r->c->prod;
    atomic_store_explicit(&p->seq, ++r->seq, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&p->head, r->head, memory_order_release);
    atomic_store_explicit(&p->produced, r->produced, memory_order_relaxed);
    atomic_store_explicit(&p->dropped, r->dropped, memory_order_relaxed);
    atomic_store_explicit(&p->dropped_bytes, r->dropped_bytes, memory_order_relaxed);
    atomic_store_explicit(&p->seq, ++r->seq, memory_order_release);
}

/* Bytes in use as the consumer last published it (re-read when fresh is set or the cached
 * value says the ring is short of room); a tail that makes no sense counts as full. */
static uint64_t used_bytes(struct tt_ring *r, uint64_t need, int fresh)
{
    uint64_t used = r->head - r->cached_tail;
    if (fresh || used > r->size || r->size - used < need) {
        r->cached_tail = atomic_load_explicit(&r->c->cons.tail, memory_order_seq_cst);
        used = r->head - r->cached_tail;
    }
    return used > r->size ? r->size : used;
}

/* The producer keeps only the data pages near its write position in its own mapping. Written
 * pages stay in the segment for the consumer; dropping them from this mapping (MADV_DONTNEED on a
 * shared mapping unmaps, the segment keeps page and contents) means the producer's RSS does not
 * grow to the whole ring, which is the transport's memory, not the tracer's. Writing there again
 * maps the page back (a minor fault per page, once per lap of the ring). */
#define TRIM_CHUNK (256u * 1024u)

static void trim_behind(struct tt_ring *r)
{
    if (r->size < 4 * TRIM_CHUNK || r->head < 2 * TRIM_CHUNK)
        return;
    uint64_t keep_from = (r->head - TRIM_CHUNK) & ~(uint64_t)(TRIM_CHUNK - 1);
    if (keep_from < r->trimmed + TRIM_CHUNK)
        return;
    if (keep_from - r->trimmed > r->size - TRIM_CHUNK)
        r->trimmed = keep_from - (r->size - TRIM_CHUNK);
    while (r->trimmed < keep_from) {
        uint64_t pos = r->trimmed & r->mask;
        uint64_t n = keep_from - r->trimmed;
        if (n > r->size - pos)
            n = r->size - pos;
        if (madvise(r->data + pos, n, MADV_DONTNEED) != 0)
            tt_debug("ring: madvise: %s", strerror(errno)); /* only costs memory */
        r->trimmed += n;
    }
}

int tt_ring_write(struct tt_ring *r, const struct tt_event *ev)
{
    struct ring_ctrl *c = r->c;
    uint32_t len;
    memcpy(&len, &ev->len, sizeof len);
    r->produced++;
    /* A consumer that attached after tt_ring_wait_consumer (or without it: --wait-engine 0)
     * gets its version checked too: one load of its attach count every 64 records. */
    if ((r->produced & 63u) == 1 &&
        atomic_load_explicit(&c->cons.attaches, memory_order_relaxed) != r->checked_attaches)
        consumer_version_ok(r);
    if (len < sizeof *ev || len > r->max_record || (len & 7u))
        goto drop;
    uint64_t pos = r->head & r->mask;
    uint64_t to_end = r->size - pos;
    uint64_t need = len + (to_end < len ? to_end : 0);
    uint64_t used = used_bytes(r, need, 0);
    if (r->size - used < need) {
        if (!(r->flags & TT_RING_BLOCKING))
            goto drop;
        /* Blocking mode: wait for space while a live consumer is attached. */
        for (;;) {
            if (!consumer_ok(r)) {
                atomic_store(&c->sleep.producer, 0);
                goto drop;
            }
            uint32_t seen = atomic_load(&c->cons.wake);
            atomic_store(&c->sleep.producer, 1);
            used = used_bytes(r, need, 1);
            if (r->size - used >= need)
                break;
            futex_wait(&c->cons.wake, seen, LIVE_MS);
        }
        atomic_store(&c->sleep.producer, 0);
    }
    if (to_end < len) {
        uint32_t pad[2] = {(uint32_t)to_end, 0};
        memcpy(r->data + pos, pad, sizeof pad);
        r->head += to_end;
        pos = 0;
    }
    memcpy(r->data + pos, ev, len);
    r->head += len;
    publish(r);
    trim_behind(r);
    /* Wake a consumer that went to sleep, or one polling when the ring crosses half full.
     * The fence orders the head store above before the flag load (the consumer sets the flag,
     * then re-reads head). */
    int cross = used < r->size / 2 && used + need >= r->size / 2;
    atomic_thread_fence(memory_order_seq_cst);
    if ((atomic_load_explicit(&c->sleep.consumer, memory_order_relaxed) &&
         atomic_exchange(&c->sleep.consumer, 0)) ||
        cross)
        bump_and_wake(&c->prod.wake);
    return 0;
drop:
    r->dropped++;
    r->dropped_bytes += len;
    publish(r);
    return -1;
}

int tt_ring_wait_consumer(struct tt_ring *r, int timeout_ms)
{
    struct ring_ctrl *c = r->c;
    uint64_t deadline = tt_mono_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
    for (;;) {
        uint32_t seen = atomic_load(&c->cons.wake);
        if (lock_alive(&c->cons_lock.m) && atomic_load(&c->cons.attached)) {
            return consumer_version_ok(r); /* 0: one we cannot serve, as if none attached */
        }
        int wait_ms = LIVE_MS;
        if (timeout_ms >= 0) {
            uint64_t now = tt_mono_ns();
            if (now >= deadline)
                return 0;
            uint64_t left = (deadline - now + 999999u) / 1000000u;
            if (left < (uint64_t)wait_ms)
                wait_ms = (int)left;
        }
        futex_wait(&c->cons.wake, seen, wait_ms);
    }
}

void tt_ring_close_producer(struct tt_ring *r)
{
    if (!r)
        return;
    struct ring_ctrl *c = r->c;
    atomic_store(&c->prod.done, 1);
    bump_and_wake(&c->prod.wake);
    /* Last one out removes the segment; unread events stay for a consumer still to come. */
    if (!lock_alive(&c->cons_lock.m) && used_bytes(r, 0, 1) == 0)
        shmctl(r->shmid, IPC_RMID, NULL);
    unlock_owned(&c->prod_lock.m);
    shmdt(c);
    free(r);
}

/* ------------------------------------------------------------------------------------------ */
/* consumer                                                                                   */

static int producer_alive(const struct ring_ctrl *c)
{
    return lock_alive((pthread_mutex_t *)&c->prod_lock.m);
}

/* The owner of segment id, from /proc/sysvipc/shm (readable by anyone, unlike IPC_STAT); -1. */
static long segment_owner(int id)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    if (!f)
        return -1;
    char line[512];
    long owner = -1;
    while (owner < 0 && fgets(line, sizeof line, f)) {
        long sid, uid;
        if (sscanf(line, "%*d %ld %*s %*s %*s %*s %*s %ld", &sid, &uid) == 2 && sid == id)
            owner = uid;
    }
    fclose(f);
    return owner;
}

/* Start time of pid in seconds since the epoch, from /proc (0 if unknown). */
static time_t process_start(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long ticks = 0;
    for (int field = 2; p && *p && field < 22; p++)
        if (*p == ' ' && ++field == 22)
            ticks = strtoull(p + 1, NULL, 10);
    f = fopen("/proc/stat", "re");
    if (!f || !ticks) {
        if (f)
            fclose(f);
        return 0;
    }
    char line[256];
    unsigned long long btime = 0;
    while (!btime && fgets(line, sizeof line, f))
        if (!strncmp(line, "btime ", 6))
            btime = strtoull(line + 6, NULL, 10);
    fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    return btime && hz > 0 ? (time_t)(btime + ticks / (unsigned long long)hz) : 0;
}

/* A pidfd for the ring's creator when it is in our pid namespace (the kernel reports the
 * creator's pid as 0 to a reader in another one), else -1. *gone is set when the creator is
 * known to have exited: no such process, or the pid now belongs to a process started after
 * the segment was created. */
static int producer_pidfd(int id, int *gone)
{
    struct shmid_ds ds;
    *gone = 0;
    if (shmctl(id, IPC_STAT, &ds) != 0 || ds.shm_cpid <= 0)
        return -1;
    int fd = (int)syscall(SYS_pidfd_open, (int)ds.shm_cpid, 0);
    if (fd < 0) {
        *gone = errno == ESRCH;
        return -1;
    }
    time_t started = process_start(ds.shm_cpid);
    if (started && started > ds.shm_ctime + 1) {
        close(fd);
        *gone = 1;
        return -1;
    }
    return fd;
}

enum { PROD_THERE, PROD_GONE };

/* Whether the producer can still write. It maps the segment from creation until it closes the
 * stream or dies, and the kernel's attach count (which no writer of the segment can forge)
 * drops when it detaches; in our pid namespace its pidfd also says when it has exited. The
 * `done` flag and the lock word only say how it ended. */
static int producer_state(struct tt_ring *r)
{
    if (r->producer_gone)
        return PROD_GONE;
    if (r->prod_pidfd >= 0) {
        struct pollfd p = {.fd = r->prod_pidfd, .events = POLLIN};
        if (poll(&p, 1, 0) > 0) {
            r->producer_gone = 1;
            return PROD_GONE;
        }
    }
    struct shmid_ds ds;
    if (shmctl(r->shmid, IPC_STAT, &ds) != 0 || ds.shm_nattch <= 1)
        r->producer_gone = 1;
    return r->producer_gone ? PROD_GONE : PROD_THERE;
}

static void beat(struct tt_ring *r, uint64_t now)
{
    if (now - r->beat_mono_ns < (uint64_t)BEAT_MS * 1000000u)
        return;
    r->beat_mono_ns = now;
    struct ring_health *h = &r->c->health;
    atomic_store_explicit(&h->beat_ns, tt_wall_ns(), memory_order_relaxed);
    atomic_fetch_add_explicit(&h->beats, 1, memory_order_release);
}

/* Publishes tail, consumed and corrupt under the consumer's seqlock. */
static void publish_counts(struct tt_ring *r)
{
    struct ring_ctrl *c = r->c;
    atomic_store_explicit(&c->health.seq, ++r->cseq, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&c->cons.consumed, r->consumed, memory_order_relaxed);
    atomic_store_explicit(&c->cons.corrupt, r->corrupt, memory_order_relaxed);
    atomic_store_explicit(&c->cons.tail, r->tail, memory_order_seq_cst);
    atomic_store_explicit(&c->health.seq, ++r->cseq, memory_order_release);
}

/* The request every attach of this process publishes (tt_ring_set_consumer_request). */
static char consumer_request[TT_RING_REQUEST_MAX];
static size_t consumer_request_len;

int tt_ring_set_consumer_request(const char *text, size_t len)
{
    if (len > sizeof consumer_request)
        return -1;
    if (len)
        memcpy(consumer_request, text, len);
    consumer_request_len = len;
    return 0;
}

ssize_t tt_ring_consumer_request(const struct tt_ring *r, char *out, size_t cap)
{
    const struct ring_ctrl *c = r->c;
    if (!cap || !atomic_load((a32 *)&c->cons.attached) ||
        !(atomic_load((a32 *)&c->health.features) & RING_CF_REQUEST))
        return -1;
    uint32_t len = atomic_load((a32 *)&c->request.len);
    if (len > TT_RING_REQUEST_MAX || len >= cap)
        return -1; /* (not the consumer's: it never writes more) */
    memcpy(out, c->request.text, len);
    out[len] = '\0';
    return (ssize_t)len;
}

static int prod_snapshot(const struct ring_ctrl *c, uint64_t *head, uint64_t *produced,
                         uint64_t *dropped, uint64_t *dropped_bytes);

/* Takes the consumer slot of a mapped ring (lock held): remembers what the previous consumer
 * left (takeover), announces this consumer's features, version and attach. */
static void claim_consumer(struct tt_ring *r, struct ring_ctrl *c, int prev_died)
{
    struct ring_health *h = &c->health;
    uint32_t prev_features = atomic_load(&h->features);
    uint32_t prev_attaches = atomic_load(&c->cons.attaches);
    uint32_t seq = atomic_load(&h->seq);
    r->takeover.happened = prev_attaches > 0;
    r->takeover.died = prev_died;
    r->takeover.pid = prev_died ? atomic_load(&c->cons.pid) : 0;
    r->takeover.beat_ns = (prev_features & RING_CF_HEARTBEAT) ? atomic_load(&h->beat_ns) : 0;
    r->takeover.consumed = atomic_load(&c->cons.consumed);
    /* Counts published without the seqlock (an older consumer), or while it was publishing
     * them (it died half-way), cannot be compared with the producer's: take them as a baseline
     * at the first drained moment instead of reporting a difference. */
    r->acct_unknown = prev_attaches > 0 && (!(prev_features & RING_CF_SEQ) || (seq & 1u));
    r->cseq = (seq | 1u) + 1u;
    atomic_store(&h->seq, r->cseq);
    if (prev_attaches > 0 && !(prev_features & RING_CF_DROPS_REPORTED))
        atomic_store(&h->drops_reported, atomic_load(&c->prod.dropped)); /* it reported them */
    uint32_t features = RING_CF_ALL;
    if (consumer_request_len) {
        memcpy(c->request.text, consumer_request, consumer_request_len);
        atomic_store(&c->request.len, (uint32_t)consumer_request_len);
        features |= RING_CF_REQUEST;
    }
    atomic_store(&h->features, features);
    atomic_store(&c->cons.version, consumer_version ? consumer_version : c->hdr.version);
    atomic_store(&c->cons.layout, RING_LAYOUT_VERSION);
    atomic_store(&c->cons.pid, (uint32_t)getpid());
    uint64_t head, dbytes;
    prod_snapshot(c, &head, &r->takeover.produced_at_attach, &r->takeover.dropped_at_attach,
                  &dbytes);
    atomic_fetch_add(&c->cons.attaches, 1);
    atomic_store(&c->cons.attached, 1);
    bump_and_wake(&c->cons.wake);
}

/* One attach attempt. 1 attached, 0 retry (no segment yet, initializing, stale), or a negative
 * errno when refused (-EPROTO not a ring of ours, -EBUSY already has a consumer, ...). */
static int try_attach(struct tt_ring *r, int key, int observer, int *stale_id, char *why,
                      size_t whylen)
{
    int id = shmget(key, 0, 0);
    if (id < 0) {
        if (errno == ENOENT) {
            snprintf(why, whylen,
                     "no ring with key 0x%x in this IPC namespace (is the tracer "
                     "running?)",
                     (unsigned)key);
            return 0;
        }
        int e = errno;
        snprintf(why, whylen, "ring key 0x%x: %s", (unsigned)key, strerror(e));
        return -e;
    }
    if (id == *stale_id)
        return 0;
    size_t segsz = segment_size(id);
    if (segsz == 0 && errno == EACCES) {
        /* The ring is mode 0600: only its creator's uid (or CAP_IPC_OWNER) may read it. */
        snprintf(why, whylen,
                 "ring key 0x%x belongs to uid %ld and this process runs as uid %ld: run the "
                 "engine as the tracer's uid (docker: --user; Kubernetes: the pod's "
                 "securityContext.runAsUser, for both containers; ECS: the same \"user\")",
                 (unsigned)key, segment_owner(id), (long)geteuid());
        return -EACCES;
    }
    if (segsz < RING_CTRL_SIZE + RING_MIN_SIZE) {
        if (segsz == 0 && (errno == EINVAL || errno == EIDRM))
            return 0;
        snprintf(why, whylen, "key 0x%x is used by another program's shared memory segment",
                 (unsigned)key);
        return -EPROTO;
    }
    struct ring_ctrl *c = map_segment(id, observer);
    if (!c) {
        if (errno == EINVAL || errno == EIDRM)
            return 0;
        int e = errno;
        snprintf(why, whylen, "ring key 0x%x: shmat: %s", (unsigned)key, strerror(e));
        return -e;
    }
    atomic_thread_fence(memory_order_acquire);
    if (magic_is_zero(&c->hdr)) {
        snprintf(why, whylen, "ring key 0x%x is still being created", (unsigned)key);
        shmdt(c);
        return 0;
    }
    char what[32];
    snprintf(what, sizeof what, "ring key 0x%x", (unsigned)key);
    if (check_layout(c, segsz, what, why, whylen) != 0) {
        shmdt(c);
        return -EPROTO;
    }
    uint64_t size = c->meta.data_size;
    uint64_t head = atomic_load(&c->prod.head);
    uint64_t tail = atomic_load(&c->cons.tail);
    r->c = c;
    r->shmid = id;
    r->prod_pidfd = -1;
    if (!observer) {
        int gone = 0;
        r->prod_pidfd = producer_pidfd(id, &gone);
        r->producer_gone = gone;
        if (head == tail && producer_state(r) == PROD_GONE) {
            /* A finished or dead producer left nothing to read: wait for the next one. */
            snprintf(why, whylen, "ring key 0x%x is stale (its tracer is gone, nothing unread)",
                     (unsigned)key);
            *stale_id = id;
            if (r->prod_pidfd >= 0)
                close(r->prod_pidfd);
            r->producer_gone = 0;
            shmdt(c);
            return 0;
        }
        int rc = pthread_mutex_trylock(&c->cons_lock.m);
        if (rc == EOWNERDEAD) {
            pthread_mutex_consistent(&c->cons_lock.m);
            tt_info("ring key 0x%x: previous consumer died; resuming where it stopped",
                    (unsigned)key);
        } else if (rc != 0) {
            snprintf(why, whylen, "ring key 0x%x already has a consumer (pid %u)", (unsigned)key,
                     atomic_load(&c->cons.pid));
            if (r->prod_pidfd >= 0)
                close(r->prod_pidfd);
            shmdt(c);
            return -EBUSY;
        }
        claim_consumer(r, c, rc == EOWNERDEAD);
        if (head - tail > size || (tail & 7u)) { /* nonsense: start at the producer's */
            atomic_fetch_add(&c->cons.corrupt, 1);
            tail = head & ~(uint64_t)7;
            atomic_store(&c->cons.tail, tail);
        }
    }
    r->data = (uint8_t *)c + RING_CTRL_SIZE;
    r->size = size;
    r->mask = size - 1;
    r->key = key;
    r->role = observer ? ROLE_OBSERVER : ROLE_CONSUMER;
    r->flags = c->meta.flags;
    r->tail = tail;
    r->cached_head = tail;
    r->pub_tail = tail;
    r->pub_batch = size / 16;
    r->consumed = atomic_load(&c->cons.consumed);
    r->corrupt = atomic_load(&c->cons.corrupt);
    r->last_data_ns = tt_mono_ns();
    if (!observer)
        beat(r, r->last_data_ns);
    return 1;
}

static struct tt_ring *attach(int key, int timeout_ms, int observer, char *why, size_t whylen)
{
    struct tt_ring *r = calloc(1, sizeof *r);
    if (!r || (!observer && !(r->rec = malloc(TT_EVENT_MAX_LEN)))) {
        snprintf(why, whylen, "out of memory");
        free(r);
        return NULL;
    }
    uint64_t deadline = tt_mono_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
    int stale_id = -1, delay = 10, err = ENOENT;
    for (;;) {
        int rc = try_attach(r, key, observer, &stale_id, why, whylen);
        if (rc == 1)
            return r;
        if (rc < 0) {
            err = -rc;
            break;
        }
        if (timeout_ms >= 0 && tt_mono_ns() >= deadline)
            break;
        sleep_ms(delay);
        if (delay < 100)
            delay += 10;
    }
    free(r->rec);
    free(r);
    errno = err;
    return NULL;
}

struct tt_ring *tt_ring_attach(int key, int timeout_ms, char *why, size_t whylen)
{
    return attach(key, timeout_ms, 0, why, whylen);
}

struct tt_ring *tt_ring_observe(int key, char *why, size_t whylen)
{
    return attach(key, 0, 1, why, whylen);
}

/* (head, produced, dropped) from the producer's seqlock: 1 when consistent. 0 after a bounded
 * spin that kept finding an update in progress (the producer was preempted between its two
 * seqlock stores, or died there); the values are then the last, possibly torn, read. */
static int prod_snapshot(const struct ring_ctrl *c, uint64_t *head, uint64_t *produced,
                         uint64_t *dropped, uint64_t *dropped_bytes)
{
    struct ring_prod *p = (struct ring_prod *)&c->prod;
    for (int i = 0; i < 10000; i++) {
        uint32_t s1 = atomic_load_explicit(&p->seq, memory_order_acquire);
        *head = atomic_load_explicit(&p->head, memory_order_relaxed);
        *produced = atomic_load_explicit(&p->produced, memory_order_relaxed);
        *dropped = atomic_load_explicit(&p->dropped, memory_order_relaxed);
        *dropped_bytes = atomic_load_explicit(&p->dropped_bytes, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        uint32_t s2 = atomic_load_explicit(&p->seq, memory_order_relaxed);
        if (s1 == s2 && !(s1 & 1u))
            return 1;
    }
    return 0;
}

/* Makes the consumed space visible to the producer and wakes it if it waits for space. */
static void publish_tail(struct tt_ring *r)
{
    struct ring_ctrl *c = r->c;
    publish_counts(r);
    r->pub_tail = r->tail;
    if (atomic_load_explicit(&c->sleep.producer, memory_order_seq_cst) &&
        atomic_exchange(&c->sleep.producer, 0))
        bump_and_wake(&c->cons.wake);
}

static int report(struct tt_ring *r, int problem, int64_t records, int rc)
{
    r->problem = problem;
    r->problem_records = records;
    return rc;
}

/* The record at the tail failed validation: skip everything the producer published so far,
 * counting the skipped records exactly from the producer's consistent counters. */
static int skip_corrupt(struct tt_ring *r)
{
    struct ring_ctrl *c = r->c;
    uint64_t head, produced, dropped, dbytes;
    prod_snapshot(c, &head, &produced, &dropped, &dbytes);
    uint64_t in_ring = produced - dropped - r->consumed - r->corrupt - (uint64_t)r->acct_base;
    if (head - r->tail > r->size || in_ring > r->size / sizeof(struct tt_event) || in_ring == 0)
        in_ring = 1; /* counters make no sense either: count one */
    r->corrupt += in_ring;
    r->tail = head & ~(uint64_t)7; /* records are 8-aligned: keeps every read inside the area */
    r->cached_head = r->tail;
    r->pub_tail = r->tail;
    publish_tail(r);
    snprintf(r->err, sizeof r->err,
             "ring key 0x%x: corrupt record; skipped %llu records to the producer's position",
             (unsigned)r->key, (unsigned long long)in_ring);
    return report(r, TT_RING_CORRUPT, (int64_t)in_ring, -2);
}

/* With the ring drained, every record the producer wrote (produced - dropped) was consumed or
 * skipped as corrupt. A difference means records were removed or added behind both sides'
 * backs (a writer moved a counter, or overwrote unread records): -2 (TT_RING_GAP), once per
 * difference; 0 otherwise. While the producer lives, a torn snapshot (it is between its seqlock
 * stores) decides nothing: the next drained poll looks again. Once it is gone (final), or the
 * seqlock has stayed odd for TORN_GRACE_MS (a writer holding it there to hide a change), what
 * is there is judged. */
static int check_accounting(struct tt_ring *r, int final)
{
    uint64_t head, produced, dropped, dbytes;
    if (prod_snapshot(r->c, &head, &produced, &dropped, &dbytes)) {
        r->torn_since_ns = 0;
    } else if (!final) {
        uint64_t now = tt_mono_ns();
        if (!r->torn_since_ns)
            r->torn_since_ns = now;
        if (now - r->torn_since_ns < (uint64_t)TORN_GRACE_MS * 1000000u)
            return 0;
    }
    if (head != r->tail)
        return 0;
    int64_t diff = (int64_t)(produced - dropped - r->consumed - r->corrupt) - r->acct_base;
    if (diff == 0) {
        r->acct_unknown = 0;
        return 0;
    }
    r->acct_base += diff;
    if (r->acct_unknown) {
        r->acct_unknown = 0;
        return 0;
    }
    if (diff > 0)
        snprintf(r->err, sizeof r->err,
                 "ring key 0x%x: %lld records the producer wrote never reached this consumer "
                 "(the ring's counters were moved or unread records overwritten)",
                 (unsigned)r->key, (long long)diff);
    else
        snprintf(r->err, sizeof r->err,
                 "ring key 0x%x: %lld records reached this consumer that the producer never "
                 "wrote",
                 (unsigned)r->key, (long long)-diff);
    return report(r, TT_RING_GAP, diff, -2);
}

/* Waits for the producer to publish more than r->tail, up to until_ns (0: forever). */
static void consumer_wait(struct tt_ring *r, uint64_t until_ns)
{
    struct ring_ctrl *c = r->c;
    uint64_t now = tt_mono_ns();
    int ms = LIVE_MS;
    int busy = now - r->last_data_ns < (uint64_t)BUSY_MS * 1000000u;
    if (busy || (r->done_seen_ns && !r->forged_end_reported))
        ms = POLL_MS;
    if (until_ns) {
        uint64_t left = until_ns > now ? (until_ns - now + 999999u) / 1000000u : 0;
        if (left < (uint64_t)ms)
            ms = (int)left;
    }
    if (ms <= 0)
        return;
    uint32_t seen = atomic_load(&c->prod.wake);
    if (!busy)
        atomic_store(&c->sleep.consumer, 1);
    if (atomic_load_explicit(&c->prod.head, memory_order_seq_cst) == r->tail)
        futex_wait(&c->prod.wake, seen, ms);
}

/* The ring is drained. -1 when the stream has ended (the producer can no longer write), -2 for
 * an end flag the producer did not set (reported once), 0 to go on waiting. */
static int drained(struct tt_ring *r, uint64_t now)
{
    struct ring_ctrl *c = r->c;
    int done = (int)atomic_load(&c->prod.done);
    if (r->trust_end_flag) { /* test switch: what a forged flag or lock word used to do */
        if (done || !producer_alive(c))
            return report(r, done ? TT_RING_OK : TT_RING_PRODUCER_DIED, 0, -1);
        return 0;
    }
    if (!done)
        r->done_seen_ns = 0;
    else if (!r->done_seen_ns)
        r->done_seen_ns = now;
    int verifying = done && !r->forged_end_reported; /* the producer should detach at once */
    if (now - r->live_check_ns < (uint64_t)(verifying ? POLL_MS : LIVE_MS) * 1000000u)
        return 0;
    r->live_check_ns = now;
    if (producer_state(r) == PROD_GONE) {
        if (atomic_load_explicit(&c->prod.head, memory_order_acquire) != r->tail)
            return 0; /* its last records: read them first */
        int rc = check_accounting(r, 1);
        if (rc)
            return rc;
        if (!done)
            snprintf(r->err, sizeof r->err,
                     "ring key 0x%x: the producer (pid %u) is gone without closing the stream",
                     (unsigned)r->key, c->hdr.producer_pid);
        return report(r, done ? TT_RING_OK : TT_RING_PRODUCER_DIED, 0, -1);
    }
    if (done && !r->forged_end_reported &&
        now - r->done_seen_ns >= (uint64_t)END_GRACE_MS * 1000000u) {
        r->forged_end_reported = 1;
        snprintf(r->err, sizeof r->err,
                 "ring key 0x%x: the end-of-stream flag is set but the producer still maps the "
                 "ring %d s later: not set by the producer; reading on",
                 (unsigned)r->key, END_GRACE_MS / 1000);
        return report(r, TT_RING_FORGED_END, 0, -2);
    }
    return 0;
}

int tt_ring_read(struct tt_ring *r, const struct tt_event **ev, int timeout_ms)
{
    struct ring_ctrl *c = r->c;
    uint64_t until = timeout_ms > 0 ? tt_mono_ns() + (uint64_t)timeout_ms * 1000000u : 0;
    for (;;) {
        uint64_t avail = r->cached_head - r->tail;
        if (avail == 0) {
            r->cached_head = atomic_load_explicit(&c->prod.head, memory_order_acquire);
            avail = r->cached_head - r->tail;
            if (avail)
                r->last_data_ns = tt_mono_ns();
        }
        if (avail == 0) {
            if (r->tail != r->pub_tail)
                publish_tail(r); /* caught up: give the producer all the room */
            uint64_t now = tt_mono_ns();
            beat(r, now);
            int rc = r->trust_end_flag ? 0 : check_accounting(r, 0);
            if (!rc)
                rc = drained(r, now);
            if (rc)
                return rc;
            if (timeout_ms == 0 || (until && now >= until))
                return 0;
            consumer_wait(r, until);
            continue;
        }
        if (r->done_seen_ns && !r->forged_end_reported && !r->trust_end_flag) {
            /* The producer never writes after closing: whoever set the flag was not it. */
            r->forged_end_reported = 1;
            snprintf(r->err, sizeof r->err,
                     "ring key 0x%x: records arrived after the end-of-stream flag: the flag "
                     "was not set by the producer; reading on",
                     (unsigned)r->key);
            return report(r, TT_RING_FORGED_END, 0, -2);
        }
        if (avail > r->size)
            return skip_corrupt(r);
        uint64_t pos = r->tail & r->mask;
        uint64_t to_end = r->size - pos;
        if (to_end < 8 || (pos & 7u)) /* cannot happen with an aligned tail; never read past */
            return skip_corrupt(r);
        uint32_t w[2];
        memcpy(w, r->data + pos, sizeof w);
        uint32_t len = w[0];
        uint16_t type = (uint16_t)(w[1] & 0xffffu);
        if (type == TT_EV_NONE && len == to_end && len <= avail) { /* padding before the wrap */
            r->tail += len;
            continue;
        }
        if (len < sizeof(struct tt_event) || len > to_end || len > avail ||
            len > TT_EVENT_MAX_LEN || (len & 7u))
            return skip_corrupt(r);
        memcpy(r->rec, r->data + pos, len); /* validate a private copy: the segment is shared */
        uint32_t copied_len;
        memcpy(&copied_len, r->rec, sizeof copied_len);
        if (copied_len != len || tt_event_validate(r->rec, len) != 0)
            return skip_corrupt(r);
        r->tail += len;
        r->consumed++;
        if (r->tail - r->pub_tail >= r->pub_batch ||
            atomic_load_explicit(&c->sleep.producer, memory_order_relaxed))
            publish_tail(r);
        if (r->consumed % BEAT_RECORDS == 0)
            beat(r, tt_mono_ns());
        *ev = (const struct tt_event *)(const void *)r->rec;
        return 1;
    }
}

void tt_ring_release(struct tt_ring *r, const struct tt_event *ev)
{
    (void)r;
    (void)ev; /* the record was copied out and its space freed in tt_ring_read */
}

void tt_ring_detach(struct tt_ring *r)
{
    if (!r)
        return;
    struct ring_ctrl *c = r->c;
    if (r->role == ROLE_CONSUMER) {
        publish_counts(r);
        atomic_store(&c->cons.attached, 0);
        atomic_store(&c->cons.pid, 0);
        unlock_owned(&c->cons_lock.m);
        atomic_thread_fence(memory_order_seq_cst);
        bump_and_wake(&c->cons.wake); /* a blocked producer rechecks and drops instead */
        /* Last one out removes the segment: only once the producer has really detached (a
         * forged end flag must not make the ring disappear under a live producer; the test
         * switch keeps the old rule). */
        int gone = r->trust_end_flag ? atomic_load(&c->prod.done) || !producer_alive(c)
                                     : producer_state(r) == PROD_GONE;
        if (gone)
            shmctl(r->shmid, IPC_RMID, NULL);
        if (r->prod_pidfd >= 0)
            close(r->prod_pidfd);
    }
    shmdt(c);
    free(r->rec);
    free(r);
}

int tt_ring_problem(const struct tt_ring *r, int64_t *records)
{
    if (records)
        *records = r->problem_records;
    return r->problem;
}

void tt_ring_get_takeover(const struct tt_ring *r, struct tt_ring_takeover *t)
{
    *t = r->takeover;
}

uint64_t tt_ring_drops_reported(const struct tt_ring *r)
{
    return atomic_load(&r->c->health.drops_reported);
}

void tt_ring_set_drops_reported(struct tt_ring *r, uint64_t dropped)
{
    if (r->role == ROLE_CONSUMER)
        atomic_store(&r->c->health.drops_reported, dropped);
}

void tt_ring_heartbeat(struct tt_ring *r)
{
    if (r->role == ROLE_CONSUMER)
        beat(r, tt_mono_ns());
}

void tt_ring_trust_end_flag(struct tt_ring *r, int on)
{
    r->trust_end_flag = on;
}

int tt_ring_peek_health(int shmid, struct tt_ring_health *h, char *why, size_t whylen)
{
    memset(h, 0, sizeof *h);
    size_t segsz = segment_size(shmid);
    if (segsz < RING_CTRL_SIZE + RING_MIN_SIZE) {
        snprintf(why, whylen, "shm id %d: %s", shmid,
                 segsz ? "not a ring (too small)" : strerror(errno));
        return -1;
    }
    const struct ring_ctrl *c = shmat(shmid, NULL, SHM_RDONLY);
    if (c == (void *)-1) {
        snprintf(why, whylen, "shm id %d: shmat: %s", shmid, strerror(errno));
        return -1;
    }
    char what[32];
    snprintf(what, sizeof what, "shm id %d", shmid);
    int rc = check_layout(c, segsz, what, why, whylen);
    if (rc == 0) {
        struct ring_cons *cons = (struct ring_cons *)&c->cons;
        struct ring_health *hl = (struct ring_health *)&c->health;
        uint64_t dbytes;
        prod_snapshot(c, &h->head, &h->produced, &h->dropped, &dbytes);
        h->consumer_pid = atomic_load(&cons->pid);
        h->consumer_attached = atomic_load(&cons->attached) != 0;
        h->heartbeat = (atomic_load(&hl->features) & RING_CF_HEARTBEAT) != 0;
        h->beats = atomic_load(&hl->beats);
        h->beat_ns = atomic_load(&hl->beat_ns);
        h->consumed = atomic_load(&cons->consumed);
        h->tail = atomic_load(&cons->tail);
        h->producer_pid = c->hdr.producer_pid;
        h->attaches = atomic_load(&cons->attaches);
        h->producer_done = atomic_load((a32 *)&c->prod.done) != 0;
    }
    shmdt(c);
    return rc;
}

void tt_ring_get_stats(const struct tt_ring *r, struct tt_ring_stats *out)
{
    const struct ring_ctrl *c = r->c;
    memset(out, 0, sizeof *out);
    uint64_t head, dbytes;
    prod_snapshot(c, &head, &out->produced, &out->dropped, &dbytes);
    out->dropped_bytes = dbytes;
    out->consumed = atomic_load((a64 *)&c->cons.consumed);
    out->corrupt = atomic_load((a64 *)&c->cons.corrupt);
    uint64_t tail = atomic_load((a64 *)&c->cons.tail);
    if (r->role == ROLE_CONSUMER) { /* our own, fresher than the batched published values */
        out->consumed = r->consumed;
        out->corrupt = r->corrupt;
        tail = r->tail;
    }
    out->producer_pid = c->hdr.producer_pid;
    out->consumer_pid = atomic_load((a32 *)&c->cons.pid);
    out->producer_done = (int)atomic_load((a32 *)&c->prod.done);
    out->producer_alive = producer_alive(c);
    out->consumer_attached =
        lock_alive((pthread_mutex_t *)&c->cons_lock.m) && atomic_load((a32 *)&c->cons.attached);
    out->in_flight = out->produced - out->dropped - out->consumed - out->corrupt;
    out->data_size = r->size;
    out->used_bytes = head - tail > r->size ? r->size : head - tail;
    out->blocking = (r->flags & TT_RING_BLOCKING) != 0;
    out->attaches = atomic_load((a32 *)&c->cons.attaches);
    const struct ring_health *h = &c->health;
    out->consumer_heartbeat = (atomic_load((a32 *)&h->features) & RING_CF_HEARTBEAT) != 0;
    out->consumer_beats = atomic_load((a32 *)&h->beats);
    out->consumer_beat_ns = atomic_load((a64 *)&h->beat_ns);
    out->drops_reported = atomic_load((a64 *)&h->drops_reported);
}

int tt_ring_shmid(const struct tt_ring *r)
{
    return r->shmid;
}

const char *tt_ring_error(const struct tt_ring *r)
{
    return r->err;
}

int tt_ring_parse_key(const char *s, int *key)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || *end || v == 0 || v > 0xffffffffUL) /* 0 is IPC_PRIVATE */
        return -1;
    *key = (int)(uint32_t)v;
    return 0;
}
