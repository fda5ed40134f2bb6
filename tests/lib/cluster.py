"""cluster.py: a real ZooKeeper and N real brokers for replication and failover tests, plus the
tools to drive and judge a drill: a sequence-numbered idempotent acks=all producer, a reading
verifier, and views of leaders and ISRs from ZooKeeper (kazoo, a real ZooKeeper client) and
from Metadata (confluent-kafka, i.e. librdkafka).

Everything binds 127.0.0.1 on free ports, lives in the test's temp directory and is stopped by
PID. Waits poll with deadlines.
"""
import json
import os
import signal
import threading
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kazoo.client import KazooClient

from kafkabroker import Broker, free_port, wait_until
from zkserver import ZooKeeper

# Settings that make failure detection quick enough for tests, and leave everything else at
# Kafka's defaults.
FAST = {
    "zookeeper.session.timeout.ms": "6000",
    "replica.lag.time.max.ms": "10000",
    "controlled.shutdown.retry.backoff.ms": "500",
    "leader.imbalance.check.interval.seconds": "3600",
}


class Cluster:
    def __init__(self, workdir, n=3, overrides=None, zk=None, per_broker=None):
        """per_broker: {broker id: overrides for that broker only} (e.g. broker.rack)."""
        self.dir = workdir
        self.own_zk = zk is None
        if zk is None:
            zk = ZooKeeper(os.path.join(workdir, "zk"))
            os.makedirs(zk.dir, exist_ok=True)
            zk.start()
        self.zk = zk
        o = dict(FAST)
        o.update(overrides or {})
        per = per_broker or {}
        self.brokers = {i: Broker(workdir, zk.connect, i, overrides=dict(o, **per.get(i, {})))
                        for i in range(1, n + 1)}
        self._kz = None

    # ---- lifecycle
    def enable_http(self):
        """Give every broker an http.listeners on a free port (broker.http_port); before start."""
        for b in self.brokers.values():
            b.http_port = free_port()
            b.overrides["http.listeners"] = "http://127.0.0.1:%d" % b.http_port
            b._write_config()
        return self

    def start(self):
        for b in self.brokers.values():
            b.start(wait=False)
        for b in self.brokers.values():
            b.wait_ready()
        wait_until(lambda: all(self.metadata_brokers(i) == set(self.brokers) for i in self.brokers),
                   60, what="every broker to see every broker")
        return self

    def stop(self):
        for b in self.brokers.values():
            if b.alive():
                try:
                    b.proc.send_signal(signal.SIGCONT)
                except OSError:
                    pass
        for b in self.brokers.values():
            try:
                b.stop(60)
            except Exception:
                b.kill9()
        if self._kz:
            self._kz.stop()
            self._kz.close()
        if self.own_zk:
            self.zk.stop()

    def check_sanitizers(self):
        for b in self.brokers.values():
            out = b.output()
            assert "ERROR: AddressSanitizer" not in out and "runtime error:" not in out and \
                "ERROR: LeakSanitizer" not in out, out[-4000:]

    @property
    def bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers.values())

    def live_bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers.values() if b.alive())

    def kill9(self, i):
        self.brokers[i].kill9()

    def restart(self, i, wait=True):
        self.brokers[i].start(wait=wait)

    def sigstop(self, i):
        self.brokers[i].proc.send_signal(signal.SIGSTOP)

    def sigcont(self, i):
        self.brokers[i].proc.send_signal(signal.SIGCONT)

    # ---- ZooKeeper views
    @property
    def kz(self):
        if self._kz is None:
            self._kz = KazooClient(hosts=self.zk.connect, timeout=10)
            self._kz.start(timeout=30)
        return self._kz

    def zk_json(self, path):
        data, _ = self.kz.get(path)
        return json.loads(data.decode())

    def controller(self):
        try:
            return self.zk_json("/controller")["brokerid"]
        except Exception:
            return None

    def wait_controller_settled(self, timeout=30):
        """Until every live broker's Metadata names the same live controller (after a broker
        stops, clients asking in between are told of the old one)."""
        def settled():
            live = [i for i, b in self.brokers.items() if b.alive()]
            ids = {self.admin(i).list_topics(timeout=5).controller_id for i in live}
            return len(ids) == 1 and ids.pop() in live
        wait_until(settled, timeout, what="a settled controller")

    def zk_state(self, topic, p):
        return self.zk_json("/brokers/topics/%s/partitions/%d/state" % (topic, p))

    def zk_registered(self):
        return sorted(int(x) for x in self.kz.get_children("/brokers/ids"))

    # ---- Metadata views (from one broker)
    def admin(self, i=None):
        boot = self.brokers[i].bootstrap if i else self.live_bootstrap()
        return AdminClient({"bootstrap.servers": boot})

    def metadata_brokers(self, i):
        try:
            md = self.admin(i).list_topics(timeout=5)
            return set(md.brokers)
        except Exception:
            return None

    def partitions(self, topic, i=None):
        """{p: (leader, replicas, isrs)} as broker i (or any live one) reports it."""
        md = self.admin(i).list_topics(topic=topic, timeout=10)
        t = md.topics[topic]
        if t.error is not None and t.error.code() != KafkaError.LEADER_NOT_AVAILABLE:
            raise RuntimeError(str(t.error))
        return {p: (pm.leader, list(pm.replicas), sorted(pm.isrs)) for p, pm in t.partitions.items()}

    def leader(self, topic, p, i=None):
        return self.partitions(topic, i)[p][0]

    def create_topic(self, topic, partitions=6, rf=3, config=None):
        a = self.admin()  # keep the client alive until the future resolves
        fs = a.create_topics([NewTopic(topic, partitions, rf, config=config or {})],
                             operation_timeout=30)
        fs[topic].result(60)
        wait_until(lambda: all(v[0] >= 0 and len(v[2]) == rf for v in self.partitions(topic).values())
                   and len(self.partitions(topic)) == partitions, 60,
                   what="topic %s to have leaders and full ISRs" % topic)

    def wait_isr(self, topic, p, size, timeout=90):
        wait_until(lambda: len(self.zk_state(topic, p)["isr"]) == size and
                   len(self.partitions(topic)[p][2]) == size, timeout,
                   what="%s-%d ISR size %d" % (topic, p, size))

    def wait_leader_not(self, topic, p, old, timeout=60):
        return wait_until(lambda: self._leader_not(topic, p, old), timeout,
                          what="%s-%d to get a leader other than %s" % (topic, p, old))

    def _leader_not(self, topic, p, old):
        s = self.zk_state(topic, p)
        return s["leader"] if s["leader"] not in (old, -1) else None


class SeqProducer(threading.Thread):
    """Produces "<seq>" values (keys spread messages over partitions) with an idempotent
    acks=all librdkafka producer until stopped; records every acknowledgment with its
    partition, offset and time, and every error."""

    def __init__(self, bootstrap, topic, rate=500, extra=None, idempotent=True):
        super().__init__(daemon=True)
        # reconnect.backoff.max.ms as Java clients have it (librdkafka's 10 s default left a
        # producer idle up to ~6 s after a restarted broker came back as a new leader: its
        # backoff had grown while that broker was down)
        conf = {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                "enable.idempotence": idempotent, "message.timeout.ms": 120000,
                "retry.backoff.ms": 100, "reconnect.backoff.max.ms": 1000}
        conf.update(extra or {})
        self.p = Producer(conf)
        self.topic = topic
        self.rate = rate
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        self.acked = {}  # seq -> (partition, offset, t)
        self.errors = []  # (t, seq, err)
        self.sent = 0

    def _cb(self, err, msg):
        t = time.monotonic()
        seq = int(msg.value())
        with self.lock:
            if err is not None:
                self.errors.append((t, seq, err))
            else:
                self.acked[seq] = (msg.partition(), msg.offset(), t)

    def run(self):
        interval = 1.0 / self.rate if self.rate else 0
        nxt = time.monotonic()
        while not self.stop_ev.is_set():
            seq = self.sent
            try:
                self.p.produce(self.topic, key=str(seq % 97).encode(), value=str(seq).encode(),
                               on_delivery=self._cb)
                self.sent += 1
            except BufferError:
                self.p.poll(0.05)
                continue
            self.p.poll(0)
            if interval:
                nxt += interval
                d = nxt - time.monotonic()
                if d > 0:
                    time.sleep(d)
        self.p.flush(180)

    def finish(self):
        self.stop_ev.set()
        self.join(240)

    def ack_times(self):
        with self.lock:
            return sorted(v[2] for v in self.acked.values())

    def gap_around(self, t_fault, until=None):
        """Unavailability after a fault at t_fault: the longest stretch without an
        acknowledgment on any one partition, between the last ack before the fault and the
        time `until` (default: now), in seconds."""
        until = until or time.monotonic()
        with self.lock:
            per = {}
            for p, _, t in self.acked.values():
                per.setdefault(p, []).append(t)
        worst = 0.0
        for ts in per.values():
            ts.sort()
            before = [t for t in ts if t <= t_fault]
            prev = before[-1] if before else t_fault
            for t in ts:
                if t <= prev or t > until:
                    continue
                worst = max(worst, t - prev)
                prev = t
        return worst


def read_all(bootstrap, topic, expect_total=None, timeout=120):
    """Every message of topic from the beginning: {partition: [(offset, value)]}."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "verify-%d" % os.getpid(),
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    md = c.list_topics(topic, timeout=30)
    parts = sorted(md.topics[topic].partitions)
    ends = {}
    for p in parts:
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
        ends[p] = hi
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    out = {p: [] for p in parts}
    deadline = time.monotonic() + timeout
    done = lambda: all((out[p][-1][0] + 1 if out[p] else 0) >= ends[p] for p in parts)
    while not done() and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        out[m.partition()].append((m.offset(), m.value().decode()))
    c.close()
    assert done(), "could not read %s up to its high watermarks %s" % (topic, ends)
    return out


def verify(acked, consumed):
    """Every acknowledged message is present exactly once, at the offset it was acknowledged
    with, and per partition the sequence numbers increase (order kept). Returns a summary."""
    where = {}
    dups = 0
    for p, msgs in consumed.items():
        last = -1
        for off, v in msgs:
            seq = int(v)
            if seq in where:
                dups += 1
            where[seq] = (p, off)
            assert seq > last, "partition %d out of order at offset %d: %d after %d" % (p, off, seq, last)
            last = seq
    lost = [s for s in acked if s not in where]
    moved = [s for s, (p, off, _) in acked.items() if s in where and where[s] != (p, off)]
    assert not lost, "%d acknowledged messages lost, e.g. %s" % (len(lost), lost[:10])
    assert dups == 0, "%d duplicates" % dups
    assert not moved, "%d acknowledged messages at other offsets, e.g. %s" % (len(moved), moved[:5])
    return {"acked": len(acked), "consumed": len(where), "lost": 0, "duplicates": 0}
