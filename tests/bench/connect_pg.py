"""connect_pg.py: records/s of the PostgreSQL connectors in a real connect-standalone worker
(make bench-connect-pg), with the worker's CPU seconds and peak RSS:
- sink: N records of ~100 B payload (JsonConverter envelopes with a schema) already in a topic
  -> JdbcSinkConnector (insert, COPY batches) -> a PostgreSQL table;
- source: a table of N rows -> JdbcSourceConnector (incrementing) -> a topic.
Records/s count from the worker's start (consumer group join and table creation included) to
the last record in the table / topic. Everything (ZooKeeper, one broker, PostgreSQL) runs on 127.0.0.1 in a temp directory and is
stopped by PID. Usage: connect_pg.py [--records N] [--upsert]"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

from confluent_kafka import Consumer, Producer  # noqa: E402
from connect_bench import proc_stats  # noqa: E402
from connectworker import Worker, write_props  # noqa: E402
from kafkabroker import Broker, wait_until  # noqa: E402
from pg import Postgres  # noqa: E402
from zkserver import ZooKeeper  # noqa: E402

JSON = {"key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "true"}
SCHEMA = {"type": "struct", "optional": False, "name": "event", "fields": [
    {"type": "int64", "optional": False, "field": "seq"},
    {"type": "string", "optional": False, "field": "body"}]}


class ProcStats:
    """CPU seconds since creation and peak RSS of one process (connect_bench.proc_stats)."""

    def __init__(self, pid):
        self.pid, self.peak_mb = pid, 0.0
        self.cpu0 = proc_stats(pid)[0]

    def sample(self):
        self.peak_mb = max(self.peak_mb, proc_stats(self.pid)[1])
        return True

    def report(self):
        return "worker CPU %.2f s, peak RSS %.1f MB" % (proc_stats(self.pid)[0] - self.cpu0,
                                                          self.peak_mb)


def pg_count(pg, table):
    try:
        return int(pg.scalar('SELECT count(*) FROM "%s"' % table))
    except RuntimeError:
        return -1


def bench_sink(work, broker, pg, n, upsert=False):
    head = '{"schema":%s,"payload":{"seq":' % json.dumps(SCHEMA, separators=(",", ":"))
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 50,
                  "batch.num.messages": 10000, "queue.buffering.max.messages": 500000})
    for i in range(n):
        p.produce("bench-events", ('%s%d,"body":"%s"}}' % (head, i, "x" * 90)).encode())
        if i % 10000 == 0:
            p.poll(0)
    p.flush(120)
    sink = write_props(os.path.join(work, "sink.properties"), {
        "name": "bench-sink", "connector.class": "JdbcSink", "topics": "bench-events",
        "connection.url": pg.url, "connection.user": pg.user, "connection.password": pg.password,
        "auto.create": "true", "batch.size": "3000",
        "insert.mode": "upsert" if upsert else "insert", "pk.mode": "record_value" if upsert
        else "none", "pk.fields": "seq" if upsert else ""})
    w = Worker(os.path.join(work, "sink"), broker.bootstrap, overrides=JSON, connectors=[sink])
    t0 = time.monotonic()  # from the worker's start, as connect_bench.py counts
    w.start()
    try:
        st = ProcStats(w.proc.pid)
        wait_until(lambda: st.sample() and pg_count(pg, "bench-events") == n, 300,
                   interval=0.05, what="%d rows" % n)
        secs = time.monotonic() - t0
        print("sink   topic -> PostgreSQL (%s): %d records in %.2f s = %.0f records/s; %s"
              % ("upsert" if upsert else "insert", n, secs, n / secs, st.report()))
    finally:
        w.stop()


def bench_source(work, broker, pg, n):
    pg.sql("CREATE TABLE src_events (seq bigint PRIMARY KEY, body text NOT NULL); "
           "ALTER TABLE src_events OWNER TO kc; INSERT INTO src_events SELECT g, repeat('x', 90) "
           "FROM generate_series(1, %d) g" % n)
    src = write_props(os.path.join(work, "source.properties"), {
        "name": "bench-source", "connector.class": "JdbcSource", "mode": "incrementing",
        "incrementing.column.name": "seq", "table.whitelist": "src_events",
        "topic.prefix": "pg-", "batch.max.rows": "5000", "poll.interval.ms": "100",
        "connection.url": pg.url, "connection.user": pg.user, "connection.password": pg.password})
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "bench-count",
                  "auto.offset.reset": "earliest", "fetch.max.bytes": 52428800})
    c.subscribe(["pg-src_events"])
    w = Worker(os.path.join(work, "source"), broker.bootstrap, overrides=JSON, connectors=[src])
    t0 = time.monotonic()  # from the worker's start, as connect_bench.py counts
    w.start()
    try:
        st = ProcStats(w.proc.pid)
        got = 0
        deadline = time.monotonic() + 300
        while got < n and time.monotonic() < deadline:
            for m in c.consume(10000, 0.5):
                if not m.error():
                    got += 1
            st.sample()
        secs = time.monotonic() - t0
        print("source PostgreSQL -> topic: %d records in %.2f s = %.0f records/s (worker start "
              "to the last record a consumer sees); %s" % (got, secs, got / secs, st.report()))
    finally:
        c.close()
        w.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200000)
    ap.add_argument("--upsert", action="store_true", help="the sink in upsert mode (pk seq)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench-connect-pg-")
    zk = ZooKeeper(os.path.join(work, "zk"))
    os.makedirs(zk.dir, exist_ok=True)
    pg = Postgres(work)
    broker = None
    try:
        zk.start()
        pg.start()
        broker = Broker(work, zk.connect)
        broker.start()
        bench_sink(work, broker, pg, args.records, args.upsert)
        bench_source(work, broker, pg, args.records)
    finally:
        if broker:
            broker.stop()
        pg.cleanup()
        zk.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
