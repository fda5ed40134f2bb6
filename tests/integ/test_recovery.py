"""Durability across crashes: kill -9 during a sustained produce, restart on the same log dir;
every acknowledged message is still there, the torn tail is gone, and new offsets continue with
no gap or reuse. Same after a clean stop, and after a hand-torn segment tail."""
import glob
import os
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kafkabroker import wait_until


def create(bootstrap, topic, partitions=1):
    a = AdminClient({"bootstrap.servers": bootstrap})
    a.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)


def consume_all(bootstrap, topic, partition=0, timeout=30):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "verify", "enable.auto.commit": False,
                  "enable.partition.eof": True})
    c.assign([TopicPartition(topic, partition, 0)])
    out = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                break
            continue
        out.append((m.offset(), m.value()))
    c.close()
    return out


class Streamer:
    """Produces sequence-numbered messages (acks=1) until stopped; records what was acked."""

    def __init__(self, bootstrap, topic):
        self.acked = {}
        self.stop_flag = threading.Event()
        self.p = Producer({"bootstrap.servers": bootstrap, "acks": 1, "linger.ms": 2,
                           "message.timeout.ms": 5000, "retries": 0})
        self.topic = topic
        self.t = threading.Thread(target=self.run, daemon=True)

    def cb(self, err, msg):
        if err is None:
            self.acked[msg.value()] = msg.offset()

    def run(self):
        i = 0
        while not self.stop_flag.is_set():
            try:
                self.p.produce(self.topic, value=b"seq-%08d" % i, partition=0, on_delivery=self.cb)
                i += 1
            except BufferError:
                pass
            self.p.poll(0)
            if i % 200 == 0:
                time.sleep(0.001)
        self.p.flush(10)


def test_kill9_mid_stream_keeps_every_acked_message(broker_factory):
    b = broker_factory()
    create(b.bootstrap, "dur")
    s = Streamer(b.bootstrap, "dur")
    s.t.start()
    wait_until(lambda: len(s.acked) >= 20000, 60, what="20000 acks")
    b.kill9()
    s.stop_flag.set()
    s.t.join(30)
    acked = dict(s.acked)
    assert len(acked) >= 20000
    b.start()
    assert "unclean" in b.output()
    msgs = consume_all(b.bootstrap, "dur")
    offsets = [o for o, _ in msgs]
    assert offsets == list(range(len(msgs))), "offsets must be dense"
    stored = {v: o for o, v in msgs}
    lost = [v for v in acked if v not in stored]
    assert not lost, "%d acknowledged messages lost, e.g. %s" % (len(lost), lost[:3])
    for v, o in acked.items():
        assert stored[v] == o, "message %s moved from offset %d to %d" % (v, o, stored[v])
    # new offsets continue right after the recovered end
    end = len(msgs)
    p = Producer({"bootstrap.servers": b.bootstrap})
    res = []
    p.produce("dur", value=b"after", partition=0, on_delivery=lambda e, m: res.append((e, m.offset())))
    p.flush(30)
    assert res == [(None, end)]


def test_clean_stop_restart_keeps_everything_and_writes_marker(broker_factory):
    b = broker_factory()
    create(b.bootstrap, "clean")
    p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 5})
    for i in range(5000):
        p.produce("clean", value=b"m%d" % i, partition=0)
    assert p.flush(30) == 0
    assert b.stop() == 0
    assert os.path.exists(os.path.join(b.log_dir, ".kafka_cleanshutdown"))
    b.start()
    assert not os.path.exists(os.path.join(b.log_dir, ".kafka_cleanshutdown"))
    msgs = consume_all(b.bootstrap, "clean")
    assert [v for _, v in msgs] == [b"m%d" % i for i in range(5000)]
    res = []
    p = Producer({"bootstrap.servers": b.bootstrap})
    p.produce("clean", value=b"next", partition=0, on_delivery=lambda e, m: res.append(m.offset()))
    p.flush(30)
    assert res == [5000]


def test_torn_tail_is_truncated_on_restart(broker_factory):
    b = broker_factory()
    create(b.bootstrap, "torn")
    p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 0})
    for i in range(300):
        p.produce("torn", value=b"x%d" % i, partition=0)
        p.flush(10)
    assert b.stop() == 0
    segs = sorted(glob.glob(os.path.join(b.log_dir, "torn-0", "*.log")))
    good = os.path.getsize(segs[-1])
    with open(segs[-1], "ab") as f:  # a partial batch: header claims more than is there
        f.write(b"\x00" * 8 + b"\x00\x00\x10\x00" + b"\x01\x02\x03")
    os.unlink(os.path.join(b.log_dir, ".kafka_cleanshutdown"))
    b.start()
    assert "truncated" in b.output()
    assert os.path.getsize(segs[-1]) == good
    msgs = consume_all(b.bootstrap, "torn")
    assert [v for _, v in msgs] == [b"x%d" % i for i in range(300)]
    res = []
    p = Producer({"bootstrap.servers": b.bootstrap})
    p.produce("torn", value=b"next", partition=0, on_delivery=lambda e, m: res.append(m.offset()))
    p.flush(30)
    assert res == [300]
