/* UTF-8 validation and repair. */
#include "ls_utf8.h"

#include <string.h>

size_t ls_utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0; /* continuation byte, overlong 2-byte lead, or beyond U+10FFFF */
    if (c < 0xE0) {
        return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    }
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
        return 0;
    if (c == 0xF0 && s[1] < 0x90)
        return 0; /* overlong */
    if (c == 0xF4 && s[1] >= 0x90)
        return 0; /* > U+10FFFF */
    return 4;
}

size_t ls_utf8_sanitize(const char *in, size_t n, char *out, size_t cap, size_t *consumed)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, w = 0;
    while (i < n) {
        /* ASCII run fast path. */
        size_t j = i;
        while (j < n && s[j] < 0x80)
            j++;
        if (j > i) {
            size_t run = j - i;
            if (run > cap - w)
                run = cap - w;
            memcpy(out + w, s + i, run);
            w += run;
            i += run;
            if (i < j)
                break; /* out of room */
            continue;
        }
        size_t l = ls_utf8_seq_len(s + i, n - i);
        if (l) {
            if (l > cap - w)
                break;
            memcpy(out + w, s + i, l);
            w += l;
            i += l;
        } else {
            if (3 > cap - w)
                break;
            out[w++] = (char)0xEF;
            out[w++] = (char)0xBF;
            out[w++] = (char)0xBD;
            i++;
        }
    }
    if (consumed)
        *consumed = i;
    return w;
}
