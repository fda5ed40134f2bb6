/* itopic.h: the broker's internal topics (__consumer_offsets, __transaction_state), created
 * through the controller on first use as Kafka creates them: the configured partition count,
 * the replication factor capped by the live brokers, topic configs (compaction...). Needs only
 * the controller and the metadata cache: the coordinators reach it through a function the
 * server gives them (grp_deps_t, txn_deps_t), as the controller starts after them.
 * Reactor thread only. */
#ifndef ITOPIC_H
#define ITOPIC_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ctl ctl_t;
typedef struct mdcache mdcache_t;

/* Submit the creation of name unless *creating (one at a time); *creating stays true until
 * the controller answers (TOPIC_ALREADY_EXISTS counts as success; other failures are logged
 * under log_tag). creating must outlive the request (the coordinator that owns it). */
void itopic_create(ctl_t *ctl, const mdcache_t *md, const char *log_tag, const char *name,
                   int32_t nparts, int64_t replication_factor, int ncfg, const char *const *keys,
                   const char *const *vals, bool *creating);

#endif
