/* A counting and failing allocator for unit tests: malloc, calloc, realloc, free, strdup and
 * strndup are interposed (defined here, in the test executable, so the engine's objects and the
 * shared libraries it calls, libyaml and jansson included, all come through them). They forward
 * to glibc's (__libc_malloc...) or, in the ASan build, to ASan's allocator
 * (__interceptor_malloc...), so ASan still checks every block.
 *
 *   tt_alloc_arm();                 count allocations made by this thread from now on
 *   ...; tt_alloc_count();          how many (malloc + calloc + realloc + strdup + strndup)
 *   tt_alloc_live();                blocks allocated since arming and not yet freed (a leak
 *                                   check: balanced code comes back to 0)
 *   tt_alloc_fail_at(k);            the k-th allocation from now on returns NULL (ENOMEM)
 *   tt_alloc_disarm();
 *
 * Only the arming thread is counted (the engine's output thread or libc internals elsewhere do
 * not disturb a single-threaded measurement). The definitions are weak: in a fully static link
 * (make ARCH=arm64, STATIC=1) libc.a's malloc wins, nothing is counted, and tt_alloc_works()
 * says so, for the test to report a SKIP instead of a false PASS.
 *
 * Include in exactly one translation unit of a test. */
#ifndef TT_ALLOC_H
#define TT_ALLOC_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define TT_ALLOC_REAL(f) __interceptor_##f
#include <sanitizer/lsan_interface.h>
/* Around a fail-the-k-th run: its leaks are counted by tt_alloc_live, exactly; LeakSanitizer
 * would report a third-party library's own leak on ENOMEM as ours at exit. */
#define TT_ALLOC_LSAN_OFF() __lsan_disable()
#define TT_ALLOC_LSAN_ON() __lsan_enable()
#else
#define TT_ALLOC_LSAN_OFF() ((void)0)
#define TT_ALLOC_LSAN_ON() ((void)0)
#define TT_ALLOC_REAL(f) __libc_##f
#endif
void *TT_ALLOC_REAL(malloc)(size_t n);
void *TT_ALLOC_REAL(calloc)(size_t n, size_t m);
void *TT_ALLOC_REAL(realloc)(void *p, size_t n);
void TT_ALLOC_REAL(free)(void *p);

/* The compiler assumes malloc touches no program memory, so it could move these counters'
 * reads and writes across a malloc call in the test's own code: each accessor below is a
 * compiler barrier. */
#define TT_ALLOC_BARRIER() __asm__ volatile("" ::: "memory")

static _Thread_local int tt_alloc_armed;
static _Thread_local unsigned long tt_alloc_n;
static _Thread_local unsigned long tt_alloc_fail_k; /* 0: never fail */
static _Thread_local long tt_alloc_live_n;
static _Thread_local void *tt_alloc_fail_caller; /* return address of the failed allocation */

static inline void tt_alloc_arm(void)
{
    TT_ALLOC_BARRIER();
    tt_alloc_n = 0;
    tt_alloc_live_n = 0;
    tt_alloc_fail_k = 0;
    tt_alloc_armed = 1;
    TT_ALLOC_BARRIER();
}

static inline void tt_alloc_disarm(void)
{
    TT_ALLOC_BARRIER();
    if (tt_alloc_fail_k)
        TT_ALLOC_LSAN_ON();
    tt_alloc_armed = 0;
    tt_alloc_fail_k = 0;
}

static inline unsigned long tt_alloc_count(void)
{
    TT_ALLOC_BARRIER();
    return tt_alloc_n;
}

static inline long tt_alloc_live(void)
{
    TT_ALLOC_BARRIER();
    return tt_alloc_live_n;
}

/* Arms and makes the k-th allocation (1-based) fail; tt_alloc_disarm ends it. */
static inline void tt_alloc_fail_at(unsigned long k)
{
    TT_ALLOC_LSAN_OFF();
    tt_alloc_arm();
    tt_alloc_fail_k = k;
    TT_ALLOC_BARRIER();
}

/* Did the k-th allocation set by tt_alloc_fail_at come (were there at least k)? */
static inline int tt_alloc_fail_reached(void)
{
    return tt_alloc_fail_k && tt_alloc_n >= tt_alloc_fail_k;
}

/* 1: counts and fails; 0: the counting allocator is not in use (static link). */
#ifdef TT_ALLOC_TRACE /* debugging a failure: the stack of each failed allocation on stderr */
#include <execinfo.h>
#endif
static inline int tt_alloc_note(void *caller)
{
    if (!tt_alloc_armed)
        return 0;
    tt_alloc_n++;
    int fail = tt_alloc_fail_k && tt_alloc_n == tt_alloc_fail_k;
    if (fail)
        tt_alloc_fail_caller = caller;
#ifdef TT_ALLOC_TRACE
    if (fail) {
        void *bt[16];
        tt_alloc_armed = 0;
        backtrace_symbols_fd(bt, backtrace(bt, 16), 2);
        tt_alloc_armed = 1;
    }
#endif
    return fail;
}

static inline void *tt_alloc_born(void *p)
{
    if (p && tt_alloc_armed)
        tt_alloc_live_n++;
    return p;
}

__attribute__((weak)) void *malloc(size_t n)
{
    if (tt_alloc_note(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return tt_alloc_born(TT_ALLOC_REAL(malloc)(n));
}

__attribute__((weak)) void *calloc(size_t n, size_t m)
{
    if (tt_alloc_note(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return tt_alloc_born(TT_ALLOC_REAL(calloc)(n, m));
}

__attribute__((weak)) void *realloc(void *p, size_t n)
{
    if (tt_alloc_note(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    void *q = TT_ALLOC_REAL(realloc)(p, n);
    if (!p)
        tt_alloc_born(q);
    return q;
}

__attribute__((weak)) void free(void *p)
{
    if (p && tt_alloc_armed)
        tt_alloc_live_n--;
    TT_ALLOC_REAL(free)(p);
}

/* glibc's and ASan's strdup do not go through malloc's symbol: count them here. */
__attribute__((weak)) char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

__attribute__((weak)) char *strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* The shared object whose code made the failed allocation ("" for the test executable itself:
 * the engine's objects are linked into it), for telling a third-party library's own leak on
 * ENOMEM from ours. */
#include <dlfcn.h>
static inline const char *tt_alloc_fail_object(void)
{
    Dl_info di;
    if (!tt_alloc_fail_caller || !dladdr(tt_alloc_fail_caller, &di) || !di.dli_fname)
        return "?";
    const char *slash = strrchr(di.dli_fname, '/');
    const char *base = slash ? slash + 1 : di.dli_fname;
    return strncmp(base, "lib", 3) == 0 ? base : "";
}

static inline int tt_alloc_works(void)
{
    tt_alloc_arm();
    void *volatile p = malloc(24);
    unsigned long n = tt_alloc_count();
    tt_alloc_disarm();
    free(p);
    return n == 1;
}

#endif
