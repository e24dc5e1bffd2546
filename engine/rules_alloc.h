/* Allocation in the rules loader and the condition compiler (rules_*.c, cond_*.c, through
 * rules_int.h): malloc, calloc, realloc, strdup and strndup are routed through wrappers that
 * remember any failure on this thread. A few callers can only degrade when an allocation fails
 * (a warning not recorded, a result-cache slot not given); the load as a whole then still fails
 * with "out of memory" (load_all in rules_api.c), so a ruleset never comes out of a load in which
 * an allocation failed. free is not wrapped. */
#ifndef ENGINE_RULES_ALLOC_H
#define ENGINE_RULES_ALLOC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void *rules_malloc(size_t n);
void *rules_calloc(size_t n, size_t m);
void *rules_realloc(void *p, size_t n);
char *rules_strdup(const char *s);
char *rules_strndup(const char *s, size_t n);
/* Records a failure (for allocations made elsewhere, e.g. inside libyaml). */
void rules_alloc_failed_note(void);
/* Whether an allocation failed since the last call, and resets the record. */
int rules_alloc_failed_take(void);

#ifndef RULES_ALLOC_IMPL
#define malloc(n) rules_malloc(n)
#define calloc(n, m) rules_calloc(n, m)
#define realloc(p, n) rules_realloc(p, n)
#define strdup(s) rules_strdup(s)
#define strndup(s, n) rules_strndup(s, n)
#endif

#endif
