"""zookeeper.set.acl=true: brokers and the ZooKeeper-writing tools log in to ZooKeeper with the
digest scheme from the JAAS Client section named in KAFKA_OPTS (common/zkauth.h) and create
their znodes with world READ + ALL for that identity (sensitive paths: no world READ). A client
without that login, or with a wrong password, can read but not change the cluster's znodes."""
import base64
import hashlib
import os
import subprocess

import pytest
from confluent_kafka import Consumer, Producer
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError

from cluster import Cluster
from kafkabroker import Broker, wait_until

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "bin")
USER, PASSWORD = "kafka", "kafka-secret"
JAAS = """// the broker's ZooKeeper login, as Kafka's docs show it
KafkaServer {
    org.apache.kafka.common.security.plain.PlainLoginModule required
    username="admin" password="admin-secret";
};
Client {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    username="%s"
    password="%s";
};
""" % (USER, PASSWORD)


def digest_id(user, password):
    h = hashlib.sha1(("%s:%s" % (user, password)).encode()).digest()
    return "%s:%s" % (user, base64.b64encode(h).decode())


@pytest.fixture
def jaas_env(tmp_path, monkeypatch):
    path = tmp_path / "kafka_server_jaas.conf"
    path.write_text(JAAS)
    monkeypatch.setenv("KAFKA_OPTS", "-Xmx1G -Djava.security.auth.login.config=%s" % path)
    return path


def kazoo(zk, auth=None):
    kz = KazooClient(hosts=zk.connect, timeout=10, auth_data=auth)
    kz.start(timeout=30)
    return kz


def acl_view(kz, path):
    acls, _ = kz.get_acls(path)
    return sorted((a.id.scheme, a.id.id, a.perms) for a in acls)


def tool(*args):
    return subprocess.run([os.path.join(BIN, args[0])] + list(args[1:]), capture_output=True,
                          text=True, timeout=60)


def produce_consume(boot, topic, n, start):
    p = Producer({"bootstrap.servers": boot, "acks": "all", "enable.idempotence": True})
    for i in range(start, start + n):
        p.produce(topic, value=b"m%d" % i, key=b"%d" % i)
    assert p.flush(60) == 0


def read_values(boot, topic, want):
    c = Consumer({"bootstrap.servers": boot, "group.id": "zkacl", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    got = set()
    wait_until(lambda: (lambda m: m is None or m.error() or got.add(m.value()) or True)(c.poll(0.5))
               and len(got) >= want, 60, what="%d messages" % want)
    c.close()
    return got


def assert_locked(kz, topic):
    """kz (no login or the wrong password) reads but changes nothing."""
    kz.get("/brokers/topics/%s" % topic)
    with pytest.raises(NoAuthError):
        kz.set("/brokers/topics/%s" % topic, b"{}")
    with pytest.raises(NoAuthError):
        kz.set("/controller", b"{}")
    with pytest.raises(NoAuthError):
        kz.delete("/brokers/ids/%s" % kz.get_children("/brokers/ids")[0])
    with pytest.raises(NoAuthError):
        kz.delete("/config/topics/%s" % topic)
    with pytest.raises(NoAuthError):
        kz.delete("/brokers/topics/%s/partitions/0/state" % topic)
    with pytest.raises(NoAuthError):
        kz.set("/controller_epoch", b"99")
    with pytest.raises(NoAuthError):
        kz.create("/brokers/ids/99", b"{}", ephemeral=True)
    with pytest.raises(NoAuthError):
        kz.create("/config/topics/%s" % topic, b"{}")
    with pytest.raises(NoAuthError):
        kz.create("/admin/delete_topics/%s" % topic)
    with pytest.raises(NoAuthError):
        kz.get("/config/users")  # sensitive: not even world READ


def test_set_acl_cluster_works_and_outsiders_cannot_write(tmp_path, jaas_env):
    c = Cluster(str(tmp_path), 3, overrides={"zookeeper.set.acl": "true"}).start()
    try:
        me = "%s:x" % USER  # ZooKeeper hides the digest from readers without ADMIN
        assert acl_view(c.kz, "/brokers/ids") == [("digest", me, 31), ("world", "anyone", 1)]
        assert acl_view(c.kz, "/controller")[0] == ("digest", me, 31)
        c.create_topic("secure", partitions=3, rf=3, config={"min.insync.replicas": "2"})
        assert acl_view(c.kz, "/brokers/topics/secure/partitions/0/state") == \
            [("digest", me, 31), ("world", "anyone", 1)]
        produce_consume(c.bootstrap, "secure", 100, 0)

        anon = kazoo(c.zk)
        wrong = kazoo(c.zk, auth=[("digest", "%s:wrong" % USER)])
        try:
            assert_locked(anon, "secure")
            assert_locked(wrong, "secure")
        finally:
            for kz in (anon, wrong):
                kz.stop()
                kz.close()

        # leader failover: the new controller writes partition state under the ACLs
        old = c.leader("secure", 0)
        epoch = c.zk_state("secure", 0)["leader_epoch"]
        c.kill9(old)
        c.wait_leader_not("secure", 0, old)
        assert c.zk_state("secure", 0)["leader_epoch"] > epoch
        produce_consume(c.live_bootstrap(), "secure", 100, 100)
        assert len(read_values(c.live_bootstrap(), "secure", 200)) == 200

        # a new session (the old one expired while the broker was stopped) logs in again: the
        # broker re-registers, and its new ephemeral znode carries the ACLs
        other = next(i for i, b in c.brokers.items() if b.alive())
        c.sigstop(other)
        wait_until(lambda: other not in c.zk_registered(), 60, what="the session to expire")
        c.sigcont(other)
        wait_until(lambda: other in c.zk_registered(), 60, what="broker %d back" % other)
        assert acl_view(c.kz, "/brokers/ids/%d" % other) == \
            [("digest", me, 31), ("world", "anyone", 1)]

        # the ZooKeeper-writing tools log in the same way (KAFKA_OPTS from the fixture)
        r = tool("kafka-topics", "--zookeeper", c.zk.connect, "--create", "--topic", "viazk",
                 "--partitions", "1", "--replication-factor", "2")
        assert r.returncode == 0, r.stderr
        assert acl_view(c.kz, "/brokers/topics/viazk") == [("digest", me, 31), ("world", "anyone", 1)]
        r = tool("kafka-configs", "--zookeeper", c.zk.connect, "--alter", "--add-config",
                 "SCRAM-SHA-512=[password=alice-secret]", "--entity-type", "users",
                 "--entity-name", "alice")
        assert r.returncode == 0, r.stderr
        with pytest.raises(NoAuthError):
            c.kz.get("/config/users/alice")
        r = tool("kafka-acls", "--authorizer-properties", "zookeeper.connect=" + c.zk.connect,
                 "--add", "--allow-principal", "User:alice", "--operation", "Read", "--topic",
                 "secure")
        assert r.returncode == 0, r.stdout + r.stderr
        with pytest.raises(NoAuthError):
            c.kz.get("/kafka-acl/Topic/secure")
        assert acl_view(c.kz, "/kafka-acl-changes") == [("digest", me, 31), ("world", "anyone", 1)]
        mine = kazoo(c.zk, auth=[("digest", "%s:%s" % (USER, PASSWORD))])
        try:
            assert acl_view(mine, "/config/users/alice") == \
                [("digest", digest_id(USER, PASSWORD), 31)]
            assert b"SCRAM-SHA-512" in mine.get("/config/users/alice")[0]
            assert acl_view(mine, "/brokers/ids")[0] == ("digest", digest_id(USER, PASSWORD), 31)
            assert b"alice" in mine.get("/kafka-acl/Topic/secure")[0]
        finally:
            mine.stop()
            mine.close()
    finally:
        c.stop()
        c.check_sanitizers()


def test_set_acl_without_jaas_stops_startup(tmp_path, zk, monkeypatch):
    monkeypatch.delenv("KAFKA_OPTS", raising=False)
    b = Broker(str(tmp_path), zk.connect, 1, overrides={"zookeeper.set.acl": "true"})
    b.start(wait=False)
    wait_until(lambda: not b.alive(), 30, what="the broker to refuse to start")
    assert b.proc.returncode != 0
    assert "zookeeper.set.acl" in b.output()


def test_without_set_acl_znodes_stay_open(zk, broker):
    kz = kazoo(zk)
    try:
        assert acl_view(kz, "/brokers/ids/1") == [("world", "anyone", 31)]
        kz.set("/controller_epoch", kz.get("/controller_epoch")[0])  # anyone may write, as before
    finally:
        kz.stop()
        kz.close()
