"""The broker's HTTP listener (http.listeners): /metrics in Prometheus text format, checked
by promtool and scraped by a real Prometheus server, and /v1/health. Counters are compared with
what the test produced and consumed, byte for byte against the log file on disk."""
import glob
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from cluster import Cluster
from kafkabroker import free_port, wait_until

PROMTOOL = "/usr/bin/promtool"
PROMETHEUS = "/usr/bin/prometheus"


def http_get(port, path, method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def scrape(port):
    """{(name, frozenset(labels)): value} from /metrics."""
    status, ctype, body = http_get(port, "/metrics")
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4"), (status, ctype)
    out = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a Prometheus sample line: %r" % line
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples, name):
    return sum(v for (n, _), v in samples.items() if n == name)


def promtool_check(port):
    _, _, body = http_get(port, "/metrics")
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=body.encode(), capture_output=True,
                       timeout=30)
    assert p.returncode == 0, "promtool check metrics: %s%s" % (p.stdout.decode(), p.stderr.decode())


def log_bytes(broker, topic, partition=0):
    files = glob.glob(os.path.join(broker.log_dir, "%s-%d" % (topic, partition), "*.log"))
    assert files
    return sum(os.path.getsize(f) for f in files)


def produce(bootstrap, topic, n, **extra):
    conf = {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5}
    conf.update(extra)
    p = Producer(conf)
    errors = []
    for i in range(n):
        p.produce(topic, value=b"message-%04d" % i, key=b"k%d" % (i % 7),
                  on_delivery=lambda err, msg: errors.append(err) if err else None)
    p.flush(60)
    return errors


def consume(bootstrap, topic, n, group, commit=True):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    got = 0
    deadline = time.monotonic() + 60
    while got < n and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got += 1
            if commit and got == n:
                c.commit(message=m, asynchronous=False)
    c.close()
    assert got == n, "consumed %d of %d" % (got, n)


@pytest.fixture
def mbroker(broker_factory):
    port = free_port()
    b = broker_factory(overrides={"http.listeners": "http://127.0.0.1:%d" % port})
    b.http_port = port
    return b


def test_health_and_routes(mbroker):
    status, ctype, body = http_get(mbroker.http_port, "/v1/health")
    assert status == 200 and ctype == "application/json"
    h = json.loads(body)
    assert h == {"status": "UP", "broker_id": 1, "zookeeper": "CONNECTED"}
    assert http_get(mbroker.http_port, "/nope")[0] == 404
    assert http_get(mbroker.http_port, "/metrics", method="POST")[0] == 405
    promtool_check(mbroker.http_port)


def test_counters_move_by_what_was_produced_and_fetched(mbroker):
    bs = mbroker.bootstrap
    a = AdminClient({"bootstrap.servers": bs})
    a.create_topics([NewTopic("counted", 1, 1), NewTopic("strict", 1, 1, config={"min.insync.replicas": "2"})])
    wait_until(lambda: "counted" in a.list_topics(timeout=10).topics and
               "strict" in a.list_topics(timeout=10).topics, 30, what="topics")
    before = scrape(mbroker.http_port)
    assert metric(before, "kafka_server_brokertopicmetrics_messagesin_total", topic="counted") == 0

    assert produce(bs, "counted", 120) == []
    s = scrape(mbroker.http_port)
    on_disk = log_bytes(mbroker, "counted")
    assert metric(s, "kafka_server_brokertopicmetrics_messagesin_total", topic="counted") == 120
    assert metric(s, "kafka_server_brokertopicmetrics_bytesin_total", topic="counted") == on_disk
    assert metric(s, "kafka_server_brokertopicmetrics_bytesout_total", topic="counted") == 0
    assert metric(s, "kafka_server_brokertopicmetrics_messagesin_total") >= 120  # all topics
    assert metric(s, "kafka_server_brokertopicmetrics_failedproducerequests_total", topic="counted") == 0

    consume(bs, "counted", 120, "metrics-readers")
    s = scrape(mbroker.http_port)
    assert metric(s, "kafka_server_brokertopicmetrics_bytesout_total", topic="counted") == on_disk
    assert metric(s, "kafka_server_brokertopicmetrics_totalfetchrequests_total", topic="counted") >= 1
    assert sum(v for (n, ls), v in s.items() if n == "kafka_network_requestmetrics_requests_total"
               and ("request", "Produce") in ls) >= 1
    assert metric(s, "kafka_network_requestmetrics_totaltimems_count", request="Fetch") >= 1
    assert metric(s, "kafka_consumergroup_current_offset", consumergroup="metrics-readers",
                  topic="counted", partition="0") == 120
    assert metric(s, "kafka_consumergroup_lag", consumergroup="metrics-readers", topic="counted",
                  partition="0") == 0
    assert produce(bs, "counted", 30) == []
    s = scrape(mbroker.http_port)
    assert metric(s, "kafka_consumergroup_lag", consumergroup="metrics-readers", topic="counted",
                  partition="0") == 30

    # min.insync.replicas=2 on one broker: every acks=all append fails, none is counted in
    errs = produce(bs, "strict", 3, **{"message.timeout.ms": 3000})
    assert len(errs) == 3
    s = scrape(mbroker.http_port)
    assert metric(s, "kafka_server_brokertopicmetrics_failedproducerequests_total", topic="strict") >= 1
    assert metric(s, "kafka_server_brokertopicmetrics_messagesin_total", topic="strict") == 0
    assert metric(s, "kafka_server_replicamanager_underminisrpartitioncount") == 1
    promtool_check(mbroker.http_port)


def test_bad_http_listener_stops_startup(broker_factory):
    b = broker_factory(overrides={"http.listeners": "127.0.0.1:80"}, start=False)
    b.start(wait=False)
    assert b.proc.wait(30) != 0
    assert "http.listeners" in b.output()


@pytest.fixture
def mcluster(tmp_path):
    c = Cluster(str(tmp_path), 3).enable_http()
    c.start()
    yield c
    c.stop()


def cluster_sum(c, name, ids=None):
    return sum(total(scrape(c.brokers[i].http_port), name) for i in (ids or c.brokers))


def test_cluster_gauges_follow_a_stopped_follower(mcluster):
    c = mcluster
    for b in c.brokers.values():
        promtool_check(b.http_port)
    wait_until(lambda: cluster_sum(c, "kafka_controller_kafkacontroller_activecontrollercount") == 1,
               30, what="exactly one active controller")
    c.create_topic("watched", partitions=3, rf=3)
    assert cluster_sum(c, "kafka_server_replicamanager_underreplicatedpartitions") == 0
    assert cluster_sum(c, "kafka_server_replicamanager_partitioncount") >= 9
    assert cluster_sum(c, "kafka_server_replicamanager_leadercount") >= 3
    ctl = c.controller()
    victim = next(i for i in c.brokers if i != ctl)
    c.brokers[victim].stop()
    live = [i for i in c.brokers if i != victim]
    wait_until(lambda: cluster_sum(c, "kafka_server_replicamanager_underreplicatedpartitions", live) > 0,
               60, what="under-replicated partitions while broker %d is down" % victim)
    expands = cluster_sum(c, "kafka_server_replicamanager_isrexpands_total", live)
    c.restart(victim)
    wait_until(lambda: cluster_sum(c, "kafka_server_replicamanager_underreplicatedpartitions") == 0,
               90, what="under-replicated partitions back to 0")
    assert cluster_sum(c, "kafka_server_replicamanager_isrexpands_total") > expands
    assert cluster_sum(c, "kafka_controller_kafkacontroller_activecontrollercount") == 1
    assert cluster_sum(c, "kafka_controller_kafkacontroller_offlinepartitionscount") == 0


def test_prometheus_scrapes_every_broker(mcluster, tmp_path):
    c = mcluster
    c.create_topic("rated", partitions=3, rf=3)
    port = free_port()
    cfg = tmp_path / "prometheus.yml"
    targets = ", ".join("'127.0.0.1:%d'" % b.http_port for b in c.brokers.values())
    cfg.write_text("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                   "scrape_configs:\n  - job_name: kafka\n    static_configs:\n"
                   "      - targets: [%s]\n" % targets)
    out = open(str(tmp_path / "prometheus.out"), "wb")
    prom = subprocess.Popen([PROMETHEUS, "--config.file=%s" % cfg,
                             "--storage.tsdb.path=%s" % (tmp_path / "tsdb"),
                             "--web.listen-address=127.0.0.1:%d" % port],
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def query(q):
        u = "http://127.0.0.1:%d/api/v1/query?query=%s" % (port, urllib.parse.quote(q))
        try:
            with urllib.request.urlopen(u, timeout=5) as r:
                res = json.loads(r.read())
        except (OSError, ValueError):
            return None
        return res["data"]["result"] if res.get("status") == "success" else None

    try:
        wait_until(lambda: (query("sum(up)") or [{"value": [0, "0"]}])[0]["value"][1] == "3", 60,
                   what="Prometheus to scrape all three brokers")
        p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all", "linger.ms": 5})
        rate = [0.0]

        def rising():
            for i in range(200):
                p.produce("rated", value=b"x" * 100, partition=i % 3)
            p.flush(30)
            r = query('sum(rate(kafka_server_brokertopicmetrics_messagesin_total{topic="rated"}[5s]))')
            rate[0] = float(r[0]["value"][1]) if r else 0.0
            return rate[0] > 0
        wait_until(rising, 60, interval=0.5, what="a non-zero messages-in rate from PromQL")
        r = query('count(kafka_server_brokertopicmetrics_messagesin_total{topic="rated"})')
        assert r and r[0]["value"][1] == "3"  # each leader reports the topic
    finally:
        prom.send_signal(signal.SIGTERM)
        prom.wait(30)
        out.close()
