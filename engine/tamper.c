/* The engine's own tamper events (see tamper.h). */
#include "tamper.h"

#include <stdarg.h>
#include <stdio.h>

#include "pipeline.h"
#include "tt_event.h"
#include "tt_log.h"
#include "tt_time.h"

void tamper_raise(struct pipeline *pl, const char *technique, const char *target, uint64_t count,
                  const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    tt_warn("tamper (%s, %s): %s", technique, target, reason);
    /* No thread: the engine's findings are about the stream, not about a workload process. */
    uint64_t buf[(sizeof reason + 1024) / sizeof(uint64_t)];
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_TAMPER, tt_wall_ns(), 0, 0);
    tt_evb_str(&b, TT_P_REASON, reason);
    tt_evb_str(&b, TT_P_TECHNIQUE, technique);
    tt_evb_str(&b, TT_P_TARGET, target);
    tt_evb_str(&b, TT_P_ACTION, "observed");
    if (count)
        tt_evb_u64(&b, TT_P_DROPPED, count);
    if (tt_evb_finish(&b, 0))
        pipeline_event(pl, (const struct tt_event *)(const void *)buf);
}
