"""A log dir failing under load (KIP-112): broker 1 of a real 3-broker cluster has two log dirs,
one of them a 2 MB tmpfs mounted by the test. An idempotent acks=all producer writes RF3
partitions all led by broker 1; the tmpfs is then filled so appends there fail with ENOSPC.
The dir's replicas must go offline while the broker stays up and keeps leading the partitions
of its healthy dir; leadership of the failed dir's partitions moves to the other replicas;
DescribeLogDirs (kafka-log-dirs) names the dir with KAFKA_STORAGE_ERROR; Metadata v5 lists
broker 1 in offline_replicas of those partitions; and every acknowledged message is read back.
Then a fresh controller must still know those replicas offline (from ZooKeeper), with the
other two brokers killed even an unclean election must not make them leaders, and once broker 1
restarts (space freed) its replicas are back in every ISR. A broker whose only dir fails stops."""
import contextlib
import errno
import json
import os
import subprocess
import time

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import NewTopic

from cluster import Cluster, SeqProducer, read_all, verify
from kafkabroker import ROOT, wait_until
from test_replication import offline_replicas

TOPIC = "ldf"
NPARTS = 6


def fill(path):
    """Write a file in path until the filesystem is full; returns the bytes written."""
    n = 0
    with open(os.path.join(path, "filler"), "wb", buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            chunk = b"\0" * size
            while True:
                try:
                    n += f.write(chunk)
                except OSError as e:
                    assert e.errno == errno.ENOSPC, e
                    break
    return n


def wait_logs(broker, topic, n):
    """Until broker has created the logs of topic's n partitions (in any of its dirs)."""
    wait_until(lambda: all(any(os.path.isdir(os.path.join(d, "%s-%d" % (topic, p)))
                               for d in broker.log_dirs) for p in range(n)), 30,
               what="broker %d's logs of %s" % (broker.id, topic))


def log_dirs_json(cluster, broker):
    r = subprocess.run([os.path.join(ROOT, "bin", "kafka-log-dirs"), "--bootstrap-server",
                        cluster.bootstrap, "--describe", "--broker-list", str(broker)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout.split("\n")[2])
    return {d["logDir"]: d for d in doc["brokers"][0]["logDirs"]}


@contextlib.contextmanager
def tmpfs(path, size="2m"):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)


@pytest.fixture
def cluster(tmp_path):
    # unclean election on: the last check makes the failed dir's replicas the only live ones
    c = Cluster(str(tmp_path), 3, overrides={"unclean.leader.election.enable": "true"})
    b1 = c.brokers[1]
    good, small = os.path.join(b1.dir, "data-a"), os.path.join(b1.dir, "data-b")
    os.makedirs(good)
    with tmpfs(small):
        b1.log_dirs = [good, small]
        b1.overrides["log.dirs"] = ",".join(b1.log_dirs)
        b1._write_config()
        c.start()
        try:
            yield c
        finally:
            c.stop()
        c.check_sanitizers()


def test_full_log_dir_moves_its_partitions_and_broker_serves_the_other_dir(cluster):
    b1 = cluster.brokers[1]
    good, small = (os.path.abspath(d) for d in b1.log_dirs)
    # broker 1 leads every partition (first replica), the others follow in both orders
    assign = [[1, 2, 3] if p % 2 == 0 else [1, 3, 2] for p in range(NPARTS)]
    a = cluster.admin()
    a.create_topics([NewTopic(TOPIC, NPARTS, replica_assignment=assign)])[TOPIC].result(60)
    wait_until(lambda: all(v[0] == 1 and len(v[2]) == 3
                           for v in cluster.partitions(TOPIC).values()) and
               len(cluster.partitions(TOPIC)) == NPARTS, 60, what="leaders and full ISRs")
    wait_logs(b1, TOPIC, NPARTS)
    in_dir = {d: sorted(p for p in range(NPARTS)
                        if os.path.isdir(os.path.join(d, "%s-%d" % (TOPIC, p))))
              for d in (good, small)}
    # placement by fewest partitions: both dirs hold some
    assert in_dir[good] and in_dir[small] and \
        sorted(in_dir[good] + in_dir[small]) == list(range(NPARTS)), in_dir
    failed, healthy = in_dir[small], in_dir[good]
    # and a topic broker 1 only follows: one replica in each dir (fewest partitions first)
    a.create_topics([NewTopic("ldf2", 2, replica_assignment=[[2, 1, 3], [3, 1, 2]])])["ldf2"] \
        .result(60)
    wait_until(lambda: all(len(v[2]) == 3 for v in cluster.partitions("ldf2").values()), 60,
               what="ldf2 in sync")
    wait_logs(b1, "ldf2", 2)
    f2_failed = [p for p in range(2) if os.path.isdir(os.path.join(small, "ldf2-%d" % p))]
    assert len(f2_failed) == 1, f2_failed
    f2_healthy = [1 - f2_failed[0]]

    prod = SeqProducer(cluster.bootstrap, TOPIC, rate=300)
    prod.start()
    try:
        wait_until(lambda: len(prod.acked) >= 600, 60, what="acks before the fault")
        filled = fill(small)
        t_fault = time.monotonic()

        # the broker takes the dir offline and tells the controller: leadership moves
        def moved():
            st = {p: cluster.zk_state(TOPIC, p) for p in failed}
            return all(s["leader"] not in (1, -1) and 1 not in s["isr"] for s in st.values())
        wait_until(moved, 60, what="leaders of the failed dir's partitions to move off broker 1")
        t_moved = time.monotonic()
        assert b1.alive()
        for p in healthy:  # the healthy dir's partitions stay led by broker 1, in sync
            s = cluster.zk_state(TOPIC, p)
            assert s["leader"] == 1 and sorted(s["isr"]) == [1, 2, 3], (p, s)

        dirs = log_dirs_json(cluster, 1)
        assert dirs[small]["error"] == "org.apache.kafka.common.errors.KafkaStorageException"
        assert dirs[small]["partitions"] == []
        assert dirs[good]["error"] is None
        assert sorted(int(x["partition"].rsplit("-", 1)[1]) for x in dirs[good]["partitions"]
                      if x["partition"].startswith(TOPIC + "-")) == healthy

        # broker 1's follower replica in the failed dir leaves the ISR; its leader stays
        wait_until(lambda: 1 not in cluster.zk_state("ldf2", f2_failed[0])["isr"], 30,
                   what="broker 1 out of the ISR of its follower replica in the failed dir")
        s2 = cluster.zk_state("ldf2", f2_failed[0])
        assert s2["leader"] == [2, 3][f2_failed[0]] and sorted(s2["isr"]) == [2, 3], s2
        assert sorted(cluster.zk_state("ldf2", f2_healthy[0])["isr"]) == [1, 2, 3]
        off2 = offline_replicas(cluster.bootstrap, "ldf2")
        assert off2 == {f2_failed[0]: [1], f2_healthy[0]: []}, off2

        def offline_ok():
            off = offline_replicas(cluster.bootstrap, TOPIC)
            return all(off[p] == [1] for p in failed) and all(off[p] == [] for p in healthy)
        wait_until(offline_ok, 30, what="Metadata offline_replicas = [1] for the failed dir")

        # acks keep coming on every partition: the failed dir's via their new leaders, the
        # healthy dir's still from broker 1
        def acked_after():
            n = {p: 0 for p in range(NPARTS)}
            with prod.lock:
                for part, _, t in prod.acked.values():
                    if t > t_moved:
                        n[part] += 1
            return all(v >= 20 for v in n.values())
        wait_until(acked_after, 60, interval=0.5, what="acks on every partition after the move")
        gap = prod.gap_around(t_fault)
    finally:
        prod.finish()
    assert prod.errors == [], prod.errors[:5]
    for p in healthy:
        assert cluster.zk_state(TOPIC, p)["leader"] == 1
    # replicas in the failed dir stay offline (no election puts broker 1 back)
    for p in failed:
        s = cluster.zk_state(TOPIC, p)
        assert s["leader"] != 1 and 1 not in s["isr"], (p, s)
    assert b1.alive()
    summary = verify(prod.acked, read_all(cluster.live_bootstrap(), TOPIC))

    # A fresh controller (the znode deleted: every broker races, the winner loads the state
    # anew) must learn the offline replicas from the notifications in ZooKeeper; then with
    # brokers 2 and 3 gone, even an unclean election must not pick broker 1's offline replicas.
    epoch = int(cluster.kz.get("/controller_epoch")[0])
    cluster.kz.delete("/controller")
    wait_until(lambda: int(cluster.kz.get("/controller_epoch")[0]) > epoch and
               cluster.controller() is not None, 30, what="a new controller")
    new_ctl = cluster.controller()
    assert cluster.kz.get_children("/log_dir_event_notification"), "notification kept"
    cluster.kill9(2)
    cluster.kill9(3)
    wait_until(lambda: all(cluster.zk_state(TOPIC, p)["isr"] == [1] for p in healthy), 60,
               what="the healthy dir's ISRs to shrink to broker 1")
    for p in failed:
        s = cluster.zk_state(TOPIC, p)
        assert s["leader"] == -1, (p, s)  # offline, not led by the offline replica
    off = offline_replicas(b1.bootstrap, TOPIC)
    assert all(off[p] == [1, 2, 3] for p in failed), off
    assert all(off[p] == [2, 3] for p in healthy), off
    assert b1.alive()

    # Offline until a restart: with space again and the brokers back, broker 1 restarted
    # registers anew, its old notification is dropped, and its replicas rejoin every ISR.
    os.unlink(os.path.join(small, "filler"))
    cluster.restart(2)
    cluster.restart(3)
    b1.stop(60)
    out = b1.output()
    cluster.restart(1)
    wait_until(lambda: all(sorted(v[2]) == [1, 2, 3] for v in cluster.partitions(TOPIC).values()),
               120, what="broker 1 back in every ISR after its restart")
    wait_until(lambda: not cluster.kz.get_children("/log_dir_event_notification"), 30,
               what="the stale notification deleted")
    wait_until(lambda: all(v == [] for v in offline_replicas(cluster.bootstrap, TOPIC).values()),
               30, what="no offline replicas after the restart")

    assert "log dir %s failed" % b1.log_dirs[1] in out, out[-3000:]
    print("\n".join(l for l in out.splitlines() if "(ldfail)" in l or "log dir" in l))
    print("filled %d bytes; failed dir partitions %s moved in %.1f s; longest gap %.1f s; %s; "
          "controller after the change: %s" % (filled, failed, t_moved - t_fault, gap, summary,
                                                new_ctl))


def test_broker_with_every_log_dir_failed_stops(tmp_path, broker_factory):
    """Kafka halts when no log dir is left; a produce it could not write is not acknowledged."""
    with tmpfs(str(tmp_path / "only")) as only:
        b = broker_factory(overrides={"log.dirs": only})
        r = subprocess.run([os.path.join(ROOT, "bin", "kafka-topics"), "--bootstrap-server",
                            b.bootstrap, "--create", "--topic", "solo", "--partitions", "1",
                            "--replication-factor", "1"], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        p = Producer({"bootstrap.servers": b.bootstrap, "acks": "1", "linger.ms": 0,
                      "message.timeout.ms": 15000})
        res = []
        p.produce("solo", value=b"before", on_delivery=lambda e, m: res.append(e))
        p.flush(30)
        assert res == [None], res
        fill(only)
        res.clear()
        p.produce("solo", value=b"x" * 8192, on_delivery=lambda e, m: res.append(e))
        p.flush(30)
        assert len(res) == 1 and res[0] is not None, res  # never acknowledged
        wait_until(lambda: not b.alive(), 30, what="the broker to stop")
        assert b.proc.returncode == 1
        out = b.output()
        assert "fatal: every log dir is offline; shutting down" in out, out[-3000:]
