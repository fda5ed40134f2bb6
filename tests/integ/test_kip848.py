"""Issue 20 item 5: the KIP-848 consumer group protocol. franz-go consumers (tests/integ/go/
kip848, built here with `go build` through the Go module proxy) in one group with
group.protocol=consumer semantics (kgo.ServerSideBalancer: ConsumerGroupHeartbeat, key 68)
against a 3-broker cluster: the server-side assignors split the partitions, a member joining or
leaving moves partitions without losing messages, commits are stored in __consumer_offsets, and
a classic confluent-kafka group consumes the same topic at the same time. ConsumerGroupDescribe
(key 69) shows the members with their epochs. The raw-protocol tests pin Kafka's error codes.

Go: `go` on PATH or /usr/local/go/bin/go (where CI's image has it); without it these tests
FAIL (never skip)."""
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

import kafkabroker
from gobuild import go_build, wait_or_kill
from kafkabroker import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
GO_SRC = os.path.join(HERE, "go", "kip848")
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FAST = {"group.consumer.heartbeat.interval.ms": "500", "group.initial.rebalance.delay.ms": "0"}


@pytest.fixture(scope="module")
def kip848_bin(tmp_path_factory):
    return go_build(GO_SRC, str(tmp_path_factory.mktemp("go") / "kip848"))


class GoConsumer:
    """One franz-go KIP-848 consumer process; its JSON events are read by a thread."""

    def __init__(self, binary, boot, group, topic, name, assignor="uniform", workdir="."):
        self.name = name
        self.errpath = os.path.join(workdir, name + ".stderr")
        self.err = open(self.errpath, "w")
        self.proc = subprocess.Popen(
            [binary, "consume", "-brokers", boot, "-group", group, "-topic", topic, "-assignor",
             assignor, "-name", name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.lock = threading.Lock()
        self.values = []
        self.events = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            ev = json.loads(line)
            with self.lock:
                if ev["ev"] == "rec":
                    self.values.append(ev["v"])
                else:
                    self.events.append(ev)

    def seen(self):
        with self.lock:
            return list(self.values)

    def had(self, kind):
        with self.lock:
            return any(e["ev"] == kind for e in self.events)

    def stderr(self):
        if not self.err.closed:
            self.err.flush()
        with open(self.errpath) as f:
            return f.read()

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            wait_or_kill(self.proc, timeout)
        self.thread.join(10)
        self.err.close()
        return self.proc.returncode


def describe(binary, boot, group):
    r = subprocess.run([binary, "describe", "-brokers", boot, "-group", group],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def group_view(binary, boot, group):
    """(state, group epoch, assignment epoch, assignor, {member client id: (epoch, parts)})."""
    d = describe(binary, boot, group)["describe"]["Groups"][0]
    assert d["ErrorCode"] == 0, d
    members = {}
    for m in d["Members"] or []:
        ps = sorted(p for t in m["Assignment"]["TopicPartitions"] for p in (t["Partitions"] or []))
        members[m["ClientID"]] = (m["MemberEpoch"], ps)
    return d["State"], d["Epoch"], d["AssignmentEpoch"], d["AssignorName"], members


def settled(binary, boot, group, names, nparts):
    """The group is Stable with exactly these members, every partition owned once."""
    state, epoch, aepoch, _, members = group_view(binary, boot, group)
    if state != "Stable" or set(members) != set(names) or epoch != aepoch:
        return None
    owned = sorted(p for _, ps in members.values() for p in ps)
    if owned != list(range(nparts)) or any(e != aepoch for e, _ in members.values()):
        return None
    return members


def three_brokers(broker_factory, extra=None):
    conf = {"offsets.topic.replication.factor": "3", "default.replication.factor": "3",
            "offsets.topic.num.partitions": "10", **FAST, **(extra or {})}
    brokers = [broker_factory(broker_id=i, overrides=conf) for i in (1, 2, 3)]
    boot = ",".join(b.bootstrap for b in brokers)
    return brokers, boot


def make_topic(boot, topic, nparts):
    admin = AdminClient({"bootstrap.servers": boot})
    admin.create_topics([NewTopic(topic, num_partitions=nparts, replication_factor=3)])[topic].result(30)


def produce(boot, topic, start, n, nparts):
    p = Producer({"bootstrap.servers": boot, "acks": "all"})
    for i in range(start, start + n):
        p.produce(topic, value=b"m-%d" % i, partition=i % nparts)
    assert p.flush(30) == 0


def all_seen(consumers, n):
    got = set()
    for c in consumers:
        got.update(c.seen())
    return got >= {"m-%d" % i for i in range(n)}


def classic_consumer(boot, group, topic, seen, stop):
    c = Consumer({"bootstrap.servers": boot, "group.id": group, "auto.offset.reset": "earliest",
                  "session.timeout.ms": 6000})
    c.subscribe([topic])
    while not stop.is_set():
        m = c.poll(0.2)
        if m is not None and not m.error():
            seen.add(m.value())
    c.close()


def test_franz_go_uniform_group_rebalances_and_commits(kip848_bin, broker_factory, tmp_path):
    brokers, boot = three_brokers(broker_factory)
    topic, group, nparts = "k848", "g848-uniform", 6
    make_topic(boot, topic, nparts)
    produce(boot, topic, 0, 600, nparts)
    classic_seen, stop = set(), threading.Event()
    classic = threading.Thread(target=classic_consumer, args=(boot, "g-classic", topic, classic_seen,
                                                               stop), daemon=True)
    classic.start()
    cs = {n: GoConsumer(kip848_bin, boot, group, topic, n, workdir=str(tmp_path)) for n in ("a", "b")}
    try:
        wait_until(lambda: all_seen(cs.values(), 600), 90, 0.2, what="600 messages consumed by a+b")
        two = wait_until(lambda: settled(kip848_bin, boot, group, "ab", nparts), 60, 0.5,
                         what="a and b stable with every partition")
        assert sorted(len(ps) for _, ps in two.values()) == [3, 3], two  # uniform: balanced
        for c in cs.values():  # franz-go ran the next-gen protocol (API 68), not JoinGroup
            assert "beginning to manage the next-gen group lifecycle" in c.stderr(), c.stderr()[-3000:]
        state, epoch, aepoch, assignor, _ = group_view(kip848_bin, boot, group)
        assert assignor == "uniform" and epoch >= 2
        # a third member: partitions move to it once their owners revoked them
        cs["c"] = GoConsumer(kip848_bin, boot, group, topic, "c", workdir=str(tmp_path))
        three = wait_until(lambda: settled(kip848_bin, boot, group, "abc", nparts), 60, 0.5,
                           what="three members stable")
        assert sorted(len(ps) for _, ps in three.values()) == [2, 2, 2], three
        # a member leaves (epoch -1): its partitions move, nothing is lost
        assert cs["a"].stop() == 0 and cs["a"].had("closed")
        two = wait_until(lambda: settled(kip848_bin, boot, group, "bc", nparts), 60, 0.5,
                         what="b and c take a's partitions")
        assert sorted(len(ps) for _, ps in two.values()) == [3, 3], two
        produce(boot, topic, 600, 300, nparts)
        wait_until(lambda: all_seen([cs["b"], cs["c"]], 0) and
                   set(cs["b"].seen() + cs["c"].seen()) >= {"m-%d" % i for i in range(600, 900)},
                   60, 0.2, what="the 300 later messages consumed by b and c")
        wait_until(lambda: len(classic_seen) >= 900, 60, 0.2,
                   what="the classic confluent-kafka group consumed everything meanwhile")
    finally:
        stop.set()
        for c in cs.values():
            c.stop()
            print("---- %s stderr (tail)\n%s" % (c.name, c.stderr()[-4000:]))
        for b in brokers:
            print("---- broker %d (tail)\n%s" % (b.id, b.output()[-3000:]))
        classic.join(20)
    for c in cs.values():
        assert c.had("committed"), c.name + "\n" + c.stderr()[-3000:]
    # commits are in __consumer_offsets: every partition committed to its end (150 each)
    offsets = describe(kip848_bin, boot, group)["offsets"]
    assert offsets["ErrorCode"] == 0, offsets
    committed = {p["Partition"]: p["Offset"] for t in offsets["Topics"] if t["Topic"] == topic
                 for p in t["Partitions"]}
    assert committed == {p: 150 for p in range(nparts)}, committed
    # the group is still there, Empty, and listed (ListGroups: our CLI and franz-go's v5 view)
    state = group_view(kip848_bin, boot, group)[0]
    assert state == "Empty"
    listed = {g["Group"]: g for g in describe(kip848_bin, boot, group)["list"]["Groups"]}
    assert listed[group]["ProtocolType"] == "consumer" and listed[group]["GroupState"] == "Empty"
    assert listed[group]["GroupType"] == "consumer" and listed["g-classic"]["GroupType"] == "classic"
    r = subprocess.run([os.path.join(ROOT, "bin", "kafka-consumer-groups"), "--bootstrap-server", boot,
                        "--list"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and group in r.stdout.split(), r.stdout + r.stderr


def test_franz_go_range_assignor(kip848_bin, broker_factory, tmp_path):
    brokers, boot = three_brokers(broker_factory)
    topic, group, nparts = "k848r", "g848-range", 4
    make_topic(boot, topic, nparts)
    produce(boot, topic, 0, 200, nparts)
    cs = [GoConsumer(kip848_bin, boot, group, topic, n, assignor="range", workdir=str(tmp_path))
          for n in ("r1", "r2")]
    try:
        wait_until(lambda: all_seen(cs, 200), 90, 0.2, what="200 messages consumed")
        members = wait_until(lambda: settled(kip848_bin, boot, group, ["r1", "r2"], nparts), 60,
                             0.5, what="range group stable")
        assert sorted(ps for _, ps in members.values()) == [[0, 1], [2, 3]], members  # contiguous
        assert group_view(kip848_bin, boot, group)[3] == "range"
    finally:
        for c in cs:
            c.stop()


# ---- raw protocol: Kafka's answers to each case (one broker, requests built by hand) ----

def uvarint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def cstr(s):
    if s is None:
        return b"\x00"
    s = s.encode() if isinstance(s, str) else s
    return uvarint(len(s) + 1) + s


def carr(items):
    return b"\x00" if items is None else uvarint(len(items) + 1) + b"".join(items)


class Reader:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def uv(self):
        n = shift = 0
        while True:
            c = self.take(1)[0]
            n |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                return n

    def cstr(self):
        n = self.uv()
        return None if n == 0 else self.take(n - 1).decode()

    def tags(self):
        for _ in range(self.uv()):
            self.uv()
            self.take(self.uv())


def call_flex(sock, key, ver, corr, body):
    hdr = struct.pack(">hhih", key, ver, corr, 4) + b"test" + b"\x00"
    sock.sendall(struct.pack(">i", len(hdr) + len(body)) + hdr + body)
    resp = kafkabroker.recv_frame(sock, 10)
    assert resp is not None and struct.unpack(">i", resp[:4])[0] == corr
    r = Reader(resp[4:])
    r.tags()  # response header v1
    return r


def cgh(sock, group, member, epoch, subs=None, assignor=None, owned=None, rebalance=None,
        instance=None, regex=None, ver=1):
    """ConsumerGroupHeartbeat; owned: {topic_id: [partitions]} or None (unchanged)."""
    if rebalance is None:
        rebalance = 30000 if epoch == 0 else -1
    if owned is None and epoch == 0:
        owned = {}  # a join says it owns nothing
    body = cstr(group) + cstr(member) + struct.pack(">i", epoch) + cstr(instance) + cstr(None)
    body += struct.pack(">i", rebalance) + carr(None if subs is None else [cstr(s) for s in subs])
    if ver >= 1:
        body += cstr(regex)
    body += cstr(assignor)
    body += carr(None if owned is None else
                 [tid + carr([struct.pack(">i", p) for p in ps]) + b"\x00" for tid, ps in owned.items()])
    body += b"\x00"
    r = call_flex(sock, 68, ver, 1, body)
    r.i32()
    out = {"error": r.i16(), "message": r.cstr(), "member": r.cstr(), "epoch": r.i32(),
           "interval": r.i32(), "assignment": None}
    if r.i8() == 1:
        out["assignment"] = {}
        for _ in range(r.uv() - 1):
            tid = r.take(16)
            out["assignment"][tid] = [r.i32() for _ in range(r.uv() - 1)]
            r.tags()
        r.tags()
    return out


def cgd(sock, group, ver=1):
    r = call_flex(sock, 69, ver, 2, carr([cstr(group)]) + b"\x00" + b"\x00")
    r.i32()
    assert r.uv() - 1 == 1
    g = {"error": r.i16(), "message": r.cstr(), "id": r.cstr(), "state": r.cstr(),
         "epoch": r.i32(), "assignment_epoch": r.i32(), "assignor": r.cstr(), "members": {}}
    for _ in range(r.uv() - 1):
        m = {"id": r.cstr(), "instance": r.cstr(), "rack": r.cstr(), "epoch": r.i32(),
             "client": r.cstr(), "host": r.cstr(), "subs": [r.cstr() for _ in range(r.uv() - 1)],
             "regex": r.cstr()}
        for which in ("assigned", "target"):
            parts = []
            for _ in range(r.uv() - 1):
                r.take(16)
                r.cstr()
                parts += [r.i32() for _ in range(r.uv() - 1)]
                r.tags()
            r.tags()
            m[which] = sorted(parts)
        m["type"] = r.i8() if ver >= 1 else None
        r.tags()
        g["members"][m["id"]] = m
    return g


def s16(b):
    return struct.pack(">h", len(b)) + b


def frame_v1(key, ver, corr, body):
    """A request with header v1 (non-flexible versions)."""
    msg = struct.pack(">hhih", key, ver, corr, 1) + b"t" + body
    return struct.pack(">i", len(msg)) + msg


def offset_commit(sock, ver, group, member, epoch, topic, part=0, offset=5):
    if ver >= 8:
        body = cstr(group) + struct.pack(">i", epoch) + cstr(member) + cstr(None)
        body += carr([cstr(topic) + carr([struct.pack(">iqi", part, offset, -1) + cstr("") + b"\x00"])
                      + b"\x00"]) + b"\x00"
        r = call_flex(sock, 8, ver, 3, body)
        r.i32()
        r.uv()
        r.cstr()
        r.uv()
        r.i32()
        return r.i16()
    raise AssertionError("only flexible versions here")


def test_raw_consumer_group_protocol_errors_and_reconciliation(broker_factory):
    b = broker_factory(overrides={**FAST, "group.consumer.max.size": "2",
                                  "group.consumer.session.timeout.ms": "6000",
                                  "offsets.topic.num.partitions": "4"})
    make_single = AdminClient({"bootstrap.servers": b.bootstrap})
    make_single.create_topics([NewTopic("t848", num_partitions=2, replication_factor=1)])["t848"].result(30)
    g = "raw848"

    def coordinator_ready():
        with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
            s.sendall(frame_v1(10, 0, 1, s16(g.encode())))
            resp = kafkabroker.recv_frame(s, 10)
            return struct.unpack(">h", resp[4:6])[0] == 0
    wait_until(coordinator_ready, 30, 0.2, what="group coordinator")
    s = socket.create_connection(("127.0.0.1", b.port), timeout=10)
    # request checks
    r = cgh(s, g, "m1", 0, subs=["t848"], rebalance=-1)
    assert r["error"] == 42 and "RebalanceTimeoutMs" in r["message"]  # INVALID_REQUEST
    r = cgh(s, g, "m1", 0, subs=["t848"], owned={b"\x01" * 16: [0]})
    assert r["error"] == 42 and "TopicPartitions" in r["message"]
    assert cgh(s, g, "", 0, subs=["t848"])["error"] == 42  # v1: the client names itself
    assert cgh(s, g, "m1", 0, subs=["t848"], assignor="sticky")["error"] == 112  # UNSUPPORTED_ASSIGNOR
    r = cgh(s, g, "m1", 0, subs=None, regex="t8.*")
    assert r["error"] == 128 and "not supported" in r["message"]  # INVALID_REGULAR_EXPRESSION
    assert cgh(s, g, "ghost", 3)["error"] == 25  # UNKNOWN_MEMBER_ID
    # m1 joins and gets both partitions at the group's epoch
    r1 = cgh(s, g, "m1", 0, subs=["t848"], assignor="uniform")
    assert r1["error"] == 0 and r1["member"] == "m1" and r1["epoch"] >= 1 and r1["interval"] == 500
    (tid, parts), = r1["assignment"].items()
    assert sorted(parts) == [0, 1]
    e1 = r1["epoch"]
    assert cgh(s, g, "m1", e1 + 5)["error"] == 110  # FENCED_MEMBER_EPOCH
    assert cgh(s, g, "m1", e1)["error"] == 0 and cgh(s, g, "m1", e1)["assignment"] is None  # keepalive
    # offsets: v9 with the member epoch; v8 (pre-KIP-848) refused; a stale epoch is STALE
    assert offset_commit(s, 9, g, "m1", e1, "t848") == 0
    assert offset_commit(s, 8, g, "m1", e1, "t848") == 35  # UNSUPPORTED_VERSION
    assert offset_commit(s, 9, g, "m1", e1 - 1, "t848") == 113  # STALE_MEMBER_EPOCH
    assert offset_commit(s, 9, g, "m1", e1 + 1, "t848") == 110
    # m2 joins: nothing for it until m1 revoked a partition; m1 keeps its epoch while revoking
    r2 = cgh(s, g, "m2", 0, subs=["t848"])
    assert r2["error"] == 0 and r2["assignment"] == {} and r2["epoch"] > e1
    d = cgd(s, g)
    assert d["state"] == "Reconciling" and d["epoch"] == r2["epoch"] == d["assignment_epoch"]
    assert d["members"]["m1"]["assigned"] == [0, 1] and len(d["members"]["m2"]["target"]) == 1
    r = cgh(s, g, "m1", e1, owned={tid: [0, 1]}, subs=["t848"], rebalance=30000)
    keep_ = r["assignment"][tid]
    assert r["epoch"] == e1 and len(keep_) == 1  # revoking the other one, still at e1
    moved = ({0, 1} - set(keep_)).pop()
    assert cgh(s, g, "m2", r2["epoch"])["assignment"] is None  # not released yet
    r = cgh(s, g, "m1", e1, owned={tid: keep_})  # revocation acknowledged
    assert r["error"] == 0 and r["epoch"] == r2["epoch"]
    r = cgh(s, g, "m2", r2["epoch"])
    assert r["assignment"] == {tid: [moved]}  # now the partition moves
    d = cgd(s, g)
    assert d["state"] == "Stable" and d["assignor"] == "uniform"
    assert {m: (x["epoch"], x["type"]) for m, x in d["members"].items()} == \
        {"m1": (r2["epoch"], 1), "m2": (r2["epoch"], 1)}
    assert d["members"]["m1"]["host"] == "/127.0.0.1" and d["members"]["m1"]["client"] == "test"
    # group.consumer.max.size=2
    assert cgh(s, g, "m3", 0, subs=["t848"])["error"] == 81  # GROUP_MAX_SIZE_REACHED
    # classic protocol against the consumer group, and the other way round
    classic_join = s16(g.encode()) + struct.pack(">ii", 10000, 10000) + s16(b"") + s16(b"consumer") + \
        struct.pack(">i", 1) + s16(b"range") + struct.pack(">i", 2) + b"\x00\x01"
    s.sendall(frame_v1(11, 1, 9, classic_join))
    assert struct.unpack(">h", kafkabroker.recv_frame(s, 10)[4:6])[0] == 23  # INCONSISTENT_GROUP_PROTOCOL
    other = s16(b"rawclassic") + classic_join[len(s16(g.encode())):]
    s.sendall(frame_v1(11, 1, 10, other))
    assert struct.unpack(">h", kafkabroker.recv_frame(s, 10)[4:6])[0] == 0
    r = cgh(s, "rawclassic", "x", 0, subs=["t848"])
    assert r["error"] == 69 and "not a consumer group" in r["message"]  # GROUP_ID_NOT_FOUND
    assert cgd(s, "rawclassic")["error"] == 69 and cgd(s, "no-such-group", ver=0)["error"] == 69
    # leave (-1): m2 alone gets both partitions once m1 is gone
    r = cgh(s, g, "m1", -1)
    assert r["error"] == 0 and r["epoch"] == -1
    r = cgh(s, g, "m2", r2["epoch"])
    assert r["error"] == 0 and sorted(r["assignment"][tid]) == [0, 1] and r["epoch"] > r2["epoch"]
    # static membership: s1 leaves for now (-2) and returns under a new member id, keeping its
    # place; a third process with the same instance id meanwhile is refused
    e2 = r["epoch"]
    st = cgh(s, g, "s1", 0, subs=["t848"], instance="inst-1")
    assert st["error"] == 0
    assert cgh(s, g, "s1", -2, instance="inst-1")["epoch"] == -2
    back = cgh(s, g, "s1b", 0, subs=["t848"], instance="inst-1")
    assert back["error"] == 0 and back["member"] == "s1b"
    assert cgh(s, g, "s1c", 0, subs=["t848"], instance="inst-1")["error"] == 111  # UNRELEASED_INSTANCE_ID
    assert set(cgd(s, g)["members"]) == {"m2", "s1b"} and e2 > 0
    # more partitions for the subscribed topic: a new group epoch and a target that has them
    before = cgd(s, g)["epoch"]
    make_single.create_partitions([NewPartitions("t848", 4)])["t848"].result(30)

    def grown():
        for m in ("m2", "s1b"):
            cgh(s, g, m, cgd(s, g)["members"][m]["epoch"])
        d = cgd(s, g)
        return d if d["epoch"] > before and sorted(
            p for x in d["members"].values() for p in x["target"]) == [0, 1, 2, 3] else None
    d = wait_until(grown, 30, 0.3, what="the group sees 4 partitions")
    # no more heartbeats: group.consumer.session.timeout.ms removes both members
    wait_until(lambda: cgd(s, g)["state"] == "Empty", 30, 0.5, what="members expired")
    assert cgd(s, g)["epoch"] > d["epoch"]
    s.close()
    assert b.alive()
