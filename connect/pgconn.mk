# connect/pgconn.mk: what the PostgreSQL connectors add to connect/module.mk's build (their
# sources are in libconnect.a like every connect/*.c): libpq's headers for the files that
# include pg.h, and -lpq on every link of libconnect (the workers and check_connect_* suites).
PQ_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
PGCONN_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard connect/pg.c connect/jdbc_*.c \
    tests/unit/check_connect_pg*.c))
$(PGCONN_OBJS): CFLAGS_ALL += $(PQ_CFLAGS)
CONNECT_LIBS += -lpq

# make bench-connect-pg: records/s of the PostgreSQL sink and source in connect-standalone,
# from start and in steady state, with the worker's CPU and peak RSS (tests/bench/connect_pg.py;
# BENCH_PG_ARGS="--records N [--upsert]").
.PHONY: bench-connect-pg
bench-connect-pg: all
	@/usr/bin/python3 tests/bench/connect_pg.py $(BENCH_PG_ARGS)
