/* Appending to a fixed-size text buffer with snprintf's contract, for renderers that build a
 * line piece by piece (output formats, event arguments). Header-only. */
#ifndef TT_STRBUF_H
#define TT_STRBUF_H

#include <stddef.h>
#include <string.h>

/* Appends len bytes of s at offset n of buf (cap bytes in all), truncating and keeping buf
 * NUL-terminated. Returns n + len: the length the whole text needs, as snprintf does, so
 * n >= cap afterwards means it was truncated. */
static inline size_t tt_buf_put(char *buf, size_t cap, size_t n, const char *s, size_t len)
{
    if (n < cap) {
        size_t c = cap - 1 - n < len ? cap - 1 - n : len;
        memcpy(buf + n, s, c);
        buf[n + c] = '\0';
    }
    return n + len;
}

#endif
