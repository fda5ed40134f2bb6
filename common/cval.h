/* cval.h: the one validator of config values, shared by the broker config table (cfg.c) and
 * the topic config table (tcfg.c). A key's spec gives its type (Kafka's ConfigDef types), a
 * numeric range and, for enumerated strings and lists, the allowed words; a bad value gets
 * Kafka's message naming the value and the key:
 *   "Invalid value <v> for configuration <key>: <why>"
 * Pure functions. Any thread. */
#ifndef CVAL_H
#define CVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

typedef enum cfg_type {
    CFG_BOOLEAN = 1, /* numbering as Kafka's DescribeConfigs config_type */
    CFG_STRING = 2,
    CFG_INT = 3,
    CFG_SHORT = 4,
    CFG_LONG = 5,
    CFG_DOUBLE = 6,
    CFG_LIST = 7,
    CFG_CLASS = 8,
    CFG_PASSWORD = 9,
} cfg_type_t;

#define CVAL_NOMIN INT64_MIN
#define CVAL_NOMAX INT64_MAX

typedef struct cval_spec {
    const char *key;
    cfg_type_t type;
    int64_t min, max;   /* INT, SHORT, LONG, DOUBLE: the range (CVAL_NOMIN/NOMAX: open) */
    const char *one_of; /* "a|b|c" (case-insensitive): STRING the value, LIST each element;
                           NULL: anything */
} cval_spec_t;

/* KERR_NONE, or KERR__INVAL with the message in err. */
kerr_t cval_check(const cval_spec_t *s, const char *value, char *err, size_t n);
/* A decimal integer, surrounding spaces allowed (Kafka trims); false when it is not one or
 * does not fit in 64 bits. */
bool cval_parse_long(const char *s, int64_t *out);

#endif
