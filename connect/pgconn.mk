# connect/pgconn.mk: the PostgreSQL connectors, JsonConverter and transforms, built into
# build/libpgconn.a (libpq: -lpq). Their Check suites (tests/unit/check_pg*.c, check_conv_json.c,
# check_xform.c) are picked up by tests/unit/module.mk's wildcard; here they get this library
# and libpq on their link line.
PQ_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
PGCONN_SRCS := $(wildcard connect/pg.c connect/conv_json.c connect/xform*.c connect/jdbc_*.c)
PGCONN_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(PGCONN_SRCS))
PGCONN_CHECKS := $(addprefix $(BUILD)/tests/unit/,$(basename $(notdir \
    $(wildcard tests/unit/check_pg*.c tests/unit/check_conv_json.c tests/unit/check_xform.c))))

$(PGCONN_OBJS) $(addsuffix .o,$(PGCONN_CHECKS)): CFLAGS_ALL += -Iconnect $(PQ_CFLAGS)

$(BUILD)/libpgconn.a: $(PGCONN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(PGCONN_CHECKS): $(BUILD)/libpgconn.a
$(PGCONN_CHECKS): LDLIBS_ALL := $(BUILD)/libpgconn.a $(BUILD)/libcommon.a -lpq $(LDLIBS_ALL)

all build: $(BUILD)/libpgconn.a
