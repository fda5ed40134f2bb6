"""Record timestamps as Kafka 3.x handles them (issue 20, items 2 and 3), through an unmodified
confluent-kafka client: message.timestamp.type=LogAppendTime (topic config or the broker's
log.message.timestamp.type) makes the leader stamp each batch with its own clock, answered in
the Produce response and seen by consumers instead of the producer's time;
message.timestamp.difference.max.ms refuses CreateTime records too far from the leader's clock
with INVALID_TIMESTAMP; message.format.version / log.message.format.version are accepted and
described (ignored for v2 batches), a value that is no Kafka version is INVALID_CONFIG."""
import time

import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, Consumer, KafkaError, \
    KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from kafkabroker import wait_until

OLD_TS = 1_000_000_000_000  # 2001-09-09: far from the broker's clock


def create(broker, name, config=None):
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.create_topics([NewTopic(name, 1, 1, config=config or {})])[name].result(30)
    wait_until(lambda: name in a.list_topics(timeout=5).topics, 30)
    return a


def produce(broker, topic, values, timestamp):
    """Produce values with the given CreateTime; returns the delivery reports (err, tstype, ts)."""
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0})
    reports = []
    for v in values:
        p.produce(topic, v, timestamp=timestamp,
                  on_delivery=lambda err, msg: reports.append((err, msg.timestamp())))
    assert p.flush(30) == 0
    return reports


def consume(broker, topic, n):
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "ts-" + topic,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    out, deadline = [], time.monotonic() + 60
    while len(out) < n and time.monotonic() < deadline:
        m = c.poll(1)
        if m is not None and not m.error():
            out.append((m.value(), m.timestamp()))
    c.close()
    assert len(out) == n, out
    return out


def assert_log_append_time(broker, topic):
    before = int(time.time() * 1000)
    reports = produce(broker, topic, [b"a", b"b", b"c"], OLD_TS)
    after = int(time.time() * 1000)
    for err, (tstype, ts) in reports:
        assert err is None
        assert tstype == TIMESTAMP_LOG_APPEND_TIME and before - 1000 <= ts <= after + 1000, (tstype, ts)
    for value, (tstype, ts) in consume(broker, topic, 3):
        assert tstype == TIMESTAMP_LOG_APPEND_TIME, value
        assert before - 1000 <= ts <= after + 1000 and ts != OLD_TS, (value, ts)


def test_log_append_time_topic_config(broker):
    create(broker, "lat", {"message.timestamp.type": "LogAppendTime"})
    assert_log_append_time(broker, "lat")
    # a CreateTime topic on the same broker keeps the producer's time
    create(broker, "ct")
    for err, (tstype, ts) in produce(broker, "ct", [b"x"], OLD_TS):
        assert err is None and ts == OLD_TS
    assert consume(broker, "ct", 1) == [(b"x", (TIMESTAMP_CREATE_TIME, OLD_TS))]


def test_log_append_time_broker_default(broker_factory):
    b = broker_factory(overrides={"log.message.timestamp.type": "LogAppendTime"})
    create(b, "blat")
    assert_log_append_time(b, "blat")


def test_timestamp_difference_max_ms(broker):
    create(broker, "tdiff", {"message.timestamp.difference.max.ms": "60000"})
    reports = produce(broker, "tdiff", [b"old"], OLD_TS)
    assert reports[0][0] is not None and reports[0][0].code() == KafkaError.INVALID_TIMESTAMP, reports
    now = int(time.time() * 1000)
    reports = produce(broker, "tdiff", [b"now"], now)
    assert reports[0][0] is None, reports
    assert consume(broker, "tdiff", 1) == [(b"now", (TIMESTAMP_CREATE_TIME, now))]


def describe(admin, topic):
    res = admin.describe_configs([ConfigResource("topic", topic)])
    return list(res.values())[0].result(30)


def test_message_format_version_accepted_and_described(broker):
    a = create(broker, "mfv", {"message.format.version": "2.8"})
    assert describe(a, "mfv")["message.format.version"].value == "2.8"
    a.alter_configs([ConfigResource("topic", "mfv", set_config={"message.format.version": "3.0-IV1"})]
                    )[ConfigResource("topic", "mfv")].result(30)
    wait_until(lambda: describe(a, "mfv")["message.format.version"].value == "3.0-IV1", 30)
    # a topic without an override shows the broker's default
    create(broker, "mfv-default")
    assert describe(a, "mfv-default")["message.format.version"].value == "3.0-IV1"
    with pytest.raises(KafkaException) as e:
        a.alter_configs([ConfigResource("topic", "mfv", set_config={"message.format.version": "foo"})]
                        )[ConfigResource("topic", "mfv")].result(30)
    assert e.value.args[0].code() == KafkaError.INVALID_CONFIG
    # records still flow (the setting is ignored for v2 batches)
    assert produce(broker, "mfv", [b"v"], OLD_TS)[0][0] is None
