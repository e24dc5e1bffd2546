/* libFuzzer: the line reader and line -> event conversion with a small limit, fed in
 * pieces whose sizes come from the input. Checks the size and UTF-8 invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ls_event.h"
#include "ls_reader.h"
#include "ls_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t limit = 64 + data[0] * 4, step = 1 + data[1];
    data += 2;
    size -= 2;
    struct ls_reader r;
    if (ls_reader_init(&r, -1, limit) < 0)
        return 0;
    size_t off = 0;
    struct ls_line l;
    for (;;) {
        int rc;
        while ((rc = ls_reader_next(&r, &l)) == 1) {
            if (l.len > limit || l.len > l.total)
                abort();
            struct ls_event *e = ls_event_from_line(l.data, l.len, l.total, limit, 0, NULL);
            if (e) {
                if (e->len > limit)
                    abort();
                for (size_t i = 0; i < e->len;) {
                    size_t k = ls_utf8_seq_len((const unsigned char *)e->msg + i, e->len - i);
                    if (!k)
                        abort();
                    i += k;
                }
                free(e);
            }
        }
        if (rc < 0)
            break;
        if (off < size)
            off += ls_reader_feed(&r, data + off, size - off < step ? size - off : step);
        else
            ls_reader_set_eof(&r);
    }
    ls_reader_free(&r);
    return 0;
}
