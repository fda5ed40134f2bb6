/* itopic.h: the broker's internal topics (__consumer_offsets, __transaction_state), created
 * through the controller on first use as Kafka creates them: the configured partition count,
 * the replication factor capped by the live brokers, topic configs (compaction...).
 * Reactor thread only. */
#ifndef ITOPIC_H
#define ITOPIC_H

#include <stdbool.h>
#include <stdint.h>

typedef struct server server_t;

/* Submit the creation of name unless *creating (one at a time); *creating stays true until
 * the controller answers (TOPIC_ALREADY_EXISTS counts as success; other failures are logged
 * under log_tag). creating must outlive the request (the coordinator that owns it). */
void itopic_create(server_t *srv, const char *log_tag, const char *name, int32_t nparts,
                   int64_t replication_factor, int ncfg, const char *const *keys,
                   const char *const *vals, bool *creating);

#endif
