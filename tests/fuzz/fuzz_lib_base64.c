/* libFuzzer: lib/tt_base64 on arbitrary input (a workload chooses the strings b64() decodes),
 * with every option, into an exact-size heap buffer so a write past tt_b64_decoded_max is
 * caught by ASan. Checks what the rules promise: decoding in place gives the same result, and
 * a valid strict input decodes the same with the widening options. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tt_base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t cap = tt_b64_decoded_max(size);
    char *a = malloc(cap ? cap : 1), *b = malloc(cap ? cap : 1), *inplace = malloc(size ? size : 1);
    if (!a || !b || !inplace)
        goto out;
    ssize_t strict = tt_b64_decode(in, size, a, TT_B64_STRICT);
    if (strict > (ssize_t)cap)
        abort();
    ssize_t wide = tt_b64_decode(in, size, b, TT_B64_SKIP_SPACE | TT_B64_URL);
    if (wide > (ssize_t)cap)
        abort();
    if (strict >= 0 && (wide != strict || memcmp(a, b, (size_t)strict) != 0))
        abort(); /* the options only widen what is accepted */
    memcpy(inplace, data, size);
    ssize_t same = tt_b64_decode(inplace, size, inplace, TT_B64_STRICT);
    if (same != strict || (strict > 0 && memcmp(inplace, a, (size_t)strict) != 0))
        abort();
    /* A prefix again into a stack buffer of exactly the promised room: ASan's stack redzones
     * catch an overrun where callers decode into fixed arrays. */
    enum { PREFIX = 64 };
    char small[PREFIX / 4 * 3 + 2];
    size_t n = size < PREFIX ? size : PREFIX;
    ssize_t got = tt_b64_decode(in, n, small, TT_B64_SKIP_SPACE | TT_B64_URL);
    if (got > (ssize_t)tt_b64_decoded_max(n))
        abort();
out:
    free(a);
    free(b);
    free(inplace);
    return 0;
}
