"""Connect's REST API contract on connect-standalone: every endpoint with good and bad input,
bodies in the shapes of Kafka's documented examples (connect REST docs, KIP-745, KIP-875,
KIP-875's stop), error bodies {"error_code":..,"message":..}."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from connectworker import Worker  # noqa: E402
from kafkabroker import wait_until  # noqa: E402

SRC = "org.apache.kafka.connect.file.FileStreamSourceConnector"
SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


@pytest.fixture
def worker(tmp_path, broker):
    w = Worker(str(tmp_path / "connect"), broker.bootstrap).start()
    yield w
    w.stop()


def state(w, name):
    st = w.rest("GET", "/connectors/%s/status" % name)[1]
    return st["connector"]["state"], [t["state"] for t in st["tasks"]]


def test_root_plugins_and_validate(worker):
    st, body, _ = worker.rest("GET", "/")
    assert st == 200 and body["version"] and body["commit"] and body["kafka_cluster_id"]
    st, plugins, _ = worker.rest("GET", "/connector-plugins")
    assert st == 200
    assert {"class": SRC, "type": "source", "version": "3.7.0"} in plugins
    assert {"class": SINK, "type": "sink", "version": "3.7.0"} in plugins
    assert all(p["type"] in ("source", "sink") for p in plugins)
    everything = worker.rest("GET", "/connector-plugins?connectorsOnly=false")[1]
    assert any(p["type"] == "converter" for p in everything)

    st, v, _ = worker.rest("PUT", "/connector-plugins/FileStreamSource/config/validate",
                           {"connector.class": SRC, "name": "x", "batch.size": "0"})
    assert st == 200 and v["name"] == SRC and v["error_count"] == 2
    assert v["groups"] == ["Common", "Transforms", "Predicates", "Error Handling",
                           "Exactly Once Support", "offsets.topic"]  # a source's (KIP-618)
    by = {c["definition"]["name"]: c for c in v["configs"]}
    assert by["topic"]["value"]["errors"] == [
        'Missing required configuration "topic" which has no default value.']
    assert by["batch.size"]["value"]["errors"] == [
        "Invalid value 0 for configuration batch.size: Value must be at least 1"]
    assert by["tasks.max"]["definition"] == {
        "name": "tasks.max", "type": "INT", "required": False, "default_value": "1",
        "importance": "HIGH", "documentation": "Maximum number of tasks to use for this connector.",
        "group": "Common", "width": "MEDIUM", "display_name": "Tasks max", "dependents": [],
        "order": 3}
    assert by["tasks.max"]["value"] == {"name": "tasks.max", "value": "1",
                                        "recommended_values": [], "errors": [], "visible": True}
    st, v, _ = worker.rest("PUT", "/connector-plugins/FileStreamSink/config/validate",
                           {"connector.class": SINK, "name": "x"})
    assert st == 200 and v["error_count"] == 2  # neither topics nor topics.regex
    st, body, _ = worker.rest("PUT", "/connector-plugins/FileStreamSink/config/validate",
                              {"connector.class": SRC})
    assert st == 400 and "does not match request type" in body["message"]
    st, body, _ = worker.rest("PUT", "/connector-plugins/Nope/config/validate", {})
    assert st == 500 and body == {"error_code": 500, "message": "Failed to find any class that "
                                  "implements Connector and which name matches Nope"}
    st, body, _ = worker.rest("PUT", "/connector-plugins/FileStreamSink/config/validate", "{}",
                              content_type="text/plain")
    assert st == 415 and body == {"error_code": 415, "message": "HTTP 415 Unsupported Media Type"}
    assert worker.rest("GET", "/connector-plugins/FileStreamSink/config/validate")[0] == 405


def test_connector_lifecycle(worker, tmp_path):
    src_file = str(tmp_path / "in.txt")
    with open(src_file, "w") as f:
        f.write("a\nb\n")
    cfg = {"connector.class": "FileStreamSource", "tasks.max": "1", "file": src_file,
           "topic": "rest-test"}
    # bad input first
    st, body, _ = worker.rest("POST", "/connectors", {"name": "src", "config": cfg},
                              content_type="text/plain")
    assert st == 415
    st, body, _ = worker.rest("POST", "/connectors", {"name": "src",
                                                      "config": dict(cfg, topic="a,b")})
    assert st == 400 and body["error_code"] == 400
    assert body["message"].startswith(
        "Connector configuration is invalid and contains the following 1 error(s):\n")
    assert "requires definition of a single topic" in body["message"]
    st, body, _ = worker.rest("POST", "/connectors", "{not json")
    assert st == 400
    st, body, _ = worker.rest("POST", "/connectors", {"config": cfg})
    assert st == 400
    assert worker.rest("DELETE", "/connectors")[0] == 405

    st, body, _ = worker.rest("POST", "/connectors", {"name": "src", "config": cfg})
    assert st == 201, body
    assert body == {"name": "src", "config": dict(cfg, name="src"),
                    "tasks": [{"connector": "src", "task": 0}], "type": "source"}
    st, body, _ = worker.rest("POST", "/connectors", {"name": "src", "config": cfg})
    assert st == 409 and body == {"error_code": 409, "message": "Connector src already exists"}
    wait_until(lambda: state(worker, "src") == ("RUNNING", ["RUNNING"]), 30, what="RUNNING")

    assert worker.rest("GET", "/connectors")[1] == ["src"]
    ex = worker.rest("GET", "/connectors?expand=status")[1]
    assert ex["src"]["status"]["connector"]["state"] == "RUNNING"
    assert ex["src"]["status"]["connector"]["worker_id"] == "127.0.0.1:%d" % worker.port
    ex = worker.rest("GET", "/connectors?expand=info")[1]
    assert ex["src"]["info"]["type"] == "source" and "status" not in ex["src"]
    ex = worker.rest("GET", "/connectors?expand=status&expand=info")[1]
    assert set(ex["src"]) == {"status", "info"}
    assert worker.rest("GET", "/connectors/src")[1]["tasks"] == [{"connector": "src", "task": 0}]
    assert worker.rest("GET", "/connectors/src/config")[1] == dict(cfg, name="src")
    tasks = worker.rest("GET", "/connectors/src/tasks")[1]
    assert tasks[0]["id"] == {"connector": "src", "task": 0}
    assert tasks[0]["config"]["file"] == src_file
    st, ts, _ = worker.rest("GET", "/connectors/src/tasks/0/status")
    assert st == 200 and ts == {"id": 0, "state": "RUNNING",
                                "worker_id": "127.0.0.1:%d" % worker.port}
    assert worker.rest("GET", "/connectors/src/tasks/7/status")[0] == 404
    st, body, _ = worker.rest("GET", "/connectors/nope/status")
    assert st == 404 and body == {"error_code": 404, "message": "Connector nope not found"}
    assert worker.rest("GET", "/connectors/nope")[0] == 404
    assert worker.rest("DELETE", "/connectors/nope")[0] == 404
    assert worker.rest("GET", "/nowhere")[0] == 404
    assert worker.rest("GET", "/connectors/src/restart")[0] == 405
    assert worker.rest("POST", "/connectors/src/pause")[0] == 405

    # offsets (KIP-875): the file position after "a\nb\n"
    def offsets():
        o = worker.rest("GET", "/connectors/src/offsets")[1]["offsets"]
        return o == [{"partition": {"filename": src_file}, "offset": {"position": 4}}]
    wait_until(offsets, 30, what="source offsets via REST")

    # active topics (KIP-558)
    wait_until(lambda: worker.rest("GET", "/connectors/src/topics")[1] ==
               {"src": {"topics": ["rest-test"]}}, 30, what="the source's active topics")
    assert worker.rest("PUT", "/connectors/src/topics/reset")[0] == 202
    assert worker.rest("GET", "/connectors/src/topics")[1] == {"src": {"topics": []}}
    assert worker.rest("GET", "/connectors/nope/topics")[0] == 404
    assert worker.rest("POST", "/connectors/src/topics/reset")[0] == 405

    # pause / resume / stop
    assert worker.rest("PUT", "/connectors/src/pause")[0] == 202
    wait_until(lambda: state(worker, "src") == ("PAUSED", ["PAUSED"]), 30, what="PAUSED")
    assert worker.rest("PUT", "/connectors/src/resume")[0] == 202
    wait_until(lambda: state(worker, "src") == ("RUNNING", ["RUNNING"]), 30, what="resumed")
    assert worker.rest("PUT", "/connectors/src/stop")[0] == 204
    wait_until(lambda: state(worker, "src") == ("STOPPED", []), 30, what="STOPPED")
    assert worker.rest("PUT", "/connectors/src/resume")[0] == 202
    wait_until(lambda: state(worker, "src") == ("RUNNING", ["RUNNING"]), 30, what="restarted")

    # restarts (KIP-745)
    assert worker.rest("POST", "/connectors/src/restart")[0] == 204
    st, body, _ = worker.rest("POST", "/connectors/src/restart?includeTasks=true")
    assert st == 202 and body["name"] == "src" and body["type"] == "source"
    st, body, _ = worker.rest("POST", "/connectors/src/restart?includeTasks=true&onlyFailed=true")
    assert st == 202
    assert worker.rest("POST", "/connectors/src/tasks/0/restart")[0] == 204
    assert worker.rest("POST", "/connectors/src/tasks/5/restart")[0] == 404
    wait_until(lambda: state(worker, "src") == ("RUNNING", ["RUNNING"]), 30, what="RUNNING")

    # update through PUT config (200), create through PUT config (201)
    st, body, _ = worker.rest("PUT", "/connectors/src/config", dict(cfg, **{"batch.size": "10"}))
    assert st == 200 and body["config"]["batch.size"] == "10"
    st, body, _ = worker.rest("PUT", "/connectors/other/config", dict(cfg, name="wrong"))
    assert st == 400
    st, body, _ = worker.rest("PUT", "/connectors/other/config", dict(cfg, topic="t2"))
    assert st == 201 and body["name"] == "other"
    assert sorted(worker.rest("GET", "/connectors")[1]) == ["other", "src"]

    # a sink's offsets are its consumer group's (KIP-875 shape)
    out = str(tmp_path / "out.txt")
    st, body, _ = worker.rest("POST", "/connectors", {"name": "snk", "config": {
        "connector.class": "FileStreamSink", "file": out, "topics": "rest-test"}})
    assert st == 201 and body["type"] == "sink"

    def sink_offsets():
        o = worker.rest("GET", "/connectors/snk/offsets")[1]["offsets"]
        return o == [{"partition": {"kafka_topic": "rest-test", "kafka_partition": 0},
                      "offset": {"kafka_offset": 2}}]
    wait_until(sink_offsets, 30, what="sink offsets via REST")
    assert worker.rest("DELETE", "/connectors/snk")[0] == 204

    assert worker.rest("DELETE", "/connectors/src")[0] == 204
    assert worker.rest("DELETE", "/connectors/other")[0] == 204
    assert worker.rest("GET", "/connectors/src")[0] == 404
    assert worker.rest("GET", "/connectors")[1] == []
