/* The rules loader's allocation wrappers (rules_alloc.h): the C library's functions, plus a
 * per-thread record of any failure. */
#define RULES_ALLOC_IMPL
#include "rules_alloc.h"

static _Thread_local int failed;

static void *noted(void *p)
{
    if (!p)
        failed = 1;
    return p;
}

void *rules_malloc(size_t n)
{
    return noted(malloc(n));
}

void *rules_calloc(size_t n, size_t m)
{
    return noted(calloc(n, m));
}

void *rules_realloc(void *p, size_t n)
{
    /* realloc(p, 0) may return NULL without failing; the loader never asks for 0 bytes */
    return noted(realloc(p, n));
}

char *rules_strdup(const char *s)
{
    return noted(strdup(s));
}

char *rules_strndup(const char *s, size_t n)
{
    return noted(strndup(s, n));
}

void rules_alloc_failed_note(void)
{
    failed = 1;
}

int rules_alloc_failed_take(void)
{
    int f = failed;
    failed = 0;
    return f;
}
