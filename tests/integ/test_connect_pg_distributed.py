"""connect-distributed with the PostgreSQL sink: three workers (the fixture of
test_connect_distributed.py); a file source of JsonConverter envelopes (StringConverter on the
source, JsonConverter on the sink: per-connector converters) and a JdbcSinkConnector in upsert
mode created with curl; 100,000 records land in the table; kill -9 of the worker running the
sink task mid-stream moves the task within the session timeout, and the table ends with every
record exactly once."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from kafkabroker import wait_until  # noqa: E402
from test_connect_distributed import SESSION_MS, curl, running_on, workers  # noqa: E402,F401

SCHEMA = json.dumps({"type": "struct", "optional": False, "name": "line", "fields": [
    {"type": "int64", "optional": False, "field": "seq"},
    {"type": "string", "optional": False, "field": "text"}]}, separators=(",", ":"))


def envelopes(lo, hi):
    return ''.join('{"schema":%s,"payload":{"seq":%d,"text":"line %d"}}\n' % (SCHEMA, i, i)
                   for i in range(lo, hi))


def rows(pg):
    try:
        return int(pg.scalar("SELECT count(*) FROM lines"))
    except RuntimeError:
        return -1


def test_pg_sink_on_three_workers_is_exactly_once_across_kill9(workers, tmp_path, pg):  # noqa: F811
    src = str(tmp_path / "lines.json")
    with open(src, "w") as f:
        f.write(envelopes(0, 50000))

    def create(w, name, cfg):
        def ok():
            st, body = curl("POST", w.url + "/connectors", {"name": name, "config": cfg})
            assert st in (201, 409), (st, body)  # 409 while the group is still forming
            return st == 201
        wait_until(ok, 60, interval=0.5, what="POST /connectors %s" % name)

    t0 = time.monotonic()
    create(workers[1], "lines-src", {"connector.class": "FileStreamSource", "file": src,
                                     "topic": "lines", "batch.size": "2000"})
    create(workers[2], "lines-pg", {
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": "lines",
        "connection.url": pg.url, "connection.user": pg.user,
        "connection.password": pg.password, "table.name.format": "lines",
        "auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_value",
        "pk.fields": "seq", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "true",
        # KIP-458: the sink's consumer leaves the group as fast as the workers do (the default
        # 45 s session would keep the dead worker's partitions that long)
        "consumer.override.session.timeout.ms": str(SESSION_MS),
        "consumer.override.heartbeat.interval.ms": "1000"})
    victim_id = wait_until(lambda: running_on(workers[0], "lines-pg"), 60, what="sink RUNNING")
    wait_until(lambda: rows(pg) >= 50000, 120, interval=0.2, what="the first 50,000 rows")
    t_half = time.monotonic() - t0
    ids = ["127.0.0.1:%d" % w.port for w in workers]
    victim = workers[ids.index(victim_id)]
    with open(src, "a") as f:  # mid-stream: the second half while the sink's worker dies
        f.write(envelopes(50000, 100000))
    victim.kill9()
    survivor = next(w for w in workers if w is not victim)
    moved = wait_until(lambda: (running_on(survivor, "lines-pg") or victim_id) != victim_id and
                       running_on(survivor, "lines-pg"), SESSION_MS / 1000 + 30,
                       what="the sink task on another worker")
    assert moved != victim_id
    t_moved = time.monotonic() - t0
    wait_until(lambda: rows(pg) == 100000, 180, interval=0.2, what="100,000 rows")
    secs = time.monotonic() - t0
    print("\n3 workers, kill -9 of the sink's: 50,000 rows after %.1f s, task moved after "
          "%.1f s, 100,000 rows after %.1f s" % (t_half, t_moved, secs))
    assert pg.sql("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM lines") == \
        [["100000", "100000", "0", "99999"]]
    assert pg.scalar("SELECT text FROM lines WHERE seq = 77777") == "line 77777"
