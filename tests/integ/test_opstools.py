"""Operator tools on a real 3-broker cluster whose brokers each have two log dirs (log.dirs
"a,b"): kafka-log-dirs --describe (DescribeLogDirs), kafka-delete-records (DeleteRecords: the log
start offset moves on every replica, ListOffsets earliest follows, also after a leader change,
consumers below it get OFFSET_OUT_OF_RANGE) and kafka-topics --describe
--under-min-isr-partitions / --at-min-isr-partitions with stopped brokers. Outputs are compared
byte for byte with the lines Kafka's tools print; the order of Kafka's JSON (its Scala/Java hash
maps) is derived here independently of the tool."""
import json
import os
import socket
import struct
import subprocess

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from cluster import Cluster
from kafkabroker import ROOT, recv_frame, wait_until

BIN = os.path.join(ROOT, "bin")


def run(tool, *args, timeout=90):
    return subprocess.run([os.path.join(BIN, tool)] + list(args), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("opstools"))
    # replica moves between log dirs copy at most 40 kB/s, so a test sees one under way
    c = Cluster(d, 3, overrides={"log.retention.check.interval.ms": "3600000",
                                 "replica.alter.log.dirs.io.max.bytes.per.second": "40000"})
    for b in c.brokers.values():
        b.log_dirs = [os.path.join(b.dir, "data-a"), os.path.join(b.dir, "data-b")]
        b.overrides["log.dirs"] = ",".join(b.log_dirs)
        b._write_config()
    c.start()
    yield c
    c.stop()
    c.check_sanitizers()


def produce(bootstrap, topic, n, partitions=1, size=80):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0,
                  "batch.num.messages": 1})
    errs = []
    for i in range(n):
        p.produce(topic, value=b"%06d" % i + b"x" * (size - 6), partition=i % partitions,
                  on_delivery=lambda e, m: errs.append(e) if e else None)
        p.poll(0)
    assert p.flush(60) == 0 and not errs, errs


def replica_dir(broker, topic, p):
    """The log dir of broker holding topic-p (exactly one), and the partition dir."""
    found = [d for d in broker.log_dirs if os.path.isdir(os.path.join(d, "%s-%d" % (topic, p)))]
    assert len(found) == 1, (broker.id, topic, p, found)
    return found[0], os.path.join(found[0], "%s-%d" % (topic, p))


def checkpoint(path):
    """Kafka's checkpoint text file: {(topic, partition): offset}."""
    with open(path) as f:
        lines = f.read().split("\n")
    assert lines[0] == "0"
    n = int(lines[1])
    out = {}
    for ln in lines[2:2 + n]:
        t, p, o = ln.split(" ")
        out[(t, int(p))] = int(o)
    return out


# ---- Kafka's map orders, derived from the JDK's and Scala 2.13's hash map rules
def _s32(v):
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def java_string_hash(s):
    h = 0
    for c in s:
        h = (31 * h + ord(c)) & 0xFFFFFFFF
    return _s32(h)


def tp_hash(topic, p):
    return _s32(31 * (31 + p) + java_string_hash(topic))


def _spread(h):
    u = h & 0xFFFFFFFF
    return u ^ (u >> 16)


def java_hashmap_order(hashes, initial=None):
    cap = 16
    if initial:
        cap = 1
        while cap < initial:
            cap *= 2
    while len(hashes) > int(cap * 0.75):
        cap *= 2
    return sorted(range(len(hashes)), key=lambda i: (_spread(hashes[i]) & (cap - 1), i))


def scala_hashmap_order(hashes):
    size = 16
    for i in range(len(hashes)):
        if i + 1 >= int(size * 0.75):
            size *= 2
    return sorted(range(len(hashes)),
                  key=lambda i: (_spread(hashes[i]) & (size - 1), _s32(_spread(hashes[i])), i))


def expected_log_dirs_json(cluster, ids, topics):
    brokers = []
    for bi in scala_hashmap_order(ids):
        b = cluster.brokers[ids[bi]]
        dirs = [os.path.abspath(d) for d in b.log_dirs]
        dir_objs = []
        for di in java_hashmap_order([java_string_hash(d) for d in dirs], initial=len(dirs)):
            d = dirs[di]
            tps = []
            for name in sorted(os.listdir(d)):
                full = os.path.join(d, name)
                t, _, p = name.rpartition("-")
                if os.path.isdir(full) and t in topics and p.isdigit():
                    size = sum(os.path.getsize(os.path.join(full, f))
                               for f in os.listdir(full) if f.endswith(".log"))
                    tps.append((t, int(p), size))
            parts = [tps[i] for i in scala_hashmap_order([tp_hash(t, p) for t, p, _ in tps])]
            dir_objs.append('{"logDir":%s,"error":null,"partitions":[%s]}' % (
                json.dumps(d), ",".join('{"partition":"%s-%d","size":%d,"offsetLag":0,'
                                        '"isFuture":false}' % x for x in parts)))
        brokers.append('{"broker":%d,"logDirs":[%s]}' % (b.id, ",".join(dir_objs)))
    return '{"version":1,"brokers":[%s]}' % ",".join(brokers)


def test_log_dirs_describe_two_dirs_per_broker(cluster):
    cluster.create_topic("ld", partitions=6, rf=2)
    produce(cluster.bootstrap, "ld", 60, partitions=6)
    # Kafka's placement: each new log goes to the dir holding the fewest, so every broker
    # (4 replicas each) has 2 in each dir
    for b in cluster.brokers.values():
        counts = [sum(1 for n in os.listdir(d) if n.startswith("ld-")) for d in b.log_dirs]
        assert counts == [2, 2], (b.id, counts)
        for d in b.log_dirs:
            with open(os.path.join(d, "meta.properties")) as f:
                assert "broker.id=%d\n" % b.id in f.read()
    r = run("kafka-log-dirs", "--bootstrap-server", cluster.bootstrap, "--describe",
            "--topic-list", "ld")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[0] == "Querying brokers for log directories information"
    assert lines[1] == "Received log directory information from brokers 1,2,3"
    assert lines[2] == expected_log_dirs_json(cluster, [1, 2, 3], {"ld"})
    assert lines[3:] == [""]
    doc = json.loads(lines[2])
    sizes = [p["size"] for b in doc["brokers"] for d in b["logDirs"] for p in d["partitions"]]
    assert len(sizes) == 12 and all(s > 0 for s in sizes)

    r = run("kafka-log-dirs", "--bootstrap-server", cluster.bootstrap, "--describe",
            "--broker-list", "3,1", "--topic-list", "ld")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[1] == "Received log directory information from brokers 3,1"
    assert lines[2] == expected_log_dirs_json(cluster, [3, 1], {"ld"})

    r = run("kafka-log-dirs", "--bootstrap-server", cluster.bootstrap, "--describe",
            "--broker-list", "1,9")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == ("ERROR: The given brokers do not exist from --broker-list: 9. Current "
                        "existent brokers: 1,2,3\n")
    r = run("kafka-log-dirs", "--bootstrap-server", cluster.bootstrap)
    assert r.returncode == 1 and "[describe]" in r.stderr


def offsets_json(tmp_path, entries):
    path = str(tmp_path / "offsets.json")
    with open(path, "w") as f:
        json.dump({"partitions": [{"topic": t, "partition": p, "offset": o}
                                  for t, p, o in entries], "version": 1}, f)
    return path


def watermarks(bootstrap, topic, p):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "wm"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
    finally:
        c.close()


def first_fetch(bootstrap, topic, p, offset):
    """What a consumer assigned at offset sees first: ("offset", n) or ("error", code)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "ff", "auto.offset.reset": "error",
                  "enable.auto.commit": False})
    try:
        c.assign([TopicPartition(topic, p, offset)])
        def got():
            m = c.poll(0.5)
            if m is None:
                return None
            if m.error():
                return ("error", m.error().code())
            return ("offset", m.offset())
        return wait_until(got, 30, what="a first message or error")
    finally:
        c.close()


def segment_bases(pdir):
    return sorted(int(f[:-4]) for f in os.listdir(pdir) if f.endswith(".log"))


def exchange(port, key, ver, corr, body, flexible):
    """One request (header v2 when flexible, else v1; client id "t") and its response frame."""
    hdr = struct.pack(">hhih", key, ver, corr, 1) + b"t" + (b"\x00" if flexible else b"")
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall(struct.pack(">i", len(hdr) + len(body)) + hdr + body)
        return recv_frame(s)
    finally:
        s.close()


def delete_records_v2(port, topic, p, offset, timeout_ms=5000):
    """One DeleteRecords v2 (flexible) request; returns (low_watermark, error_code)."""
    name = topic.encode()
    body = (b"\x02" + bytes([len(name) + 1]) + name + b"\x02" + struct.pack(">iq", p, offset)
            + b"\x00\x00" + struct.pack(">i", timeout_ms) + b"\x00")
    resp = exchange(port, 21, 2, 7, body, flexible=True)
    corr, = struct.unpack(">i", resp[:4])
    assert corr == 7 and resp[4] == 0  # header v1: no tags
    # throttle, topics(1), name, partitions(1), index, low watermark, error
    off = 5 + 4 + 1
    nlen = resp[off] - 1
    assert resp[off + 1:off + 1 + nlen] == name
    off += 1 + nlen + 1
    idx, low, err = struct.unpack(">iqh", resp[off:off + 14])
    assert idx == p
    return low, err


def test_delete_records_moves_log_start_on_every_replica(cluster, tmp_path):
    cluster.create_topic("dr", partitions=1, rf=3,
                         config={"segment.bytes": "2048", "min.insync.replicas": "2"})
    produce(cluster.bootstrap, "dr", 200)
    assert watermarks(cluster.bootstrap, "dr", 0) == (0, 200)
    leader = cluster.leader("dr", 0)
    for b in cluster.brokers.values():
        assert segment_bases(replica_dir(b, "dr", 0)[1])[0] == 0

    r = run("kafka-delete-records", "--bootstrap-server", cluster.bootstrap,
            "--offset-json-file", offsets_json(tmp_path, [("dr", 0, 120)]))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("Executing records delete operation\n"
                        "Records delete operation completed:\n"
                        "partition: dr-0\tlow_watermark: 120\n")
    # the answer came once every replica had moved: their checkpoints say so now
    for b in cluster.brokers.values():
        ldir, pdir = replica_dir(b, "dr", 0)
        assert checkpoint(os.path.join(ldir, "log-start-offset-checkpoint"))[("dr", 0)] == 120
        bases = segment_bases(pdir)
        assert 0 < bases[0] <= 120, (b.id, bases)  # whole segments below 120 are gone
        assert len(bases) == 1 or bases[1] > 120
    assert watermarks(cluster.bootstrap, "dr", 0) == (120, 200)
    assert first_fetch(cluster.bootstrap, "dr", 0, 50) == ("error", KafkaError._AUTO_OFFSET_RESET)
    assert first_fetch(cluster.bootstrap, "dr", 0, 120) == ("offset", 120)

    # beyond the high watermark, -1 (the high watermark itself), below the start (no move)
    r = run("kafka-delete-records", "--bootstrap-server", cluster.bootstrap,
            "--offset-json-file", offsets_json(tmp_path, [("dr", 0, 500)]))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[2:] == [
        "partition: dr-0\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: "
        "The requested offset is not within the range of offsets maintained by the server.", ""]
    r = run("kafka-delete-records", "--bootstrap-server", cluster.bootstrap,
            "--offset-json-file", offsets_json(tmp_path, [("dr", 0, 10)]))
    assert r.stdout.split("\n")[2] == "partition: dr-0\tlow_watermark: 120"

    # v2 (flexible) straight to a follower and to the leader
    follower = [i for i in cluster.brokers if i != leader][0]
    assert delete_records_v2(cluster.brokers[follower].port, "dr", 0, 130) == (-1, 6)
    assert delete_records_v2(cluster.brokers[leader].port, "dr", 0, 130) == (130, 0)
    assert watermarks(cluster.bootstrap, "dr", 0) == (130, 200)
    r = run("kafka-delete-records", "--bootstrap-server", cluster.bootstrap,
            "--offset-json-file", offsets_json(tmp_path, [("dr", 0, -1)]))
    assert r.stdout.split("\n")[2] == "partition: dr-0\tlow_watermark: 200"

    # a new leader keeps the start: its earliest offset is 200, not 0
    cluster.kill9(leader)
    new = cluster.wait_leader_not("dr", 0, leader)
    wait_until(lambda: cluster.leader("dr", 0, new) == new, 30, what="the new leader's metadata")
    assert watermarks(cluster.brokers[new].bootstrap, "dr", 0) == (200, 200)
    produce(cluster.brokers[new].bootstrap, "dr", 5)
    assert watermarks(cluster.brokers[new].bootstrap, "dr", 0) == (200, 205)
    cluster.restart(leader)
    cluster.wait_isr("dr", 0, 3)
    # the restarted replica came back with the start from its checkpoint
    ldir, _ = replica_dir(cluster.brokers[leader], "dr", 0)
    assert checkpoint(os.path.join(ldir, "log-start-offset-checkpoint"))[("dr", 0)] >= 200


def test_delete_records_tool_misuse(cluster, tmp_path):
    bad = str(tmp_path / "bad.json")
    with open(bad, "w") as f:
        f.write('{"partitions":[{"topic":"dr","partition":0,"offset":1},'
                '{"topic":"dr","partition":0,"offset":2}],"version":1}')
    r = run("kafka-delete-records", "--bootstrap-server", cluster.bootstrap,
            "--offset-json-file", bad)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == "Offset json file contains duplicate topic partitions: dr-0\n"
    with open(bad, "w") as f:
        f.write('{"partitions":[],"version":2}')
    r = run("kafka-delete-records", "--bootstrap-server", cluster.bootstrap,
            "--offset-json-file", bad)
    assert r.returncode == 1 and r.stderr == "Not supported version field value 2\n"
    r = run("kafka-delete-records", "--bootstrap-server", cluster.bootstrap)
    assert r.returncode == 1 and "[offset-json-file]" in r.stderr


def alter_replica_log_dirs(port, moves, ver=1):
    """AlterReplicaLogDirs v1 (or v2, flexible): moves = [(path, topic, [partitions])]; returns
    {(topic, partition): error code}."""
    flex = ver >= 2

    def string(b):
        return (bytes([len(b) + 1]) if flex else struct.pack(">h", len(b))) + b

    def count(n):
        return bytes([n + 1]) if flex else struct.pack(">i", n)

    tag = b"\x00" if flex else b""
    body = count(len(moves))
    for path, topic, parts in moves:
        body += string(path.encode()) + count(1) + string(topic.encode()) + count(len(parts))
        body += b"".join(struct.pack(">i", p) for p in parts) + tag + tag
    body += tag
    resp = exchange(port, 34, ver, 9, body, flexible=flex)
    off = 4 + len(tag) + 4  # correlation id, header tags, throttle

    def read_count():
        nonlocal off
        if flex:
            off += 1
            return resp[off - 1] - 1
        off += 4
        return struct.unpack(">i", resp[off - 4:off])[0]

    out = {}
    for _ in range(read_count()):
        if flex:
            n = resp[off] - 1
            off += 1
        else:
            n, = struct.unpack(">h", resp[off:off + 2])
            off += 2
        topic = resp[off:off + n].decode()
        off += n
        for _ in range(read_count()):
            p, err = struct.unpack(">ih", resp[off:off + 6])
            off += 6 + len(tag)
            out[(topic, p)] = err
        off += len(tag)
    return out


def consume_all(bootstrap, topic, expect):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "mv-check",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    got = []

    def done():
        got.extend(m.value() for m in c.consume(500, 0.5) if not m.error())
        return len(got) >= expect
    try:
        wait_until(done, 60, what="%d messages of %s" % (expect, topic))
    finally:
        c.close()
    return got


def test_alter_replica_log_dirs_moves_leader_and_follower_while_producing(cluster):
    cluster.create_topic("mv", partitions=1, rf=3, config={"segment.bytes": "4096"})
    produce(cluster.bootstrap, "mv", 400, size=200)
    leader = cluster.leader("mv", 0)
    follower = [i for i in cluster.brokers if i != leader][0]
    targets = {}
    for i in (leader, follower):
        b = cluster.brokers[i]
        cur, _ = replica_dir(b, "mv", 0)
        targets[i] = os.path.abspath([d for d in b.log_dirs if d != cur][0])
    lb = cluster.brokers[leader]
    # not a log dir of the broker; a partition it does not host (recorded for later)
    assert alter_replica_log_dirs(lb.port, [("/no/such/dir", "mv", [0])]) == {("mv", 0): 57}
    assert alter_replica_log_dirs(lb.port, [(targets[leader], "mv", [7])]) == {("mv", 7): 9}
    # the moves (about 100 kB at 40 kB/s) run while a producer keeps writing
    assert alter_replica_log_dirs(lb.port, [(targets[leader], "mv", [0])]) == {("mv", 0): 0}
    assert alter_replica_log_dirs(cluster.brokers[follower].port, [(targets[follower], "mv", [0])],
                                  ver=2) == {("mv", 0): 0}
    r = run("kafka-log-dirs", "--bootstrap-server", cluster.bootstrap, "--describe",
            "--topic-list", "mv", "--broker-list", str(leader))
    doc = json.loads(r.stdout.split("\n")[2])
    seen = {(d["logDir"], p["isFuture"]): p for d in doc["brokers"][0]["logDirs"]
            for p in d["partitions"]}
    assert set(seen) == {(replica_dir(lb, "mv", 0)[0], False), (targets[leader], True)}, seen
    assert seen[(targets[leader], True)]["offsetLag"] > 0
    p = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all", "linger.ms": 5})
    errs = []
    for i in range(400):
        p.produce("mv", value=(b"during-%d" % i).ljust(200, b"y"),
                  on_delivery=lambda e, m: errs.append(e) if e else None)
    assert p.flush(60) == 0 and not errs, errs
    for i in (leader, follower):
        b = cluster.brokers[i]
        wait_until(lambda: replica_dir(b, "mv", 0)[0] == targets[i] and not any(
            n.startswith("mv-0.") for d in b.log_dirs for n in os.listdir(d)), 60,
            what="mv-0 of broker %d in %s" % (i, targets[i]))
    assert watermarks(cluster.bootstrap, "mv", 0) == (0, 800)
    vals = consume_all(cluster.bootstrap, "mv", 800)
    assert len(vals) == 800 and vals[400] == b"during-0".ljust(200, b"y")
    assert vals[799] == b"during-399".ljust(200, b"y")
    # kafka-log-dirs shows it in the new dir, not a future log any more
    r = run("kafka-log-dirs", "--bootstrap-server", cluster.bootstrap, "--describe",
            "--topic-list", "mv", "--broker-list", str(leader))
    doc = json.loads(r.stdout.split("\n")[2])
    where = [(d["logDir"], p["isFuture"]) for d in doc["brokers"][0]["logDirs"]
             for p in d["partitions"]]
    assert where == [(targets[leader], False)], where
    # the moved replicas serve after a restart from their new dir, and the follower a
    # leadership
    cluster.brokers[leader].stop()
    new = cluster.wait_leader_not("mv", 0, leader)
    cluster.restart(leader)
    cluster.wait_isr("mv", 0, 3)
    assert replica_dir(cluster.brokers[leader], "mv", 0)[0] == targets[leader]
    assert watermarks(cluster.bootstrap, "mv", 0) == (0, 800)
    assert len(consume_all(cluster.bootstrap, "mv", 800)) == 800
    assert new in cluster.brokers


def describe(cluster, *flags):
    r = run("kafka-topics", "--bootstrap-server", cluster.live_bootstrap(), "--describe",
            "--topic", "mi", *flags)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_topics_min_isr_filters_with_stopped_brokers(cluster):
    cluster.create_topic("mi", partitions=2, rf=3, config={"min.insync.replicas": "2"})
    assert describe(cluster, "--under-min-isr-partitions") == ""
    assert describe(cluster, "--at-min-isr-partitions") == ""
    cluster.kill9(3)
    for p in (0, 1):
        cluster.wait_isr("mi", p, 2)
    # the partition lines as the plain describe prints them (ISR in ZooKeeper's order)
    plain = describe(cluster).split("\n")[1:3]
    assert all(ln.startswith("\tTopic: mi\tPartition: ") and "\tReplicas: " in ln and
               len(ln.split("\tIsr: ")[1].split(",")) == 2 for ln in plain), plain
    assert describe(cluster, "--at-min-isr-partitions") == "\n".join(plain) + "\n"
    assert describe(cluster, "--under-min-isr-partitions") == ""
    assert describe(cluster, "--under-replicated-partitions") == "\n".join(plain) + "\n"
    cluster.kill9(2)
    for p in (0, 1):
        cluster.wait_isr("mi", p, 1)
    plain = describe(cluster).split("\n")[1:3]
    assert all("\tIsr: 1" in ln for ln in plain)
    assert describe(cluster, "--under-min-isr-partitions") == "\n".join(plain) + "\n"
    assert describe(cluster, "--at-min-isr-partitions") == ""
    # TopicCommand's argument checks
    r = run("kafka-topics", "--zookeeper", cluster.zk.connect, "--describe",
            "--under-min-isr-partitions")
    assert r.returncode == 1
    assert r.stderr == ('kafka-topics: Option "[under-min-isr-partitions]" can\'t be used with '
                        'option "[zookeeper]"\n')
    r = run("kafka-topics", "--bootstrap-server", cluster.live_bootstrap(), "--describe",
            "--at-min-isr-partitions", "--under-replicated-partitions")
    assert r.returncode == 1 and "can't be used with option" in r.stderr
    cluster.restart(2)
    cluster.restart(3)
