/* Clock helpers shared by the programs: nanoseconds or milliseconds of CLOCK_MONOTONIC (timers,
 * durations, deadlines), CLOCK_MONOTONIC_COARSE (cheap, jiffy resolution, for per-event
 * housekeeping), CLOCK_REALTIME (timestamps) and CLOCK_BOOTTIME; absolute deadlines and
 * condition variables on CLOCK_MONOTONIC, so that a wall-clock step (NTP, an operator's date -s)
 * never cuts a wait short or stretches it. Header-only, so the musl build of
 * launcher/waitforever and the glibc programs use it alike. clock_gettime cannot fail for these
 * clocks on Linux; should it anyway, the time reads as 0. */
#ifndef TT_TIME_H
#define TT_TIME_H

#include <pthread.h>
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

static inline uint64_t tt_boot_ns(void)
{
    return tt_clock_ns(CLOCK_BOOTTIME);
}

static inline int64_t tt_mono_ms(void)
{
    return (int64_t)(tt_mono_ns() / 1000000u);
}

static inline int64_t tt_wall_ms(void)
{
    return (int64_t)(tt_wall_ns() / 1000000u);
}

/* The clock every timed wait uses (tt_cond_init_monotonic, tt_deadline_ms). */
#define TT_WAIT_CLOCK CLOCK_MONOTONIC

/* The absolute time ms milliseconds from now on TT_WAIT_CLOCK, for pthread_cond_timedwait on a
 * condition variable made by tt_cond_init_monotonic. */
static inline struct timespec tt_deadline_ms(int64_t ms)
{
    uint64_t t = tt_clock_ns(TT_WAIT_CLOCK) + (uint64_t)(ms > 0 ? ms : 0) * 1000000u;
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u)};
    return ts;
}

/* pthread_cond_init with TT_WAIT_CLOCK. 0 or an errno value. */
static inline int tt_cond_init_monotonic(pthread_cond_t *c)
{
    pthread_condattr_t a;
    int rc = pthread_condattr_init(&a);
    if (rc)
        return rc;
    rc = pthread_condattr_setclock(&a, TT_WAIT_CLOCK);
    if (!rc)
        rc = pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
    return rc;
}

#endif
