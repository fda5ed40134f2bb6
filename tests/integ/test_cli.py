"""The Kafka CLI tools as the seed notes use them (with and without the .sh suffix): the
kafka-topics lines through ZooKeeper, console producer with keys and acks=all, console consumer
with print.key; Kafka's quickstart sequence through --bootstrap-server; output formats; misuse.
Consumer-group lines (--group, kafka-consumer-groups) are replayed in test_cli_groups.py."""
import os
import re
import subprocess
import time

import pytest

from kafkabroker import ROOT, wait_until

BIN = os.path.join(ROOT, "bin")


def run(tool, *args, input=None, timeout=60):
    r = subprocess.run([os.path.join(BIN, tool)] + list(args), input=input, capture_output=True,
                       text=True, timeout=timeout)
    return r


def murmur2_partition(key: bytes, n: int) -> int:
    """Java's Utils.murmur2 and toPositive, as the DefaultPartitioner uses them."""
    m, r = 0x5bd1e995, 24
    length = len(key)
    h = (0x9747b28c ^ length) & 0xffffffff
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(key[i:i + 4], "little")
        k = (k * m) & 0xffffffff
        k ^= k >> r
        k = (k * m) & 0xffffffff
        h = (h * m) & 0xffffffff
        h ^= k
    rem = length % 4
    tail = length - rem
    if rem == 3:
        h ^= key[tail + 2] << 16
    if rem >= 2:
        h ^= key[tail + 1] << 8
    if rem >= 1:
        h ^= key[tail]
        h = (h * m) & 0xffffffff
    h ^= h >> 13
    h = (h * m) & 0xffffffff
    h ^= h >> 15
    return (h & 0x7fffffff) % n


def test_seed_notes_topic_commands_via_zookeeper(zk, broker):
    z = zk.connect
    r = run("kafka-topics.sh", "--zookeeper", z, "--topic", "first_topic", "--create",
            "--partitions", "3", "--replication-factor", "1")
    assert r.returncode == 0 and r.stdout == "Created topic first_topic.\n", r.stderr

    def described():
        r = run("kafka-topics.sh", "--zookeeper", z, "--topic", "first_topic", "--describe")
        return r if r.returncode == 0 and r.stdout.count("Leader: 1\t") == 3 else None
    r = wait_until(described, 30, what="partitions to get a leader")
    lines = r.stdout.splitlines()
    assert re.fullmatch(r"Topic: first_topic\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\t"
                        r"ReplicationFactor: 1\tConfigs: ", lines[0]), lines[0]
    for p in range(3):
        assert lines[1 + p] == "\tTopic: first_topic\tPartition: %d\tLeader: 1\tReplicas: 1\tIsr: 1" % p
    r = run("kafka-topics.sh", "--zookeeper", z, "--list")
    assert r.returncode == 0 and "first_topic" in r.stdout.splitlines()
    # the notes: you cannot create a topic with a replication factor above the broker count
    r = run("kafka-topics", "--zookeeper", z, "--topic", "rf_topic", "--create", "--partitions",
            "1", "--replication-factor", "2")
    assert r.returncode == 1
    assert r.stderr.strip() == ("Error while executing topic command : Replication factor: 2 "
                                "larger than available brokers: 1.")
    r = run("kafka-topics.sh", "--zookeeper", z, "--topic", "first_topic", "--create",
            "--partitions", "3", "--replication-factor", "1")
    assert r.returncode == 1 and "Topic 'first_topic' already exists." in r.stderr
    r = run("kafka-topics.sh", "--zookeeper", z, "--topic", "first_topic", "--delete")
    assert r.returncode == 0
    assert r.stdout.startswith("Topic first_topic is marked for deletion.")
    wait_until(lambda: "first_topic" not in run("kafka-topics.sh", "--zookeeper", z, "--list").stdout,
               30, what="topic deletion")


def test_seed_notes_console_producer_and_consumer(zk, broker):
    b = broker.bootstrap
    run("kafka-topics.sh", "--zookeeper", zk.connect, "--topic", "first_topic", "--create",
        "--partitions", "3", "--replication-factor", "1")
    wait_until(lambda: "Leader: 1" in run("kafka-topics", "--bootstrap-server", b, "--describe",
                                         "--topic", "first_topic").stdout, 30, what="leaders")
    r = run("kafka-console-producer.sh", "--broker-list", b, "--topic", "first_topic",
            input="hello\nworld\n")
    assert r.returncode == 0, r.stderr
    r = run("kafka-console-producer.sh", "--broker-list", b, "--topic", "first_topic",
            "--producer-property", "acks=all", input="with acks all\n")
    assert r.returncode == 0, r.stderr
    keyed = ["key%d,value%d" % (i % 7, i) for i in range(60)]
    r = run("kafka-console-producer", "--broker-list", b, "--topic", "first_topic", "--property",
            "parse.key=true", "--property", "key.separator=,", input="\n".join(keyed) + "\n")
    assert r.returncode == 0, r.stderr
    r = run("kafka-console-consumer", "--bootstrap-server", b, "--topic", "first_topic",
            "--from-beginning", "--property", "print.key=true", "--property", "key.separator=,",
            "--property", "print.partition=true", "--timeout-ms", "3000")
    assert "Processed a total of 63 messages" in r.stderr, r.stderr
    # Kafka's formatter puts key.separator between every column: Partition:N,key,value
    rows = [tuple(l.split(",", 2)) for l in r.stdout.splitlines()]
    assert len(rows) == 63
    rows = [(part.split(":")[1], k, v) for part, k, v in rows]
    keyed_rows = [(p, k, v) for p, k, v in rows if k != "null"]
    assert sorted("%s,%s" % (k, v) for _, k, v in keyed_rows) == sorted(keyed)
    for p, k, v in keyed_rows:  # Java's murmur2 partitioner: same partition as a Java client
        assert int(p) == murmur2_partition(k.encode(), 3), (k, p)
    # ordering per key (= per partition) is the order produced
    for k in set(k for _, k, _ in keyed_rows):
        vs = [int(v[5:]) for _, kk, v in keyed_rows if kk == k]
        assert vs == sorted(vs)
    assert sorted(v for _, k, v in rows if k == "null") == ["hello", "with acks all", "world"]
    r = run("kafka-console-consumer", "--bootstrap-server", b, "--topic", "first_topic",
            "--from-beginning", "--max-messages", "5")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 5
    assert "Processed a total of 5 messages" in r.stderr


def test_producing_to_a_missing_topic_warns_and_autocreates(broker):
    r = run("kafka-console-producer", "--bootstrap-server", broker.bootstrap, "--topic", "newtopic",
            input="a\nb\n")
    assert r.returncode == 0, r.stderr
    assert "WARN" in r.stderr and "{newtopic=LEADER_NOT_AVAILABLE}" in r.stderr
    r = run("kafka-console-consumer", "--bootstrap-server", broker.bootstrap, "--topic", "newtopic",
            "--from-beginning", "--max-messages", "2")
    assert r.stdout == "a\nb\n"


def test_quickstart_sequence_with_bootstrap_server(zk, broker):
    # Kafka's quickstart prints, for the describe step:
    #   Topic: quickstart-events  TopicId: NPmZHyhbR9y00wMglMH2sg  PartitionCount: 1  ...
    b = broker.bootstrap
    r = run("kafka-topics.sh", "--create", "--topic", "quickstart-events", "--bootstrap-server", b)
    assert r.returncode == 0 and r.stdout == "Created topic quickstart-events.\n", r.stderr
    r = run("kafka-topics.sh", "--describe", "--topic", "quickstart-events", "--bootstrap-server", b)
    m = re.fullmatch(r"Topic: quickstart-events\tTopicId: ([A-Za-z0-9_-]{22})\tPartitionCount: 1\t"
                     r"ReplicationFactor: 1\tConfigs: ", r.stdout.splitlines()[0])
    assert m and m.group(1) != "A" * 22, r.stdout
    assert r.stdout.splitlines()[1] == ("\tTopic: quickstart-events\tPartition: 0\tLeader: 1\t"
                                        "Replicas: 1\tIsr: 1")
    # the same id the topic znode holds (what --zookeeper describes)
    rz = run("kafka-topics.sh", "--zookeeper", zk.connect, "--describe", "--topic", "quickstart-events")
    assert "\tTopicId: %s\t" % m.group(1) in rz.stdout.splitlines()[0], rz.stdout
    r = run("kafka-console-producer.sh", "--topic", "quickstart-events", "--bootstrap-server", b,
            input="This is my first event\nThis is my second event\n")
    assert r.returncode == 0
    r = run("kafka-console-consumer.sh", "--topic", "quickstart-events", "--from-beginning",
            "--bootstrap-server", b, "--max-messages", "2")
    assert r.stdout == "This is my first event\nThis is my second event\n"
    r = run("kafka-topics.sh", "--bootstrap-server", b, "--create", "--topic", "cfg-topic",
            "--partitions", "2", "--config", "retention.ms=60000")
    assert r.returncode == 0
    r = run("kafka-topics.sh", "--bootstrap-server", b, "--describe", "--topic", "cfg-topic")
    assert "Configs: retention.ms=60000" in r.stdout.splitlines()[0]
    r = run("kafka-topics.sh", "--bootstrap-server", b, "--alter", "--topic", "cfg-topic",
            "--partitions", "4")
    assert r.returncode == 0, r.stderr
    wait_until(lambda: "PartitionCount: 4" in run("kafka-topics", "--bootstrap-server", b,
                                                  "--describe", "--topic", "cfg-topic").stdout, 30)
    r = run("kafka-topics.sh", "--bootstrap-server", b, "--delete", "--topic", "quickstart-events")
    assert r.returncode == 0, r.stderr
    assert "quickstart-events" not in run("kafka-topics.sh", "--bootstrap-server", b, "--list").stdout


TOOLS = ["kafka-topics", "kafka-console-producer", "kafka-console-consumer", "kafka-consumer-groups",
         "kafka-configs", "kafka-producer-perf-test", "kafka-consumer-perf-test"]


@pytest.mark.parametrize("tool", TOOLS)
def test_every_tool_has_kafka_style_help(tool):
    for name in (tool, tool + ".sh"):
        r = run(name, "--help", timeout=30)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        i = lines.index("Option                                   Description")
        assert lines[i + 1] == "------                                   -----------"
        opts = [l.split()[0] for l in lines[i + 2:] if l.startswith("--")]
        assert len(opts) >= 5 and all(o.startswith("--") for o in opts)
        assert "--bootstrap-server" in opts or "--producer-props" in opts


def test_make_install_puts_every_tool_on_path(tmp_path):
    r = subprocess.run(["make", "-C", ROOT, "--no-print-directory", "install",
                        "DESTDIR=%s" % tmp_path, "PREFIX=/opt/kafka"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    bindir = tmp_path / "opt" / "kafka" / "bin"
    env = dict(os.environ, PATH="%s:/usr/bin:/bin" % bindir)
    for tool in TOOLS:
        for name in (tool, tool + ".sh"):
            assert os.access(bindir / name, os.X_OK), name
            r = subprocess.run([name, "--help"], env=env, capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, (name, r.stderr)
    for script in ("kafka-server-start.sh", "kafka-server-stop.sh", "zookeeper-server-start.sh",
                   "zookeeper-server-stop.sh", "kafka-server"):
        assert os.access(bindir / script, os.X_OK), script


MISUSE = [
    ("kafka-topics", ["--list"]),                                   # no server
    ("kafka-topics", ["--zookeeper", "x:1", "--bootstrap-server", "y:1", "--list"]),
    ("kafka-topics", ["--bootstrap-server", "127.0.0.1:1", "--create"]),  # no topic
    ("kafka-topics", ["--bootstrap-server", "127.0.0.1:1", "--lst"]),     # unknown option
    ("kafka-topics", ["--zookeeper", "127.0.0.1:1", "--topic", "t", "--create"]),  # no partitions
    ("kafka-console-producer", ["--topic", "t"]),
    ("kafka-console-producer", ["--broker-list", "127.0.0.1:1"]),
    ("kafka-console-consumer", ["--bootstrap-server", "127.0.0.1:1"]),
    ("kafka-console-consumer", ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--offset", "5"]),
    ("kafka-console-consumer", ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--bogus"]),
    ("kafka-producer-perf-test", ["--topic", "t"]),
    ("kafka-producer-perf-test", ["--topic", "t", "--num-records", "1", "--throughput", "-1",
                                  "--record-size", "1"]),  # no --producer-props
    ("kafka-producer-perf-test", ["--topic", "t", "--num-records", "x", "--throughput", "-1"]),
    ("kafka-producer-perf-test", ["--topic", "t", "--num-records", "1", "--throughput", "-1",
                                  "--record-size", "1", "--payload-monotonic",
                                  "--producer-props", "bootstrap.servers=127.0.0.1:1"]),
    ("kafka-producer-perf-test", ["--num-records", "1", "--bogus"]),
    ("kafka-consumer-perf-test", ["--topic", "t", "--messages", "1"]),  # no server
    ("kafka-consumer-perf-test", ["--bootstrap-server", "127.0.0.1:1", "--topic", "t"]),
    ("kafka-consumer-perf-test", ["--bootstrap-server", "127.0.0.1:1", "--messages", "1"]),
    ("kafka-consumer-perf-test", ["--bootstrap-server", "127.0.0.1:1", "--topic", "t",
                                  "--messages", "1"]),  # unreachable
    ("kafka-consumer-groups", ["--list"]),  # no server
    ("kafka-consumer-groups", ["--bootstrap-server", "127.0.0.1:1"]),  # no action
    ("kafka-consumer-groups", ["--bootstrap-server", "127.0.0.1:1", "--describe"]),  # no group
    ("kafka-consumer-groups", ["--bootstrap-server", "127.0.0.1:1", "--reset-offsets", "--group",
                               "g", "--to-earliest", "--shift-by", "1", "--topic", "t"]),
    ("kafka-consumer-groups", ["--bootstrap-server", "127.0.0.1:1", "--reset-offsets", "--group",
                               "g", "--execute", "--dry-run", "--to-earliest", "--topic", "t"]),
    ("kafka-consumer-groups", ["--bootstrap-server", "127.0.0.1:1", "--delete", "--group", "g",
                               "--topic", "t"]),
    ("kafka-consumer-groups", ["--bootstrap-server", "127.0.0.1:1", "--list", "--state", "nope"]),
    ("kafka-consumer-groups", ["--bootstrap-server", "127.0.0.1:1", "--list", "--bogus"]),
    ("kafka-consumer-groups", ["--bootstrap-server", "127.0.0.1:1", "--list"]),  # unreachable
    ("kafka-configs", ["--describe", "--topic", "t"]),  # no server
    ("kafka-configs", ["--bootstrap-server", "127.0.0.1:1", "--alter", "--topic", "t"]),
    ("kafka-configs", ["--bootstrap-server", "127.0.0.1:1", "--describe", "--topic", "t"]),
]


@pytest.mark.parametrize("tool,args", MISUSE)
def test_misuse_exits_nonzero_with_one_line_reason(tool, args):
    t0 = time.monotonic()
    r = run(tool, *args, timeout=60)
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert time.monotonic() - t0 < 30


def test_unreachable_broker_is_an_error_not_a_hang():
    t0 = time.monotonic()
    r = run("kafka-console-consumer", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", timeout=60)
    assert r.returncode != 0 and "127.0.0.1:1" in r.stderr
    r = run("kafka-topics", "--zookeeper", "127.0.0.1:1", "--list", timeout=60)
    assert r.returncode != 0 and "ZooKeeper" in r.stderr
    r = run("kafka-console-producer", "--bootstrap-server", "127.0.0.1:1", "--topic", "t",
            input="x\n", timeout=60)
    assert r.returncode != 0
    assert time.monotonic() - t0 < 50
