"""The PostgreSQL connectors in a real connect-standalone worker, against a real PostgreSQL 15
(tests/lib/pg.py) and our broker, with JsonConverter (schemas enabled) on the wire:
- JdbcSourceConnector -> topic -> JdbcSinkConnector: rows and their types (int, bigint, text,
  boolean, double, numeric, date, timestamp, bytea, NULLs) survive the round trip, the table is
  auto-created with the JDBC sink's types, rows added later follow, and the topic holds
  Connect's envelope;
- the sink in upsert mode with pk.mode=record_key gives each key once after a full replay, and
  with delete.enabled a tombstone deletes its row;
- 100,000 records land in a table (the records/s figure is printed)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import pytest  # noqa: E402
from confluent_kafka import Consumer, Producer  # noqa: E402
from connectworker import Worker, write_props  # noqa: E402
from kafkabroker import Broker, wait_until  # noqa: E402
from pg import Postgres  # noqa: E402
from zkserver import ZooKeeper  # noqa: E402

@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """One ZooKeeper, broker and PostgreSQL for this file's tests (each test uses its own
    topics, tables, connector names and worker directory): starting them is most of a test's
    time."""
    base = tmp_path_factory.mktemp("connect-pg")
    zk = ZooKeeper(str(base / "zk"))
    os.makedirs(zk.dir, exist_ok=True)
    zk.start()
    b = Broker(str(base), zk.connect, 1)
    p = Postgres(str(base))
    try:
        b.start()
        p.start()
        yield b, p
    finally:
        b.stop()
        p.cleanup()
        zk.stop()
    assert "ERROR: AddressSanitizer" not in b.output() and "runtime error:" not in b.output()


@pytest.fixture
def broker(servers):
    return servers[0]


@pytest.fixture
def pg(servers):
    return servers[1]


JSON_WORKER = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "true",
    "value.converter.schemas.enable": "true",
}

COLS = "id, i, b, t, flag, d, n, day, at, encode(raw, 'hex')"


def conn_props(pg):
    return {"connection.url": pg.url, "connection.user": pg.user,
            "connection.password": pg.password}


def connector_file(work, name, props):
    return write_props(os.path.join(work, name + ".properties"), dict(props, name=name))


def count(pg, table):
    try:
        return int(pg.scalar('SELECT count(*) FROM "%s"' % table))
    except RuntimeError:  # not created yet
        return -1


def make_items(pg):
    pg.sql("CREATE TABLE items (id int PRIMARY KEY, i int NOT NULL, b bigint, t text, "
           "flag boolean, d double precision, n numeric(12,3), day date, at timestamp, "
           "raw bytea); ALTER TABLE items OWNER TO kc")
    pg.sql("INSERT INTO items VALUES "
           "(1, -2147483648, 9007199254740993, 'plain', true, 0.1, 123456789.125, "
           "'2024-03-05', '2024-03-05 06:07:08.009', '\\x00ff10'), "
           "(2, 7, -1, E'tab\\there \"quoted\" \\\\ back\\nnewline \u00e9\u4e2d', false, "
           "-1.5e300, -0.001, '1969-12-31', '1960-01-01 00:00:00.5', '\\x'), "
           "(3, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")


def test_pg_source_to_topic_to_pg_sink_keeps_rows_and_types(tmp_path, broker, pg):
    make_items(pg)
    work = str(tmp_path / "connect")
    os.makedirs(work)
    src = connector_file(work, "pg-source", dict(
        conn_props(pg), **{"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
                           "mode": "incrementing", "incrementing.column.name": "id",
                           "table.whitelist": "items", "topic.prefix": "pg-",
                           "poll.interval.ms": "200", "tasks.max": "1"}))
    sink = connector_file(work, "pg-sink", dict(
        conn_props(pg), **{"connector.class": "JdbcSink", "topics": "pg-items",
                           "table.name.format": "copy_${topic}", "auto.create": "true",
                           "insert.mode": "upsert", "pk.mode": "record_value",
                           "pk.fields": "id", "tasks.max": "1"}))
    w = Worker(work, broker.bootstrap, overrides=JSON_WORKER, connectors=[src, sink]).start()
    try:
        wait_until(lambda: count(pg, "copy_pg-items") == 3, 60, what="3 rows in the copy",)
        assert pg.sql("SELECT %s FROM items ORDER BY id" % COLS) == \
            pg.sql('SELECT %s FROM "copy_pg-items" ORDER BY id' % COLS)
        types = dict(pg.sql("SELECT column_name, data_type || ':' || is_nullable FROM "
                            "information_schema.columns WHERE table_name = 'copy_pg-items'"))
        assert types == {
            "id": "integer:NO", "i": "integer:NO", "b": "bigint:YES", "t": "text:YES",
            "flag": "boolean:YES", "d": "double precision:YES", "n": "numeric:YES",
            "day": "date:YES", "at": "timestamp without time zone:YES", "raw": "bytea:YES"}
        # rows added later follow, from the stored incrementing offset
        pg.sql("INSERT INTO items VALUES (4, 4, 4, 'four', true, 4.25, 4.000, '2000-02-29', "
               "'2000-02-29 23:59:59.999', '\\x04')")
        wait_until(lambda: count(pg, "copy_pg-items") == 4, 30, what="row 4 follows")
        assert pg.sql("SELECT %s FROM items ORDER BY id" % COLS) == \
            pg.sql('SELECT %s FROM "copy_pg-items" ORDER BY id' % COLS)
        st = w.rest("GET", "/connectors/pg-source/status")[1]
        assert st["tasks"][0]["state"] == "RUNNING", st
    finally:
        w.stop()
    # the topic holds Connect's envelope: schema as JsonConverter writes it, payload values
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "peek",
                  "auto.offset.reset": "earliest"})
    c.subscribe(["pg-items"])
    msg = None
    deadline = time.monotonic() + 30
    while msg is None and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            msg = m
    c.close()
    assert msg is not None and msg.key() is None
    raw = msg.value().decode()
    assert raw.startswith('{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,'
                          '"field":"id"},{"type":"int32","optional":false,"field":"i"},'
                          '{"type":"int64","optional":true,"field":"b"}'), raw
    assert ('{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",'
            '"version":1,"parameters":{"scale":"3"},"field":"n"}') in raw
    assert '"optional":false,"name":"items"},"payload":{"id":1,' in raw
    payload = json.loads(raw)["payload"]
    assert payload["b"] == 9007199254740993 and payload["day"] == 19787
    assert payload["at"] == 1709618828009 and payload["raw"] == "AP8Q"
    # a restarted source resumes from its offset: no row is produced twice
    w2 = Worker(work, broker.bootstrap, overrides=JSON_WORKER, connectors=[src], port=w.port)
    w2.start()
    try:
        pg.sql("INSERT INTO items (id, i) VALUES (5, 5)")
        c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "count",
                      "auto.offset.reset": "earliest"})
        c.subscribe(["pg-items"])
        ids = []
        deadline = time.monotonic() + 30
        while 5 not in ids and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                ids.append(json.loads(m.value())["payload"]["id"])
        c.close()
        assert ids == [1, 2, 3, 4, 5], ids
    finally:
        w2.stop()


KEY_SCHEMA = {"type": "struct", "fields": [{"type": "int32", "optional": False, "field": "id"}],
              "optional": False}
VALUE_SCHEMA = {"type": "struct", "fields": [
    {"type": "int32", "optional": False, "field": "id"},
    {"type": "string", "optional": True, "field": "name"},
    {"type": "int64", "optional": False, "field": "version"}], "optional": False, "name": "user"}


def produce_users(bootstrap, topic, ids, version):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for i in ids:
        key = json.dumps({"schema": KEY_SCHEMA, "payload": {"id": i}})
        val = json.dumps({"schema": VALUE_SCHEMA,
                          "payload": {"id": i, "name": "user-%d" % i, "version": version}})
        p.produce(topic, val.encode(), key.encode())
        p.poll(0)
    assert p.flush(30) == 0


def test_pg_sink_upsert_record_key_is_exactly_once_after_replay(tmp_path, broker, pg):
    work = str(tmp_path / "connect")
    os.makedirs(work)
    produce_users(broker.bootstrap, "users", range(500), 1)
    produce_users(broker.bootstrap, "users", range(250), 2)  # a replay, newer for half the keys

    def sink(name):
        return connector_file(work, name, dict(
            conn_props(pg), **{"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                               "topics": "users", "auto.create": "true", "insert.mode": "upsert",
                               "pk.mode": "record_key", "pk.fields": "id", "batch.size": "100",
                               "delete.enabled": "true"}))
    w = Worker(work, broker.bootstrap, overrides=JSON_WORKER, connectors=[sink("users-a")]).start()
    try:
        wait_until(lambda: pg.scalar("SELECT count(*) || '/' || sum(version) FROM users")
                   == "500/750", 60, what="500 users, the first 250 at version 2")
    finally:
        w.stop()
    # a second connector (a new consumer group) replays the whole topic: still once per key
    w = Worker(work, broker.bootstrap, overrides=JSON_WORKER, connectors=[sink("users-b")],
               port=w.port).start()
    try:
        produce_users(broker.bootstrap, "users", [9999], 3)  # a marker after the replay
        wait_until(lambda: count(pg, "users") == 501, 60, what="the marker row")
        assert pg.sql("SELECT count(*), count(DISTINCT id), sum(version) FROM users") == \
            [["501", "501", "753"]]
        assert pg.scalar("SELECT name FROM users WHERE id = 42") == "user-42"
        # delete.enabled: a tombstone deletes its key's row
        p = Producer({"bootstrap.servers": broker.bootstrap})
        p.produce("users", None, json.dumps({"schema": KEY_SCHEMA, "payload": {"id": 42}}))
        assert p.flush(30) == 0
        produce_users(broker.bootstrap, "users", [10000], 1)
        wait_until(lambda: count(pg, "users") == 501 and
                   pg.scalar("SELECT count(*) FROM users WHERE id = 10000") == "1", 30,
                   what="id 42 deleted, 10000 added")
        assert pg.scalar("SELECT count(*) FROM users WHERE id = 42") == "0"
    finally:
        w.stop()


def test_pg_sink_lands_100k_records(tmp_path, broker, pg):
    n = 100000
    work = str(tmp_path / "connect")
    os.makedirs(work)
    schema = {"type": "struct", "optional": False, "name": "event", "fields": [
        {"type": "int64", "optional": False, "field": "seq"},
        {"type": "string", "optional": False, "field": "body"}]}
    head = '{"schema":%s,"payload":{"seq":' % json.dumps(schema, separators=(",", ":"))
    body = "x" * 60
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 50,
                  "batch.num.messages": 10000, "queue.buffering.max.messages": 200000})
    for i in range(n):
        p.produce("events", ('%s%d,"body":"%s"}}' % (head, i, body)).encode())
        if i % 10000 == 0:
            p.poll(0)
    assert p.flush(60) == 0
    sink = connector_file(work, "events-sink", dict(
        conn_props(pg), **{"connector.class": "JdbcSink", "topics": "events",
                           "auto.create": "true", "batch.size": "3000"}))
    t0 = time.monotonic()
    w = Worker(work, broker.bootstrap, overrides=dict(JSON_WORKER, **{
        "key.converter": "org.apache.kafka.connect.storage.StringConverter"}),
        connectors=[sink]).start()
    try:
        wait_until(lambda: count(pg, "events") == n, 120, interval=0.2, what="100k rows")
        secs = time.monotonic() - t0
        print("\nJDBC sink: %d records in %.2f s = %.0f records/s (worker start included)"
              % (n, secs, n / secs))
        assert pg.sql("SELECT count(DISTINCT seq), min(seq), max(seq) FROM events") == \
            [[str(n), "0", str(n - 1)]]
    finally:
        w.stop()


def test_pg_source_timestamp_incrementing_sees_updates_and_sink_evolves(tmp_path, broker, pg):
    pg.sql("CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, "
           "updated_at timestamp NOT NULL); ALTER TABLE accounts OWNER TO kc; "
           "INSERT INTO accounts VALUES (1, 'ann', '2024-01-01 00:00:00.123456'), "
           "(2, 'bob', '2024-01-01 00:00:00.123456')")
    work = str(tmp_path / "connect")
    os.makedirs(work)
    src = connector_file(work, "acc-source", dict(
        conn_props(pg), **{"connector.class": "JdbcSourceConnector",
                           "mode": "timestamp+incrementing", "incrementing.column.name": "id",
                           "timestamp.column.name": "updated_at", "table.whitelist": "accounts",
                           "topic.prefix": "db.", "poll.interval.ms": "200"}))
    sink = connector_file(work, "acc-sink", dict(
        conn_props(pg), **{"connector.class": "JdbcSinkConnector", "topics": "db.accounts",
                           "table.name.format": "accounts_copy", "auto.create": "true",
                           "auto.evolve": "true", "insert.mode": "upsert",
                           "pk.mode": "record_value", "pk.fields": "id"}))
    w = Worker(work, broker.bootstrap, overrides=JSON_WORKER, connectors=[src, sink]).start()
    try:
        wait_until(lambda: count(pg, "accounts_copy") == 2, 60, what="2 accounts copied")
        # an update moves updated_at: the row comes again and the upsert replaces it
        pg.sql("UPDATE accounts SET owner = 'ann2', updated_at = now() WHERE id = 1")
        wait_until(lambda: pg.scalar("SELECT owner FROM accounts_copy WHERE id = 1") == "ann2",
                   30, what="the update copied")
        # a new nullable column reaches the sink's table through auto.evolve
        pg.sql("ALTER TABLE accounts ADD COLUMN email text; "
               "INSERT INTO accounts VALUES (3, 'cy', now(), 'cy@example.com')")
        wait_until(lambda: pg.scalar("SELECT email FROM accounts_copy WHERE id = 3")
                   == "cy@example.com", 30, what="the new column")
        assert pg.sql("SELECT id, owner FROM accounts_copy ORDER BY id") == \
            [["1", "ann2"], ["2", "bob"], ["3", "cy"]]
    finally:
        w.stop()


def test_pg_sink_task_fails_on_schemaless_records_and_worker_lives(tmp_path, broker, pg):
    p = Producer({"bootstrap.servers": broker.bootstrap})
    p.produce("plain", b'{"id": 1}')
    assert p.flush(30) == 0
    work = str(tmp_path / "connect")
    os.makedirs(work)
    sink = connector_file(work, "plain-sink", dict(
        conn_props(pg), **{"connector.class": "JdbcSink", "topics": "plain",
                           "auto.create": "true"}))
    w = Worker(work, broker.bootstrap, overrides=dict(JSON_WORKER, **{
        "value.converter.schemas.enable": "false"}), connectors=[sink]).start()
    try:
        def failed():
            st = w.rest("GET", "/connectors/plain-sink/status")[1]
            return st["tasks"] and st["tasks"][0]["state"] == "FAILED" and st["tasks"][0]
        task = wait_until(failed, 60, what="the sink task FAILED")
        assert "requires records with a non-null Struct value and non-null Struct schema" \
            in task["trace"], task
        assert w.rest("GET", "/")[0] == 200  # the worker lives on
        assert count(pg, "plain") == -1
        # a source whose incrementing column is not an integer fails, saying why
        pg.sql("CREATE TABLE notes (id text PRIMARY KEY); ALTER TABLE notes OWNER TO kc")
        st, body, _ = w.rest("PUT", "/connectors/notes-src/config", dict(
            conn_props(pg), **{"connector.class": "JdbcSourceConnector", "mode": "incrementing",
                               "incrementing.column.name": "id", "table.whitelist": "notes",
                               "topic.prefix": "n-"}))
        assert st == 201, body

        def src_failed():
            st = w.rest("GET", "/connectors/notes-src/status")[1]
            return st and st["tasks"] and st["tasks"][0]["state"] == "FAILED" and st["tasks"][0]
        task = wait_until(src_failed, 30, what="the notes source FAILED")
        assert "incrementing column id is missing or not an integer column" in task["trace"]
        # config/validate shows the JDBC connectors' own checks per key
        st, v, _ = w.rest("PUT", "/connector-plugins/JdbcSourceConnector/config/validate", {
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "name": "v",
            "connection.url": "jdbc:mysql://h/db", "mode": "incrementing",
            "topic.prefix": "p-", "numeric.mapping": "best_fit"})
        assert st == 200, v
        by = {c["definition"]["name"]: c["value"]["errors"] for c in v["configs"]}
        assert by["incrementing.column.name"] and by["numeric.mapping"]
        assert by["connection.url"] == ["connection.url: must start with jdbc:postgresql://"]
        assert v["error_count"] == 3, v
        st, v, _ = w.rest("PUT", "/connector-plugins/JdbcSinkConnector/config/validate", {
            "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "name": "v",
            "topics": "t", "connection.url": pg.url, "insert.mode": "upsert",
            "pk.mode": "none"})
        assert st == 200 and v["error_count"] == 1, v
        by = {c["definition"]["name"]: c["value"]["errors"] for c in v["configs"]}
        assert "need primary key fields" in by["pk.mode"][0]
    finally:
        w.stop()


def test_pg_sink_retries_while_postgres_is_down_and_catches_up(tmp_path, broker, pg):
    work = str(tmp_path / "connect")
    os.makedirs(work)
    produce_users(broker.bootstrap, "outage", range(100), 1)
    sink = connector_file(work, "outage-sink", dict(
        conn_props(pg), **{"connector.class": "JdbcSink", "topics": "outage",
                           "auto.create": "true", "insert.mode": "upsert",
                           "pk.mode": "record_key", "pk.fields": "id", "max.retries": "100",
                           "retry.backoff.ms": "300", "connection.attempts": "1"}))
    w = Worker(work, broker.bootstrap, overrides=JSON_WORKER, connectors=[sink]).start()
    try:
        wait_until(lambda: count(pg, "outage") == 100, 60, what="the first 100 rows")
        pg.stop()  # PostgreSQL goes away; records keep coming
        produce_users(broker.bootstrap, "outage", range(100, 200), 1)
        wait_until(lambda: "retry" in w.output(), 30, what="the sink retrying")
        st = w.rest("GET", "/connectors/outage-sink/status")[1]
        assert st["tasks"][0]["state"] == "RUNNING", st
        pg.launch()
        wait_until(lambda: count(pg, "outage") == 200, 60, what="all 200 rows after the outage")
        st = w.rest("GET", "/connectors/outage-sink/status")[1]
        assert st["tasks"][0]["state"] == "RUNNING", st
    finally:
        w.stop()


def topic_payloads(bootstrap, topic, want, timeout=30, group="read"):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group + "-" + topic,
                  "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < want and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            out.append(json.loads(m.value())["payload"])
    c.close()
    return out


def test_pg_source_bulk_timestamp_and_query_modes(tmp_path, broker, pg):
    pg.sql("CREATE TABLE ref (code text PRIMARY KEY, label text); "
           "CREATE TABLE ticks (n int, at timestamp NOT NULL); "
           "ALTER TABLE ref OWNER TO kc; ALTER TABLE ticks OWNER TO kc; "
           "INSERT INTO ref VALUES ('a', 'A'), ('b', 'B'); "
           "INSERT INTO ticks VALUES (1, '2024-01-01 00:00:01'), (2, '2024-01-01 00:00:01'), "
           "(3, '2024-01-01 00:00:02.5')")
    work = str(tmp_path / "connect")
    os.makedirs(work)
    bulk = connector_file(work, "ref-source", dict(
        conn_props(pg), **{"connector.class": "JdbcSourceConnector", "mode": "bulk",
                           "table.whitelist": "ref", "topic.prefix": "b-",
                           "poll.interval.ms": "300"}))
    ts = connector_file(work, "ticks-source", dict(
        conn_props(pg), **{"connector.class": "JdbcSourceConnector", "mode": "timestamp",
                           "timestamp.column.name": "at", "table.whitelist": "ticks",
                           "topic.prefix": "t-", "poll.interval.ms": "200",
                           "batch.max.rows": "2"}))
    query = connector_file(work, "odd-source", dict(
        conn_props(pg), **{"connector.class": "JdbcSourceConnector", "mode": "incrementing",
                           "query": "SELECT n, at FROM ticks WHERE n % 2 = 1",
                           "incrementing.column.name": "n", "topic.prefix": "odd-ticks",
                           "poll.interval.ms": "200"}))
    w = Worker(work, broker.bootstrap, overrides=JSON_WORKER,
               connectors=[bulk, ts, query]).start()
    try:
        # bulk: the whole table again at every poll
        got = topic_payloads(broker.bootstrap, "b-ref", 4)
        assert got[:4] == [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}] * 2, got
        # timestamp: rows sharing a timestamp all come (batch.max.rows=2 splits them), once
        pg.sql("INSERT INTO ticks VALUES (4, '2024-01-01 00:00:03')")
        got = topic_payloads(broker.bootstrap, "t-ticks", 4)
        assert [p["n"] for p in got] == [1, 2, 3, 4], got
        assert got[2]["at"] == 1704067202500
        # later polls bring only what is new: a marker row comes next, nothing in between
        pg.sql("INSERT INTO ticks VALUES (5, '2024-01-01 00:00:04')")
        got = topic_payloads(broker.bootstrap, "t-ticks", 5, group="again")
        assert [p["n"] for p in got] == [1, 2, 3, 4, 5], got
        # query mode: the query's rows past the offset, on the topic topic.prefix
        got = topic_payloads(broker.bootstrap, "odd-ticks", 3)
        assert [p["n"] for p in got] == [1, 3, 5], got
        wait_until(lambda: w.rest("GET", "/connectors/odd-source/offsets")[1]["offsets"] == [
            {"partition": {"query": "query"}, "offset": {"incrementing": 5}}], 30,
            what="the query's committed offset")
    finally:
        w.stop()
