# broker/: the broker process. main.c is linked only into bin/kafka-server.
KAFKA_SRCS += $(filter-out broker/main.c,$(wildcard broker/*.c broker/*/*.c))

# The web console's files (console/), compiled in as console_assets[] (broker/console.h).
CONSOLE_ASSETS := $(sort $(wildcard console/*.html console/*.js console/*.css))
KAFKA_GEN_OBJS += $(BUILD)/gen/console_assets.o
$(BUILD)/gen/console_assets.c: $(CONSOLE_ASSETS) scripts/embed-assets.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-assets.sh $(CONSOLE_ASSETS) > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/console_assets.o: $(BUILD)/gen/console_assets.c broker/console.h
	$(CC) $(CFLAGS_ALL) $(LAYER_INC) -c $< -o $@
