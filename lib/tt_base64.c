/* Base64 decoding with libsinsp's rules (see tt_base64.h). */
#include "tt_base64.h"

#include <stdint.h>

static int b64_digit(unsigned char c, unsigned opts)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || (c == '-' && (opts & TT_B64_URL)))
        return 62;
    if (c == '/' || (c == '_' && (opts & TT_B64_URL)))
        return 63;
    return -1;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

ssize_t tt_b64_decode(const char *in, size_t n, char *out, unsigned opts)
{
    /* The end of the data: before at most two '=' (and, with TT_B64_SKIP_SPACE, the white space
     * around them). */
    size_t end = n, pads = 0;
    for (;;) {
        while ((opts & TT_B64_SKIP_SPACE) && end > 0 && is_space((unsigned char)in[end - 1]))
            end--;
        if (end == 0 || in[end - 1] != '=' || pads == 2)
            break;
        end--;
        pads++;
    }
    if (pads && end == 0)
        return -1; /* "=" or "==" alone */
    uint32_t acc = 0;
    size_t o = 0, digits = 0;
    int bits = 0;
    for (size_t i = 0; i < end; i++) {
        unsigned char c = (unsigned char)in[i];
        if ((opts & TT_B64_SKIP_SPACE) && is_space(c))
            continue;
        int d = b64_digit(c, opts);
        if (d < 0)
            return -1;
        digits++;
        acc = (acc << 6) | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    /* A last group of one character carries no byte; the bits left over must be zero. */
    if (digits % 4 == 1 || (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (ssize_t)o;
}
