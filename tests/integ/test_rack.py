"""Racks (issue 20 item 4): KIP-392 follower fetching and rack-aware replica placement.

- broker.rack reaches clients: Metadata v1+ and DescribeCluster carry each broker's rack.
- replica.selector.class=RackAwareReplicaSelector: the leader answers a consumer that names its
  rack (Fetch v11 rack_id, librdkafka's client.rack) with preferred_read_replica = the in-sync
  follower in that rack, and no records; the consumer (confluent-kafka / librdkafka 2.0) then
  reads everything from that follower - its statistics show the fetching broker - including
  messages produced while it waits there (the follower's high watermark wakes its purgatory).
  Without client.rack, or without the selector, the leader serves.
- A follower serves consumer Fetch v11+ up to its high watermark; v10 gets
  NOT_LEADER_OR_FOLLOWER; an offset beyond its log end OFFSET_OUT_OF_RANGE.
- Placement: 4 brokers on racks a,a,b,b: CreateTopics, auto-creation, CreatePartitions and
  kafka-topics --zookeeper put each partition's replicas on distinct racks; --disable-rack-aware
  gives Kafka's rack-unaware layout; once a broker without a rack joins, rack-aware creation
  fails as Kafka's does (UNKNOWN_SERVER_ERROR; the tool names --disable-rack-aware).
"""
import json
import select
import os
import socket
import struct
import subprocess
import threading
import time

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

from cluster import FAST, Cluster
from kafkabroker import ROOT, SERVER_BIN, Broker, recv_frame, wait_until

RACK_AWARE = "org.apache.kafka.common.replica.RackAwareReplicaSelector"
BIN = os.path.join(ROOT, "bin")


# ---------------------------------------------------------------- raw protocol helpers

def frame(api_key, version, body, corr=7):
    msg = struct.pack(">hhih", api_key, version, corr, 4) + b"rack" + body
    return struct.pack(">i", len(msg)) + msg


def response(s, corr=7):
    r = recv_frame(s, 30)
    assert r is not None and struct.unpack(">i", r[:4])[0] == corr
    return r[4:]


def request(port, api_key, version, body):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(frame(api_key, version, body))
        return response(s)


class Reader:
    def __init__(self, b):
        self.b, self.o = b, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.b, self.o)
        self.o += struct.calcsize(fmt)
        return v if len(v) > 1 else v[0]

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.b[self.o:self.o + n].decode()
        self.o += n
        return s

    def bytes_(self):
        n = self.take(">i")
        if n < 0:
            return None
        v = self.b[self.o:self.o + n]
        self.o += n
        return v


def fetch_body(topic, offset, version=11, rack="", max_wait=0, partition=0):
    """A one-partition consumer Fetch (v10/v11, non-flexible)."""
    t = topic.encode()
    body = struct.pack(">iiiibii", -1, max_wait, 1, 1 << 20, 0, 0, -1)
    body += struct.pack(">ih", 1, len(t)) + t
    body += struct.pack(">iiiqqi", 1, partition, -1, offset, -1, 1 << 20)
    body += struct.pack(">i", 0)  # forgotten topics
    if version >= 11:
        body += struct.pack(">h", len(rack)) + rack.encode()
    return body


def fetch_parse(resp, topic, version=11):
    """The partition's answer in a one-partition Fetch response."""
    rd = Reader(resp)
    _throttle, err, _session = rd.take(">ihi")
    assert err == 0
    assert rd.take(">i") == 1 and rd.string() == topic and rd.take(">i") == 1
    p = {}
    p["partition"], p["error"], p["hw"], p["lso"], p["log_start"] = rd.take(">ihqqq")
    naborted = rd.take(">i")
    rd.o += max(naborted, 0) * 16
    p["preferred"] = rd.take(">i") if version >= 11 else None
    p["records"] = rd.bytes_()
    return p


def fetch(port, topic, offset, version=11, rack="", max_wait=0, partition=0):
    body = fetch_body(topic, offset, version, rack, max_wait, partition)
    return fetch_parse(request(port, 1, version, body), topic, version)


def metadata_racks(port):
    """{broker id: rack} from a Metadata v1 request for no topics."""
    rd = Reader(request(port, 3, 1, struct.pack(">i", 0)))
    out = {}
    for _ in range(rd.take(">i")):
        node = rd.take(">i")
        rd.string()
        rd.take(">i")
        out[node] = rd.string()
    return out


def describe_cluster_racks(port):
    """{broker id: rack} from DescribeCluster v0 (flexible)."""
    hdr = struct.pack(">hhih", 60, 0, 9, 4) + b"rack" + b"\x00"
    msg = hdr + b"\x00\x00"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        r = recv_frame(s, 30)
    b, o = r, 5  # correlation id, empty header tags

    def uvarint():
        nonlocal o
        v = shift = 0
        while True:
            c = b[o]
            o += 1
            v |= (c & 0x7f) << shift
            shift += 7
            if not c & 0x80:
                return v

    def cstr():
        nonlocal o
        n = uvarint() - 1
        if n < 0:
            return None
        s = b[o:o + n].decode()
        o += n
        return s
    _throttle, err = struct.unpack_from(">ih", b, o)
    o += 6
    assert err == 0
    cstr()  # error message
    cstr()  # cluster id
    o += 4  # controller id
    out = {}
    for _ in range(uvarint() - 1):
        node = struct.unpack_from(">i", b, o)[0]
        o += 4
        cstr()
        o += 4
        out[node] = cstr()
        uvarint()  # tags
    return out


# ---------------------------------------------------------------- clients

def produce(bootstrap, topic, values, partition=0):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    errs = []
    for v in values:
        p.produce(topic, value=v, partition=partition,
                  on_delivery=lambda e, m: errs.append(e) if e else None)
    assert p.flush(60) == 0 and not errs, errs


class WatchedConsumer:
    """A librdkafka consumer assigned to topic-0 from the beginning that keeps, from its
    statistics, which broker it fetches the partition from and how many Fetch requests each
    broker got."""

    def __init__(self, bootstrap, topic, rack=None):
        self.lock = threading.Lock()
        self.fetching_from = []  # successive (leader, broker) pairs of the partition
        self.fetch_reqs = {}
        self.topic = topic
        conf = {"bootstrap.servers": bootstrap, "group.id": "rack-%s" % topic,
                "enable.auto.commit": False, "auto.offset.reset": "earliest",
                "statistics.interval.ms": 100, "stats_cb": self._stats,
                "fetch.wait.max.ms": 500}
        if rack is not None:
            conf["client.rack"] = rack
        self.c = Consumer(conf)
        self.c.assign([TopicPartition(topic, 0, 0)])
        self.values = []

    def _stats(self, raw):
        st = json.loads(raw)
        p = st.get("topics", {}).get(self.topic, {}).get("partitions", {}).get("0")
        with self.lock:
            if p and p.get("broker", -1) >= 0:
                pair = (p["leader"], p["broker"])
                if not self.fetching_from or self.fetching_from[-1] != pair:
                    self.fetching_from.append(pair)
            reqs = {}  # a broker may show twice (its bootstrap entry and the learnt one)
            for b in st.get("brokers", {}).values():
                if b.get("nodeid", -1) >= 0:
                    reqs[b["nodeid"]] = reqs.get(b["nodeid"], 0) + b.get("req", {}).get("Fetch", 0)
            self.fetch_reqs = reqs

    def pump(self, t=0.2):
        """Poll once (statistics callbacks run inside poll)."""
        m = self.c.poll(t)
        if m is not None and not m.error():
            self.values.append(m.value())

    def read(self, n, timeout=60):
        def got():
            self.pump()
            return len(self.values) >= n
        wait_until(got, timeout, interval=0, what="%d messages" % n)
        return self.values

    def brokers_seen(self):
        self.pump(0.1)
        with self.lock:
            return list(self.fetching_from)

    def close(self):
        self.c.close()


# ---------------------------------------------------------------- 3 brokers on racks r1, r2, r3

@pytest.fixture(scope="module")
def racked(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("racked")), 3,
                overrides={"replica.selector.class": RACK_AWARE},
                per_broker={i: {"broker.rack": "r%d" % i} for i in (1, 2, 3)}).start()
    yield c
    c.stop()
    c.check_sanitizers()


def replicated_topic(c, topic, n=0, rf=3):
    c.create_topic(topic, partitions=1, rf=rf)
    leader, replicas, _ = c.partitions(topic)[0]
    follower = [r for r in replicas if r != leader][0]
    if n:
        produce(c.bootstrap, topic, [b"m%d" % i for i in range(n)])
        # every replica has it and has heard the high watermark
        wait_until(lambda: fetch(c.brokers[follower].port, topic, 0)["hw"] == n, 30,
                   what="the follower's high watermark")
    return leader, follower


def test_metadata_and_describe_cluster_carry_each_brokers_rack(racked):
    want = {1: "r1", 2: "r2", 3: "r3"}
    for b in racked.brokers.values():
        assert metadata_racks(b.port) == want
        assert describe_cluster_racks(b.port) == want
    from kafka import KafkaAdminClient  # kafka-python's view, Metadata through its own client
    a = KafkaAdminClient(bootstrap_servers=racked.bootstrap)
    try:
        brokers = a.describe_cluster()["brokers"]
        assert {b["node_id"]: b["rack"] for b in brokers} == want
    finally:
        a.close()


def test_leader_points_a_consumer_at_the_in_sync_replica_of_its_rack(racked):
    leader, follower = replicated_topic(racked, "pointed", 20)
    lport, fport = racked.brokers[leader].port, racked.brokers[follower].port
    p = fetch(lport, "pointed", 0, rack="r%d" % follower)
    assert (p["error"], p["preferred"], p["records"]) == (0, follower, b"")
    assert (p["hw"], p["lso"], p["log_start"]) == (20, 20, 0)
    for rack in ("r%d" % leader, "", "elsewhere"):  # the leader's rack, none, no such rack
        p = fetch(lport, "pointed", 0, rack=rack)
        assert p["error"] == 0 and p["preferred"] == -1 and len(p["records"]) > 0, (rack, p)
    p = fetch(lport, "pointed", 0, version=10)  # before KIP-392: no field, served
    assert p["error"] == 0 and p["preferred"] is None and len(p["records"]) > 0
    # the follower serves consumers itself (v11+), never redirects, up to its log end
    p = fetch(fport, "pointed", 0, rack="r%d" % leader)
    assert (p["error"], p["preferred"], p["hw"]) == (0, -1, 20) and len(p["records"]) > 0
    assert fetch(fport, "pointed", 0, version=10)["error"] == 6  # NOT_LEADER_OR_FOLLOWER
    assert fetch(fport, "pointed", 21)["error"] == 1  # OFFSET_OUT_OF_RANGE
    p = fetch(fport, "pointed", 20)  # at its high watermark: nothing yet
    assert (p["error"], p["records"]) == (0, b"")


def test_follower_fetch_waits_in_purgatory_and_wakes_on_its_high_watermark(racked):
    leader, follower = replicated_topic(racked, "parked", 5)
    fport = racked.brokers[follower].port
    with socket.create_connection(("127.0.0.1", fport), timeout=30) as s:
        s.sendall(frame(1, 11, fetch_body("parked", 5, max_wait=60000)))
        ready, _, _ = select.select([s], [], [], 1.0)
        assert not ready, "a fetch at the follower's high watermark must wait"
        t0 = time.monotonic()
        produce(racked.bootstrap, "parked", [b"late"])
        p = fetch_parse(response(s), "parked")
        took = time.monotonic() - t0
    assert p["error"] == 0 and p["hw"] == 6 and b"late" in p["records"], p
    # woken by the follower's high watermark (learnt within replica.fetch.wait.max.ms of the
    # append), long before max_wait
    assert took < 20, took


def test_consumer_with_client_rack_reads_from_the_follower_in_its_rack(racked):
    leader, follower = replicated_topic(racked, "near", 200)
    c = WatchedConsumer(racked.bootstrap, "near", rack="r%d" % follower)
    try:
        vals = c.read(200)
        assert vals == [b"m%d" % i for i in range(200)]
        # more while it waits on the follower: the follower's high watermark wakes it
        produce(racked.bootstrap, "near", [b"n%d" % i for i in range(50)])
        vals = c.read(250)
        assert vals[200:] == [b"n%d" % i for i in range(50)]
        wait_until(lambda: (leader, follower) in c.brokers_seen(), 10,
                   what="statistics showing the follower as the fetching broker")
        seen = c.brokers_seen()
        assert (leader, leader) not in seen[1:], seen  # it never went back to the leader
        wait_until(lambda: c.brokers_seen() and c.fetch_reqs.get(follower, 0) > 0, 10,
                   what="statistics counting Fetch requests sent to the follower")
    finally:
        c.close()


def read_all_from_leader(c, topic, leader, n, rack=None):
    """A consumer (client.rack = rack) reads topic-0's n messages, only ever from the leader."""
    wc = WatchedConsumer(c.bootstrap, topic, rack=rack)
    try:
        assert wc.read(n) == [b"m%d" % i for i in range(n)]
        wait_until(lambda: wc.brokers_seen(), 10, what="statistics")
        assert set(wc.brokers_seen()) == {(leader, leader)}, wc.brokers_seen()
    finally:
        wc.close()


def test_consumer_without_client_rack_reads_from_the_leader(racked):
    leader, _ = replicated_topic(racked, "far", 50)
    read_all_from_leader(racked, "far", leader, 50)


def list_offsets_error(port, topic):
    """ListOffsets v1 (latest) for topic-0: the partition's error code."""
    t = topic.encode()
    body = struct.pack(">iih", -1, 1, len(t)) + t + struct.pack(">iiq", 1, 0, -1)
    rd = Reader(request(port, 2, 1, body))
    assert rd.take(">i") == 1 and rd.string() == topic and rd.take(">i") == 1
    return rd.take(">ih")[1]


def test_only_an_alive_in_sync_follower_is_preferred_and_list_offsets_stays_on_the_leader(racked):
    leader, follower = replicated_topic(racked, "gone", 10)
    lport = racked.brokers[leader].port
    assert list_offsets_error(racked.brokers[follower].port, "gone") == 6  # NOT_LEADER
    assert list_offsets_error(lport, "gone") == 0
    assert fetch(lport, "gone", 0, rack="r%d" % follower)["preferred"] == follower
    racked.kill9(follower)
    try:
        wait_until(lambda: follower not in racked.partitions("gone", leader)[0][2], 60,
                   what="the dead follower to leave the ISR")
        p = fetch(lport, "gone", 0, rack="r%d" % follower)
        assert p["error"] == 0 and p["preferred"] == -1 and len(p["records"]) > 0, p
    finally:
        racked.restart(follower)
    racked.wait_isr("gone", 0, 3)
    wait_until(lambda: fetch(lport, "gone", 0, rack="r%d" % follower)["preferred"] == follower,
               30, what="the follower to be preferred again")


def test_without_the_selector_the_leader_serves_a_rack_consumer(tmp_path):
    c = Cluster(str(tmp_path), 2, per_broker={1: {"broker.rack": "r1"},
                                              2: {"broker.rack": "r2"}}).start()
    try:
        leader, follower = replicated_topic(c, "plain", 30, rf=2)
        p = fetch(c.brokers[leader].port, "plain", 0, rack="r%d" % follower)
        assert p["error"] == 0 and p["preferred"] == -1 and len(p["records"]) > 0
        read_all_from_leader(c, "plain", leader, 30, rack="r%d" % follower)
    finally:
        c.stop()
        c.check_sanitizers()


def test_an_unknown_selector_stops_start_up_naming_the_key(broker_factory):
    b = broker_factory(overrides={"replica.selector.class": "com.example.Nearest"}, start=False)
    r = subprocess.run([SERVER_BIN, b.config_path], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0
    assert "replica.selector.class" in r.stdout + r.stderr


# ---------------------------------------------------------------- placement: racks a, a, b, b

RACKS = {1: "a", 2: "a", 3: "b", 4: "b"}


def unaware_layouts(ids, nparts, rf):
    """Every layout Kafka's rack-unaware assignment can give (all start indexes and shifts)."""
    n = len(ids)
    out = []
    for start in range(n):
        for shift0 in range(n):
            shift, lay = shift0, []
            for p in range(nparts):
                if p > 0 and p % n == 0:
                    shift += 1
                first = (p + start) % n
                lay.append([ids[first]] + [ids[(first + 1 + (shift + j) % (n - 1)) % n]
                                           for j in range(rf - 1)])
            out.append(lay)
    return out


def zk_assignment(c, topic):
    parts = c.zk_json("/brokers/topics/%s" % topic)["partitions"]
    return [parts[str(p)] for p in range(len(parts))]


def assert_rack_spread(assign, rf, racks=RACKS):
    for p, reps in enumerate(assign):
        assert len(reps) == rf and len(set(reps)) == rf, (p, reps)
        assert len({racks[r] for r in reps}) == min(rf, len(set(racks.values()))), (p, reps)


def kafka_topics(*args):
    return subprocess.run([os.path.join(BIN, "kafka-topics")] + list(args), capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def four(tmp_path):
    c = Cluster(str(tmp_path), 4, overrides={"num.partitions": "8",
                                             "default.replication.factor": "2"},
                per_broker={i: {"broker.rack": r} for i, r in RACKS.items()}).start()
    yield c
    c.stop()
    c.check_sanitizers()


def test_placement_spreads_replicas_over_racks(four):
    c = four
    c.create_topic("rf2", partitions=12, rf=2)
    c.create_topic("rf3", partitions=12, rf=3)
    a2, a3 = zk_assignment(c, "rf2"), zk_assignment(c, "rf3")
    assert_rack_spread(a2, 2)
    assert_rack_spread(a3, 3)  # 3 replicas over 2 racks: both racks, 3 distinct brokers
    for a in (a2, a3):  # leaders spread evenly
        assert sorted(r[0] for r in a) == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4], a
    # CreatePartitions: the new ones too
    admin = c.admin()
    admin.create_partitions([NewPartitions("rf2", 16)])["rf2"].result(30)
    a2 = wait_until(lambda: len(zk_assignment(c, "rf2")) == 16 and zk_assignment(c, "rf2"), 30,
                    what="16 partitions")
    assert_rack_spread(a2, 2)
    # auto-creation (num.partitions 8, default.replication.factor 2)
    p = Producer({"bootstrap.servers": c.bootstrap})
    p.produce("auto-made", value=b"x")
    assert p.flush(60) == 0
    assert_rack_spread(zk_assignment(c, "auto-made"), 2)
    # kafka-topics --zookeeper: rack-aware, and rack-unaware with --disable-rack-aware
    z = c.zk.connect
    r = kafka_topics("--zookeeper", z, "--create", "--topic", "zk-aware", "--partitions", "12",
                     "--replication-factor", "2")
    assert r.returncode == 0, r.stderr
    assert_rack_spread(zk_assignment(c, "zk-aware"), 2)
    r = kafka_topics("--zookeeper", z, "--create", "--topic", "zk-plain", "--partitions", "12",
                     "--replication-factor", "2", "--disable-rack-aware")
    assert r.returncode == 0, r.stderr
    plain = zk_assignment(c, "zk-plain")
    assert plain in unaware_layouts([1, 2, 3, 4], 12, 2), plain
    assert any(RACKS[a] == RACKS[b] for a, b in plain), plain  # racks ignored


def test_mixed_racks_refuse_rack_aware_assignment(four, tmp_path):
    c = four
    c.create_topic("before", partitions=2, rf=2)
    extra = Broker(str(tmp_path), c.zk.connect, 5, overrides=FAST)  # no broker.rack
    extra.start()
    try:
        wait_until(lambda: all(c.metadata_brokers(i) == {1, 2, 3, 4, 5} for i in c.brokers), 60,
                   what="every broker to see broker 5")
        admin = c.admin()
        fut = admin.create_topics([NewTopic("mixed", 4, 2)], operation_timeout=30)["mixed"]
        with pytest.raises(Exception) as e:
            fut.result(30)
        err = e.value.args[0]
        assert err.code() == KafkaError.UNKNOWN, err  # Kafka: UNKNOWN_SERVER_ERROR
        assert "rack information" in err.str()
        fut = admin.create_partitions([NewPartitions("before", 4)])["before"]
        with pytest.raises(Exception) as e:
            fut.result(30)
        assert e.value.args[0].code() == KafkaError.UNKNOWN
        z = c.zk.connect
        r = kafka_topics("--zookeeper", z, "--create", "--topic", "mixed", "--partitions", "4",
                         "--replication-factor", "2")
        assert r.returncode == 1 and "--disable-rack-aware" in r.stderr, r.stderr
        r = kafka_topics("--zookeeper", z, "--create", "--topic", "mixed", "--partitions", "10",
                         "--replication-factor", "2", "--disable-rack-aware")
        assert r.returncode == 0, r.stderr
        assert zk_assignment(c, "mixed") in unaware_layouts([1, 2, 3, 4, 5], 10, 2)
    finally:
        extra.stop()
