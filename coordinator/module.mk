# coordinator/: controller and ZooKeeper access, linked into the broker.
KAFKA_SRCS += $(wildcard coordinator/*.c)
