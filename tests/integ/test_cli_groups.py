"""kafka-consumer-groups and the console consumer's --group, against a broker that serves
consumer groups: the seed notes replayed in order (topics, console producer and consumers,
groups listed and described with the right lag, offsets reset to earliest and shifted by 2,
keyed messages), every describe view in Kafka's formats, reset scenarios, delete, misuse.

Each test first checks that the broker advertises the group APIs (ApiVersions).

The seed notes are replayed against 3 brokers when the brokers replicate (they advertise
AlterPartition), else against 1, saying so; KAFKA_TEST_SEED_BROKERS=N forces N."""
import os
import re
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pytest

from kafkabroker import ROOT, wait_until
from test_cli import murmur2_partition

BIN = os.path.join(ROOT, "bin")
SEED_BROKERS = int(os.environ.get("KAFKA_TEST_SEED_BROKERS", "0"))  # 0: 3 if brokers replicate

# Kafka's documented describe header for a group and topic names of at most 15 characters
KAFKA_DESCRIBE_HEADER = ("GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  "
                         "LAG             CONSUMER-ID     HOST            CLIENT-ID")
KAFKA_RESET_HEADER = ("GROUP                          TOPIC                          PARTITION  "
                      "NEW-OFFSET     ")


def api_keys(port):
    """The API keys the broker advertises (ApiVersions v0)."""
    msg = struct.pack(">hhih", 18, 0, 1, 1) + b"t"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            c = s.recv(65536)
            if not c:
                break
            buf += c
    body = buf[8:]
    n = struct.unpack(">i", body[2:6])[0]
    return {struct.unpack(">h", body[6 + 6 * i:8 + 6 * i])[0] for i in range(n)}


def serves_groups(broker):
    return 16 in api_keys(broker.port) and 15 in api_keys(broker.port)


def need_groups(broker):
    assert serves_groups(broker), "the broker does not advertise ListGroups/DescribeGroups"


def run(tool, *args, input=None, timeout=60):
    return subprocess.run([os.path.join(BIN, tool)] + list(args), input=input,
                          capture_output=True, text=True, timeout=timeout)


class Background:
    """A tool left running (a console consumer without --max-messages), stopped by SIGINT as a
    user's Ctrl-C would."""

    def __init__(self, tool, *args):
        self.out = tempfile.TemporaryFile(mode="w+")
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([os.path.join(BIN, tool)] + list(args), stdout=self.out,
                                     stderr=self.err, text=True)

    def lines(self):
        self.out.seek(0)
        return self.out.read().splitlines()

    def wait_lines(self, n, timeout=30):
        return wait_until(lambda: len(self.lines()) >= n and self.lines(), timeout,
                          what="%d lines from the console consumer" % n)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.proc.wait(30)
        self.err.seek(0)
        return self.lines(), self.err.read()


def groups_tool(b, *args, **kw):
    return run("kafka-consumer-groups.sh", "--bootstrap-server", b, *args, **kw)


def wait_assigned(b, group_re, nparts, timeout=60):
    """Until a group matching group_re is Stable with nparts partitions assigned to its members,
    plus a moment for the consumer to look up its start offsets (a consumer starting at the
    log end would miss a message produced before it knows where the end is)."""
    def assigned():
        for g in groups_tool(b, "--list").stdout.split():
            if not re.fullmatch(group_re, g):
                continue
            r = groups_tool(b, "--describe", "--group", g, "--members")
            rows = [l.split() for l in r.stdout.splitlines()[1:] if l.strip() and not l.startswith("GROUP")]
            if sum(int(row[4]) for row in rows if len(row) >= 5 and row[4].isdigit()) == nparts:
                return g
        return None
    g = wait_until(assigned, timeout, 0.2, what="group %s with %d partitions" % (group_re, nparts))
    time.sleep(1)
    return g


def describe_rows(out):
    """Data rows of a describe --offsets table: dicts by column name."""
    lines = [l for l in out.splitlines() if l.strip()]
    head = next(i for i, l in enumerate(lines) if l.startswith("GROUP "))
    cols = lines[head].split()
    return [dict(zip(cols, l.split())) for l in lines[head + 1:]]


def end_offsets(b, topic, nparts):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": b, "group.id": "probe"})
    try:
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(nparts)]
    finally:
        c.close()


@pytest.fixture
def seed_cluster(broker_factory):
    """3 brokers when they replicate (AlterPartition advertised), else 1 (the seed's topics use
    replication factor 1, but brokers only see each other through the controller's requests
    once inter-broker replication is in); KAFKA_TEST_SEED_BROKERS overrides."""
    first = broker_factory(broker_id=1, overrides={"num.partitions": "3"})
    n = SEED_BROKERS if SEED_BROKERS else (3 if 56 in api_keys(first.port) else 1)
    return [first] + [broker_factory(broker_id=i + 1, overrides={"num.partitions": "3"})
                      for i in range(1, n)]


def test_seed_notes_replayed_in_order(zk, seed_cluster):
    b0 = seed_cluster[0]
    need_groups(b0)
    if len(seed_cluster) < 3:
        print("seed notes replayed on %d broker(s): these brokers do not replicate yet "
              "(AlterPartition not advertised)" % len(seed_cluster))
    z, b = zk.connect, b0.bootstrap
    # kafka-topics.sh: create, describe, list, delete
    r = run("kafka-topics.sh", "--zookeeper", z, "--topic", "first_topic", "--create", "--partitions",
            "3", "--replication-factor", "1")
    assert r.stdout == "Created topic first_topic.\n", r.stderr
    wait_until(lambda: run("kafka-topics.sh", "--zookeeper", z, "--topic", "first_topic",
                           "--describe").stdout.count("Leader: none") == 0, 30)
    r = run("kafka-topics.sh", "--zookeeper", z, "--topic", "first_topic", "--describe")
    assert r.stdout.splitlines()[0].startswith("Topic: first_topic\tTopicId: ")
    assert len(r.stdout.splitlines()) == 4
    assert "first_topic" in run("kafka-topics.sh", "--zookeeper", z, "--list").stdout.split()
    r = run("kafka-topics.sh", "--zookeeper", z, "--topic", "first_topic", "--delete")
    assert r.stdout.startswith("Topic first_topic is marked for deletion.")
    wait_until(lambda: "first_topic" not in run("kafka-topics.sh", "--zookeeper", z, "--list").stdout.split(),
               30, what="first_topic to be deleted")

    # kafka-console-producer.sh: the topic no longer exists: a WARN, and auto-creation with
    # num.partitions (3, as the notes' server.properties)
    r = run("kafka-console-producer.sh", "--broker-list", b, "--topic", "first_topic",
            input="hello\nworld\n")
    assert r.returncode == 0 and "WARN" in r.stderr, r.stderr
    r = run("kafka-console-producer.sh", "--broker-list", b, "--topic", "first_topic",
            "--producer-property", "acks=all", input="third\nfourth\n")
    assert r.returncode == 0, r.stderr
    assert "PartitionCount: 3" in run("kafka-topics", "--bootstrap-server", b, "--describe",
                                      "--topic", "first_topic").stdout

    # kafka-console-consumer.sh without --from-beginning: only what arrives while it runs
    c = Background("kafka-console-consumer.sh", "--bootstrap-server", b, "--topic", "first_topic")
    wait_assigned(b, r"console-consumer-\d+", 3)  # its random group owns the 3 partitions
    run("kafka-console-producer.sh", "--broker-list", b, "--topic", "first_topic", input="live\n")
    c.wait_lines(1)
    out, err = c.stop()
    assert out == ["live"] and "Processed a total of 1 messages" in err
    # --from-beginning: everything
    c = Background("kafka-console-consumer.sh", "--bootstrap-server", b, "--topic", "first_topic",
                   "--from-beginning")
    c.wait_lines(5)
    out, _ = c.stop()
    assert sorted(out) == ["fourth", "hello", "live", "third", "world"]
    # --group my-first-application: a new group starts at the end, then commits what it reads
    c = Background("kafka-console-consumer.sh", "--bootstrap-server", b, "--topic", "first_topic",
                   "--group", "my-first-application")
    wait_assigned(b, "my-first-application", 3)
    run("kafka-console-producer.sh", "--broker-list", b, "--topic", "first_topic",
        input="g1\ng2\ng3\n")
    c.wait_lines(3)
    out, err = c.stop()
    assert sorted(out) == ["g1", "g2", "g3"], err
    # --group my-second-first-application --from-beginning (2x): all, then nothing new
    c = Background("kafka-console-consumer.sh", "--bootstrap-server", b, "--topic", "first_topic",
                   "--group", "my-second-first-application", "--from-beginning")
    c.wait_lines(8)
    out, _ = c.stop()
    assert len(out) == 8
    c = Background("kafka-console-consumer.sh", "--bootstrap-server", b, "--topic", "first_topic",
                   "--group", "my-second-first-application", "--from-beginning")
    wait_assigned(b, "my-second-first-application", 3)
    time.sleep(3)  # reading from its committed offsets: nothing is left to print
    out, err = c.stop()
    assert out == [] and "Processed a total of 0 messages" in err

    # kafka-consumer-groups.sh --list and --describe with the right lag
    r = groups_tool(b, "--list")
    assert {"my-first-application", "my-second-first-application"} <= set(r.stdout.split())
    run("kafka-console-producer.sh", "--broker-list", b, "--topic", "first_topic",
        input="lag1\nlag2\n")
    ends = end_offsets(b, "first_topic", 3)
    assert sum(ends) == 10
    r = groups_tool(b, "--describe", "--group", "my-first-application")
    assert r.returncode == 0, r.stderr
    assert "Consumer group 'my-first-application' has no active members." in r.stderr
    rows = describe_rows(r.stdout)
    assert sorted(int(x["PARTITION"]) for x in rows) == [0, 1, 2]
    committed = {}
    for x in rows:
        p = int(x["PARTITION"])
        assert x["GROUP"] == "my-first-application" and x["TOPIC"] == "first_topic"
        assert int(x["LOG-END-OFFSET"]) == ends[p]
        cur = int(x["CURRENT-OFFSET"])
        assert int(x["LAG"]) == ends[p] - cur
        assert x["CONSUMER-ID"] == x["HOST"] == x["CLIENT-ID"] == "-"
        committed[p] = cur
    assert sum(ends) - sum(committed.values()) == 2  # the two lines produced since

    # Resetting offsets: to earliest, then the consumer reads everything again
    r = groups_tool(b, "--group", "my-first-application", "--reset-offsets", "--to-earliest",
                    "--execute", "--topic", "first_topic")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[1] == KAFKA_RESET_HEADER
    assert sorted(l.split()[2:] for l in lines[2:]) == [["0", "0"], ["1", "0"], ["2", "0"]]
    rows = describe_rows(groups_tool(b, "--describe", "--group", "my-first-application").stdout)
    assert all(x["CURRENT-OFFSET"] == "0" and int(x["LAG"]) == ends[int(x["PARTITION"])] for x in rows)
    c = Background("kafka-console-consumer.sh", "--bootstrap-server", b, "--topic", "first_topic",
                   "--group", "my-first-application")
    c.wait_lines(10)
    out, _ = c.stop()
    assert len(out) == 10
    rows = describe_rows(groups_tool(b, "--describe", "--group", "my-first-application").stdout)
    assert all(x["LAG"] == "0" for x in rows)
    # --shift-by 2 from the current offsets (clamped to the log end, as Kafka does)
    groups_tool(b, "--group", "my-first-application", "--reset-offsets", "--to-earliest",
                "--execute", "--topic", "first_topic")
    r = groups_tool(b, "--group", "my-first-application", "--reset-offsets", "--shift-by", "2",
                    "--execute", "--topic", "first_topic")
    assert r.returncode == 0, r.stderr
    want = {p: min(2, ends[p]) for p in range(3)}
    assert {int(l.split()[2]): int(l.split()[3]) for l in r.stdout.splitlines()[2:]} == want
    rows = describe_rows(groups_tool(b, "--describe", "--group", "my-first-application").stdout)
    assert {int(x["PARTITION"]): int(x["CURRENT-OFFSET"]) for x in rows} == want

    # keys: the producer parses them, the consumer prints them
    r = run("kafka-console-producer", "--broker-list", b, "--topic", "first_topic", "--property",
            "parse.key=true", "--property", "key.separator=,", input="key,value\nanother key,another value\n")
    assert r.returncode == 0, r.stderr
    c = Background("kafka-console-consumer", "--bootstrap-server", b, "--topic", "first_topic",
                   "--from-beginning", "--property", "print.key=true", "--property", "key.separator=,")
    c.wait_lines(12)
    out, _ = c.stop()
    assert "key,value" in out and "another key,another value" in out
    assert "null,hello" in out


def test_describe_views_in_kafkas_formats(broker):
    need_groups(broker)
    b = broker.bootstrap
    run("kafka-topics", "--bootstrap-server", b, "--create", "--topic", "fmt", "--partitions", "2")
    run("kafka-console-producer", "--broker-list", b, "--topic", "fmt", input="a\nb\nc\n")
    c = Background("kafka-console-consumer", "--bootstrap-server", b, "--topic", "fmt", "--group",
                   "fmtgroup", "--from-beginning")
    c.wait_lines(3)
    wait_until(lambda: "Stable" in groups_tool(b, "--describe", "--group", "fmtgroup", "--state").stdout, 30)
    # offsets: the documented header, members' rows carry the consumer id, /host, client id
    r = groups_tool(b, "--describe", "--group", "fmtgroup")
    lines = r.stdout.splitlines()
    assert lines[0] == ""
    wc = max(15, len(describe_rows(r.stdout)[0]["CONSUMER-ID"]))
    assert lines[1] == KAFKA_DESCRIBE_HEADER.replace("CONSUMER-ID     ", "CONSUMER-ID".ljust(wc + 1))
    rows = describe_rows(r.stdout)
    assert len(rows) == 2 and all(x["HOST"] == "/127.0.0.1" for x in rows)
    # members (--verbose adds the assignment)
    r = groups_tool(b, "--describe", "--group", "fmtgroup", "--members", "--verbose")
    lines = r.stdout.splitlines()
    assert re.match(r"^GROUP +CONSUMER-ID +HOST +CLIENT-ID +#PARTITIONS +ASSIGNMENT$", lines[1]), lines
    assert re.match(r"^fmtgroup +\S+ +/127\.0\.0\.1 +\S+ +2 +fmt\(0,1\)$", lines[2]), lines
    # state
    r = groups_tool(b, "--describe", "--group", "fmtgroup", "--state")
    lines = r.stdout.splitlines()
    assert re.match(r"^GROUP +COORDINATOR \(ID\) +ASSIGNMENT-STRATEGY +STATE +#MEMBERS$", lines[1])
    assert re.match(r"^fmtgroup +127\.0\.0\.1:%d \(1\) +\S+ +Stable +1$" % broker.port, lines[2]), lines
    # list with states
    r = groups_tool(b, "--list", "--state")
    assert re.search(r"^fmtgroup +Stable", r.stdout, re.M)
    assert groups_tool(b, "--list", "--state", "empty").stdout.split() == ["GROUP", "STATE"]
    # an active group is neither reset nor deleted
    r = groups_tool(b, "--group", "fmtgroup", "--reset-offsets", "--to-earliest", "--all-topics", "--execute")
    assert r.returncode == 1
    assert "Assignments can only be reset if the group 'fmtgroup' is inactive, but the current state is Stable." in r.stderr
    r = groups_tool(b, "--delete", "--group", "fmtgroup")
    assert r.returncode == 1 and "GroupNotEmptyException" in r.stderr
    c.stop()
    wait_until(lambda: "Empty" in groups_tool(b, "--describe", "--group", "fmtgroup", "--state").stdout, 30)
    r = groups_tool(b, "--delete", "--group", "fmtgroup")
    assert r.returncode == 0 and r.stdout == "Deletion of requested consumer groups ('fmtgroup') was successful.\n"
    r = groups_tool(b, "--describe", "--group", "fmtgroup")
    assert r.returncode == 1 and r.stderr.strip() == "Error: Consumer group 'fmtgroup' does not exist."


def test_reset_scenarios(broker, tmp_path):
    need_groups(broker)
    b = broker.bootstrap
    run("kafka-topics", "--bootstrap-server", b, "--create", "--topic", "rs", "--partitions", "2")
    keys = {murmur2_partition(("k%d" % i).encode(), 2): "k%d" % i for i in range(20)}
    lines = "".join("%s,v%d\n" % (keys[i % 2], i) for i in range(20))  # 10 per partition
    run("kafka-console-producer", "--broker-list", b, "--topic", "rs", "--property", "parse.key=true",
        "--property", "key.separator=,", input=lines)
    ends = end_offsets(b, "rs", 2)
    assert sum(ends) == 20

    def plan(*args):
        r = groups_tool(b, "--group", "rsg", "--reset-offsets", *args)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        head = lines.index(KAFKA_RESET_HEADER)  # "Warn: Partition ... is empty" lines may precede
        return {int(l.split()[2]): int(l.split()[3]) for l in lines[head + 1:] if l.strip()}

    # a new group may be given offsets; --dry-run (the default) changes nothing
    assert plan("--to-latest", "--topic", "rs") == {0: ends[0], 1: ends[1]}
    r = groups_tool(b, "--group", "rsg", "--reset-offsets", "--to-latest", "--topic", "rs")
    assert "WARN: No action will be performed as the --execute option is missing." in r.stderr
    assert groups_tool(b, "--describe", "--group", "rsg").returncode == 1  # nothing committed
    assert plan("--to-offset", "3", "--topic", "rs:1", "--execute") == {1: 3}
    assert plan("--to-current", "--all-topics") == {1: 3}
    assert plan("--shift-by", "-1", "--all-topics", "--execute") == {1: 2}
    assert plan("--shift-by", "-100", "--all-topics") == {1: 0}  # clamped to the log start
    assert plan("--to-offset", "1000", "--topic", "rs:1") == {1: ends[1]}  # clamped to the end
    assert plan("--to-datetime", "2000-01-01T00:00:00.000", "--topic", "rs") == {0: 0, 1: 0}
    assert plan("--by-duration", "PT1H", "--topic", "rs") == {0: 0, 1: 0}
    assert plan("--by-duration", "PT0S", "--topic", "rs") == {0: ends[0], 1: ends[1]}
    assert plan("--to-datetime", "2999-01-01T00:00:00Z", "--topic", "rs") == {0: ends[0], 1: ends[1]}
    # --export prints the plan as CSV, --from-file reads it back
    r = groups_tool(b, "--group", "rsg", "--reset-offsets", "--to-earliest", "--topic", "rs", "--export")
    assert r.stdout.split() == ["rs,0,0", "rs,1,0"]
    f = tmp_path / "plan.csv"
    f.write_text("rs,0,1\nrs,1,2\n")
    assert plan("--from-file", str(f), "--execute") == {0: 1, 1: 2}
    rows = describe_rows(groups_tool(b, "--describe", "--group", "rsg").stdout)
    assert {int(x["PARTITION"]): int(x["CURRENT-OFFSET"]) for x in rows} == {0: 1, 1: 2}
    # --delete-offsets for one topic
    r = groups_tool(b, "--delete-offsets", "--group", "rsg", "--topic", "rs")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Request succeed for deleting offsets with topic rs group rsg")
    # errors: shifting without a committed offset, unknown topics, bad datetime and duration
    r = groups_tool(b, "--group", "rsg", "--reset-offsets", "--shift-by", "1", "--topic", "rs")
    assert r.returncode == 1 and "since there is no current committed offset" in r.stderr
    r = groups_tool(b, "--group", "rsg", "--reset-offsets", "--to-earliest", "--topic", "nope")
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) <= 2 and "nope" in r.stderr
    r = groups_tool(b, "--group", "rsg", "--reset-offsets", "--to-datetime", "yesterday", "--topic", "rs")
    assert r.returncode == 1
    r = groups_tool(b, "--group", "rsg", "--reset-offsets", "--by-duration", "1h", "--topic", "rs")
    assert r.returncode == 1 and "Duration" in r.stderr
    r = groups_tool(b, "--group", "rsg", "--reset-offsets", "--to-earliest")
    assert r.returncode == 1 and "One of the reset scopes should be defined" in r.stderr


def test_console_consumer_without_group_joins_a_random_group(broker):
    """The seed notes: 'kafka-console-consumer use a random group id. Try running
    kafka-consumer-groups --list to see!'"""
    need_groups(broker)
    b = broker.bootstrap
    run("kafka-topics.sh", "--bootstrap-server", b, "--create", "--topic", "rnd", "--partitions", "2")
    run("kafka-console-producer.sh", "--broker-list", b, "--topic", "rnd", input="a\nb\nc\n")
    c = Background("kafka-console-consumer.sh", "--bootstrap-server", b, "--topic", "rnd",
                   "--from-beginning")
    try:
        assert sorted(c.wait_lines(3)) == ["a", "b", "c"]
        listed = wait_until(lambda: [g for g in groups_tool(b, "--list").stdout.split()
                                     if re.fullmatch(r"console-consumer-\d{1,5}", g)], 30,
                            what="the random group in kafka-consumer-groups --list")
        assert len(listed) == 1
    finally:
        lines, err = c.stop()
    assert "Processed a total of 3 messages" in err
    # it committed nothing: the group has no offsets to show
    r = groups_tool(b, "--describe", "--group", listed[0])
    rows = describe_rows(r.stdout) if "GROUP " in r.stdout else []
    assert all(row["CURRENT-OFFSET"] == "-" for row in rows), r.stdout + r.stderr


def test_describe_shows_dash_for_a_partition_without_committed_offset(broker):
    """Issue 20 item 6: a member owns two partitions, only one has a committed offset; Kafka's
    tool shows '-' for CURRENT-OFFSET and LAG of the other, never 0."""
    from confluent_kafka import Consumer, Producer, TopicPartition
    need_groups(broker)
    b = broker.bootstrap
    run("kafka-topics.sh", "--bootstrap-server", b, "--create", "--topic", "half", "--partitions", "2")
    p = Producer({"bootstrap.servers": b})
    for part in (0, 1):
        for i in range(3):
            p.produce("half", b"v%d" % i, partition=part)
    assert p.flush(30) == 0
    c = Consumer({"bootstrap.servers": b, "group.id": "halfg", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    c.subscribe(["half"])
    try:
        wait_until(lambda: c.poll(0.5) is not None and len(c.assignment()) == 2, 60,
                   what="the consumer's assignment")
        c.commit(offsets=[TopicPartition("half", 0, 2)], asynchronous=False)

        def described():
            out = groups_tool(b, "--describe", "--group", "halfg").stdout
            rows = describe_rows(out) if "GROUP " in out else []
            return rows if len(rows) == 2 and all(r["CONSUMER-ID"] != "-" for r in rows) else None
        rows = {r["PARTITION"]: r for r in wait_until(described, 60, what="two owned rows")}
        assert (rows["0"]["CURRENT-OFFSET"], rows["0"]["LOG-END-OFFSET"], rows["0"]["LAG"]) == ("2", "3", "1")
        assert (rows["1"]["CURRENT-OFFSET"], rows["1"]["LOG-END-OFFSET"], rows["1"]["LAG"]) == ("-", "3", "-")
    finally:
        c.close()
