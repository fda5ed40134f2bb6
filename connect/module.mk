# connect/: Kafka Connect. build/libconnect.a holds the data model, plugin API helpers, the
# built-in plugins and the runtime; bin/connect-standalone and bin/connect-distributed are its
# two entry points (also as NAME.sh). Check suites named check_connect_* link libconnect.
CONNECT_MAINS := connect/connect_standalone.c connect/connect_distributed.c
CONNECT_SRCS  := $(filter-out $(CONNECT_MAINS),$(wildcard connect/*.c))
CONNECT_OBJS   = $(patsubst %.c,$(BUILD)/%.o,$(CONNECT_SRCS))
CONNECT_TOOLS := $(patsubst connect/connect_%.c,connect-%,$(wildcard $(CONNECT_MAINS)))
CONNECT_BINS  := $(addprefix $(BINDIR)/,$(CONNECT_TOOLS))
CONNECT_CHECKS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/unit/check_connect_*.c))
CONNECT_LIBS  := -lrdkafka -ldl

$(BUILD)/connect/%.o: connect/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Iconnect -Icli -MMD -MP -c $< -o $@

# cli/clireq.c: the blocking raw request helper, reused for the worker group protocol.
$(BUILD)/libconnect.a: $(patsubst %.c,$(BUILD)/%.o,$(CONNECT_SRCS)) $(BUILD)/cli/clireq.o
	@rm -f $@
	ar rcs $@ $^

$(BINDIR)/connect-%: $(BUILD)/connect/connect_%.o $(BUILD)/libconnect.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) -rdynamic -o $@ $^ $(CONNECT_LIBS) $(LDLIBS_ALL)
	@ln -sf $(notdir $@) $@.sh

$(CONNECT_CHECKS): $(BUILD)/tests/unit/check_connect_%: $(BUILD)/tests/unit/check_connect_%.o \
                   $(BUILD)/libconnect.a $(BUILD)/libcommon.a
	$(CC) -o $@ $^ $(CHECK_LIBS) $(CONNECT_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/unit/check_connect_%.o: tests/unit/check_connect_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Iconnect -MMD -MP -c $< -o $@

# The test plugin (tests/integ/connect_testplugin.c) loaded from plugin.path by the tests.
CONNECT_TEST_PLUGIN := $(BUILD)/tests/integ/connect-plugins/libconnect_testplugin.so
all: $(CONNECT_TEST_PLUGIN)
$(CONNECT_TEST_PLUGIN): tests/integ/connect_testplugin.c connect/connector.h connect/cdata.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -Iconnect $(SAN) -o $@ $<

# Records/s of the file sink and source paths through one broker (from the worker's start and
# in steady state), with the worker's CPU and peak RSS (tests/bench/connect_bench.py;
# CONNECT_BENCH_ARGS="--records N", default 1,000,000; --pg adds the PostgreSQL rows, as
# `make bench` runs it).
.PHONY: bench-connect
bench-connect: all
	@/usr/bin/python3 tests/bench/connect_bench.py $(CONNECT_BENCH_ARGS)
