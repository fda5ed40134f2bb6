"""Exactly-once source (KIP-618) in connect-distributed: a 3-broker cluster, two workers with
exactly.once.source.support=enabled, a FileStreamSource (exactly.once.support=required) fed
20,000 lines while it runs; the worker running the task is killed -9 mid-stream, the task
moves to the other worker, and a read_committed consumer of the topic sees every line exactly
once. The same drill on workers with it disabled promises at least once (every line, maybe
more), and there `exactly.once.support=required` is refused with Kafka's 400. One cluster for
both drills, each with its own worker group and topics."""
import json
import os
import sys
import threading
import time

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from cluster import Cluster  # noqa: E402
from connectworker import Worker, start_all  # noqa: E402
from kafkabroker import wait_until  # noqa: E402
from txnread import read_values  # noqa: E402

N = 20000
LINE = "line-%05d\n"  # 11 bytes: the source offset {"position"} is 11 bytes per line
SESSION_MS = 6000
COMMIT_MS = 3000  # offset.flush.interval.ms / transaction.boundary.interval.ms of the drills
RF3 = {"offsets.topic.replication.factor": "3", "default.replication.factor": "3",
       "transaction.state.log.replication.factor": "3", "transaction.state.log.min.isr": "2",
       "min.insync.replicas": "2", "group.initial.rebalance.delay.ms": "0"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cl = Cluster(str(tmp_path_factory.mktemp("eoscluster")), n=3, overrides=RF3).start()
    yield cl
    cl.stop()
    cl.check_sanitizers()


def start_workers(cl, tmp, group, eos):
    ws = []
    for i in range(2):
        ws.append(Worker(str(tmp / group), cl.bootstrap, mode="distributed",
                         name="%s-w%d" % (group, i), overrides={
                             "group.id": group,
                             "config.storage.topic": group + "-configs",
                             "offset.storage.topic": group + "-offsets",
                             "status.storage.topic": group + "-status",
                             "offset.storage.partitions": "3",
                             "status.storage.partitions": "2",
                             "session.timeout.ms": str(SESSION_MS),
                             "heartbeat.interval.ms": "1000",
                             "exactly.once.source.support": eos,
                             "offset.flush.interval.ms": str(COMMIT_MS),
                             "rest.advertised.host.name": "127.0.0.1"}))
    start_all(ws)
    return ws


def create(w, name, cfg):
    def ok():
        st, body, _ = w.rest("POST", "/connectors", {"name": name, "config": cfg})
        assert st in (201, 409), (st, body)  # 409 while the group is still forming
        return st == 201
    wait_until(ok, 60, interval=0.3, what="POST /connectors %s" % name)


def task_worker(w, name):
    """worker_id of task 0 when it is RUNNING (as w sees the status topic)."""
    st, body, _ = w.rest("GET", "/connectors/%s/status" % name, timeout=5)
    if st == 200 and body["tasks"] and body["tasks"][0]["state"] == "RUNNING":
        return body["tasks"][0]["worker_id"]
    return None


def lines_read(w, name):
    """Lines the task has stored offsets for (committed ones, under exactly once)."""
    st, body, _ = w.rest("GET", "/connectors/%s/offsets" % name, timeout=5)
    if st != 200 or not body["offsets"]:
        return 0
    return body["offsets"][0]["offset"]["position"] // len(LINE % 0)


def appender(path, start, stop, per_s, written):
    """Append lines start..stop-1 at about per_s lines a second (the stream the kill cuts);
    written[0] is how many are in the file."""
    with open(path, "a") as f:
        for i in range(start, stop, 100):
            f.writelines(LINE % j for j in range(i, min(i + 100, stop)))
            f.flush()
            written[0] = min(i + 100, stop)
            time.sleep(100.0 / per_s)


def config_record(cl, topic, key):
    """The newest value (JSON) of key on the one-partition config topic."""
    c = Consumer({"bootstrap.servers": cl.bootstrap, "group.id": "cfg-%f" % time.time(),
                  "enable.partition.eof": True, "enable.auto.commit": False})
    found = None
    try:
        c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        deadline = time.time() + 30
        while time.time() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    break
                continue
            if m.key() == key:
                found = json.loads(m.value()) if m.value() else None
    finally:
        c.close()
    return found


def drill(cl, tmp, group, eos):
    """Run the kill -9 drill; return the values a read_committed consumer reads back."""
    topic = group + "-out"
    cl.create_topic(topic, partitions=1, rf=3)
    src = str(tmp / (group + "-in.txt"))
    open(src, "w").close()
    ws = start_workers(cl, tmp, group, eos)
    try:
        cfg = {"connector.class": "FileStreamSource", "file": src, "topic": topic,
               "batch.size": "200"}
        if eos == "enabled":  # one transaction per COMMIT_MS: the kill lands inside one
            cfg.update({"exactly.once.support": "required", "transaction.boundary": "interval",
                        "transaction.boundary.interval.ms": str(COMMIT_MS)})
        create(ws[1], "src", cfg)
        victim_id = wait_until(lambda: task_worker(ws[0], "src"), 60, what="the task RUNNING")
        ids = ["127.0.0.1:%d" % w.port for w in ws]
        victim = ws[ids.index(victim_id)]
        survivor = ws[1 - ids.index(victim_id)]
        written = [0]
        feed = threading.Thread(target=appender, args=(src, 0, N, 2000, written))
        feed.start()
        try:
            # just after a commit (the stored position moves), once 1,000 more lines are in
            # the file: the task has sent records that no commit covers yet
            p0 = wait_until(lambda: lines_read(survivor, "src"), 30, interval=0.02,
                            what="a first commit")
            at_kill = wait_until(lambda: max(lines_read(survivor, "src") - p0, 0) and
                                 lines_read(survivor, "src"), 30, interval=0.02,
                                 what="the next commit")
            wait_until(lambda: written[0] >= at_kill + 1000, 10, interval=0.01,
                       what="1,000 lines past the commit")
            assert feed.is_alive() and at_kill < N, "the kill must land mid-stream"
            victim.kill9()
            moved = wait_until(lambda: task_worker(survivor, "src") == "127.0.0.1:%d" %
                               survivor.port, SESSION_MS / 1000 + 40,
                               what="the task RUNNING on the other worker")
            assert moved != victim_id
        finally:
            feed.join()
        wait_until(lambda: lines_read(survivor, "src") == N, 60, what="every line read")
        if eos == "enabled":  # KIP-618's inter-worker fencing endpoint, through either worker
            assert survivor.rest("PUT", "/connectors/src/fence")[0] == 204
            st, body, _ = survivor.rest("PUT", "/connectors/nope/fence")
            assert st == 404, body
            assert config_record(cl, group + "-configs", b"tasks-fencing-src") == \
                {"task-count": 1}
            # the default boundary (a transaction per poll) in a second connector; adding it
            # rebalances, so the first task also restarts: fenced by itself, resumed at the end
            ptopic, psrc = group + "-poll", str(tmp / (group + "-poll.txt"))
            cl.create_topic(ptopic, partitions=1, rf=3)
            with open(psrc, "w") as f:
                f.writelines(LINE % i for i in range(1000))
            create(survivor, "src-poll", {"connector.class": "FileStreamSource", "file": psrc,
                                          "topic": ptopic, "batch.size": "100",
                                          "exactly.once.support": "required"})
            wait_until(lambda: lines_read(survivor, "src-poll") == 1000, 60,
                       what="the poll-boundary connector's 1,000 lines")
            assert read_values(cl.bootstrap, ptopic, "read_committed", 1000, timeout=30,
                               linger=0.5) == [(LINE % i).strip().encode() for i in range(1000)]
            wait_until(lambda: task_worker(survivor, "src"), 30, what="src RUNNING again")
        got = read_values(cl.bootstrap, topic, "read_committed", N, timeout=60, linger=2.0)
        raw = read_values(cl.bootstrap, topic, "read_uncommitted", N, timeout=30, linger=1.0)
        # the figures of the drill (pytest -s): what the kill left behind
        print("%s: %d lines at the kill; read_committed %d values (%d distinct), "
              "read_uncommitted %d" % (group, at_kill, len(got), len(set(got)), len(raw)))
        return got, raw
    finally:
        for w in ws:
            w.stop()


def test_exactly_once_source_survives_kill9(cluster, tmp_path):
    got, raw = drill(cluster, tmp_path, "eos", "enabled")
    want = [(LINE % i).strip().encode() for i in range(N)]
    # the killed task's open transaction had records: written, aborted, skipped by read_committed
    assert len(raw) > N, "the kill left no aborted records: the drill proved nothing"
    dups = len(got) - len(set(got))
    assert dups == 0, "%d duplicates under exactly once" % dups
    assert sorted(got) == want  # none lost, none extra, and in source order:
    assert got == want


def test_at_least_once_without_it_and_required_refused(cluster, tmp_path):
    got, _ = drill(cluster, tmp_path, "alo", "disabled")
    assert set(got) == {(LINE % i).strip().encode() for i in range(N)}  # none lost
    # the same group restarted with it enabled: the connector's generation was never fenced,
    # so a worker runs the round (Kafka's pendingFencing) before its task starts
    assert config_record(cluster, "alo-configs", b"tasks-fencing-src") is None
    ws = start_workers(cluster, tmp_path, "alo", "enabled")
    try:
        wait_until(lambda: task_worker(ws[0], "src"), 60, what="the task RUNNING, now exactly once")
        assert config_record(cluster, "alo-configs", b"tasks-fencing-src") == {"task-count": 1}
        assert lines_read(ws[0], "src") == N  # resumed where the at-least-once task stopped
    finally:
        for w in ws:
            w.stop()
    # exactly.once.support=required on workers without it: Kafka's 400 from the preflight check
    ws = start_workers(cluster, tmp_path, "alo2", "disabled")
    try:
        cfg = {"connector.class": "FileStreamSource", "file": str(tmp_path / "x.txt"),
               "topic": "x", "exactly.once.support": "required"}

        def refused():
            st, body, _ = ws[0].rest("POST", "/connectors", {"name": "x", "config": cfg})
            assert st in (400, 409), (st, body)
            return body if st == 400 else None
        body = wait_until(refused, 60, interval=0.3, what="the 400")
        assert body["error_code"] == 400
        assert "This worker does not have exactly-once source support enabled." in \
            body["message"], body
        st, infos, _ = ws[0].rest("PUT", "/connector-plugins/FileStreamSource/config/validate",
                                  dict(cfg, name="x"))
        assert st == 200 and infos["error_count"] == 1
        val = [c["value"] for c in infos["configs"]
               if c["definition"]["name"] == "exactly.once.support"][0]
        assert val["errors"] == ["This worker does not have exactly-once source support "
                                 "enabled."]
        # stdin cannot be read again: Kafka's FileStreamSource says it is not supported
        st, infos, _ = ws[0].rest("PUT", "/connector-plugins/FileStreamSource/config/validate",
                                  dict(cfg, name="x", file=""))
        assert st == 200 and "The connector does not support exactly-once semantics with the " \
            "provided configuration." in str(infos)
        assert ws[0].rest("GET", "/connectors/x")[0] == 404
    finally:
        for w in ws:
            w.stop()


def test_standalone_ignores_the_worker_key(cluster, tmp_path):
    """Kafka's standalone worker has no exactly.once.source.support: an unknown key, warned
    about and ignored."""
    w = Worker(str(tmp_path / "sa"), cluster.bootstrap,
               overrides={"exactly.once.source.support": "enabled"})
    w.start()
    try:
        assert "The configuration 'exactly.once.source.support' was supplied but isn't a " \
            "known config." in w.output()
        assert w.rest("PUT", "/connectors/x/fence")[0] == 404  # distributed only
    finally:
        w.stop()
