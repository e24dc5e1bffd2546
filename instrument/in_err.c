/* Error collection. */
#include "in_err.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void in_errf(struct in_errs *e, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **v = realloc(e->v, (e->n + 1) * sizeof *v);
    if (!v)
        return;
    e->v = v;
    e->v[e->n] = strdup(buf);
    if (e->v[e->n])
        e->n++;
}

void in_errs_print(const struct in_errs *e, FILE *f)
{
    for (size_t i = 0; i < e->n; i++)
        fprintf(f, "instrument: error: %s\n", e->v[i]);
}

char *in_errs_join(const struct in_errs *e)
{
    size_t n = 1;
    for (size_t i = 0; i < e->n; i++)
        n += strlen(e->v[i]) + 2;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < e->n; i++)
        p += sprintf(p, "%s%s", i ? "; " : "", e->v[i]);
    return s;
}

void in_errs_free(struct in_errs *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    free(e->v);
    e->v = NULL;
    e->n = 0;
}
