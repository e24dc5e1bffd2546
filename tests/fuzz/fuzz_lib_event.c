/* libFuzzer: tt_event_validate on random bytes, and for records it accepts, everything a
 * consumer does next (parameter walk and lookups, text rendering with a small and a large
 * buffer). Checks that rendering stays inside the buffer and that the walk stays inside the
 * record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tt_event.h"

static uint64_t aligned[TT_EVENT_MAX_LEN / 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > sizeof aligned)
        size = sizeof aligned;
    /* An exact-size heap copy, so reading past the record is caught by ASan. */
    uint8_t *rec = malloc(size ? size : 1);
    if (!rec)
        return 0;
    memcpy(rec, data, size);
    memcpy(aligned, data, size);
    if (tt_event_validate(rec, size) == 0) {
        const struct tt_event *ev = (const void *)aligned;
        if (ev->len > size || ev->len < sizeof *ev || (ev->len & 7u))
            abort();
        size_t pos = 0;
        struct tt_param_view v;
        unsigned n = 0;
        while (tt_event_next_param(ev, &pos, &v)) {
            if (v.data < (const uint8_t *)ev || v.data + v.len > (const uint8_t *)ev + ev->len)
                abort();
            if (++n > ev->nparams)
                abort();
        }
        int64_t i64;
        uint64_t u64;
        tt_event_get_i64(ev, TT_P_FD, &i64);
        tt_event_get_u64(ev, TT_P_FLAGS, &u64);
        tt_event_param(ev, TT_P_ADDR, &v);
        /* Render from the exact-size copy too. */
        char small[16], *big = malloc(1u << 20);
        int len = tt_event_format((const void *)rec, small, sizeof small);
        if (len < 0 || strlen(small) >= sizeof small)
            abort();
        if (big) {
            int len2 = tt_event_format(ev, big, 1u << 20);
            if (len2 != len || (len2 < (1 << 20) && strlen(big) != (size_t)len2))
                abort();
            free(big);
        }
    }
    struct tt_stream_hdr h;
    char why[128];
    if (size >= sizeof h) {
        memcpy(&h, data, sizeof h);
        tt_stream_hdr_check(&h, why, sizeof why);
    }
    free(rec);
    return 0;
}
