/* jdbc.h: what the PostgreSQL sink (jdbc_sink.c) and source (jdbc_source.c) share: the
 * connection keys, and the text forms of Connect's logical types as PostgreSQL reads and
 * writes them in a UTC session (pg.h sets TimeZone=UTC, DateStyle=ISO).
 * Any thread (pure functions). */
#ifndef JDBC_H
#define JDBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connector.h"

/* The connection.* definitions, shared by both connectors' config tables. */
#define JDBC_CONNECTION_DEFS                                                                       \
    {.name = "connection.url",                                                                     \
     .type = KC_CFG_STRING,                                                                        \
     .required = true,                                                                             \
     .importance = KC_IMP_HIGH,                                                                    \
     .doc = "JDBC connection URL: jdbc:postgresql://host:port/db",                                 \
     .validator = kc_valid_non_empty,                                                              \
     .group = "Connection"},                                                                       \
        {.name = "connection.user",                                                                \
         .type = KC_CFG_STRING,                                                                    \
         .importance = KC_IMP_HIGH,                                                                \
         .doc = "JDBC connection user.",                                                           \
         .group = "Connection"},                                                                   \
        {.name = "connection.password",                                                            \
         .type = KC_CFG_PASSWORD,                                                                  \
         .importance = KC_IMP_HIGH,                                                                \
         .doc = "JDBC connection password.",                                                       \
         .group = "Connection"},                                                                   \
        {.name = "connection.attempts",                                                            \
         .type = KC_CFG_INT,                                                                       \
         .default_value = "3",                                                                     \
         .importance = KC_IMP_LOW,                                                                 \
         .doc = "Maximum number of attempts to retrieve a valid JDBC "                             \
                "connection.",                                                                     \
         .validator = kc_valid_at_least,                                                           \
         .valid_arg = "1",                                                                         \
         .group = "Connection"},                                                                   \
    {                                                                                              \
        .name = "connection.backoff.ms", .type = KC_CFG_LONG, .default_value = "10000",            \
        .importance = KC_IMP_LOW,                                                                  \
        .doc = "Backoff time in milliseconds between connection "                                  \
               "attempts.",                                                                        \
        .group = "Connection"                                                                      \
    }

/* Connect's Date (days since the epoch), Time (ms since midnight) and Timestamp (epoch ms) as
 * text: "2024-03-05", "06:07:08.009", "2024-03-05 06:07:08.009+00" (the zone makes it right for
 * both timestamp and timestamptz columns). buf needs 40 bytes. */
void jdbc_fmt_date(char *buf, size_t cap, int64_t days);
void jdbc_fmt_time(char *buf, size_t cap, int64_t ms);
void jdbc_fmt_timestamp(char *buf, size_t cap, int64_t ms);

/* The inverse, from PostgreSQL's ISO output ("2024-03-05", "06:07:08.123456",
 * "2024-03-05 06:07:08.123456[+00]", BC dates and infinity are rejected). Sub-millisecond
 * digits are truncated, as the JDBC connector's java.sql.Timestamp -> Connect Timestamp does.
 * false on text that does not parse. */
bool jdbc_parse_date(const char *s, int32_t *days);
bool jdbc_parse_time(const char *s, int32_t *ms);
bool jdbc_parse_timestamp(const char *s, int64_t *ms);

/* Append msg to errors[key] (the key -> array of messages object of config/validate). */
void jdbc_add_error(json_t *errors, const char *key, const char *msg);
/* kc_cfg_validate plus the connector's cross-key checks (extra, may be NULL): KC_OK, or KC_ERR
 * with the first message in err (a task's or connector's start refuses a bad config). */
int jdbc_config_check(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props,
                      void (*extra)(const json_t *props, json_t *errors), char *err, size_t errlen);

extern const kc_plugin_t jdbc_sink_plugin;   /* io.confluent.connect.jdbc.JdbcSinkConnector */
extern const kc_plugin_t jdbc_source_plugin; /* io.confluent.connect.jdbc.JdbcSourceConnector */

/* Open a connection with the connection.* keys of props, trying connection.attempts times
 * connection.backoff.ms apart (stopping early when stop(arg) says so). */
struct pg;
struct pg *jdbc_connect(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props,
                        bool (*stop)(void *arg), void *arg, char *err, size_t errlen);

/* Run sql with one text parameter ($1) and replace *set with an object of the first column's
 * values (value -> true), as a table's column names are kept. KC_OK, or KC_ERR with *set
 * unchanged. */
int jdbc_name_set(struct pg *pg, const char *sql, const char *param, json_t **set, char *err,
                  size_t errlen);

#endif
