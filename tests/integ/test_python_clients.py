"""kafka-python and confluent-kafka (Debian packages) against one broker: admin create /
describe configs / delete, produce and consume with manually assigned partitions, and
ListOffsets earliest / latest / by timestamp."""
import time

import pytest

from kafkabroker import wait_until

import confluent_kafka  # noqa: E402,F401
import kafka  # noqa: E402  (kafka-python)
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic  # noqa: E402


def create_topic(bootstrap, name, partitions=3, config=None):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    fs = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                                       config=config or {})], operation_timeout=20)
    fs[name].result(30)
    return admin


def test_confluent_admin_create_describe_delete(broker):
    admin = create_topic(broker.bootstrap, "adm", 3, {"retention.ms": "3600000"})
    md = admin.list_topics(timeout=10)
    assert "adm" in md.topics and len(md.topics["adm"].partitions) == 3
    res = ConfigResource(ConfigResource.Type.TOPIC, "adm")
    cfg = admin.describe_configs([res])[res].result(20)
    assert cfg["retention.ms"].value == "3600000"
    assert cfg["cleanup.policy"].value == "delete"
    assert cfg["segment.bytes"].value == "1073741824"
    # creating it again is TOPIC_ALREADY_EXISTS
    fs = admin.create_topics([NewTopic("adm", num_partitions=1, replication_factor=1)])
    with pytest.raises(Exception) as e:
        fs["adm"].result(20)
    assert "TOPIC_ALREADY_EXISTS" in str(e.value) or "already exists" in str(e.value)
    # replication factor larger than the cluster is refused
    fs = admin.create_topics([NewTopic("rf3", num_partitions=1, replication_factor=3)])
    with pytest.raises(Exception) as e:
        fs["rf3"].result(20)
    assert "INVALID_REPLICATION_FACTOR" in str(e.value) or "replication factor" in str(e.value).lower()
    admin.delete_topics(["adm"], operation_timeout=20)["adm"].result(30)
    wait_until(lambda: "adm" not in admin.list_topics(timeout=10).topics, 30, what="topic deleted")


def test_confluent_produce_consume_assigned_and_list_offsets(broker):
    create_topic(broker.bootstrap, "cpy", 2)
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    base_ts = int(time.time() * 1000) - 100000
    for i in range(100):
        p.produce("cpy", key=b"k%d" % i, value=b"v%d" % i, partition=i % 2, timestamp=base_ts + i * 10)
    assert p.flush(30) == 0
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused-manual",
                  "enable.auto.commit": False})
    c.assign([TopicPartition("cpy", 0, 0), TopicPartition("cpy", 1, 0)])
    got = {0: [], 1: []}
    deadline = time.monotonic() + 30
    while sum(len(v) for v in got.values()) < 100 and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        got[m.partition()].append((m.offset(), m.key(), m.value()))
    assert [o for o, _, _ in got[0]] == list(range(50))
    assert [v for _, _, v in got[0]] == [b"v%d" % i for i in range(0, 100, 2)]
    assert [v for _, _, v in got[1]] == [b"v%d" % i for i in range(1, 100, 2)]
    # ListOffsets: earliest, latest, by timestamp (partition 0 holds even i: ts base+i*10)
    lo, hi = c.get_watermark_offsets(TopicPartition("cpy", 0), timeout=10)
    assert (lo, hi) == (0, 50)
    res = c.offsets_for_times([TopicPartition("cpy", 0, base_ts + 205)], timeout=10)
    assert res[0].offset == 11  # first even i with ts >= base+205 is i=22 -> offset 11
    res = c.offsets_for_times([TopicPartition("cpy", 0, base_ts + 10**7)], timeout=10)
    assert res[0].offset == -1  # none that late
    c.close()


def test_kafka_python_produce_consume_assigned_and_offsets(broker):
    create_topic(broker.bootstrap, "kpy", 2)
    prod = kafka.KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=5)
    base_ts = int(time.time() * 1000) - 50000
    for i in range(60):
        prod.send("kpy", key=b"k%d" % i, value=b"val-%d" % i, partition=i % 2,
                  timestamp_ms=base_ts + i * 100)
    prod.flush(30)
    prod.close()
    cons = kafka.KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False,
                               consumer_timeout_ms=5000)
    tps = [kafka.TopicPartition("kpy", 0), kafka.TopicPartition("kpy", 1)]
    cons.assign(tps)
    cons.seek_to_beginning()
    got = {0: [], 1: []}
    for m in cons:
        got[m.partition].append((m.offset, m.value))
        if sum(len(v) for v in got.values()) == 60:
            break
    assert [v for _, v in got[1]] == [b"val-%d" % i for i in range(1, 60, 2)]
    assert [o for o, _ in got[0]] == list(range(30))
    assert cons.beginning_offsets(tps) == {tps[0]: 0, tps[1]: 0}
    assert cons.end_offsets(tps) == {tps[0]: 30, tps[1]: 30}
    # partition 1 holds odd i at ts base+i*100; first with ts >= base+1050 is i=11 -> offset 5
    r = cons.offsets_for_times({tps[1]: base_ts + 1050})
    assert r[tps[1]].offset == 5 and r[tps[1]].timestamp == base_ts + 1100
    cons.close()
