/* configs_quota.h: kafka-configs for client quota entities (--entity-type users and/or
 * clients, with --entity-name or --entity-default), as Kafka 3's ConfigCommand:
 *   --bootstrap-server: DescribeClientQuotas / AlterClientQuotas sent with the project's own
 *     codecs (librdkafka 2.0 has no client quota admin calls); output "Quota configs for
 *     client-id 'X' are producer_byte_rate=1024.0, ..." and "Completed updating config for
 *     client X." / "Completed updating default config for clients in the cluster."
 *   --zookeeper: the entity znode under /config/clients or /config/users and the
 *     /config/changes notice, as Kafka's AdminZkClient writes them; "Configs for client-id 'X'
 *     are k=v,..." and "Completed updating config for entity: client-id 'X'.".
 * Single-threaded tool; exits on errors. */
#ifndef CONFIGS_QUOTA_H
#define CONFIGS_QUOTA_H

#include "cli.h"

/* Whether the entity types given are users/clients (then cq_main handles the command). */
bool cq_is_quota_entity(cli_opt_t *opts);
/* Run --describe or --alter (add: the --add-config pairs, del: the --delete-config keys);
 * args_line is the command line for Kafka's error prefix. Returns the exit status. */
int cq_main(cli_opt_t *opts, const char *bootstrap, const char *zk, const zkpath_config_t *add,
            char **del, int ndel, const char *args_line);

#endif
