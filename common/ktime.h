/* ktime.h: clocks. Monotonic for deadlines and timers, wall clock for record timestamps.
 * Any thread. (Named ktime to avoid clashing with the system <time.h>.) */
#ifndef KTIME_H
#define KTIME_H

#include <stdint.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC). */
int64_t ktime_mono_ms(void);
/* Monotonic microseconds. */
int64_t ktime_mono_us(void);
/* Wall-clock milliseconds since the epoch (CLOCK_REALTIME). */
int64_t ktime_wall_ms(void);

#endif
