"""Log compaction (issue 5, item 5): a compacted topic with many updates per key shrinks to
one record per key once the cleaner has run, tombstones go after delete.retention.ms, and a
consumer reading from the beginning still sees the latest value of every key."""
import glob
import os
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kafkabroker import wait_until

KEYS, UPDATES = 40, 25


def read_all(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader-%f" % time.time(),
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    c.assign([TopicPartition(topic, 0, lo)])
    out = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            if out and out[-1][0] >= hi - 1:
                break
            continue
        if m.error():
            continue
        out.append((m.offset(), m.key(), m.value()))
        if m.offset() >= hi - 1:
            break
    c.close()
    return out


def test_compacted_topic_keeps_last_value_per_key(broker_factory):
    b = broker_factory(overrides={"log.cleaner.backoff.ms": "200"})
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    admin.create_topics([NewTopic("compacted", num_partitions=1, replication_factor=1,
                                  config={"cleanup.policy": "compact", "segment.bytes": "4096",
                                          "delete.retention.ms": "0"})])["compacted"].result(30)
    p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 1, "compression.type": "lz4",
                  "batch.num.messages": 10})
    for u in range(UPDATES):
        for k in range(KEYS):
            p.produce("compacted", key=b"key-%d" % k, value=b"key-%d-v%d" % (k, u), partition=0)
        p.flush(30)
    for k in range(0, KEYS, 10):  # delete every tenth key
        p.produce("compacted", key=b"key-%d" % k, value=None, partition=0)
    for i in range(200):  # roll the updates out of the active segment
        p.produce("compacted", key=b"filler-%d" % i, value=b"x" * 50, partition=0)
    assert p.flush(30) == 0
    total = KEYS * UPDATES + KEYS // 10 + 200
    logdir = glob.glob(os.path.join(b.log_dir, "compacted-0"))[0]

    def cleaned():
        recs = read_all(b.bootstrap, "compacted")
        keyed = [r for r in recs if r[1].startswith(b"key-")]
        return recs if len(keyed) == KEYS - KEYS // 10 else None

    recs = wait_until(cleaned, 60, 0.5, what="the cleaner to compact the topic")
    latest = {}
    for off, k, v in recs:
        latest.setdefault(k, []).append(v)
    for k in range(KEYS):
        key = b"key-%d" % k
        if k % 10 == 0:
            assert key not in latest  # tombstoned and the tombstone removed
        else:
            assert latest[key] == [b"key-%d-v%d" % (k, UPDATES - 1)]  # exactly the last value
    offsets = [o for o, _, _ in recs]
    assert offsets == sorted(offsets) and offsets[-1] == total - 1  # offsets kept, with gaps
    print("\n%d records written, %d left after compaction; %d segments in %s" % (
        total, len(recs), len(glob.glob(os.path.join(logdir, "*.log"))), logdir))
    ckpt = open(os.path.join(b.log_dir, "cleaner-offset-checkpoint")).read().split("\n")
    assert ckpt[0] == "0" and any(line.startswith("compacted 0 ") for line in ckpt[2:])
    # the cleaned segments survive a restart (indexes rebuilt, recovery accepts offset gaps)
    b.stop()
    b.start()
    again = read_all(b.bootstrap, "compacted")
    assert [r[1:] for r in again] == [r[1:] for r in recs]
