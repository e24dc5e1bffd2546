/* The launcher's supervision loop: start, forward, reap, restart, shut down in order. */
#ifndef LAUNCHER_SUPERVISE_H
#define LAUNCHER_SUPERVISE_H

#include "args.h"

#define LAUNCHER_BACKOFF_MIN_MS 1000LL  /* first restart delay */
#define LAUNCHER_BACKOFF_MAX_MS 30000LL /* the delay doubles up to this */
/* A background command that ran at least this long starts again from the first delay. */
#define LAUNCHER_BACKOFF_RESET_MS 30000LL
/* After SIGKILL, how long to wait for the last processes before exiting anyway. */
#define LAUNCHER_KILL_WAIT_MS 5000LL

/* Next restart delay after one of `delay_ms`: doubled, capped at LAUNCHER_BACKOFF_MAX_MS. */
long long launcher_next_backoff(long long delay_ms);

/* Runs the commands of cfg until the foreground exits and the rest is shut down.
 * Returns the launcher's exit status. */
int launcher_run(const struct launcher_config *cfg);

#endif
