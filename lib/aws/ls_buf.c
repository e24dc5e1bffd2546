/* Growable byte buffer. */
#include "ls_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ls_buf_reserve(struct ls_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra + 1) {
        if (ncap > ((size_t)-1) / 2)
            return -1;
        ncap *= 2;
    }
    char *np = realloc(b->p, ncap);
    if (!np)
        return -1;
    b->p = np;
    b->cap = ncap;
    b->p[b->len] = '\0';
    return 0;
}

int ls_buf_add(struct ls_buf *b, const void *data, size_t n)
{
    if (ls_buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int ls_buf_adds(struct ls_buf *b, const char *s)
{
    return ls_buf_add(b, s, strlen(s));
}

int ls_buf_addc(struct ls_buf *b, char c)
{
    return ls_buf_add(b, &c, 1);
}

int ls_buf_printf(struct ls_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ls_buf_reserve(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void ls_buf_reset(struct ls_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

void ls_buf_free(struct ls_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void ls_buf_wipe(struct ls_buf *b)
{
    if (b->p)
        explicit_bzero(b->p, b->cap);
    ls_buf_free(b);
}
