# Makefile: one non-recursive build for the whole tree (DESIGN.md section 2).
# Each directory lists its sources in module.mk; this file turns them into
#   build/libcommon.a   common/ (no process state)
#   build/libkafka.a    broker/ (less main.c) + coordinator/
#   bin/kafka-server    the broker
#   build/tests/unit/check_*   Check suites
# `make asan` builds the same tree with ASan/UBSan into build-asan/ (binaries in build-asan/bin).

# `make` alone builds everything (included module.mk files may define rules first).
.DEFAULT_GOAL := all

CC      ?= cc
BUILD   ?= build
BINDIR  ?= bin
OPT     ?= -O2
SAN     ?=
PKGS    := libzstd liblz4 jansson zlib check
CFLAGS_ALL := -std=c11 -Wall -Wextra -Werror -Wno-format-truncation $(OPT) -g -D_GNU_SOURCE -Icommon \
              -I/usr/include/zookeeper -DTHREADED $(SAN) $(CFLAGS)
LDLIBS_ALL := $(SAN) -lzookeeper_mt -lssl -lcrypto -ljansson -lmicrohttpd -lzstd -llz4 -lsnappy -lz -lpthread -lm $(LDLIBS)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)

# Each layer sees only its own headers and those of the layers below it (DESIGN.md section 2):
# common < coordinator < broker; cli/ and connect/ sit on common. An upward #include then
# fails to compile. LAYER_INC is set per object directory below; everything else (tests, the
# generated console assets) sees every layer.
# (-Icommon is in CFLAGS_ALL: every layer sees common/.)
LAYER_INC := -I. -Icoordinator -Ibroker
$(BUILD)/common/%.o:      LAYER_INC :=
$(BUILD)/coordinator/%.o: LAYER_INC := -Icoordinator
$(BUILD)/broker/%.o:      LAYER_INC := -Icoordinator -Ibroker
$(BUILD)/cli/%.o:         LAYER_INC := -Icli
$(BUILD)/connect/%.o:     LAYER_INC := -Iconnect -Icli

COMMON_SRCS :=
KAFKA_SRCS  :=
KAFKA_GEN_OBJS :=
UNIT_TESTS  :=
include common/module.mk
include broker/module.mk
include coordinator/module.mk
include tests/unit/module.mk
include cli/module.mk
include tests/fuzz/module.mk
include connect/module.mk
include connect/pgconn.mk

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
COMMON_OBJS := $(call obj,$(COMMON_SRCS))
KAFKA_OBJS  := $(call obj,$(KAFKA_SRCS)) $(KAFKA_GEN_OBJS)
UNIT_BINS   := $(patsubst %.c,$(BUILD)/%,$(UNIT_TESTS))

.SECONDARY:
.PHONY: all build test test-unit test-integ test-all test-asan asan deps cluster cluster-stop clean fmt \
        image compose-test test-failover deps-deploy fmt-check bench bench-security bench-txn bench-console bench-profile bench-scale install uninstall \
        fuzz fuzz-bins fuzz-seeds
all build: $(BINDIR)/kafka-server $(UNIT_BINS) $(CLI_BINS) $(CONNECT_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LAYER_INC) -MMD -MP -c $< -o $@

$(BUILD)/libcommon.a: $(COMMON_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libkafka.a: $(KAFKA_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BINDIR)/kafka-server: $(BUILD)/broker/main.o $(BUILD)/libkafka.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS_ALL)

# bin/kafka-topics from cli/kafka_topics.c, bin/kafka-console-producer from
# cli/kafka_console_producer.c, and so on; NAME.sh links to NAME. A tool made of more files lists
# its other objects as extra prerequisites (cli/module.mk); objects link before the archives.
.SECONDEXPANSION:
$(BINDIR)/kafka-%: $(BUILD)/cli/kafka_$$(subst -,_,$$*).o $(call obj,$(CLI_COMMON)) $(BUILD)/libkafka.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(filter %.o,$^) $(filter %.a,$^) -lrdkafka $(LDLIBS_ALL)
	@ln -sf $(notdir $@) $@.sh

$(BUILD)/cli/kafka_%.o: cli/kafka_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LAYER_INC) -MMD -MP -c $< -o $@

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(BUILD)/libkafka.a $(BUILD)/libcommon.a
	$(CC) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

deps:
	@bash scripts/install-deps.sh

# The README's test command: installs what it needs, builds, runs unit + integration tests,
# and prints a last line "N passed, M failed".
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan
	@bash tests/run.sh

test-unit: all
	@bash tests/run.sh --unit-only

# make test, plus the failover drills (tests/failover) and the docker-compose test
# (tests/compose); last line "N passed, M failed".
test-all: deps deps-deploy
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan
	@bash tests/run.sh --all

# Every drill of bin/kafka-drill against a scripts/cluster.sh cluster (root: network namespaces).
test-failover: deps
	@$(MAKE) --no-print-directory all
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/failover

# deploy/: the image (debootstrap base + our binaries, no registry) and the compose cluster test,
# which removes every container, network and volume it made, also when it fails.
deps-deploy:
	@bash scripts/install-deps.sh --deploy

image: deps deps-deploy
	@$(MAKE) --no-print-directory all
	@bash deploy/build-image.sh

compose-test: deps deps-deploy
	@$(MAKE) --no-print-directory all
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/compose

# The libFuzzer harnesses (tests/fuzz/module.mk), built by clang into build-fuzz/ and run for
# FUZZ_SECONDS each; fuzz-seeds records a fresh seed corpus from real clients.
fuzz: deps
	@$(MAKE) --no-print-directory CC=clang BUILD=build-fuzz BINDIR=build-fuzz/bin OPT=-O1 \
	    SAN="$(FUZZ_SAN)" CFLAGS="-Wno-unknown-warning-option" fuzz-bins
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-seeds: all
	@/usr/bin/python3 tests/fuzz/capture_seeds.py

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan BINDIR=build-asan/bin OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" all

# 3 brokers and 1 ZooKeeper on 127.0.0.1 (ports 9092-9094, 2181), under tmp/cluster.
cluster: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/cluster.sh start --brokers 3 --zookeepers 1

cluster-stop:
	@bash scripts/cluster.sh stop

# make install [PREFIX=/usr/local] [DESTDIR=...]: the broker, every CLI tool (also as NAME.sh)
# and the start/stop scripts (also without .sh) into $(DESTDIR)$(PREFIX)/bin.
PREFIX ?= /usr/local
INSTALL_SCRIPTS := kafka-server-start kafka-server-stop zookeeper-server-start zookeeper-server-stop
install: all
	@install -d $(DESTDIR)$(PREFIX)/bin
	@for t in kafka-server $(CLI_TOOLS) $(CONNECT_TOOLS); do \
	    install -m 0755 $(BINDIR)/$$t $(DESTDIR)$(PREFIX)/bin/$$t || exit 1; done
	@for t in $(CLI_TOOLS) $(CONNECT_TOOLS); do ln -sf $$t $(DESTDIR)$(PREFIX)/bin/$$t.sh || exit 1; done
	@for s in $(INSTALL_SCRIPTS); do \
	    install -m 0755 scripts/$$s.sh $(DESTDIR)$(PREFIX)/bin/$$s.sh || exit 1; \
	    ln -sf $$s.sh $(DESTDIR)$(PREFIX)/bin/$$s || exit 1; done
	@echo "installed kafka-server, $(words $(CLI_TOOLS) $(CONNECT_TOOLS)) tools and $(words $(INSTALL_SCRIPTS)) scripts in $(DESTDIR)$(PREFIX)/bin"

uninstall:
	@for t in kafka-server $(CLI_TOOLS) $(addsuffix .sh,$(CLI_TOOLS)) $(CONNECT_TOOLS) \
	    $(addsuffix .sh,$(CONNECT_TOOLS)) $(INSTALL_SCRIPTS) \
	    $(addsuffix .sh,$(INSTALL_SCRIPTS)); do rm -f $(DESTDIR)$(PREFIX)/bin/$$t; done

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

fmt-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz bin

# The malformed-input and client tests against the ASan/UBSan broker; any sanitizer report in
# a broker's output fails the test that started it.
test-asan: deps asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	KAFKA_SERVER_BIN=$(CURDIR)/build-asan/bin/kafka-server \
	    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integ/test_malformed.py \
	    tests/integ/test_kcat.py tests/integ/test_recovery.py

# Test programs built with the tree (real librdkafka clients).
INTEG_BINS := $(BUILD)/tests/integ/rdk_load $(BUILD)/tests/integ/rdk_txn
all: $(INTEG_BINS)
$(BUILD)/tests/integ/rdk_%: tests/integ/rdk_%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror $(SAN) -o $@ $< -lrdkafka

# The benchmark (tests/bench/): the librdkafka driver, and `make bench` runs the whole
# comparison (our 3-broker cluster against librdkafka's mock cluster; see tests/bench/run.py),
# then Kafka Connect's file and PostgreSQL paths (tests/bench/connect_bench.py --pg: one table
# of records/s from the worker's start and in steady state, worker CPU s, peak RSS).
BENCH_BIN := $(BUILD)/tests/bench/bench
all: $(BENCH_BIN)
$(BENCH_BIN): tests/bench/bench.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror $(SAN) -o $@ $< -lrdkafka -lpthread

bench: deps
	@$(MAKE) --no-print-directory all
	@/usr/bin/python3 tests/bench/run.py $(BENCH_ARGS)
	@/usr/bin/python3 tests/bench/security_bench.py $(SECURITY_BENCH_ARGS)
	@/usr/bin/python3 tests/bench/txn_bench.py $(TXN_BENCH_ARGS)
	@/usr/bin/python3 tests/bench/scale_bench.py $(SCALE_BENCH_ARGS)
	@/usr/bin/python3 tests/bench/connect_bench.py --pg $(CONNECT_BENCH_ARGS)

# Only the TLS / SASL_SSL rows beside PLAINTEXT and SCRAM logins per second (issue 14).
bench-security: all $(BENCH_BIN)
	@/usr/bin/python3 tests/bench/security_bench.py $(SECURITY_BENCH_ARGS)

# What the web console's polling costs one broker under a 100k msgs/s produce load.
bench-console: all $(BENCH_BIN)
	@/usr/bin/python3 tests/bench/console_cost.py $(CONSOLE_COST_ARGS)

# Transactional vs idempotent produce, read_committed vs read_uncommitted consume (issue 13).
bench-txn: all $(BENCH_BIN)
	@/usr/bin/python3 tests/bench/txn_bench.py $(TXN_BENCH_ARGS)

# 10,000 partitions at RF3 on 3 brokers: start-to-serving, controller failover, Metadata time,
# idle CPU, RSS, fds; 5,000 idle connections and 1,000 committing groups on one broker (issue 18);
# SCALE_BENCH_ARGS="--partitions 1000" for a quick run, "--only conns,groups" for the latter two.
bench-scale: all
	@/usr/bin/python3 tests/bench/scale_bench.py $(SCALE_BENCH_ARGS)

# Where the brokers spend their CPU under the bench workloads (perf, cpu-clock).
bench-profile: all
	@/usr/bin/python3 tests/bench/profile.py $(PROFILE_ARGS)
