/* libFuzzer target: untrusted event records (the ring is shared with the workload's container)
 * through the state tables, every registered field (filter and output modes) and evt.args.
 * Input: records back to back; each is validated with tt_event_validate first, as the engine
 * does. Small table caps make the eviction paths reachable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "state.h"
#include "tt_event.h"

static struct eval_ctx ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct state_opts o = {
        .max_threads = 64, .max_fds = 256, .no_proc_lookup = 1, .host_root = "/nonexistent"};
    struct engine_state *st = state_new_opts(&o);
    if (!st)
        return 0;
    static uint8_t rec[TT_EVENT_MAX_LEN] __attribute__((aligned(8)));
    size_t off = 0;
    uint64_t n = 0;
    while (off + sizeof(struct tt_event) <= size && n < 256) {
        uint32_t len;
        memcpy(&len, data + off, sizeof len);
        if (len < sizeof(struct tt_event) || len > size - off || len > sizeof rec)
            break;
        memcpy(rec, data + off, len);
        off += len;
        if (tt_event_validate(rec, len) != 0)
            continue;
        const struct tt_event *ev = (const struct tt_event *)(const void *)rec;
        state_begin_event(st, ev, ++n, &ctx);
        for (size_t i = 0; i < fld_count(); i++) {
            const struct fld_info *fi = fld_at(i);
            struct fld_ref ref;
            char err[128];
            const char *arg = NULL;
            if (fi->flags & FF_ARG_INDEX)
                arg = (n & 1) ? "1" : "3";
            else if (fi->flags & FF_ARG_KEY)
                arg = "PATH";
            char name[96];
            snprintf(name, sizeof name, "%s%s", fi->name,
                     (fi->flags & FF_DOTTED_ARG) ? (n & 1 ? ".flags" : ".fd") : "");
            if (fld_resolve(name, (fi->flags & FF_DOTTED_ARG) ? NULL : arg, &ref, err,
                            sizeof err) != 0)
                continue;
            struct fld_value v[16];
            char txt[512];
            int k = fld_extract(&ref, &ctx, FX_FILTER, v, 16);
            for (int j = 0; j < k && j < 16; j++)
                fld_value_to_text(&v[j], txt, sizeof txt);
            if (fld_extract(&ref, &ctx, FX_OUTPUT, v, 1) > 0)
                fld_value_to_json(&v[0], txt, sizeof txt);
        }
        state_end_event(st, &ctx);
    }
    state_free(st);
    return 0;
}
