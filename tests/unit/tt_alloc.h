/* Heap accounting and allocation failures for unit tests (plain build only: under ASan the
 * sanitizer owns malloc, and TT_ALLOC_AVAILABLE is 0).
 *
 * Defines malloc, calloc, realloc and free on top of glibc's __libc_* functions, so every heap
 * allocation of the test binary (libraries included) goes through it:
 *   tt_alloc_live()        bytes currently allocated (as requested, not rounded)
 *   tt_alloc_fail_at(n)    the n-th allocation from now fails (0: none), then all succeed
 *   tt_alloc_failed()      whether the armed failure happened
 * Include it in exactly one test file, which then must not use other allocators' free. */
#ifndef TT_ALLOC_H
#define TT_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define TT_ALLOC_AVAILABLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TT_ALLOC_AVAILABLE 0
#endif
#endif
#ifndef TT_ALLOC_AVAILABLE
#define TT_ALLOC_AVAILABLE 1
#endif

#if TT_ALLOC_AVAILABLE
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

/* Sizes of live allocations: open addressing on the pointer. */
#define TT_ALLOC_SLOTS (1u << 20)
static struct {
    uintptr_t p;
    size_t n;
} tt_alloc_tab[TT_ALLOC_SLOTS];
static size_t tt_alloc_bytes;
static unsigned long tt_alloc_countdown; /* 0: no failure armed */
static int tt_alloc_did_fail;

static size_t tt_alloc_slot(uintptr_t p)
{
    size_t h = (size_t)((p >> 4) * 0x9E3779B97F4A7C15ull) & (TT_ALLOC_SLOTS - 1);
    while (tt_alloc_tab[h].p && tt_alloc_tab[h].p != p)
        h = (h + 1) & (TT_ALLOC_SLOTS - 1);
    return h;
}

static void tt_alloc_note(void *p, size_t n)
{
    if (!p)
        return;
    size_t h = tt_alloc_slot((uintptr_t)p);
    tt_alloc_tab[h].p = (uintptr_t)p;
    tt_alloc_tab[h].n = n;
    tt_alloc_bytes += n;
}

static void tt_alloc_forget(void *p)
{
    if (!p)
        return;
    size_t h = tt_alloc_slot((uintptr_t)p);
    if (!tt_alloc_tab[h].p)
        return; /* allocated by another allocator (memalign...) */
    tt_alloc_bytes -= tt_alloc_tab[h].n;
    tt_alloc_tab[h].p = 0;
    /* re-insert the run that follows (deletion in linear probing) */
    for (size_t j = (h + 1) & (TT_ALLOC_SLOTS - 1); tt_alloc_tab[j].p;
         j = (j + 1) & (TT_ALLOC_SLOTS - 1)) {
        uintptr_t q = tt_alloc_tab[j].p;
        size_t n = tt_alloc_tab[j].n;
        tt_alloc_tab[j].p = 0;
        size_t k = tt_alloc_slot(q);
        tt_alloc_tab[k].p = q;
        tt_alloc_tab[k].n = n;
    }
}

static int tt_alloc_should_fail(void)
{
    if (tt_alloc_countdown && --tt_alloc_countdown == 0) {
        tt_alloc_did_fail = 1;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    if (tt_alloc_should_fail())
        return NULL;
    void *p = __libc_malloc(n);
    tt_alloc_note(p, n);
    return p;
}

void *calloc(size_t n, size_t m)
{
    if (tt_alloc_should_fail())
        return NULL;
    void *p = __libc_calloc(n, m);
    tt_alloc_note(p, n * m);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (tt_alloc_should_fail())
        return NULL;
    void *q = __libc_realloc(p, n);
    if (q || !n) {
        tt_alloc_forget(p);
        tt_alloc_note(q, n);
    }
    return q;
}

void free(void *p)
{
    tt_alloc_forget(p);
    __libc_free(p);
}

static inline size_t tt_alloc_live(void)
{
    return tt_alloc_bytes;
}

static inline void tt_alloc_fail_at(unsigned long n)
{
    tt_alloc_countdown = n;
    tt_alloc_did_fail = 0;
}

static inline int tt_alloc_failed(void)
{
    return tt_alloc_did_fail;
}
#endif

#endif
