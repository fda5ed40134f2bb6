"""kafka-configs for topics and brokers, through --bootstrap-server (Admin API) and --zookeeper:
the describe/alter/delete round trip, Kafka's output lines, the broker applying the change
(DescribeConfigs from a client, the znodes, and retention actually enforced), and misuse."""
import json
import os
import re
import subprocess
import time

from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic

from kafkabroker import ROOT, wait_until

BIN = os.path.join(ROOT, "bin")
SYN = re.compile(r"^  ([a-z.]+)=(\S*) sensitive=false synonyms=\{(.*)\}$")


def run(*args, timeout=60):
    return subprocess.run([os.path.join(BIN, "kafka-configs")] + list(args), capture_output=True,
                          text=True, timeout=timeout)


def topic(broker, name, **cfg):
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.create_topics([NewTopic(name, 1, 1, config=cfg)])[name].result(30)
    wait_until(lambda: name in a.list_topics(timeout=5).topics, 30)
    return a


def dynamic(admin, name):
    entries = list(admin.describe_configs([ConfigResource("topic", name)]).values())[0].result(30)
    return {k: e.value for k, e in entries.items() if e.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}


def test_bootstrap_round_trip_describe_alter_delete(zk, broker):
    b = broker.bootstrap
    a = topic(broker, "cfg")
    r = run("--bootstrap-server", b, "--entity-type", "topics", "--entity-name", "cfg", "--describe")
    assert r.returncode == 0 and r.stdout == "Dynamic configs for topic cfg are:\n", r.stderr

    r = run("--bootstrap-server", b, "--entity-type", "topics", "--entity-name", "cfg", "--alter",
            "--add-config", "retention.ms=60000,cleanup.policy=[compact,delete]")
    assert r.returncode == 0 and r.stdout == "Completed updating config for topic cfg.\n", r.stderr
    assert dynamic(a, "cfg") == {"retention.ms": "60000", "cleanup.policy": "compact,delete"}

    r = run("--bootstrap-server", b, "--topic", "cfg", "--describe")
    lines = r.stdout.splitlines()
    assert lines[0] == "Dynamic configs for topic cfg are:"
    rows = {SYN.match(l).group(1): SYN.match(l) for l in lines[1:]}
    assert set(rows) == {"retention.ms", "cleanup.policy"}
    # Kafka's line: the dynamic value, then its synonyms (dynamic first, then the broker default)
    assert rows["retention.ms"].group(0) == (
        "  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000, "
        "DEFAULT_CONFIG:log.retention.ms=604800000}")
    assert rows["cleanup.policy"].group(3).startswith("DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete")

    # the znode and the change notice are Kafka's
    assert json.loads(zk.cli_get("/config/topics/cfg")) == {
        "version": 1, "config": {"retention.ms": "60000", "cleanup.policy": "compact,delete"}}

    r = run("--bootstrap-server", b, "--topic", "cfg", "--alter", "--delete-config", "cleanup.policy")
    assert r.returncode == 0, r.stderr
    assert dynamic(a, "cfg") == {"retention.ms": "60000"}
    # deleting what is not set fails as Kafka's tool does
    r = run("--bootstrap-server", b, "--topic", "cfg", "--alter", "--delete-config", "cleanup.policy")
    assert r.returncode == 1 and r.stderr == "Invalid config(s): cleanup.policy\n"

    # --all lists every topic config with its source
    r = run("--bootstrap-server", b, "--topic", "cfg", "--describe", "--all")
    lines = r.stdout.splitlines()
    assert lines[0] == "All configs for topic cfg are:"
    assert any(l.startswith("  segment.bytes=") for l in lines)
    assert "  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000, " \
           "DEFAULT_CONFIG:log.retention.ms=604800000}" in lines


def test_zookeeper_round_trip_reaches_the_broker(zk, broker):
    z, b = zk.connect, broker.bootstrap
    a = topic(broker, "zcfg")
    r = run("--zookeeper", z, "--entity-type", "topics", "--entity-name", "zcfg", "--alter",
            "--add-config", "retention.ms=120000,segment.ms=3600000")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "Completed updating config for entity: topic 'zcfg'."
    # every broker follows /config/changes: the broker's DescribeConfigs shows it
    wait_until(lambda: dynamic(a, "zcfg") == {"retention.ms": "120000", "segment.ms": "3600000"}, 30,
               what="the broker to apply the ZooKeeper change")
    r = run("--zookeeper", z, "--entity-type", "topics", "--entity-name", "zcfg", "--describe")
    assert r.stdout.splitlines()[-1] == "Configs for topic 'zcfg' are retention.ms=120000,segment.ms=3600000"
    r = run("--zookeeper", z, "--topic", "zcfg", "--alter", "--delete-config", "segment.ms")
    assert r.returncode == 0, r.stderr
    wait_until(lambda: dynamic(a, "zcfg") == {"retention.ms": "120000"}, 30)
    # the bootstrap view and the ZooKeeper view agree
    r = run("--bootstrap-server", b, "--topic", "zcfg", "--describe")
    assert r.stdout.splitlines()[1].startswith("  retention.ms=120000 sensitive=false")
    # describe without a name: every topic with a config znode
    r = run("--zookeeper", z, "--entity-type", "topics", "--describe")
    assert "Configs for topic 'zcfg' are retention.ms=120000" in r.stdout.splitlines()
    # unknown topic, bad value: non-zero, one line
    r = run("--zookeeper", z, "--topic", "nope", "--alter", "--add-config", "retention.ms=1")
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1 and "nope" in r.stderr
    r = run("--zookeeper", z, "--topic", "zcfg", "--alter", "--add-config", "retention.ms=abc")
    assert r.returncode == 1 and "Invalid value abc for configuration retention.ms" in r.stderr


def test_retention_set_by_kafka_configs_is_enforced(broker_factory):
    broker = broker_factory(overrides={"log.retention.check.interval.ms": "500",
                                       "log.segment.bytes": "1024"})
    b = broker.bootstrap
    topic(broker, "ret")
    from confluent_kafka import Consumer, Producer, TopicPartition
    p = Producer({"bootstrap.servers": b})
    for i in range(60):  # one batch each: many 1 KiB segments
        p.produce("ret", value=b"x" * 300, partition=0)
        p.flush(30)
    c = Consumer({"bootstrap.servers": b, "group.id": "unused"})
    lo, hi = c.get_watermark_offsets(TopicPartition("ret", 0), timeout=10)
    assert (lo, hi) == (0, 60)
    time.sleep(1.1)  # the records are now older than 1 s
    r = run("--bootstrap-server", b, "--topic", "ret", "--alter", "--add-config", "retention.ms=1000")
    assert r.returncode == 0, r.stderr

    def trimmed():
        lo, _ = c.get_watermark_offsets(TopicPartition("ret", 0), timeout=10, cached=False)
        return lo > 0
    wait_until(trimmed, 30, what="segments older than retention.ms to be deleted")
    c.close()


def test_brokers_describe_and_refused_alter(broker):
    b = broker.bootstrap
    r = run("--bootstrap-server", b, "--entity-type", "brokers", "--entity-name", "1", "--describe")
    assert r.returncode == 0 and r.stdout == "Dynamic configs for broker 1 are:\n"
    r = run("--bootstrap-server", b, "--broker", "1", "--describe", "--all")
    lines = r.stdout.splitlines()
    assert lines[0] == "All configs for broker 1 are:"
    assert "  broker.id=1 sensitive=false synonyms={}" in lines
    r = run("--bootstrap-server", b, "--entity-type", "brokers", "--describe")
    assert r.stdout == ("Dynamic configs for broker 1 are:\n"
                        "Default configs for brokers in the cluster are:\n")
    # this broker applies no dynamic broker config: a clear refusal, not a silent store
    r = run("--bootstrap-server", b, "--broker", "1", "--alter", "--add-config", "log.retention.ms=1000")
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1
    assert "Cannot update these configs dynamically: Set(log.retention.ms)" in r.stderr
    r = run("--bootstrap-server", b, "--entity-type", "brokers", "--entity-default", "--alter",
            "--add-config", "log.retention.ms=1000")
    assert r.returncode == 1 and "Cannot update these configs dynamically" in r.stderr
    r = run("--bootstrap-server", b, "--broker", "1", "--alter", "--delete-config", "log.retention.ms")
    assert r.returncode == 1 and r.stderr == "Invalid config(s): log.retention.ms\n"


MISUSE = [
    ([], 0),  # no arguments: the help, as Kafka's tool
    (["--describe", "--topic", "t"], 1),  # no server
    (["--bootstrap-server", "x:1", "--zookeeper", "y:1", "--describe", "--topic", "t"], 1),
    (["--bootstrap-server", "127.0.0.1:1", "--topic", "t"], 1),  # no action
    (["--bootstrap-server", "127.0.0.1:1", "--describe", "--alter", "--topic", "t"], 1),
    (["--bootstrap-server", "127.0.0.1:1", "--describe"], 1),  # no entity type
    (["--bootstrap-server", "127.0.0.1:1", "--alter", "--entity-type", "topics", "--add-config", "a=b"], 1),
    (["--bootstrap-server", "127.0.0.1:1", "--alter", "--topic", "t"], 1),  # nothing to change
    (["--bootstrap-server", "127.0.0.1:1", "--alter", "--topic", "t", "--add-config", "novalue"], 1),
    (["--bootstrap-server", "127.0.0.1:1", "--describe", "--entity-type", "clients"], 1),
    (["--bootstrap-server", "127.0.0.1:1", "--describe", "--broker", "abc"], 1),
    (["--bootstrap-server", "127.0.0.1:1", "--describe", "--topic", "t", "--entity-type", "topics"], 1),
    (["--zookeeper", "127.0.0.1:1", "--describe", "--topic", "t", "--all"], 1),
    (["--bootstrap-server", "127.0.0.1:1", "--describe", "--topic", "t", "--bogus"], 1),
    (["--bootstrap-server", "127.0.0.1:1", "--describe", "--topic", "t"], 1),  # unreachable
]


def test_misuse_matrix():
    for args, rc in MISUSE:
        t0 = time.monotonic()
        r = run(*args, timeout=60)
        assert r.returncode == rc, (args, r.stderr)
        if rc:
            assert len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
        else:
            assert "--entity-type" in r.stdout
        assert time.monotonic() - t0 < 30, args
    t0 = time.monotonic()
    r = run("--zookeeper", "127.0.0.1:1", "--describe", "--topic", "t")
    assert r.returncode == 1 and "ZooKeeper" in r.stderr and time.monotonic() - t0 < 30
