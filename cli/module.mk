# cli/: the Kafka command-line tools, on librdkafka (and the ZooKeeper C client for
# kafka-topics --zookeeper). Each tool is bin/<name> plus a bin/<name>.sh link.
CLI_TOOLS := kafka-topics kafka-console-producer kafka-console-consumer \
             kafka-producer-perf-test kafka-consumer-perf-test kafka-configs \
             kafka-consumer-groups kafka-drill kafka-reassign-partitions kafka-delete-records \
             kafka-log-dirs kafka-transactions kafka-acls
CLI_COMMON := cli/cli.c cli/clireq.c cli/clisec.c cli/configs_quota.c cli/configs_scram.c cli/jhash.c
CLI_BINS := $(addprefix $(BINDIR)/,$(CLI_TOOLS))
# kafka-drill's verifier (libc only), also linked into its Check suite, and its other parts
# (cli/drill.h)
DRILL_SRCS := cli/drill_verify.c cli/drill_cluster.c cli/drill_clients.c cli/drill_faults.c \
              cli/drill_report.c
$(BINDIR)/kafka-drill: $(patsubst %.c,$(BUILD)/%.o,$(DRILL_SRCS))
$(BUILD)/tests/unit/check_drill_verify: $(BUILD)/cli/drill_verify.o
# kafka-reassign-partitions' parts beyond cli/kafka_reassign_partitions.c (cli/reassign.h)
REASSIGN_SRCS := cli/reassign_plan.c cli/reassign_cluster.c cli/reassign_throttle.c
$(BINDIR)/kafka-reassign-partitions: $(patsubst %.c,$(BUILD)/%.o,$(REASSIGN_SRCS))
# kafka-consumer-groups' parts beyond cli/kafka_consumer_groups.c (cli/cgroups.h)
CGROUPS_SRCS := cli/cgroups_describe.c cli/cgroups_reset.c
$(BINDIR)/kafka-consumer-groups: $(patsubst %.c,$(BUILD)/%.o,$(CGROUPS_SRCS))
