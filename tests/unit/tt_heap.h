/* Heap accounting and allocation failures for unit tests (plain build only: under ASan the
 * sanitizer owns malloc, in a fully static link libc.a does, and TT_HEAP_AVAILABLE is 0).
 *
 * Defines malloc, calloc, realloc and free on top of glibc's __libc_* functions, so every heap
 * allocation of the test binary (libraries included) goes through it:
 *   tt_heap_live()        bytes currently allocated (as requested, not rounded)
 *   tt_heap_fail_at(n)    the n-th allocation from now fails (0: none), then all succeed
 *   tt_heap_failed()      whether the armed failure happened
 * Include it in exactly one test file, which then must not use other allocators' free. Unlike
 * tt_alloc.h (allocation counts, any build), it counts bytes, which state_stats reports. */
#ifndef TT_HEAP_H
#define TT_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) || defined(TT_STATIC_LINK)
#define TT_HEAP_AVAILABLE                                                                          \
    0 /* ASan's malloc, or libc.a's in a fully static link (make ARCH=arm64) */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TT_HEAP_AVAILABLE 0
#endif
#endif
#ifndef TT_HEAP_AVAILABLE
#define TT_HEAP_AVAILABLE 1
#endif

#if TT_HEAP_AVAILABLE
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

/* Sizes of live allocations: open addressing on the pointer. */
#define TT_HEAP_SLOTS (1u << 20)
static struct {
    uintptr_t p;
    size_t n;
} tt_heap_tab[TT_HEAP_SLOTS];
static size_t tt_heap_bytes;
static unsigned long tt_heap_countdown; /* 0: no failure armed */
static int tt_heap_did_fail;

static size_t tt_heap_slot(uintptr_t p)
{
    size_t h = (size_t)((p >> 4) * 0x9E3779B97F4A7C15ull) & (TT_HEAP_SLOTS - 1);
    while (tt_heap_tab[h].p && tt_heap_tab[h].p != p)
        h = (h + 1) & (TT_HEAP_SLOTS - 1);
    return h;
}

static void tt_heap_note(void *p, size_t n)
{
    if (!p)
        return;
    size_t h = tt_heap_slot((uintptr_t)p);
    tt_heap_tab[h].p = (uintptr_t)p;
    tt_heap_tab[h].n = n;
    tt_heap_bytes += n;
}

static void tt_heap_forget(void *p)
{
    if (!p)
        return;
    size_t h = tt_heap_slot((uintptr_t)p);
    if (!tt_heap_tab[h].p)
        return; /* allocated by another allocator (memalign...) */
    tt_heap_bytes -= tt_heap_tab[h].n;
    tt_heap_tab[h].p = 0;
    /* re-insert the run that follows (deletion in linear probing) */
    for (size_t j = (h + 1) & (TT_HEAP_SLOTS - 1); tt_heap_tab[j].p;
         j = (j + 1) & (TT_HEAP_SLOTS - 1)) {
        uintptr_t q = tt_heap_tab[j].p;
        size_t n = tt_heap_tab[j].n;
        tt_heap_tab[j].p = 0;
        size_t k = tt_heap_slot(q);
        tt_heap_tab[k].p = q;
        tt_heap_tab[k].n = n;
    }
}

static int tt_heap_should_fail(void)
{
    if (tt_heap_countdown && --tt_heap_countdown == 0) {
        tt_heap_did_fail = 1;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    if (tt_heap_should_fail())
        return NULL;
    void *p = __libc_malloc(n);
    tt_heap_note(p, n);
    return p;
}

void *calloc(size_t n, size_t m)
{
    if (tt_heap_should_fail())
        return NULL;
    void *p = __libc_calloc(n, m);
    tt_heap_note(p, n * m);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (tt_heap_should_fail())
        return NULL;
    void *q = __libc_realloc(p, n);
    if (q || !n) {
        tt_heap_forget(p);
        tt_heap_note(q, n);
    }
    return q;
}

void free(void *p)
{
    tt_heap_forget(p);
    __libc_free(p);
}

static inline size_t tt_heap_live(void)
{
    return tt_heap_bytes;
}

static inline void tt_heap_fail_at(unsigned long n)
{
    tt_heap_countdown = n;
    tt_heap_did_fail = 0;
}

static inline int tt_heap_failed(void)
{
    return tt_heap_did_fail;
}
#endif

#endif
