"""Fetch sessions (issue 18 item 4, KIP-227), spoken in raw Fetch v11 against 3 real brokers.

- A full fetch with epoch 0 opens a session (nonzero id); incremental fetches (epoch 1, 2, ...)
  that carry only changed partitions get back only partitions with records or a moved high
  watermark / LSO / log start; forgotten partitions leave the session.
- An unknown session id answers FETCH_SESSION_ID_NOT_FOUND (70), a wrong epoch
  INVALID_FETCH_SESSION_EPOCH (71), both without partitions and with session id 0; epoch -1
  closes the session; with max.incremental.fetch.session.cache.slots full a new full fetch is
  answered sessionless (id 0).
- Followers fetch in sessions: every broker's kafka_server_fetchsessioncache_* gauges show the
  other brokers' fetchers' sessions, and replication goes on through incremental fetches.
- Malformed forgotten_topics_data never crashes the broker.
- Real clients: librdkafka 2.0.2 (confluent-kafka) fetches with Fetch v7+ but sessionless
  (session id 0, epoch -1: it opens no session); a franz-go consumer (tests/integ/go/fsess,
  built with `go build`) opens one and goes on with incremental fetches, seen in the broker's
  FetchSessionCache metrics, and still gets every record once, in order.
"""
import json
import os
import socket
import struct
import subprocess
import threading
import urllib.request

import pytest
from confluent_kafka import Consumer, Producer

from cluster import FAST, Cluster
from gobuild import go_build, wait_or_kill
from kafkabroker import free_port, recv_frame, wait_until

CORR = [100]


def send(s, api_key, version, body):
    CORR[0] += 1
    msg = struct.pack(">hhih", api_key, version, CORR[0], 2) + b"fs" + body
    s.sendall(struct.pack(">i", len(msg)) + msg)
    r = recv_frame(s, 30)
    assert r is not None, "no answer"
    assert struct.unpack(">i", r[:4])[0] == CORR[0]
    return r[4:]


def fetch_body(parts, session_id=0, epoch=-1, forgotten=(), max_wait=0):
    """parts: [(topic, partition, offset)]; forgotten: [(topic, partition)]. Fetch v11."""
    body = struct.pack(">iiiibii", -1, max_wait, 1, 1 << 20, 0, session_id, epoch)
    topics = {}
    for t, p, off in parts:
        topics.setdefault(t, []).append((p, off))
    body += struct.pack(">i", len(topics))
    for t, ps in topics.items():
        body += struct.pack(">h", len(t)) + t.encode() + struct.pack(">i", len(ps))
        for p, off in ps:
            body += struct.pack(">iiqqi", p, -1, off, -1, 1 << 20)
    body += struct.pack(">i", len(forgotten))
    for t, p in forgotten:
        body += struct.pack(">h", len(t)) + t.encode() + struct.pack(">ii", 1, p)
    return body + struct.pack(">h", 0)  # rack_id


def parse(resp):
    """(error, session id, {(topic, partition): {error, hw, lso, log_start, records}})."""
    o = [0]

    def take(fmt):
        v = struct.unpack_from(fmt, resp, o[0])
        o[0] += struct.calcsize(fmt)
        return v if len(v) > 1 else v[0]

    _throttle, err, sid = take(">ihi")
    out = {}
    for _ in range(take(">i")):
        n = take(">h")
        topic = resp[o[0]:o[0] + n].decode()
        o[0] += n
        for _ in range(take(">i")):
            p, perr, hw, lso, ls = take(">ihqqq")
            naborted = take(">i")
            o[0] += max(naborted, 0) * 16
            take(">i")  # preferred read replica
            n = take(">i")
            recs = resp[o[0]:o[0] + max(n, 0)]
            o[0] += max(n, 0)
            out[(topic, p)] = {"error": perr, "hw": hw, "lso": lso, "log_start": ls,
                               "records": recs}
    assert o[0] == len(resp), "trailing bytes"
    return err, sid, out


def fetch(s, parts, **kw):
    return parse(send(s, 1, 11, fetch_body(parts, **kw)))


def produce(bootstrap, topic, partition, n):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for i in range(n):
        p.produce(topic, b"v%d" % i, partition=partition)
    assert p.flush(60) == 0


def metrics(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        return r.read().decode().splitlines()


def gauge(port, name):
    for line in metrics(port):
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError("no %s" % name)


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("fsess")), 3, overrides=dict(FAST))
    c.enable_http()
    c.start()
    yield c
    c.stop()
    c.check_sanitizers()


def led_by_one(c, topic):
    """A broker and two partitions of topic it leads."""
    c.create_topic(topic, partitions=6, rf=3)
    by = {}
    for p, (leader, _, _) in c.partitions(topic).items():
        by.setdefault(leader, []).append(p)
    leader = max(by, key=lambda b: len(by[b]))
    assert len(by[leader]) >= 2, by
    return leader, sorted(by[leader])[:2]


def wait_hw(s, topic, p, hw):
    wait_until(lambda: fetch(s, [(topic, p, 0)])[2][(topic, p)]["hw"] == hw, 60,
               what="%s-%d high watermark %d" % (topic, p, hw))


def test_incremental_fetch_carries_only_what_changed(c):
    leader, (pa, pb) = led_by_one(c, "inc")
    for p in (pa, pb):
        produce(c.bootstrap, "inc", p, 5)
    with socket.create_connection(("127.0.0.1", c.brokers[leader].port), timeout=30) as s:
        wait_hw(s, "inc", pa, 5)
        wait_hw(s, "inc", pb, 5)
        err, sid, parts = fetch(s, [("inc", pa, 0), ("inc", pb, 0)], epoch=0)
        assert err == 0 and sid != 0
        assert set(parts) == {("inc", pa), ("inc", pb)}
        assert all(v["hw"] == 5 and len(v["records"]) > 0 for v in parts.values())
        # both consumed up to 5: nothing new anywhere, so nothing comes back
        err, sid2, parts = fetch(s, [("inc", pa, 5), ("inc", pb, 5)], session_id=sid, epoch=1)
        assert (err, sid2, parts) == (0, sid, {})
        # new records on pa only: an empty incremental request gets pa alone
        produce(c.bootstrap, "inc", pa, 3)
        epoch, seen = 2, []

        def pa_arrives():
            nonlocal epoch
            err, sid3, parts = fetch(s, [], session_id=sid, epoch=epoch)
            epoch += 1
            assert (err, sid3) == (0, sid)
            seen.append(parts)
            v = parts.get(("inc", pa))
            return v is not None and v["hw"] == 8 and len(v["records"]) > 0

        wait_until(pa_arrives, 60, what="pa's new records in an incremental answer")
        assert all(set(p) <= {("inc", pa)} for p in seen), seen
        # the session's fetch offset follows the requests, not the answers (KIP-227): pa is
        # still fetched from 5, so the same records come again until a request moves it
        first = seen[-1][("inc", pa)]["records"]
        err, _, parts = fetch(s, [], session_id=sid, epoch=epoch)
        epoch += 1
        assert err == 0 and parts[("inc", pa)]["records"] == first
        # forget pa; then both partitions move: only pb is answered
        err, _, parts = fetch(s, [("inc", pa, 8)], session_id=sid, epoch=epoch,
                              forgotten=[("inc", pa)])
        epoch += 1
        assert err == 0 and ("inc", pa) not in parts
        produce(c.bootstrap, "inc", pa, 2)
        produce(c.bootstrap, "inc", pb, 2)
        seen = []

        def pb_arrives():
            nonlocal epoch
            err, _, parts = fetch(s, [], session_id=sid, epoch=epoch)
            epoch += 1
            assert err == 0
            seen.append(parts)
            v = parts.get(("inc", pb))
            return v is not None and v["hw"] == 7

        wait_until(pb_arrives, 60, what="pb's move in an incremental answer")
        assert all(("inc", pa) not in p for p in seen), seen
        # the session lives in the broker, not the connection (as Kafka's)
    with socket.create_connection(("127.0.0.1", c.brokers[leader].port), timeout=30) as s:
        err, sid2, _ = fetch(s, [], session_id=sid, epoch=epoch)
        assert (err, sid2) == (0, sid)
        epoch += 1
        # Kafka's errors: a wrong epoch, an unknown id; then epoch -1 closes the session
        assert fetch(s, [], session_id=sid, epoch=epoch + 5) == (71, 0, {})
        assert fetch(s, [], session_id=sid ^ 0x5a5a5, epoch=1) == (70, 0, {})
        assert fetch(s, [], session_id=0, epoch=1) == (70, 0, {})
        err, sid2, parts = fetch(s, [("inc", pb, 0)], session_id=sid, epoch=-1)
        assert (err, sid2) == (0, 0) and parts[("inc", pb)]["hw"] == 7
        assert fetch(s, [], session_id=sid, epoch=epoch) == (70, 0, {})


def test_followers_fetch_in_sessions(c):
    c.create_topic("rep", partitions=12, rf=3)
    n = "kafka_server_fetchsessioncache_numincrementalfetchsessions"
    cached = "kafka_server_fetchsessioncache_numincrementalfetchpartitionscached"
    # each broker leads partitions the two others follow: two follower sessions on each
    for b in c.brokers.values():
        wait_until(lambda: gauge(b.http_port, n) >= 2, 60, what="follower sessions")
        # the 4 rep partitions it leads join both followers' sessions (incremental requests)
        wait_until(lambda: gauge(b.http_port, cached) >= 8, 60, what="partitions in sessions")
    produce(c.bootstrap, "rep", 0, 50)
    leader = c.leader("rep", 0)
    c.wait_isr("rep", 0, 3)
    with socket.create_connection(("127.0.0.1", c.brokers[leader].port), timeout=30) as s:
        wait_hw(s, "rep", 0, 50)  # the followers' incremental fetches moved it
    inc = "kafka_server_fetchsessioncache_incrementalfetches_total"
    for b in c.brokers.values():
        assert gauge(b.http_port, "kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total") == 0
        # idle followers go on fetching incrementally (each parks up to replica.fetch.wait.max.ms)
        before = gauge(b.http_port, inc)
        wait_until(lambda: gauge(b.http_port, inc) >= before + 4, 60, what="incremental fetches")


def test_malformed_forgotten_topics_never_crash(c):
    port = c.brokers[1].port
    good = fetch_body([], session_id=0, epoch=0)
    head = struct.pack(">iiiibii", -1, 0, 1, 1 << 20, 0, 0, 0) + struct.pack(">i", 0)
    bad = [head + struct.pack(">i", 0x7fffffff),  # forgotten count far beyond the frame
           head + struct.pack(">i", 1) + struct.pack(">h", 40) + b"x",  # name runs off
           head + struct.pack(">i", 1) + struct.pack(">h", 1) + b"x" + struct.pack(">i", 1 << 30),
           head + struct.pack(">i", -5)]
    for body in bad:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            CORR[0] += 1
            msg = struct.pack(">hhih", 1, 11, CORR[0], 2) + b"fs" + body
            s.sendall(struct.pack(">i", len(msg)) + msg)
            recv_frame(s, 30)  # closed or answered: either way the broker lives on
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        assert parse(send(s, 1, 11, good))[0] == 0
    assert c.brokers[1].proc.poll() is None


def test_a_full_cache_answers_sessionless_and_a_bigger_session_evicts(broker_factory):
    b = broker_factory(overrides={"max.incremental.fetch.session.cache.slots": "1",
                                  "num.partitions": "3"})
    produce(b.bootstrap, "full", 0, 1)  # auto-created, 3 partitions
    with socket.create_connection(("127.0.0.1", b.port), timeout=30) as s:
        err, first, _ = fetch(s, [("full", 0, 0)], epoch=0)
        assert err == 0 and first != 0
        # the one slot is taken by a session as large: no session, a full answer
        err, sid, parts = fetch(s, [("full", 1, 0)], epoch=0)
        assert (err, sid) == (0, 0) and set(parts) == {("full", 1)}
        # a larger one is worth more (KIP-227's eviction): it takes the slot
        err, second, _ = fetch(s, [("full", 1, 0), ("full", 2, 0)], epoch=0)
        assert err == 0 and second not in (0, first)
        assert fetch(s, [], session_id=first, epoch=1) == (70, 0, {})
        assert fetch(s, [], session_id=second, epoch=1)[:2] == (0, second)


SESSIONS = "kafka_server_fetchsessioncache_numincrementalfetchsessions"
INCREMENTAL = "kafka_server_fetchsessioncache_incrementalfetches_total"


def fetch_versions(port):
    """{version: count} of the Fetch requests the broker handled."""
    out = {}
    for line in metrics(port):
        if line.startswith('kafka_network_requestmetrics_requests_total{request="Fetch"'):
            v = int(line.split('version="')[1].split('"')[0])
            out[v] = float(line.split()[1])
    return out


@pytest.fixture
def one(broker_factory):
    port = free_port()
    b = broker_factory(overrides={"http.listeners": "http://127.0.0.1:%d" % port,
                                  "num.partitions": "3"})
    b.http_port = port
    return b


def test_librdkafka_consumer_fetches_without_a_session(one):
    produce(one.bootstrap, "rdk", 0, 20)  # auto-created, 3 partitions
    cons = Consumer({"bootstrap.servers": one.bootstrap, "group.id": "rdk-fs",
                     "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100})
    try:
        cons.subscribe(["rdk"])
        got = []

        def twenty():
            m = cons.poll(0.5)
            if m is not None and not m.error():
                got.append(m.value())
            return len(got) >= 20
        wait_until(twenty, 60, 0, "librdkafka consumer reading 20 records")
        # it keeps long-polling: many more fetches, still no session
        base = sum(fetch_versions(one.http_port).values())
        wait_until(lambda: cons.poll(0.2) is None and
                   sum(fetch_versions(one.http_port).values()) >= base + 5, 60, 0,
                   "librdkafka idle fetches")
    finally:
        cons.close()
    assert got == [b"v%d" % i for i in range(20)]
    versions = fetch_versions(one.http_port)
    assert versions and min(versions) >= 7, versions  # the session fields are on the wire
    # epoch 0 would have opened a session, epoch > 0 would have failed (no id was handed out)
    assert gauge(one.http_port, SESSIONS) == 0
    assert gauge(one.http_port, INCREMENTAL) == 0


@pytest.fixture(scope="module")
def fsess_bin(tmp_path_factory):
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "go", "fsess")
    return go_build(src, str(tmp_path_factory.mktemp("go") / "fsess"))


class FranzConsumer:
    """The franz-go consumer process; its records ({"p", "o", "v"}) are read by a thread."""

    def __init__(self, binary, boot, topic, workdir):
        self.err = open(os.path.join(workdir, "franz.stderr"), "w")
        self.proc = subprocess.Popen([binary, "-brokers", boot, "-topic", topic],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, text=True)
        self.lock = threading.Lock()
        self.recs = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.recs.append(json.loads(line))

    def count(self):
        with self.lock:
            return len(self.recs)

    def by_partition(self):
        with self.lock:
            out = {}
            for r in self.recs:
                out.setdefault(r["p"], []).append((r["o"], r["v"]))
            return out

    def stop(self):
        self.proc.stdin.close()  # it exits 0 when stdin closes
        rc = wait_or_kill(self.proc)
        self.thread.join(10)
        self.err.close()
        return rc


def test_franz_go_consumer_fetches_incrementally(one, fsess_bin, tmp_path):
    for p in range(3):
        produce(one.bootstrap, "franz", p, 10 + p)
    before = gauge(one.http_port, INCREMENTAL)
    c = FranzConsumer(fsess_bin, one.bootstrap, "franz", str(tmp_path))
    try:
        wait_until(lambda: c.count() >= 33, 60, what="franz-go reading 33 records")
        # one session (no followers here: it is the consumer's), idle incremental fetches
        assert gauge(one.http_port, SESSIONS) == 1
        mark = gauge(one.http_port, INCREMENTAL)
        assert mark > before
        wait_until(lambda: gauge(one.http_port, INCREMENTAL) >= mark + 5, 60,
                   what="franz-go idle incremental fetches")
        # new records on one partition arrive through the incremental answers
        produce(one.bootstrap, "franz", 1, 7)
        wait_until(lambda: c.count() >= 40, 60, what="franz-go reading the 7 new records")
        assert gauge(one.http_port, SESSIONS) == 1
    finally:
        assert c.stop() == 0
    got = c.by_partition()
    want = {p: [(i, "v%d" % i) for i in range(10 + p)] for p in range(3)}
    want[1] += [(11 + i, "v%d" % i) for i in range(7)]
    assert got == want
