/* Shared by the ring test helpers (ring_produce, ring_consume): they are built as single files
 * without libtartan, so they compile the library sources in directly; and the test record. */
#ifndef RING_COMMON_H
#define RING_COMMON_H

#include "../../lib/tt_capture.c"
#include "../../lib/tt_event.c"
#include "../../lib/tt_log.c"
#include "../../lib/tt_ring.c"

#include <stdint.h>
#include <stdlib.h>

/* Test record number seq: an openat by tid 1000+seq%7 with fd=seq and name
 * "/tmp/ring-test/<seq>" followed by namelen x's. */
static size_t ring_test_record(uint8_t *buf, size_t cap, uint64_t seq, size_t namelen)
{
    char name[4096];
    int n = snprintf(name, sizeof name, "/tmp/ring-test/%llu", (unsigned long long)seq);
    for (size_t k = 0; k < namelen && (size_t)n + 1 < sizeof name; k++)
        name[n++] = 'x';
    name[n] = 0;
    struct tt_evb b;
    tt_evb_begin(&b, buf, cap, TT_EV_OPENAT, 1700000000000000000ull + seq * 1000u,
                 (int32_t)(1000 + seq % 7), 1000);
    tt_evb_i64(&b, TT_P_DIRFD, -100);
    tt_evb_str(&b, TT_P_NAME, name);
    tt_evb_u64(&b, TT_P_FLAGS, 0x241);
    tt_evb_i64(&b, TT_P_FD, (int64_t)seq);
    return tt_evb_finish(&b, (int64_t)(seq % 1000));
}

static int ring_parse_key_or_die(const char *s)
{
    int key;
    if (tt_ring_parse_key(s, &key) != 0) {
        fprintf(stderr, "bad key %s\n", s);
        exit(2);
    }
    return key;
}

#endif
