"""Fetch response size (issue 20 item 1, KIP-74): the broker honours the request's total
max_bytes as well as partition_max_bytes, and still returns the first batch of the first
non-empty partition when that batch alone is larger. Reported with an unmodified
confluent-kafka consumer whose receive.message.max.bytes is just above fetch.max.bytes: a
response sized by partition_max_bytes (19 MB) failed it with "Invalid response size"."""
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from kafkabroker import wait_until

SIZE = 900_000


def test_total_max_bytes_bounds_the_response(broker):
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.create_topics([NewTopic("big", 3, 1)])["big"].result(30)
    wait_until(lambda: "big" in a.list_topics(timeout=5).topics, 30)
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0})
    for part in range(3):
        for i in range(30):
            p.produce("big", bytes([part * 30 + i]) * SIZE, partition=part)
    assert p.flush(60) == 0
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "big",
                  "auto.offset.reset": "earliest", "fetch.max.bytes": 1000000,
                  "max.partition.fetch.bytes": 20000000, "receive.message.max.bytes": 1000512})
    c.subscribe(["big"])
    seen, errors, deadline = set(), [], time.monotonic() + 120
    try:
        while len(seen) < 90 and time.monotonic() < deadline:
            m = c.poll(1)
            if m is None:
                continue
            if m.error():
                errors.append(str(m.error()))
                continue
            assert len(m.value()) == SIZE
            seen.add((m.partition(), m.offset()))
    finally:
        c.close()
    assert not errors, errors
    assert len(seen) == 90
