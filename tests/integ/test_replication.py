"""Replication and the ZooKeeper-elected controller on a real 3-broker cluster: RF3 topics,
leaders and ISR in ZooKeeper and in every broker's Metadata, acks=all and min.insync.replicas,
ISR shrink and expand, no unclean election by default, controlled shutdown."""
import json
import time

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer

from cluster import Cluster, SeqProducer, read_all, verify
from kafkabroker import wait_until


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(str(tmp_path), 3).start()
    yield c
    c.stop()
    c.check_sanitizers()


def produce_one(bootstrap, topic, value, acks, partition=0, timeout=20, extra=None):
    """Produce one message; returns (error code or None, offset)."""
    conf = {"bootstrap.servers": bootstrap, "acks": str(acks), "message.timeout.ms": timeout * 1000,
            "retries": 0}
    conf.update(extra or {})
    p = Producer(conf)
    res = {}

    def cb(err, msg):
        res["err"] = err.code() if err else None
        res["off"] = msg.offset()

    p.produce(topic, value=value, partition=partition, on_delivery=cb)
    p.flush(timeout + 10)
    return res.get("err", "no delivery report"), res.get("off")


def test_rf3_topic_leaders_spread_state_znodes_and_metadata_agree(cluster):
    cluster.create_topic("spread", partitions=6, rf=3)
    parts = cluster.partitions("spread")
    leaders = [parts[p][0] for p in range(6)]
    assert sorted(leaders) == [1, 1, 2, 2, 3, 3], leaders  # round-robin: two each
    for p in range(6):
        leader, replicas, isr = parts[p]
        assert sorted(replicas) == [1, 2, 3] and isr == [1, 2, 3]
        assert leader == replicas[0]  # the preferred replica leads a new partition
        # Kafka's partition state znode, byte for byte in field names
        raw, _ = cluster.kz.get("/brokers/topics/spread/partitions/%d/state" % p)
        st = json.loads(raw)
        assert set(st) == {"controller_epoch", "leader", "version", "leader_epoch", "isr"}
        assert st["version"] == 1 and st["leader"] == leader and sorted(st["isr"]) == [1, 2, 3]
        assert st["leader_epoch"] == 0 and st["controller_epoch"] >= 1
    assign = cluster.zk_json("/brokers/topics/spread")
    assert assign["version"] == 3 and sorted(assign["partitions"]) == [str(i) for i in range(6)]
    for i in (1, 2, 3):  # every broker answers Metadata with the same view
        assert cluster.partitions("spread", i) == parts
        md = cluster.admin(i).list_topics(timeout=10)
        assert md.controller_id == cluster.controller()
        assert md.cluster_id == cluster.zk_json("/cluster/id")["id"]


def test_replicas_hold_identical_logs(cluster):
    cluster.create_topic("copies", partitions=3, rf=3)
    sp = SeqProducer(cluster.bootstrap, "copies", rate=0)
    sp.start()
    wait_until(lambda: len(sp.acked) >= 20000, 60, what="20000 acks")
    sp.finish()
    consumed = read_all(cluster.bootstrap, "copies")
    summary = verify(sp.acked, consumed)
    assert summary["acked"] >= 20000
    # each follower's copy is byte-identical to its leader's
    for p in range(3):
        logs = [open("%s/copies-%d/00000000000000000000.log" % (b.log_dir, p), "rb").read()
                for b in cluster.brokers.values()]
        wait_until(lambda: len({len(x) for x in [open("%s/copies-%d/00000000000000000000.log" % (
            b.log_dir, p), "rb").read() for b in cluster.brokers.values()]}) == 1, 30,
                   what="followers to catch up on copies-%d" % p)
        logs = [open("%s/copies-%d/00000000000000000000.log" % (b.log_dir, p), "rb").read()
                for b in cluster.brokers.values()]
        assert logs[0] == logs[1] == logs[2] and len(logs[0]) > 0


def test_acks_all_needs_min_insync_replicas_and_isr_grows_back(cluster):
    cluster.create_topic("mir", partitions=1, rf=3, config={"min.insync.replicas": "2"})
    leader = cluster.leader("mir", 0)
    others = [i for i in (1, 2, 3) if i != leader]
    assert produce_one(cluster.bootstrap, "mir", b"before", "all")[0] is None
    for i in others:
        cluster.kill9(i)
    cluster.wait_isr("mir", 0, 1)  # the controller drops the dead followers from the ISR
    err, _ = produce_one(cluster.live_bootstrap(), "mir", b"lonely", "all", timeout=10)
    assert err == KafkaError.NOT_ENOUGH_REPLICAS, err
    err, off = produce_one(cluster.live_bootstrap(), "mir", b"acks1", 1)
    assert err is None and off == 1  # acks=1 still works; the refused one was not appended
    for i in others:
        cluster.restart(i, wait=False)
    for i in others:
        cluster.brokers[i].wait_ready()
    cluster.wait_isr("mir", 0, 3)  # the followers catch up and the leader adds them back
    assert sorted(cluster.zk_state("mir", 0)["isr"]) == [1, 2, 3]
    for i in (1, 2, 3):
        assert cluster.partitions("mir", i)[0][2] == [1, 2, 3]
    assert produce_one(cluster.bootstrap, "mir", b"after", "all")[0] is None
    vals = [v for _, v in read_all(cluster.bootstrap, "mir")[0]]
    assert vals == ["before", "acks1", "after"]


def test_no_unclean_election_by_default(cluster):
    cluster.create_topic("clean", partitions=1, rf=3)
    leader = cluster.leader("clean", 0)
    followers = [i for i in (1, 2, 3) if i != leader]
    assert produce_one(cluster.bootstrap, "clean", b"committed", "all")[0] is None
    for i in followers:
        cluster.kill9(i)
    cluster.wait_isr("clean", 0, 1)
    cluster.kill9(leader)  # the only ISR member goes too (with it, maybe the controller)
    cluster.restart(followers[0])  # an out-of-sync replica returns: it must not lead
    wait_until(lambda: cluster.zk_state("clean", 0)["leader"] == -1, 60, what="partition offline")
    assert cluster.zk_state("clean", 0)["isr"] == [leader]  # the last ISR member is kept
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:  # and it stays offline
        st = cluster.zk_state("clean", 0)
        assert st["leader"] == -1, st
        time.sleep(0.2)
    parts = cluster.partitions("clean", followers[0])
    assert parts[0][0] == -1  # Metadata: no leader (clients get LEADER_NOT_AVAILABLE)
    err, _ = produce_one(cluster.brokers[followers[0]].bootstrap, "clean", b"x", 1, timeout=5)
    assert err is not None
    cluster.restart(leader)  # the ISR member returns and leads again
    wait_until(lambda: cluster.zk_state("clean", 0)["leader"] == leader, 60, what="leader back")
    cluster.restart(followers[1])
    cluster.wait_isr("clean", 0, 3)
    assert [v for _, v in read_all(cluster.bootstrap, "clean")[0]] == ["committed"]
