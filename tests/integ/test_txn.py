"""Issue 13 (coordinator side): transactions with real clients. A confluent-kafka
(librdkafka) transactional producer against a 3-broker cluster with RF3 topics: commit and
abort reach every partition as markers, a read_committed consumer sees only committed data,
__transaction_state holds Kafka's records; zombie fencing; timeout abort; offsets sent to the
transaction; coordinator failover finishes a commit."""
import struct
import time

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kafkabroker import wait_until

RF3 = {"offsets.topic.replication.factor": "3", "default.replication.factor": "3",
       "transaction.state.log.replication.factor": "3", "transaction.state.log.min.isr": "2",
       "min.insync.replicas": "2", "group.initial.rebalance.delay.ms": "0",
       "transaction.abort.timed.out.transaction.cleanup.interval.ms": "1000"}


def java_hash_partition(s, n=50):
    h = 0
    for ch in s:
        h = (31 * h + ord(ch)) & 0xffffffff
    h = h - (1 << 32) if h >= 1 << 31 else h
    return (0 if h == -(1 << 31) else abs(h)) % n


@pytest.fixture
def cluster(broker_factory):
    brokers = [broker_factory(broker_id=i, overrides=RF3) for i in (1, 2, 3)]
    boot = ",".join(b.bootstrap for b in brokers)
    return brokers, boot


def create(boot, topic, parts=3):
    admin = AdminClient({"bootstrap.servers": boot})
    admin.create_topics([NewTopic(topic, num_partitions=parts, replication_factor=3)])[topic] \
        .result(30)


def txn_producer(boot, tid, **extra):
    conf = {"bootstrap.servers": boot, "transactional.id": tid, "linger.ms": 5}
    conf.update(extra)
    p = Producer(conf)
    p.init_transactions(60)
    return p


def consume_all(boot, topic, isolation, expect, timeout=60):
    c = Consumer({"bootstrap.servers": boot, "group.id": "rd-%s-%f" % (isolation, time.time()),
                  "auto.offset.reset": "earliest", "isolation.level": isolation,
                  "enable.auto.commit": False})
    c.subscribe([topic])
    got = []
    deadline = time.time() + timeout
    while time.time() < deadline and len(got) < expect:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append(m.value())
    # a little longer: nothing more must come
    end = time.time() + 2
    while time.time() < end:
        m = c.poll(0.2)
        if m is not None and not m.error():
            got.append(m.value())
    c.close()
    return got


def test_commit_and_abort_read_committed(cluster):
    brokers, boot = cluster
    create(boot, "tx3")
    p = txn_producer(boot, "tx-commit")
    p.begin_transaction()
    for i in range(30):
        p.produce("tx3", value=b"c-%d" % i, partition=i % 3)
    p.commit_transaction(60)
    p.begin_transaction()
    for i in range(30):
        p.produce("tx3", value=b"a-%d" % i, partition=i % 3)
    p.flush(30)
    p.abort_transaction(60)
    p.begin_transaction()
    for i in range(9):
        p.produce("tx3", value=b"d-%d" % i, partition=i % 3)
    p.commit_transaction(60)
    committed = consume_all(boot, "tx3", "read_committed", 39)
    assert sorted(committed) == sorted([b"c-%d" % i for i in range(30)] +
                                       [b"d-%d" % i for i in range(9)])
    uncommitted = consume_all(boot, "tx3", "read_uncommitted", 69)
    assert len(uncommitted) == 69 and b"a-0" in uncommitted
