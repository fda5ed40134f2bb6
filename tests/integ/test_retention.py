"""Segment roll and retention with small limits: segments roll at segment.bytes, old ones are
deleted by retention.bytes and by retention.ms, and the earliest offset advances."""
import glob
import os
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kafkabroker import wait_until


def produce(bootstrap, topic, n, size=1000, ts=None):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "batch.num.messages": 50})
    for i in range(n):
        kw = {"timestamp": ts} if ts else {}
        p.produce(topic, value=b"%08d" % i + b"x" * (size - 8), partition=0, **kw)
        if i % 1000 == 0:
            p.poll(0)
    assert p.flush(60) == 0


def earliest(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "wm"})
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    c.close()
    return lo, hi


def test_roll_and_retention_by_bytes(broker_factory):
    b = broker_factory(overrides={"log.segment.bytes": str(256 * 1024),
                                  "log.retention.check.interval.ms": "300"})
    a = AdminClient({"bootstrap.servers": b.bootstrap})
    a.create_topics([NewTopic("rb", 1, 1, config={"retention.bytes": str(600 * 1024)})])["rb"].result(30)
    produce(b.bootstrap, "rb", 3000)  # ~3 MB -> about 12 segments of 256 KiB
    d = os.path.join(b.log_dir, "rb-0")

    def few_segments():
        return len(glob.glob(os.path.join(d, "*.log"))) <= 4
    wait_until(few_segments, 30, what="retention.bytes to delete old segments")
    logs = sorted(glob.glob(os.path.join(d, "*.log")))
    for l in logs:  # each segment has its indexes, named by base offset
        base = os.path.basename(l)[:-4]
        assert len(base) == 20 and base.isdigit()
        assert os.path.exists(os.path.join(d, base + ".index"))
        assert os.path.exists(os.path.join(d, base + ".timeindex"))
    lo, hi = earliest(b.bootstrap, "rb")
    assert hi == 3000
    assert lo > 0 and lo == int(os.path.basename(logs[0])[:-4])
    total = sum(os.path.getsize(l) for l in logs)
    assert total - os.path.getsize(logs[-1]) <= 600 * 1024 + 256 * 1024


def test_retention_by_time(broker_factory):
    b = broker_factory(overrides={"log.segment.bytes": str(128 * 1024),
                                  "log.retention.check.interval.ms": "300"})
    a = AdminClient({"bootstrap.servers": b.bootstrap})
    a.create_topics([NewTopic("rt", 1, 1, config={"retention.ms": "60000"})])["rt"].result(30)
    old = int(time.time() * 1000) - 3600 * 1000  # an hour old: past retention.ms
    produce(b.bootstrap, "rt", 1000, ts=old)
    produce(b.bootstrap, "rt", 300)  # fresh records roll into new segments
    wait_until(lambda: earliest(b.bootstrap, "rt")[0] >= 900, 30,
               what="time retention to drop the old segments")
    lo, hi = earliest(b.bootstrap, "rt")
    assert hi == 1300 and lo <= 1000
