"""Connect's error handling: a plugin (loaded from plugin.path) that fails or crashes in poll /
put leaves its task FAILED with the reason in its trace while the worker and its other
connectors go on; errors.tolerance=all with a dead letter queue catches the records the
converter cannot read, with the __connect.errors.* context headers."""
import os
import sys
import uuid

import pytest
from confluent_kafka import Consumer, Producer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from connectworker import Worker  # noqa: E402
from kafkabroker import ROOT, wait_until  # noqa: E402

PLUGINS = os.path.join(ROOT, "build", "tests", "integ", "connect-plugins")


@pytest.fixture
def worker(tmp_path, broker):
    w = Worker(str(tmp_path / "connect"), broker.bootstrap,
               overrides={"plugin.path": PLUGINS}).start()
    yield w
    w.stop()


def task_state(w, name):
    st = w.rest("GET", "/connectors/%s/status" % name)[1]
    return st["tasks"][0] if st and st.get("tasks") else None


def create(w, name, cfg):
    st, body, _ = w.rest("POST", "/connectors", {"name": name, "config": cfg})
    assert st == 201, body


def produce(bootstrap, topic, values):
    p = Producer({"bootstrap.servers": bootstrap})
    for v in values:
        p.produce(topic, v.encode())
    assert p.flush(30) == 0


def consume_all(bootstrap, topic, n, timeout=30):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "t-" + uuid.uuid4().hex,
                  "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    got = []
    try:
        wait_until(lambda: got.extend(m for m in [c.poll(0.2)] if m and not m.error()) or
                   len(got) >= n, timeout, what="%d records on %s" % (n, topic))
    finally:
        c.close()
    return got


@pytest.mark.parametrize("crash", [False, True])
def test_failing_source_task_goes_failed_worker_lives(worker, tmp_path, crash):
    assert any(p["class"] == "test.FailingSourceConnector"
               for p in worker.rest("GET", "/connector-plugins")[1])
    create(worker, "bad-src", {"connector.class": "test.FailingSourceConnector",
                               "topic": "fail-src", "fail.after": "3",
                               "crash": "true" if crash else "false"})
    t = wait_until(lambda: (task_state(worker, "bad-src") or {}).get("state") == "FAILED" and
                   task_state(worker, "bad-src"), 60, what="the task to fail")
    if crash:
        assert "crashed with signal 11" in t["trace"], t
    else:
        assert "boom after 3 records" in t["trace"], t
    assert t["trace"].startswith("org.apache.kafka.connect.errors.ConnectException: ")
    st = worker.rest("GET", "/connectors/bad-src/status")[1]
    assert st["connector"]["state"] == "RUNNING"
    # the worker goes on: a file source next to it runs
    src = str(tmp_path / "in.txt")
    with open(src, "w") as f:
        f.write("x\n")
    create(worker, "ok-src", {"connector.class": "FileStreamSource", "file": src,
                              "topic": "ok-src"})
    wait_until(lambda: (task_state(worker, "ok-src") or {}).get("state") == "RUNNING", 30,
               what="another connector running")
    # a restart brings the failed task back (and it fails again the same way)
    assert worker.rest("POST", "/connectors/bad-src/tasks/0/restart")[0] == 204
    wait_until(lambda: (task_state(worker, "bad-src") or {}).get("state") == "FAILED", 60,
               what="the restarted task to fail again")
    assert worker.proc.poll() is None
    # deleted and made again under the same name: no FAILED status left from before
    assert worker.rest("DELETE", "/connectors/bad-src")[0] == 204
    create(worker, "bad-src", {"connector.class": "test.FailingSourceConnector",
                               "topic": "fail-src", "fail.after": "1000000"})
    st = worker.rest("GET", "/connectors/bad-src/status")[1]
    assert all(t["state"] != "FAILED" for t in st["tasks"]), st
    wait_until(lambda: (task_state(worker, "bad-src") or {}).get("state") == "RUNNING", 30,
               what="the new incarnation RUNNING")


def test_failing_sink_put_goes_failed(worker, broker):
    produce(broker.bootstrap, "fail-sink", ["ok", "poison", "later"])
    create(worker, "bad-sink", {"connector.class": "test.FailingSinkConnector",
                                "topics": "fail-sink"})
    t = wait_until(lambda: (task_state(worker, "bad-sink") or {}).get("state") == "FAILED" and
                   task_state(worker, "bad-sink"), 60, what="the sink task to fail")
    assert "poison record at offset 1" in t["trace"], t
    assert worker.rest("GET", "/")[0] == 200


def test_dead_letter_queue_catches_unreadable_records(worker, broker, tmp_path):
    produce(broker.bootstrap, "dlq-in", ["a", "bad", "b"])
    out = str(tmp_path / "sink.txt")
    create(worker, "dlq-sink", {
        "connector.class": "FileStreamSink", "topics": "dlq-in", "file": out,
        "value.converter": "test.RejectingConverter", "errors.tolerance": "all",
        "errors.log.enable": "true", "errors.deadletterqueue.topic.name": "dlq",
        "errors.deadletterqueue.context.headers.enable": "true"})
    wait_until(lambda: os.path.exists(out) and open(out).read() == "a\nb\n", 60,
               what="the good records in the sink file")
    [m] = consume_all(broker.bootstrap, "dlq", 1)
    assert m.value() == b"bad"
    h = {k: v.decode() for k, v in m.headers()}
    assert h["__connect.errors.topic"] == "dlq-in"
    assert h["__connect.errors.partition"] == "0" and h["__connect.errors.offset"] == "1"
    assert h["__connect.errors.connector.name"] == "dlq-sink"
    assert h["__connect.errors.task.id"] == "0"
    assert h["__connect.errors.stage"] == "VALUE_CONVERTER"
    assert h["__connect.errors.class.name"] == "test.RejectingConverter"
    assert "serialization error" in h["__connect.errors.exception.message"]
    assert task_state(worker, "dlq-sink")["state"] == "RUNNING"
    # without tolerance the same record fails the task
    create(worker, "strict-sink", {
        "connector.class": "FileStreamSink", "topics": "dlq-in",
        "file": str(tmp_path / "strict.txt"), "value.converter": "test.RejectingConverter"})
    t = wait_until(lambda: (task_state(worker, "strict-sink") or {}).get("state") == "FAILED"
                   and task_state(worker, "strict-sink"), 60, what="the strict sink to fail")
    assert "Tolerance exceeded in error handler" in t["trace"]
