/* tcfg.h: Kafka's per-topic configs. Each topic key has a type, a validity rule and the
 * broker-wide key its default comes from (retention.ms <- log.retention.ms...); values are
 * checked by the validator shared with the broker configs (cval.h). Used to
 * validate CreateTopics/AlterConfigs input, to resolve effective values and for
 * DescribeConfigs. Pure functions over a static table. Any thread. */
#ifndef TCFG_H
#define TCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "kerr.h"

/* KERR_NONE, or KERR_INVALID_CONFIG with Kafka's wording in why (unknown key, bad value). */
kerr_t tcfg_validate(const char *key, const char *value, char *why, size_t n);
/* The broker default of a topic config as a string (into buf) / as an integer. */
const char *tcfg_default_str(const cfg_t *broker, const char *key, char *buf, size_t n);
int64_t tcfg_default_int(const cfg_t *broker, const char *key);
/* Whether key is a list-typed topic config (cleanup.policy): the ones IncrementalAlterConfigs
 * may APPEND to and SUBTRACT from. */
bool tcfg_is_list(const char *key);
/* leader/follower.replication.throttled.replicas: does list name partition p on broker b
 * ("*" names every one)? Is it a valid list ("", "*" or [partition]:[broker],...)? */
bool tcfg_replicas_listed(const char *list, int32_t p, int32_t b);
bool tcfg_replicas_valid(const char *list);
/* Iterate the table: for (int i = 0; tcfg_entry(i, &key, &type, &broker_key); i++). */
bool tcfg_entry(int i, const char **key, cfg_type_t *type, const char **broker_key);

#endif
