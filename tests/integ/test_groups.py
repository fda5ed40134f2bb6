"""Consumer groups against one broker with real clients (issue 5, items 1-3).

1. Three librdkafka (confluent-kafka) consumers, and separately three kafka-python consumers,
   share a 6-partition topic: two partitions each, none twice; when one leaves the other two
   take its partitions within the rebalance timeout, and every message produced before and
   during the rebalance is consumed (at-least-once: auto-commit after processing).
2. Committed offsets survive the consumers and a broker restart (the coordinator reloads
   __consumer_offsets); a new group with auto.offset.reset=earliest starts at the beginning.
3. ListGroups / DescribeGroups show members, assignments and state; lag = log end offset -
   committed offset per partition; an empty group can be deleted.
Measured numbers (rebalance times, counts) are printed (pytest -s shows them)."""
import threading
import time

import kafka  # kafka-python
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kafkabroker import wait_until

REBALANCE_TIMEOUT_S = 30  # librdkafka / kafka-python use max.poll.interval.ms; we assert tighter


def create_topic(bootstrap, name, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])[name].result(30)
    wait_until(lambda: len(admin.list_topics(name, timeout=5).topics[name].partitions) == partitions, 30,
               what="topic %s" % name)


def produce(bootstrap, topic, values, partitions=None):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 2})
    for i, v in enumerate(values):
        kw = {"partition": partitions[i]} if partitions else {}
        p.produce(topic, value=v, **kw)
    assert p.flush(30) == 0


class Member(threading.Thread):
    """One group member polling in its own thread; records its assignment and what it read."""

    def __init__(self, kind, bootstrap, group, topic, name):
        super().__init__(daemon=True)
        self.kind, self.name = kind, name
        self.stop_flag = threading.Event()
        self.seen = []  # (partition, offset, value)
        self.assigned = set()
        self.lock = threading.Lock()
        if kind == "rdkafka":
            self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": name,
                               "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
                               "heartbeat.interval.ms": 500, "enable.auto.commit": True,
                               "auto.commit.interval.ms": 200,
                               "partition.assignment.strategy": "range"})
            self.c.subscribe([topic])
        else:
            self.c = kafka.KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                                         client_id=name, auto_offset_reset="earliest",
                                         session_timeout_ms=6000, heartbeat_interval_ms=500,
                                         enable_auto_commit=True, auto_commit_interval_ms=200)

    def run(self):
        while not self.stop_flag.is_set():
            if self.kind == "rdkafka":
                m = self.c.poll(0.2)
                msgs = [m] if m is not None and not m.error() else []
                got = [(x.partition(), x.offset(), x.value()) for x in msgs]
                asg = {tp.partition for tp in self.c.assignment()}
            else:
                recs = self.c.poll(timeout_ms=200)
                got = [(r.partition, r.offset, r.value) for rs in recs.values() for r in rs]
                asg = {tp.partition for tp in self.c.assignment()}
            with self.lock:
                self.seen.extend(got)
                self.assigned = asg
        self.c.close()  # commits (auto-commit) and leaves the group

    def assignment(self):
        with self.lock:
            return set(self.assigned)

    def values(self):
        with self.lock:
            return [v for _, _, v in self.seen]

    def leave(self):
        self.stop_flag.set()
        self.join(30)


def balanced(members, nparts, each):
    asg = [m.assignment() for m in members]
    union = set().union(*asg)
    return all(len(a) == each for a in asg) and union == set(range(nparts)) and \
        sum(len(a) for a in asg) == nparts


def run_three_members(broker, kind):
    topic, group = "grp6-%s" % kind, "g-%s" % kind
    create_topic(broker.bootstrap, topic, 6)
    before = [b"before-%d" % i for i in range(300)]
    produce(broker.bootstrap, topic, before, [i % 6 for i in range(300)])
    members = [Member(kind, broker.bootstrap, group, topic, "%s-%d" % (kind, i)) for i in range(3)]
    t0 = time.monotonic()
    for m in members:
        m.start()
    wait_until(lambda: balanced(members, 6, 2), 60, 0.1, what="3 members with 2 partitions each")
    t_join = time.monotonic() - t0
    asg = [sorted(m.assignment()) for m in members]
    print("\n[%s] 3 members balanced after %.2fs: %s" % (kind, t_join, asg))
    # one leaves; produce while the group rebalances
    leaving, rest = members[2], members[:2]
    t1 = time.monotonic()
    stopper = threading.Thread(target=leaving.leave)
    stopper.start()
    during = [b"during-%d" % i for i in range(300)]
    produce(broker.bootstrap, topic, during, [i % 6 for i in range(300)])
    wait_until(lambda: balanced(rest, 6, 3), REBALANCE_TIMEOUT_S, 0.05,
               what="2 members with 3 partitions each")
    t_rebalance = time.monotonic() - t1
    stopper.join(30)
    print("[%s] after one left: rebalanced in %.2fs: %s" % (kind, t_rebalance,
                                                         [sorted(m.assignment()) for m in rest]))
    after = [b"after-%d" % i for i in range(60)]
    produce(broker.bootstrap, topic, after, [i % 6 for i in range(60)])
    want = set(before + during + after)

    def all_seen():
        got = set()
        for m in members:
            got.update(m.values())
        return want <= got

    wait_until(all_seen, 60, 0.2, what="every message consumed")
    total = sum(len(m.values()) for m in members)
    print("[%s] %d distinct messages produced, %d deliveries (%d redelivered after the rebalance)"
          % (kind, len(want), total, total - len(want)))
    for m in rest:
        m.leave()
    assert t_rebalance < REBALANCE_TIMEOUT_S
    # committed offsets never skip an unconsumed message: committed <= end, and a fresh member
    # of the group finds nothing left (everything up to the end was consumed and committed)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group})
    committed = c.committed([TopicPartition(topic, p) for p in range(6)], timeout=10)
    ends = [c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(6)]
    c.close()
    print("[%s] committed %s, log end %s" % (kind, [tp.offset for tp in committed], ends))
    assert [tp.offset for tp in committed] == ends


def test_three_librdkafka_consumers_share_and_rebalance(broker):
    run_three_members(broker, "rdkafka")


def test_three_kafka_python_consumers_share_and_rebalance(broker):
    run_three_members(broker, "kafka-python")


def consume_n(c, n, timeout=30):
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            out.append(m)
    return out


def test_commit_restart_resume_and_new_group_from_earliest(broker):
    topic = "resume3"
    create_topic(broker.bootstrap, topic, 3)
    produce(broker.bootstrap, topic, [b"m-%d" % i for i in range(90)], [i % 3 for i in range(90)])
    conf = {"bootstrap.servers": broker.bootstrap, "group.id": "rg", "enable.auto.commit": False,
            "auto.offset.reset": "earliest"}
    c = Consumer(conf)
    c.subscribe([topic])
    got = consume_n(c, 40)
    assert len(got) == 40
    c.commit(asynchronous=False)  # the positions after what was consumed
    positions = {}
    for m in got:
        positions[m.partition()] = max(positions.get(m.partition(), 0), m.offset() + 1)
    committed = {tp.partition: tp.offset for tp in
                 c.committed([TopicPartition(topic, p) for p in range(3)], timeout=10)}
    c.close()
    for p in range(3):
        assert committed[p] == positions.get(p, -1001 if p not in positions else positions[p]) or \
            (p not in positions and committed[p] < 0)
    print("\ncommitted after 40 messages: %s" % committed)
    # the coordinator reloads __consumer_offsets after a restart
    broker.stop()
    broker.start()
    c = Consumer(conf)
    c.subscribe([topic])
    rest = consume_n(c, 50)
    c.close()
    first = {}
    for m in rest:
        first.setdefault(m.partition(), m.offset())
    print("after restart, first offsets per partition: %s" % first)
    assert len(rest) == 50
    for p, off in first.items():
        assert off == max(committed[p], 0)
    # kafka-python sees the same committed offsets
    kc = kafka.KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id="rg", enable_auto_commit=False)
    kcommitted = {p: kc.committed(kafka.TopicPartition(topic, p)) for p in range(3)}
    kc.close()
    assert all(v is None or v == committed[p] for p, v in kcommitted.items())
    # a new group reads from the beginning
    c = Consumer(dict(conf, **{"group.id": "fresh"}))
    c.subscribe([topic])
    all_msgs = consume_n(c, 90)
    c.close()
    assert len(all_msgs) == 90
    firsts = {}
    for m in all_msgs:
        firsts.setdefault(m.partition(), m.offset())
    assert firsts == {0: 0, 1: 0, 2: 0}


def test_list_describe_lag_and_delete(broker):
    topic, group = "lag4", "dg"
    create_topic(broker.bootstrap, topic, 4)
    counts = [10, 20, 30, 40]
    parts = [p for p in range(4) for _ in range(counts[p])]
    produce(broker.bootstrap, topic, [b"x"] * len(parts), parts)
    members = [Member("rdkafka", broker.bootstrap, group, topic, "desc-%d" % i) for i in range(2)]
    for m in members:
        m.start()
    wait_until(lambda: balanced(members, 4, 2), 60, 0.1, what="2 members with 2 partitions each")
    admin = kafka.KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    groups = admin.list_consumer_groups()
    assert (group, "consumer") in groups
    desc = wait_until(lambda: [d for d in admin.describe_consumer_groups([group]) if d.state == "Stable"], 30,
                      what="group Stable")[0]
    assert desc.protocol_type == "consumer" and desc.protocol == "range" and len(desc.members) == 2
    assigned = {}
    for mem in desc.members:
        assert mem.client_id.startswith("desc-") and mem.client_host == "/127.0.0.1"
        for t, ps in mem.member_assignment.assignment:
            assert t == topic
            for p in ps:
                assert p not in assigned
                assigned[p] = mem.client_id
    assert sorted(assigned) == [0, 1, 2, 3]
    print("\nDescribeGroups: state %s, protocol %s, assignment %s" % (desc.state, desc.protocol, assigned))
    # confluent-kafka's list_groups (ListGroups + DescribeGroups through librdkafka)
    cg = [g for g in AdminClient({"bootstrap.servers": broker.bootstrap}).list_groups(timeout=10) if g.id == group]
    assert cg and cg[0].state == "Stable" and len(cg[0].members) == 2
    for m in members:
        m.leave()
    # commit chosen offsets as a standalone consumer: lag = end - committed
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False})
    want = [3, 7, 30, 0]
    c.commit(offsets=[TopicPartition(topic, p, want[p]) for p in range(4)], asynchronous=False)
    c.close()
    offs = admin.list_consumer_group_offsets(group)
    kc = kafka.KafkaConsumer(bootstrap_servers=broker.bootstrap)
    tps = [kafka.TopicPartition(topic, p) for p in range(4)]
    ends = kc.end_offsets(tps)
    kc.close()
    lag = {tp.partition: ends[tp] - offs[tp].offset for tp in tps}
    print("lag per partition: %s" % lag)
    assert lag == {0: 7, 1: 13, 2: 0, 3: 40}
    assert [g for g in admin.describe_consumer_groups([group])][0].state == "Empty"
    # delete the empty group: its offsets are gone
    res = admin.delete_consumer_groups([group])
    assert all(err is kafka.errors.NoError for _, err in res), res
    assert (group, "consumer") not in admin.list_consumer_groups()
    assert admin.list_consumer_group_offsets(group) == {}
    admin.close()
