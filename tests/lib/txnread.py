"""txnread.py: read a topic back the way the transaction tests check it: every value from the
beginning of every partition under one isolation level (confluent-kafka, no group join:
the partitions are assigned), until `expect` values came or `timeout` passed, then `linger`
seconds more, so that a value that should not be there (a duplicate, aborted data) is seen."""
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def read_values(boot, topic, isolation, expect, timeout=60, linger=1.0):
    c = Consumer({"bootstrap.servers": boot, "group.id": "read-%s-%f" % (isolation, time.time()),
                  "auto.offset.reset": "earliest", "isolation.level": isolation,
                  "enable.auto.commit": False})
    got = []
    try:
        parts = c.list_topics(topic, timeout=30).topics[topic].partitions
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(parts)])
        deadline = time.time() + timeout
        while time.time() < deadline and len(got) < expect:
            got += [m.value() for m in c.consume(10000, 0.5) if m.error() is None]
        end = time.time() + linger
        while time.time() < end:
            got += [m.value() for m in c.consume(10000, 0.2) if m.error() is None]
    finally:
        c.close()
    return got
