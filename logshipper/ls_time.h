/* Clocks: wall time for event timestamps and credential expiry, monotonic time for timers. */
#ifndef LS_TIME_H
#define LS_TIME_H
#include <stdint.h>

int64_t ls_wall_ms(void);
int64_t ls_mono_ms(void);

#endif
