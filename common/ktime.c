/* ktime.c: clock_gettime wrappers. */
#include "ktime.h"

#include <time.h>

static int64_t ktime_read(clockid_t clk, int64_t div_ns)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec) / div_ns;
}

int64_t ktime_mono_ms(void)
{
    return ktime_read(CLOCK_MONOTONIC, 1000000);
}
int64_t ktime_mono_us(void)
{
    return ktime_read(CLOCK_MONOTONIC, 1000);
}
int64_t ktime_wall_ms(void)
{
    return ktime_read(CLOCK_REALTIME, 1000000);
}
