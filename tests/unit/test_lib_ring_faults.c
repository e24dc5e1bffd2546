/* The ring when the system says no: shmat, IPC_STAT, the lock initialisation or an allocation
 * failing inside tt_ring_create / tt_ring_attach. shmat and shmctl are interposed here (defined
 * in the test executable, so libtartan's calls come through them, and passed on as raw system
 * calls), as are pthread_mutex_init and the allocator (tt_alloc.h). A failed create or attach
 * says why, leaves no segment, mapping or allocation behind; a segment that vanishes between
 * two looks at it (removed by its last user) is looked for again, not taken. */
#include "tt_test.h"
#include "tt_alloc.h"
#include "tt_ring.h"
#include "ring_test_util.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "tt_log.h"

/* Armed failures: the next call of each kind fails with this errno (0: none). */
static int fail_shmat_errno, fail_ipc_stat_errno;
static int fail_mutex_init_at; /* the n-th pthread_mutex_init from now fails (0: none) */
static int shmat_seen, shmctl_seen, mutex_init_seen;
static int shmget_key, shmget_calls; /* shmget calls for that key */

__attribute__((weak)) int shmget(key_t key, size_t size, int flags)
{
    shmget_calls += key == shmget_key;
    return (int)syscall(SYS_shmget, key, size, flags);
}

__attribute__((weak)) void *shmat(int id, const void *addr, int flags)
{
    shmat_seen = 1;
    if (fail_shmat_errno) {
        errno = fail_shmat_errno;
        fail_shmat_errno = 0;
        return (void *)-1;
    }
    long p = syscall(SYS_shmat, id, addr, flags);
    return p == -1 ? (void *)-1 : (void *)p;
}

__attribute__((weak)) int shmctl(int id, int cmd, struct shmid_ds *buf)
{
    shmctl_seen = 1;
    if (cmd == IPC_STAT && fail_ipc_stat_errno) {
        errno = fail_ipc_stat_errno;
        fail_ipc_stat_errno = 0;
        return -1;
    }
    return (int)syscall(SYS_shmctl, id, cmd, buf);
}

__attribute__((weak)) int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    static int (*real)(pthread_mutex_t *, const pthread_mutexattr_t *);
    mutex_init_seen = 1;
    if (fail_mutex_init_at && --fail_mutex_init_at == 0)
        return ENOMEM;
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pthread_mutex_init");
    return real ? real(m, a) : ENOSYS;
}

static int fail_madvise_errno, madvise_calls;

__attribute__((weak)) int madvise(void *addr, size_t len, int advice)
{
    if (advice == MADV_DONTNEED) {
        madvise_calls++;
        if (fail_madvise_errno) {
            errno = fail_madvise_errno;
            return -1;
        }
    }
    return (int)syscall(SYS_madvise, addr, len, advice);
}

/* fopen of one path is sent to another file (a /proc file with other contents), or fails. */
static const char *fopen_path, *fopen_instead;
static int fopen_seen;

__attribute__((weak)) FILE *fopen(const char *path, const char *mode)
{
    static FILE *(*real)(const char *, const char *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fopen");
    if (fopen_path && strcmp(path, fopen_path) == 0) {
        fopen_seen = 1;
        if (!fopen_instead) {
            errno = ENOENT;
            return NULL;
        }
        path = fopen_instead;
    }
    return real ? real(path, mode) : NULL;
}

/* System V segments this process maps. */
static int sysv_mappings(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    char line[512];
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, "SYSV") != NULL;
    if (f)
        fclose(f);
    return n;
}

/* A fully static link (make ARCH=arm64: TT_STATIC_LINK) takes some of these from libc.a and
 * has no dlsym(RTLD_NEXT) to reach the real pthread_mutex_init and fopen: the faults cannot be
 * made there. */
#ifdef TT_STATIC_LINK
#define REQUIRE_DYNAMIC_LINK()                                                                     \
    TT_SKIP("libc calls cannot be interposed in a fully static link (TT_STATIC_LINK)")
#else
#define REQUIRE_DYNAMIC_LINK() ((void)0)
#endif

static void skip_unless_interposed(int seen, const char *what)
{
    if (!seen)
        TT_SKIP("%s is not interposed in this link (static libc)", what);
}

TT_TEST(create_removes_the_segment_it_cannot_map)
{
    REQUIRE_DYNAMIC_LINK();
    int key = next_key();
    char why[256], want[256];
    int maps = sysv_mappings();
    tt_alloc_arm();
    fail_shmat_errno = ENOMEM;
    struct tt_ring *p = tt_ring_create(key, 4096, 0, 0600, NULL, why, sizeof why);
    long live = tt_alloc_live();
    tt_alloc_disarm();
    skip_unless_interposed(shmat_seen, "shmat");
    TT_CHECK(p == NULL);
    snprintf(want, sizeof want, "ring key 0x%x: shmat: %s", (unsigned)key, strerror(ENOMEM));
    TT_CHECK_STR(why, want);
    TT_CHECK(!key_exists(key));
    TT_CHECK_INT(live, 0);
    TT_CHECK_INT(sysv_mappings(), maps);
    /* The next create on the key works. */
    p = create(key, 4096, 0);
    TT_CHECK(p != NULL);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

TT_TEST(create_cleans_up_when_its_locks_cannot_be_made)
{
    REQUIRE_DYNAMIC_LINK();
    char why[256], want[256];
    for (int n = 1; n <= 2; n++) { /* the producer's lock, then the consumer's */
        int key = next_key();
        int maps = sysv_mappings();
        tt_alloc_arm();
        fail_mutex_init_at = n;
        mutex_init_seen = 0;
        struct tt_ring *p = tt_ring_create(key, 4096, 0, 0600, NULL, why, sizeof why);
        long live = tt_alloc_live();
        tt_alloc_disarm();
        fail_mutex_init_at = 0;
        skip_unless_interposed(mutex_init_seen, "pthread_mutex_init");
        TT_CHECKF(p == NULL, "lock %d failed and create went on", n);
        snprintf(want, sizeof want, "ring key 0x%x: cannot initialize its locks", (unsigned)key);
        TT_CHECK_STR(why, want);
        TT_CHECK(!key_exists(key));
        TT_CHECKF(live == 0, "lock %d: %ld allocations left", n, live);
        TT_CHECK_INT(sysv_mappings(), maps);
    }
}

/* A segment removed between the consumer's shmget and its next look (IPC_STAT or shmat fail
 * with EIDRM): not a ring to refuse or to take, the consumer looks again. */
TT_TEST(attach_looks_again_at_a_segment_that_vanished)
{
    REQUIRE_DYNAMIC_LINK();
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    write_seq(p, 5, 5);
    char why[256], want[256];
    for (int at_map = 0; at_map < 2; at_map++) {
        if (at_map)
            fail_shmat_errno = EIDRM;
        else
            fail_ipc_stat_errno = EIDRM;
        struct tt_ring *c = attach(key, 2000);
        skip_unless_interposed(at_map ? shmat_seen : shmctl_seen, at_map ? "shmat" : "shmctl");
        TT_CHECKF(c != NULL, "EIDRM at %s", at_map ? "shmat" : "IPC_STAT");
        TT_CHECK(fail_shmat_errno == 0 && fail_ipc_stat_errno == 0);
        const struct tt_event *ev;
        TT_CHECK(c && tt_ring_read(c, &ev, 0) == 1 && is_record(ev, 5, 5));
        tt_ring_detach(c);
        /* the record is read again by the next consumer: it was never published as consumed
         * (detach publishes it: rewind for the next round) */
        uint8_t *seg = map_rw(p);
        TT_REQUIRE(seg != NULL);
        poke64(seg, OFF_TAIL, 0);
        poke64(seg, OFF_CONSUMED, 0);
        shmdt(seg);
    }
    /* A health check that cannot map the ring says so. */
    struct tt_ring_health h;
    fail_shmat_errno = EACCES;
    TT_CHECK_INT(tt_ring_peek_health(tt_ring_shmid(p), &h, why, sizeof why), -1);
    snprintf(want, sizeof want, "shm id %d: shmat: %s", tt_ring_shmid(p), strerror(EACCES));
    TT_CHECK_STR(why, want);
    /* Any other shmat failure is a refusal, at once. */
    fail_shmat_errno = EACCES;
    uint64_t t0 = now_ns();
    errno = 0;
    struct tt_ring *c = tt_ring_attach(key, 2000, why, sizeof why);
    TT_CHECK(c == NULL);
    TT_CHECK_INT(errno, EACCES);
    TT_CHECK(now_ns() - t0 < 1000000000u);
    snprintf(want, sizeof want, "ring key 0x%x: shmat: %s", (unsigned)key, strerror(EACCES));
    TT_CHECK_STR(why, want);
    tt_ring_close_producer(p);
    remove_key(key);
}

/* A consumer waiting for a ring that does not exist yet looks for it at growing intervals (10 ms
 * more each time, up to 100 ms), not in a busy loop. */
TT_TEST(attach_looks_for_the_ring_at_intervals)
{
    REQUIRE_DYNAMIC_LINK();
    int key = next_key();
    char why[256];
    shmget_key = key;
    shmget_calls = 0;
    uint64_t t0 = now_ns();
    TT_CHECK(tt_ring_attach(key, 300, why, sizeof why) == NULL);
    uint64_t waited = now_ns() - t0;
    shmget_key = 0;
    if (!shmget_calls)
        TT_SKIP("shmget is not interposed in this link (static libc)");
    TT_CHECK_INT(errno, ENOENT);
    TT_CHECK(waited >= 300000000u);
    /* looks at 0, 10, 30, 60, 100, 150, 210, 280 and 360 ms */
    TT_CHECKF(shmget_calls >= 2 && shmget_calls <= 12, "%d looks in %llu ms", shmget_calls,
              (unsigned long long)(waited / 1000000u));
}

/* Pushes 3 MiB through a 1 MiB ring, read as it goes; what the library logged. */
static const char *push_through_window(char *log, size_t cap)
{
    int key = next_key();
    struct tt_ring *p = create(key, 1u << 20, 0);
    struct tt_ring *c = attach(key, 0);
    struct log_capture lc;
    log_capture_start(&lc);
    int lost = !p || !c;
    const struct tt_event *ev;
    for (uint64_t i = 0; !lost && i < 1500; i++) {
        lost =
            write_seq(p, i, 2000) != 0 || tt_ring_read(c, &ev, 0) != 1 || !is_record(ev, i, 2000);
    }
    tt_ring_close_producer(p);
    tt_ring_detach(c);
    log_capture_end(&lc, log, cap);
    return lost ? "records lost" : log;
}

/* The producer drops the pages behind its window (MADV_DONTNEED); a failure there only costs
 * memory and is logged at debug level, and a success logs nothing. */
TT_TEST(window_trimming_failure_only_logged)
{
    REQUIRE_DYNAMIC_LINK();
    char log[8192];
    enum tt_log_level level = tt_log_get_level();
    tt_log_set_level(TT_LOG_DEBUG);
    madvise_calls = 0;
    push_through_window(log, sizeof log);
    int calls = madvise_calls;
    TT_CHECK_STR(log, "");
    fail_madvise_errno = EINVAL;
    push_through_window(log, sizeof log);
    fail_madvise_errno = 0;
    tt_log_set_level(level);
    if (!calls)
        TT_SKIP("madvise is not interposed in this link (static libc)");
    TT_CHECK(calls >= 8); /* 3 MiB in 256 KiB steps, less the first 512 KiB */
    char want[64];
    snprintf(want, sizeof want, "ring: madvise: %s", strerror(EINVAL));
    TT_CHECKF(count_of(log, want) == calls, "%d calls, log: %.300s", calls, log);
}

/* Attaches to an empty ring of a live producer (this process) with fopen(path) answering
 * `contents` (NULL: failing); 1 attached, 0 the ring taken as stale, -1 not interposed. */
static int attach_with_proc_file(const char *path, const char *contents, char *why, size_t len)
{
    int key = next_key();
    struct tt_ring *p = create(key, 4096, 0);
    char fake[] = "/tmp/tt-ring-proc-XXXXXX";
    int fd = mkstemp(fake);
    if (!p || fd < 0)
        return -1;
    if (contents)
        (void)!write(fd, contents, strlen(contents));
    close(fd);
    fopen_path = path;
    fopen_instead = contents ? fake : NULL;
    struct tt_ring *c = tt_ring_attach(key, 0, why, len);
    fopen_path = NULL;
    unlink(fake);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    return c != NULL;
}

/* A consumer tells the creator's exit from its pid being reused by a process started after the
 * segment: from the process's start (/proc/PID/stat) and the boot time (/proc/stat). Faked
 * here: a boot time in the future makes this live producer's pid look reused, so its empty
 * ring is stale; a start time it cannot read is no evidence either way. */
TT_TEST(producer_pid_reuse_judged_from_proc)
{
    REQUIRE_DYNAMIC_LINK();
    char why[256], stat[512], path[64];
    snprintf(stat, sizeof stat, "cpu  1 2 3 4\nintr 5\nbtime %lld\nprocesses 6\n",
             (long long)time(NULL) + 100000);
    int rc = attach_with_proc_file("/proc/stat", stat, why, sizeof why);
    if (rc < 0 || !fopen_seen)
        TT_SKIP("fopen is not interposed in this link (static libc)");
    TT_CHECKF(rc == 0, "a pid started after its ring was taken for its creator");
    TT_CHECK(strstr(why, "is stale (its tracer is gone, nothing unread)") != NULL);
    snprintf(stat, sizeof stat, "cpu  1 2 3 4\nbtime %lld\n", (long long)time(NULL) - 100000);
    TT_CHECK_INT(attach_with_proc_file("/proc/stat", stat, why, sizeof why), 1);
    TT_CHECK_INT(attach_with_proc_file("/proc/stat", NULL, why, sizeof why), 1);
    TT_CHECK_INT(attach_with_proc_file("/proc/stat", "cpu  1 2 3 4\n", why, sizeof why), 1);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)getpid());
    TT_CHECK_INT(attach_with_proc_file(path, NULL, why, sizeof why), 1);
    TT_CHECK_INT(attach_with_proc_file(path, "1 (x) S 1 2 3\n", why, sizeof why), 1);
}

TT_TEST(out_of_memory_reported_and_nothing_leaked)
{
    REQUIRE_DYNAMIC_LINK();
    int key = next_key();
    char why[256];
    tt_alloc_fail_at(1);
    struct tt_ring *p = tt_ring_create(key, 4096, 0, 0600, NULL, why, sizeof why);
    int reached = tt_alloc_fail_reached();
    tt_alloc_disarm();
    if (!reached && p)
        TT_SKIP("the allocator is not interposed in this link (static libc)");
    TT_CHECK(p == NULL);
    TT_CHECK_STR(why, "out of memory");
    TT_CHECK(!key_exists(key));
    p = create(key, 4096, 0);
    TT_REQUIRE(p != NULL);
    /* The consumer's handle, then its record buffer; the observer's handle. */
    for (int k = 1; k <= 3; k++) {
        tt_alloc_fail_at(k < 3 ? (unsigned long)k : 1);
        struct tt_ring *c =
            k < 3 ? tt_ring_attach(key, 0, why, sizeof why) : tt_ring_observe(key, why, sizeof why);
        long live = tt_alloc_live();
        tt_alloc_disarm();
        TT_CHECKF(c == NULL, "allocation %d failed and it went on", k);
        TT_CHECK_STR(why, "out of memory");
        TT_CHECKF(live == 0, "case %d: %ld allocations left", k, live);
    }
    struct tt_ring_stats st;
    tt_ring_get_stats(p, &st);
    TT_CHECK_INT(st.attaches, 0);
    struct tt_ring *c = attach(key, 0);
    TT_CHECK(c != NULL);
    tt_ring_detach(c);
    tt_ring_close_producer(p);
    TT_CHECK(!key_exists(key));
}

int main(void)
{
    return ring_test_main();
}
