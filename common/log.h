/* log.h: leveled logging to stderr, Kafka-like lines:
 *   [2026-11-24 12:00:00,123] INFO [broker 1] message (module)
 * Logs name the operation, the object and the cause (DESIGN.md 13.7).
 * Any thread (one write(2) per line). */
#ifndef LOG_H
#define LOG_H

typedef enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Threshold; lines below it are dropped. Default LOG_INFO (KAFKA_LOG_LEVEL=debug lowers it). */
void log_set_level(log_level_t lvl);
/* Prefix shown in every line, e.g. "broker 1". Copied. */
void log_set_ident(const char *ident);
void log_write(log_level_t lvl, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(mod, ...) log_write(LOG_DEBUG, mod, __VA_ARGS__)
#define log_info(mod, ...)  log_write(LOG_INFO, mod, __VA_ARGS__)
#define log_warn(mod, ...)  log_write(LOG_WARN, mod, __VA_ARGS__)
#define log_error(mod, ...) log_write(LOG_ERROR, mod, __VA_ARGS__)

#endif
