"""Issue 5, item 4: kill -9 the broker that coordinates a group in a 3-broker cluster with an
RF3 __consumer_offsets: the group moves to the new coordinator (the new leader of its offsets
partition loads it), committed offsets survive, the consumers carry on."""
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kafkabroker import wait_until

def coordinator_of(bootstrap, group):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        md = c.list_topics("__consumer_offsets", timeout=10)
    finally:
        c.close()
    p = None
    h = 0
    for ch in group:  # java String.hashCode (ASCII group ids)
        h = (31 * h + ord(ch)) & 0xffffffff
    h = h - (1 << 32) if h >= 1 << 31 else h
    p = (0 if h == -(1 << 31) else abs(h)) % 50
    return md.topics["__consumer_offsets"].partitions[p].leader


def test_coordinator_kill9_group_moves_and_offsets_survive(broker_factory):
    rf3 = {"offsets.topic.replication.factor": "3", "default.replication.factor": "3",
           "min.insync.replicas": "2"}
    brokers = [broker_factory(broker_id=i, overrides=rf3) for i in (1, 2, 3)]
    boot = ",".join(b.bootstrap for b in brokers)
    admin = AdminClient({"bootstrap.servers": boot})
    admin.create_topics([NewTopic("fo", num_partitions=6, replication_factor=3)])["fo"].result(30)
    p = Producer({"bootstrap.servers": boot, "acks": "all"})
    for i in range(600):
        p.produce("fo", value=b"m-%d" % i, partition=i % 6)
    assert p.flush(30) == 0
    group = "failover-group"
    seen = set()
    lock = threading.Lock()
    stop = threading.Event()

    def run(name):
        c = Consumer({"bootstrap.servers": boot, "group.id": group, "client.id": name,
                      "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
                      "enable.auto.commit": True, "auto.commit.interval.ms": 200})
        c.subscribe(["fo"])
        while not stop.is_set():
            m = c.poll(0.2)
            if m is not None and not m.error():
                with lock:
                    seen.add(m.value())
        c.close()

    threads = [threading.Thread(target=run, args=("c%d" % i,), daemon=True) for i in range(2)]
    for t in threads:
        t.start()
    wait_until(lambda: len(seen) >= 300, 60, 0.2, what="half the messages consumed")
    coord = wait_until(lambda: coordinator_of(boot, group), 30, what="coordinator")
    c = Consumer({"bootstrap.servers": boot, "group.id": group})
    before = {tp.partition: tp.offset for tp in c.committed([TopicPartition("fo", i) for i in range(6)], timeout=10)}
    c.close()
    victim = [b for b in brokers if b.id == coord][0]
    victim.kill9()
    t0 = time.monotonic()
    survivors = ",".join(b.bootstrap for b in brokers if b is not victim)
    new = wait_until(lambda: (lambda x: x if x not in (None, -1, coord) else None)(coordinator_of(survivors, group)),
                     60, 0.5, what="a new coordinator")
    # committed offsets survive on the new coordinator (never behind what was committed)
    c = Consumer({"bootstrap.servers": survivors, "group.id": group})
    after = {tp.partition: tp.offset for tp in c.committed([TopicPartition("fo", i) for i in range(6)], timeout=20)}
    c.close()
    assert all(after[p] >= before[p] for p in before), (before, after)
    p = Producer({"bootstrap.servers": survivors, "acks": "all"})
    for i in range(600, 900):
        p.produce("fo", value=b"m-%d" % i, partition=i % 6)
    assert p.flush(30) == 0
    wait_until(lambda: len(seen) >= 900, 90, 0.5, what="the consumers to carry on")
    stop.set()
    for t in threads:
        t.join(30)
    print("\ncoordinator %d killed; broker %d took over in %.1fs; %d messages consumed"
          % (coord, new, time.monotonic() - t0, len(seen)))
    assert seen == {b"m-%d" % i for i in range(900)}
