"""connect-distributed: three workers in one group on our broker; a file source and a file
sink created with curl (through a worker that may be a follower: forwarded to the leader);
kill -9 the worker running the sink task mid-stream: within the session timeout the task runs
on another worker (REST status shows it) and the sink file ends with every line (at least
once, as Connect's file sink promises)."""
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from connectworker import Worker, start_all  # noqa: E402
from kafkabroker import wait_until  # noqa: E402

SESSION_MS = 6000


def curl(method, url, body=None):
    args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, url]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60).stdout
    text, code = out.rsplit("\n", 1)
    return int(code), (json.loads(text) if text.strip() else None)


@pytest.fixture
def workers(tmp_path, broker):
    ws = []
    for i in range(3):
        ws.append(Worker(str(tmp_path / "connect"), broker.bootstrap, mode="distributed",
                         name="worker%d" % i, overrides={
                             "group.id": "connect-cluster",
                             "config.storage.topic": "connect-configs",
                             "offset.storage.topic": "connect-offsets",
                             "status.storage.topic": "connect-status",
                             "config.storage.replication.factor": "1",
                             "offset.storage.replication.factor": "1",
                             "status.storage.replication.factor": "1",
                             "offset.storage.partitions": "3",
                             "status.storage.partitions": "2",
                             "session.timeout.ms": str(SESSION_MS),
                             "heartbeat.interval.ms": "1000",
                             "consumer.session.timeout.ms": str(SESSION_MS),
                             "consumer.heartbeat.interval.ms": "1000",
                             "rest.advertised.host.name": "127.0.0.1"}))
    start_all(ws)
    yield ws
    for w in ws:
        w.stop()


def status(w, name):
    st, body = curl("GET", w.url + "/connectors/%s/status" % name)
    return body if st == 200 else None


def running_on(w, name):
    """worker_id of the connector's task 0 when connector and task are RUNNING."""
    st = status(w, name)
    if st and st["connector"]["state"] == "RUNNING" and st["tasks"] and \
            st["tasks"][0]["state"] == "RUNNING":
        return st["tasks"][0]["worker_id"]
    return None


def lines(path):
    return open(path).read().splitlines() if os.path.exists(path) else []


def test_three_workers_survive_kill9_of_the_sink_worker(workers, tmp_path):
    src, out = str(tmp_path / "in.txt"), str(tmp_path / "out.txt")
    with open(src, "w") as f:
        f.writelines("line-%05d\n" % i for i in range(500))

    def create(w, name, cfg):
        def ok():
            st, body = curl("POST", w.url + "/connectors", {"name": name, "config": cfg})
            assert st in (201, 409), (st, body)  # 409 while the group is still forming
            return st == 201
        wait_until(ok, 60, interval=0.5, what="POST /connectors %s" % name)

    create(workers[1], "dsrc", {"connector.class": "FileStreamSource", "file": src,
                                "topic": "dist-test"})
    create(workers[2], "dsink", {"connector.class": "FileStreamSink", "file": out,
                                 "topics": "dist-test"})
    for w in workers:  # every worker sees both (config topic)
        wait_until(lambda: sorted(curl("GET", w.url + "/connectors")[1] or []) ==
                   ["dsink", "dsrc"], 30, what="both connectors listed on %s" % w.url)
    victim_id = wait_until(lambda: running_on(workers[0], "dsink"), 60, what="sink RUNNING")
    wait_until(lambda: running_on(workers[0], "dsrc"), 60, what="source RUNNING")
    wait_until(lambda: len(lines(out)) >= 500, 60, what="the first 500 lines in the sink")
    ids = ["127.0.0.1:%d" % w.port for w in workers]
    assert len(set(ids)) == 3 and victim_id in ids
    victim = workers[ids.index(victim_id)]
    with open(src, "a") as f:  # mid-stream: more lines while the worker dies
        f.writelines("line-%05d\n" % i for i in range(500, 1000))
    victim.kill9()
    survivor = next(w for w in workers if w is not victim)
    moved = wait_until(lambda: (running_on(survivor, "dsink") or victim_id) != victim_id and
                       running_on(survivor, "dsink"), SESSION_MS / 1000 + 30,
                       what="the sink task on another worker")
    assert moved != victim_id
    with open(src, "a") as f:
        f.writelines("line-%05d\n" % i for i in range(1000, 1500))
    want = {"line-%05d" % i for i in range(1500)}
    wait_until(lambda: want <= set(lines(out)), 90, what="every line in the sink file")
    st, body = curl("GET", survivor.url + "/connectors/dsrc/status")
    assert st == 200 and body["connector"]["state"] == "RUNNING"
    # source offsets from the offsets topic, on any worker
    st, body = curl("GET", survivor.url + "/connectors/dsrc/offsets")
    assert st == 200 and body["offsets"][0]["partition"] == {"filename": src}
    # KIP-745 restart through any worker: the plan shows RESTARTING, then all run again
    st, plan = curl("POST", survivor.url + "/connectors/dsink/restart?includeTasks=true")
    assert st == 202 and plan["connector"]["state"] == "RESTARTING", plan
    assert [t["state"] for t in plan["tasks"]] == ["RESTARTING"]
    wait_until(lambda: running_on(survivor, "dsink"), 30, what="dsink RUNNING after restart")
    # a task restart reaches the worker that runs the task
    others = [w for w in workers if w is not victim]
    for w in others:
        assert curl("POST", w.url + "/connectors/dsrc/tasks/0/restart")[0] == 204
    wait_until(lambda: running_on(survivor, "dsrc"), 30, what="dsrc RUNNING after restart")


def test_writes_get_409_while_the_group_rebalances(tmp_path, broker_factory):
    # the broker holds a new group's first join for 3 s (Kafka's default initial delay): the
    # worker is up and answering reads, but has no assignment yet
    b = broker_factory(overrides={"group.initial.rebalance.delay.ms": "3000"})
    w = Worker(str(tmp_path / "c409"), b.bootstrap, mode="distributed", overrides={
        "group.id": "g409", "config.storage.topic": "c409-configs",
        "offset.storage.topic": "c409-offsets", "status.storage.topic": "c409-status",
        "config.storage.replication.factor": "1", "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1", "offset.storage.partitions": "1",
        "status.storage.partitions": "1", "rest.advertised.host.name": "127.0.0.1"})
    w.start()
    try:
        cfg = {"name": "x", "config": {"connector.class": "FileStreamSink", "topics": "t",
                                       "file": str(tmp_path / "x.txt")}}
        st, body, _ = w.rest("POST", "/connectors", cfg)
        assert st == 409, (st, body)
        assert body == {"error_code": 409, "message": "Cannot complete request because of a "
                        "conflicting operation (e.g. worker rebalance)"}
        assert w.rest("GET", "/connectors")[0] == 200  # reads are served meanwhile
        wait_until(lambda: w.rest("POST", "/connectors", cfg)[0] == 201, 30, interval=0.2,
                   what="the create once the group is stable")
    finally:
        w.stop()
