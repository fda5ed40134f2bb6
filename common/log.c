/* log.c: one formatted line per call, written with a single write(2) so lines from
 * different threads never interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static log_level_t log_level = LOG_INFO;
static char log_ident[64] = "kafka";
static const char *const log_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_set_level(log_level_t lvl)
{
    log_level = lvl;
}

void log_set_ident(const char *ident)
{
    snprintf(log_ident, sizeof(log_ident), "%s", ident);
}

void log_write(log_level_t lvl, const char *module, const char *fmt, ...)
{
    if (lvl < log_level) return;
    char line[2048];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "[%04d-%02d-%02d %02d:%02d:%02d,%03d] %s [%s] ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(tv.tv_usec / 1000), log_names[lvl], log_ident);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 64) n = (int)sizeof(line) - 64;
    n += snprintf(line + n, sizeof(line) - (size_t)n, " (%s)\n", module);
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
