/* Base64 decoding, one set of rules for every decoder in Tartan: libsinsp's, as Falco's `b64()`
 * transformer applies it (Base64::decodeWithoutPadding in falcosecurity/libs):
 *   - the standard alphabet (A-Z a-z 0-9 + /);
 *   - padding is optional: at most two '=' at the very end, none anywhere else;
 *   - a last group of 1 character is refused, and the unused low bits of a last group of 2 or 3
 *     characters must be zero (so every decoded text has exactly one encoding);
 *   - anything else (a space, a newline, another character) makes the whole input invalid.
 * Options widen the input for configuration carried in environment variables, where a
 * line-wrapped `base64` output or the URL-safe alphabet is common; they never change how a
 * valid standard input decodes. */
#ifndef TT_BASE64_H
#define TT_BASE64_H

#include <stddef.h>
#include <sys/types.h>

enum tt_b64_opts {
    TT_B64_STRICT = 0,
    TT_B64_SKIP_SPACE = 1u << 0, /* white space anywhere is ignored */
    TT_B64_URL = 1u << 1,        /* '-' and '_' are accepted for '+' and '/' */
};

/* Bytes that decoding n input characters can produce at most. */
static inline size_t tt_b64_decoded_max(size_t n)
{
    return n / 4 * 3 + 2;
}

/* Decodes in[0..n) into out (room for tt_b64_decoded_max(n) bytes; out may be in itself: the
 * output never overtakes the input). Returns the decoded length, or -1 when the input is not
 * base64 under these rules (out's content is then unspecified). */
ssize_t tt_b64_decode(const char *in, size_t n, char *out, unsigned opts);

#endif
