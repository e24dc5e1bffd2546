/* UTF-8 repair: invalid sequences become U+FFFD, output bounded without splitting a character. */
#ifndef LS_UTF8_H
#define LS_UTF8_H
#include <stddef.h>

/* Copy in[0..n) to out (capacity cap), replacing each byte that does not start a valid UTF-8
 * sequence (RFC 3629: no overlongs, no surrogates, at most U+10FFFF) by U+FFFD. Stops before a
 * character that would not fit. Returns bytes written; *consumed gets input bytes used. */
size_t ls_utf8_sanitize(const char *in, size_t n, char *out, size_t cap, size_t *consumed);

/* Length of the valid sequence at s (1..4), or 0 if s[0..n) does not start one. */
size_t ls_utf8_seq_len(const unsigned char *s, size_t n);

#endif
