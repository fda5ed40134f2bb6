"""connect_pg.py: the PostgreSQL connectors in a real connect-standalone worker (make
bench-connect-pg; make bench runs them through connect_bench.py --pg), measured as
connect_bench.measure does (from start and steady state, worker CPU, peak RSS):
- sink: N records (JsonConverter envelopes with a schema, a ~100 B payload) already in a topic
  -> JdbcSinkConnector (insert: COPY batches; --upsert: COPY to a stage, then INSERT .. ON
  CONFLICT) -> a PostgreSQL table;
- source: a table of N rows -> JdbcSourceConnector (incrementing) -> a topic.
Rows are counted through one psql session held open, each poll scanning only the table's new
pages (TableRows). Everything (ZooKeeper, one broker, PostgreSQL) runs on 127.0.0.1 in
a temp directory and is stopped by PID. Usage: connect_pg.py [--records N] [--upsert]"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

from benchdrv import loadavg  # noqa: E402
from connect_bench import (EndOffsets, measure, print_table, produce,  # noqa: E402
                           warm_coordinator)
from connectworker import Worker, write_props  # noqa: E402
from kafkabroker import Broker  # noqa: E402
from pg import PSQL, Postgres  # noqa: E402
from zkserver import ZooKeeper  # noqa: E402

JSON = {"key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "true"}
SCHEMA = {"type": "struct", "optional": False, "name": "event", "fields": [
    {"type": "int64", "optional": False, "field": "seq"},
    {"type": "string", "optional": False, "field": "body"}]}


class Psql:
    """One psql session on a pipe: a query costs a round trip, not a process."""

    def __init__(self, pg):
        self.p = subprocess.Popen(
            [PSQL, "-X", "-q", "-At", "-h", pg.dir, "-p", str(pg.port), "-U", "postgres",
             "-d", pg.db], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, **pg._popen_kw)

    def scalar(self, sql):
        self.p.stdin.write("%s;\n\\echo __end__\n" % sql)
        self.p.stdin.flush()
        lines = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("psql exited")
            if line.rstrip("\n") == "__end__":
                return lines[0] if lines else None
            lines.append(line.rstrip("\n"))

    def close(self):
        self.p.stdin.close()
        self.p.wait(10)


class TableRows:
    """Rows in a table one sink appends to, counted incrementally: each poll counts only the
    pages from the one holding the last row seen before (a TID range scan), so a poll costs
    the new pages, not the table. Right for an append-only table with one writer, whose
    uncommitted rows are all at or after that page."""

    def __init__(self, psql, table):
        self.psql, self.table = psql, table
        self.exists = False
        self.page, self.before = 0, 0  # rows in pages before self.page

    def __call__(self):
        if not self.exists:
            self.exists = self.psql.scalar("SELECT to_regclass('\"%s\"') IS NOT NULL"
                                           % self.table) == "t"
            if not self.exists:
                return 0
        n, last, on_last = map(int, self.psql.scalar(
            "WITH r AS (SELECT (ctid::text::point)[0]::bigint AS b FROM \"%s\" "
            "WHERE ctid >= '(%d,0)'::tid) SELECT count(*), coalesce(max(b), %d), "
            "count(*) FILTER (WHERE b = (SELECT max(b) FROM r)) FROM r"
            % (self.table, self.page, self.page)).split("|"))
        rows = self.before + n
        self.before, self.page = rows - on_last, last
        return rows


def bench_sink(work, broker, pg, psql, n, upsert=False):
    head = '{"schema":%s,"payload":{"seq":' % json.dumps(SCHEMA, separators=(",", ":"))
    produce(broker.bootstrap, "bench-events", n,
            lambda i: ('%s%d,"body":"%s"}}' % (head, i, "x" * 90)).encode())
    warm_coordinator(broker.bootstrap, "bench-events")
    sink = write_props(os.path.join(work, "pg-sink.properties"), {
        "name": "bench-pg-sink", "connector.class": "JdbcSink", "topics": "bench-events",
        "connection.url": pg.url, "connection.user": pg.user, "connection.password": pg.password,
        "auto.create": "true", "batch.size": "3000",
        "insert.mode": "upsert" if upsert else "insert", "pk.mode": "record_value" if upsert
        else "none", "pk.fields": "seq" if upsert else ""})
    w = Worker(os.path.join(work, "pg-sink"), broker.bootstrap, overrides=JSON,
               connectors=[sink])
    row = measure("topic -> JdbcSink (%s, JSON) -> PostgreSQL" % ("upsert" if upsert
                                                                    else "insert"),
                  w, n, TableRows(psql, "bench-events"))
    exact = int(psql.scalar('SELECT count(*) FROM "bench-events"'))
    if exact != n:  # the incremental count must not have run ahead of the table
        raise RuntimeError("the table has %d rows, the probe counted at least %d" % (exact, n))
    return row


def bench_source(work, broker, pg, psql, n):
    psql.scalar("CREATE TABLE src_events (seq bigint PRIMARY KEY, body text NOT NULL); "
                "ALTER TABLE src_events OWNER TO kc; INSERT INTO src_events SELECT g, "
                "repeat('x', 90) FROM generate_series(1, %d) g" % n)
    src = write_props(os.path.join(work, "pg-source.properties"), {
        "name": "bench-pg-source", "connector.class": "JdbcSource", "mode": "incrementing",
        "incrementing.column.name": "seq", "table.whitelist": "src_events",
        "topic.prefix": "pg-", "batch.max.rows": "5000", "poll.interval.ms": "100",
        "connection.url": pg.url, "connection.user": pg.user, "connection.password": pg.password})
    w = Worker(os.path.join(work, "pg-source"), broker.bootstrap, overrides=JSON,
               connectors=[src])
    ends = EndOffsets(broker.bootstrap, "pg-src_events")
    try:
        return measure("PostgreSQL -> JdbcSource (JSON) -> topic", w, n, ends)
    finally:
        ends.close()


def bench_pg(work, broker, n, upsert=False):
    """The sink and source rows, with a PostgreSQL of their own."""
    pg = Postgres(work)
    psql = None
    try:
        pg.start()
        psql = Psql(pg)
        return [bench_sink(work, broker, pg, psql, n, upsert),
                bench_source(work, broker, pg, psql, n)]
    finally:
        if psql:
            psql.close()
        pg.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1000000)
    ap.add_argument("--upsert", action="store_true", help="the sink in upsert mode (pk seq)")
    args = ap.parse_args()
    load = loadavg()
    work = tempfile.mkdtemp(prefix="bench-connect-pg-")
    zk = ZooKeeper(os.path.join(work, "zk"))
    os.makedirs(zk.dir, exist_ok=True)
    broker = None
    try:
        zk.start()
        broker = Broker(work, zk.connect)
        broker.start()
        rows = bench_pg(work, broker, args.records, args.upsert)
    finally:
        if broker:
            broker.stop()
        zk.stop()
        shutil.rmtree(work, ignore_errors=True)
    print_table(rows, "%d records (~100 B payload)" % args.records, load)


if __name__ == "__main__":
    main()
