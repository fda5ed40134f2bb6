# broker/: the broker process. main.c is linked only into bin/kafka-server.
KAFKA_SRCS += $(filter-out broker/main.c,$(wildcard broker/*.c broker/*/*.c))
