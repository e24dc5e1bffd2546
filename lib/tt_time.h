/* Clock helpers shared by the programs: nanoseconds or milliseconds of CLOCK_MONOTONIC (timers,
 * durations), CLOCK_MONOTONIC_COARSE (cheap, jiffy resolution, for per-event housekeeping) and
 * CLOCK_REALTIME (timestamps). Header-only, so the musl build of launcher/waitforever and the
 * glibc programs use it alike. clock_gettime cannot fail for these clocks on Linux; should it
 * anyway, the time reads as 0. */
#ifndef TT_TIME_H
#define TT_TIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t tt_clock_ns(clockid_t clk)
{
    struct timespec ts;
    if (clock_gettime(clk, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t tt_mono_ns(void)
{
    return tt_clock_ns(CLOCK_MONOTONIC);
}

static inline uint64_t tt_coarse_ns(void)
{
    return tt_clock_ns(CLOCK_MONOTONIC_COARSE);
}

static inline uint64_t tt_wall_ns(void)
{
    return tt_clock_ns(CLOCK_REALTIME);
}

static inline int64_t tt_mono_ms(void)
{
    return (int64_t)(tt_mono_ns() / 1000000u);
}

static inline int64_t tt_wall_ms(void)
{
    return (int64_t)(tt_wall_ns() / 1000000u);
}

#endif
