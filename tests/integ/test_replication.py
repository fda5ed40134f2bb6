"""Replication and the ZooKeeper-elected controller on a real 3-broker cluster: RF3 topics,
leaders and ISR in ZooKeeper and in every broker's Metadata, acks=all and min.insync.replicas,
ISR shrink and expand, no unclean election by default, controlled shutdown."""
import json
import re
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


def offline_replicas(bootstrap, topic):
    """{partition: offline replica ids} from a Metadata v5 request (kafka-python's client)."""
    from kafka.client_async import KafkaClient
    from kafka.protocol.metadata import MetadataRequest
    cli = KafkaClient(bootstrap_servers=bootstrap, api_version=(2, 0))
    try:
        node = wait_until(lambda: cli.least_loaded_node(), 30, what="a node")

        def connected():
            if cli.ready(node):
                return True
            cli.poll(timeout_ms=100)
            return False

        wait_until(connected, 30, what="a connection")
        fut = cli.send(node, MetadataRequest[5](topics=[topic], allow_auto_topic_creation=False))
        cli.poll(future=fut, timeout_ms=10000)
        resp = fut.value
        for err, name, _internal, parts in resp.topics:
            if name == topic:
                return {p[1]: sorted(p[5]) for p in parts}
    finally:
        cli.close()


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
        # (UpdateMetadata reaches the brokers one by one: the last may trail by a moment)
        wait_until(lambda: cluster.partitions("spread", i) == parts, 10,
                   what="broker %d's metadata" % i)
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
    assert offline_replicas(cluster.live_bootstrap(), "mir") == {0: sorted(others)}
    err, _ = produce_one(cluster.live_bootstrap(), "mir", b"lonely", "all", timeout=10)
    assert err == KafkaError.NOT_ENOUGH_REPLICAS, err
    err, off = produce_one(cluster.live_bootstrap(), "mir", b"acks1", 1)
    assert err is None and off == 1  # acks=1 still works; the refused one was not appended
    for i in others:
        cluster.restart(i, wait=False)
    for i in others:
        cluster.brokers[i].wait_ready()
    cluster.wait_isr("mir", 0, 3)  # the followers catch up and the leader adds them back
    assert offline_replicas(cluster.bootstrap, "mir") == {0: []}
    assert sorted(cluster.zk_state("mir", 0)["isr"]) == [1, 2, 3]
    for i in (1, 2, 3):
        wait_until(lambda: cluster.partitions("mir", i)[0][2] == [1, 2, 3], 10,
                   what="broker %d's metadata to show the full ISR" % i)
    assert produce_one(cluster.bootstrap, "mir", b"after", "all")[0] is None
    vals = [v for _, v in read_all(cluster.bootstrap, "mir")[0]]
    assert vals == ["before", "acks1", "after"]


def test_restarted_follower_rejoins_every_isr_through_batched_alter_partition(cluster):
    """A follower back from a restart rejoins the ISR of 200 partitions: each leader sends its
    pending ISR expansions together (isr.c), so the controller sees a few AlterPartition
    requests of many changes each, not one request per partition."""
    n = 200
    cluster.create_topic("rejoin", partitions=n, rf=3)
    ctl = cluster.controller()
    bid = next(i for i in (1, 2, 3) if i != ctl)
    cluster.brokers[bid].stop()
    wait_until(lambda: all(bid not in v[2] for v in cluster.partitions("rejoin", ctl).values()),
               60, what="broker %d out of every ISR" % bid)
    mark = len(cluster.brokers[ctl].output())
    cluster.restart(bid)
    wait_until(lambda: all(sorted(cluster.zk_state("rejoin", p)["isr"]) == [1, 2, 3]
                           for p in range(n)), 90, what="broker %d back in every ISR" % bid)
    out = cluster.brokers[ctl].output()[mark:]
    batches = [int(m) for m in re.findall(r"AlterPartition from broker \d+: (\d+) changes", out)]
    expands = out.count("(ISR expand)")
    assert expands == n, expands  # each partition's ISR written once, none rejected
    assert sum(batches) >= n // 2 and len(batches) <= n // 10, batches


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


@pytest.fixture
def slow_session_cluster(tmp_path):
    """Sessions that outlast a paused follower: only the leader's lag check can drop it."""
    c = Cluster(str(tmp_path), 3, overrides={"zookeeper.session.timeout.ms": "60000",
                                             "replica.lag.time.max.ms": "3000"}).start()
    yield c
    c.stop()
    c.check_sanitizers()


def test_leader_shrinks_isr_of_a_lagging_follower_and_expands_it_back(slow_session_cluster):
    c = slow_session_cluster
    c.create_topic("lag", partitions=1, rf=3, config={"min.insync.replicas": "2"})
    leader = c.leader("lag", 0)
    # a follower that is not the controller either: its ISR change goes to the controller
    slow = [i for i in (1, 2, 3) if i not in (leader, c.controller())][0]
    epoch = c.zk_state("lag", 0)["leader_epoch"]
    c.sigstop(slow)  # still registered in ZooKeeper, but no longer fetching
    t = time.monotonic()
    wait_until(lambda: slow not in c.zk_state("lag", 0)["isr"], 30, what="ISR shrink")
    took = time.monotonic() - t
    st = c.zk_state("lag", 0)
    assert st["leader"] == leader and st["leader_epoch"] == epoch  # AlterPartition: same epoch
    assert 2.5 < took < 20, took  # after replica.lag.time.max.ms, not before
    assert produce_one(c.brokers[leader].bootstrap, "lag", b"x", "all")[0] is None  # ISR of 2
    c.sigcont(slow)
    wait_until(lambda: sorted(c.zk_state("lag", 0)["isr"]) == [1, 2, 3], 30, what="ISR expand")
    assert c.zk_state("lag", 0)["leader_epoch"] == epoch
    wait_until(lambda: c.partitions("lag")[0][2] == [1, 2, 3], 30, what="metadata ISR")


def fetch_as(port, replica, topic, offset):
    """Fetch v4 of partition 0 from offset as broker `replica` (-1: a consumer), answered at
    once: (error code, high watermark)."""
    import socket
    import struct
    from kafkabroker import recv_frame
    t = topic.encode()
    body = struct.pack(">iiiib", replica, 0, 1, 1 << 20, 0) + struct.pack(">ih", 1, len(t)) + t
    body += struct.pack(">iiqi", 1, 0, offset, 1 << 20)
    msg = struct.pack(">hhih", 1, 4, 9, 4) + b"test" + body
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        r = recv_frame(s, 30)
    assert r is not None, "connection closed"
    pos = 4 + 4 + 4  # correlation id, throttle_time_ms, topic count
    pos += 2 + struct.unpack_from(">h", r, pos)[0] + 4  # topic name, partition count
    _p, err, hw = struct.unpack_from(">ihq", r, pos)
    return err, hw


def test_a_follower_fetching_past_the_log_end_commits_nothing(tmp_path):
    """A follower whose fetch offset lies past the leader's log end (its log diverged) is
    answered OFFSET_OUT_OF_RANGE and says nothing about what it holds: as Kafka's leader, ours
    leaves that follower's state alone. Counting it as caught up to the log end advanced the
    high watermark (acknowledging acks=all writes) over records no follower had, which an ISR
    member elected next could hold other records in place of."""
    c = Cluster(str(tmp_path), 2, overrides={"zookeeper.session.timeout.ms": "60000",
                                             "replica.lag.time.max.ms": "60000"}).start()
    try:
        c.create_topic("ahead", partitions=1, rf=2)
        leader = c.leader("ahead", 0)
        follower = 3 - leader
        port = c.brokers[leader].port
        boot = c.brokers[leader].bootstrap
        assert produce_one(boot, "ahead", b"committed", "all")[0] is None
        wait_until(lambda: fetch_as(port, -1, "ahead", 0) == (0, 1), 30, what="HW 1")
        c.sigstop(follower)  # in the ISR, but fetching no more
        try:
            assert produce_one(boot, "ahead", b"leader only", 1) == (None, 1)
            assert fetch_as(port, -1, "ahead", 0) == (0, 1)
            # the follower's replica id, an offset past the leader's end of 2
            assert fetch_as(port, follower, "ahead", 1000)[0] == KafkaError.OFFSET_OUT_OF_RANGE
            assert fetch_as(port, -1, "ahead", 0) == (0, 1), "HW over a record only the leader has"
        finally:
            c.sigcont(follower)
        # the real follower copies it: then it is committed
        wait_until(lambda: fetch_as(port, -1, "ahead", 0) == (0, 2), 30, what="HW 2")
    finally:
        c.stop()
    c.check_sanitizers()


def elect_leaders_raw(port, topic, partitions, etype=0):
    """ElectLeaders v1 by hand (librdkafka 2.0 has no admin call for it)."""
    import socket
    import struct
    t = topic.encode()
    body = struct.pack(">b", etype) + struct.pack(">i", 1) + struct.pack(">h", len(t)) + t
    body += struct.pack(">i", len(partitions)) + b"".join(struct.pack(">i", p) for p in partitions)
    body += struct.pack(">i", 30000)
    hdr = struct.pack(">hhih", 43, 1, 5, 4) + b"test"
    msg = hdr + body
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            chunk = s.recv(65536)
            assert chunk, "connection closed"
            buf += chunk
    r = buf[8:]
    top_err = struct.unpack(">h", r[4:6])[0]
    pos = 6
    n = struct.unpack(">i", r[pos:pos + 4])[0]
    pos += 4
    res = {}
    for _ in range(n):
        tl = struct.unpack(">h", r[pos:pos + 2])[0]
        pos += 2 + tl
        np_ = struct.unpack(">i", r[pos:pos + 4])[0]
        pos += 4
        for _ in range(np_):
            p, err, ml = struct.unpack(">ihh", r[pos:pos + 8])
            pos += 8 + max(ml, 0)
            res[p] = err
    return top_err, res


def test_preferred_leaders_come_back_by_election_and_by_rebalance(tmp_path):
    c = Cluster(str(tmp_path), 3, overrides={"leader.imbalance.check.interval.seconds": "2",
                                             "leader.imbalance.per.broker.percentage": "0"})
    c.start()
    try:
        c.create_topic("pref", partitions=3, rf=3)
        preferred = {p: v[1][0] for p, v in c.partitions("pref").items()}
        victim = preferred[0]
        c.brokers[victim].stop()  # controlled shutdown moves its leadership away
        wait_until(lambda: c.leader("pref", 0) not in (victim, -1), 30, what="leader moved")
        c.restart(victim)
        c.wait_isr("pref", 0, 3)
        # the imbalance check (every 2 s here) gives leadership back to the preferred replica
        wait_until(lambda: all(c.leader("pref", p) == preferred[p] for p in range(3)), 60,
                   what="preferred leaders restored by the rebalance")
    finally:
        c.stop()
        c.check_sanitizers()


def test_elect_leaders_api_and_admin_znode(tmp_path):
    c = Cluster(str(tmp_path), 3, overrides={"auto.leader.rebalance.enable": "false"})
    c.start()
    try:
        c.create_topic("el", partitions=2, rf=3)
        preferred = {p: v[1][0] for p, v in c.partitions("el").items()}

        def move_off_preferred(p):
            victim = preferred[p]
            c.brokers[victim].stop()
            c.restart(victim)
            c.wait_isr("el", p, 3)
            wait_until(lambda: c.leader("el", p) not in (victim, -1), 30, what="leader moved")
            time.sleep(1)
            assert c.leader("el", p) != victim  # no automatic rebalance here

        move_off_preferred(0)
        ctl = c.controller()
        not_ctl = [i for i in (1, 2, 3) if i != ctl][0]
        top, _ = elect_leaders_raw(c.brokers[not_ctl].port, "el", [0])
        assert top == 41  # NOT_CONTROLLER: admin clients send it to the controller
        top, res = elect_leaders_raw(c.brokers[ctl].port, "el", [0, 7])
        assert top == 0 and res == {0: 0, 7: 3}  # elected; unknown partition
        wait_until(lambda: c.leader("el", 0) == preferred[0], 30, what="election by API")
        top, res = elect_leaders_raw(c.brokers[ctl].port, "el", [0])
        assert res == {0: 84}  # ELECTION_NOT_NEEDED
        move_off_preferred(1)
        # kafka-preferred-replica-election's way: the admin znode
        c.kz.create("/admin/preferred_replica_election",
                    json.dumps({"version": 1, "partitions": [{"topic": "el", "partition": 1}]})
                    .encode())
        wait_until(lambda: c.leader("el", 1) == preferred[1], 30, what="election by znode")
        wait_until(lambda: not c.kz.exists("/admin/preferred_replica_election"), 30,
                   what="the znode to be consumed")
    finally:
        c.stop()
        c.check_sanitizers()


def test_delete_topic_removes_every_replica_even_one_that_was_down(cluster):
    import os
    cluster.create_topic("gone", partitions=2, rf=3)
    assert produce_one(cluster.bootstrap, "gone", b"v", "all")[0] is None
    cluster.brokers[3].stop()  # away while the topic is deleted
    cluster.wait_controller_settled()  # (librdkafka's admin client waits for a named one)
    a = cluster.admin()
    a.delete_topics(["gone"], operation_timeout=30)["gone"].result(60)
    wait_until(lambda: not cluster.kz.exists("/brokers/topics/gone"), 30, what="znode removed")
    for i in (1, 2):
        wait_until(lambda: not any(d.startswith("gone-") for d in os.listdir(cluster.brokers[i].log_dir)),
                   30, what="broker %d to delete its replicas" % i)
    assert any(d.startswith("gone-") for d in os.listdir(cluster.brokers[3].log_dir))
    cluster.restart(3)  # its full LeaderAndIsr does not name them: stray logs, deleted
    wait_until(lambda: not any(d.startswith("gone-") for d in os.listdir(cluster.brokers[3].log_dir)),
               30, what="broker 3 to drop its stray replicas")
    assert "gone" not in cluster.admin().list_topics(timeout=10).topics
