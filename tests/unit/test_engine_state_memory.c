/* The engine state's memory: the byte count it reports (state_get_stats, the engine's metrics)
 * follows every allocation and free exactly, nothing is left after state_free, and a failed
 * allocation at any point of a replay degrades to missing state without a crash, a leak or a
 * wrong count. Replays every golden capture (tests/data/engine/golden) through one state.
 * Plain build only: the heap is counted by replacing malloc (tt_heap.h), which ASan owns. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "tt_heap.h"

#include <dirent.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "engine_test_events.h"
#include "state_priv.h"
#include "tt_capture.h"

#if TT_HEAP_AVAILABLE
#define MAX_EVENTS 4096
static const struct tt_event *events[MAX_EVENTS];
static size_t nevents;

/* Every record of every golden capture, copied once (before anything is measured). */
static int load_captures(void)
{
    if (nevents)
        return 0;
    const char *root = getenv("TT_ROOT");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/engine/golden", root ? root : ".");
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char names[64][256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 64) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".cap") == 0)
            snprintf(names[n++], sizeof names[0], "%s", de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < n; i++) {
        char path[1400], why[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct tt_capture_reader *r = tt_capture_open(path, why, sizeof why);
        if (!r)
            return -1;
        const struct tt_event *ev;
        while (tt_capture_next(r, &ev, why, sizeof why) == 1 && nevents < MAX_EVENTS) {
            struct tt_event *copy = malloc(ev->len);
            if (!copy)
                break;
            memcpy(copy, ev, ev->len);
            events[nevents++] = copy;
        }
        tt_capture_close_reader(r);
    }
    return nevents ? 0 : -1;
}

static struct eval_ctx ctx;

/* Heap bytes outside the state's own count: constant while the count is right. */
static long long uncounted(const struct engine_state *st)
{
    struct state_stats s;
    state_get_stats(st, &s);
    return (long long)tt_heap_live() - (long long)s.bytes;
}

TT_TEST(reported_bytes_follow_every_allocation)
{
    TT_CHECK(load_captures() == 0);
    size_t before = tt_heap_live();
    struct state_opts o = {.no_proc_lookup = 1, .max_fds = 64};
    struct engine_state *st = state_new_opts(&o);
    TT_CHECK(st != NULL);
    if (!st)
        return;
    long long base = uncounted(st);
    struct state_stats s0;
    state_get_stats(st, &s0);
    TT_CHECK(s0.bytes > 0);
    uint64_t most_threads = 0, most_fds = 0;
    for (size_t i = 0; i < nevents; i++) {
        state_begin_event(st, events[i], i + 1, &ctx);
        state_end_event(st, &ctx);
        struct state_stats s;
        state_get_stats(st, &s);
        most_threads = s.threads > most_threads ? s.threads : most_threads;
        most_fds = s.fds > most_fds ? s.fds : most_fds;
        long long u = uncounted(st);
        if (u != base) {
            TT_FAILF("event %zu (type %u): %lld bytes allocated that the state does not count", i,
                     events[i]->type, u - base);
            break;
        }
    }
    TT_CHECK(nevents > 300);
    TT_CHECK(most_threads >= 3 && most_fds >= 3); /* the replay did build state */
    state_free(st);
    TT_CHECK_INT(tt_heap_live(), before);
}

TT_TEST(tables_grow_and_shrink_with_a_right_count)
{
    /* more threads and processes than the first table size: the tables grow (rehash) */
    static struct tev e;
    size_t before = tt_heap_live();
    struct state_opts o = {.no_proc_lookup = 1};
    struct engine_state *st = state_new_opts(&o);
    TT_CHECK(st != NULL);
    if (!st)
        return;
    long long base = uncounted(st);
    uint64_t n = 0;
    for (int32_t pid = 1000; pid < 1700; pid++) {
        state_begin_event(st, tev_procinfo(&e, pid, 1, "p", "/bin/p", "a", "/", 0), ++n, &ctx);
        state_end_event(st, &ctx);
        tev_begin(&e, TT_EV_CLONE, pid, pid);
        tt_evb_i64(&e.b, TT_P_CHILD_TID, pid + 10000);
        tt_evb_u64(&e.b, TT_P_CLONE_FLAGS, CLONE_THREAD | CLONE_VM | CLONE_FILES);
        state_begin_event(st, tev_end(&e, pid + 10000), ++n, &ctx);
        state_end_event(st, &ctx);
    }
    struct state_stats s;
    state_get_stats(st, &s);
    TT_CHECK_INT(s.procs, 700);
    TT_CHECK_INT(s.threads, 1400);
    TT_CHECK_INT(uncounted(st), base);
    for (int32_t pid = 1000; pid < 1700; pid++) {
        if (!state_thread(st, pid) || !state_thread(st, pid + 10000) || !state_proc(st, pid)) {
            TT_FAILF("process %d or its thread lost", pid);
            break;
        }
    }
    for (int32_t pid = 1000; pid < 1700; pid += 2) {
        tev_begin(&e, TT_EV_PROCEXIT, pid + 10000, pid);
        state_begin_event(st, tev_end(&e, 0), ++n, &ctx);
        state_end_event(st, &ctx);
        tev_begin(&e, TT_EV_PROCEXIT, pid, pid);
        state_begin_event(st, tev_end(&e, 0), ++n, &ctx);
        state_end_event(st, &ctx);
    }
    state_get_stats(st, &s);
    TT_CHECK_INT(s.procs, 350);
    TT_CHECK_INT(s.threads, 700);
    TT_CHECK_INT(uncounted(st), base);
    TT_CHECK(state_proc(st, 1000) == NULL && state_proc(st, 1001) != NULL);
    state_free(st);
    TT_CHECK_INT(tt_heap_live(), before);
}

TT_TEST(a_table_that_cannot_grow_keeps_working)
{
    /* the allocations of the event that adds the 257th thread and process fail one by one */
    static struct tev e;
    size_t before = tt_heap_live();
    for (unsigned long k = 1; k <= 12 && !tt_failed_current; k++) {
        struct state_opts o = {.no_proc_lookup = 1};
        struct engine_state *st = state_new_opts(&o);
        TT_CHECK(st != NULL);
        if (!st)
            return;
        long long base = uncounted(st);
        uint64_t n = 0;
        for (int32_t pid = 2; pid < 400; pid++) {
            if (pid == 257)
                tt_heap_fail_at(k);
            state_begin_event(st, tev_procinfo(&e, pid, 1, "p", "/p", "", "/", 0), ++n, &ctx);
            state_end_event(st, &ctx);
            if (pid == 257)
                tt_heap_fail_at(0);
        }
        for (int32_t pid = 2; pid < 400; pid++)
            if (pid != 257 && !state_thread(st, pid)) {
                TT_FAILF("allocation %lu failing: thread %d lost", k, pid);
                break;
            }
        if (uncounted(st) != base)
            TT_FAILF("allocation %lu failing: %lld bytes not counted", k, uncounted(st) - base);
        state_free(st);
        if (tt_heap_live() != before)
            TT_FAILF("allocation %lu failing: %lld bytes leaked", k,
                     (long long)tt_heap_live() - (long long)before);
    }
}

TT_TEST(a_failed_allocation_anywhere_leaves_no_leak_and_a_right_count)
{
    TT_CHECK(load_captures() == 0);
    size_t before = tt_heap_live();
    unsigned long k;
    for (k = 1; !tt_failed_current; k++) {
        tt_heap_fail_at(k);
        struct state_opts o = {.no_proc_lookup = 1, .max_fds = 64};
        struct engine_state *st = state_new_opts(&o);
        if (!st) {
            if (!tt_heap_failed())
                TT_FAILF("state_new failed without an allocation failure");
            tt_heap_fail_at(0);
            if (tt_heap_live() != before)
                TT_FAILF("allocation %lu failing in state_new: %lld bytes leaked", k,
                         (long long)tt_heap_live() - (long long)before);
            continue;
        }
        long long base = uncounted(st);
        for (size_t i = 0; i < nevents && !tt_failed_current; i++) {
            if (state_begin_event(st, events[i], i + 1, &ctx) != 0)
                TT_FAILF("allocation %lu failing: event %zu not processed", k, i);
            state_end_event(st, &ctx);
            if (uncounted(st) != base)
                TT_FAILF("allocation %lu failing: after event %zu, %lld bytes are not counted", k,
                         i, uncounted(st) - base);
        }
        int hit = tt_heap_failed();
        tt_heap_fail_at(0);
        state_free(st);
        if (tt_heap_live() != before)
            TT_FAILF("allocation %lu failing: %lld bytes leaked", k,
                     (long long)tt_heap_live() - (long long)before);
        if (!hit)
            break; /* the replay made fewer than k allocations: every point was tried */
    }
    TT_CHECK(k > 100); /* allocations were made, and each one failed once */
}
TT_TEST(container_metadata_reports_a_failed_allocation)
{
    /* RUNTIME logs it: -1 whenever one of the strings could not be stored */
    struct state_opts o = {.no_proc_lookup = 1};
    struct engine_state *st = state_new_opts(&o);
    TT_CHECK(st != NULL);
    if (!st)
        return;
    TT_CHECK_INT(state_set_container_meta(st, "3f4e5d6c7b8a", NULL, NULL, NULL, NULL, -1), 0);
    for (unsigned long k = 1; k < 64; k++) { /* the k-th string fails */
        char name[32];
        snprintf(name, sizeof name, "web-%lu", k); /* a new value each time: a new string */
        tt_heap_fail_at(k);
        int rc = state_set_container_meta(st, "3f4e5d6c7b8a", name, name, name, name, 1);
        int failed = tt_heap_failed();
        tt_heap_fail_at(0);
        if (rc != (failed ? -1 : 0))
            TT_FAILF("allocation %lu failing: %d, want %d", k, rc, failed ? -1 : 0);
        if (!failed)
            break;
    }
    state_free(st);
}

TT_TEST(user_names_with_a_failed_allocation)
{
    /* the passwd and group files are read once per container: a failed allocation while
     * reading them leaves the names unknown, never a crash or a leak */
    char dir[] = "/tmp/tt_mem_users_XXXXXX";
    TT_CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/etc", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/etc/passwd", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("alice:x:1000:1000::/home/alice:/bin/sh\n", f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/etc/group", dir);
    f = fopen(path, "w");
    if (f) {
        fputs("staff:x:50:\n", f);
        fclose(f);
    }
    static struct tev e;
    for (unsigned long k = 1; k < 100 && !tt_failed_current; k++) {
        size_t before = tt_heap_live();
        struct state_opts o = {.host_root = dir, .no_proc_lookup = 1};
        struct engine_state *st = state_new_opts(&o);
        state_begin_event(st, tev_procinfo(&e, 10, 1, "p", "/p", "", "/", 1000), 1, &ctx);
        state_end_event(st, &ctx);
        struct st_proc *p = state_proc(st, 10);
        tt_heap_fail_at(k);
        const char *u = st_user_name(st, p, 1000, NULL, NULL);
        const char *g = st_group_name(st, p, 50);
        int failed = tt_heap_failed();
        tt_heap_fail_at(0);
        if (!failed && !(u && !strcmp(u, "alice") && g && !strcmp(g, "staff")))
            TT_FAILF("allocation %lu: names wrong without a failure", k);
        if (u && strcmp(u, "alice") != 0)
            TT_FAILF("allocation %lu failing: user %s", k, u);
        state_free(st);
        if (tt_heap_live() != before)
            TT_FAILF("allocation %lu failing: %lld bytes leaked", k,
                     (long long)tt_heap_live() - (long long)before);
        if (!failed)
            break;
    }
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    TT_CHECK(system(path) == 0);
}

TT_TEST(container_setters_report_a_failed_allocation)
{
    static const char *const src[] = {"/a", "/b", "/c"};
    static const char *const dst[] = {"/x", "/y", "/z"};
    for (int which = 0; which < 4; which++) {
        for (unsigned long k = 1; k < 64 && !tt_failed_current; k++) {
            size_t before = tt_heap_live();
            struct state_opts o = {.no_proc_lookup = 1};
            struct engine_state *st = state_new_opts(&o);
            TT_CHECK(st != NULL);
            if (!st)
                return;
            tt_heap_fail_at(k);
            int rc = which == 0   ? state_set_container_mounts(st, "0123456789abcdef", src, dst, 3)
                     : which == 1 ? state_set_container_digest(st, "0123456789ab", "sha256:1")
                     : which == 2
                         ? state_set_default_container(st, "0123456789abcdef")
                         : state_set_container_meta(st, "feedfacefeed", "n", NULL, NULL, NULL, 1);
            int failed = tt_heap_failed();
            tt_heap_fail_at(0);
            if (rc != (failed ? -1 : 0))
                TT_FAILF("setter %d, allocation %lu failing: %d, want %d", which, k, rc,
                         failed ? -1 : 0);
            state_free(st);
            if (tt_heap_live() != before)
                TT_FAILF("setter %d, allocation %lu failing: %lld bytes leaked", which, k,
                         (long long)tt_heap_live() - (long long)before);
            if (!failed)
                break;
        }
    }
}
#endif

int main(void)
{
#if !TT_HEAP_AVAILABLE
    (void)tt_run_all;
    printf("SKIP state_memory: the heap is counted by replacing malloc, which ASan (or a static "
           "link's libc.a) owns; the plain build runs these tests\n");
    return 0;
#else
    return tt_run_all();
#endif
}
